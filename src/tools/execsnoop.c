// SPDX-License-Identifier: GPL-2.0-or-later
/* execsnoop: placeholder until the tool lands. */
#include "core/err.h"
#include "tool.h"
static int run(struct tool_ctx *ctx, void *conf, int argc, char **argv)
{
	err_msg("not implemented yet");
	return EXIT_RUNTIME;
}
const struct tool_desc tool_execsnoop = { .name = "execsnoop", .summary = "(in development)", .run = run };
