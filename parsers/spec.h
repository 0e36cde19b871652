/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_SPEC_H
#define RT_SPEC_H
#endif
