/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef RT_SESSION_PRIV_H
#define RT_SESSION_PRIV_H
#include "core/session.h"
#endif
