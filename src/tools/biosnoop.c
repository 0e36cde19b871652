// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * biosnoop: one line per completed block I/O request with its submitter, disk, direction,
 * sector, size and latency, like BCC's biosnoop.  Built on the block tracepoints through
 * core/blk (start -> issue -> completion paired by dev and sector, records of all CPUs put
 * back in time order); the submitter is the task whose bio made the request
 * (block_io_start on 6.5+, block_bio_queue before), not the kworker that may issue it.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "core/agg.h"
#include "core/blk.h"
#include "core/err.h"
#include "core/out.h"
#include "core/session.h"
#include "tool.h"

#define RING_PAGES 512 /* 2 MiB per CPU: ~25,000 requests of a reader that stalls for a while */
#define MAX_DISKS 4096 /* -P: last sector per disk */

struct conf {
	bool queue, pattern, verbose;
	const char *disk;
};

static const struct opt opts[] = {
	{ 'Q', "queue", OPT_FLAG, offsetof(struct conf, queue), NULL, "include OS queued time" },
	{ 'd', "disk", OPT_STR, offsetof(struct conf, disk), "DISK", "trace this disk only" },
	{ 'P', "pattern", OPT_FLAG, offsetof(struct conf, pattern), NULL, "display block I/O pattern (sequential or random)" },
	{ 0, "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "name the tracepoints used (on stderr)" },
	OPT_END
};

struct state {
	const struct conf *c;
	FILE *out;
	struct blk_disks *disks;
	struct blk_trace *t;
	struct agg last;      /* -P: dev -> next sector after the previous completion + 1 */
	uint64_t first_us;    /* completion time of the first line, in us (BCC's TIME(s) origin) */
	bool have_first;
};

static void on_done(void *arg, const struct blk_io *io)
{
	struct state *st = arg;
	const char *disk = blk_disks_name(st->disks, io->dev);
	uint64_t us = io->done / 1000, *last;
	char pidbuf[16];

	if (!st->have_first) {
		st->first_us = us;
		st->have_first = true;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%" PRIu32, io->start ? io->pid : 0);
	fprintf(st->out, "%-11.6f %-14.14s %-7s %-9s %-1s %-10" PRIu64 " %-7" PRIu32, (double)(us - st->first_us) / 1e6,
		io->start ? io->comm : "?", pidbuf, disk ? disk : "<unknown>", io->write ? "W" : "R", io->sector,
		io->bytes);
	if (st->c->pattern) {
		const char *p = "?";

		last = agg_get(&st->last, io->dev);
		if (last && last[0])
			p = last[0] - 1 == io->sector ? "S" : "R";
		if (last)
			last[0] = io->sector + io->bytes / 512 + 1;
		fprintf(st->out, "%-1s ", p);
	}
	if (st->c->queue)
		fprintf(st->out, "%7.2f ", io->start ? (double)(io->issue - io->start) / 1e6 : 0.0);
	fprintf(st->out, "%7.2f\n", (double)(io->done - io->issue) / 1e6);
}

static int on_tick(void *arg)
{
	struct state *st = arg;

	blk_trace_flush(st->t, false);
	/* a reader that went away (| head) ends the run */
	return out_flush(st->out) || out_broken(st->out);
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct blk_trace_cfg bc = { .want_start = true, .on_done = on_done, .arg = &st };
	struct blk_trace *t = NULL;
	struct session *s = NULL;
	struct loop_cfg lc = { .interval = BLK_TICK_S, .on_tick = on_tick };
	enum loop_end why;
	int ret = EXIT_RUNTIME;

	if (c->disk && blk_disk_dev(c->disk, &bc.dev)) {
		err_msg("no such disk '%s'", c->disk);
		return EXIT_USAGE;
	}
	st.disks = blk_disks_new();
	if (!st.disks || agg_init(&st.last, MAX_DISKS)) {
		err_msg("out of memory");
		goto out;
	}
	loop_block_signals();
	s = session__new("biosnoop");
	if (!s)
		goto out;
	/* Completions run in softirq context on whatever task is current, ours included. */
	session__set_exclude_self(s, false);
	session__set_buffer_pages(s, RING_PAGES);
	t = blk_trace_new(s, &bc);
	if (!t)
		goto out;
	if (c->verbose)
		fprintf(stderr, "%s: tracing %s\n", err_prog(), blk_trace_sources(t));
	ret = session__start(s);
	if (ret)
		goto out;
	fprintf(ctx->out, "%-11s %-14s %-7s %-9s %-1s %-10s %-7s", "TIME(s)", "COMM", "PID", "DISK", "T", "SECTOR",
		"BYTES");
	if (c->pattern)
		fprintf(ctx->out, "%-1s ", "P");
	if (c->queue)
		fprintf(ctx->out, "%7s ", "QUE(ms)");
	fprintf(ctx->out, "%7s\n", "LAT(ms)");
	ret = out_flush(ctx->out);
	if (ret || out_broken(ctx->out))
		goto out;
	st.t = t;
	lc.arg = &st;
	why = session__loop(s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	blk_trace_flush(t, true);
	ret = out_flush(ctx->out);
	if (blk_trace_evicted(t))
		err_msg("%" PRIu64 " requests in flight were dropped from the pairing table", blk_trace_evicted(t));
out:
	session__delete(s);
	blk_trace_free(t);
	blk_disks_free(st.disks);
	agg_free(&st.last);
	return ret;
}

const struct tool_desc tool_biosnoop = {
	.name = "biosnoop",
	.summary = "Trace block I/O.",
	.args = "",
	.max_args = 0,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.examples = "    rawtrace biosnoop           # trace all block I/O\n"
		    "    rawtrace biosnoop -Q        # include OS queued time\n"
		    "    rawtrace biosnoop -d sdc    # trace sdc only\n"
		    "    rawtrace biosnoop -P        # display block I/O pattern\n",
	.run = run,
};
