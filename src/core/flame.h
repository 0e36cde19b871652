/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_FLAME_H
#define RT_FLAME_H
#endif
