// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * funccount: count calls of functions and tracepoints matching a pattern, like BCC's
 * funccount.  Every probe is an in-kernel counter (a tracepoint counter, or a uprobe
 * through the fd-bound perf uprobe PMU), so nothing is copied per call.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "core/err.h"
#include "core/out.h"
#include "core/probes.h"
#include "core/session.h"
#include "parsers/pattern.h"
#include "tool.h"

struct conf {
	long pid, interval, duration, cpu;
	bool timestamp, regexp, debug;
};

static const struct opt opts[] = {
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID", "trace this PID only", 1, 4194304 },
	{ 'i', "interval", OPT_INT, offsetof(struct conf, interval), "INTERVAL", "summary interval, seconds", 1, 99999999 },
	{ 'd', "duration", OPT_INT, offsetof(struct conf, duration), "DURATION", "total duration of trace, seconds", 1, 99999999 },
	{ 'T', "timestamp", OPT_FLAG, offsetof(struct conf, timestamp), NULL, "include timestamp on output" },
	{ 'r', "regexp", OPT_FLAG, offsetof(struct conf, regexp), NULL, "use regular expressions. Default is \"*\" wildcards only." },
	{ 'D', "debug", OPT_FLAG, offsetof(struct conf, debug), NULL, "print the probes that would be attached, and how" },
	{ 'c', "cpu", OPT_INT, offsetof(struct conf, cpu), "CPU", "trace this CPU only", 0, 8191 },
	OPT_END
};

static void conf_init(void *p)
{
	((struct conf *)p)->cpu = -1;
}

struct row {
	const char *name;
	uint64_t count;
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	struct probe_list probes;
	struct evsel **evs;
	struct row *rows;
};

static int by_count(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	return x->count < y->count ? -1 : x->count > y->count;
}

static int print_counts(void *arg)
{
	struct state *st = arg;
	size_t n = 0;
	char hms[16];

	session__read_counts(st->s);
	for (size_t i = 0; i < st->probes.n; i++) {
		uint64_t v = evsel__count(st->evs[i]);

		if (v)
			st->rows[n++] = (struct row){ st->probes.v[i].display, v };
	}
	session__reset_counts(st->s);
	/* BCC sorts ascending by count (stable); zero counts are not printed. */
	if (n)
		qsort(st->rows, n, sizeof(*st->rows), by_count);
	fputc('\n', st->out);
	if (st->c->timestamp)
		fprintf(st->out, "%-8s\n", out_hms(hms, time(NULL)));
	fprintf(st->out, "%-36s %8s\n", "FUNC", "COUNT");
	for (size_t i = 0; i < n; i++)
		fprintf(st->out, "%-36s %8llu\n", st->rows[i].name, (unsigned long long)st->rows[i].count);
	return out_flush(st->out) || out_broken(st->out);
}

static void print_plan(const struct state *st)
{
	char what[4200];

	for (size_t i = 0; i < st->probes.n; i++) {
		probes_describe(&st->probes.v[i], what, sizeof(what));
		fprintf(stderr, "counter: %s\n", what);
	}
}

static int attach(struct state *st)
{
	struct ev_cfg cfg = { .mode = EV_COUNT };

	st->evs = calloc(st->probes.n, sizeof(*st->evs));
	st->rows = calloc(st->probes.n, sizeof(*st->rows));
	if (!st->evs || !st->rows) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < st->probes.n; i++)
		if (!(st->evs[i] = probes_add(st->s, &st->probes.v[i], &cfg)))
			return EXIT_RUNTIME;
	return session__start(st->s);
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	const struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct target tgt = { .pid = (pid_t)c->pid, .cpu = (int)c->cpu };
	struct loop_cfg lc = { .on_tick = print_counts, .arg = &st };
	struct pattern pat = { 0 };
	char err[256];
	enum loop_end why;
	int ret;

	if (pattern_parse(argv[0], &pat, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_USAGE;
	}
	loop_block_signals();
	st.s = session__new("funccount");
	if (!st.s) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = probes_expand(&pat, c->regexp, (pid_t)c->pid, &st.probes);
	if (ret)
		goto out;
	if ((long)st.probes.n > probes_limit()) {
		err_msg("maximum of %ld probes allowed, attempted %zu", probes_limit(), st.probes.n);
		ret = EXIT_USAGE;
		goto out;
	}
	if (c->debug)
		print_plan(&st);
	session__set_target(st.s, &tgt);
	ret = attach(&st);
	if (ret)
		goto out;
	fprintf(ctx->out, "Tracing %zu functions for \"%s\"... Hit Ctrl-C to end.\n", st.probes.n, argv[0]);
	if (out_flush(ctx->out))
		goto out;
	loop_cfg_intervals(&lc, (double)c->interval, (double)c->duration);
	why = session__loop(st.s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (why == LOOP_SIGNAL)
		print_counts(&st);
	fprintf(ctx->out, "Detaching...\n");
out:
	out_flush(ctx->out);
	session__delete(st.s);
	probe_list_free(&st.probes);
	pattern_free(&pat);
	free(st.evs);
	free(st.rows);
	return ret;
}

const struct tool_desc tool_funccount = {
	.name = "funccount",
	.summary = "Count functions, tracepoints and user functions matching a pattern.",
	.args = "pattern",
	.min_args = 1,
	.max_args = 1,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.examples = "    rawtrace funccount 't:syscalls:sys_enter_open*'  # count open syscalls by variant\n"
		    "    rawtrace funccount -i 1 't:sched:*'             # sched tracepoints, per second\n"
		    "    rawtrace funccount 'c:malloc'                   # count libc malloc() calls\n"
		    "    rawtrace funccount -p 185 'c:str*'              # libc str* calls of PID 185\n"
		    "    rawtrace funccount -r 'c:(read|write)$'         # regex: libc read and write\n"
		    "    rawtrace funccount '/usr/bin/bash:readline'     # a function of an executable\n"
		    "    rawtrace funccount -d 5 't:block:*'             # block tracepoints for 5 seconds\n"
		    "    rawtrace funccount 'vfs_*'                      # kernel functions (needs kprobes)\n",
	.run = run,
};
