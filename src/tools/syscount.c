// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * syscount: count system calls by syscall or by process, like BCC's syscount.
 *
 * Plain counting (the default, also -x, -e, --syscall, -p, -t) opens one in-kernel counter
 * per syscalls:sys_exit_* tracepoint: no record is copied per syscall.  Only -L (latency),
 * -P (per process) and -c (parent filter) need per-event data; they stream
 * raw_syscalls:sys_exit (and sys_enter for -L) with the failure filters applied in the kernel.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/agg.h"
#include "core/err.h"
#include "core/field.h"
#include "core/out.h"
#include "core/session.h"
#include "core/syscalls.h"
#include "core/tfs.h"
#include "parsers/procfs.h"
#include "tool.h"

#define MAX_KEYS 65536   /* distinct processes (-P) kept per interval */
#define MAX_INFLIGHT 65536 /* threads inside a syscall (-L pairing) */
/*
 * Streaming modes see every syscall: 4 MiB per CPU absorbs ~40,000 syscalls of a starved
 * reader (64 pages lost records at 1M syscalls/s on a busy 2-CPU machine).
 */
#define STREAM_RING_PAGES 1024

struct conf {
	long pid, tid, ppid, top, interval, duration;
	bool failures, latency, ms, per_process, list;
	const char *errno_arg, *syscall;
};

static const struct opt opts[] = {
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID", "trace only this pid", 1, 4194304 },
	{ 't', "tid", OPT_INT, offsetof(struct conf, tid), "TID", "trace only this tid", 1, 4194304 },
	{ 'c', "ppid", OPT_INT, offsetof(struct conf, ppid), "PPID", "trace only children of this pid", 1, 4194304 },
	{ 'i', "interval", OPT_INT, offsetof(struct conf, interval), "INTERVAL", "print summary at this interval (seconds)", 1, 99999999 },
	{ 'd', "duration", OPT_INT, offsetof(struct conf, duration), "DURATION", "total duration of trace, in seconds", 1, 99999999 },
	{ 'T', "top", OPT_INT, offsetof(struct conf, top), "TOP", "print only the top syscalls by count or latency", 1, 1000000 },
	{ 'x', "failures", OPT_FLAG, offsetof(struct conf, failures), NULL, "trace only failed syscalls (return < 0)" },
	{ 'e', "errno", OPT_STR, offsetof(struct conf, errno_arg), "ERRNO", "trace only syscalls that return this error (numeric or EPERM, etc.)" },
	{ 'L', "latency", OPT_FLAG, offsetof(struct conf, latency), NULL, "collect syscall latency" },
	{ 'm', "milliseconds", OPT_FLAG, offsetof(struct conf, ms), NULL, "display latency in milliseconds (default: microseconds)" },
	{ 'P', "process", OPT_FLAG, offsetof(struct conf, per_process), NULL, "count by process and not by syscall" },
	{ 'l', "list", OPT_FLAG, offsetof(struct conf, list), NULL, "print list of recognized syscalls and exit" },
	{ 0, "syscall", OPT_STR, offsetof(struct conf, syscall), "SYSCALL", "trace this syscall only (use with -l to get all recognized syscalls)" },
	OPT_END
};

static void conf_init(void *p)
{
	struct conf *c = p;

	c->top = 10;
}

/* One row of output: a syscall number or a pid, with its count and total latency. */
struct row {
	uint64_t key, count, ns;
	const char *name; /* counting mode: the tracepoint's syscall name */
};

struct state {
	struct conf *c;
	FILE *out;
	struct session *s;
	int err_filter;             /* -e value, 0 if none */
	long only_nr;               /* --syscall number, -1 if none */
	/* counting mode */
	struct evsel **evs;
	const char **ev_names;
	unsigned nevs;
	/* streaming mode */
	struct field f_enter_id, f_exit_id, f_exit_ret, f_child_pid;
	struct agg totals;          /* nr or pid -> count, ns */
	struct agg inflight;        /* tid -> enter time */
	struct agg parents;         /* pid -> ppid + 1 (cache for -c) */
	struct agg comms;           /* pid -> comm (16 bytes in v[0..1]) seen at first event */
};

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list_syscalls(FILE *out)
{
	const char **names = malloc((size_t)syscall_count() * sizeof(*names));
	long n = 0;

	if (!names)
		return;
	for (long i = 0; i < syscall_count(); i++)
		if (syscall_name(i))
			names[n++] = syscall_name(i);
	if (n > 0)
		qsort(names, (size_t)n, sizeof(*names), cmp_strp);
	/* BCC: sorted names, four per line, each padded to 22 and joined by three spaces. */
	for (long i = 0; i < n; i += 4) {
		for (long j = i; j < i + 4 && j < n; j++)
			fprintf(out, "%s%-22s", j > i ? "   " : "", names[j]);
		fputc('\n', out);
	}
	free(names);
}

static const char *kernel_filter(const struct state *st)
{
	static char buf[64];

	if (st->err_filter) {
		snprintf(buf, sizeof(buf), "ret == %d", -st->err_filter);
		return buf;
	}
	return st->c->failures ? "ret < 0" : NULL;
}

static int setup_counting(struct state *st)
{
	struct ev_cfg cfg = { .mode = EV_COUNT, .filter = kernel_filter(st) };
	char **events = NULL;
	int ret = tfs_events("syscalls", &events);

	if (ret) {
		if (ret == -ENOENT)
			err_msg("this kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS is not set)");
		else
			err_file(-ret, "tracefs events/syscalls");
		return EXIT_RUNTIME;
	}
	for (char **e = events; *e; e++)
		st->nevs++;
	st->evs = calloc(st->nevs, sizeof(*st->evs));
	st->ev_names = calloc(st->nevs, sizeof(*st->ev_names));
	st->nevs = 0;
	if (!st->evs || !st->ev_names) {
		tfs_list_free(events);
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	for (char **e = events; *e && !ret; e++) {
		const char *sc = *e + strlen("sys_exit_");
		long nr;

		if (strncmp(*e, "sys_exit_", 9))
			continue;
		nr = syscall_nr_from_event(sc);
		if (st->only_nr >= 0 && nr != st->only_nr)
			continue;
		st->evs[st->nevs] = session__add_tracepoint(st->s, "syscalls", *e, &cfg);
		if (!st->evs[st->nevs]) {
			ret = EXIT_USAGE;
			break;
		}
		st->ev_names[st->nevs++] = nr >= 0 ? syscall_name(nr) : strdup(sc);
	}
	tfs_list_free(events);
	if (!ret && !st->nevs) {
		err_msg("syscall '%s' has no tracepoint in this kernel", st->c->syscall);
		ret = EXIT_RUNTIME;
	}
	return ret;
}

/*
 * -c: children forked while we trace are known from sched_process_fork (exact, even when
 * they exit before we read their records); older ones from /proc/PID/stat.  An answer is
 * cached only when it came from one of those, never for a process already gone.
 */
static bool wanted_parent(struct state *st, uint32_t pid)
{
	uint64_t *v = agg_find(&st->parents, pid);
	char path[64], line[1024], comm[64];
	pid_t ppid = -1;
	FILE *f;

	if (v)
		return v[0] - 1 == (uint64_t)st->c->ppid;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f) || procfs_parse_stat(line, comm, sizeof(comm), &ppid))
		ppid = -1;
	fclose(f);
	v = ppid >= 0 ? agg_get(&st->parents, pid) : NULL;
	if (v)
		v[0] = (uint64_t)ppid + 1;
	return ppid == st->c->ppid;
}

static void on_fork(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	int64_t child = field__s64(&st->f_child_pid, smp->raw, smp->raw_size);
	uint64_t *v = agg_get(&st->parents, (uint64_t)child);

	if (v)
		v[0] = (uint64_t)st->c->ppid + 1;
}

/*
 * The process's name when its first call is handled (the session follows names exactly):
 * at print time it may have exited, which BCC then shows as [unknown].
 */
static void remember_comm(struct state *st, uint32_t pid)
{
	char comm[16];
	uint64_t *v;

	if (agg_find(&st->comms, pid) || !strcmp(session__comm(st->s, pid, pid, 0, comm), "[unknown]"))
		return;
	v = agg_get(&st->comms, pid);
	if (v)
		memcpy(v, comm, sizeof(comm));
}

static void on_sys_enter(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	uint64_t *v;

	v = agg_get(&st->inflight, smp->tid);
	if (v)
		v[0] = smp->time;
}

static void on_sys_exit(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct state *st = arg;
	int64_t nr = field__s64(&st->f_exit_id, smp->raw, smp->raw_size);
	uint64_t key = st->c->per_process ? smp->pid : (uint64_t)nr, *v, ns = 0;

	if (st->c->ppid && !wanted_parent(st, smp->pid))
		return;
	if (st->c->latency) {
		uint64_t *t = agg_find(&st->inflight, smp->tid);

		if (!t)
			return; /* entered before we started */
		ns = smp->time - t[0];
		agg_remove(&st->inflight, smp->tid);
	}
	v = agg_get(&st->totals, key);
	if (!v)
		return;
	if (st->c->per_process && !v[0])
		remember_comm(st, smp->pid);
	v[0]++;
	v[1] += ns;
}

static int setup_streaming(struct state *st)
{
	char filter[128] = "";
	const char *kf = kernel_filter(st);
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_sys_exit, .arg = st };
	struct evsel *exit_ev, *enter_ev;

	if (agg_init(&st->totals, MAX_KEYS) || agg_init(&st->inflight, MAX_INFLIGHT) ||
	    agg_init(&st->parents, MAX_KEYS) || agg_init(&st->comms, MAX_KEYS)) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	if (st->only_nr >= 0)
		snprintf(filter, sizeof(filter), "id == %ld%s%s", st->only_nr, kf ? " && " : "", kf ? kf : "");
	else if (kf)
		snprintf(filter, sizeof(filter), "%s", kf);
	cfg.filter = filter[0] ? filter : NULL;
	session__set_buffer_pages(st->s, STREAM_RING_PAGES);
	/* A fork, or a syscall's entry, can be in another CPU's ring than what follows it. */
	session__set_ordered(st->s, st->c->ppid || st->c->latency);
	if (st->c->per_process && session__track_tasks(st->s))
		return EXIT_RUNTIME;
	exit_ev = session__add_tracepoint(st->s, "raw_syscalls", "sys_exit", &cfg);
	if (!exit_ev)
		return EXIT_RUNTIME;
	if (field__find(&st->f_exit_id, evsel__tep(exit_ev), "id") ||
	    field__find(&st->f_exit_ret, evsel__tep(exit_ev), "ret")) {
		err_msg("raw_syscalls:sys_exit has no id/ret fields on this kernel");
		return EXIT_RUNTIME;
	}
	if (st->c->ppid) {
		struct ev_cfg fork_cfg = { .mode = EV_SAMPLE, .filter = filter, .on_sample = on_fork, .arg = st };
		struct evsel *fork_ev;

		snprintf(filter, sizeof(filter), "parent_pid == %ld", st->c->ppid);
		fork_ev = session__add_tracepoint(st->s, "sched", "sched_process_fork", &fork_cfg);
		if (!fork_ev || field__find(&st->f_child_pid, evsel__tep(fork_ev), "child_pid")) {
			if (fork_ev)
				err_msg("sched:sched_process_fork has no child_pid field on this kernel");
			return EXIT_RUNTIME;
		}
	}
	if (!st->c->latency)
		return 0;
	if (st->only_nr >= 0)
		snprintf(filter, sizeof(filter), "id == %ld", st->only_nr);
	cfg.filter = st->only_nr >= 0 ? filter : NULL;
	cfg.on_sample = on_sys_enter;
	enter_ev = session__add_tracepoint(st->s, "raw_syscalls", "sys_enter", &cfg);
	if (!enter_ev)
		return EXIT_RUNTIME;
	return 0;
}

static void key_str(const struct state *st, uint64_t key, char *buf, size_t len)
{
	char path[64], comm[64] = "[unknown]";
	uint64_t *seen;
	FILE *f;

	if (!st->c->per_process) {
		const char *n = syscall_name((long)key);

		if (n)
			snprintf(buf, len, "%s", n);
		else
			snprintf(buf, len, "[unknown: %llu]", (unsigned long long)key);
		return;
	}
	seen = agg_find(&st->comms, key);
	if (seen && *(const char *)seen) {
		snprintf(buf, len, "%-6llu %-15.15s", (unsigned long long)key, (const char *)seen);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%llu/comm", (unsigned long long)key);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			snprintf(comm, sizeof(comm), "[unknown]");
		comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(buf, len, "%-6llu %-15s", (unsigned long long)key, comm);
}

static int by_count_desc(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int by_time_desc(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return by_count_desc(a, b);
}

/* Rows of this interval, from counters or from the streaming map. */
static long collect(struct state *st, struct row **out)
{
	struct agg_entry *e = NULL;
	struct row *rows;
	long n = 0, m;

	if (st->evs) {
		session__read_counts(st->s);
		rows = calloc(st->nevs ? st->nevs : 1, sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		for (unsigned i = 0; i < st->nevs; i++) {
			uint64_t c = evsel__count(st->evs[i]);

			if (c)
				rows[n++] = (struct row){ .key = i, .count = c, .name = st->ev_names[i] };
		}
		session__reset_counts(st->s);
		*out = rows;
		return n;
	}
	m = agg_sorted(&st->totals, NULL, &e);
	if (m < 0)
		return m;
	rows = calloc(m ? (size_t)m : 1, sizeof(*rows));
	if (!rows) {
		free(e);
		return -ENOMEM;
	}
	for (long i = 0; i < m; i++)
		rows[n++] = (struct row){ .key = e[i].key, .count = e[i].v[0], .ns = e[i].v[1] };
	free(e);
	agg_clear(&st->totals);
	*out = rows;
	return n;
}

static int print_stats(void *arg)
{
	struct state *st = arg;
	const struct conf *c = st->c;
	struct row *rows = NULL;
	char hms[16], key[64];
	long n = collect(st, &rows);

	if (n < 0) {
		err_msg("out of memory");
		return 1;
	}
	if (n > 0)
		qsort(rows, (size_t)n, sizeof(*rows), c->latency ? by_time_desc : by_count_desc);
	fprintf(st->out, "[%s]\n", out_hms(hms, time(NULL)));
	if (c->latency)
		fprintf(st->out, "%-22s %8s %16s\n", c->per_process ? "PID    COMM" : "SYSCALL", "COUNT",
			c->ms ? "TIME (ms)" : "TIME (us)");
	else
		fprintf(st->out, "%-22s %8s\n", c->per_process ? "PID    COMM" : "SYSCALL", "COUNT");
	for (long i = 0; i < n && i < c->top; i++) {
		if (rows[i].name)
			snprintf(key, sizeof(key), "%s", rows[i].name);
		else
			key_str(st, rows[i].key, key, sizeof(key));
		if (!c->latency)
			fprintf(st->out, "%-22s %8llu\n", key, (unsigned long long)rows[i].count);
		else if (c->ms)
			fprintf(st->out, "%-22s %8llu %16.6f\n", key, (unsigned long long)rows[i].count,
				rows[i].ns / 1e6);
		else
			fprintf(st->out, "%-22s %8llu %16.3f\n", key, (unsigned long long)rows[i].count,
				rows[i].ns / 1e3);
	}
	fputc('\n', st->out);
	free(rows);
	return out_flush(st->out) || out_broken(st->out);
}

static int check_conf(struct state *st)
{
	const struct conf *c = st->c;

	if (c->pid && c->tid) {
		err_msg("only one of -p and -t may be specified");
		return EXIT_USAGE;
	}
	if (c->errno_arg) {
		st->err_filter = errno_parse(c->errno_arg);
		if (st->err_filter <= 0) {
			err_msg("couldn't map %s to an errno", c->errno_arg);
			return EXIT_USAGE;
		}
	}
	st->only_nr = -1;
	if (c->syscall) {
		st->only_nr = syscall_nr(c->syscall);
		if (st->only_nr < 0) {
			err_msg("syscall '%s' not found; 'rawtrace syscount -l' lists them", c->syscall);
			return EXIT_USAGE;
		}
	}
	return 0;
}

static void free_state(struct state *st)
{
	/* names of unmapped tracepoints were strdup'd; mapped ones are static */
	for (unsigned i = 0; st->ev_names && i < st->nevs; i++) {
		const char *n = st->ev_names[i];

		if (syscall_nr(n) < 0)
			free((char *)n);
	}
	free(st->evs);
	free(st->ev_names);
	agg_free(&st->totals);
	agg_free(&st->inflight);
	agg_free(&st->parents);
	agg_free(&st->comms);
}

static int run(struct tool_ctx *ctx, void *p, int argc, char **argv)
{
	struct conf *c = p;
	struct state st = { .c = c, .out = ctx->out };
	struct target tgt = { .pid = (pid_t)c->pid, .tid = (pid_t)c->tid, .cpu = -1 };
	struct loop_cfg lc = { .on_tick = print_stats, .arg = &st };
	enum loop_end why;
	int ret;

	if (c->list) {
		list_syscalls(ctx->out);
		return EXIT_OK;
	}
	ret = check_conf(&st);
	if (ret)
		return ret;
	loop_block_signals();
	st.s = session__new("syscount");
	if (!st.s)
		return EXIT_RUNTIME;
	session__set_target(st.s, &tgt);
	if (c->latency || c->per_process || c->ppid)
		ret = setup_streaming(&st);
	else
		ret = setup_counting(&st);
	if (!ret)
		ret = session__start(st.s);
	if (ret)
		goto out;
	if (c->syscall)
		fprintf(ctx->out, "Tracing %ssyscall '%s'... Ctrl+C to quit.\n", c->failures ? "failed " : "",
			c->syscall);
	else
		fprintf(ctx->out, "Tracing %ssyscalls, printing top %ld... Ctrl+C to quit.\n",
			c->failures ? "failed " : "", c->top);
	if (out_flush(ctx->out))
		goto out;
	loop_cfg_intervals(&lc, (double)c->interval, (double)c->duration);
	why = session__loop(st.s, &lc);
	if (why == LOOP_ERROR) {
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (why == LOOP_SIGNAL)
		print_stats(&st);
	if (why != LOOP_STOPPED || !ferror(ctx->out))
		fprintf(ctx->out, "Detaching...\n");
out:
	out_flush(ctx->out);
	session__delete(st.s);
	free_state(&st);
	return ret;
}

const struct tool_desc tool_syscount = {
	.name = "syscount",
	.summary = "Summarize syscall counts and latencies.",
	.args = "",
	.max_args = 0,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.conf_init = conf_init,
	.examples = "    rawtrace syscount                 # count syscalls, top 10, until Ctrl-C\n"
		    "    rawtrace syscount -d 5            # one summary after 5 seconds\n"
		    "    rawtrace syscount -p 185          # only syscalls of process 185\n"
		    "    rawtrace syscount -i 1            # print a summary every second\n"
		    "    rawtrace syscount -x              # only failed syscalls\n"
		    "    rawtrace syscount -e ENOENT       # only syscalls that failed with ENOENT\n"
		    "    rawtrace syscount -L              # also the time spent in each syscall\n"
		    "    rawtrace syscount -P              # count by process, not by syscall\n"
		    "    rawtrace syscount --syscall read  # only the read syscall\n"
		    "    rawtrace syscount -l              # list the syscall names\n",
	.run = run,
};
