// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * biolatency: block I/O latency as a log2 histogram, like BCC's biolatency: from issue to
 * the driver (or, with -Q, from the submitter's request creation) to completion, overall,
 * per disk (-D) or per request-flag set (-F), printed at Ctrl-C or every interval.
 * Requests come paired and time-ordered from core/blk; the histogram is kept here.
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
#define MAX_KEYS 65536   /* (section, slot) pairs per interval */
#define SLOT_BITS 7      /* slots 0..64 */

struct conf {
	bool timestamp, queued, ms, disks, flags, extension, json, verbose;
	const char *disk;
};

static const struct opt opts[] = {
	{ 'T', "timestamp", OPT_FLAG, offsetof(struct conf, timestamp), NULL, "include timestamp on output" },
	{ 'Q', "queued", OPT_FLAG, offsetof(struct conf, queued), NULL, "include OS queued time in I/O time" },
	{ 'm', "milliseconds", OPT_FLAG, offsetof(struct conf, ms), NULL, "millisecond histogram" },
	{ 'D', "disks", OPT_FLAG, offsetof(struct conf, disks), NULL, "print a histogram per disk device" },
	{ 'F', "flags", OPT_FLAG, offsetof(struct conf, flags), NULL, "print a histogram per set of I/O flags" },
	{ 'e', "extension", OPT_FLAG, offsetof(struct conf, extension), NULL, "summarize average/total value" },
	{ 'j', "json", OPT_FLAG, offsetof(struct conf, json), NULL, "json output" },
	{ 'd', "disk", OPT_STR, offsetof(struct conf, disk), "DISK", "Trace this disk only" },
	{ 0, "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "name the tracepoints used (on stderr)" },
	OPT_END
};

struct state {
	const struct conf *c;
	FILE *out;
	struct blk_trace *t;
	struct blk_disks *disks;
	struct agg dist;           /* section << SLOT_BITS | slot -> count */
	uint64_t total, count;     /* -e, in the histogram's unit */
	struct blk_schedule sched; /* when summaries are printed */
	const char *label;
};

static void on_done(void *arg, const struct blk_io *io)
{
	struct state *st = arg;
	uint64_t from = st->c->queued ? io->start : io->issue, delta, section = 0, *v;

	if (!from || io->done < from)
		return; /* -Q: the request was made before we started */
	delta = (io->done - from) / (st->c->ms ? 1000000 : 1000);
	if (st->c->disks)
		section = io->dev;
	else if (st->c->flags)
		section = blk_rwbs_flags(io->rwbs);
	v = agg_get(&st->dist, section << SLOT_BITS | hist_log2_slot(delta));
	if (v)
		v[0]++;
	st->total += delta;
	st->count++;
}

static const char *section_name(struct state *st, uint64_t section, char *buf, size_t len)
{
	const char *name;

	if (st->c->flags)
		return blk_flags_name((unsigned)section, buf, len);
	name = blk_disks_name(st->disks, (uint32_t)section);
	return name ? name : "?";
}

/* BCC's print_json_hist: a Python dict repr per histogram. */
static void print_json(struct state *st, const uint64_t *slots, const char *key, const char *value)
{
	char ts[32];
	time_t now = time(NULL);
	unsigned top = 0;
	uint64_t prev = 0, index = 1;

	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", localtime(&now));
	for (unsigned i = 0; i < HIST_LOG2_SLOTS; i++)
		if (slots[i])
			top = i;
	fprintf(st->out, "{'ts': '%s', 'val_type': '%s', 'data': [", ts, st->label);
	for (unsigned i = 1; i <= top; i++) {
		index *= 2;
		fprintf(st->out, "%s{'interval-start': %" PRIu64 ", 'interval-end': %" PRIu64 ", 'count': %" PRIu64 "}",
			i > 1 ? ", " : "", prev, index - 1, slots[i]);
		prev = index;
	}
	fprintf(st->out, "]");
	if (key)
		fprintf(st->out, ", '%s': '%s'", key, value);
	fprintf(st->out, "}\n");
}

static void print_section(struct state *st, uint64_t section, const uint64_t *slots, bool sectioned)
{
	const char *key = st->c->flags ? "flags" : "disk";
	char buf[128];

	if (st->c->json)
		print_json(st, slots, sectioned ? key : NULL, sectioned ? section_name(st, section, buf, sizeof(buf)) : NULL);
	else if (sectioned)
		hist_print_section(st->out, key, section_name(st, section, buf, sizeof(buf)));
	if (!st->c->json)
		hist_print_log2(st->out, slots, HIST_LOG2_SLOTS, st->label);
}

static int print_hists(struct state *st)
{
	bool sectioned = st->c->disks || st->c->flags;
	uint64_t slots[HIST_LOG2_SLOTS] = { 0 };
	struct agg_entry *e = NULL;
	long n = agg_sorted(&st->dist, NULL, &e);
	char hms[16];

	if (n < 0) {
		err_msg("out of memory");
		return -1;
	}
	fputc('\n', st->out);
	if (st->c->timestamp)
		fprintf(st->out, "%-8s\n", out_hms(hms, time(NULL)));
	/* Sorted by key, so the entries of one section are adjacent, in slot order. */
	for (long i = 0; i < n; i++) {
		uint64_t section = e[i].key >> SLOT_BITS;

		slots[e[i].key & ((1u << SLOT_BITS) - 1)] = e[i].v[0];
		if (sectioned && (i + 1 == n || e[i + 1].key >> SLOT_BITS != section)) {
			print_section(st, section, slots, true);
			memset(slots, 0, sizeof(slots));
		}
	}
	if (!sectioned)
		print_section(st, 0, slots, false);
	if (st->c->extension && !st->c->json && st->count)
		fprintf(st->out, "\navg = %" PRIu64 " %s, total: %" PRIu64 " %s, count: %" PRIu64 "\n\n",
			st->total / st->count, st->label, st->total, st->label, st->count);
	free(e);
	agg_clear(&st->dist);
	st->total = st->count = 0;
	return 0;
}

static int on_tick(void *arg)
{
	struct state *st = arg;

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
	struct state st = { .c = c, .out = ctx->out, .label = c->ms ? "msecs" : "usecs" };
	struct blk_trace_cfg bc = { .want_start = c->queued, .on_done = on_done, .arg = &st };
	struct loop_cfg lc = { .interval = BLK_TICK_S, .on_tick = on_tick, .arg = &st };
	struct session *s = NULL;
	long interval = 99999999, count = 99999999;
	enum loop_end why;
	int ret;

	if (c->disks && c->flags) {
		err_msg("ERROR: can only use -D or -F. Exiting.");
		return EXIT_USAGE;
	}
	if ((argc > 0 && (ret = opts_parse_positive(argv[0], "interval", &interval))) ||
	    (argc > 1 && (ret = opts_parse_positive(argv[1], "count", &count))))
		return ret;
	if (c->disk && blk_disk_dev(c->disk, &bc.dev)) {
		err_msg("no such disk '%s'", c->disk);
		return EXIT_USAGE;
	}
	ret = EXIT_RUNTIME;
	st.disks = blk_disks_new();
	if (!st.disks || agg_init(&st.dist, MAX_KEYS)) {
		err_msg("out of memory");
		goto out;
	}
	loop_block_signals();
	s = session__new("biolatency");
	if (!s)
		goto out;
	/* Completions run in softirq context on whatever task is current, ours included. */
	session__set_exclude_self(s, false);
	session__set_buffer_pages(s, RING_PAGES);
	st.t = blk_trace_new(s, &bc);
	if (!st.t)
		goto out;
	if (c->verbose)
		fprintf(stderr, "%s: tracing %s\n", err_prog(), blk_trace_sources(st.t));
	ret = session__start(s);
	if (ret)
		goto out;
	if (!c->json)
		fprintf(ctx->out, "Tracing block device I/O... Hit Ctrl-C to end.\n");
	ret = out_flush(ctx->out);
	if (ret || out_broken(ctx->out))
		goto out;
	blk_schedule_start(&st.sched, (double)interval, count);
	why = session__loop(s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (why == LOOP_SIGNAL) {
		blk_trace_flush(st.t, true);
		print_hists(&st);
	}
	ret = out_flush(ctx->out);
	if (blk_trace_evicted(st.t))
		err_msg("%" PRIu64 " requests in flight were dropped from the pairing table", blk_trace_evicted(st.t));
out:
	session__delete(s);
	blk_trace_free(st.t);
	blk_disks_free(st.disks);
	agg_free(&st.dist);
	return ret;
}

const struct tool_desc tool_biolatency = {
	.name = "biolatency",
	.summary = "Summarize block device I/O latency as a histogram",
	.args = "[interval] [count]",
	.max_args = 2,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.examples = "    rawtrace biolatency                    # summarize block I/O latency as a histogram\n"
		    "    rawtrace biolatency 1 10               # print 1 second summaries, 10 times\n"
		    "    rawtrace biolatency -mT 1              # 1s summaries, milliseconds, and timestamps\n"
		    "    rawtrace biolatency -Q                 # include OS queued time in I/O time\n"
		    "    rawtrace biolatency -D                 # show each disk device separately\n"
		    "    rawtrace biolatency -F                 # show I/O flags separately\n"
		    "    rawtrace biolatency -j                 # print a dictionary\n"
		    "    rawtrace biolatency -e                 # show extension summary(total, average)\n"
		    "    rawtrace biolatency -d sdc             # Trace sdc only\n",
	.run = run,
};
