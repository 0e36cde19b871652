// SPDX-License-Identifier: GPL-2.0-or-later
/* bitesize: placeholder until the tool lands. */
#include "core/err.h"
#include "tool.h"
static int run(struct tool_ctx *ctx, void *conf, int argc, char **argv)
{
	err_msg("not implemented yet");
	return EXIT_RUNTIME;
}
const struct tool_desc tool_bitesize = { .name = "bitesize", .summary = "(in development)", .run = run };
