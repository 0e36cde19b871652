/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session internals shared by session.c (object ownership) and loop.c (reading rings):
 * not for tools.
 */
#ifndef RT_SESSION_PRIV_H
#define RT_SESSION_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include "core/agg.h"
#include "core/order.h"
#include "core/ring.h"
#include "core/session.h"

struct tracefs_dynevent;

struct evfd {
	int fd;
	int cpu;
	pid_t tid;
	uint64_t id;      /* PERF_EVENT_IOC_ID */
	uint64_t value;   /* last counter value read */
	int group;        /* index into session->groups, or -1 */
	unsigned slot;    /* position inside the group read */
};

enum evsel_kind {
	EVK_TRACEPOINT,   /* a static tracepoint */
	EVK_PROBE_PMU,    /* kprobe/uprobe through the perf PMU (fd-bound) */
	EVK_PROBE_TRACEFS, /* our tracefs dynamic event, opened as a tracepoint */
	EVK_TASKS         /* a dummy software event for COMM/FORK/EXIT records (tasks.c) */
};

struct evsel {
	struct session *s;
	enum evsel_kind kind;
	char *name;
	char *sys, *event;         /* tracepoint (also our tracefs uprobes) */
	struct tep_event *tep;
	uint64_t config;           /* tracepoint id, or PMU config */
	enum probe_type ptype;     /* probes */
	char *path;                /* uprobe file, or kprobe symbol */
	uint64_t offset;
	bool retprobe;
	int pmu_type;              /* EVK_PROBE_PMU: attr.type */
	struct ev_cfg cfg;
	char *filter;              /* owned copy of cfg.filter (plus self-exclusion) */
	uint64_t sample_type;
	struct evfd *fds;
	unsigned nfds;
	uint64_t base;             /* counter value at the last reset */
	bool count_records;        /* EV_COUNT done by counting records (see session.c) */
	uint64_t records;          /* ... and their number */
	uint64_t delivered;        /* its sample records read from the rings */
	struct tracefs_dynevent *dyn; /* our tracefs probe, destroyed after its fds close */
	void *priv;
};

struct rbuf {
	int fd;
	int cpu;
	void *base;
	size_t len;
	struct ring *ring;
	uint64_t last_time; /* of the last record read from it */
	uint64_t tasks_seen; /* ring position up to which task records went to task_fn */
};

/* A span of time in which one ring lost records (session__lost_between). */
struct loss_window {
	uint64_t from, to;
};
#define LOSS_WINDOWS 256

struct group {
	int leader_fd;
	unsigned n;
	struct evfd **members;
};

struct idmap {
	uint64_t id;
	struct evsel *ev;
};

struct session {
	char *tool;
	struct catalog *cat;
	struct target tgt;
	unsigned pages;
	bool exclude_self;
	bool started;
	bool no_format_lost;  /* the kernel (< 6.0) refused PERF_FORMAT_LOST */
	uint64_t *lost_cpu;   /* with PERF_FORMAT_LOST: samples lost by CPU (index as cpus) */
	bool stop;
	struct evsel **evs;
	unsigned nevs;
	struct rbuf *rbufs;
	unsigned nrbufs;
	struct group *groups;
	unsigned ngroups;
	struct idmap *ids;
	unsigned nids;
	uint64_t lost;
	struct rbuf *reading;  /* the ring being drained */
	struct loss_window lossw[LOSS_WINDOWS]; /* the latest, round robin */
	uint64_t nlossw;       /* windows ever seen */
	bool ordered;         /* samples go through `order` (session__set_ordered) */
	struct order order;   /* of struct held */
	uint64_t settled;     /* see session__settled() */
	struct evsel *tasks;  /* session__track_tasks(): its event, and */
	struct agg comms;     /* tid -> comm (16 bytes) in effect, from its records or /proc */
	task_fn task_fn;      /* session__watch_tasks() */
	void *task_arg;
	int *cpus;
	int ncpus;
};

/* The event an id (PERF_EVENT_IOC_ID) belongs to, or NULL. */
struct evsel *session__find_id(struct session *s, uint64_t id);

/*
 * Drain every ring once, dispatching records to their events (in ordered mode: those old
 * enough; `all` hands out every record held, for the end of the run).
 */
void session__drain(struct session *s, bool all);

/* An item of the session's order: a copy of one sample record of one event. */
struct held {
	struct evsel *ev;
	struct perf_event_header *rec; /* NULL when the copy could not be made */
};

/* Apply a COMM, FORK or EXIT record of the tasks event to the comm table (tasks.c). */
void session__task_record(struct session *s, const struct perf_event_header *h);

/* Name every task that exists now (or the target's), from /proc (tasks.c). */
void session__snapshot_comms(struct session *s);

/* When a record of ours was written (a sample's TIME, else its sample_id trailer's); 0 if too short. */
uint64_t session__record_time(const struct perf_event_header *h);

/* Free a held copy (order__fini's drop). */
void session__drop_held(void *item);

/* Book a record read from a ring (delivered samples, LOST); returns its event or NULL. */
struct evsel *session__account(struct session *s, const struct perf_event_header *h);

/*
 * With every event disabled: read what is left in the rings without dispatching it, and
 * return how many events the kernel counted but neither wrote nor reported as lost.
 */
uint64_t session__undelivered(struct session *s);

#endif
