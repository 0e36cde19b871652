/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session: owns every kernel object a tool run creates (perf fds, rings, dynamic probes)
 * and removes them on every exit path.  A tool adds logical events (a tracepoint, a uprobe),
 * sets a target (all CPUs, one process with all its threads, one thread), starts, runs the
 * loop and reads counters or receives samples through callbacks.
 *
 * Counting mode uses in-kernel counters (no record per event).  Sampling mode opens one
 * event per (event, CPU[, thread]) and redirects all events of a CPU into one mmap ring
 * (PERF_EVENT_IOC_SET_OUTPUT); records are routed back to their event by
 * PERF_SAMPLE_IDENTIFIER.
 */
#ifndef RT_SESSION_H
#define RT_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/sample.h"

struct session;
struct evsel;
struct catalog;
struct tep_event;

struct target {
	pid_t pid;  /* > 0: this process, all its threads (also ones created later) */
	pid_t tid;  /* > 0: this thread only */
	int cpu;    /* >= 0: this CPU only; -1: all online CPUs */
};

enum ev_mode { EV_COUNT, EV_SAMPLE };

typedef void (*sample_fn)(void *arg, struct evsel *ev, const struct sample *s);

struct ev_cfg {
	enum ev_mode mode;
	const char *filter;     /* kernel filter (tracefs syntax) or NULL */
	uint64_t sample_type;   /* extra PERF_SAMPLE_* bits; IDENTIFIER|TID|TIME|CPU|RAW always */
	sample_fn on_sample;    /* EV_SAMPLE: called for each record of this event */
	void *arg;
	/*
	 * With PERF_SAMPLE_REGS_USER / PERF_SAMPLE_STACK_USER in sample_type: the user
	 * registers to record (attr.sample_regs_user, a PERF_REG_* bit mask) and how many
	 * bytes of user stack from the user stack pointer (a multiple of 8, below 64 KiB).
	 */
	uint64_t regs_user;
	uint32_t stack_user;
};

/*
 * Locate tracefs, set up the catalog, and remove dynamic probes left by rawtrace
 * processes that died (groups "rawtrace_<tool>_<pid>" whose pid is gone).  NULL after
 * printing why.
 */
struct session *session__new(const char *tool);
/* Disable and release everything, in reverse order of creation. NULL is a no-op. */
void session__delete(struct session *s);

struct catalog *session__catalog(struct session *s);
void session__set_target(struct session *s, const struct target *t);
/* Ring pages per CPU (power of two; default 64 as in BCC). */
void session__set_buffer_pages(struct session *s, unsigned pages);
/* Exclude our own process in sampling mode (default true; kernel filter on common_pid). */
void session__set_exclude_self(struct session *s, bool on);
/*
 * Hand samples to on_sample in time order across all CPUs (default: ring by ring, each in
 * order).  Tools that pair records of one thread or request need it; it delays each
 * record by one drain (at most ~0.1 s) and copies it once.
 */
void session__set_ordered(struct session *s, bool on);

/*
 * Follow the names of tasks exactly for session__comm(): the kernel's COMM records (exec,
 * prctl), FORK (a new task starts with its parent's name) and EXIT, delivered in time
 * order with the samples (this turns session__set_ordered on).  Call before
 * session__start(); EXIT_RUNTIME after saying why, else 0.
 */
int session__track_tasks(struct session *s);

/* A record of the tasks event: PERF_RECORD_COMM, FORK, EXIT or MMAP2. */
typedef void (*task_fn)(void *arg, const struct perf_event_header *h);

/*
 * Have the kernel also report executable mappings (MMAP2), and hand every COMM, FORK,
 * EXIT and MMAP2 record to fn as soon as it is read (not in time order: for state that
 * must be there before the samples that need it, such as mappings).  Before
 * session__start(); EXIT_RUNTIME after saying why, else 0.
 */
int session__watch_tasks(struct session *s, task_fn fn, void *arg);

/*
 * The name (comm, at most 15 bytes) of task tid of process pid at the time of the sample
 * being delivered: from the kernel's records for tasks that started or renamed themselves
 * while tracked, else /proc (read at start for the tasks that existed then), else
 * "[unknown]"; CPU cpu's idle task (tid 0) is "swapper/CPU".  buf holds 16 bytes.
 */
const char *session__comm(struct session *s, uint32_t pid, uint32_t tid, uint32_t cpu, char *buf);

/*
 * After a drain (so in on_tick, and after session__loop returns): every record stamped
 * before this time has been read from its ring; UINT64_MAX after the last drain.  Tools
 * that order their own decoded items (core/order.h) handle those stamped before it.
 */
uint64_t session__settled(const struct session *s);

/*
 * Add the tracepoint sys:name.  NULL after printing a message (unknown event, bad filter).
 * Nothing is opened until session__start().
 */
struct evsel *session__add_tracepoint(struct session *s, const char *sys, const char *name,
				      const struct ev_cfg *cfg);

enum probe_type { PROBE_USER, PROBE_KERNEL };

struct probe_spec {
	enum probe_type type;
	const char *path;      /* PROBE_USER: the ELF file */
	const char *func;      /* PROBE_KERNEL: the kernel symbol */
	uint64_t offset;       /* PROBE_USER: file offset; PROBE_KERNEL: offset into func */
	bool ret;              /* return probe */
	const char *fetchargs; /* NULL: no arguments; else tracefs fetch-args ("path=+0($arg2):ustring") */
	const char *label;     /* how output names it */
};

/*
 * Add a kprobe/kretprobe or uprobe/uretprobe.  Without fetch-args it is created through
 * the perf kprobe/uprobe PMU (fd-bound: the kernel removes it when the fd closes, even after
 * SIGKILL); with fetch-args, or on kernels without the PMU, as a tracefs dynamic event in
 * the group rawtrace_<tool>_<pid>, destroyed at teardown after its fds close and reaped by
 * the next run if we die.  NULL after printing a message (the kernel's error_log line for
 * a rejected definition).
 */
struct evsel *session__add_probe(struct session *s, const struct probe_spec *p, const struct ev_cfg *cfg);

/* Whether this kernel can create kernel-function probes (PMU or kprobe_events). */
bool session__has_kprobes(void);

/*
 * Open every event on the target, apply filters, map rings, enable.  0, or an exit status
 * (EXIT_RUNTIME / EXIT_USAGE) after printing a message; nothing stays open on failure
 * beyond what session__delete() releases.
 */
int session__start(struct session *s);

/* Counting mode: current total over all CPUs/threads (including inherited threads). */
uint64_t evsel__count(struct evsel *ev);
/* Read all counters of the session at once (one read per group); then evsel__count is cheap. */
int session__read_counts(struct session *s);
/* Set every counter back to zero (interval tools that reset). */
void session__reset_counts(struct session *s);

const char *evsel__name(const struct evsel *ev);     /* "sys:name" or the uprobe label */
struct tep_event *evsel__tep(const struct evsel *ev); /* NULL for PMU probes */
void *evsel__priv(const struct evsel *ev);
void evsel__set_priv(struct evsel *ev, void *priv);

/* Records the kernel dropped (PERF_RECORD_LOST) so far. */
uint64_t session__lost(const struct session *s);
/*
 * Whether a ring may have lost records stamped between from and to, as far as the
 * lost-record notices read so far tell (a tool pairing two records of one thread across
 * that span cannot vouch for the pair).
 */
bool session__lost_between(const struct session *s, uint64_t from, uint64_t to);

/* --- the event loop (loop.c) --- */

enum loop_end { LOOP_SIGNAL = 1, LOOP_DONE, LOOP_STOPPED, LOOP_ERROR };

struct loop_cfg {
	double interval;  /* seconds between on_tick calls; 0: none */
	double duration;  /* stop after this many seconds; 0: until a signal */
	long count;       /* stop after this many ticks; 0: unlimited */
	/* Called at each interval after draining the rings; returns nonzero to stop. */
	int (*on_tick)(void *arg);
	void *arg;
};

/*
 * Wait on the rings (watermark wake-ups plus a 100 ms flush), a signalfd (SIGINT, SIGTERM,
 * SIGHUP) and timers.  Returns why it ended.  Signals stay blocked afterwards, so a second
 * Ctrl-C during teardown is ignored, as in BCC.
 */
enum loop_end session__loop(struct session *s, const struct loop_cfg *cfg);

/*
 * BCC's interval-tool timing: a duration without an interval becomes the interval (one
 * summary at the end); with both, the run ends after ceil(duration / interval) summaries;
 * with neither, the only summary is printed at Ctrl-C.
 */
void loop_cfg_intervals(struct loop_cfg *cfg, double interval, double duration);

/* Ask the loop to end after the current record (e.g. -M reached).  */
void session__stop(struct session *s);

/* Block SIGINT/SIGTERM/SIGHUP now (before kernel objects exist) so none is lost. */
void loop_block_signals(void);

#endif
