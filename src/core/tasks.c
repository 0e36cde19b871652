// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tasks: the name of every task, exactly, from the kernel's side-band records.
 *
 * Tracepoint records carry no comm, and /proc is too late for a task that exited before
 * its records were read ([unknown]) and wrong for one that exec'd since.  A dummy software
 * event with comm/task set makes the kernel write, into the same rings, a COMM record at
 * every exec or rename, a FORK record when a task starts (with its parent's name) and an
 * EXIT record; handled in time order with the samples, they give each sample the name the
 * task had when it happened.  The tasks that exist when tracing starts are named from
 * /proc then: by the time their records are handed out, in order, they may be gone.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/session_priv.h"

/* COMM: { header; u32 pid, tid; char comm[]; sample_id } */
struct comm_rec {
	struct perf_event_header h;
	uint32_t pid, tid;
	char comm[];
};

/* FORK and EXIT: { header; u32 pid, ppid, tid, ptid; u64 time; sample_id } */
struct task_rec {
	struct perf_event_header h;
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

/*
 * The tasks event's sample_id trailer (TID, TIME, CPU, IDENTIFIER: see session.c) ends
 * every record: pid/tid, time, cpu/res, id.
 */
#define TRAILER 32

static void set_comm(struct session *s, uint32_t tid, const char *name, size_t len)
{
	uint64_t *v = agg_get(&s->comms, tid);

	if (!v)
		return;
	if (len > 15)
		len = 15;
	memset(v, 0, 2 * sizeof(*v));
	memcpy(v, name, len);
}

void session__task_record(struct session *s, const struct perf_event_header *h)
{
	if (h->type == PERF_RECORD_COMM && h->size >= sizeof(struct comm_rec) + TRAILER) {
		const struct comm_rec *c = (const void *)h;
		size_t room = h->size - sizeof(*c) - TRAILER;

		set_comm(s, c->tid, c->comm, strnlen(c->comm, room));
	} else if (h->type == PERF_RECORD_FORK && h->size >= sizeof(struct task_rec) + TRAILER) {
		const struct task_rec *f = (const void *)h;
		const uint64_t *parent = agg_find(&s->comms, f->ptid);

		/* A parent we never named is named now (it exists: it just forked). */
		if (!parent) {
			char buf[16];

			session__comm(s, f->ppid, f->ptid, 0, buf);
			parent = agg_find(&s->comms, f->ptid);
		}
		if (parent) {
			char name[16];

			memcpy(name, parent, sizeof(name));
			set_comm(s, f->tid, name, strnlen(name, 16));
		}
	} else if (h->type == PERF_RECORD_EXIT && h->size >= sizeof(struct task_rec) + TRAILER) {
		/* In time order nothing of this task comes after its exit. */
		agg_remove(&s->comms, ((const struct task_rec *)h)->tid);
	}
}

const char *session__comm(struct session *s, uint32_t pid, uint32_t tid, uint32_t cpu, char *buf)
{
	const uint64_t *v = s->tasks ? agg_find(&s->comms, tid) : NULL;
	char path[64];
	FILE *f;

	if (!tid) {
		snprintf(buf, 16, "swapper/%u", cpu);
		return buf;
	}
	if (v) {
		memcpy(buf, v, 15);
		buf[15] = 0;
		return buf;
	}
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, 16, f)) {
		if (f)
			fclose(f);
		return strcpy(buf, "[unknown]");
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	if (s->tasks)
		set_comm(s, tid, buf, strlen(buf));
	return buf;
}

/* The tasks of /proc/PID/task (dir "/proc/PID/task"), named into the table. */
static void snapshot_tasks(struct session *s, const char *dir, uint32_t pid)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char buf[16];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			session__comm(s, pid, (uint32_t)strtoul(e->d_name, NULL, 10), 0, buf);
	closedir(d);
}

void session__snapshot_comms(struct session *s)
{
	char dir[300];
	struct dirent *e;
	DIR *d;

	if (s->tgt.pid > 0 || s->tgt.tid > 0) {
		uint32_t pid = (uint32_t)(s->tgt.pid > 0 ? s->tgt.pid : s->tgt.tid);

		snprintf(dir, sizeof(dir), "/proc/%u/task", pid);
		snapshot_tasks(s, dir, pid);
		return;
	}
	d = opendir("/proc");
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
			snprintf(dir, sizeof(dir), "/proc/%s/task", e->d_name);
			snapshot_tasks(s, dir, (uint32_t)strtoul(e->d_name, NULL, 10));
		}
	closedir(d);
}
