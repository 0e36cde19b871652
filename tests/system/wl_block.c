// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wl_block: a block I/O workload with a known answer for the block tools' system tests.
 * It opens the block device given as argv[1] with O_DIRECT (so every read and write goes
 * to the device as one request of exactly the size asked, not through the page cache),
 * prints its pid, waits for SIGUSR1 (the test sends it once the tracer is attached), then
 * does, one after another (each waits for its completion, so nothing can merge):
 *
 *   8 writes of 4096 bytes, 4 writes of 65536 bytes, 2 reads of 16384 bytes, one fsync
 *
 * at distinct offsets 1 MiB apart.  With "count N" as argv[2..3] it instead does N reads
 * of 4096 bytes as fast as it can and prints the elapsed seconds (for overhead numbers).
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024)

static void wait_go(void)
{
	struct timespec limit = { .tv_sec = 30 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigtimedwait(&set, NULL, &limit) < 0) {
		fprintf(stderr, "wl_block: no SIGUSR1 within 30 s\n");
		exit(3);
	}
}

static int io(int fd, void *buf, size_t len, off_t off, int write)
{
	ssize_t n = write ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

	if (n != (ssize_t)len) {
		perror(write ? "wl_block: pwrite" : "wl_block: pread");
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long bench = argc > 3 && !strcmp(argv[2], "count") ? atol(argv[3]) : 0;
	off_t off = 0;
	sigset_t set;
	void *buf;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: wl_block DEVICE [count N]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, 65536)) {
		perror("wl_block: open");
		return 1;
	}
	memset(buf, 0xab, 65536);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	wait_go();
	if (bench) {
		double t0 = now_s();

		for (long n = 0; n < bench; n++)
			if (io(fd, buf, 4096, (n % 4096) * 4096, 0))
				return 1;
		printf("%.6f\n", now_s() - t0);
		return 0;
	}
	for (i = 0; i < 8; i++, off += MIB)
		if (io(fd, buf, 4096, off, 1))
			return 1;
	for (i = 0; i < 4; i++, off += MIB)
		if (io(fd, buf, 65536, off, 1))
			return 1;
	for (i = 0; i < 2; i++, off += MIB)
		if (io(fd, buf, 16384, (off_t)i * MIB, 0))
			return 1;
	if (fsync(fd)) {
		perror("wl_block: fsync");
		return 1;
	}
	return 0;
}
