/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_SYSHELP_H
#define RT_SYSHELP_H
#endif
