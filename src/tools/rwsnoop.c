// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rwsnoop: one line per read/write-family syscall (read, readv, pread64, preadv, preadv2
 * and their write twins) with the fd, the result, the time spent in the call and the file
 * behind the fd; or, with -s, a per-interval table of calls and bytes by process and fd.
 *
 * It streams the per-syscall tracepoints syscalls:sys_{enter,exit}_<call> rather than
 * raw_syscalls with an "id == N || ..." filter: a syscall tracepoint that is not enabled
 * costs the other syscalls one bit test, while raw_syscalls builds a record for every
 * syscall of the machine before the filter can drop it; the per-call events also name
 * their arguments (fd) in their format.  sys_exit_* carries only the result, so each exit
 * is paired with its thread's enter.  The rings are per CPU and read one after the other:
 * a thread that changed CPU inside a call can have its exit read before its enter, so
 * records wait in a small buffer and are handled in time order once every ring has been
 * read past them.  The file name comes from /proc/PID/task/TID/fd/FD, read as soon as the
 * record is read, and shown only when no close, dup or exec could have changed what the
 * fd number meant in between (see name_for()).
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "core/agg.h"
#include "core/err.h"
#include "core/field.h"
#include "core/out.h"
#include "core/session.h"
#include "core/syscalls.h"
#include "tool.h"

/* Two records of ~60 bytes per call: 4 MiB per CPU, as syscount's streaming modes. */
#define RING_PAGES 1024
/*
 * Records are handled every TICK_S seconds, up to session__settled(): every ring has been
 * read past it.  They are sorted here rather than by core/order.h because handling looks
 * ahead over the whole batch (mark_fresh).
 */
#define TICK_S 0.1
#define MAX_BUFFERED 262144 /* 16 MiB; beyond it records are handled at once, unordered */
#define MAX_INFLIGHT 65536  /* threads inside a traced call */
#define MAX_FDS 65536       /* (pid, fd) names and summary rows */
#define MAX_TASKS 65536     /* comm per thread, uid per process */
#define DEFAULT_ROWS 20     /* filetop's default */

struct conf {
	long pid, tid, duration, interval, rows;
	const char *comm;
	bool reads, writes, failed, timestamp, uid, summary;
};

static const struct opt opts[] = {
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID", "trace this PID only", 1, 4194304 },
	{ 't', "tid", OPT_INT, offsetof(struct conf, tid), "TID", "trace this TID only", 1, 4194304 },
	{ 'c', "comm", OPT_STR, offsetof(struct conf, comm), "COMM", "only threads whose name contains COMM" },
	{ 'r', "reads", OPT_FLAG, offsetof(struct conf, reads), NULL, "trace reads only" },
	{ 'w', "writes", OPT_FLAG, offsetof(struct conf, writes), NULL, "trace writes only" },
	{ 'x', "failed", OPT_FLAG, offsetof(struct conf, failed), NULL, "only show failed calls" },
	{ 'T', "timestamp", OPT_FLAG, offsetof(struct conf, timestamp), NULL, "include a TIME(s) column" },
	{ 'U', "print-uid", OPT_FLAG, offsetof(struct conf, uid), NULL, "include a UID column" },
	{ 'd', "duration", OPT_INT, offsetof(struct conf, duration), "DURATION", "total duration of trace, in seconds", 1, 99999999 },
	{ 's', "summary", OPT_FLAG, offsetof(struct conf, summary), NULL, "print a table by process and fd instead of one line per call" },
	{ 'i', "interval", OPT_INT, offsetof(struct conf, interval), "INTERVAL", "with -s: print a table every INTERVAL seconds", 1, 99999999 },
	{ 'N', "rows", OPT_INT, offsetof(struct conf, rows), "ROWS", "with -s: maximum rows to print (default 20)", 1, 1000000 },
	OPT_END
};

static void conf_init(void *p)
{
	((struct conf *)p)->rows = DEFAULT_ROWS;
}

static const struct {
	const char *name;
	char dir;
} calls[] = {
	{ "read", 'R' },  { "readv", 'R' },  { "pread64", 'R' },  { "preadv", 'R' },  { "preadv2", 'R' },
	{ "write", 'W' }, { "writev", 'W' }, { "pwrite64", 'W' }, { "pwritev", 'W' }, { "pwritev2", 'W' },
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

/* Calls that end what an fd number refers to: close(fd), dup2/dup3(old, newfd). */
static const struct {
	const char *event, *field;
} fd_enders[] = {
	{ "sys_enter_close", "fd" },
	{ "sys_enter_dup2", "newfd" },
	{ "sys_enter_dup3", "newfd" },
};
#define NENDERS (sizeof(fd_enders) / sizeof(fd_enders[0]))

/* A file name shared by the name cache, buffered records and summary rows. */
struct fname {
	unsigned refs;
	char path[];
};

enum rec_kind { REC_ENTER, REC_EXIT, REC_END, REC_EXEC, REC_COMM };

/* A record waiting to be handled in time order. */
struct rec {
	uint64_t time;
	int64_t val;         /* enter, end: fd; exit: return value; exec: old tid */
	struct fname *file;  /* enter: what /proc said fd was (a reference), or NULL */
	uint64_t looked;     /* enter: when /proc was read */
	uint32_t pid, tid, uid;
	uint8_t kind, call;
	bool fresh_ok;       /* enter: no end of the fd between the call and `looked` */
	char comm[16];       /* enter: from /proc ("?": unknown); comm: the new name */
};

/* One -s row: calls and bytes of one (pid, fd) this interval. */
struct row {
	uint32_t pid;
	int32_t fd;
	uint64_t reads, writes, rbytes, wbytes;
	struct fname *file;
	char comm[16];
};

struct state;

/* What a callback needs to decode one event: its state and its fields. */
struct evinfo {
	struct state *st;
	struct field f, f2;
	uint8_t call;
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	char filter[160], exit_filter[192];
	struct evinfo enter[NCALLS], exit[NCALLS], enders[NENDERS], exec, comm_evs[2];
	struct rec *buf;          /* records not yet handled, in the order read */
	size_t nbuf;
	struct agg inflight;      /* tid -> struct rec * of its enter */
	struct agg looked;        /* pid << 32 | fd -> fname *, when read (in the order read) */
	struct agg fdstate;       /* pid << 32 | fd -> last end, fname * (in time order) */
	struct agg next_end;      /* per batch: pid << 32 | fd -> time of its next end */
	struct agg next_exec;     /* per batch: pid -> time of its next exec */
	struct agg execs;         /* pid -> time of its last exec (in time order) */
	struct agg comms;         /* tid -> comm from task_newtask/rename (in time order) */
	struct agg proc_comms;    /* tid -> comm from /proc (in the order read) */
	struct agg uids;          /* pid -> uid + 1 */
	struct agg rowidx;        /* pid << 32 | fd -> index in rows + 1 */
	struct row *rows;
	size_t nrows;
	uint64_t t0;              /* -T: time of the first line */
	long ticks, summaries;
	bool failed_out;
};

static struct fname *fname_get(struct fname *f)
{
	if (f)
		f->refs++;
	return f;
}

static void fname_put(struct fname *f)
{
	if (f && !--f->refs)
		free(f);
}

static uint64_t fd_key(uint32_t pid, int32_t fd)
{
	return (uint64_t)pid << 32 | (uint32_t)fd;
}

/* The link target of the fd now, or NULL when the thread or the fd is gone. */
static struct fname *read_fd_link(uint32_t pid, uint32_t tid, int32_t fd)
{
	char path[96], target[PATH_MAX];
	struct fname *f;
	ssize_t n;

	if (fd < 0)
		return NULL;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/fd/%d", pid, tid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return NULL;
	f = malloc(sizeof(*f) + (size_t)n + 1);
	if (!f)
		return NULL;
	f->refs = 1;
	memcpy(f->path, target, (size_t)n);
	f->path[n] = 0;
	return f;
}

/* Release the names held in v[slot] of every entry of a map and empty it. */
static void names_clear(struct agg *a, int slot)
{
	for (size_t i = 0; i < a->cap; i++)
		if (a->tab[i].used)
			fname_put((struct fname *)(uintptr_t)a->tab[i].v[slot]);
	agg_clear(a);
}

/* Forget the names of every fd of pid in a map (an exec closed the O_CLOEXEC ones). */
static void names_forget_pid(struct agg *a, int slot, uint32_t pid)
{
	for (size_t i = 0; i < a->cap; i++) {
		struct agg_entry *e = &a->tab[i];

		if (!e->used || e->key >> 32 != pid)
			continue;
		fname_put((struct fname *)(uintptr_t)e->v[slot]);
		e->v[slot] = 0;
	}
}

/* A map slot for key, emptying the map (and its names) when it is full. */
static uint64_t *names_slot(struct agg *a, int slot, uint64_t key)
{
	uint64_t *v = agg_get(a, key);

	if (!v) {
		names_clear(a, slot);
		v = agg_get(a, key);
	}
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * What /proc says (pid, fd) is, when the record is read (~0.1 s after the call at most),
 * as a reference and the time it was read; the answer is reused until a close, dup or
 * exec of that process is read.  Whether it may be shown for the call is decided later,
 * in time order (name_for()).
 */
static struct fname *look_up(struct state *st, uint32_t pid, uint32_t tid, int32_t fd,
			     uint64_t *when)
{
	uint64_t *v = agg_find(&st->looked, fd_key(pid, fd));
	struct fname *f;

	if (v) {
		*when = v[1];
		return fname_get((struct fname *)(uintptr_t)v[0]);
	}
	f = read_fd_link(pid, tid, fd);
	*when = now_ns();
	v = fd >= 0 ? names_slot(&st->looked, 0, fd_key(pid, fd)) : NULL;
	if (v) {
		v[0] = (uintptr_t)fname_get(f);
		v[1] = *when;
	}
	return f;
}

/*
 * The name to show for an enter, in time order, as a new reference or NULL ("?").  The
 * /proc answer read at `looked` is right for a call at `time` only when the fd number
 * meant the same open file at both moments: no close, dup2/dup3 onto it or exec of the
 * process in between.  Those calls are traced too; ends after the call were found by the
 * backward pass over the batch (fresh_ok), ends before it are in fdstate.  A name that
 * passed is kept for the fd until its next end, for calls whose own answer did not pass.
 * Not seen: close_range(2), io_uring closes, and fd tables shared between processes.
 */
static struct fname *name_for(struct state *st, const struct rec *en)
{
	uint64_t *v = names_slot(&st->fdstate, 1, fd_key(en->pid, (int32_t)en->val));
	uint64_t *x = agg_find(&st->execs, en->pid);
	bool ok = en->looked > en->time ? en->fresh_ok
					: (!v || v[0] < en->looked) && (!x || x[0] < en->looked);

	if (!v) /* out of memory */
		return NULL;
	if (ok && en->file) {
		fname_put((struct fname *)(uintptr_t)v[1]);
		v[1] = (uintptr_t)fname_get(en->file);
	}
	return fname_get((struct fname *)(uintptr_t)v[1]);
}

static void comm_set(struct agg *a, uint32_t tid, const char *comm, size_t len)
{
	uint64_t *v = agg_get(a, tid);

	if (!v) {
		agg_clear(a);
		v = agg_get(a, tid);
	}
	if (!v)
		return;
	memset(v, 0, 16);
	memcpy(v, comm, len < 15 ? len : 15);
}

/*
 * For threads that existed before tracing started: /proc/PID/task/TID/comm when their
 * first record is read, "?" if they are gone by then.  Threads created or renamed while
 * we trace are named by their task_newtask/task_rename records instead (comm_at()).
 */
static void comm_of(struct state *st, uint32_t pid, uint32_t tid, char comm[16])
{
	uint64_t *v = agg_find(&st->proc_comms, tid);
	char path[96];
	FILE *f;

	strcpy(comm, "?");
	if (v) {
		memcpy(comm, v, 16);
		return;
	}
	if (agg_find(&st->comms, tid))
		return;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(comm, 16, f))
		strcpy(comm, "?");
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	comm_set(&st->proc_comms, tid, comm, strlen(comm));
}

/* The thread's name at the time of the call (records are handled in time order). */
static const char *comm_at(const struct state *st, const struct rec *en)
{
	const uint64_t *v = agg_find(&st->comms, en->tid);

	return v ? (const char *)v : en->comm;
}

/* The real uid of the process (BCC's UID), cached; (uint32_t)-1 when unknown. */
static uint32_t uid_of(struct state *st, uint32_t pid)
{
	uint64_t *v = agg_find(&st->uids, pid);
	char path[64], line[256];
	unsigned long uid = (uint32_t)-1;
	FILE *f;

	if (v)
		return (uint32_t)(v[0] - 1);
	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "r");
	if (!f)
		return (uint32_t)uid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %lu", &uid) == 1)
			break;
	fclose(f);
	v = agg_get(&st->uids, pid);
	if (!v) {
		agg_clear(&st->uids);
		v = agg_get(&st->uids, pid);
	}
	if (v)
		v[0] = (uint64_t)(uint32_t)uid + 1;
	return (uint32_t)uid;
}

static void print_header(struct state *st)
{
	const struct conf *c = st->c;

	if (c->timestamp)
		fprintf(st->out, "%-14s ", "TIME(s)");
	if (c->uid)
		fprintf(st->out, "%-6s ", "UID");
	fprintf(st->out, "%-7s %-16s %4s %1s %8s %10s %s\n", c->tid ? "TID" : "PID", "COMM", "FD", "T",
		"BYTES", "LAT(us)", "FILE");
}

static void print_line(struct state *st, const struct rec *en, const struct rec *ex)
{
	const struct conf *c = st->c;
	char bytes[24];

	if (c->timestamp) {
		if (!st->t0)
			st->t0 = ex->time;
		fprintf(st->out, "%-14.9f ", (double)(ex->time - st->t0) / 1e9);
	}
	if (c->uid) {
		if (en->uid == (uint32_t)-1)
			fprintf(st->out, "%-6s ", "?");
		else
			fprintf(st->out, "%-6u ", en->uid);
	}
	if (ex->val >= 0)
		snprintf(bytes, sizeof(bytes), "%lld", (long long)ex->val);
	else if (errno_name((int)-ex->val))
		snprintf(bytes, sizeof(bytes), "-%s", errno_name((int)-ex->val));
	else
		snprintf(bytes, sizeof(bytes), "%lld", (long long)ex->val);
	fprintf(st->out, "%-7u %-16.15s %4d %c %8s %10.2f %s\n", c->tid ? en->tid : en->pid,
		comm_at(st, en), (int32_t)en->val, calls[en->call].dir, bytes,
		(double)(ex->time - en->time) / 1e3, en->file ? en->file->path : "?");
}

static void count_row(struct state *st, const struct rec *en, const struct rec *ex)
{
	uint64_t key = fd_key(en->pid, (int32_t)en->val), *v = agg_get(&st->rowidx, key);
	struct row *r;

	if (!v)
		return; /* MAX_FDS distinct (pid, fd) in one interval: the rest is not counted */
	if (!v[0]) {
		r = &st->rows[st->nrows];
		*r = (struct row){ .pid = en->pid, .fd = (int32_t)en->val };
		v[0] = ++st->nrows;
	}
	r = &st->rows[v[0] - 1];
	/* The latest name and comm seen on the row win (an fd reused within the interval). */
	memcpy(r->comm, comm_at(st, en), sizeof(r->comm) - 1);
	if (en->file) {
		fname_put(r->file);
		r->file = fname_get(en->file);
	}
	if (calls[en->call].dir == 'R') {
		r->reads++;
		r->rbytes += ex->val > 0 ? (uint64_t)ex->val : 0;
	} else {
		r->writes++;
		r->wbytes += ex->val > 0 ? (uint64_t)ex->val : 0;
	}
}

static void free_rec(struct rec *r)
{
	fname_put(r->file);
	free(r);
}

static void inflight_clear(struct state *st)
{
	for (size_t i = 0; i < st->inflight.cap; i++)
		if (st->inflight.tab[i].used)
			free_rec((struct rec *)(uintptr_t)st->inflight.tab[i].v[0]);
	agg_clear(&st->inflight);
}

/* One record, in time order: remember an enter, complete a call on its exit. */
static void handle(struct state *st, struct rec *r)
{
	uint64_t key = fd_key(r->pid, (int32_t)r->val), *v;
	struct fname *f;
	struct rec *en;

	switch (r->kind) {
	case REC_END:
		v = names_slot(&st->fdstate, 1, key);
		if (v) {
			fname_put((struct fname *)(uintptr_t)v[1]);
			v[0] = r->time;
			v[1] = 0;
		}
		return;
	case REC_COMM:
		comm_set(&st->comms, r->tid, r->comm, strlen(r->comm));
		return;
	case REC_EXEC:
		/* task_rename gave the new name; a non-leader that exec'd took the pid */
		if (r->val != r->tid)
			agg_remove(&st->comms, (uint64_t)r->val);
		names_forget_pid(&st->fdstate, 1, r->pid);
		v = agg_get(&st->execs, r->pid);
		if (!v) {
			agg_clear(&st->execs);
			v = agg_get(&st->execs, r->pid);
		}
		if (v)
			v[0] = r->time;
		return;
	case REC_ENTER:
		f = name_for(st, r);
		fname_put(r->file);
		r->file = f;
		en = malloc(sizeof(*en));
		v = en ? agg_get(&st->inflight, r->tid) : NULL;
		if (en && !v) {
			/*
			 * Full of threads that exited inside a call or whose exits -x filtered
			 * out: start over (a thread blocked in a call right now loses that line).
			 */
			inflight_clear(st);
			v = agg_get(&st->inflight, r->tid);
		}
		if (!v) {
			free(en);
			fname_put(r->file);
			return;
		}
		/* An enter whose exit never came (exit filtered by -x, or lost) is replaced. */
		if (v[0])
			free_rec((struct rec *)(uintptr_t)v[0]);
		*en = *r;
		v[0] = (uintptr_t)en;
		return;
	}
	v = agg_find(&st->inflight, r->tid);
	if (!v)
		return; /* entered before we attached */
	en = (struct rec *)(uintptr_t)v[0];
	agg_remove(&st->inflight, r->tid);
	if (en->call == r->call && en->time <= r->time) {
		if (st->c->summary)
			count_row(st, en, r);
		else if (!st->failed_out)
			print_line(st, en, r);
	}
	free_rec(en);
}

static int by_time(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->kind - y->kind;
}

/*
 * Backward over records [0, m): for each enter whose /proc answer was read after the call,
 * whether a close/dup of its fd or an exec of its process came in between.  Every such end
 * is before `looked`, which is before the horizon, so it is among these records.
 */
static void mark_fresh(struct state *st, size_t m)
{
	bool full = false;

	/* a clear writes the whole table: skip it when there is nothing to clear */
	if (st->next_end.n)
		agg_clear(&st->next_end);
	if (st->next_exec.n)
		agg_clear(&st->next_exec);
	for (size_t i = m; i-- > 0;) {
		struct rec *r = &st->buf[i];
		uint64_t key = fd_key(r->pid, (int32_t)r->val), *v, *x;

		if (r->kind == REC_END || r->kind == REC_EXEC) {
			v = r->kind == REC_END ? agg_get(&st->next_end, key) : agg_get(&st->next_exec, r->pid);
			if (v)
				v[0] = r->time;
			full |= !v;
		} else if (r->kind == REC_ENTER && r->looked > r->time) {
			v = agg_find(&st->next_end, key);
			x = agg_find(&st->next_exec, r->pid);
			r->fresh_ok = !full && (!v || v[0] > r->looked) && (!x || x[0] > r->looked);
		}
	}
}

/*
 * Handle, in time order, the buffered records older than `upto` (every ring was read past
 * it), stopping at an enter whose /proc answer is not older than `upto` either: the ends
 * that could make it wrong may not all have been read yet.
 */
static void process(struct state *st, uint64_t upto)
{
	size_t m = 0, n = 0;

	qsort(st->buf, st->nbuf, sizeof(*st->buf), by_time);
	while (m < st->nbuf && st->buf[m].time < upto)
		m++;
	mark_fresh(st, m);
	while (n < m && !(st->buf[n].kind == REC_ENTER && st->buf[n].looked >= upto))
		handle(st, &st->buf[n++]);
	memmove(st->buf, st->buf + n, (st->nbuf - n) * sizeof(*st->buf));
	st->nbuf -= n;
	if (!st->c->summary && !st->failed_out && (out_flush(st->out) || out_broken(st->out))) {
		/* stdout is gone (| head): nothing more can be shown */
		st->failed_out = true;
		session__stop(st->s);
	}
}

static struct rec *buffer_slot(struct state *st)
{
	if (st->nbuf == MAX_BUFFERED)
		process(st, UINT64_MAX);
	return &st->buf[st->nbuf++];
}

static void on_enter(void *arg, struct evsel *ev, const struct sample *smp)
{
	const struct evinfo *ei = arg;
	struct state *st = ei->st;
	struct rec *r = buffer_slot(st);
	int32_t fd = (int32_t)field__u64(&ei->f, smp->raw, smp->raw_size);

	*r = (struct rec){ .time = smp->time, .val = fd, .pid = smp->pid, .tid = smp->tid,
			   .kind = REC_ENTER, .call = ei->call };
	r->file = look_up(st, smp->pid, smp->tid, fd, &r->looked);
	comm_of(st, smp->pid, smp->tid, r->comm);
	r->uid = st->c->uid ? uid_of(st, smp->pid) : 0;
}

static void on_exit_ev(void *arg, struct evsel *ev, const struct sample *smp)
{
	const struct evinfo *ei = arg;
	struct rec *r = buffer_slot(ei->st);

	*r = (struct rec){ .time = smp->time, .val = field__s64(&ei->f, smp->raw, smp->raw_size),
			   .pid = smp->pid, .tid = smp->tid, .kind = REC_EXIT, .call = ei->call };
}

/* close(fd), dup2/dup3(.., fd): the number now means another file, or none. */
static void on_fd_end(void *arg, struct evsel *ev, const struct sample *smp)
{
	const struct evinfo *ei = arg;
	struct state *st = ei->st;
	int32_t fd = (int32_t)field__u64(&ei->f, smp->raw, smp->raw_size);
	struct rec *r = buffer_slot(st);
	uint64_t *v = agg_find(&st->looked, fd_key(smp->pid, fd));

	*r = (struct rec){ .time = smp->time, .val = fd, .pid = smp->pid, .tid = smp->tid,
			   .kind = REC_END };
	if (v) {
		fname_put((struct fname *)(uintptr_t)v[0]);
		agg_remove(&st->looked, fd_key(smp->pid, fd));
	}
}

/* exec: O_CLOEXEC fds closed without a close(2). */
static void on_exec(void *arg, struct evsel *ev, const struct sample *smp)
{
	const struct evinfo *ei = arg;
	struct state *st = ei->st;
	int64_t old = field__s64(&ei->f, smp->raw, smp->raw_size);
	struct rec *r = buffer_slot(st);

	*r = (struct rec){ .time = smp->time, .val = old, .pid = smp->pid, .tid = smp->tid,
			   .kind = REC_EXEC };
	names_forget_pid(&st->looked, 0, smp->pid);
}

/* task_newtask (comm) and task_rename (newcomm, also at exec): the name of pid. */
static void on_comm(void *arg, struct evsel *ev, const struct sample *smp)
{
	const struct evinfo *ei = arg;
	size_t len;
	const char *comm = field__str(&ei->f, smp->raw, smp->raw_size, &len);
	struct rec *r;

	if (!comm)
		return;
	r = buffer_slot(ei->st);
	*r = (struct rec){ .time = smp->time, .kind = REC_COMM,
			   .tid = (uint32_t)field__s64(&ei->f2, smp->raw, smp->raw_size) };
	memcpy(r->comm, comm, len < 15 ? len : 15);
}

static int by_bytes(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	uint64_t bx = x->rbytes + x->wbytes, by = y->rbytes + y->wbytes;

	if (bx != by)
		return bx < by ? 1 : -1;
	if (x->reads + x->writes != y->reads + y->writes)
		return x->reads + x->writes < y->reads + y->writes ? 1 : -1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

static int print_summary(struct state *st)
{
	char hms[16];

	if (st->nrows)
		qsort(st->rows, st->nrows, sizeof(*st->rows), by_bytes);
	fprintf(st->out, "\n%-8s\n", out_hms(hms, time(NULL)));
	fprintf(st->out, "%-7s %-16s %4s %6s %6s %7s %7s %s\n", "PID", "COMM", "FD", "READS", "WRITES",
		"R_Kb", "W_Kb", "FILE");
	for (size_t i = 0; i < st->nrows; i++) {
		const struct row *r = &st->rows[i];

		if ((long)i < st->c->rows)
			fprintf(st->out, "%-7u %-16s %4d %6llu %6llu %7llu %7llu %s\n", r->pid, r->comm, r->fd,
				(unsigned long long)r->reads, (unsigned long long)r->writes,
				(unsigned long long)(r->rbytes / 1024), (unsigned long long)(r->wbytes / 1024),
				r->file ? r->file->path : "?");
		fname_put(r->file);
	}
	st->nrows = 0;
	agg_clear(&st->rowidx);
	st->summaries++;
	return out_flush(st->out) || out_broken(st->out);
}

static int on_tick(void *arg)
{
	struct state *st = arg;
	const struct conf *c = st->c;
	long every = (long)(c->interval / TICK_S + 0.5), limit;

	process(st, session__settled(st->s));
	if (!c->summary || !c->interval || ++st->ticks % every)
		return st->failed_out;
	/*
	 * BCC: with -d and -i, ceil(d / i) summaries.  The last one is printed after the loop
	 * has ended and read every ring, so that it is complete.
	 */
	limit = c->duration ? (c->duration + c->interval - 1) / c->interval : 0;
	if (limit && st->summaries + 1 >= limit)
		return 1;
	return print_summary(st);
}

static int add_calls(struct state *st)
{
	const struct conf *c = st->c;
	struct ev_cfg en = { .mode = EV_SAMPLE, .on_sample = on_enter };
	struct ev_cfg ex = { .mode = EV_SAMPLE, .on_sample = on_exit_ev };
	char event[64];

	en.filter = st->filter[0] ? st->filter : NULL;
	ex.filter = st->exit_filter[0] ? st->exit_filter : NULL;
	for (size_t i = 0; i < NCALLS; i++) {
		struct evsel *e_en, *e_ex;

		if ((c->reads && calls[i].dir != 'R') || (c->writes && calls[i].dir != 'W'))
			continue;
		st->enter[i] = (struct evinfo){ .st = st, .call = (uint8_t)i };
		st->exit[i] = (struct evinfo){ .st = st, .call = (uint8_t)i };
		en.arg = &st->enter[i];
		ex.arg = &st->exit[i];
		snprintf(event, sizeof(event), "sys_enter_%s", calls[i].name);
		e_en = session__add_tracepoint(st->s, "syscalls", event, &en);
		if (!e_en)
			return EXIT_RUNTIME;
		snprintf(event, sizeof(event), "sys_exit_%s", calls[i].name);
		e_ex = session__add_tracepoint(st->s, "syscalls", event, &ex);
		if (!e_ex)
			return EXIT_RUNTIME;
		if (field__find(&st->enter[i].f, evsel__tep(e_en), "fd") ||
		    field__find(&st->exit[i].f, evsel__tep(e_ex), "ret")) {
			err_msg("syscalls:sys_enter/exit_%s have no fd/ret fields on this kernel", calls[i].name);
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

/* The events that keep the name caches right: fd numbers ending, threads named. */
static int add_bookkeeping(struct state *st)
{
	static const struct {
		const char *sys, *event, *f, *f2;
		sample_fn fn;
	} evs[] = {
		{ "sched", "sched_process_exec", "old_pid", NULL, on_exec },
		{ "task", "task_newtask", "comm", "pid", on_comm },
		{ "task", "task_rename", "newcomm", "pid", on_comm },
	};
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_fd_end };
	struct evinfo *ei;
	struct evsel *ev;

	cfg.filter = st->filter[0] ? st->filter : NULL;
	for (size_t i = 0; i < NENDERS; i++) {
		st->enders[i] = (struct evinfo){ .st = st };
		cfg.arg = &st->enders[i];
		ev = session__add_tracepoint(st->s, "syscalls", fd_enders[i].event, &cfg);
		if (!ev)
			return EXIT_RUNTIME;
		if (field__find(&st->enders[i].f, evsel__tep(ev), fd_enders[i].field)) {
			err_msg("syscalls:%s has no %s field on this kernel", fd_enders[i].event, fd_enders[i].field);
			return EXIT_RUNTIME;
		}
	}
	/* Unfiltered: a -c name may be the one being given, and these events are rare. */
	cfg.filter = NULL;
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		ei = i ? &st->comm_evs[i - 1] : &st->exec;
		*ei = (struct evinfo){ .st = st };
		cfg.on_sample = evs[i].fn;
		cfg.arg = ei;
		ev = session__add_tracepoint(st->s, evs[i].sys, evs[i].event, &cfg);
		if (!ev)
			return EXIT_RUNTIME;
		if (field__find(&ei->f, evsel__tep(ev), evs[i].f) ||
		    (evs[i].f2 && field__find(&ei->f2, evsel__tep(ev), evs[i].f2))) {
			err_msg("%s:%s lacks the fields %s/%s on this kernel", evs[i].sys, evs[i].event, evs[i].f,
				evs[i].f2 ? evs[i].f2 : "");
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

static int check_conf(struct state *st)
{
	const struct conf *c = st->c;

	if (c->pid && c->tid) {
		err_msg("only one of -p and -t may be specified");
		return EXIT_USAGE;
	}
	if (c->reads && c->writes) {
		err_msg("only one of -r and -w may be specified");
		return EXIT_USAGE;
	}
	if (!c->summary && c->interval) {
		err_msg("-i INTERVAL needs -s");
		return EXIT_USAGE;
	}
	if (c->comm) {
		/* The kernel matches it as a glob inside a quoted string: keep it literal. */
		if (!c->comm[0] || strpbrk(c->comm, "*?[]\"\\") || strlen(c->comm) > 15) {
			err_msg("-c COMM must be 1 to 15 characters without any of *?[]\"\\");
			return EXIT_USAGE;
		}
		snprintf(st->filter, sizeof(st->filter), "comm ~ \"*%s*\"", c->comm);
	}
	if (c->failed)
		snprintf(st->exit_filter, sizeof(st->exit_filter), "ret < 0%s%s", c->comm ? " && " : "",
			 st->filter);
	else
		snprintf(st->exit_filter, sizeof(st->exit_filter), "%s", st->filter);
	return 0;
}

static int init_state(struct state *st)
{
	st->buf = malloc(MAX_BUFFERED * sizeof(*st->buf));
	st->rows = st->c->summary ? malloc(MAX_FDS * sizeof(*st->rows)) : NULL;
	if (!st->buf || (st->c->summary && !st->rows) || agg_init(&st->inflight, MAX_INFLIGHT) ||
	    agg_init(&st->looked, MAX_FDS) || agg_init(&st->fdstate, MAX_FDS) ||
	    agg_init(&st->next_end, MAX_FDS) || agg_init(&st->next_exec, MAX_TASKS) ||
	    agg_init(&st->execs, MAX_TASKS) || agg_init(&st->comms, MAX_TASKS) ||
	    agg_init(&st->proc_comms, MAX_TASKS) || agg_init(&st->uids, MAX_TASKS) ||
	    agg_init(&st->rowidx, MAX_FDS)) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	return 0;
}

static void free_state(struct state *st)
{
	if (st->inflight.tab)
		inflight_clear(st);
	for (size_t i = 0; i < st->nbuf; i++)
		fname_put(st->buf[i].file);
	for (size_t i = 0; i < st->nrows; i++)
		fname_put(st->rows[i].file);
	if (st->looked.tab)
		names_clear(&st->looked, 0);
	if (st->fdstate.tab)
		names_clear(&st->fdstate, 1);
	free(st->buf);
	free(st->rows);
	agg_free(&st->inflight);
	agg_free(&st->looked);
	agg_free(&st->fdstate);
	agg_free(&st->next_end);
	agg_free(&st->next_exec);
	agg_free(&st->execs);
	agg_free(&st->comms);
	agg_free(&st->proc_comms);
	agg_free(&st->uids);
	agg_free(&st->rowidx);
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct target tgt = { .pid = (pid_t)c->pid, .tid = (pid_t)c->tid, .cpu = -1 };
	struct loop_cfg lc = { .interval = TICK_S, .on_tick = on_tick, .arg = &st };
	enum loop_end why;
	int ret;

	ret = check_conf(&st);
	if (ret)
		return ret;
	ret = init_state(&st);
	if (ret)
		goto out;
	loop_block_signals();
	st.s = session__new("rwsnoop");
	if (!st.s) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	session__set_target(st.s, &tgt);
	session__set_buffer_pages(st.s, RING_PAGES);
	ret = add_calls(&st);
	if (!ret)
		ret = add_bookkeeping(&st);
	if (!ret)
		ret = session__start(st.s);
	if (ret)
		goto out;
	if (c->pid || c->tid) {
		/* The target predates us: learn its name now, before it can exit unread. */
		uint32_t id = (uint32_t)(c->pid ? c->pid : c->tid);
		char comm[16];

		comm_of(&st, id, id, comm);
		if (c->uid)
			uid_of(&st, id);
	}
	if (c->summary)
		fprintf(ctx->out, "Tracing %s... Hit Ctrl-C to end.\n",
			c->reads ? "reads" : c->writes ? "writes" : "reads and writes");
	else
		print_header(&st);
	if (out_flush(ctx->out))
		goto out;
	/* With -s -i, the end of -d is counted in intervals (on_tick). */
	if (!c->summary || !c->interval)
		lc.duration = (double)c->duration;
	why = session__loop(st.s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	process(&st, UINT64_MAX);
	if (c->summary && !st.failed_out && !out_broken(ctx->out)) {
		print_summary(&st);
		fprintf(ctx->out, "Detaching...\n");
	}
out:
	if (out_flush(ctx->out) && !ret)
		ret = EXIT_RUNTIME;
	session__delete(st.s);
	free_state(&st);
	return ret;
}

const struct tool_desc tool_rwsnoop = {
	.name = "rwsnoop",
	.summary = "Trace read/write syscalls with fd, bytes, latency and file.",
	.args = "",
	.max_args = 0,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.examples = "    rawtrace rwsnoop                # one line per read/write, until Ctrl-C\n"
		    "    rawtrace rwsnoop -Tp 181        # only process 181, with timestamps\n"
		    "    rawtrace rwsnoop -w -c nginx    # writes of threads named like nginx\n"
		    "    rawtrace rwsnoop -x             # only failed reads and writes\n"
		    "    rawtrace rwsnoop -s -i 1 -N 10  # top 10 process/fd pairs by bytes, every second\n"
		    "    rawtrace rwsnoop -s -d 10       # one table after 10 seconds\n",
	.run = run,
};
