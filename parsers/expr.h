/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_EXPR_H
#define RT_EXPR_H
#endif
