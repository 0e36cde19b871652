// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for taskmaps over hand-built records: executable file mappings are kept and
 * nothing else, an exec forgets the old image, a new process starts with its parent's
 * mappings (a new thread changes nothing), and past the limit exited processes go first.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "core/taskmaps.h"

static union {
	struct perf_event_header h;
	unsigned char b[512];
} rec;

/* MMAP2: header; pid, tid; addr, len, pgoff; maj, min; ino, ino_generation; prot, flags; name */
static const struct perf_event_header *mmap2(uint32_t pid, uint64_t addr, uint32_t prot, uint64_t ino, const char *name)
{
	uint32_t u32[2] = { pid, pid }, devs[2] = { 8, 1 }, pf[2] = { prot, MAP_PRIVATE };
	uint64_t u64[3] = { addr, 0x1000, 0 }, inos[2] = { ino, 0 };
	size_t at = sizeof(struct perf_event_header), len = strlen(name) + 1;

	memset(&rec, 0, sizeof(rec));
	memcpy(rec.b + at, u32, 8), at += 8;
	memcpy(rec.b + at, u64, 24), at += 24;
	memcpy(rec.b + at, devs, 8), at += 8;
	memcpy(rec.b + at, inos, 16), at += 16;
	memcpy(rec.b + at, pf, 8), at += 8;
	memcpy(rec.b + at, name, len), at += (len + 7) / 8 * 8;
	at += 32; /* the sample_id trailer */
	rec.h.type = PERF_RECORD_MMAP2;
	rec.h.size = (uint16_t)at;
	return &rec.h;
}

static const struct perf_event_header *task(uint32_t type, uint16_t misc, uint32_t pid, uint32_t ppid, uint32_t tid)
{
	uint32_t ids[4] = { pid, ppid, tid, ppid };

	memset(&rec, 0, sizeof(rec));
	rec.h.type = type;
	rec.h.misc = misc;
	if (type == PERF_RECORD_COMM) {
		uint32_t c[2] = { pid, tid };

		memcpy(rec.b + sizeof(rec.h), c, 8);
		memcpy(rec.b + sizeof(rec.h) + 8, "name\0\0\0", 8);
		rec.h.size = (uint16_t)(sizeof(rec.h) + 16 + 32);
	} else {
		memcpy(rec.b + sizeof(rec.h), ids, 16);
		rec.h.size = (uint16_t)(sizeof(rec.h) + 24 + 32);
	}
	return &rec.h;
}

static size_t count(const struct taskmaps *t, uint32_t pid)
{
	size_t n;

	taskmaps__get(t, pid, &n);
	return n;
}

Test(taskmaps, only_executable_file_mappings)
{
	struct taskmaps *t = taskmaps__new(16);
	const struct taskmap *m;
	size_t n;

	/* the pid comes back for new code only: what usyms re-reads the maps for */
	cr_expect_eq(taskmaps__record(t, mmap2(10, 0x400000, PROT_READ | PROT_EXEC, 77, "/usr/bin/prog")), 10);
	cr_expect_eq(taskmaps__record(t, mmap2(10, 0x500000, PROT_READ, 77, "/usr/bin/prog")), 0);     /* data */
	cr_expect_eq(taskmaps__record(t, mmap2(10, 0x600000, PROT_READ | PROT_EXEC, 0, "//anon")), 0); /* no inode */
	cr_expect_eq(taskmaps__record(t, mmap2(10, 0x700000, PROT_READ | PROT_EXEC, 5, "[vdso]")), 0); /* no file */
	cr_expect_eq(taskmaps__record(t, mmap2(10, 0x7f0000, PROT_READ | PROT_EXEC, 78, "/lib/libc.so.6")), 10);
	m = taskmaps__get(t, 10, &n);
	cr_assert_eq(n, 2);
	cr_assert_eq(m[0].start, 0x400000);
	cr_assert_eq(m[0].end, 0x401000);
	cr_assert_eq(m[0].ino, 77);
	cr_assert_str_eq(m[0].path, "/usr/bin/prog");
	cr_assert_str_eq(m[1].path, "/lib/libc.so.6");
	cr_assert_null(taskmaps__get(t, 11, &n));
	cr_assert_eq(n, 0);
	taskmaps__free(t);
}

Test(taskmaps, exec_forgets_fork_inherits_threads_change_nothing)
{
	struct taskmaps *t = taskmaps__new(16);

	taskmaps__record(t, mmap2(10, 0x400000, PROT_EXEC, 77, "/bin/sh"));
	taskmaps__record(t, task(PERF_RECORD_FORK, 0, 20, 10, 20)); /* new process 20 */
	taskmaps__record(t, task(PERF_RECORD_FORK, 0, 10, 10, 11)); /* new thread of 10 */
	cr_assert_eq(count(t, 20), 1, "a child starts with its parent's mappings");
	cr_assert_eq(count(t, 10), 1);
	cr_expect_eq(taskmaps__record(t, task(PERF_RECORD_COMM, 0, 20, 0, 20)), 0); /* prctl rename */
	cr_assert_eq(count(t, 20), 1, "a rename is not an exec");
	cr_expect_eq(taskmaps__record(t, task(PERF_RECORD_COMM, PERF_RECORD_MISC_COMM_EXEC, 20, 0, 20)), 20);
	cr_assert_eq(count(t, 20), 0, "exec: the old image is gone");
	taskmaps__record(t, mmap2(20, 0x500000, PROT_EXEC, 88, "/usr/bin/true"));
	cr_assert_eq(count(t, 20), 1);
	cr_assert_eq(count(t, 10), 1, "the parent keeps its own");
	taskmaps__free(t);
}

static const struct perf_event_header *comm_rec(uint32_t pid, uint32_t tid, uint16_t misc, const char *name)
{
	static uint64_t b[8];
	struct perf_event_header *h = (void *)b;

	memset(b, 0, sizeof(b));
	*h = (struct perf_event_header){ PERF_RECORD_COMM, misc, sizeof(b) };
	memcpy((char *)b + 8, &pid, 4);
	memcpy((char *)b + 12, &tid, 4);
	snprintf((char *)b + 16, 16, "%s", name);
	return h;
}

Test(taskmaps, names_from_comm_and_fork)
{
	struct taskmaps *t = taskmaps__new(16);

	cr_assert_null(taskmaps__comm(t, 10));
	taskmaps__record(t, comm_rec(10, 10, 0, "bash"));
	taskmaps__record(t, comm_rec(10, 11, 0, "worker")); /* a thread's name is not the process's */
	cr_assert_str_eq(taskmaps__comm(t, 10), "bash");
	taskmaps__record(t, task(PERF_RECORD_FORK, 0, 20, 10, 20));
	cr_assert_str_eq(taskmaps__comm(t, 20), "bash", "a child starts with its parent's name");
	cr_expect_eq(taskmaps__record(t, comm_rec(20, 20, PERF_RECORD_MISC_COMM_EXEC, "ls")), 20);
	cr_assert_str_eq(taskmaps__comm(t, 20), "ls");
	cr_assert_str_eq(taskmaps__comm(t, 10), "bash");
	taskmaps__free(t);
}

Test(taskmaps, exited_processes_make_room_first)
{
	struct taskmaps *t = taskmaps__new(2);

	taskmaps__record(t, mmap2(1, 0x1000, PROT_EXEC, 7, "/a"));
	taskmaps__record(t, mmap2(2, 0x1000, PROT_EXEC, 7, "/a"));
	taskmaps__record(t, mmap2(3, 0x1000, PROT_EXEC, 7, "/a"));
	cr_assert_eq(count(t, 3), 0, "full, and nobody has exited");
	taskmaps__record(t, task(PERF_RECORD_EXIT, 0, 1, 0, 1));
	taskmaps__record(t, mmap2(3, 0x1000, PROT_EXEC, 7, "/a"));
	cr_assert_eq(count(t, 3), 1, "the exited process made room");
	cr_assert_eq(count(t, 1), 0);
	cr_assert_eq(count(t, 2), 1);
	taskmaps__free(t);
}
