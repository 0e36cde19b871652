// SPDX-License-Identifier: GPL-2.0-or-later
/* stackcount: placeholder until the tool lands. */
#include "core/err.h"
#include "tool.h"
static int run(struct tool_ctx *ctx, void *conf, int argc, char **argv)
{
	err_msg("not implemented yet");
	return EXIT_RUNTIME;
}
const struct tool_desc tool_stackcount = { .name = "stackcount", .summary = "(in development)", .run = run };
