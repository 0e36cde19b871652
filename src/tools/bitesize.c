// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bitesize: block I/O request sizes as log2 histograms of Kbytes per process, like BCC's
 * bitesize, counted when each request is issued to the driver.  The process is the
 * submitter of the request (core/blk pairs it with its start event) where that is known,
 * else the task that issued it, as in BCC.  With -a (all processes together) nothing is
 * streamed: one in-kernel counter per log2 bucket on block_rq_issue, each with a
 * `bytes` range filter, so the kernel does the whole aggregation.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/agg.h"
#include "core/blk.h"
#include "core/err.h"
#include "core/hist.h"
#include "core/opts.h"
#include "core/out.h"
#include "core/session.h"
#include "tool.h"

#define RING_PAGES 512
#define MAX_KEYS 65536   /* (process, slot) pairs per interval */
#define MAX_NAMES 4096   /* distinct process names per interval */
#define SLOT_BITS 7
/* bytes is a u32: bytes / 1024 < 2^22, so slot 22 is the last one that can be hit. */
#define NSLOTS 23

struct conf {
	bool all, verbose;
	const char *disk;
};

static const struct opt opts[] = {
	{ 'a', "all", OPT_FLAG, offsetof(struct conf, all), NULL, "one histogram for all processes, aggregated in the kernel" },
	{ 'd', "disk", OPT_STR, offsetof(struct conf, disk), "DISK", "trace this disk only" },
	{ 0, "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "name the tracepoints used (on stderr)" },
	OPT_END
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	struct blk_trace *t;
	/* per process */
	struct agg dist;            /* name index << SLOT_BITS | slot -> count */
	struct agg name_ids;        /* hash of comm -> index + 1 */
	char (*names)[16];
	size_t nnames;
	/* -a */
	struct evsel *counters[NSLOTS];
	struct blk_schedule sched;
};

static uint64_t comm_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (int i = 0; i < 16 && s[i]; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* Index of this process name, added if new; -1 when the table is full. */
static long name_index(struct state *st, const char *comm)
{
	uint64_t *v = agg_get(&st->name_ids, comm_hash(comm));

	if (!v)
		return -1;
	if (!v[0]) {
		if (st->nnames == MAX_NAMES)
			return -1;
		snprintf(st->names[st->nnames], sizeof(st->names[0]), "%s", comm);
		v[0] = ++st->nnames;
	}
	return (long)v[0] - 1;
}

static void on_issue(void *arg, const struct blk_io *io)
{
	struct state *st = arg;
	long idx = name_index(st, io->start ? io->comm : io->issue_comm);
	uint64_t *v;

	if (idx < 0)
		return;
	v = agg_get(&st->dist, (uint64_t)idx << SLOT_BITS | hist_log2_slot(io->bytes / 1024));
	if (v)
		v[0]++;
}

static int add_counters(struct state *st, uint32_t dev)
{
	char filter[128], devf[32] = "";
	struct ev_cfg cfg = { .mode = EV_COUNT, .filter = filter };

	if (dev)
		snprintf(devf, sizeof(devf), "dev == %u && ", dev);
	for (unsigned i = 1; i < NSLOTS; i++) {
		/* Slot i holds bytes / 1024 in [2^(i-1), 2^i); slot 1 also holds 0. */
		if (i == 1)
			snprintf(filter, sizeof(filter), "%sbytes < 2048", devf);
		else if (i == NSLOTS - 1)
			snprintf(filter, sizeof(filter), "%sbytes >= %" PRIu64, devf, (uint64_t)1024 << (i - 1));
		else
			snprintf(filter, sizeof(filter), "%sbytes >= %" PRIu64 " && bytes < %" PRIu64, devf,
				 (uint64_t)1024 << (i - 1), (uint64_t)1024 << i);
		st->counters[i] = session__add_tracepoint(st->s, "block", "block_rq_issue", &cfg);
		if (!st->counters[i])
			return EXIT_RUNTIME;
	}
	return 0;
}

static int by_name(const void *a, const void *b, void *arg)
{
	const struct state *st = arg;
	const struct agg_entry *x = a, *y = b;
	int c = strcmp(st->names[x->key >> SLOT_BITS], st->names[y->key >> SLOT_BITS]);

	return c ? c : (x->key > y->key) - (x->key < y->key);
}

static int print_hists(struct state *st)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { 0 };
	struct agg_entry *e = NULL;
	long n;

	if (st->c->all) {
		session__read_counts(st->s);
		for (unsigned i = 1; i < NSLOTS; i++)
			slots[i] = evsel__count(st->counters[i]);
		session__reset_counts(st->s);
		fputc('\n', st->out);
		hist_print_log2(st->out, slots, HIST_LOG2_SLOTS, "Kbytes");
		return 0;
	}
	n = agg_sorted(&st->dist, NULL, &e);
	if (n < 0) {
		err_msg("out of memory");
		return -1;
	}
	if (n > 0)
		qsort_r(e, (size_t)n, sizeof(*e), by_name, st);
	for (long i = 0; i < n; i++) {
		uint64_t idx = e[i].key >> SLOT_BITS;

		slots[e[i].key & ((1u << SLOT_BITS) - 1)] = e[i].v[0];
		if (i + 1 == n || e[i + 1].key >> SLOT_BITS != idx) {
			hist_print_section(st->out, "Process Name", st->names[idx]);
			hist_print_log2(st->out, slots, HIST_LOG2_SLOTS, "Kbytes");
			memset(slots, 0, sizeof(slots));
		}
	}
	free(e);
	agg_clear(&st->dist);
	agg_clear(&st->name_ids);
	st->nnames = 0;
	return 0;
}

static int on_tick(void *arg)
{
	struct state *st = arg;

	if (st->t)
		blk_trace_flush(st->t, false);
	if (!blk_schedule_due(&st->sched))
		return 0;
	if (print_hists(st) || out_flush(st->out) || out_broken(st->out))
		return 1;
	return blk_schedule_last(&st->sched);
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct blk_trace_cfg bc = { .want_start = true, .on_issue = on_issue, .arg = &st };
	struct loop_cfg lc = { .interval = BLK_TICK_S, .on_tick = on_tick, .arg = &st };
	long interval = 99999999, count = 99999999;
	enum loop_end why;
	int ret;

	if ((argc > 0 && (ret = opts_parse_positive(argv[0], "interval", &interval))) ||
	    (argc > 1 && (ret = opts_parse_positive(argv[1], "count", &count))))
		return ret;
	if (c->disk && blk_disk_dev(c->disk, &bc.dev)) {
		err_msg("no such disk '%s'", c->disk);
		return EXIT_USAGE;
	}
	ret = EXIT_RUNTIME;
	st.names = calloc(MAX_NAMES, sizeof(*st.names));
	if (!st.names || agg_init(&st.dist, MAX_KEYS) || agg_init(&st.name_ids, MAX_NAMES)) {
		err_msg("out of memory");
		goto out;
	}
	loop_block_signals();
	st.s = session__new("bitesize");
	if (!st.s)
		goto out;
	if (c->all) {
		if (c->verbose)
			fprintf(stderr, "%s: counting block:block_rq_issue in %d in-kernel counters\n", err_prog(),
				NSLOTS - 1);
		ret = add_counters(&st, bc.dev);
		if (ret)
			goto out;
	} else {
		/* Requests are issued from any context, ours included (a kworker may run on our CPU). */
		session__set_exclude_self(st.s, false);
		session__set_buffer_pages(st.s, RING_PAGES);
		st.t = blk_trace_new(st.s, &bc);
		if (!st.t)
			goto out;
		if (c->verbose)
			fprintf(stderr, "%s: tracing %s\n", err_prog(), blk_trace_sources(st.t));
	}
	ret = session__start(st.s);
	if (ret)
		goto out;
	fprintf(ctx->out, "Tracing block I/O... Hit Ctrl-C to end.\n");
	ret = out_flush(ctx->out);
	if (ret || out_broken(ctx->out))
		goto out;
	blk_schedule_start(&st.sched, (double)interval, count);
	why = session__loop(st.s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (why == LOOP_SIGNAL) {
		if (st.t)
			blk_trace_flush(st.t, true);
		print_hists(&st);
	}
	ret = out_flush(ctx->out);
out:
	session__delete(st.s);
	blk_trace_free(st.t);
	agg_free(&st.dist);
	agg_free(&st.name_ids);
	free(st.names);
	return ret;
}

const struct tool_desc tool_bitesize = {
	.name = "bitesize",
	.summary = "Block I/O size histogram per process.",
	.args = "[interval] [count]",
	.max_args = 2,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.examples = "    rawtrace bitesize            # I/O size histograms per process, until Ctrl-C\n"
		    "    rawtrace bitesize -d sda     # only requests to sda\n"
		    "    rawtrace bitesize 5 3        # three 5-second summaries\n"
		    "    rawtrace bitesize -a         # all processes together, counted in the kernel\n",
	.run = run,
};
