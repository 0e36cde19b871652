/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * blk: what the block I/O tools (biosnoop, biolatency, bitesize) share.  It picks the block
 * tracepoints this kernel has, decodes them by field name, puts the records of all CPUs
 * back into time order (each CPU has its own ring and a request often completes on another
 * CPU than the one that issued it), pairs start -> issue -> completion of a request by
 * (dev, sector, write) in a bounded table, and hands the tool one struct blk_io per issued
 * and per completed request.  Also: disk names from /proc/diskstats, -d DISK lookup, and
 * BCC's request-flag names rebuilt from the tracepoints' rwbs string.
 */
#ifndef RT_BLK_H
#define RT_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct session;

/* One request, as far as it is known when it is handed to the tool. */
struct blk_io {
	uint32_t dev;        /* kernel encoding: major << 20 | minor */
	uint64_t sector;
	uint32_t bytes;      /* size at issue */
	bool write;          /* rwbs has a 'W' (BCC's T column) */
	char rwbs[12];
	uint64_t start;      /* ns, CLOCK_MONOTONIC: the submitter's event (0: not seen) */
	uint64_t issue;      /* ns: handed to the driver */
	uint64_t done;       /* ns: completed (0 in on_issue) */
	uint32_t pid;        /* submitter (tgid) when start != 0 */
	char comm[16];       /* submitter when start != 0, else "" */
	uint32_t issue_pid;  /* context of the issue event (may be a kworker) */
	char issue_comm[16];
};

typedef void (*blk_io_fn)(void *arg, const struct blk_io *io);

struct blk_trace_cfg {
	uint32_t dev;        /* only this disk; 0: all */
	bool want_start;     /* record the submitter (pid, comm, queue time) */
	blk_io_fn on_issue;  /* each issued request (NULL: not wanted) */
	blk_io_fn on_done;   /* each completed request whose issue was seen (NULL: not wanted) */
	void *arg;
};

struct blk_trace;

/*
 * Add the block tracepoints cfg needs to s (before session__start).  Start events:
 * block_io_start (6.5+; fired where the request is made from the submitter's bio) or else
 * block_bio_queue; issue: block_rq_issue; completion: block_io_done (6.5+; sector intact
 * after the data is transferred) or else block_rq_complete.  NULL after printing why.
 */
struct blk_trace *blk_trace_new(struct session *s, const struct blk_trace_cfg *cfg);
void blk_trace_free(struct blk_trace *t);

/* "block:block_io_start, block:block_rq_issue, block:block_io_done" (for --verbose). */
const char *blk_trace_sources(const struct blk_trace *t);

/*
 * Hand the buffered records of all CPUs, oldest first, to the callbacks: those every ring
 * has delivered (session__settled()), so call it from the loop's tick; `all` (at the end
 * of the run) flushes everything.
 */
void blk_trace_flush(struct blk_trace *t, bool all);

/* Issued requests pushed out of the full pairing table before they completed. */
uint64_t blk_trace_evicted(const struct blk_trace *t);

/* Seconds between blk_trace_flush() calls the tools use (the loop interval). */
#define BLK_TICK_S 0.1

/* --- disks --- */

/*
 * The kernel dev of /dev/NAME (BCC's -d: the name as in /dev).  0, or -ENOENT when there
 * is no such block device.
 */
int blk_disk_dev(const char *name, uint32_t *dev);

struct blk_disks;
/* Names from /proc/diskstats (re-read, at most once a second, when a dev is unknown). */
struct blk_disks *blk_disks_new(void);
void blk_disks_free(struct blk_disks *d);
/* Name of dev, or NULL when /proc/diskstats does not list it. */
const char *blk_disks_name(struct blk_disks *d, uint32_t dev);

/* --- request flags --- */

/*
 * BCC's flag bits (biolatency -F) as far as rwbs shows them: the operation in the low
 * byte, then Sync, Metadata, ForcedUnitAccess, ReadAhead.  The other flags BCC names
 * (Priority, NoMerge, Idle, Background, NoWait) are not in any block tracepoint.
 */
unsigned blk_rwbs_flags(const char *rwbs);
/* "ReadAhead-Sync-Read" etc., as BCC builds it, into buf. */
const char *blk_flags_name(unsigned flags, char *buf, size_t len);

/*
 * Summaries every `interval` seconds, `count` times, on top of the loop's BLK_TICK_S ticks
 * (which the time-ordering flush needs): due once per interval of CLOCK_MONOTONIC.
 */
struct blk_schedule {
	double interval, next;
	long outputs_left;
};

/* Start the schedule now. */
void blk_schedule_start(struct blk_schedule *b, double interval, long count);
/* Is a summary due?  Advances to the next interval when it is. */
bool blk_schedule_due(struct blk_schedule *b);
/* After a summary: was it the last one? */
bool blk_schedule_last(struct blk_schedule *b);

#endif
