// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wl_open: ground truth for opensnoop.  `wl_open N C T` prints its pid, blocks until
 * SIGUSR1, then opens N paths /tmp/rt-open-<pid>-<i> from the main thread, T paths
 * /tmp/rt-open-<pid>-t<i> from a second thread, and lets C short-lived child processes
 * open /tmp/rt-open-<pid>-c<i> once each.  Every path is formatted into ONE reused buffer
 * right before its open, the worst case for a tracer that reads the pointer later.  The
 * opens rotate through open(), openat(), fopen(), a raw openat syscall (which bypasses the
 * C library) and open(O_WRONLY|O_CREAT|O_TRUNC, 0640); every third path exists.  At the
 * end every call is listed as "E <pid> <tid> <fd> <err> <flags> <kind> <path>" (flags -1
 * when the C library chooses them), and the files are removed.
 */
#include <errno.h>
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

#define MAX_OPS 100000

struct op {
	int tid, fd, err, kind;
	long flags;
	char path[64];
};

static const char *const kind_names[] = { "open", "openat", "fopen", "raw", "creat" };

/* One open of buf by method kind; the result goes into *o. */
static void do_open(char *buf, int kind, struct op *o)
{
	FILE *f;
	int fd = -1;

	errno = 0;
	switch (kind) {
	case 0:
		o->flags = O_RDONLY;
		fd = open(buf, O_RDONLY);
		break;
	case 1:
		o->flags = O_RDONLY;
		fd = openat(AT_FDCWD, buf, O_RDONLY);
		break;
	case 2:
		o->flags = -1;
		f = fopen(buf, "r");
		fd = f ? fileno(f) : -1;
		o->fd = fd;
		o->err = f ? 0 : errno;
		if (f)
			fclose(f);
		goto done;
	case 3:
		o->flags = O_RDONLY;
		fd = (int)syscall(SYS_openat, AT_FDCWD, buf, O_RDONLY);
		break;
	default:
		o->flags = O_WRONLY | O_CREAT | O_TRUNC;
		fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0640);
		break;
	}
	o->fd = fd;
	o->err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
done:
	o->kind = kind;
	o->tid = (int)syscall(SYS_gettid);
	snprintf(o->path, sizeof(o->path), "%s", buf);
}

struct run {
	const char *tag;
	long n;
	struct op *ops;
};

/* The loop under test: one buffer, rewritten before every open. */
static void *opens(void *arg)
{
	struct run *r = arg;
	char buf[64];

	for (long i = 0; i < r->n; i++) {
		snprintf(buf, sizeof(buf), "/tmp/rt-open-%d-%s%ld", (int)getpid(), r->tag, i);
		do_open(buf, (int)(i % 5), &r->ops[i]);
	}
	return NULL;
}

static void print_op(const struct op *o, int pid)
{
	printf("E %d %d %d %d %ld %s %s\n", pid, o->tid, o->fd, o->err, o->flags, kind_names[o->kind], o->path);
}

static void make_existing(const char *tag, long n)
{
	char buf[64];

	for (long i = 0; i < n; i += 3) {
		int fd;

		snprintf(buf, sizeof(buf), "/tmp/rt-open-%d-%s%ld", (int)getpid(), tag, i);
		fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
}

static void remove_all(const char *tag, long n)
{
	char buf[64];

	for (long i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "/tmp/rt-open-%d-%s%ld", (int)getpid(), tag, i);
		unlink(buf);
	}
}

/* A child opens one path and exits at once: gone before any late read can happen. */
static void child(int parent, long i)
{
	char buf[64], line[160];
	int fd, err;

	snprintf(buf, sizeof(buf), "/tmp/rt-open-%d-c%ld", parent, i);
	fd = open(buf, O_RDONLY);
	err = fd < 0 ? errno : 0;
	snprintf(line, sizeof(line), "E %d %d %d %d %d open %s\n", (int)getpid(), (int)getpid(), fd, err,
		 O_RDONLY, buf);
	if (write(1, line, strlen(line)) < 0)
		_exit(1);
	_exit(0);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0, c = argc > 2 ? atol(argv[2]) : 0, t = argc > 3 ? atol(argv[3]) : 0;
	struct timespec limit = { .tv_sec = 30 };
	struct run main_run = { "", n }, thr_run = { "t", t };
	pthread_t th;
	sigset_t set;

	if (argc < 2 || n < 0 || n > MAX_OPS || t < 0 || t > MAX_OPS || c < 0) {
		fprintf(stderr, "usage: wl_open N [CHILDREN [THREAD_OPENS]]\n");
		return 2;
	}
	main_run.ops = calloc((size_t)n + 1, sizeof(struct op));
	thr_run.ops = calloc((size_t)t + 1, sizeof(struct op));
	if (!main_run.ops || !thr_run.ops)
		return 1;
	make_existing("", n);
	make_existing("t", t);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (sigtimedwait(&set, NULL, &limit) < 0) {
		fprintf(stderr, "wl_open: no SIGUSR1 within 30 s\n");
		return 3;
	}
	if (t && pthread_create(&th, NULL, opens, &thr_run))
		return 1;
	opens(&main_run);
	if (t)
		pthread_join(th, NULL);
	for (long i = 0; i < c; i++) {
		pid_t p;

		fflush(stdout);
		p = fork();
		if (p == 0)
			child(getppid(), i);
		if (p < 0 || waitpid(p, NULL, 0) != p)
			return 1;
	}
	for (long i = 0; i < n; i++)
		print_op(&main_run.ops[i], (int)getpid());
	for (long i = 0; i < t; i++)
		print_op(&thr_run.ops[i], (int)getpid());
	remove_all("", n);
	remove_all("t", t);
	return fflush(stdout) ? 1 : 0;
}
