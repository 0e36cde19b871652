// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * argdist: frequency counts (-C) and log2 histograms (-H) of expressions over probe hits,
 * like BCC's argdist.  The specs are parsed by parsers/spec.c and planned by
 * core/specprobe, so every value is captured by the kernel at event time and the filter
 * runs in the kernel where the ftrace filter language can express it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/err.h"
#include "core/hist.h"
#include "core/out.h"
#include "core/session.h"
#include "core/specprobe.h"
#include "core/stacks.h"
#include "parsers/spec.h"
#include "tool.h"

#define MAX_KEYS 65536  /* distinct -C keys kept per probe; more are counted as dropped */

struct conf {
	long pid, tid, string_size, interval, duration, number, top;
	bool verbose, cumulative, in_kernel, kstack, ustack;
	struct opt_list hist, count;
	const char *include;
};

static const struct opt opts[] = {
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID", "id of the process to trace (optional)", 1, 4194304 },
	{ 't', "tid", OPT_INT, offsetof(struct conf, tid), "TID", "id of the thread to trace (optional)", 1, 4194304 },
	{ 'z', "string-size", OPT_INT, offsetof(struct conf, string_size), "STRING_SIZE", "maximum string size to read from char* arguments", 1, 4095 },
	{ 'i', "interval", OPT_INT, offsetof(struct conf, interval), "INTERVAL", "output interval, in seconds (default 1 second)", 1, 99999999 },
	{ 'd', "duration", OPT_INT, offsetof(struct conf, duration), "DURATION", "total duration of trace, in seconds", 1, 99999999 },
	{ 'n', "number", OPT_INT, offsetof(struct conf, number), "COUNT", "number of outputs", 1, 99999999 },
	{ 'v', "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "print the kernel filters, user-space residuals and fetch-args" },
	{ 'c', "cumulative", OPT_FLAG, offsetof(struct conf, cumulative), NULL, "do not clear histograms and freq counts at each interval" },
	{ 'T', "top", OPT_INT, offsetof(struct conf, top), "TOP", "number of top results to show (not applicable to histograms)", 1, 1000000 },
	{ 'H', "histogram", OPT_LIST, offsetof(struct conf, hist), "specifier", "probe specifier to capture histogram of (see examples below)" },
	{ 'C', "count", OPT_LIST, offsetof(struct conf, count), "specifier", "probe specifier to capture count of (see examples below)" },
	{ 0, "in-kernel", OPT_FLAG, offsetof(struct conf, in_kernel), NULL, "count -H histograms of a tracepoint field in the kernel (one filtered counter per bucket; never loses events)" },
	{ 'K', "kernel-stack", OPT_FLAG, offsetof(struct conf, kstack), NULL, "count -C keys per kernel stack too (not in BCC's argdist)" },
	{ 'U', "user-stack", OPT_FLAG, offsetof(struct conf, ustack), NULL, "count -C keys per user stack too (DWARF unwinding; not in BCC's argdist)" },
	{ 'I', "include", OPT_STR, offsetof(struct conf, include), "header", "additional header files to include in the BPF program (not supported: no BPF)" },
	OPT_END
};

static void conf_init(void *p)
{
	struct conf *c = p;

	c->interval = 1;
	c->string_size = 80;
}

static void conf_free(void *p)
{
	struct conf *c = p;

	opt_list_free(&c->hist);
	opt_list_free(&c->count);
}

struct key {
	char *text;     /* "expr = value, expr2 = value2" [+ "\n" stack lines] */
	uint64_t count;
};

/* With stacks there can be many keys, each long: they are found by a hash of their text. */
struct key_index {
	uint32_t *slot; /* key number + 1, 0: free; open addressing */
	size_t cap;     /* a power of two, at least twice the keys */
	bool stale;     /* the keys were reordered (sorted for printing) */
};

struct state;

struct probe {
	struct state *st;
	struct argdist_spec spec;
	bool histogram;
	struct specprobe *sp;
	bool *val_string;
	uint64_t slots[HIST_LOG2_SLOTS];
	struct key *keys;
	size_t nkeys, cap;
	struct key_index index;
	uint64_t dropped;
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	struct probe *probes;
	size_t nprobes;
	struct stacks stacks;
};

static uint64_t text_hash(const char *t)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *t; t++)
		h = (h ^ (unsigned char)*t) * 1099511628211ULL;
	return h;
}

/* The slot of text in the index: its key's, or the free one where it belongs. */
static uint32_t *index_slot(const struct probe *pr, const char *text)
{
	size_t mask = pr->index.cap - 1, i = (size_t)text_hash(text) & mask;

	while (pr->index.slot[i] && strcmp(pr->keys[pr->index.slot[i] - 1].text, text))
		i = (i + 1) & mask;
	return &pr->index.slot[i];
}

static int index_rebuild(struct probe *pr, size_t cap)
{
	uint32_t *slot = calloc(cap, sizeof(*slot));

	if (!slot)
		return -1;
	free(pr->index.slot);
	pr->index.slot = slot;
	pr->index.cap = cap;
	pr->index.stale = false;
	for (size_t k = 0; k < pr->nkeys; k++)
		*index_slot(pr, pr->keys[k].text) = (uint32_t)k + 1;
	return 0;
}

static void count_key(struct probe *pr, const char *text)
{
	uint32_t *slot;
	struct key *k;

	if ((pr->index.stale || 2 * (pr->nkeys + 1) > pr->index.cap) &&
	    index_rebuild(pr, pr->index.cap < 64 ? 64 : 2 * (pr->nkeys + 1) > pr->index.cap ? 2 * pr->index.cap : pr->index.cap))
		return;
	slot = index_slot(pr, text);
	if (*slot) {
		pr->keys[*slot - 1].count++;
		return;
	}
	if (pr->nkeys >= MAX_KEYS) {
		pr->dropped++;
		return;
	}
	if (pr->nkeys == pr->cap) {
		size_t cap = pr->cap ? pr->cap * 2 : 16;

		k = realloc(pr->keys, cap * sizeof(*k));
		if (!k)
			return;
		pr->keys = k;
		pr->cap = cap;
	}
	pr->keys[pr->nkeys].text = strdup(text);
	if (!pr->keys[pr->nkeys].text)
		return;
	pr->keys[pr->nkeys++].count = 1;
	*slot = (uint32_t)pr->nkeys;
}

/* The value as the spec's type declares it: ":int:args->fd" prints -1, not 4294967295. */
static void as_declared(struct expr_value *v, const struct expr_type *t)
{
	if (v->kind != EXPR_VAL_INT || t->ptr || !t->size || t->size > 8)
		return;
	if (t->size < 8) {
		uint64_t mask = (1ULL << (8 * t->size)) - 1, sign = 1ULL << (8 * t->size - 1);

		v->u &= mask;
		if (t->is_signed && (v->u & sign))
			v->u |= ~mask;
	}
	v->is_signed = t->is_signed;
}

/* The stack lines under a key, aligned with the EVENT column. */
static void add_stacks(struct state *st, const struct sample *smp, char *text, size_t n, size_t len)
{
	FILE *f;

	if (n + 1 >= len || !(f = fmemopen(text + n, len - n, "w")))
		return;
	fputc('\n', f);
	stacks_print(&st->stacks, smp, "\t           ", f);
	fclose(f);
	/* no newline after the last frame: the key is printed with one */
	n = strlen(text);
	if (n && text[n - 1] == '\n')
		text[n - 1] = 0;
}

static void on_hit(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct probe *pr = arg;
	struct argdist_spec *sp = &pr->spec;
	struct expr_value v;
	char text[16384];
	size_t n = 0;
	bool late;

	if (!specprobe_match(pr->sp, smp))
		return;
	if (sp->total_calls) {
		n = (size_t)snprintf(text, sizeof(text), "total calls");
		if (pr->st->stacks.kernel || pr->st->stacks.user)
			add_stacks(pr->st, smp, text, n, sizeof(text));
		count_key(pr, text);
		return;
	}
	if (pr->histogram) {
		if (specprobe_value(pr->sp, smp, 0, &v, &late) == 0 && v.kind == EXPR_VAL_INT) {
			as_declared(&v, &sp->types[0]);
			pr->slots[hist_log2_slot(v.u)]++;
		}
		return;
	}
	for (size_t i = 0; i < sp->nexprs; i++) {
		if (specprobe_value(pr->sp, smp, i, &v, &late))
			return;
		as_declared(&v, &sp->types[i]);
		if (v.kind == EXPR_VAL_STR)
			n += (size_t)snprintf(text + n, n < sizeof(text) ? sizeof(text) - n : 0, "%s%s = %s%s",
					      i ? ", " : "", sp->expr_texts[i], late ? "? " : "", v.str);
		else if (v.is_signed)
			n += (size_t)snprintf(text + n, n < sizeof(text) ? sizeof(text) - n : 0, "%s%s = %lld",
					      i ? ", " : "", sp->expr_texts[i], (long long)v.u);
		else
			n += (size_t)snprintf(text + n, n < sizeof(text) ? sizeof(text) - n : 0, "%s%s = %llu",
					      i ? ", " : "", sp->expr_texts[i], (unsigned long long)v.u);
	}
	if (pr->st->stacks.kernel || pr->st->stacks.user)
		add_stacks(pr->st, smp, text, n < sizeof(text) ? n : sizeof(text) - 1, sizeof(text));
	count_key(pr, text);
}

static int by_count(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return x->count < y->count ? -1 : x->count > y->count;
}

static int print_all(void *arg)
{
	struct state *st = arg;
	char hms[16];

	fprintf(st->out, "[%s]\n", out_hms(hms, time(NULL)));
	for (size_t i = 0; i < st->nprobes; i++) {
		struct probe *pr = &st->probes[i];
		const char *title = pr->spec.label ? pr->spec.label : pr->spec.text;

		fprintf(st->out, "%s\n", title);
		if (pr->histogram) {
			/* in-kernel counters are cumulative: read them into a fresh copy each time */
			uint64_t kslots[HIST_LOG2_SLOTS] = { 0 };
			bool in_kernel = specprobe_buckets(pr->sp, kslots);

			hist_print_log2(st->out, in_kernel ? kslots : pr->slots, HIST_LOG2_SLOTS, pr->spec.expr_texts[0]);
			if (in_kernel && !st->c->cumulative)
				session__reset_counts(st->s);
			else if (!st->c->cumulative)
				memset(pr->slots, 0, sizeof(pr->slots));
			continue;
		}
		/* ascending by count; -T keeps the largest (the last rows) */
		if (pr->nkeys)
			qsort(pr->keys, pr->nkeys, sizeof(*pr->keys), by_count);
		pr->index.stale = true;
		fprintf(st->out, "\t%-10s %s\n", "COUNT", "EVENT");
		for (size_t k = 0; k < pr->nkeys; k++)
			if (!st->c->top || pr->nkeys - k <= (size_t)st->c->top)
				fprintf(st->out, "\t%-10llu %s\n", (unsigned long long)pr->keys[k].count, pr->keys[k].text);
		if (!st->c->cumulative) {
			for (size_t k = 0; k < pr->nkeys; k++)
				free(pr->keys[k].text);
			pr->nkeys = 0;
		}
	}
	return out_flush(st->out) || out_broken(st->out);
}

static int plan(struct state *st, struct probe *pr, const char *text, bool histogram)
{
	const struct conf *c = st->c;
	struct specprobe_req r = { 0 };
	struct expr_error err = { 0 };
	int status;

	pr->st = st;
	pr->histogram = histogram;
	if (argdist_spec_parse(text, histogram, &pr->spec, &err))
		return specprobe_spec_error(text, &err);
	pr->val_string = calloc(pr->spec.nexprs + 1, sizeof(*pr->val_string));
	if (!pr->val_string) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < pr->spec.nexprs; i++)
		pr->val_string[i] = pr->spec.types[i].ptr == 1 && !strncmp(pr->spec.types[i].text, "char", 4);
	r.site = pr->spec.site;
	r.pred = pr->spec.filter;
	r.vals = (const struct expr *const *)pr->spec.exprs;
	r.val_string = pr->val_string;
	r.nvals = pr->spec.nexprs;
	r.string_size = (unsigned)c->string_size;
	r.pid = (pid_t)c->pid;
	r.verbose = c->verbose;
	/*
	 * Opt-in: every bucket's filter runs on every hit, so 64 buckets cost the traced task
	 * more than copying one record (1M reads: 4.1-4.7 s vs 3.1 s streamed, 2.5-3.5 s
	 * untraced); what they buy is exactness when a stream would lose records.
	 */
	r.log2_buckets = histogram && c->in_kernel;
	stacks_request(&st->stacks, &r.sample_type, &r.regs_user, &r.stack_user);
	r.on_sample = on_hit;
	r.arg = pr;
	pr->sp = specprobe_new(st->s, &r, &status);
	return pr->sp ? 0 : status;
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	const struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct target tgt = { .pid = (pid_t)c->pid, .tid = (pid_t)c->tid, .cpu = -1 };
	struct loop_cfg lc = { .on_tick = print_all, .arg = &st };
	size_t n = (size_t)c->hist.n + (size_t)c->count.n;
	int ret = 0;

	if (c->include) {
		err_msg("-I headers need BPF; rawtrace reads values through tracefs fetch-args instead");
		return EXIT_USAGE;
	}
	if (!n) {
		err_msg("at least one -H or -C specifier is needed");
		return EXIT_USAGE;
	}
	if (c->pid && c->tid) {
		err_msg("only one of -p and -t may be specified");
		return EXIT_USAGE;
	}
	if ((c->kstack || c->ustack) && c->hist.n) {
		err_msg("-K and -U add stacks to -C keys; a -H histogram has no keys");
		return EXIT_USAGE;
	}
	loop_block_signals();
	st.s = session__new("argdist");
	if (!st.s)
		return EXIT_RUNTIME;
	session__set_target(st.s, &tgt);
	ret = stacks_init(&st.stacks, st.s, c->kstack, c->ustack, false, (pid_t)c->pid);
	if (ret)
		goto out;
	session__set_buffer_pages(st.s, stacks_ring_pages(&st.stacks, 64, 64));
	st.probes = calloc(n, sizeof(*st.probes));
	if (!st.probes) {
		err_msg("out of memory");
		ret = EXIT_RUNTIME;
		goto out;
	}
	for (int i = 0; i < c->hist.n && !ret; i++, st.nprobes++)
		ret = plan(&st, &st.probes[st.nprobes], c->hist.v[i], true);
	for (int i = 0; i < c->count.n && !ret; i++, st.nprobes++)
		ret = plan(&st, &st.probes[st.nprobes], c->count.v[i], false);
	if (!ret)
		ret = session__start(st.s);
	if (ret)
		goto out;
	lc.interval = (double)c->interval;
	lc.count = c->number;
	lc.duration = (double)c->duration;
	/* Ctrl-C ends argdist at once, with no final print (as BCC). */
	if (session__loop(st.s, &lc) == LOOP_ERROR)
		ret = EXIT_RUNTIME;
out:
	out_flush(ctx->out);
	session__delete(st.s);
	for (size_t i = 0; i < st.nprobes; i++) {
		struct probe *pr = &st.probes[i];

		if (pr->dropped)
			err_msg("%s: %llu events not counted: more than %d distinct keys", pr->spec.text,
				(unsigned long long)pr->dropped, MAX_KEYS);
		specprobe_free(pr->sp);
		argdist_spec_free(&pr->spec);
		free(pr->val_string);
		for (size_t k = 0; k < pr->nkeys; k++)
			free(pr->keys[k].text);
		free(pr->keys);
		free(pr->index.slot);
	}
	free(st.probes);
	stacks_fini(&st.stacks);
	return ret;
}

const struct tool_desc tool_argdist = {
	.name = "argdist",
	.summary = "Trace a function and display a distribution of its parameter values as a histogram or frequency count.",
	.args = "",
	.max_args = 0,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.conf_free = conf_free,
	.examples = "    rawtrace argdist -H 't:block:block_rq_complete():u32:args->nr_sector'\n"
		    "        Print a histogram of block I/O sizes in sectors\n"
		    "    rawtrace argdist -C 'p:c:write(int fd):int:fd' -T 5\n"
		    "        Print the 5 most frequent file descriptors written to with libc's write\n"
		    "    rawtrace argdist -C 'r:c:malloc():u64:$retval#allocated addresses' -n 1\n"
		    "        One frequency count of malloc's return values, with a label\n"
		    "    rawtrace argdist -C 't:syscalls:sys_enter_openat():int:args->dfd' -i 5\n"
		    "        Count openat dfd values every 5 seconds\n"
		    "    rawtrace argdist -H 'p::vfs_read(void *file, void *buf, u64 count):u64:count'\n"
		    "        Kernel function argument histogram (needs kprobes)\n",
	.run = run,
};
