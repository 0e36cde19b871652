/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tool: what a tool is (a descriptor with an option table and a run callback) and what it
 * may see (tool_ctx).  Tools never touch the kernel directly; they go through session.
 */
#ifndef RT_TOOL_H
#define RT_TOOL_H

#include <stdio.h>
#include "core/opts.h"

struct tool_ctx {
	FILE *out;        /* tool output (stdout) */
	const char *name; /* tool name, e.g. "syscount" */
};

struct tool_desc {
	const char *name;
	const char *summary;   /* one line, for --list and --help */
	const char *args;      /* positional synopsis, e.g. "pattern" or "[interval [count]]" */
	int min_args, max_args;
	const struct opt *opts;
	size_t conf_size;
	void (*conf_init)(void *conf);   /* defaults; may be NULL (all zero) */
	void (*conf_free)(void *conf);   /* releases OPT_LIST storage etc.; may be NULL */
	const char *examples;  /* printed under "examples:" by --help */
	/* Returns the process exit status (EXIT_OK, EXIT_RUNTIME, EXIT_USAGE). */
	int (*run)(struct tool_ctx *ctx, void *conf, int argc, char **argv);
};

/* The tool table (tools.def). */
extern const struct tool_desc *const rt_tools[];
extern const unsigned rt_ntools;
const struct tool_desc *tool_find(const char *name);

#endif
