// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * trace: print a formatted line for each hit of one or more probes, like BCC's trace.
 * Each spec is parsed by parsers/spec.c and planned by core/specprobe: values come from
 * tracepoint fields or kernel fetch-args captured at event time, the predicate runs in the
 * kernel where the ftrace filter language can express it, and strings that could only be
 * read later from user memory are printed with a "? " mark.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/err.h"
#include "core/out.h"
#include "core/session.h"
#include "core/specprobe.h"
#include "core/stacks.h"
#include "parsers/fmt.h"
#include "parsers/spec.h"
#include "tool.h"

#define MARK "? "

struct conf {
	long buffer_pages, pid, tid, string_size, max_events;
	bool verbose, include_self, timestamp, unix_ts, clock, print_cpu, kstack, ustack, address;
	const char *name, *msg_filter;
};

static const struct opt opts[] = {
	{ 'b', "buffer-pages", OPT_INT, offsetof(struct conf, buffer_pages), "BUFFER_PAGES", "number of pages to use for perf_events ring buffer (default: 64)", 1, 1048576 },
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID", "id of the process to trace (optional)", 1, 4194304 },
	{ 'L', "tid", OPT_INT, offsetof(struct conf, tid), "TID", "id of the thread to trace (optional)", 1, 4194304 },
	{ 'v', "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "print the kernel filters, user-space residuals and fetch-args" },
	{ 'Z', "string-size", OPT_INT, offsetof(struct conf, string_size), "STRING_SIZE", "maximum size to read from strings", 1, 4095 },
	{ 'S', "include-self", OPT_FLAG, offsetof(struct conf, include_self), NULL, "do not filter trace's own pid from the trace" },
	{ 'M', "max-events", OPT_INT, offsetof(struct conf, max_events), "MAX_EVENTS", "number of events to print before quitting", 1, 1L << 40 },
	{ 't', "timestamp", OPT_FLAG, offsetof(struct conf, timestamp), NULL, "print timestamp column (offset from trace start)" },
	{ 'u', "unix-timestamp", OPT_FLAG, offsetof(struct conf, unix_ts), NULL, "print UNIX timestamp instead of offset from trace start, requires -t" },
	{ 'T', "time", OPT_FLAG, offsetof(struct conf, clock), NULL, "print time column" },
	{ 'C', "print_cpu", OPT_FLAG, offsetof(struct conf, print_cpu), NULL, "print CPU id" },
	{ 'n', "name", OPT_STR, offsetof(struct conf, name), "NAME", "only print process names containing this name" },
	{ 'f', "msg-filter", OPT_STR, offsetof(struct conf, msg_filter), "MSG_FILTER", "only print the msg of event containing this string" },
	{ 'K', "kernel-stack", OPT_FLAG, offsetof(struct conf, kstack), NULL, "output kernel stack trace" },
	{ 'U', "user-stack", OPT_FLAG, offsetof(struct conf, ustack), NULL, "output user stack trace (DWARF unwinding of a copy of the user stack)" },
	{ 'a', "address", OPT_FLAG, offsetof(struct conf, address), NULL, "print virtual address in stacks" },
	OPT_END
};

static void conf_init(void *p)
{
	struct conf *c = p;

	c->buffer_pages = 64;
	c->string_size = 80;
}

struct probe {
	struct state *st;
	struct trace_spec spec;
	struct specprobe *sp;
	bool *val_string;
	struct expr_value *vals;
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	struct probe *probes;
	size_t nprobes;
	long printed;
	uint64_t first_ns;
	struct stacks stacks;
	char msg[8192];
};

static void print_header(const struct state *st)
{
	const struct conf *c = st->c;
	bool any_fmt = false;

	for (size_t i = 0; i < st->nprobes; i++)
		any_fmt |= st->probes[i].spec.has_fmt;
	if (c->timestamp)
		fprintf(st->out, c->unix_ts ? "%-17s " : "%-8s ", "TIME");
	else if (c->clock)
		fprintf(st->out, "%-8s ", "TIME");
	if (c->print_cpu)
		fprintf(st->out, "%-3s ", "CPU");
	fprintf(st->out, "%-7s %-7s %-15s %-16s %s\n", "PID", "TID", "COMM", "FUNC", any_fmt ? "-" : "");
}

/* Render the probe's message; values read late are prefixed with the mark. */
static bool render(struct probe *pr, const struct sample *smp, char *out, size_t len)
{
	const struct trace_spec *sp = &pr->spec;
	char marked[8][256];
	size_t nmarked = 0;

	out[0] = 0;
	if (!sp->has_fmt)
		return true;
	for (size_t i = 0; i < sp->nargs; i++) {
		bool late = false;

		if (specprobe_value(pr->sp, smp, i, &pr->vals[i], &late))
			return false;
		if (late && pr->vals[i].kind == EXPR_VAL_STR && nmarked < 8) {
			snprintf(marked[nmarked], sizeof(marked[0]), MARK "%s", pr->vals[i].str);
			pr->vals[i] = expr_value_str(marked[nmarked++]);
		}
	}
	return fmt_render(&sp->fmt, pr->vals, sp->nargs, out, len) >= 0;
}

static void on_hit(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct probe *pr = arg;
	struct state *st = pr->st;
	const struct conf *c = st->c;
	const char *comm;
	char tbuf[32];

	if (!specprobe_match(pr->sp, smp))
		return;
	comm = specprobe_comm(pr->sp, smp);
	if (c->name && !strstr(comm, c->name))
		return;
	if (!render(pr, smp, st->msg, sizeof(st->msg)))
		snprintf(st->msg, sizeof(st->msg), "[cannot evaluate the arguments]");
	if (c->msg_filter && !strstr(st->msg, c->msg_filter))
		return;
	if (!st->first_ns)
		st->first_ns = smp->time;
	if (c->timestamp && c->unix_ts) {
		struct timespec mono, real;

		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &real);
		snprintf(tbuf, sizeof(tbuf), "%.6f", (double)real.tv_sec + real.tv_nsec / 1e9 -
			 ((double)mono.tv_sec + mono.tv_nsec / 1e9 - smp->time / 1e9));
		fprintf(st->out, "%-17s ", tbuf);
	} else if (c->timestamp) {
		snprintf(tbuf, sizeof(tbuf), "%.6f", (smp->time - st->first_ns) / 1e9);
		fprintf(st->out, "%-8s ", tbuf);
	} else if (c->clock) {
		fprintf(st->out, "%-8s ", out_hms(tbuf, time(NULL)));
	}
	if (c->print_cpu)
		fprintf(st->out, "%-3u ", smp->cpu);
	fprintf(st->out, "%-7u %-7u %-15s %-16s %s\n", smp->pid, smp->tid, comm, specprobe_name(pr->sp), st->msg);
	if (c->kstack || c->ustack) {
		/* BCC's stack lines: 8 spaces, [-a: the address,] sym+0xoff and the module */
		stacks_print(&st->stacks, smp, "        ", st->out);
		fputc('\n', st->out);
	}
	if (out_broken(st->out) || (c->max_events && ++st->printed >= c->max_events))
		session__stop(st->s);
}

static int plan(struct state *st, struct probe *pr, const char *text)
{
	const struct conf *c = st->c;
	struct specprobe_req r = { 0 };
	struct expr_error err = { 0 };
	int status;

	if (trace_spec_parse(text, &pr->spec, &err))
		return specprobe_spec_error(text, &err);
	if (pr->spec.has_fmt && fmt_check_args(&pr->spec.fmt, pr->spec.nargs, pr->spec.fmt_col, pr->spec.arg_cols, &err))
		return specprobe_spec_error(text, &err);
	pr->val_string = calloc(pr->spec.nargs + 1, sizeof(*pr->val_string));
	pr->vals = calloc(pr->spec.nargs + 1, sizeof(*pr->vals));
	if (!pr->val_string || !pr->vals) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	/* which argument each string conversion consumes */
	for (size_t i = 0, a = 0; i < pr->spec.fmt.npieces; i++)
		if (pr->spec.fmt.pieces[i].is_conv && a < pr->spec.nargs)
			pr->val_string[a++] = fmt_conv_is_string(pr->spec.fmt.pieces[i].conv);
	pr->st = st;
	r.site = pr->spec.site;
	r.pred = pr->spec.pred;
	r.vals = (const struct expr *const *)pr->spec.args;
	r.val_string = pr->val_string;
	r.nvals = pr->spec.nargs;
	r.string_size = (unsigned)c->string_size;
	r.pid = (pid_t)c->pid;
	r.verbose = c->verbose;
	stacks_request(&st->stacks, &r.sample_type, &r.regs_user, &r.stack_user);
	r.on_sample = on_hit;
	r.arg = pr;
	pr->sp = specprobe_new(st->s, &r, &status);
	return pr->sp ? 0 : status;
}

static int check_conf(const struct conf *c)
{
	if (c->pid && c->tid) {
		err_msg("only one of -p and -L may be specified");
		return EXIT_USAGE;
	}
	if (c->unix_ts && !c->timestamp) {
		err_msg("-u requires -t");
		return EXIT_USAGE;
	}
	if (c->buffer_pages & (c->buffer_pages - 1)) {
		err_msg("-b must be a power of two, got %ld", c->buffer_pages);
		return EXIT_USAGE;
	}
	return 0;
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	const struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct target tgt = { .pid = (pid_t)c->pid, .tid = (pid_t)c->tid, .cpu = -1 };
	struct loop_cfg lc = { 0 };
	int ret = check_conf(c);

	if (ret)
		return ret;
	loop_block_signals();
	st.s = session__new("trace");
	if (!st.s)
		return EXIT_RUNTIME;
	session__set_target(st.s, &tgt);
	ret = stacks_init(&st.stacks, st.s, c->kstack, c->ustack, c->address, (pid_t)c->pid);
	if (ret)
		goto out;
	session__set_buffer_pages(st.s, stacks_ring_pages(&st.stacks, (unsigned)c->buffer_pages, 64));
	session__set_exclude_self(st.s, !c->include_self);
	st.probes = calloc((size_t)argc, sizeof(*st.probes));
	if (!st.probes) {
		err_msg("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	for (int i = 0; i < argc && !ret; i++) {
		st.nprobes++;
		ret = plan(&st, &st.probes[i], argv[i]);
	}
	if (!ret)
		ret = session__start(st.s);
	if (ret)
		goto out;
	print_header(&st);
	if (out_flush(ctx->out))
		goto out;
	if (session__loop(st.s, &lc) == LOOP_ERROR)
		ret = EXIT_RUNTIME;
out:
	out_flush(ctx->out);
	session__delete(st.s);
	for (size_t i = 0; i < st.nprobes; i++) {
		specprobe_free(st.probes[i].sp);
		trace_spec_free(&st.probes[i].spec);
		free(st.probes[i].val_string);
		free(st.probes[i].vals);
	}
	free(st.probes);
	stacks_fini(&st.stacks);
	return ret;
}

const struct tool_desc tool_trace = {
	.name = "trace",
	.summary = "Attach to functions and tracepoints and print a trace message for each hit.",
	.args = "probe [probe ...]",
	.min_args = 1,
	.max_args = 64,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.examples = "    rawtrace trace 't:syscalls:sys_enter_getppid \"%d\", args->__syscall_nr'\n"
		    "    rawtrace trace -M 5 't:block:block_rq_complete \"sectors=%d\", args->nr_sector'\n"
		    "    rawtrace trace 'p:c:write (arg1 == 1) \"writing %d bytes to STDOUT\", arg3'\n"
		    "    rawtrace trace 'r:c:malloc (retval == 0) \"malloc failed\"'\n"
		    "    rawtrace trace 'do_sys_openat2 \"%s\", arg2'        # kernel function: needs kprobes\n"
		    "    rawtrace trace -p 185 't:sched:sched_switch \"%s -> %s\", args->prev_comm, args->next_comm'\n",
	.run = run,
};
