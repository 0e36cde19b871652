/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clock.h: the timing helpers of the benchmark workloads (getppid_loop.c, open_loop.c).
 *
 * Wall time is CLOCK_MONOTONIC, so that a clock adjustment during a run cannot distort
 * it.  CPU time is the process's own user + system time (getrusage): a tracer running in
 * the traced program's syscall path inflates it just as it does the wall time, but other
 * load on a shared machine disturbs it much less.
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <sys/resource.h>
#include <time.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of this process so far, -1.0 if getrusage fails. */
static inline double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1.0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

#endif /* BENCH_CLOCK_H */
