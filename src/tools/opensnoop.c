// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * opensnoop: one line per open(2), openat(2) and openat2(2) with its path and result, like
 * BCC's opensnoop.  The syscall tracepoints give the exact result, flags and mode but only
 * a user pointer for the path, and reading that pointer later from user space silently
 * returns the wrong string when the program reuses its buffer.  So the path comes from a
 * probe whose fetch-args make the kernel copy the string at call time: a kprobe on
 * do_sys_openat2 (exact for every open) where the kernel has kprobes, else uprobes on the C
 * library's open functions (exact for every open made through libc).  Opens the probes do
 * not see (ld.so, static binaries, raw syscalls) get a path read late from the process,
 * printed with a "? " mark.  Records of all CPUs are re-ordered by time before pairing, so
 * a thread that migrates between probe and syscall cannot be paired with a stale probe hit.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "core/agg.h"
#include "core/elfsym.h"
#include "core/err.h"
#include "core/field.h"
#include "core/libpath.h"
#include "core/order.h"
#include "core/out.h"
#include "core/session.h"
#include "core/tfs.h"
#include "tool.h"

#define MAX_TIDS 65536        /* threads with an open in flight or a pending probe hit */
#define MAX_HELD (1 << 20)    /* records held for ordering before a burst goes unordered */
#define REORDER_S 0.1         /* how often buffered records are ordered and printed */
#define PATH_LEN 4096         /* PATH_MAX, also the kernel's limit for a fetched string */
#define MARK "? "             /* prefix of a path rawtrace cannot vouch for */
#define NO_PATH "[unreadable]"

struct conf {
	bool timestamp, print_uid, failed, extended, full_path, verbose;
	long pid, tid, uid, duration, buffer_pages;
	const char *name;
	struct opt_list flags;
};

static const struct opt opts[] = {
	{ 'T', "timestamp", OPT_FLAG, offsetof(struct conf, timestamp), NULL, "include timestamp on output" },
	{ 'U', "print-uid", OPT_FLAG, offsetof(struct conf, print_uid), NULL, "print UID column" },
	{ 'x', "failed", OPT_FLAG, offsetof(struct conf, failed), NULL, "only show failed opens" },
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID", "trace this PID only", 1, 4194304 },
	{ 't', "tid", OPT_INT, offsetof(struct conf, tid), "TID", "trace this TID only", 1, 4194304 },
	{ 'u', "uid", OPT_INT, offsetof(struct conf, uid), "UID", "trace this UID only", 0, 4294967294.0 },
	{ 'd', "duration", OPT_INT, offsetof(struct conf, duration), "DURATION", "total duration of trace in seconds", 1, 99999999 },
	{ 'n', "name", OPT_STR, offsetof(struct conf, name), "NAME", "only print process names containing this name" },
	{ 'e', "extended_fields", OPT_FLAG, offsetof(struct conf, extended), NULL, "show extended fields" },
	{ 'f', "flag_filter", OPT_LIST, offsetof(struct conf, flags), "FLAG_FILTER", "filter on flags argument (e.g., O_WRONLY)" },
	{ 'F', "full-path", OPT_FLAG, offsetof(struct conf, full_path), NULL, "show full path for an open file with relative path" },
	{ 'b', "buffer-pages", OPT_INT, offsetof(struct conf, buffer_pages), "BUFFER_PAGES", "size of the perf ring buffer (must be a power of two number of pages and defaults to 1024; BCC: 64)", 1, 1048576 },
	{ 'v', "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "say on stderr how paths are captured" },
	OPT_END
};

static void conf_init(void *p)
{
	struct conf *c = p;

	c->uid = -1;
	/* 64 pages (BCC's) lose records from ~20000 opens/s; 1024 lost none up to 80000/s */
	c->buffer_pages = 1024;
}

static void conf_free(void *p)
{
	opt_list_free(&((struct conf *)p)->flags);
}

/* How the path is captured: the best this kernel and this C library allow. */
enum strategy { STRAT_KPROBE, STRAT_UPROBE, STRAT_TRACEPOINT };

enum rec_kind { R_ENTER, R_EXIT, R_UPROBE, R_KPROBE, R_EXEC };

/* One record as it came out of a ring, kept until it can be handled in time order. */
struct rec {
	uint64_t time;
	uint32_t pid, tid;
	enum rec_kind kind;
	bool have_comm;
	int64_t ret;                /* R_EXIT */
	uint64_t ptr, flags, mode;  /* R_ENTER: syscall arguments; R_UPROBE: ptr */
	bool have_how;              /* R_KPROBE with struct open_how: flags, mode */
	bool openat2;               /* R_ENTER of openat2: flags, mode are in user memory */
	long uid;                   /* R_ENTER with -U/-u: from /proc, -1 unknown */
	char comm[16];
	char *path;                 /* probe: exact copy; R_ENTER: late read, or NULL; R_EXEC: file */
	char *cwd;                  /* R_ENTER with -F: /proc/TID/cwd, or NULL */
};

/* Per-thread pairing state, advanced in time order. */
struct tstate {
	struct rec u;      /* last uprobe hit not yet consumed (u.path != NULL) */
	bool have_u;
	struct rec e;      /* the open syscall in flight */
	bool in_open;
	char *exact;       /* its path, captured by the kernel */
	char comm[16];
	bool have_comm;
	struct rec k;      /* kprobe hit (flags/mode of openat2) */
	bool have_k;
};

/* Field decoders of one event, resolved once. */
struct dec {
	enum rec_kind kind;
	bool openat2;
	struct field f_ptr, f_flags, f_mode, f_ret, f_path, f_comm, f_kflags, f_kmode;
	bool has_kflags;
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	enum strategy strat;
	const char *kfunc;        /* kprobe target */
	char *libc;               /* uprobe target file */
	unsigned nuprobes;
	uint64_t flag_mask;
	const char *kname_filter; /* -n as a kernel filter, or NULL (then checked here) */
	struct dec decs[16];
	unsigned ndecs;
	struct order held;        /* of struct rec, until every ring is read past them */
	struct agg tids;          /* tid -> struct tstate * */
	struct agg seen_u;        /* tid -> last uprobe ptr, time (in arrival order) */
	struct agg uids;          /* pid -> uid + 1, last value /proc gave */
	struct agg comms;         /* tid -> comm (16 bytes) last captured by the kernel */
	uint64_t first_ts;
	bool printed_any;
	bool quit;
};

static const struct {
	const char *name;
	uint64_t v;
} flag_names[] = {
	{ "O_RDONLY", O_RDONLY }, { "O_WRONLY", O_WRONLY }, { "O_RDWR", O_RDWR },
	{ "O_CREAT", O_CREAT }, { "O_EXCL", O_EXCL }, { "O_NOCTTY", O_NOCTTY },
	{ "O_TRUNC", O_TRUNC }, { "O_APPEND", O_APPEND }, { "O_NONBLOCK", O_NONBLOCK },
	{ "O_NDELAY", O_NDELAY }, { "O_DSYNC", O_DSYNC }, { "O_ASYNC", O_ASYNC },
	{ "O_DIRECT", O_DIRECT }, { "O_LARGEFILE", 0100000 }, { "O_DIRECTORY", O_DIRECTORY },
	{ "O_NOFOLLOW", O_NOFOLLOW }, { "O_NOATIME", O_NOATIME }, { "O_CLOEXEC", O_CLOEXEC },
	{ "O_SYNC", O_SYNC }, { "O_RSYNC", O_RSYNC }, { "O_PATH", O_PATH }, { "O_TMPFILE", O_TMPFILE },
};

/* BCC takes the names of Python's os module: "O_WRONLY"; we also accept "wronly". */
static int parse_flags(const struct opt_list *l, uint64_t *mask)
{
	for (int i = 0; i < l->n; i++) {
		char name[64];
		size_t n = 0;
		bool found = false;

		if (strncasecmp(l->v[i], "O_", 2))
			n = (size_t)snprintf(name, sizeof(name), "O_");
		for (const char *p = l->v[i]; *p && n + 1 < sizeof(name); p++)
			name[n++] = (char)toupper((unsigned char)*p);
		name[n] = 0;
		for (size_t j = 0; j < sizeof(flag_names) / sizeof(flag_names[0]); j++) {
			if (!strcmp(name, flag_names[j].name)) {
				*mask |= flag_names[j].v;
				found = true;
			}
		}
		if (!found) {
			err_msg("Bad flag: %s", l->v[i]);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * The string at addr in tid's memory, read page by page so that a string ending just
 * before an unmapped page is still read.  0 or -errno (ESRCH: the process is gone).
 */
static int read_user_str(uint32_t tid, uint64_t addr, char *buf, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		size_t page = 4096 - ((addr + got) & 4095), want = len - 1 - got;
		struct iovec local, remote;
		ssize_t n;

		if (want > page)
			want = page;
		local = (struct iovec){ buf + got, want };
		remote = (struct iovec){ (void *)(uintptr_t)(addr + got), want };
		n = process_vm_readv((pid_t)tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return n < 0 ? -errno : -EFAULT;
		if (memchr(buf + got, 0, (size_t)n))
			return 0;
		got += (size_t)n;
	}
	buf[len - 1] = 0;
	return 0;
}

static bool read_proc_line(uint32_t tid, const char *file, const char *key, char *buf, size_t len)
{
	char path[64], line[256];
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/%s", tid, file);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof(line), f)) {
		if (key && strncmp(line, key, strlen(key)))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "%s", line + (key ? strlen(key) : 0));
		ok = true;
	}
	fclose(f);
	return ok;
}

/* The real uid of a thread (as BCC's bpf_get_current_uid_gid), or -1. */
static long proc_uid(uint32_t tid)
{
	char v[128];

	if (!read_proc_line(tid, "status", "Uid:", v, sizeof(v)))
		return -1;
	return strtol(v, NULL, 10);
}

/*
 * /proc is read when the record is drained, often after a short-lived process is gone:
 * fall back to what an earlier read of the same process gave.
 */
static long cached_uid(struct state *st, uint32_t pid, uint32_t tid)
{
	long uid = proc_uid(tid);
	uint64_t *v;

	if (uid >= 0) {
		v = agg_get(&st->uids, pid);
		if (v)
			v[0] = (uint64_t)uid + 1;
		return uid;
	}
	v = agg_find(&st->uids, pid);
	return v ? (long)v[0] - 1 : -1;
}

static void handle_held(void *arg, void *item);

static struct rec *push(struct state *st, const struct sample *smp, enum rec_kind kind)
{
	struct rec *r = order__add(&st->held, smp->time, handle_held, st);

	if (r)
		*r = (struct rec){ .time = smp->time, .pid = smp->pid, .tid = smp->tid, .kind = kind, .uid = -1 };
	return r;
}

static void copy_comm(char *dst, const char *src, size_t len)
{
	if (len > 15)
		len = 15;
	memcpy(dst, src, len);
	dst[len] = 0;
}

static void on_probe(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	const struct dec *d = evsel__priv(ev);
	const char *p;
	size_t len;
	struct rec *r;
	uint64_t *seen;

	p = field__str(&d->f_path, smp->raw, smp->raw_size, &len);
	/* An empty string is a fault in the kernel's copy: no capture, not an empty path. */
	if (!p || !len)
		return;
	r = push(st, smp, d->kind);
	if (!r)
		return;
	r->path = strndup(p, len);
	p = field__str(&d->f_comm, smp->raw, smp->raw_size, &len);
	if (p) {
		copy_comm(r->comm, p, len);
		r->have_comm = true;
	}
	if (d->kind == R_UPROBE) {
		r->ptr = field__u64(&d->f_ptr, smp->raw, smp->raw_size);
		seen = agg_get(&st->seen_u, smp->tid);
		if (seen) {
			seen[0] = r->ptr;
			seen[1] = smp->time;
		}
	} else if (d->has_kflags) {
		r->flags = field__u64(&d->f_kflags, smp->raw, smp->raw_size);
		r->mode = field__u64(&d->f_kmode, smp->raw, smp->raw_size);
		r->have_how = true;
	}
}

/*
 * Late reads happen here, as early as we ever see the record, and only when no kernel
 * copy of the path is expected: they are the unverified fallback.
 */
static void on_enter(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	const struct dec *d = evsel__priv(ev);
	struct rec *r = push(st, smp, R_ENTER);
	bool exact_expected;
	char tmp[PATH_LEN];
	uint64_t *seen;

	if (!r)
		return;
	r->ptr = field__u64(&d->f_ptr, smp->raw, smp->raw_size);
	r->openat2 = d->openat2;
	if (d->openat2) {
		uint64_t how[2] = { 0, 0 };
		struct iovec l = { how, sizeof(how) }, rm = { (void *)(uintptr_t)field__u64(&d->f_flags, smp->raw, smp->raw_size), sizeof(how) };

		/* openat2's flags live in user memory: exact only from the kprobe. */
		if (st->strat != STRAT_KPROBE)
			process_vm_readv((pid_t)smp->tid, &l, 1, &rm, 1, 0);
		r->flags = how[0];
		r->mode = how[1];
	} else {
		r->flags = field__u64(&d->f_flags, smp->raw, smp->raw_size);
		r->mode = field__u64(&d->f_mode, smp->raw, smp->raw_size);
	}
	seen = agg_find(&st->seen_u, smp->tid);
	exact_expected = st->strat == STRAT_KPROBE ||
			 (seen && seen[0] == r->ptr && seen[1] <= smp->time);
	if (!exact_expected) {
		if (!read_user_str(smp->tid, r->ptr, tmp, sizeof(tmp)))
			r->path = strdup(tmp);
		if (read_proc_line(smp->tid, "comm", NULL, tmp, sizeof(tmp))) {
			copy_comm(r->comm, tmp, strlen(tmp));
			r->have_comm = true;
		}
	}
	if (st->c->print_uid || st->c->uid >= 0)
		r->uid = cached_uid(st, smp->pid, smp->tid);
	if (st->c->full_path) {
		char link[64];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%u/cwd", smp->tid);
		n = readlink(link, tmp, sizeof(tmp) - 1);
		if (n > 0) {
			tmp[n] = 0;
			r->cwd = strdup(tmp);
		}
	}
}

/* exec sets comm to the first 15 bytes of the file's base name: remember it for ld.so's opens. */
static void on_exec(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	const struct dec *d = evsel__priv(ev);
	const char *p = NULL;
	struct rec *r;
	size_t len;

	p = field__str(&d->f_path, smp->raw, smp->raw_size, &len);
	if (!p || !(r = push(st, smp, R_EXEC)))
		return;
	r->path = strndup(p, len);
}

static void on_exit_sc(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	const struct dec *d = evsel__priv(ev);
	struct rec *r = push(st, smp, R_EXIT);

	if (r)
		r->ret = field__s64(&d->f_ret, smp->raw, smp->raw_size);
}

static void rec_free(struct rec *r)
{
	free(r->path);
	free(r->cwd);
	r->path = r->cwd = NULL;
}

static void tstate_reset(struct tstate *t)
{
	rec_free(&t->u);
	rec_free(&t->e);
	rec_free(&t->k);
	free(t->exact);
	memset(t, 0, sizeof(*t));
}

static void drop_all_threads(struct state *st)
{
	for (size_t i = 0; i < st->tids.cap; i++) {
		struct agg_entry *e = &st->tids.tab[i];

		if (e->used) {
			struct tstate *t = (struct tstate *)(uintptr_t)e->v[0];

			tstate_reset(t);
			free(t);
		}
	}
	agg_clear(&st->tids);
	agg_clear(&st->seen_u);
}

static struct tstate *thread(struct state *st, uint32_t tid)
{
	uint64_t *v = agg_get(&st->tids, tid);

	if (!v) {
		/* Full of threads that died mid-open: start over rather than grow. */
		drop_all_threads(st);
		v = agg_get(&st->tids, tid);
		if (!v)
			return NULL;
	}
	if (!v[0])
		v[0] = (uint64_t)(uintptr_t)calloc(1, sizeof(struct tstate));
	return (struct tstate *)(uintptr_t)v[0];
}

static void remember_comm(struct state *st, uint32_t tid, const char *comm)
{
	uint64_t *v = agg_get(&st->comms, tid);

	if (v) {
		memset(v, 0, 2 * sizeof(*v));
		memcpy(v, comm, strnlen(comm, 15));
	}
}

/* A late read may be any bytes: escape what would garble a terminal. */
static void put_unverified(FILE *out, const char *p)
{
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch >= 0x7f)
			fprintf(out, "\\x%02x", ch);
		else
			fputc(ch, out);
	}
}

static void print_row(struct state *st, struct tstate *t, const struct rec *x)
{
	const struct conf *c = st->c;
	const struct rec *e = &t->e;
	uint64_t flags = e->flags, mode = e->mode;
	const char *path = t->exact ? t->exact : e->path;
	const char *comm = t->have_comm ? t->comm : e->have_comm ? e->comm : "[unknown]";
	bool marked = !t->exact;
	int fd = x->ret >= 0 ? (int)x->ret : -1, err = x->ret >= 0 ? 0 : (int)-x->ret;

	/*
	 * The kernel adds O_LARGEFILE before do_sys_openat2: show the flags as passed (as
	 * BCC does), and use the kprobe's copy only for openat2, whose flags are in user memory.
	 */
	if (e->openat2 && t->have_k && t->k.have_how) {
		flags = t->k.flags;
		mode = t->k.mode;
	}
	if (c->failed && x->ret >= 0)
		return;
	if (st->flag_mask && !(flags & st->flag_mask))
		return;
	if (c->uid >= 0 && e->uid != c->uid)
		return;
	if (c->name && !st->kname_filter && !strstr(comm, c->name))
		return;
	if (!st->printed_any) {
		st->first_ts = x->time;
		st->printed_any = true;
	}
	if (c->timestamp)
		fprintf(st->out, "%-14.9f", (double)(x->time - st->first_ts) / 1e9);
	if (c->print_uid) {
		if (e->uid >= 0)
			fprintf(st->out, "%-6ld ", e->uid);
		else
			fprintf(st->out, "%-6s ", "?");
	}
	fprintf(st->out, "%-6u %-16s %4d %3d ", c->tid ? x->tid : x->pid, comm, fd, err);
	if (c->extended) {
		if (flags & (O_CREAT | O_TMPFILE))
			fprintf(st->out, "%08llo %04llo ", (unsigned long long)flags, (unsigned long long)mode);
		else
			fprintf(st->out, "%08llo %-4s ", (unsigned long long)flags, "n/a");
	}
	/* The cwd prefix of -F is read from /proc after the fact: never vouched for. */
	if (path && c->full_path && path[0] != '/' && e->cwd) {
		fprintf(st->out, "%s%s/", MARK, e->cwd);
		put_unverified(st->out, path);
		fputc('\n', st->out);
	} else if (!marked) {
		fprintf(st->out, "%s\n", path);
	} else {
		fputs(MARK, st->out);
		put_unverified(st->out, path ? path : NO_PATH);
		fputc('\n', st->out);
	}
}

/*
 * Records are handled in time order.  A probe hit pairs with the syscall of its thread
 * that follows it, unless a ring lost records in between (the hit may have been another
 * call's): then the path is not vouched for.
 */
static void handle(struct state *st, struct rec *r)
{
	struct tstate *t = thread(st, r->tid);

	if (!t) {
		rec_free(r);
		return;
	}
	if ((r->kind == R_UPROBE || r->kind == R_KPROBE) && r->have_comm)
		remember_comm(st, r->tid, r->comm);
	switch (r->kind) {
	case R_EXEC:
		if (r->path) {
			const char *base = strrchr(r->path, '/');

			remember_comm(st, r->pid, base ? base + 1 : r->path);
		}
		rec_free(r);
		return;
	case R_UPROBE:
		rec_free(&t->u);
		t->u = *r;
		t->have_u = true;
		return;
	case R_KPROBE:
		if (t->in_open && !t->exact && !session__lost_between(st->s, t->e.time, r->time)) {
			t->exact = r->path;
			r->path = NULL;
			if (r->have_comm) {
				memcpy(t->comm, r->comm, sizeof(t->comm));
				t->have_comm = true;
			}
			rec_free(&t->k);
			t->k = *r;
			t->have_k = true;
			return;
		}
		rec_free(r);
		return;
	case R_ENTER:
		rec_free(&t->e);
		free(t->exact);
		t->exact = NULL;
		t->have_comm = t->have_k = false;
		t->e = *r;
		t->in_open = true;
		/* The pending uprobe hit is this call's only if it passed the same pointer. */
		if (t->have_u && t->u.ptr == r->ptr && !session__lost_between(st->s, t->u.time, r->time)) {
			t->exact = t->u.path;
			t->u.path = NULL;
			if (t->u.have_comm) {
				memcpy(t->comm, t->u.comm, sizeof(t->comm));
				t->have_comm = true;
			}
		}
		rec_free(&t->u);
		t->have_u = false;
		/* No kernel copy: the comm the kernel last gave for this thread beats /proc. */
		if (!t->have_comm) {
			uint64_t *v = agg_find(&st->comms, r->tid);

			if (v) {
				memcpy(t->comm, v, 15);
				t->comm[15] = 0;
				t->have_comm = true;
			}
		}
		return;
	case R_EXIT:
		/* across a loss, this exit may be another call's than the entry's: no row */
		if (t->in_open && !session__lost_between(st->s, t->e.time, r->time))
			print_row(st, t, r);
		rec_free(&t->e);
		rec_free(&t->k);
		free(t->exact);
		t->exact = NULL;
		t->in_open = t->have_k = t->have_comm = false;
		return;
	}
}

static void handle_held(void *arg, void *item)
{
	handle(arg, item);
}

/* Handle, in time order, every record older than `upto` (records of a thread pair up in order). */
static void process(struct state *st, uint64_t upto)
{
	order__release(&st->held, upto, handle_held, st);
}

static int on_tick(void *arg)
{
	struct state *st = arg;

	process(st, session__settled(st->s));
	return out_flush(st->out) || out_broken(st->out);
}

static int find_kfunc(struct state *st)
{
	static const char *const cands[] = { "do_sys_openat2", "do_sys_open" };
	char line[512];
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return -errno;
	while (!st->kfunc && fgets(line, sizeof(line), f)) {
		char *sym = strchr(line, ' ');

		if (!sym || !(sym = strchr(sym + 1, ' ')))
			continue;
		sym++;
		sym[strcspn(sym, " \t\n")] = 0;
		for (size_t i = 0; i < 2; i++)
			if (!strcmp(sym, cands[i]))
				st->kfunc = cands[i];
	}
	fclose(f);
	/* Prefer openat2's entry: if both exist, do_sys_open is only a wrapper. */
	if (st->kfunc && !strcmp(st->kfunc, "do_sys_open")) {
		f = fopen("/proc/kallsyms", "r");
		while (f && fgets(line, sizeof(line), f))
			if (strstr(line, " do_sys_openat2\n") || strstr(line, " do_sys_openat2\t"))
				st->kfunc = cands[0];
		if (f)
			fclose(f);
	}
	return st->kfunc ? 0 : -ENOENT;
}

static struct dec *new_dec(struct state *st, struct evsel *ev, enum rec_kind kind)
{
	struct dec *d = &st->decs[st->ndecs++];

	d->kind = kind;
	evsel__set_priv(ev, d);
	return d;
}

static int add_kprobe(struct state *st)
{
	const char *args = !strcmp(st->kfunc, "do_sys_openat2")
				   ? "path=+0($arg2):ustring comm=$comm flags=+0($arg3):u64 mode=+8($arg3):u64"
				   : "path=+0($arg2):ustring comm=$comm";
	struct probe_spec ps = { .type = PROBE_KERNEL, .func = st->kfunc, .fetchargs = args, .label = st->kfunc };
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_probe, .arg = st, .filter = st->kname_filter };
	struct evsel *ev = session__add_probe(st->s, &ps, &cfg);
	struct dec *d;

	if (!ev)
		return EXIT_RUNTIME;
	d = new_dec(st, ev, R_KPROBE);
	if (field__find(&d->f_path, evsel__tep(ev), "path") || field__find(&d->f_comm, evsel__tep(ev), "comm")) {
		err_msg("the kprobe on %s has no path/comm fields", st->kfunc);
		return EXIT_RUNTIME;
	}
	d->has_kflags = !field__find(&d->f_kflags, evsel__tep(ev), "flags") &&
			!field__find(&d->f_kmode, evsel__tep(ev), "mode");
	return 0;
}

/*
 * glibc's entry points that issue open/openat with a path argument.  open64 and openat64
 * are what programs call (open, __open64_2 ... are aliases or thin wrappers); fopen,
 * opendir and NSS go through __open_nocancel.  Each records the pointer it passed, so a
 * hit is only paired with a syscall that used the same pointer.
 */
static const struct {
	const char *sym;
	const char *args;
} libc_opens[] = {
	{ "open64", "ptr=%di:x64 path=+0(%di):ustring comm=$comm" },
	{ "__open64_2", "ptr=%di:x64 path=+0(%di):ustring comm=$comm" },
	{ "__open_nocancel", "ptr=%di:x64 path=+0(%di):ustring comm=$comm" },
	{ "openat64", "ptr=%si:x64 path=+0(%si):ustring comm=$comm" },
	{ "__openat64_2", "ptr=%si:x64 path=+0(%si):ustring comm=$comm" },
	{ "__openat64_nocancel", "ptr=%si:x64 path=+0(%si):ustring comm=$comm" },
};
#define NLIBC_OPENS (sizeof(libc_opens) / sizeof(libc_opens[0]))

struct libc_syms {
	uint64_t off[NLIBC_OPENS];
};

static int find_libc_sym(void *arg, const struct elf_func *f)
{
	struct libc_syms *ls = arg;

	for (size_t i = 0; i < NLIBC_OPENS; i++)
		if (!strcmp(f->name, libc_opens[i].sym))
			ls->off[i] = f->file_off;
	return 0;
}

static int add_uprobes(struct state *st, struct libc_syms *ls)
{
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_probe, .arg = st, .filter = st->kname_filter };

	for (size_t i = 0; i < NLIBC_OPENS; i++) {
		struct probe_spec ps = { .type = PROBE_USER, .path = st->libc, .offset = ls->off[i],
					 .fetchargs = libc_opens[i].args, .label = libc_opens[i].sym };
		bool dup = false;
		struct evsel *ev;
		struct dec *d;

		for (size_t j = 0; j < i; j++)
			dup |= ls->off[j] == ls->off[i];
		if (!ls->off[i] || dup)
			continue;
		ev = session__add_probe(st->s, &ps, &cfg);
		if (!ev)
			return EXIT_RUNTIME;
		d = new_dec(st, ev, R_UPROBE);
		if (field__find(&d->f_path, evsel__tep(ev), "path") || field__find(&d->f_comm, evsel__tep(ev), "comm") ||
		    field__find(&d->f_ptr, evsel__tep(ev), "ptr")) {
			err_msg("the uprobe on %s has no ptr/path/comm fields", libc_opens[i].sym);
			return EXIT_RUNTIME;
		}
		st->nuprobes++;
	}
	return 0;
}

/* Pick the strategy: kprobes, else uprobes on libc, else tracepoints alone. */
static int plan(struct state *st)
{
	struct libc_syms ls = { { 0 } };

	if (session__has_kprobes() && !find_kfunc(st)) {
		st->strat = STRAT_KPROBE;
		return add_kprobe(st);
	}
	st->strat = STRAT_TRACEPOINT;
	if (!tfs_has_file("uprobe_events"))
		return 0;
	st->libc = libpath_resolve("c", (pid_t)(st->c->pid ? st->c->pid : st->c->tid));
	if (!st->libc || elfsym_foreach_func(st->libc, find_libc_sym, &ls))
		return 0;
	st->strat = STRAT_UPROBE;
	return add_uprobes(st, &ls);
}

static int add_syscalls(struct state *st)
{
	static const char *const scs[] = { "open", "openat", "openat2" };
	char name[64];
	unsigned found = 0;

	for (size_t i = 0; i < 3; i++) {
		struct ev_cfg cfg = { .mode = EV_SAMPLE, .arg = st, .filter = st->kname_filter };
		struct evsel *en, *ex;
		struct dec *d;
		char filter[256];

		snprintf(name, sizeof(name), "sys_enter_%s", scs[i]);
		/* Architectures without open(2) (arm64) have no tracepoint for it. */
		if (!tfs_event_exists("syscalls", name))
			continue;
		cfg.on_sample = on_enter;
		en = session__add_tracepoint(st->s, "syscalls", name, &cfg);
		if (!en)
			return EXIT_RUNTIME;
		d = new_dec(st, en, R_ENTER);
		d->openat2 = i == 2;
		if (field__find(&d->f_ptr, evsel__tep(en), "filename") ||
		    field__find(&d->f_flags, evsel__tep(en), d->openat2 ? "how" : "flags") ||
		    (!d->openat2 && field__find(&d->f_mode, evsel__tep(en), "mode"))) {
			err_msg("syscalls:%s lacks the filename/flags/mode fields", name);
			return EXIT_RUNTIME;
		}
		snprintf(name, sizeof(name), "sys_exit_%s", scs[i]);
		if (st->c->failed)
			snprintf(filter, sizeof(filter), "%s%sret < 0", st->kname_filter ? st->kname_filter : "",
				 st->kname_filter ? " && " : "");
		cfg.filter = st->c->failed ? filter : st->kname_filter;
		cfg.on_sample = on_exit_sc;
		ex = session__add_tracepoint(st->s, "syscalls", name, &cfg);
		if (!ex)
			return EXIT_RUNTIME;
		d = new_dec(st, ex, R_EXIT);
		if (field__find(&d->f_ret, evsel__tep(ex), "ret")) {
			err_msg("syscalls:%s lacks the ret field", name);
			return EXIT_RUNTIME;
		}
		found++;
	}
	if (!found) {
		err_msg("this kernel has no open syscall tracepoints (CONFIG_FTRACE_SYSCALLS is not set)");
		return EXIT_RUNTIME;
	}
	if (st->strat != STRAT_KPROBE && tfs_event_exists("sched", "sched_process_exec")) {
		struct ev_cfg cfg = { .mode = EV_SAMPLE, .arg = st, .filter = st->kname_filter, .on_sample = on_exec };
		struct evsel *ex = session__add_tracepoint(st->s, "sched", "sched_process_exec", &cfg);
		struct dec *d;

		if (!ex)
			return EXIT_RUNTIME;
		d = new_dec(st, ex, R_EXEC);
		if (field__find(&d->f_path, evsel__tep(ex), "filename")) {
			err_msg("sched:sched_process_exec lacks the filename field");
			return EXIT_RUNTIME;
		}
	}
	return 0;
}

static void explain(const struct state *st)
{
	switch (st->strat) {
	case STRAT_KPROBE:
		fprintf(stderr, "opensnoop: paths: kprobe on %s copies every path in the kernel (exact); "
				"FD/ERR/FLAGS/MODE from syscalls:sys_{enter,exit}_open*\n", st->kfunc);
		break;
	case STRAT_UPROBE:
		fprintf(stderr, "opensnoop: paths: %u uprobes on %s copy the path of every open made through "
				"the C library (exact); opens that bypass it (ld.so, static binaries, raw "
				"syscalls) show a path read later from the process, marked \"%s\" (it may be "
				"wrong if the process reused its buffer)\n", st->nuprobes, st->libc, MARK);
		break;
	case STRAT_TRACEPOINT:
		fprintf(stderr, "opensnoop: paths: no kprobes and no usable C library uprobes: every path "
				"is read later from the process and marked \"%s\"\n", MARK);
		break;
	}
}

static int check_conf(struct state *st)
{
	const struct conf *c = st->c;

	if (c->pid && c->tid) {
		err_msg("only one of -p and -t may be specified");
		return EXIT_USAGE;
	}
	if (c->buffer_pages & (c->buffer_pages - 1)) {
		err_msg("buffer pages must be a power of two, not %ld", c->buffer_pages);
		return EXIT_USAGE;
	}
	return parse_flags(&c->flags, &st->flag_mask);
}

static void drop_rec(void *item)
{
	rec_free(item);
}

static void free_state(struct state *st)
{
	order__fini(&st->held, drop_rec);
	if (st->tids.tab)
		drop_all_threads(st);
	agg_free(&st->tids);
	agg_free(&st->seen_u);
	agg_free(&st->uids);
	agg_free(&st->comms);
	free(st->libc);
	free((char *)st->kname_filter);
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	const struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct target tgt = { .pid = (pid_t)c->pid, .tid = (pid_t)c->tid, .cpu = -1 };
	struct loop_cfg lc = { .interval = REORDER_S, .duration = (double)c->duration, .on_tick = on_tick, .arg = &st };
	enum loop_end why;
	int ret;

	ret = check_conf(&st);
	if (ret)
		return ret;
	/* comm ~ "*NAME*" is BCC's substring test, evaluated by the kernel on every event. */
	if (c->name && !strpbrk(c->name, "*?[]\"\\") &&
	    asprintf((char **)&st.kname_filter, "comm ~ \"*%s*\"", c->name) < 0)
		st.kname_filter = NULL;
	order__init(&st.held, sizeof(struct rec), MAX_HELD);
	if (agg_init(&st.tids, MAX_TIDS) || agg_init(&st.seen_u, MAX_TIDS) || agg_init(&st.uids, MAX_TIDS) ||
	    agg_init(&st.comms, MAX_TIDS)) {
		err_msg("out of memory");
		free_state(&st);
		return EXIT_RUNTIME;
	}
	loop_block_signals();
	st.s = session__new("opensnoop");
	if (!st.s) {
		free_state(&st);
		return EXIT_RUNTIME;
	}
	if (c->pid || c->tid)
		cached_uid(&st, (uint32_t)(c->pid ? c->pid : c->tid), (uint32_t)(c->pid ? c->pid : c->tid));
	session__set_target(st.s, &tgt);
	session__set_buffer_pages(st.s, (unsigned)c->buffer_pages);
	ret = plan(&st);
	if (!ret)
		ret = add_syscalls(&st);
	if (!ret)
		ret = session__start(st.s);
	if (ret)
		goto out;
	if (c->verbose)
		explain(&st);
	if (c->timestamp)
		fprintf(ctx->out, "%-14s", "TIME(s)");
	if (c->print_uid)
		fprintf(ctx->out, "%-6s ", "UID");
	fprintf(ctx->out, "%-6s %-16s %4s %3s ", c->tid ? "TID" : "PID", "COMM", "FD", "ERR");
	if (c->extended)
		fprintf(ctx->out, "%-8s %-4s ", "FLAGS", "MODE");
	fprintf(ctx->out, "PATH\n");
	if (out_flush(ctx->out))
		goto out;
	why = session__loop(st.s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	process(&st, UINT64_MAX);
out:
	if (!ret)
		ret = out_flush(ctx->out);
	else
		out_flush(ctx->out);
	session__delete(st.s);
	free_state(&st);
	return ret;
}

const struct tool_desc tool_opensnoop = {
	.name = "opensnoop",
	.summary = "Trace open() syscalls with their path and result.",
	.args = "",
	.max_args = 0,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.conf_free = conf_free,
	.examples = "    rawtrace opensnoop                    # trace all open() syscalls\n"
		    "    rawtrace opensnoop -T                 # include timestamps\n"
		    "    rawtrace opensnoop -U                 # include UID\n"
		    "    rawtrace opensnoop -x                 # only show failed opens\n"
		    "    rawtrace opensnoop -p 181             # only trace PID 181\n"
		    "    rawtrace opensnoop -t 123             # only trace TID 123\n"
		    "    rawtrace opensnoop -u 1000            # only trace UID 1000\n"
		    "    rawtrace opensnoop -d 10              # trace for 10 seconds only\n"
		    "    rawtrace opensnoop -n main            # only print process names containing \"main\"\n"
		    "    rawtrace opensnoop -e                 # show extended fields\n"
		    "    rawtrace opensnoop -f O_WRONLY -f O_RDWR  # only print calls for writing\n"
		    "    rawtrace opensnoop -F                 # show full path for relative paths\n"
		    "    rawtrace opensnoop -v                 # say how paths are captured\n",
	.run = run,
};
