// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * execsnoop: one line per exec() with its arguments, like BCC's execsnoop, from tracepoints
 * and perf samples instead of BPF.  A successful exec is sched:sched_process_exec, sampled
 * with the new program's user stack pointer and the top of its user stack: that stack holds
 * the kernel's own copy of argv (and auxv with AT_UID), so the arguments are exact for every
 * caller (static binaries and raw syscalls included) and every kernel since 3.7.  Where an
 * entry probe can be placed (a kprobe on the execve syscall, else uprobes on the C library's
 * execve/execveat), its argv is used instead: it is what BCC shows for #! scripts (the kernel
 * rewrites their argv) and it gives failed execs (-x, from syscalls:sys_exit_execve*) their
 * arguments.  Records from all CPUs are put back in time order before printing, so fork,
 * rename, entry and exec records of one process pair correctly whatever ring they came from.
 */
#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <asm/perf_regs.h>
#include "core/agg.h"
#include "core/elfsym.h"
#include "core/err.h"
#include "core/field.h"
#include "core/libpath.h"
#include "core/order.h"
#include "core/out.h"
#include "core/session.h"
#include "core/tfs.h"
#include "parsers/procfs.h"
#include "tool.h"

#define ARGSIZE 128          /* BCC's per-argument limit */
#define ENTRY_MAX_ARGS 40    /* argv slots an entry probe fetches (kprobe_events lines are < 4 KiB) */
#define STACK_BYTES 32768    /* user stack sampled at exec: argv, envp, auxv and the strings */
#define RING_PAGES 512       /* 2 MiB per CPU: 64 exec samples between wake-ups */
#define MAX_TRACKED 65536    /* processes and threads remembered for pairing */
#define TICK_S 0.1           /* how often time-ordered records are printed */
#define MAX_HELD 262144      /* records held for ordering before a burst goes unordered */
#define AUX_UID 11           /* AT_UID */

struct conf {
	bool time, timestamp, fails, quote, print_uid, print_cpu, print_pcomm, verbose;
	const char *user, *name, *line, *cgroupmap, *mntnsmap;
	long max_args, ppid;
};

static const struct opt opts[] = {
	{ 'T', "time", OPT_FLAG, offsetof(struct conf, time), NULL, "include time column on output (HH:MM:SS)" },
	{ 't', "timestamp", OPT_FLAG, offsetof(struct conf, timestamp), NULL, "include timestamp on output" },
	{ 'x', "fails", OPT_FLAG, offsetof(struct conf, fails), NULL, "include failed exec()s" },
	{ 0, "cgroupmap", OPT_STR, offsetof(struct conf, cgroupmap), "CGROUPMAP", "trace cgroups in this BPF map only (not supported)" },
	{ 0, "mntnsmap", OPT_STR, offsetof(struct conf, mntnsmap), "MNTNSMAP", "trace mount namespaces in this BPF map only (not supported)" },
	{ 'u', "uid", OPT_STR, offsetof(struct conf, user), "USER", "trace this UID only" },
	{ 'q', "quote", OPT_FLAG, offsetof(struct conf, quote), NULL, "Add quotemarks (\") around arguments." },
	{ 'n', "name", OPT_STR, offsetof(struct conf, name), "NAME", "only print commands matching this name (regex), any arg" },
	{ 'l', "line", OPT_STR, offsetof(struct conf, line), "LINE", "only print commands where arg contains this line (regex)" },
	{ 'U', "print-uid", OPT_FLAG, offsetof(struct conf, print_uid), NULL, "print UID column" },
	{ 'C', "print-cpu", OPT_FLAG, offsetof(struct conf, print_cpu), NULL, "print CPU column" },
	{ 'M', "print-pcomm", OPT_FLAG, offsetof(struct conf, print_pcomm), NULL, "print parent command name column" },
	{ 0, "max-args", OPT_INT, offsetof(struct conf, max_args), "MAX_ARGS", "maximum number of arguments parsed and displayed, defaults to 20", 1, 4096 },
	{ 'P', "ppid", OPT_INT, offsetof(struct conf, ppid), "PPID", "trace this parent PID only", 1, 4194304 },
	{ 'v', "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL, "say on stderr how arguments are captured" },
	OPT_END
};

static void conf_init(void *p)
{
	((struct conf *)p)->max_args = 20;
}

/* An argument list: NUL-separated words (the filename first, then argv[1..]). */
struct words {
	char *buf;
	size_t len;
	bool more;   /* argv had more than --max-args entries: print "..." */
	bool exact;  /* captured by the kernel at exec; false: read later from /proc */
	char comm[16]; /* entry probes: the caller's comm */
};

enum rec_kind { R_FORK, R_RENAME, R_ENTRY, R_EXEC, R_FAIL };

/* One record, kept until every CPU's ring has been read past its time. */
struct rec {
	uint64_t time;
	enum rec_kind kind;
	uint32_t pid, tid, cpu, other;  /* other: fork child pid; exec old_pid */
	long ret;
	long uid;                       /* -1: unknown */
	long proc_ppid;                 /* /proc at decode time; 0: unknown */
	char comm[16], pcomm[16];       /* meaning depends on kind */
	struct words *w;                /* entry and exec: arguments (owned) */
};

/* Decoding state of one entry probe (execve or execveat, kprobe or uprobe). */
struct entry_fields {
	struct field fn, comm;
	struct field ptr[ENTRY_MAX_ARGS + 1], str[ENTRY_MAX_ARGS];
	unsigned nptr;                  /* pointers fetched: argv[1..nptr] */
};

struct state {
	const struct conf *c;
	FILE *out;
	struct session *s;
	regex_t name_re, line_re;
	bool has_name_re, has_line_re;
	long uid_filter;                /* -1: none */
	uint64_t start_ns;
	const char *strategy;           /* -v: which entry probes exist */
	struct field f_exec_file, f_exec_pid, f_exec_old;
	struct field f_fork_pcomm, f_fork_ccomm, f_fork_child;
	struct field f_ren_comm, f_exit_ret;
	struct entry_fields entry[2];   /* execve, execveat */
	struct order q;                 /* of struct rec */
	struct agg parents;             /* pid -> parent tgid + 1, from sched_process_fork */
	struct agg pcomms;              /* pid -> comm of the thread that forked it */
	struct agg comms;               /* pid -> its comm, from fork (inherited) and exec */
	struct agg renames;             /* tid -> comm set by exec (task_rename) */
	struct agg entries;             /* tid -> struct words * from an entry probe */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void words_free(struct words *w)
{
	if (w)
		free(w->buf);
	free(w);
}

static bool words_add(struct words *w, const char *s, size_t n)
{
	char *b;

	if (n > ARGSIZE)
		n = ARGSIZE;
	b = realloc(w->buf, w->len + n + 1);
	if (!b)
		return false;
	memcpy(b + w->len, s, n);
	b[w->len + n] = 0;
	w->buf = b;
	w->len += n + 1;
	return true;
}

static void process_rec(void *arg, void *item);

static struct rec *rec_push(struct state *st, enum rec_kind kind, const struct sample *smp)
{
	struct rec *r = order__add(&st->q, smp->time, process_rec, st);

	if (!r)
		return NULL;
	r->time = smp->time;
	r->kind = kind;
	r->pid = smp->pid;
	r->tid = smp->tid;
	r->cpu = smp->cpu;
	r->uid = -1;
	return r;
}

static void copy_comm(char dst[16], const char *s, size_t n)
{
	memset(dst, 0, 16);
	memcpy(dst, s, n < 15 ? n : 15);
}

/* /proc facts read while the process may still exist (best effort; 0/-1/"" if gone). */
static long proc_ppid(uint32_t pid)
{
	char path[64], line[1024], comm[64];
	pid_t ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f) && procfs_parse_stat(line, comm, sizeof(comm), &ppid))
		ppid = 0;
	fclose(f);
	return ppid;
}

static void proc_comm(uint32_t pid, char dst[16])
{
	char path[64], buf[64] = "";
	FILE *f;

	memset(dst, 0, 16);
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	copy_comm(dst, buf, strlen(buf));
}

static long proc_uid(uint32_t pid)
{
	char path[64], line[256];
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Uid:", 4)) {
			uid = strtol(line + 4, NULL, 10);
			break;
		}
	fclose(f);
	return uid;
}

/* /proc/PID/cmdline: only when the kernel's copy was out of reach; marked as not exact. */
static struct words *proc_cmdline(uint32_t pid, const char *filename, size_t flen, long max_args)
{
	struct words *w = calloc(1, sizeof(*w));
	char path[64], buf[8192];
	size_t n = 0, off;
	long i = 0;
	FILE *f;

	if (!w || !words_add(w, filename, flen))
		goto fail;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	/* argv[0] is replaced by the filename, as in the exact paths */
	for (off = 0; off < n; i++) {
		size_t l = strlen(buf + off);

		if (i >= max_args) {
			w->more = true;
			break;
		}
		if (i > 0 && !words_add(w, buf + off, l))
			goto fail;
		off += l + 1;
	}
	return w;
fail:
	words_free(w);
	return NULL;
}

/* A __data_loc string the probe could not read (a fault) has length 0; "" has length 1. */
static bool str_faulted(const struct field *f, const void *raw, size_t size)
{
	uint32_t dl;

	if (f->offset + sizeof(dl) > size)
		return true;
	memcpy(&dl, (const char *)raw + f->offset, sizeof(dl));
	return (dl >> 16) == 0;
}

/*
 * The user stack at exec: sp points at argc, then argv[], NULL, envp[], NULL, auxv pairs;
 * the strings lie above, inside the sampled bytes when the environment is not huge.
 */
struct ustack {
	const unsigned char *b;
	uint64_t sp, len;
	unsigned psize;                 /* 8, or 4 for a 32-bit program */
};

static bool ustack_word(const struct ustack *u, uint64_t off, uint64_t *v)
{
	uint32_t v32;

	if (off + u->psize > u->len)
		return false;
	if (u->psize == 8) {
		memcpy(v, u->b + off, 8);
	} else {
		memcpy(&v32, u->b + off, 4);
		*v = v32;
	}
	return true;
}

/* The string at user address p, if it lies (NUL included) inside the sample. */
static const char *ustack_str(const struct ustack *u, uint64_t p, size_t *len)
{
	const char *s, *nul;

	if (p < u->sp || p - u->sp >= u->len)
		return NULL;
	s = (const char *)u->b + (p - u->sp);
	nul = memchr(s, 0, (size_t)(u->len - (p - u->sp)));
	if (!nul)
		return NULL;
	*len = (size_t)(nul - s);
	return s;
}

static bool ustack_init(struct ustack *u, const struct sample *smp)
{
	if (!smp->abi || smp->nr_regs < 1 || !smp->stack || !smp->stack_dyn_size)
		return false;
	u->b = smp->stack;
	u->sp = smp->regs[0];
	u->len = smp->stack_dyn_size;
	u->psize = smp->abi == PERF_SAMPLE_REGS_ABI_32 ? 4 : 8;
	return true;
}

/* AT_UID from the auxiliary vector: the real uid, which exec never changes. */
static long ustack_uid(const struct ustack *u, uint64_t argc)
{
	uint64_t off = u->psize * (argc + 2), v, key;

	while (ustack_word(u, off, &v) && v) /* envp[] */
		off += u->psize;
	for (off += u->psize; ustack_word(u, off, &key) && key; off += 2 * u->psize)
		if (key == AUX_UID && ustack_word(u, off + u->psize, &v))
			return (long)v;
	return -1;
}

/*
 * Words from the new stack: the filename, then argv[1..].  For a #! script the kernel
 * replaced argv[0] by the interpreter (and its optional argument) followed by the script's
 * path; the caller's argv[1..] follow that path, so start after it.
 */
static struct words *ustack_words(const struct ustack *u, const char *filename, size_t flen,
				  long max_args, long *uid)
{
	struct words *w = calloc(1, sizeof(*w));
	uint64_t argc, p, first = 1;
	size_t len;
	const char *s;

	if (!w || !ustack_word(u, 0, &argc) || !argc || argc > 1u << 20)
		goto fail;
	for (uint64_t k = 1; k <= 2 && k < argc; k++) {
		if (!ustack_word(u, u->psize * (1 + k), &p) || !(s = ustack_str(u, p, &len)))
			goto fail;
		if (len == flen && !memcmp(s, filename, flen)) {
			first = k + 1;
			break;
		}
	}
	if (!words_add(w, filename, flen))
		goto fail;
	for (uint64_t i = first; i < argc; i++) {
		if (i - first + 1 >= (uint64_t)max_args) {
			w->more = true;
			break;
		}
		if (!ustack_word(u, u->psize * (1 + i), &p) || !(s = ustack_str(u, p, &len)) ||
		    !words_add(w, s, len))
			goto fail;
	}
	w->exact = true;
	*uid = ustack_uid(u, argc);
	return w;
fail:
	words_free(w);
	return NULL;
}

static void on_exec(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	size_t flen = 0;
	const char *fn = field__str(&st->f_exec_file, smp->raw, smp->raw_size, &flen);
	struct ustack u;
	struct rec *r;

	if (!fn)
		return;
	r = rec_push(st, R_EXEC, smp);
	if (!r)
		return;
	r->pid = (uint32_t)field__u64(&st->f_exec_pid, smp->raw, smp->raw_size);
	r->other = (uint32_t)field__u64(&st->f_exec_old, smp->raw, smp->raw_size);
	/* comm after exec is the file's base name (until task_rename tells otherwise) */
	{
		const char *slash = memrchr(fn, '/', flen);
		const char *b = slash ? slash + 1 : fn;

		copy_comm(r->comm, b, flen - (size_t)(b - fn));
	}
	if (ustack_init(&u, smp))
		r->w = ustack_words(&u, fn, flen, st->c->max_args, &r->uid);
	if (r->uid < 0)
		r->uid = proc_uid(r->pid);
	if (!r->w)
		r->w = proc_cmdline(r->pid, fn, flen, st->c->max_args);
	r->proc_ppid = proc_ppid(r->pid);
	if (st->c->print_pcomm && r->proc_ppid)
		proc_comm((uint32_t)r->proc_ppid, r->pcomm);
}

static void on_fail(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	struct rec *r = rec_push(st, R_FAIL, smp);

	if (!r)
		return;
	r->ret = (long)field__s64(&st->f_exit_ret, smp->raw, smp->raw_size);
	r->uid = proc_uid(smp->pid);
	r->proc_ppid = proc_ppid(smp->pid);
	proc_comm(smp->pid, r->comm);
	if (st->c->print_pcomm && r->proc_ppid)
		proc_comm((uint32_t)r->proc_ppid, r->pcomm);
}

static void on_fork(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	struct rec *r = rec_push(st, R_FORK, smp);
	const char *s;
	size_t n;

	if (!r)
		return;
	r->other = (uint32_t)field__u64(&st->f_fork_child, smp->raw, smp->raw_size);
	s = field__str(&st->f_fork_pcomm, smp->raw, smp->raw_size, &n);
	if (s)
		copy_comm(r->pcomm, s, n);
	s = field__str(&st->f_fork_ccomm, smp->raw, smp->raw_size, &n);
	if (s)
		copy_comm(r->comm, s, n);
}

static void on_rename(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	struct rec *r = rec_push(st, R_RENAME, smp);
	const char *s;
	size_t n;

	if (!r)
		return;
	s = field__str(&st->f_ren_comm, smp->raw, smp->raw_size, &n);
	if (s)
		copy_comm(r->comm, s, n);
}

/* An entry probe hit: the filename and argv as the caller passed them. */
static void on_entry(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	const struct entry_fields *ef = evsel__priv(ev);
	struct words *w = calloc(1, sizeof(*w));
	const void *raw = smp->raw;
	size_t n, size = smp->raw_size;
	const char *s;
	struct rec *r;
	unsigned i;

	if (!w)
		return;
	s = field__str(&ef->fn, raw, size, &n);
	if (!s || str_faulted(&ef->fn, raw, size) || !words_add(w, s, n))
		goto incomplete;
	for (i = 1; i <= ef->nptr; i++) {
		if (!field__u64(&ef->ptr[i - 1], raw, size))
			break;                    /* the NULL that ends argv */
		if ((long)i >= st->c->max_args) {
			w->more = true;
			break;
		}
		if (i >= ef->nptr)
			goto incomplete;          /* more than we fetched: the stack has them */
		s = field__str(&ef->str[i - 1], raw, size, &n);
		if (!s || str_faulted(&ef->str[i - 1], raw, size) || !words_add(w, s, n))
			goto incomplete;          /* paged out: use the kernel's copy instead */
	}
	w->exact = true;
incomplete:
	r = rec_push(st, R_ENTRY, smp);
	if (!r) {
		words_free(w);
		return;
	}
	r->w = w;
	s = field__str(&ef->comm, raw, size, &n);
	if (s)
		copy_comm(w->comm, s, n);
}

/* BCC's argument line: words joined by spaces, optionally quoted, newlines as "\n". */
static char *render_args(const struct state *st, const struct words *w)
{
	size_t cap = 16 + 4 * (w ? w->len : 0), n = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (size_t off = 0; w && off < w->len; off += strlen(w->buf + off) + 1) {
		if (off)
			out[n++] = ' ';
		if (st->c->quote)
			out[n++] = '"';
		for (const char *p = w->buf + off; *p; p++) {
			if (*p == '\n') {
				out[n++] = '\\';
				out[n++] = 'n';
			} else if (*p == '"' && st->c->quote) {
				out[n++] = '\\';
				out[n++] = '"';
			} else {
				out[n++] = *p;
			}
		}
		if (st->c->quote)
			out[n++] = '"';
	}
	if (!w || !w->len)
		n += (size_t)sprintf(out + n, "[?]");
	else if (w->more)
		n += (size_t)sprintf(out + n, " ...");
	if (w && w->len && !w->exact)
		n += (size_t)sprintf(out + n, " [?]");
	out[n] = 0;
	return out;
}

static void print_row(struct state *st, const struct rec *r, const char *comm, uint32_t pid,
		      const struct words *w)
{
	const struct conf *c = st->c;
	uint64_t *v = agg_find(&st->parents, pid);
	long ppid = v ? (long)v[0] - 1 : r->proc_ppid;
	char ppid_s[24] = "?", hms[16], pcomm[17] = "?";
	char *args;

	if (c->ppid && ppid != c->ppid)
		return;
	if (st->uid_filter >= 0 && r->uid != st->uid_filter)
		return;
	if (st->has_name_re && regexec(&st->name_re, comm, 0, NULL, 0))
		return;
	args = render_args(st, w);
	if (!args)
		return;
	if (st->has_line_re && regexec(&st->line_re, args, 0, NULL, 0)) {
		free(args);
		return;
	}
	if (ppid > 0)
		snprintf(ppid_s, sizeof(ppid_s), "%ld", ppid);
	if (c->print_pcomm) {
		uint64_t *pc = agg_find(&st->pcomms, pid);

		if (pc)
			memcpy(pcomm, pc, 16);
		else if (r->pcomm[0])
			memcpy(pcomm, r->pcomm, 16);
		pcomm[16] = 0;
	}
	if (c->time)
		fprintf(st->out, "%-9s", out_hms(hms, time(NULL)));
	if (c->timestamp)
		fprintf(st->out, "%-8.3f", (double)(r->time - st->start_ns) / 1e9);
	if (c->print_uid) {
		if (r->uid >= 0)
			fprintf(st->out, "%-6ld", r->uid);
		else
			fprintf(st->out, "%-6s", "?");
	}
	fprintf(st->out, "%-16s %-7u ", comm, pid);
	if (c->print_pcomm)
		fprintf(st->out, "%-16s ", pcomm);
	fprintf(st->out, "%-7s ", ppid_s);
	if (c->print_cpu)
		fprintf(st->out, "%-4u ", r->cpu);
	fprintf(st->out, "%3ld %s\n", r->ret, args);
	free(args);
}

/* Take the entry capture of tid (ownership passes to the caller), if any. */
static struct words *take_entry(struct state *st, uint32_t tid)
{
	uint64_t *v = agg_find(&st->entries, tid);
	struct words *w;

	if (!v)
		return NULL;
	w = (struct words *)(uintptr_t)v[0];
	agg_remove(&st->entries, tid);
	return w;
}

static void process_rec(void *arg, void *item)
{
	struct state *st = arg;
	struct rec *r = item;
	char comm[17] = "";
	struct words *w;
	uint64_t *v;

	switch (r->kind) {
	case R_FORK:
		v = agg_get(&st->parents, r->other);
		if (v)
			v[0] = (uint64_t)r->pid + 1;
		v = agg_get(&st->pcomms, r->other);
		if (v)
			memcpy(v, r->pcomm, 16);
		v = agg_get(&st->comms, r->other);
		if (v)
			memcpy(v, r->comm, 16);
		break;
	case R_RENAME:
		v = agg_get(&st->renames, r->tid);
		if (v)
			memcpy(v, r->comm, 16);
		break;
	case R_ENTRY:
		words_free(take_entry(st, r->tid));
		v = agg_get(&st->entries, r->tid);
		if (v) {
			v[0] = (uint64_t)(uintptr_t)r->w;
			r->w = NULL;
		}
		break;
	case R_EXEC:
		/* the exec's own records ran on the old thread id (de_thread changes it) */
		w = take_entry(st, r->other);
		v = agg_find(&st->renames, r->tid);
		memcpy(comm, v ? (const char *)v : r->comm, 16);
		if (v)
			agg_remove(&st->renames, r->tid);
		v = agg_get(&st->comms, r->pid);
		if (v)
			memcpy(v, comm, 16);
		/* the caller's argv (what BCC shows for scripts) when complete, else the stack's */
		print_row(st, r, comm, r->pid, w && w->exact ? w : r->w);
		words_free(w);
		break;
	case R_FAIL:
		/* a failed exec keeps the caller's comm: the probe's, else tracked, else /proc's */
		w = take_entry(st, r->tid);
		v = agg_find(&st->comms, r->pid);
		memcpy(comm, w && w->comm[0] ? w->comm : v ? (const char *)v : r->comm, 16);
		if (!comm[0])
			strcpy(comm, "?");
		print_row(st, r, comm, r->pid, w);
		words_free(w);
		break;
	}
	words_free(r->w);
	r->w = NULL;
}

/* Records every ring has delivered go out in time order (a fork before its child's exec). */
static int on_tick(void *arg)
{
	struct state *st = arg;

	order__release(&st->q, session__settled(st->s), process_rec, st);
	return out_flush(st->out) || out_broken(st->out);
}

/*
 * Fetch-args of an entry probe.  `fn` and `argv` are how the probe reaches the filename
 * and the argv array; `u` is "u" where argv[i] must be read as user memory from a kernel
 * probe (kernels treat a plain deref as kernel memory there).
 */
static char *entry_fetchargs(const char *fn, const char *argv, const char *u, unsigned nptr)
{
	size_t cap = 256 + (size_t)nptr * 96, n;
	char *f = malloc(cap);

	if (!f)
		return NULL;
	n = (size_t)snprintf(f, cap, "fn=+0(%s):ustring cm=$comm", fn);
	for (unsigned i = 1; i <= nptr; i++) {
		n += (size_t)snprintf(f + n, cap - n, " p%u=+%s%u(%s):u64", i, u, 8 * i, argv);
		if (i < nptr)
			n += (size_t)snprintf(f + n, cap - n, " a%u=+0(+%s%u(%s)):ustring", i, u, 8 * i, argv);
	}
	return f;
}

static int add_entry_probe(struct state *st, unsigned idx, const struct probe_spec *base,
			   const char *fn, const char *argv, const char *u)
{
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_entry, .arg = st };
	struct entry_fields *ef = &st->entry[idx];
	struct probe_spec ps = *base;
	struct evsel *ev;
	char name[16];

	/* argv[max_args] tells whether "..." is due; never more slots than fit one line */
	ef->nptr = (unsigned)(st->c->max_args < ENTRY_MAX_ARGS ? st->c->max_args : ENTRY_MAX_ARGS);
	ps.fetchargs = entry_fetchargs(fn, argv, u, ef->nptr);
	if (!ps.fetchargs) {
		err_msg("out of memory");
		return -ENOMEM;
	}
	ev = session__add_probe(st->s, &ps, &cfg);
	free((char *)ps.fetchargs);
	if (!ev)
		return -EINVAL;
	evsel__set_priv(ev, ef);
	if (field__find(&ef->fn, evsel__tep(ev), "fn") || field__find(&ef->comm, evsel__tep(ev), "cm"))
		return -EINVAL;
	for (unsigned i = 1; i <= ef->nptr; i++) {
		snprintf(name, sizeof(name), "p%u", i);
		if (field__find(&ef->ptr[i - 1], evsel__tep(ev), name))
			return -EINVAL;
		snprintf(name, sizeof(name), "a%u", i);
		if (i < ef->nptr && field__find(&ef->str[i - 1], evsel__tep(ev), name))
			return -EINVAL;
	}
	return 0;
}

static bool kernel_has_symbol(const char *sym)
{
	char line[512];
	size_t n = strlen(sym);
	bool found = false;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ' ');

		/* "ADDR T name[\t[module]]\n" */
		if (p && p[1] && p[2] == ' ' && !strncmp(p + 3, sym, n) && (p[3 + n] == '\n' || p[3 + n] == '\t'))
			found = true;
	}
	fclose(f);
	return found;
}

struct libc_syms {
	uint64_t execve, execveat;
};

static int find_exec_funcs(void *arg, const struct elf_func *f)
{
	struct libc_syms *ls = arg;

	if (!strcmp(f->name, "execve"))
		ls->execve = f->file_off;
	else if (!strcmp(f->name, "execveat"))
		ls->execveat = f->file_off;
	return 0;
}

/*
 * Entry probes, best first: a kprobe on the syscall sees every caller; uprobes on the C
 * library see the callers that go through it (all of libc's exec family ends in its
 * execve).  Without either, successes still get exact arguments from the new stack.
 */
static int add_entry_probes(struct state *st)
{
	struct probe_spec k = { .type = PROBE_KERNEL };
	struct libc_syms ls = { 0 };
	char *libc;

	if (session__has_kprobes()) {
		/* 4.17+ x86-64 wraps syscalls as __x64_sys_*(struct pt_regs *): si at 104, dx at 96, di at 112 */
		if (kernel_has_symbol("__x64_sys_execve")) {
			k.func = "__x64_sys_execve";
			k.label = "execve";
			if (add_entry_probe(st, 0, &k, "+112(%di)", "+104(%di)", "u"))
				return EXIT_RUNTIME;
			k.func = "__x64_sys_execveat";
			k.label = "execveat";
			if (kernel_has_symbol(k.func) && add_entry_probe(st, 1, &k, "+104(%di)", "+96(%di)", "u"))
				return EXIT_RUNTIME;
			st->strategy = "kprobes on __x64_sys_execve/__x64_sys_execveat (every caller)";
			return 0;
		}
		if (kernel_has_symbol("sys_execve")) {
			k.func = "sys_execve";
			k.label = "execve";
			if (add_entry_probe(st, 0, &k, "%di", "%si", "u"))
				return EXIT_RUNTIME;
			k.func = "sys_execveat";
			k.label = "execveat";
			if (kernel_has_symbol(k.func) && add_entry_probe(st, 1, &k, "%si", "%dx", "u"))
				return EXIT_RUNTIME;
			st->strategy = "kprobes on sys_execve/sys_execveat (every caller)";
			return 0;
		}
	}
	if (!tfs_has_file("uprobe_events"))
		return 0;
	libc = libpath_resolve("c", 0);
	if (!libc || elfsym_foreach_func(libc, find_exec_funcs, &ls) || !ls.execve) {
		free(libc);
		return 0;
	}
	{
		struct probe_spec u = { .type = PROBE_USER, .path = libc, .offset = ls.execve, .label = "execve" };

		/* x86-64 SysV: execve(di = path, si = argv), execveat(di = dirfd, si = path, dx = argv) */
		if (add_entry_probe(st, 0, &u, "%di", "%si", "")) {
			free(libc);
			return EXIT_RUNTIME;
		}
		u.offset = ls.execveat;
		u.label = "execveat";
		if (ls.execveat && add_entry_probe(st, 1, &u, "%si", "%dx", "")) {
			free(libc);
			return EXIT_RUNTIME;
		}
	}
	free(libc);
	st->strategy = "uprobes on the C library's execve/execveat (callers through libc)";
	return 0;
}

static struct evsel *add_tp(struct state *st, const char *sys, const char *name, sample_fn fn,
			    const char *filter)
{
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = fn, .arg = st, .filter = filter };

	if (fn == on_exec) {
		/* the user stack pointer and stack of the new program (x86-64 register set) */
		cfg.sample_type = PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		cfg.regs_user = 1ull << PERF_REG_X86_SP;
		cfg.stack_user = STACK_BYTES;
	}
	return session__add_tracepoint(st->s, sys, name, &cfg);
}

static int need_field(struct field *f, struct evsel *ev, const char *name)
{
	if (!field__find(f, evsel__tep(ev), name))
		return 0;
	err_msg("%s has no field '%s' on this kernel", evsel__name(ev), name);
	return -ENOENT;
}

static int setup(struct state *st)
{
	struct evsel *ev;

	order__init(&st->q, sizeof(struct rec), MAX_HELD);
	if (agg_init(&st->parents, MAX_TRACKED) || agg_init(&st->pcomms, MAX_TRACKED) ||
	    agg_init(&st->comms, MAX_TRACKED) ||
	    agg_init(&st->renames, MAX_TRACKED) || agg_init(&st->entries, MAX_TRACKED)) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	session__set_buffer_pages(st->s, RING_PAGES);
	ev = add_tp(st, "sched", "sched_process_exec", on_exec, NULL);
	if (!ev || need_field(&st->f_exec_file, ev, "filename") || need_field(&st->f_exec_pid, ev, "pid") ||
	    need_field(&st->f_exec_old, ev, "old_pid"))
		return EXIT_RUNTIME;
	ev = add_tp(st, "sched", "sched_process_fork", on_fork, NULL);
	if (!ev || need_field(&st->f_fork_pcomm, ev, "parent_comm") ||
	    need_field(&st->f_fork_ccomm, ev, "child_comm") || need_field(&st->f_fork_child, ev, "child_pid"))
		return EXIT_RUNTIME;
	/* exec names the task through __set_task_comm, which traces task_rename (3.x+) */
	if (tfs_event_exists("task", "task_rename")) {
		ev = add_tp(st, "task", "task_rename", on_rename, NULL);
		if (!ev || need_field(&st->f_ren_comm, ev, "newcomm"))
			return EXIT_RUNTIME;
	}
	if (st->c->fails) {
		static const char *const exits[] = { "sys_exit_execve", "sys_exit_execveat" };

		if (!tfs_event_exists("syscalls", "sys_exit_execve")) {
			err_msg("-x needs the syscall tracepoints (CONFIG_FTRACE_SYSCALLS), which this kernel lacks");
			return EXIT_RUNTIME;
		}
		for (unsigned i = 0; i < 2; i++) {
			if (!tfs_event_exists("syscalls", exits[i]))
				continue;
			ev = add_tp(st, "syscalls", exits[i], on_fail, "ret < 0");
			if (!ev || need_field(&st->f_exit_ret, ev, "ret"))
				return EXIT_RUNTIME;
		}
	}
	return add_entry_probes(st);
}

static int check_conf(struct state *st)
{
	const struct conf *c = st->c;
	long v;

	if (c->cgroupmap || c->mntnsmap) {
		err_msg("--cgroupmap and --mntnsmap filter through BPF maps, which rawtrace does not use; "
			"filter with -P or -u instead");
		return EXIT_USAGE;
	}
	st->uid_filter = -1;
	if (c->user) {
		struct passwd *pw;

		if (!opts_parse_long(c->user, &v) && v >= 0 && v <= 4294967294L) {
			st->uid_filter = v;
		} else if ((pw = getpwnam(c->user))) {
			st->uid_filter = (long)pw->pw_uid;
		} else {
			err_msg("invalid user '%s': not a uid or a user name", c->user);
			return EXIT_USAGE;
		}
	}
	if (c->name) {
		if (regcomp(&st->name_re, c->name, REG_EXTENDED | REG_NOSUB)) {
			err_msg("-n: invalid regular expression '%s'", c->name);
			return EXIT_USAGE;
		}
		st->has_name_re = true;
	}
	if (c->line) {
		if (regcomp(&st->line_re, c->line, REG_EXTENDED | REG_NOSUB)) {
			err_msg("-l: invalid regular expression '%s'", c->line);
			return EXIT_USAGE;
		}
		st->has_line_re = true;
	}
	return 0;
}

static void print_header(const struct state *st)
{
	const struct conf *c = st->c;

	if (c->time)
		fprintf(st->out, "%-9s", "TIME");
	if (c->timestamp)
		fprintf(st->out, "%-8s", "TIME(s)");
	if (c->print_uid)
		fprintf(st->out, "%-6s", "UID");
	fprintf(st->out, "%-16s %-7s ", "COMM", "PID");
	if (c->print_pcomm)
		fprintf(st->out, "%-16s ", "PCOMM");
	fprintf(st->out, "%-7s ", "PPID");
	if (c->print_cpu)
		fprintf(st->out, "%-4s ", "CPU");
	fprintf(st->out, "%3s %s\n", "RET", "ARGS");
}

static void drop_rec(void *item)
{
	words_free(((struct rec *)item)->w);
}

static void free_state(struct state *st)
{
	struct agg_entry *e = NULL;
	long n = agg_sorted(&st->entries, NULL, &e);

	for (long i = 0; i < n; i++)
		words_free((struct words *)(uintptr_t)e[i].v[0]);
	free(e);
	order__fini(&st->q, drop_rec);
	agg_free(&st->parents);
	agg_free(&st->pcomms);
	agg_free(&st->comms);
	agg_free(&st->renames);
	agg_free(&st->entries);
	if (st->has_name_re)
		regfree(&st->name_re);
	if (st->has_line_re)
		regfree(&st->line_re);
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	const struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct target tgt = { .cpu = -1 };
	struct loop_cfg lc = { .interval = TICK_S, .on_tick = on_tick, .arg = &st };
	enum loop_end why;
	int ret;

	ret = check_conf(&st);
	if (ret)
		goto out;
	loop_block_signals();
	st.s = session__new("execsnoop");
	if (!st.s) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	session__set_target(st.s, &tgt);
	ret = setup(&st);
	if (!ret)
		ret = session__start(st.s);
	if (ret)
		goto out;
	if (c->verbose) {
		fprintf(stderr, "execsnoop: successful execs: argv from the new program's stack at "
			"sched:sched_process_exec (exact)\n");
		fprintf(stderr, "execsnoop: entry probes: %s\n",
			st.strategy ? st.strategy : "none (failed execs show ARGS as [?])");
	}
	st.start_ns = mono_ns();
	print_header(&st);
	if (out_flush(ctx->out))
		goto out;
	why = session__loop(st.s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	/* the rings are drained: what happened before the signal is printed, nothing else */
	order__release(&st.q, UINT64_MAX, process_rec, &st);
out:
	out_flush(ctx->out);
	session__delete(st.s);
	free_state(&st);
	return ret;
}

const struct tool_desc tool_execsnoop = {
	.name = "execsnoop",
	.summary = "Trace new processes via exec() syscalls.",
	.args = "",
	.max_args = 0,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.examples = "    rawtrace execsnoop                # trace all exec() syscalls\n"
		    "    rawtrace execsnoop -x             # include failed exec()s\n"
		    "    rawtrace execsnoop -T             # include time (HH:MM:SS)\n"
		    "    rawtrace execsnoop -P 181         # only trace new processes whose parent PID is 181\n"
		    "    rawtrace execsnoop -U             # include UID\n"
		    "    rawtrace execsnoop -u 1000        # only trace UID 1000\n"
		    "    rawtrace execsnoop -u user        # get user UID and trace only them\n"
		    "    rawtrace execsnoop -t             # include timestamps\n"
		    "    rawtrace execsnoop -q             # add \"quotemarks\" around arguments\n"
		    "    rawtrace execsnoop -n main        # only print command lines containing \"main\"\n"
		    "    rawtrace execsnoop -l tpkg        # only print command where arguments contains \"tpkg\"\n"
		    "    rawtrace execsnoop -C             # include CPU\n"
		    "    rawtrace execsnoop -M             # include parent command name\n"
		    "    rawtrace execsnoop --max-args 32  # display at most 32 arguments\n",
	.run = run,
};
