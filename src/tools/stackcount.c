// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * stackcount: count the stacks that lead to events (tracepoints, user functions, kernel
 * functions where kprobes exist), like BCC's stackcount.  Each probe samples every hit:
 * the kernel stack comes from the kernel's callchain (PERF_SAMPLE_CALLCHAIN), the user
 * stack from DWARF unwinding of the sampled user registers and a copy of the user stack
 * (PERF_SAMPLE_REGS_USER + PERF_SAMPLE_STACK_USER), done in the sample callback while the
 * process still exists.  Stacks are kept as addresses in a bounded map and symbolized only
 * when printed.  --svg also writes a flame graph of everything counted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/agg.h"
#include "core/err.h"
#include "core/flame.h"
#include "core/ksyms.h"
#include "core/out.h"
#include "core/probes.h"
#include "core/session.h"
#include "core/usyms.h"
#include "parsers/pattern.h"
#include "tool.h"

#define MAX_STACKS 16384      /* unique stacks per interval, BCC's stack map size */
#define MAX_FRAMES 127        /* kernel.perf_event_max_stack's default */
/* All GPRs, IP, FLAGS, CS, SS: the segment registers DS..GS are refused (EINVAL). */
/* Every sample carries the stack copy: 4 MiB per CPU holds ~250 of them. */
#define USER_RING_PAGES 1024
#define KERNEL_RING_PAGES 256
#define NO_PID UINT32_MAX

struct conf {
	long pid, cpu, interval, duration;
	bool timestamp, regexp, offset, perpid, kernel_only, user_only, verbose, delimited, folded, debug;
	const char *svg;
};

static const struct opt opts[] = {
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID", "trace this PID only", 1, 4194304 },
	{ 'c', "cpu", OPT_INT, offsetof(struct conf, cpu), "CPU", "trace this CPU only", 0, 8191 },
	{ 'i', "interval", OPT_INT, offsetof(struct conf, interval), "INTERVAL", "summary interval, seconds", 1, 99999999 },
	{ 'D', "duration", OPT_INT, offsetof(struct conf, duration), "DURATION", "total duration of trace, seconds", 1, 99999999 },
	{ 'T', "timestamp", OPT_FLAG, offsetof(struct conf, timestamp), NULL, "include timestamp on output" },
	{ 'r', "regexp", OPT_FLAG, offsetof(struct conf, regexp), NULL, "use regular expressions. Default is \"*\" wildcards only." },
	{ 's', "offset", OPT_FLAG, offsetof(struct conf, offset), NULL, "show address offsets" },
	{ 'P', "perpid", OPT_FLAG, offsetof(struct conf, perpid), NULL, "display stacks separately for each process" },
	{ 'K', "kernel-stacks-only", OPT_FLAG, offsetof(struct conf, kernel_only), NULL, "kernel stack only" },
	{ 'U', "user-stacks-only", OPT_FLAG, offsetof(struct conf, user_only), NULL, "user stack only" },
	{ 'v', "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "show raw addresses; report how user stacks were unwound" },
	{ 'd', "delimited", OPT_FLAG, offsetof(struct conf, delimited), NULL, "insert delimiter between kernel/user stacks" },
	{ 'f', "folded", OPT_FLAG, offsetof(struct conf, folded), NULL, "output folded format" },
	{ 0, "debug", OPT_FLAG, offsetof(struct conf, debug), NULL, "print the probes that would be attached, and how" },
	{ 0, "svg", OPT_STR, offsetof(struct conf, svg), "FILE", "also write a flame graph of all stacks to FILE" },
	OPT_END
};

static void conf_init(void *p)
{
	((struct conf *)p)->cpu = -1;
}

/* One unique stack: the kernel frames, then the user frames, both leaf first. */
struct rec {
	uint32_t pid;       /* NO_PID when neither -P nor user frames need it */
	uint16_t nk, nu;
	uint64_t ips[];
};

/* One printed entry: stacks that print the same are merged (see print_stacks). */
struct entry {
	char *text;   /* what is printed before the count */
	char *folded; /* the folded line without its count (for -f and --svg) */
	uint64_t count;
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	struct probe_list probes;
	bool want_kernel, want_user, need_delim, fp_only;
	pid_t self;
	struct agg map;        /* stack hash -> count, index + 1 into recs */
	struct rec **recs;
	size_t nrecs;
	uint64_t dropped;      /* stacks not counted: the map was full */
	struct usyms *usyms;
	struct ksyms *ksyms;   /* loaded at the first print */
	bool ksyms_tried;
	struct flame *flame;   /* --svg */
	FILE *svg;
};

static uint64_t hash_stack(uint32_t pid, unsigned nk, unsigned nu, const uint64_t *ips)
{
	uint64_t h = ((uint64_t)pid << 32 | (uint64_t)nk << 16 | nu) * 0x9e3779b97f4a7c15ULL;

	for (unsigned i = 0; i < nk + nu; i++) {
		h ^= ips[i];
		h *= 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

static void on_sample(void *arg, struct evsel *ev, const struct sample *s)
{
	struct state *st = arg;
	uint64_t ips[2 * MAX_FRAMES], *v, h;
	enum ustack_how how;
	int nk = 0, nu = 0;
	uint32_t pid;
	struct rec *r;

	/* Uprobes have no kernel-side filter on our pid: our own calls must not count. */
	if ((pid_t)s->pid == st->self)
		return;
	if (st->want_kernel)
		nk = ksyms_kernel_frames(s, ips, MAX_FRAMES);
	if (st->want_user)
		nu = usyms__unwind(st->usyms, s, USTACK_REGS_MASK, ips + nk, MAX_FRAMES, &how);
	pid = st->c->perpid || st->want_user ? s->pid : NO_PID;
	if (st->c->perpid)
		usyms__comm(st->usyms, (pid_t)pid); /* remember it while the process exists */
	h = hash_stack(pid, (unsigned)nk, (unsigned)nu, ips);
	v = agg_get(&st->map, h);
	if (!v) {
		st->dropped++;
		return;
	}
	if (!v[1]) {
		r = malloc(sizeof(*r) + (size_t)(nk + nu) * sizeof(uint64_t));
		if (!r) {
			agg_remove(&st->map, h);
			st->dropped++;
			return;
		}
		r->pid = pid;
		r->nk = (uint16_t)nk;
		r->nu = (uint16_t)nu;
		memcpy(r->ips, ips, (size_t)(nk + nu) * sizeof(uint64_t));
		st->recs[st->nrecs++] = r;
		v[1] = st->nrecs;
	} else {
		r = st->recs[v[1] - 1];
		/* A 64-bit hash collision: count it as lost rather than as the wrong stack. */
		if (r->pid != pid || r->nk != nk || r->nu != nu ||
		    memcmp(r->ips, ips, (size_t)(nk + nu) * sizeof(uint64_t))) {
			st->dropped++;
			return;
		}
	}
	v[0]++;
}

static const char *comm_of(struct state *st, uint32_t pid)
{
	/* The idle task has no /proc entry. */
	return pid ? usyms__comm(st->usyms, (pid_t)pid) : "swapper";
}

static char *kframe(struct state *st, uint64_t addr, bool ret_addr, bool offset, char *buf, size_t len)
{
	if (!st->ksyms_tried) {
		st->ksyms_tried = true;
		st->ksyms = ksyms__load();
		if (!st->ksyms)
			err_msg("cannot read kernel symbols from /proc/kallsyms (%s); kernel frames print as [unknown]",
				strerror(errno));
	}
	return ksyms__format(st->ksyms, addr, (offset ? KSYM_OFFSET : 0) | (ret_addr ? KSYM_RETADDR : 0), buf, len);
}

static void print_frame(struct state *st, FILE *f, const char *name, uint64_t addr)
{
	fputs("  ", f);
	if (st->c->verbose)
		fprintf(f, "%-16llx ", (unsigned long long)addr);
	fprintf(f, "%s\n", name);
}

/* The printed block of one stack (BCC's layout) and its folded form. */
static int render(struct state *st, const struct rec *r, struct entry *e)
{
	const uint64_t *k = r->ips, *u = r->ips + r->nk;
	bool folded = st->c->folded || st->flame;
	size_t tlen = 0, flen = 0;
	FILE *t, *f = NULL;
	char buf[512];

	t = open_memstream(&e->text, &tlen);
	if (!t)
		return -ENOMEM;
	if (folded) {
		f = open_memstream(&e->folded, &flen);
		if (!f) {
			fclose(t);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < r->nk; i++)
		print_frame(st, t, kframe(st, k[i], i > 0, st->c->offset, buf, sizeof(buf)), k[i]);
	if (st->need_delim)
		fputs("    --\n", t);
	for (unsigned i = 0; i < r->nu; i++)
		print_frame(st, t,
			    usyms__format(st->usyms, (pid_t)r->pid, u[i],
					  (i ? USYM_RETADDR : 0) | (st->c->offset ? USYM_OFFSET : 0), buf, sizeof(buf)),
			    u[i]);
	if (st->c->perpid && !st->c->pid)
		fprintf(t, "    %s [%u]\n", comm_of(st, r->pid), r->pid);
	if (f) {
		/* BCC: comm (empty without -P), user root..leaf, "-", kernel root..leaf. */
		fputs(st->c->perpid ? comm_of(st, r->pid) : "", f);
		for (unsigned i = r->nu; i-- > 0;)
			fprintf(f, ";%s", usyms__format(st->usyms, (pid_t)r->pid, u[i], i ? USYM_RETADDR : 0, buf, sizeof(buf)));
		if (st->need_delim)
			fputs(";-", f);
		for (unsigned i = r->nk; i-- > 0;)
			fprintf(f, ";%s", kframe(st, k[i], i > 0, false, buf, sizeof(buf)));
		fclose(f);
	}
	fclose(t);
	return e->text && (!folded || e->folded) ? 0 : -ENOMEM;
}

/* What identifies an entry: the text that is printed for it. */
static const char *entry_key(const struct entry *e, bool folded)
{
	return folded ? e->folded : e->text;
}

static int by_text(const void *a, const void *b, void *folded)
{
	return strcmp(entry_key(a, *(bool *)folded), entry_key(b, *(bool *)folded));
}

static int by_count(const void *a, const void *b, void *folded)
{
	const struct entry *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return by_text(a, b, folded);
}

static int add_to_flame(struct flame *fl, const struct entry *e)
{
	char *line;
	int ret;

	if (asprintf(&line, "%s %llu", e->folded, (unsigned long long)e->count) < 0) {
		err_msg("out of memory");
		return -ENOMEM;
	}
	ret = flame__add_folded(fl, line);
	if (ret)
		err_msg("out of memory");
	free(line);
	return ret;
}

/* Ring losses are reported by the session at exit; these are the map's. */
static void report_losses(struct state *st)
{
	if (st->dropped) {
		fprintf(stderr, "WARNING: %llu stack traces could not be counted: more than %d unique stacks.\n",
			(unsigned long long)st->dropped, MAX_STACKS);
		st->dropped = 0;
	}
}

static void clear_stacks(struct state *st)
{
	for (size_t i = 0; i < st->nrecs; i++)
		free(st->recs[i]);
	st->nrecs = 0;
	agg_clear(&st->map);
}

/*
 * Symbolize and print this interval's stacks.  Stacks that print identically are merged:
 * without -P the same code reached in two processes is one stack, as in BCC, although we
 * keep the pid internally to resolve each process's own addresses.
 */
static int print_stacks(void *arg)
{
	struct state *st = arg;
	struct entry *ents = NULL;
	bool folded = st->c->folded;
	size_t n = 0, m = 0;
	char hms[16];
	int ret = 0;

	report_losses(st);
	if (st->nrecs) {
		ents = calloc(st->nrecs, sizeof(*ents));
		if (!ents) {
			err_msg("out of memory");
			return 1;
		}
	}
	for (size_t i = 0; i < st->map.cap; i++) {
		const struct agg_entry *a = &st->map.tab[i];

		if (!a->used)
			continue;
		if (render(st, st->recs[a->v[1] - 1], &ents[n])) {
			err_msg("out of memory");
			ret = 1;
			goto out;
		}
		ents[n++].count = a->v[0];
	}
	if (n)
		qsort_r(ents, n, sizeof(*ents), by_text, &folded);
	for (size_t i = 0; i < n; i++) {
		if (m && !strcmp(entry_key(&ents[m - 1], folded), entry_key(&ents[i], folded))) {
			ents[m - 1].count += ents[i].count;
			free(ents[i].text);
			free(ents[i].folded);
			continue;
		}
		ents[m++] = ents[i];
	}
	n = m;
	if (n)
		qsort_r(ents, n, sizeof(*ents), by_count, &folded);
	if (!st->c->folded)
		fputc('\n', st->out);
	if (st->c->timestamp)
		fprintf(st->out, "%-8s\n", out_hms(hms, time(NULL)));
	for (size_t i = 0; i < n; i++) {
		if (st->c->folded)
			fprintf(st->out, "%s %llu\n", ents[i].folded, (unsigned long long)ents[i].count);
		else
			fprintf(st->out, "%s    %llu\n\n", ents[i].text, (unsigned long long)ents[i].count);
		if (st->flame && add_to_flame(st->flame, &ents[i]))
			ret = 1;
	}
	clear_stacks(st);
	ret = ret || out_flush(st->out) || out_broken(st->out);
out:
	for (size_t i = 0; i < n; i++) {
		free(ents[i].text);
		free(ents[i].folded);
	}
	free(ents);
	return ret;
}

static void print_plan(const struct state *st, const struct ev_cfg *cfg)
{
	for (size_t i = 0; i < st->probes.n; i++) {
		char what[4200];

		probes_describe(&st->probes.v[i], what, sizeof(what));
		fprintf(stderr, "sample: %s", what);
		fprintf(stderr, "%s", st->want_kernel ? ", kernel stack from the callchain" : "");
		if (st->want_user && st->fp_only)
			fprintf(stderr, ", user stack from frame pointers (callchain)");
		else if (st->want_user)
			fprintf(stderr, ", user stack by DWARF unwinding (registers 0x%llx + %u bytes of stack)",
				(unsigned long long)cfg->regs_user, cfg->stack_user);
		fputc('\n', stderr);
	}
}

static int attach(struct state *st, const struct ev_cfg *cfg)
{
	for (size_t i = 0; i < st->probes.n; i++)
		if (!probes_add(st->s, &st->probes.v[i], cfg))
			return EXIT_RUNTIME;
	return session__start(st->s);
}

/* -v: how the user stacks were found, and what DWARF unwinding cost. */
static void report_unwinding(const struct state *st)
{
	struct ustack_stats us;

	usyms__stats(st->usyms, &us);
	fprintf(stderr,
		"user stacks: %llu by DWARF unwinding (%llu with frames without CFI; %llu by libunwind, %llu of them "
		"repeating an earlier unwind), %llu by frame pointers, %llu empty",
		(unsigned long long)us.dwarf, (unsigned long long)us.no_cfi, (unsigned long long)us.libunwind,
		(unsigned long long)us.remembered, (unsigned long long)us.fp, (unsigned long long)us.none);
	if (us.timed)
		fprintf(stderr, "; DWARF unwind time per sample: median %.2f us, p90 %.2f us (%llu samples)",
			us.median_us, us.p90_us, (unsigned long long)us.timed);
	fputc('\n', stderr);
	if (us.checked || us.unchecked)
		fprintf(stderr, "unwind check: %llu stacks unwound both ways, %llu differ (%llu with frames without CFI not compared)\n",
			(unsigned long long)us.checked, (unsigned long long)us.differ, (unsigned long long)us.unchecked);
}

static int write_svg(struct state *st)
{
	int ret = flame__write_svg(st->flame, st->svg, "Stack Count");

	if (fclose(st->svg) || ret) {
		st->svg = NULL;
		err_msg("cannot write %s: %s", st->c->svg, strerror(errno ? errno : EIO));
		return EXIT_RUNTIME;
	}
	st->svg = NULL;
	return 0;
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out, .self = getpid() };
	struct target tgt = { .pid = (pid_t)c->pid, .cpu = (int)c->cpu };
	struct loop_cfg lc = { .on_tick = print_stacks, .arg = &st };
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_sample, .arg = &st };
	const char *how = getenv("RAWTRACE_USTACK");
	struct pattern pat = { 0 };
	char err[256];
	enum loop_end why;
	int ret;

	if (c->kernel_only && c->user_only) {
		fprintf(stderr, "ERROR: -K and -U are mutually exclusive. If you want both stacks, that is the default.\n");
		return EXIT_USAGE;
	}
	if (how && strcmp(how, "fp") && strcmp(how, "dwarf") && strcmp(how, "libunwind") && strcmp(how, "check")) {
		err_msg("RAWTRACE_USTACK must be \"dwarf\", \"libunwind\", \"check\" or \"fp\", not \"%s\"", how);
		return EXIT_USAGE;
	}
	if (pattern_parse(argv[0], &pat, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_USAGE;
	}
	/* BCC: -p implies -P (the comm line is left out because the process is known). */
	if (c->pid)
		c->perpid = true;
	st.want_kernel = !c->user_only;
	st.want_user = !c->kernel_only;
	st.need_delim = c->delimited && st.want_kernel && st.want_user;
	st.fp_only = how && !strcmp(how, "fp");
	if (st.want_kernel || st.fp_only)
		cfg.sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (st.want_user && !st.fp_only) {
		cfg.sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		cfg.regs_user = USTACK_REGS_MASK;
		cfg.stack_user = USTACK_COPY;
	}
	ret = EXIT_RUNTIME;
	if (agg_init(&st.map, MAX_STACKS) || !(st.recs = calloc(MAX_STACKS, sizeof(*st.recs))) ||
	    !(st.usyms = usyms__new())) {
		err_msg("out of memory");
		goto out;
	}
	if (c->svg) {
		st.flame = flame__new();
		st.svg = fopen(c->svg, "we");
		if (!st.flame || !st.svg) {
			err_msg("cannot create %s: %s", c->svg, strerror(errno));
			ret = EXIT_USAGE;
			goto out;
		}
	}
	loop_block_signals();
	st.s = session__new("stackcount");
	if (!st.s)
		goto out;
	ret = probes_expand(&pat, c->regexp, (pid_t)c->pid, &st.probes);
	if (ret)
		goto out;
	if ((long)st.probes.n > probes_limit()) {
		err_msg("maximum of %ld probes allowed, attempted %zu", probes_limit(), st.probes.n);
		ret = EXIT_USAGE;
		goto out;
	}
	if (c->debug)
		print_plan(&st, &cfg);
	/* Its mappings must be known even if it exits before we read its first sample. */
	if (c->pid && usyms__capture(st.usyms, (pid_t)c->pid) == -ESRCH) {
		err_msg("no process with PID %ld", c->pid);
		ret = EXIT_USAGE;
		goto out;
	}
	session__set_target(st.s, &tgt);
	/* and so must those of processes that start, map their libraries and exit meanwhile */
	if (st.want_user && !st.fp_only && session__watch_tasks(st.s, usyms__task_record, st.usyms)) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	session__set_buffer_pages(st.s, st.want_user && !st.fp_only ? USER_RING_PAGES : KERNEL_RING_PAGES);
	ret = attach(&st, &cfg);
	if (ret)
		goto out;
	if (!c->folded) {
		fprintf(ctx->out, "Tracing %zu functions for \"%s\"... Hit Ctrl-C to end.\n", st.probes.n, argv[0]);
		ret = out_flush(ctx->out);
		if (ret)
			goto out;
	}
	loop_cfg_intervals(&lc, (double)c->interval, (double)c->duration);
	why = session__loop(st.s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (why == LOOP_SIGNAL && print_stacks(&st))
		ret = out_broken(ctx->out) ? out_flush(ctx->out) : EXIT_RUNTIME;
	if (c->verbose && st.want_user)
		report_unwinding(&st);
	if (st.svg && !ret)
		ret = write_svg(&st);
	if (!c->folded && !ret)
		fprintf(ctx->out, "Detaching...\n");
out:
	if (!ret)
		ret = out_flush(ctx->out);
	session__delete(st.s);
	if (st.svg)
		fclose(st.svg);
	flame__free(st.flame);
	clear_stacks(&st);
	free(st.recs);
	agg_free(&st.map);
	usyms__delete(st.usyms);
	ksyms__free(st.ksyms);
	probe_list_free(&st.probes);
	pattern_free(&pat);
	return ret;
}

const struct tool_desc tool_stackcount = {
	.name = "stackcount",
	.summary = "Count events (tracepoints, user functions) by kernel and user stack.",
	.args = "pattern",
	.min_args = 1,
	.max_args = 1,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.examples = "    rawtrace stackcount t:sched:sched_switch         # kernel+user stacks of context switches\n"
		    "    rawtrace stackcount -K -D 5 t:block:block_rq_issue # kernel stacks issuing block I/O, 5 s\n"
		    "    rawtrace stackcount -U -p 185 c:malloc            # user stacks calling malloc() in PID 185\n"
		    "    rawtrace stackcount -P -U t:syscalls:sys_enter_write # user stacks of write(), per process\n"
		    "    rawtrace stackcount -s -v t:sched:sched_wakeup    # with offsets and raw addresses\n"
		    "    rawtrace stackcount -f -P -D 10 t:sched:sched_switch > out.folded  # for flamegraph.pl\n"
		    "    rawtrace stackcount --svg flame.svg -D 10 c:malloc  # write a flame graph\n"
		    "    rawtrace stackcount -i 1 -T t:syscalls:sys_enter_openat # every second, with time\n",
	.run = run,
};
