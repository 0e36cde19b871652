/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_KSYMS_H
#define RT_KSYMS_H
#endif
