// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rawtrace: the multi-call front end.  `rawtrace TOOL [options] [args]` (or a symlink named
 * after the tool) parses the tool's options from its table and runs it; `--list`,
 * `--version` and `--help` describe what is here.
 */
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "core/err.h"
#include "core/out.h"
#include "tool.h"

static void list_tools(FILE *f)
{
	for (unsigned i = 0; i < rt_ntools; i++)
		fprintf(f, "  %-12s %s\n", rt_tools[i]->name, rt_tools[i]->summary);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: rawtrace TOOL [options] [args]\n"
		   "       rawtrace --list | --version | --help\n\n"
		   "BCC-style tracing tools on perf_event_open(2) and tracefs (no BPF).\n"
		   "Run 'rawtrace TOOL --help' for a tool's options.\n\ntools:\n");
	list_tools(f);
}

static int run_tool(const struct tool_desc *t, int argc, char **argv)
{
	struct tool_ctx ctx = { .out = stdout, .name = t->name };
	void *conf = calloc(1, t->conf_size ? t->conf_size : 1);
	int first = 1, ret, fret;

	if (!conf) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	err_set_prog(t->name);
	if (t->conf_init)
		t->conf_init(conf);
	ret = opts_parse(t, conf, argc, argv, &first, stdout);
	if (ret == 1)
		ret = EXIT_OK; /* --help */
	else if (ret == 0)
		ret = t->run(&ctx, conf, argc - first, argv + first);
	if (t->conf_free)
		t->conf_free(conf);
	free(conf);
	fret = out_flush(stdout);
	return ret ? ret : fret;
}

int main(int argc, char **argv)
{
	const char *self = basename(argv[0]);
	const struct tool_desc *t;

	/* A closed output pipe (| head) must end us through EPIPE on write, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	t = tool_find(self);
	if (t)
		return run_tool(t, argc, argv);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return out_flush(stdout);
	}
	if (!strcmp(argv[1], "--version")) {
		printf("rawtrace %s\n", PACKAGE_VERSION);
		return out_flush(stdout);
	}
	if (!strcmp(argv[1], "--list")) {
		for (unsigned i = 0; i < rt_ntools; i++)
			printf("%s\n", rt_tools[i]->name);
		return out_flush(stdout);
	}
	t = tool_find(argv[1]);
	if (!t) {
		err_msg("unknown tool '%s'; 'rawtrace --list' shows the tools", argv[1]);
		return EXIT_USAGE;
	}
	return run_tool(t, argc - 1, argv + 1);
}
