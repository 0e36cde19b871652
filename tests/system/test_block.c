// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The block I/O tools against ground truth.  Each test makes its own direct-I/O loop
 * device (nobody else's I/O lands there), starts the tool with -d loopN, waits for its
 * header, then releases wl_block, which does exactly 8 writes of 4 KiB, 4 writes of
 * 64 KiB, 2 reads of 16 KiB (one request each: O_DIRECT, one at a time) and an fsync.
 * Where the loop device has a write-back cache (6.18 with util-linux losetup) the kernel turns
 * the fsync into one flush request of 0 bytes (rwbs "FF") issued by a kworker, so the device
 * sees 15 requests; without one (the 6.1 VM, busybox losetup) it sees 14.  The tools must
 * report exactly those.
 */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

/* BCC's "%-11s %-14s %-7s %-9s %-1s %-10s %-7s" [+ "%-1s " + "%7s "] + "%7s" */
#define BIOSNOOP_HEADER "TIME(s)     COMM           PID     DISK      T SECTOR     BYTES  LAT(ms)\n"
#define BIOSNOOP_QP_HEADER "TIME(s)     COMM           PID     DISK      T SECTOR     BYTES  P QUE(ms) LAT(ms)\n"

static char loopdev[64], loopname[64], imgpath[128];
static int flushes; /* flush requests an fsync makes on this loop device: 1 with a write-back cache */

/*
 * Whether fsync makes a flush request: only when the queue says it has a volatile write
 * cache (6.18 loop: yes; the 6.1 VM's busybox-attached loop: no).
 */
static int loop_has_write_cache(void)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/write_cache", loopname);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	return !strncmp(buf, "write back", 10);
}

static void loop_setup_with(bool direct_io)
{
	need_root_tracefs();
	if (!loop_image(imgpath, sizeof(imgpath), "rt_block", 64))
		cr_skip_test("cannot create %s", imgpath);
	if (!loop_attach(imgpath, direct_io, loopdev, sizeof(loopdev))) {
		loop_detach(loopdev, imgpath);
		if (direct_io)
			cr_skip_test("no loop device with direct I/O (needs util-linux losetup --direct-io)");
		cr_skip_test("no loop device (losetup failed; is the loop driver available?)");
	}
	snprintf(loopname, sizeof(loopname), "%s", loopdev + 5);
	flushes = loop_has_write_cache();
}

static void loop_teardown(void)
{
	loop_detach(loopdev, imgpath);
}

/*
 * The loop device reads its backing file through the page cache: its completions then run
 * in the loop worker, where the kernel delivers every one (see block_direct below).
 */
static void loop_setup(void)
{
	loop_setup_with(false);
}

TestSuite(block, .init = loop_setup, .fini = loop_teardown);

/*
 * Run `rawtrace TOOL ARGS...` around one wl_block run; stopped with SIGINT unless it ends.
 * Its stderr must be empty unless `err` takes it.
 */
static char *tool_around_err(char *const args[], const char *ready, int sig, int *status, char **err)
{
	char *argv[32] = { (char *)RAWTRACE_BIN };
	char *wargv[] = { SYSTEM_BUILDDIR "/wl_block", loopdev, NULL };
	struct proc w, t;
	char *out;
	int n = 1;

	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_eq(proc_start(&w, wargv, NULL), 0);
	cr_assert(proc_wait_output(&w, "\n", 10), "wl_block did not start: %s", w.err ? w.err : "");
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_assert(proc_wait_output(&t, ready, 30), "no header: %s", t.err ? t.err : "");
	kill(w.pid, SIGUSR1);
	cr_assert_eq(proc_finish(&w, 0, 60), 0, "wl_block failed: %s", w.err ? w.err : "");
	*status = proc_finish(&t, sig, 30);
	if (err)
		*err = strdup(t.err ? t.err : "");
	else
		cr_assert(!t.err || !*t.err, "stderr: %s", t.err);
	out = strdup(t.out ? t.out : "");
	proc_free(&w);
	proc_free(&t);
	return out;
}

static char *tool_around(char *const args[], const char *ready, int sig, int *status)
{
	return tool_around_err(args, ready, sig, status, NULL);
}

/*
 * The count column of the histogram row "lo -> hi" in the section whose first line starts
 * at `from` (the section ends at the next "X = Y" line).
 */
static long hist_row(const char *from, long lo, long hi)
{
	const char *p, *end;
	char row[64];

	snprintf(row, sizeof(row), "%ld -> %-10ld : ", lo, hi);
	p = strstr(from, row);
	end = strstr(strchr(from + 1, '\n') ? strchr(from + 1, '\n') : from, " = ");
	if (!p || (end && end < p))
		return 0; /* no such row in this section */
	return strtol(p + strlen(row), NULL, 10);
}

/* Sum of the count column of every histogram row from `from` to the next section. */
static long hist_total(const char *from)
{
	const char *end = strstr(strchr(from + 1, '\n') ? strchr(from + 1, '\n') : from, " = ");
	long sum = 0;

	for (const char *l = from; l && *l && (!end || l < end); l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *c = strstr(l, " : ");

		if (strstr(l, " -> ") && c && c < strchr(l, '\n'))
			sum += strtol(c + 3, NULL, 10);
	}
	return sum;
}

Test(block, biosnoop_reports_every_request_exactly)
{
	char *args[] = { "biosnoop", "-d", loopname, NULL };
	int st, writes4k = 0, writes64k = 0, reads16k = 0, flush_lines = 0, ours = 0, lines = 0;
	char *out = tool_around(args, "LAT(ms)\n", SIGINT, &st);
	char *save = NULL;

	cr_assert_eq(st, 0);
	cr_assert(!strncmp(out, BIOSNOOP_HEADER, strlen(BIOSNOOP_HEADER)), "%s", out);
	for (char *l = strtok_r(strchr(out, '\n') + 1, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char comm[32], disk[32], t[4];
		unsigned long long sector;
		unsigned pid, bytes;
		double time_s, lat;

		lines++;
		cr_assert_eq(sscanf(l, "%lf %31s %u %31s %3s %llu %u %lf", &time_s, comm, &pid, disk, t, &sector, &bytes, &lat),
			     8, "bad line: %s", l);
		cr_assert_str_eq(disk, loopname, "%s", l);
		cr_assert(lat > 0, "latency not positive: %s", l);
		if (!strcmp(comm, "wl_block")) {
			ours++;
			if (!strcmp(t, "W") && bytes == 4096) {
				cr_assert_eq(sector, 2048ull * writes4k, "%s", l);
				writes4k++;
			} else if (!strcmp(t, "W") && bytes == 65536) {
				cr_assert_eq(sector, 2048ull * (8 + writes64k), "%s", l);
				writes64k++;
			} else if (!strcmp(t, "R") && bytes == 16384) {
				cr_assert_eq(sector, 2048ull * reads16k, "%s", l);
				reads16k++;
			} else {
				cr_assert_fail("unexpected request: %s", l);
			}
		} else {
			/* the fsync's flush: made by the flush machinery, so no submitter (BCC's "?") */
			cr_assert_str_eq(comm, "?", "%s", l);
			cr_assert_eq(bytes, 0, "%s", l);
			flush_lines++;
		}
	}
	cr_assert_eq(writes4k, 8, "%s", out);
	cr_assert_eq(writes64k, 4, "%s", out);
	cr_assert_eq(reads16k, 2, "%s", out);
	cr_assert_eq(ours, 14, "%s", out);
	cr_assert_eq(flush_lines, flushes, "%s", out);
	cr_assert_eq(lines, 14 + flushes, "%s", out);
	free(out);
	assert_no_leftover_state();
}

Test(block, biosnoop_queue_and_pattern_columns)
{
	char *args[] = { "biosnoop", "-Q", "-P", "-d", loopname, NULL };
	int st, seq = 0;
	char *out = tool_around(args, "LAT(ms)\n", SIGINT, &st);
	char *save = NULL;

	cr_assert_eq(st, 0);
	cr_assert(!strncmp(out, BIOSNOOP_QP_HEADER, strlen(BIOSNOOP_QP_HEADER)), "%s", out);
	cr_assert_eq(count_lines(out), 15 + flushes, "%s", out);
	for (char *l = strtok_r(strchr(out, '\n') + 1, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char comm[32], disk[32], t[4], p[4];
		unsigned long long sector;
		unsigned pid, bytes;
		double time_s, que, lat;

		cr_assert_eq(sscanf(l, "%lf %31s %u %31s %3s %llu %u %3s %lf %lf", &time_s, comm, &pid, disk, t, &sector,
				    &bytes, p, &que, &lat), 10, "bad line: %s", l);
		cr_assert(que >= 0 && lat > 0, "%s", l);
		/* requests 1 MiB apart: never sequential, except none before the first */
		cr_assert(!strcmp(p, "?") || !strcmp(p, "R") || !strcmp(p, "S"), "%s", l);
		seq += !strcmp(p, "S");
	}
	cr_assert_eq(seq, 0, "%s", out);
	free(out);
}

Test(block, bitesize_per_process_buckets_exact)
{
	char *args[] = { "bitesize", "-d", loopname, NULL };
	int st;
	char *out = tool_around(args, "Hit Ctrl-C to end.\n", SIGINT, &st);
	const char *sec = strstr(out, "\nProcess Name = wl_block\n");

	cr_assert_eq(st, 0);
	cr_assert(!strncmp(out, "Tracing block I/O... Hit Ctrl-C to end.\n", 40), "%s", out);
	cr_assert(sec++, "%s", out);
	cr_assert(strstr(sec, "     Kbytes              : count     distribution\n"), "%s", out);
	cr_assert_eq(hist_row(sec, 4, 7), 8, "%s", out);
	cr_assert_eq(hist_row(sec, 16, 31), 2, "%s", out);
	cr_assert_eq(hist_row(sec, 64, 127), 4, "%s", out);
	cr_assert_eq(hist_total(sec), 14, "%s", out);
	/* the flush (0 bytes) has no submitter: BCC names the issuing task, a kworker */
	cr_assert(!flushes || strstr(out, "\nProcess Name = kworker/"), "%s", out);
	cr_assert_eq(count_lines_matching(out, "Process Name = "), 1 + flushes, "%s", out);
	free(out);
}

Test(block, bitesize_in_kernel_counters_exact)
{
	char *args[] = { "bitesize", "-a", "-d", loopname, NULL };
	int st;
	char *out = tool_around(args, "Hit Ctrl-C to end.\n", SIGINT, &st);

	cr_assert_eq(st, 0);
	cr_assert_eq(hist_row(out, 0, 1), flushes, "%s", out);
	cr_assert_eq(hist_row(out, 4, 7), 8, "%s", out);
	cr_assert_eq(hist_row(out, 16, 31), 2, "%s", out);
	cr_assert_eq(hist_row(out, 64, 127), 4, "%s", out);
	cr_assert_eq(hist_total(out), 14 + flushes, "%s", out);
	free(out);
}

Test(block, biolatency_per_disk_total_exact)
{
	char *args[] = { "biolatency", "-D", "-e", "-d", loopname, NULL };
	char section[96], *out;
	const char *sec;
	int st;

	out = tool_around(args, "Hit Ctrl-C to end.\n", SIGINT, &st);
	cr_assert_eq(st, 0);
	snprintf(section, sizeof(section), "\ndisk = %s\n", loopname);
	sec = strstr(out, section);
	cr_assert(sec, "%s", out);
	cr_assert_eq(hist_total(sec + 1), 14 + flushes, "%s", out);
	cr_assert_eq(count_lines_matching(out, "disk = "), 1, "%s", out);
	cr_assert(strstr(out, flushes ? ", count: 15\n\n" : ", count: 14\n\n"), "%s", out);
	cr_assert(!strstr(out, "Detaching"), "%s", out);
	free(out);
}

Test(block, biolatency_flags_and_queued)
{
	char *args[] = { "biolatency", "-F", "-d", loopname, NULL };
	char *qargs[] = { "biolatency", "-Q", "-d", loopname, NULL };
	const char *reads;
	char *out;
	int st;

	out = tool_around(args, "Hit Ctrl-C to end.\n", SIGINT, &st);
	cr_assert_eq(st, 0);
	/* O_DIRECT reads carry REQ_SYNC since 5.11 or so; 5.10 shows them as plain reads */
	reads = strstr(out, "\nflags = Sync-Read\n") ? strstr(out, "\nflags = Sync-Read\n") : strstr(out, "\nflags = Read\n");
	cr_assert(strstr(out, "\nflags = Sync-Write\n") && reads && (!flushes || strstr(out, "\nflags = Flush\n")), "%s",
		  out);
	cr_assert_eq(hist_total(strstr(out, "\nflags = Sync-Write\n") + 1), 12, "%s", out);
	cr_assert_eq(hist_total(reads + 1), 2, "%s", out);
	if (flushes)
		cr_assert_eq(hist_total(strstr(out, "\nflags = Flush\n") + 1), 1, "%s", out);
	cr_assert_eq(count_lines_matching(out, "flags = "), 2 + flushes, "%s", out);
	free(out);
	/* -Q times from the submitter's request: the flush has none, so 14 */
	out = tool_around(qargs, "Hit Ctrl-C to end.\n", SIGINT, &st);
	cr_assert_eq(st, 0);
	cr_assert_eq(hist_total(out), 14, "%s", out);
	free(out);
}

Test(block, biolatency_json_interval_count_ends_by_itself)
{
	char *args[] = { "biolatency", "-j", "-d", loopname, "1", "1", NULL };
	char *out;
	int st;

	out = tool_around(args, "", 0, &st);
	cr_assert_eq(st, 0);
	cr_assert(!strstr(out, "Tracing"), "%s", out);
	cr_assert(strstr(out, "\n{'ts': '"), "%s", out);
	cr_assert(strstr(out, "'val_type': 'usecs', 'data': ["), "%s", out);
	free(out);
}

/* argdist (issue 4): a histogram of the request sizes the workload wrote and read. */
Test(block, argdist_histogram_of_request_bytes_exact)
{
	char spec[256], *last, *out;
	char *args[] = { "argdist", "-c", "-i", "1", "-n", "3", "-H", spec, NULL };
	struct stat sb;
	int st;

	cr_assert_eq(stat(loopdev, &sb), 0);
	/* the kernel's dev_t in tracepoints is major << 20 | minor */
	snprintf(spec, sizeof(spec), "t:block:block_rq_issue():u32:args->bytes:args->dev == %u",
		 major(sb.st_rdev) << 20 | minor(sb.st_rdev));
	out = tool_around(args, "]\n", 0, &st);
	cr_assert_eq(st, 0);
	last = strrchr(out, '[');
	cr_assert(last, "%s", out);
	/* 8 x 4 KiB and 4 x 64 KiB writes, 2 x 16 KiB reads, the fsync's 0-byte flush(es) */
	cr_assert_eq(hist_row(last, 0, 1), flushes, "%s", last);
	cr_assert_eq(hist_row(last, 4096, 8191), 8, "%s", last);
	cr_assert_eq(hist_row(last, 16384, 32767), 2, "%s", last);
	cr_assert_eq(hist_row(last, 65536, 131071), 4, "%s", last);
	cr_assert_eq(hist_total(last), 14 + flushes, "%s", last);
	free(out);
}

Test(block, bad_input)
{
	char *a[] = { "biolatency", "-D", "-F", NULL };
	char *b[] = { "biolatency", "-d", "nosuchdisk", NULL };
	char *c[] = { "biosnoop", "-d", "nosuchdisk", NULL };
	char *d[] = { "bitesize", "-d", "nosuchdisk", NULL };
	char *e[] = { "biolatency", "0", NULL };

	expect_failure(NULL, a, 2, "ERROR: can only use -D or -F. Exiting.");
	expect_failure(NULL, b, 2, "no such disk 'nosuchdisk'");
	expect_failure(NULL, c, 2, "no such disk 'nosuchdisk'");
	expect_failure(NULL, d, 2, "no such disk 'nosuchdisk'");
	expect_failure(NULL, e, 2, "interval must be a positive integer");
}

/* The same histogram counted in the kernel (argdist --in-kernel): no record copied, same answer. */
Test(block, argdist_in_kernel_buckets_exact)
{
	char spec[256], *last, *out;
	char *args[] = { "argdist", "--in-kernel", "-c", "-i", "1", "-n", "3", "-H", spec, NULL };
	struct stat sb;
	int st;

	cr_assert_eq(stat(loopdev, &sb), 0);
	snprintf(spec, sizeof(spec), "t:block:block_rq_issue():u32:args->bytes:args->dev == %u",
		 major(sb.st_rdev) << 20 | minor(sb.st_rdev));
	out = tool_around(args, "]\n", 0, &st);
	cr_assert_eq(st, 0);
	last = strrchr(out, '[');
	cr_assert(last, "%s", out);
	cr_assert_eq(hist_row(last, 0, 1), flushes, "%s", last);
	cr_assert_eq(hist_row(last, 4096, 8191), 8, "%s", last);
	cr_assert_eq(hist_row(last, 16384, 32767), 2, "%s", last);
	cr_assert_eq(hist_row(last, 65536, 131071), 4, "%s", last);
	cr_assert_eq(hist_total(last), 14 + flushes, "%s", last);
	free(out);
}

/*
 * With direct I/O the loop device completes a read in the softirq of the underlying
 * disk's interrupt, often on an idle CPU; there 6.18 counts the block_io_done event but
 * writes no sample for it (perf record misses it too; no PERF_RECORD_LOST).  Whatever the
 * kernel does, biosnoop must either show every request or say how many events it did not
 * get: the requests missing from the output equal the number it reports.
 */
static void loop_setup_direct(void)
{
	loop_setup_with(true);
}

TestSuite(block_direct, .init = loop_setup_direct, .fini = loop_teardown);

Test(block_direct, biosnoop_reports_what_the_kernel_did_not_deliver)
{
	char *args[] = { "biosnoop", "-d", loopname, NULL };
	int st, lines = 0;
	unsigned long long missing = 0;
	char *err, *out = tool_around_err(args, "LAT(ms)\n", SIGINT, &st, &err);
	const char *m = strstr(err, "the kernel counted ");

	cr_assert_eq(st, 0, "%s", err);
	for (const char *l = strchr(out, '\n'); l && l[1]; l = strchr(l + 1, '\n'))
		lines++;
	if (m)
		missing = strtoull(m + strlen("the kernel counted "), NULL, 10);
	cr_assert(m || !*err, "unexpected stderr: %s", err);
	/* each missing completion is one event: one request line fewer */
	cr_assert_eq(lines + missing, 14 + flushes, "%d lines, %llu reported missing\n%s%s", lines, missing, out, err);
	free(out);
	free(err);
	assert_no_leftover_state();
}

/*
 * Who issues block I/O: stackcount -K on block_rq_issue while wl_block runs shows the
 * requests' kernel stacks, each ending (leaf first) in the block layer's issue path.
 */
Test(block, stackcount_kernel_stacks_end_in_the_issue_path)
{
	char *args[] = { "stackcount", "-K", "t:block:block_rq_issue", NULL };
	char *out;
	int st;

	out = tool_around(args, "Hit Ctrl-C to end.\n", SIGINT, &st);
	cr_assert_eq(st, 0, "%s", out);
	/* the issue itself (every kernel since 5.10 starts a request here), reached from a submit */
	cr_assert(strstr(out, "\n  blk_mq_start_request\n") || strstr(out, "\n  __traceiter_block_rq_issue\n"), "%s", out);
	cr_assert(strstr(out, "submit_bio"), "no submitter in the stacks:\n%s", out);
	free(out);
}
