// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * workload: a test program that makes an exactly known number of calls, so system tests
 * can compare a tool's report against ground truth.  It prints its pid, then blocks until
 * SIGUSR1 (the test sends it once the tracer is attached), does its work and exits.
 *
 *   workload getppid N          N getppid() syscalls (raw syscall, no libc caching)
 *   workload libc_getppid N     N calls of libc's getppid()
 *   workload threads T N        T new threads, each N getppid() syscalls
 *   workload fork P C           P getppid() in this process, C in a child process
 *   workload fail N M           N close(-1) (fails with EBADF) and M getppid()
 *   workload func A B           A calls of rt_workload_target(), B of rt_workload_other()
 *   workload read N             N one-byte read()s of /dev/zero (N calls of vfs_read)
 *   workload named N            N calls rt_workload_named(i, "item-<i>") from one reused buffer
 *   workload opens N            N opens of /tmp/rt-open-<pid>-<i> (absent: ENOENT) from one reused buffer
 *   workload readsz N           N read()s of /dev/zero of 1, 2, 4 ... 128 bytes in turn
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Probe targets: not inlined, not static, so uprobes find them by name. */
__attribute__((noinline)) int rt_workload_target(int i)
{
	__asm__ volatile("" ::: "memory");
	return i + 1;
}

__attribute__((noinline)) int rt_workload_named(int i, const char *name)
{
	__asm__ volatile("" ::: "memory");
	return i + (int)name[0];
}

__attribute__((noinline)) int rt_workload_other(int i)
{
	__asm__ volatile("" ::: "memory");
	return i + 2;
}

static void raw_getppid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void *thread_main(void *arg)
{
	raw_getppid((long)arg);
	return NULL;
}

static void wait_go(void)
{
	struct timespec limit = { .tv_sec = 30 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigtimedwait(&set, NULL, &limit) < 0) {
		fprintf(stderr, "workload: no SIGUSR1 within 30 s\n");
		exit(3);
	}
}

int main(int argc, char **argv)
{
	long a = argc > 2 ? atol(argv[2]) : 0, b = argc > 3 ? atol(argv[3]) : 0;
	volatile int sink = 0;
	sigset_t set;

	if (argc < 3) {
		fprintf(stderr, "usage: workload getppid|libc_getppid|threads|fork|fail|func|read|named|opens|readsz ARGS\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	wait_go();
	if (!strcmp(argv[1], "getppid")) {
		raw_getppid(a);
	} else if (!strcmp(argv[1], "libc_getppid")) {
		for (long i = 0; i < a; i++)
			sink += getppid();
	} else if (!strcmp(argv[1], "threads")) {
		pthread_t t[64];

		for (long i = 0; i < a && i < 64; i++)
			pthread_create(&t[i], NULL, thread_main, (void *)b);
		for (long i = 0; i < a && i < 64; i++)
			pthread_join(t[i], NULL);
	} else if (!strcmp(argv[1], "fork")) {
		pid_t pid = fork();

		if (pid == 0) {
			raw_getppid(b);
			_exit(0);
		}
		raw_getppid(a);
		waitpid(pid, NULL, 0);
	} else if (!strcmp(argv[1], "fail")) {
		for (long i = 0; i < a; i++)
			syscall(SYS_close, -1);
		raw_getppid(b);
	} else if (!strcmp(argv[1], "func")) {
		for (long i = 0; i < a; i++)
			sink += rt_workload_target((int)i);
		for (long i = 0; i < b; i++)
			sink += rt_workload_other((int)i);
	} else if (!strcmp(argv[1], "named")) {
		char buf[32];

		for (long i = 0; i < a; i++) {
			snprintf(buf, sizeof(buf), "item-%ld", i);
			sink += rt_workload_named((int)i, buf);
		}
	} else if (!strcmp(argv[1], "opens")) {
		char path[64];

		for (long i = 0; i < a; i++) {
			snprintf(path, sizeof(path), "/tmp/rt-open-%d-%ld", (int)getpid(), i);
			sink += open(path, O_RDONLY) >= 0;
		}
	} else if (!strcmp(argv[1], "readsz")) {
		int fd = open("/dev/zero", O_RDONLY);
		char buf[128];

		for (long i = 0; i < a; i++)
			sink += (int)read(fd, buf, (size_t)1 << (i % 8));
		close(fd);
	} else if (!strcmp(argv[1], "read")) {
		int fd = open("/dev/zero", O_RDONLY);
		char c;

		for (long i = 0; i < a; i++)
			sink += (int)read(fd, &c, 1);
		close(fd);
	} else {
		fprintf(stderr, "workload: unknown mode %s\n", argv[1]);
		return 2;
	}
	return sink == -1;
}
