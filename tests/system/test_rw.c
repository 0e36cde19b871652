// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rwsnoop against ground truth: wl_rw makes an exact list of read/write-family syscalls on
 * a temporary file after rwsnoop has attached to it, and rwsnoop must print exactly those
 * calls, in order, with their exact results and the file's path (or "?" when the process
 * was gone before its records were read, never another file); -x, -r and -w select the
 * right subset, -s adds up to the exact totals per fd; bad input gives exit 2.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

#define WL_RW SYSTEM_BUILDDIR "/wl_rw"

/* One expected line: fd, direction and BYTES column. */
struct want {
	int fd;
	char dir;
	const char *bytes;
};

/* wl_rw's calls in order (see wl_rw.c); fd 0 stands for the temporary file's fd. */
static const struct want all_calls[] = {
	{ 0, 'W', "100" },  { 0, 'W', "100" },  { 0, 'W', "100" },  { 0, 'W', "100" },
	{ 0, 'W', "100" },  { 0, 'W', "100" },  { 0, 'W', "100" },  { 0, 'W', "300" },
	{ 0, 'W', "4096" }, { 0, 'W', "4096" }, { 0, 'W', "4096" }, { 0, 'W', "100" },
	{ 0, 'R', "5000" }, { 0, 'R', "1024" }, { 0, 'R', "3000" }, { 0, 'R', "8192" },
	{ 0, 'R', "1196" }, { 0, 'R', "0" },    { -1, 'R', "-EBADF" },
};
#define NCALLS (sizeof(all_calls) / sizeof(all_calls[0]))

struct run {
	char *out;
	int status;
	pid_t pid;
	char path[256];
};

/* Run `rawtrace rwsnoop ARGS -p <wl_rw>` around `wl_rw mode`; the banner shows attach. */
static void rw_around(const char *mode, char *const args[], const char *banner, struct run *r)
{
	char *wargv[] = { WL_RW, (char *)mode, NULL };
	char *argv[32] = { (char *)RAWTRACE_BIN, "rwsnoop" };
	char pidbuf[16];
	struct proc w, t;
	int n = 2, wpid = 0;

	cr_assert_eq(proc_start(&w, wargv, NULL), 0);
	cr_assert(proc_wait_output(&w, "\n", 10), "wl_rw did not start: %s", w.err ? w.err : "");
	cr_assert_eq(sscanf(w.out, "%d %255s", &wpid, r->path), 2, "wl_rw said: %s", w.out);
	r->pid = wpid;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	snprintf(pidbuf, sizeof(pidbuf), "%d", wpid);
	argv[n++] = "-p";
	argv[n++] = pidbuf;
	argv[n] = NULL;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, banner, 30), "no banner: %s", t.err ? t.err : "");
	kill(w.pid, SIGUSR1);
	cr_assert_eq(proc_finish(&w, 0, 60), 0, "wl_rw failed: %s", w.err ? w.err : "");
	r->status = proc_finish(&t, SIGINT, 30);
	cr_assert(!t.err || !strstr(t.err, "lost"), "stderr: %s", t.err);
	r->out = strdup(t.out ? t.out : "");
	proc_free(&w);
	proc_free(&t);
}

/*
 * Check the data lines of per-event output against want[0..n): PID, COMM, FD, T, BYTES,
 * a latency, FILE.  exact_file: FILE must be the path (fd 0) or "?" (bad fd); otherwise
 * it may also be "?" for the temporary file.
 */
static void check_lines(const struct run *r, const struct want *want, size_t n, bool exact_file)
{
	char *copy = strdup(r->out), *save = NULL, *line;
	size_t i = 0;
	int fd = -2;

	line = strtok_r(copy, "\n", &save);
	cr_assert(line && !strcmp(line, "PID     COMM               FD T    BYTES    LAT(us) FILE"),
		  "header: %s", r->out);
	while ((line = strtok_r(NULL, "\n", &save))) {
		char comm[32], dir[4], bytes[32], file[300];
		int pid, lfd, wfd;
		double lat;

		cr_assert(i < n, "more lines than calls:\n%s", r->out);
		cr_assert_eq(sscanf(line, "%d %31s %d %3s %31s %lf %299s", &pid, comm, &lfd, dir, bytes,
				    &lat, file),
			     7, "bad line: %s", line);
		cr_assert_eq(pid, r->pid, "%s", line);
		cr_assert_str_eq(comm, "wl_rw", "%s", line);
		if (want[i].fd == 0 && fd == -2)
			fd = lfd;
		wfd = want[i].fd == 0 ? fd : want[i].fd;
		cr_assert(lfd == wfd && lfd >= -1, "line %zu fd %d, want %d:\n%s", i, lfd, wfd, r->out);
		cr_assert_eq(dir[0], want[i].dir, "line %zu: %s", i, line);
		cr_assert_str_eq(bytes, want[i].bytes, "line %zu: %s", i, line);
		cr_assert(lat >= 0 && lat < 1e6, "latency: %s", line);
		if (want[i].fd < 0)
			cr_assert_str_eq(file, "?", "%s", line);
		else if (exact_file)
			cr_assert_str_eq(file, r->path, "line %zu:\n%s", i, r->out);
		else
			cr_assert(!strcmp(file, r->path) || !strcmp(file, "?"), "wrong file: %s", line);
		i++;
	}
	cr_assert_eq(i, n, "%zu lines, want %zu:\n%s", i, n, r->out);
	free(copy);
}

#define HEADER "LAT(us) FILE\n"

Test(rwsnoop, every_call_with_exact_bytes_and_file)
{
	char *args[] = { NULL };
	struct run r;

	need_root_tracefs();
	rw_around("linger", args, HEADER, &r);
	cr_assert_eq(r.status, 0, "status %d", r.status);
	check_lines(&r, all_calls, NCALLS, true);
	free(r.out);
	assert_no_leftover_state();
}

Test(rwsnoop, exited_process_gets_question_marks_not_wrong_files)
{
	char *args[] = { NULL };
	struct run r;

	need_root_tracefs();
	rw_around("exit", args, HEADER, &r);
	cr_assert_eq(r.status, 0);
	check_lines(&r, all_calls, NCALLS, false);
	free(r.out);
}

Test(rwsnoop, failed_only)
{
	char *args[] = { "-x", NULL };
	struct run r;

	need_root_tracefs();
	rw_around("linger", args, HEADER, &r);
	cr_assert_eq(r.status, 0);
	check_lines(&r, &all_calls[NCALLS - 1], 1, true);
	free(r.out);
}

Test(rwsnoop, reads_only_and_writes_only)
{
	char *ra[] = { "-r", NULL }, *wa[] = { "-w", NULL };
	struct run r;

	need_root_tracefs();
	rw_around("linger", ra, HEADER, &r);
	check_lines(&r, &all_calls[12], 7, true);
	free(r.out);
	rw_around("linger", wa, HEADER, &r);
	check_lines(&r, all_calls, 12, true);
	free(r.out);
}

Test(rwsnoop, timestamp_and_uid_columns)
{
	char *args[] = { "-T", "-U", NULL };
	struct run r;
	double t;
	unsigned uid;
	int pid;
	const char *hdr = "TIME(s)        UID    PID     COMM               FD T    BYTES    LAT(us) FILE\n";

	need_root_tracefs();
	rw_around("linger", args, HEADER, &r);
	cr_assert(!strncmp(r.out, hdr, strlen(hdr)), "%s", r.out);
	cr_assert_eq(count_lines(r.out), 1 + (int)NCALLS, "%s", r.out);
	cr_assert_eq(sscanf(strchr(r.out, '\n') + 1, "%lf %u %d", &t, &uid, &pid), 3, "%s", r.out);
	cr_assert(t == 0 && uid == (unsigned)getuid() && pid == r.pid, "%s", r.out);
	free(r.out);
}

/* The -s row for path (or, when path is NULL, for fd): its line, numbers and file. */
static const char *summary_row(const char *out, int fd, const char *path, unsigned long v[4], char *file)
{
	for (const char *l = out; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char comm[32];
		int pid, lfd;

		if (sscanf(l, "%d %31s %d %lu %lu %lu %lu %299s", &pid, comm, &lfd, &v[0], &v[1], &v[2],
			   &v[3], file) == 8 &&
		    (path ? !strcmp(file, path) : lfd == fd))
			return l;
	}
	return NULL;
}

Test(rwsnoop, summary_totals_per_fd)
{
	const char *hdr = "PID     COMM               FD  READS WRITES    R_Kb    W_Kb FILE\n";
	char *args[] = { "-s", NULL }, file[300];
	const char *frow, *brow;
	unsigned long v[4];
	struct run r;

	need_root_tracefs();
	rw_around("linger", args, "Hit Ctrl-C to end.\n", &r);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, hdr), "%s", r.out);
	cr_assert(strstr(r.out, "Detaching...\n"), "%s", r.out);
	/* the file: 6 reads of 18412 bytes, 12 writes of 13388 bytes, in whole KiB */
	frow = summary_row(r.out, 0, r.path, v, file);
	cr_assert(frow, "no row for %s:\n%s", r.path, r.out);
	cr_assert(v[0] == 6 && v[1] == 12 && v[2] == 18412 / 1024 && v[3] == 13388 / 1024, "%s", r.out);
	brow = summary_row(r.out, -1, NULL, v, file);
	cr_assert(brow, "no row for fd -1:\n%s", r.out);
	cr_assert(v[0] == 1 && v[1] == 0 && v[2] == 0 && v[3] == 0, "%s", r.out);
	cr_assert_str_eq(file, "?", "%s", r.out);
	/* sorted by bytes: the file's row comes first */
	cr_assert(frow < brow, "%s", r.out);
	/* banner, empty line, time, header, the two rows, Detaching... */
	cr_assert_eq(count_lines(r.out), 7, "other rows:\n%s", r.out);
	free(r.out);
}

Test(rwsnoop, comm_filter)
{
	char *yes[] = { "-c", "l_r", NULL }, *no[] = { "-c", "nomatch", NULL };
	struct run r;

	need_root_tracefs();
	rw_around("linger", yes, HEADER, &r);
	check_lines(&r, all_calls, NCALLS, true);
	free(r.out);
	rw_around("linger", no, HEADER, &r);
	cr_assert_eq(count_lines(r.out), 1, "%s", r.out);
	free(r.out);
}

Test(rwsnoop, bad_input)
{
	char *a[] = { "-p", "1", "-t", "1", NULL }, *b[] = { "-r", "-w", NULL }, *c[] = { "-i", "1", NULL },
	     *d[] = { "-c", "a*b", NULL }, *e[] = { "--bogus", NULL }, *f[] = { "-N", "0", "-s", NULL },
	     *g[] = { "-p", "4000000", NULL };

	need_root_tracefs();
	expect_failure("rwsnoop", a, 2, "only one of -p and -t");
	expect_failure("rwsnoop", b, 2, "only one of -r and -w");
	expect_failure("rwsnoop", c, 2, "-i INTERVAL needs -s");
	expect_failure("rwsnoop", d, 2, "-c COMM must be");
	expect_failure("rwsnoop", e, 2, "unknown option");
	expect_failure("rwsnoop", f, 2, "out of range");
	expect_failure("rwsnoop", g, 1, "no such process: 4000000");
	assert_no_leftover_state();
}
