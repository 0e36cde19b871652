// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wl_stack: ground truth for stackcount's user stacks.  `wl_stack N` prints its pid,
 * blocks until SIGUSR1, then makes N write()s of one byte to /dev/null, each through
 * main -> rt_stack_a -> rt_stack_b -> rt_stack_c -> write().  It is built with
 * -fomit-frame-pointer (no frame-pointer chain to follow, as on Debian's binaries) and
 * without inlining or sibling calls, so the chain is exactly those four frames and only
 * DWARF unwinding can recover it.  `wl_stack N now` prints nothing, does not wait, and
 * exits right after its writes: gone before a tracer reads its records.  `wl_stack N now
 * CPU` moves to CPU first, so that its writes are recorded in another CPU's ring than its
 * exec and mappings were.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int devnull;

/* Not static and not inlined: the symbols must exist and the calls must stay calls. */
__attribute__((noinline)) int rt_stack_c(int i)
{
	char c = (char)i;

	return (int)write(devnull, &c, 1);
}

__attribute__((noinline)) int rt_stack_b(int i)
{
	return rt_stack_c(i + 1) + 1;
}

__attribute__((noinline)) int rt_stack_a(int i)
{
	return rt_stack_b(i + 1) + 1;
}

int main(int argc, char **argv)
{
	struct timespec limit = { .tv_sec = 30 };
	long n = argc > 1 ? atol(argv[1]) : 0;
	bool now = (argc == 3 || argc == 4) && !strcmp(argv[2], "now");
	volatile long sink = 0;
	sigset_t set;

	if ((argc != 2 && !now) || n < 0) {
		fprintf(stderr, "usage: wl_stack N [now [CPU]]\n");
		return 2;
	}
	if (argc == 4) {
		cpu_set_t cpus;

		CPU_ZERO(&cpus);
		CPU_SET(atoi(argv[3]), &cpus);
		if (sched_setaffinity(0, sizeof(cpus), &cpus)) {
			perror("wl_stack: sched_setaffinity");
			return 1;
		}
	}
	devnull = open("/dev/null", O_WRONLY);
	if (devnull < 0) {
		perror("wl_stack: /dev/null");
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!now)
		printf("%d\n", (int)getpid());
	fflush(stdout);
	if (!now && sigtimedwait(&set, NULL, &limit) < 0) {
		fprintf(stderr, "wl_stack: no SIGUSR1 within 30 s\n");
		return 3;
	}
	for (long i = 0; i < n; i++)
		sink += rt_stack_a((int)i);
	return sink == n * 3 ? 0 : 1;
}
