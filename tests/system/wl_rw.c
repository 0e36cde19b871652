// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wl_rw: the rwsnoop ground-truth workload.  It creates a temporary file, prints
 * "PID PATH", blocks until SIGUSR1 (the test sends it once the tracer is attached), then
 * makes an exactly known list of read/write-family syscalls on that file (raw syscalls, so
 * libc cannot split, merge or replace them) and one read on a bad fd.  With "linger" it
 * keeps the file open for a second afterwards, so a tracer can still read /proc/PID/fd;
 * with "exit" it closes and exits at once.
 *
 * Writes (fd F, 12 calls, 13388 bytes): 7 x write(100); writev(100 + 200); pwrite64(4096)
 * at 1000, 5096 and 9192; pwritev(50 + 50) at 13288.
 * Reads (fd F, 6 calls, 18412 bytes): pread64(5000) at 0 -> 5000; preadv(512 + 512) at 0
 * -> 1024; readv(1000 + 2000) -> 3000; read(8192) -> 8192; read(8192) -> 1196;
 * read(8192) -> 0 (end of file).  Then read(-1, 16) -> -EBADF.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static char buf[8192];

static void wait_go(void)
{
	struct timespec limit = { .tv_sec = 30 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigtimedwait(&set, NULL, &limit) < 0) {
		fprintf(stderr, "wl_rw: no SIGUSR1 within 30 s\n");
		exit(3);
	}
}

/* The kernel splits preadv/pwritev offsets into two longs (low, high). */
static long rw_vec(long nr, int fd, size_t a, size_t b, long off)
{
	struct iovec iov[2] = { { buf, a }, { buf + a, b } };

	if (off < 0)
		return syscall(nr, fd, iov, 2);
	return syscall(nr, fd, iov, 2, off, 0L);
}

static int do_io(int fd)
{
	long r = 0, ok = 1;

	for (int i = 0; i < 7; i++)
		ok &= syscall(SYS_write, fd, buf, 100) == 100;
	ok &= rw_vec(SYS_writev, fd, 100, 200, -1) == 300;
	for (long off = 1000; off <= 9192; off += 4096)
		ok &= syscall(SYS_pwrite64, fd, buf, 4096, off) == 4096;
	ok &= rw_vec(SYS_pwritev, fd, 50, 50, 13288) == 100;
	ok &= syscall(SYS_pread64, fd, buf, 5000, 0) == 5000;
	ok &= rw_vec(SYS_preadv, fd, 512, 512, 0) == 1024;
	ok &= rw_vec(SYS_readv, fd, 1000, 2000, -1) == 3000;
	ok &= syscall(SYS_read, fd, buf, 8192) == 8192;
	ok &= syscall(SYS_read, fd, buf, 8192) == 1196;
	ok &= syscall(SYS_read, fd, buf, 8192) == 0;
	r = syscall(SYS_read, -1, buf, 16);
	return ok && r == -1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/rawtrace-wl_rw.XXXXXX";
	struct timespec linger = { .tv_sec = 1 };
	sigset_t set;
	int fd, ret;

	if (argc != 2 || (strcmp(argv[1], "linger") && strcmp(argv[1], "exit"))) {
		fprintf(stderr, "usage: wl_rw linger|exit\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(buf, 'x', sizeof(buf));
	fd = mkstemp(path);
	if (fd < 0) {
		perror("wl_rw: mkstemp");
		return 3;
	}
	printf("%d %s\n", (int)getpid(), path);
	fflush(stdout);
	wait_go();
	ret = do_io(fd);
	if (!strcmp(argv[1], "linger"))
		nanosleep(&linger, NULL);
	close(fd);
	unlink(path);
	return ret;
}
