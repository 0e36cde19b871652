/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_FMT_H
#define RT_FMT_H
#endif
