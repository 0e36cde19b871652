// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * taskmaps: executable mappings of processes from MMAP2/COMM/FORK/EXIT records (see
 * taskmaps.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "core/taskmaps.h"

#define BUCKETS 1024

struct tproc {
	uint32_t pid;
	bool exited;
	char comm[16];            /* "" until a COMM record or a parent names it */
	struct taskmap *v;
	size_t n, cap;
	struct tproc *next;
};

struct taskmaps {
	struct tproc *b[BUCKETS];
	size_t nprocs, max;
};

/* MMAP2 without build ids: { header; u32 pid, tid; u64 addr, len, pgoff; u32 maj, min;
 * u64 ino, ino_generation; u32 prot, flags; char filename[]; sample_id } */
struct mmap2_rec {
	struct perf_event_header h;
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	uint32_t prot, flags;
	char filename[];
};

/* COMM: { header; u32 pid, tid; char comm[]; ... }; FORK and EXIT: { header; u32 pid,
 * ppid, tid, ptid; u64 time; ... } */
struct comm_rec {
	struct perf_event_header h;
	uint32_t pid, tid;
	char comm[];
};

struct fork_rec {
	struct perf_event_header h;
	uint32_t pid, ppid, tid, ptid;
};

struct taskmaps *taskmaps__new(size_t max_procs)
{
	struct taskmaps *t = calloc(1, sizeof(*t));

	if (t)
		t->max = max_procs;
	return t;
}

static void clear(struct tproc *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].path);
	p->n = 0;
}

static void proc_free(struct tproc *p)
{
	clear(p);
	free(p->v);
	free(p);
}

void taskmaps__free(struct taskmaps *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < BUCKETS; i++)
		while (t->b[i]) {
			struct tproc *next = t->b[i]->next;

			proc_free(t->b[i]);
			t->b[i] = next;
		}
	free(t);
}

static struct tproc *find(const struct taskmaps *t, uint32_t pid)
{
	struct tproc *p = t->b[pid % BUCKETS];

	while (p && p->pid != pid)
		p = p->next;
	return p;
}

/* Forget one exited process; false if none has exited. */
static bool evict_exited(struct taskmaps *t)
{
	for (size_t i = 0; i < BUCKETS; i++)
		for (struct tproc **pp = &t->b[i]; *pp; pp = &(*pp)->next)
			if ((*pp)->exited) {
				struct tproc *p = *pp;

				*pp = p->next;
				proc_free(p);
				t->nprocs--;
				return true;
			}
	return false;
}

static struct tproc *get(struct taskmaps *t, uint32_t pid)
{
	struct tproc *p = find(t, pid);

	if (p)
		return p;
	if (t->nprocs >= t->max && !evict_exited(t))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->next = t->b[pid % BUCKETS];
	t->b[pid % BUCKETS] = p;
	t->nprocs++;
	return p;
}

static void add(struct tproc *p, const struct taskmap *m)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		struct taskmap *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n] = *m;
	p->v[p->n].path = strdup(m->path);
	if (p->v[p->n].path)
		p->n++;
}

/* Whether r maps an executable file (kept, unless there is no room). */
static bool on_mmap2(struct taskmaps *t, const struct mmap2_rec *r, size_t size)
{
	size_t room = size - sizeof(*r);
	struct taskmap m = { r->addr, r->addr + r->len, r->pgoff, r->ino, NULL };
	char path[4096];
	struct tproc *p;
	size_t len = strnlen(r->filename, room);

	/* what /proc/PID/maps would list and usyms keeps: executable file mappings */
	if (!(r->prot & PROT_EXEC) || r->filename[0] != '/' || !r->ino || len == room || len >= sizeof(path))
		return false;
	memcpy(path, r->filename, len + 1);
	m.path = path;
	p = get(t, r->pid);
	if (p)
		add(p, &m);
	return true;
}

static void on_fork(struct taskmaps *t, const struct fork_rec *r)
{
	struct tproc *parent, *child;

	if (r->pid == r->ppid)
		return; /* a new thread shares its process's mappings */
	child = get(t, r->pid);
	if (!child)
		return;
	clear(child);
	child->exited = false;
	parent = find(t, r->ppid); /* get() may have evicted it */
	memcpy(child->comm, parent ? parent->comm : "", parent ? sizeof(child->comm) : 1);
	for (size_t i = 0; parent && i < parent->n; i++)
		add(child, &parent->v[i]);
}

uint32_t taskmaps__record(struct taskmaps *t, const struct perf_event_header *h)
{
	const struct comm_rec *c = (const void *)h;
	struct tproc *p;

	switch (h->type) {
	case PERF_RECORD_MMAP2:
		if (h->size > sizeof(struct mmap2_rec) && on_mmap2(t, (const void *)h, h->size))
			return ((const struct mmap2_rec *)h)->pid;
		return 0;
	case PERF_RECORD_COMM:
		if (h->size < sizeof(*c) + 8)
			return 0;
		/* the process's name is its main thread's */
		if (c->pid == c->tid && (p = get(t, c->pid)))
			snprintf(p->comm, sizeof(p->comm), "%.*s", (int)strnlen(c->comm, h->size - sizeof(*c)), c->comm);
		if (!(h->misc & PERF_RECORD_MISC_COMM_EXEC))
			return 0;
		/* exec: the mappings of the old image are gone; the new image's MMAP2 follow */
		if ((p = find(t, c->pid)))
			clear(p);
		return c->pid;
	case PERF_RECORD_FORK:
		if (h->size >= sizeof(struct fork_rec))
			on_fork(t, (const void *)h);
		return 0;
	case PERF_RECORD_EXIT:
		if (h->size >= sizeof(struct fork_rec)) {
			const struct fork_rec *r = (const void *)h;

			if (r->pid == r->tid && (p = find(t, r->pid)))
				p->exited = true;
		}
		return 0;
	default:
		return 0;
	}
}

const struct taskmap *taskmaps__get(const struct taskmaps *t, uint32_t pid, size_t *n)
{
	const struct tproc *p = find(t, pid);

	*n = p ? p->n : 0;
	return p && p->n ? p->v : NULL;
}

const char *taskmaps__comm(const struct taskmaps *t, uint32_t pid)
{
	const struct tproc *p = find(t, pid);

	return p && p->comm[0] ? p->comm : NULL;
}
