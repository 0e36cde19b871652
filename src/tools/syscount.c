// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder */
#include "tool.h"
static int run(struct tool_ctx *ctx, void *conf, int argc, char **argv) { return 0; }
const struct tool_desc tool_syscount = { .name = "syscount", .run = run };
