/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * taskmaps: the executable file mappings of processes, from the kernel's records.  A
 * process that exits before its first sample is read has no /proc/PID/maps left to
 * symbolize and unwind its stacks with; the kernel's MMAP2 records (one per executable
 * mapping: the program, ld.so, each library), with COMM records that mark an exec and
 * FORK records of new processes, say what /proc would have said.  Pure over records.
 */
#ifndef RT_TASKMAPS_H
#define RT_TASKMAPS_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct taskmap {
	uint64_t start, end, pgoff, ino;
	char *path;
};

struct taskmaps;

/* Keeps at most max_procs processes (exited ones are forgotten first).  NULL: no memory. */
struct taskmaps *taskmaps__new(size_t max_procs);
void taskmaps__free(struct taskmaps *t);

/*
 * Apply one record: MMAP2 of an executable file mapping (added), COMM (the name; at an exec
 * the old image is gone), FORK of a new process (it starts with its parent's mappings and
 * name), EXIT.
 * Other records are ignored.  Returns the pid whose code changed (an executable file mapped,
 * or an exec), else 0.
 */
uint32_t taskmaps__record(struct taskmaps *t, const struct perf_event_header *h);

/* pid's name as its COMM records (or its parent's, at fork) gave it; NULL if none did. */
const char *taskmaps__comm(const struct taskmaps *t, uint32_t pid);

/* pid's executable file mappings as recorded, in record order; NULL with *n = 0 if none. */
const struct taskmap *taskmaps__get(const struct taskmaps *t, uint32_t pid, size_t *n);

#endif
