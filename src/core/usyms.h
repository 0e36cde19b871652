/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_USYMS_H
#define RT_USYMS_H
#endif
