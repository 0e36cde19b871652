// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * getppid_loop: a syscall-heavy workload for the tracing benchmarks.
 *
 * "getppid_loop N" makes N raw syscall(SYS_getppid) calls in a tight loop and prints
 * the elapsed wall time (CLOCK_MONOTONIC) and the call rate.  getppid does almost no
 * work in the kernel, so the time per call is dominated by syscall entry/exit, which
 * is exactly what a tracer attached to the syscall tracepoints slows down.  The raw
 * syscall() is used so that no libc caching can elide a call.  Nothing is pinned:
 * the workload runs wherever the scheduler puts it, as a real program would.
 *
 * It also prints its own CPU time (user + system, getrusage), which a tracer running in
 * the syscall path inflates just as it does the wall time, but which other load on a
 * shared machine disturbs much less.
 *
 * Output (one line, easy to parse):
 *   "elapsed_s=<seconds> calls_per_s=<rate> calls=<N> cpu_s=<seconds>"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"

int main(int argc, char **argv)
{
	unsigned long long n, i;
	double t0, dt, c0, dc;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: %s N\n", argv[0]);
		return 2;
	}
	errno = 0;
	n = strtoull(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || argv[1][0] == '-') {
		fprintf(stderr, "%s: bad call count '%s'\n", argv[0], argv[1]);
		return 2;
	}

	c0 = cpu_seconds();
	t0 = now();
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	dt = now() - t0;
	dc = cpu_seconds() - c0;

	printf("elapsed_s=%.6f calls_per_s=%.0f calls=%llu cpu_s=%.6f\n", dt,
	       dt > 0 ? (double)n / dt : 0.0, n, dc);
	return 0;
}
