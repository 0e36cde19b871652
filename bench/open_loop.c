// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * open_loop: an open-heavy workload for the opensnoop benchmarks (bench/io.sh).
 *
 * "open_loop PATH N [RATE]" opens PATH read-only and closes it again, N times, and prints
 * the elapsed wall time (CLOCK_MONOTONIC), the rate achieved and its own CPU time.
 *
 * The opens go through the C library's open() on purpose: that is what real programs
 * do, and it is the function rawtrace opensnoop's uprobes hook to copy the path, so the
 * workload pays for the tracer's whole mechanism (uprobe trap + two syscall tracepoints).
 * PATH must exist: a failed open is still traced, but a benchmark that silently measured
 * ENOENT would be a different benchmark, so any failure stops the run.
 *
 * RATE (opens per second, 0 or absent = as fast as possible) is kept by batches: the
 * opens are issued in batches of about 1 ms worth of calls, and before each batch the
 * program sleeps with clock_nanosleep(TIMER_ABSTIME) until the batch's due time.  An
 * absolute deadline means sleeping late does not accumulate: a batch that starts late is
 * followed at once by the next, so the average rate holds as long as the machine can
 * reach it, and the "achieved" rate shows when it cannot.  Per-call sleeps would cost
 * more than the opens themselves at these rates.
 *
 * It prints its pid first, so that a tracer's system-wide output can be filtered on it.
 *
 * Output (two lines, easy to parse):
 *   "pid=<pid>"
 *   "elapsed_s=<s> opens_per_s=<rate> opens=<N> cpu_s=<s>"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define BATCH_NS 1000000LL /* a batch is about 1 ms of opens at the requested rate */

static int parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' ? -1 : 0;
}

static void ts_add_ns(struct timespec *ts, long long ns)
{
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000LL;
	ts->tv_nsec = ns % 1000000000LL;
}

static int open_close(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "open_loop: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long n, rate = 0, i, batch, due_ns;
	struct timespec start, due;
	double t0, dt, c0, dc;
	if ((argc != 3 && argc != 4) || parse_u64(argv[2], &n) || (argc == 4 && parse_u64(argv[3], &rate))) {
		fprintf(stderr, "usage: open_loop PATH N [OPENS_PER_SECOND]\n");
		return 2;
	}
	if (access(argv[1], R_OK)) {
		fprintf(stderr, "open_loop: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	printf("pid=%d\n", (int)getpid());
	fflush(stdout);

	/* Calls per batch: 1 ms worth at the requested rate, at least one. */
	batch = rate ? (rate * BATCH_NS + 999999999ULL) / 1000000000ULL : n;
	if (!batch)
		batch = 1;

	c0 = cpu_seconds();
	t0 = now();
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < n;) {
		unsigned long long end = i + batch < n ? i + batch : n;

		if (rate && i) {
			/* due time of call i: start + i / rate seconds */
			due = start;
			due_ns = i * 1000000000ULL / rate;
			ts_add_ns(&due, (long long)due_ns);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
				;
		}
		for (; i < end; i++)
			if (open_close(argv[1]))
				return 1;
	}
	dt = now() - t0;
	dc = cpu_seconds() - c0;

	printf("elapsed_s=%.6f opens_per_s=%.0f opens=%llu cpu_s=%.6f\n", dt, dt > 0 ? (double)n / dt : 0.0, n,
	       dc);
	return 0;
}
