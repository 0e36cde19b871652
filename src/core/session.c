// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * session: every kernel object a run creates is registered here before it takes effect
 * and released here on every exit path: perf fds, their rings, and tracefs dynamic probes
 * (destroyed only after their perf fds are closed, else the kernel answers EBUSY).  On
 * start-up, tracefs probe groups left by rawtrace processes that died are removed.
 *
 * Closing a tracepoint perf event waits for an RCU grace period under the kernel's
 * event_mutex (~26 ms each on 6.18; 720 syscall counters take 9.5 s, and closing them from
 * concurrent threads does not help because the mutex serialises them).  So teardown
 * disables everything at once, and when many tracepoints are open it hands the slow closes
 * to a detached child that has already let go of our stdio; the user gets the prompt back at
 * once and the disabled events cost nothing while they drain.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <tracefs.h>
#include <unistd.h>
#include "core/catalog.h"
#include "core/err.h"
#include "core/pevent.h"
#include "core/session_priv.h"
#include "core/tfs.h"

#define GROUP_MAX 256          /* keeps a group read under the kernel's 16 KiB limit */
#define SLOW_CLOSE_EVENTS 4    /* more tracepoints than this: close them in the background */
#define BASE_SAMPLE_TYPE (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
			  PERF_SAMPLE_CPU | PERF_SAMPLE_RAW)

static void reap_orphans(void);

struct session *session__new(const char *tool)
{
	struct session *s;
	struct rlimit rl;

	if (!tfs_dir())
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->tool = strdup(tool))) {
		free(s);
		err_msg("out of memory");
		return NULL;
	}
	s->cat = catalog__new();
	if (!s->cat) {
		err_msg("cannot load tracefs event formats: %s", strerror(errno));
		free(s->tool);
		free(s);
		return NULL;
	}
	s->tgt.cpu = -1;
	s->pages = 64;
	s->exclude_self = true;
	/* Past this many held back, order gives up on one burst rather than grow on. */
	order__init(&s->order, sizeof(struct held), 1u << 20);
	/* One fd per event and CPU adds up quickly (syscalls:* is 720 events). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	reap_orphans();
	return s;
}

struct catalog *session__catalog(struct session *s)
{
	return s->cat;
}

void session__set_target(struct session *s, const struct target *t)
{
	s->tgt = *t;
}

void session__set_buffer_pages(struct session *s, unsigned pages)
{
	s->pages = pages;
}

void session__set_exclude_self(struct session *s, bool on)
{
	s->exclude_self = on;
}

void session__set_ordered(struct session *s, bool on)
{
	s->ordered = on;
}


static struct evsel *evsel_new(struct session *s, enum evsel_kind kind, const char *name,
			       const struct ev_cfg *cfg)
{
	struct evsel *ev = calloc(1, sizeof(*ev));
	struct evsel **v = realloc(s->evs, (s->nevs + 1) * sizeof(*v));

	if (!ev || !v || !(ev->name = strdup(name))) {
		free(ev);
		if (v)
			s->evs = v;
		err_msg("out of memory");
		return NULL;
	}
	s->evs = v;
	ev->s = s;
	ev->kind = kind;
	ev->cfg = *cfg;
	if (cfg->filter && !(ev->filter = strdup(cfg->filter))) {
		err_msg("out of memory");
		return NULL;
	}
	ev->sample_type = BASE_SAMPLE_TYPE | cfg->sample_type;
	s->evs[s->nevs++] = ev;
	return ev;
}

static void evsel_free(struct evsel *ev)
{
	free(ev->name);
	free(ev->sys);
	free(ev->event);
	free(ev->path);
	free(ev->filter);
	free(ev->fds);
	free(ev);
}

/* Tasks come and go; a table this size is only full with that many alive at once. */
#define MAX_TASKS 65536

static int tasks_event(struct session *s)
{
	struct ev_cfg cfg = { .mode = EV_SAMPLE };

	if (s->tasks)
		return 0;
	if (agg_init(&s->comms, MAX_TASKS) || !(s->tasks = evsel_new(s, EVK_TASKS, "tasks", &cfg))) {
		err_msg("out of memory");
		return EXIT_RUNTIME;
	}
	/* its records end in this sample_id trailer (tasks.c reads the time from it) */
	s->tasks->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
	return 0;
}

int session__track_tasks(struct session *s)
{
	if (tasks_event(s))
		return EXIT_RUNTIME;
	s->ordered = true;
	return 0;
}

int session__watch_tasks(struct session *s, task_fn fn, void *arg)
{
	if (tasks_event(s))
		return EXIT_RUNTIME;
	s->task_fn = fn;
	s->task_arg = arg;
	return 0;
}

/*
 * Tracepoints declared with __perf_count() (the sched_stat_* family) add a value such as
 * runtime in ns to a perf counter instead of 1.  Counting their hits takes one record per
 * hit: with PERF_SAMPLE_PERIOD the kernel writes one sample carrying the value, not one
 * per unit.
 */
static bool adds_value_to_counters(const char *sys, const char *name)
{
	return !strcmp(sys, "sched") && !strncmp(name, "sched_stat_", 11);
}

struct evsel *session__add_tracepoint(struct session *s, const char *sys, const char *name,
				      const struct ev_cfg *cfg)
{
	char full[512];
	struct evsel *ev;
	int id;

	id = tfs_event_id(sys, name);
	if (id < 0) {
		if (id == -ENOENT)
			err_msg("unknown tracepoint %s:%s; 'rawtrace tplist' lists the tracepoints "
				"of this kernel", sys, name);
		else
			err_file(-id, "the tracepoint id in tracefs");
		errno = -id;
		return NULL;
	}
	snprintf(full, sizeof(full), "%s:%s", sys, name);
	ev = evsel_new(s, EVK_TRACEPOINT, full, cfg);
	if (!ev)
		return NULL;
	ev->config = (uint64_t)id;
	ev->sys = strdup(sys);
	ev->event = strdup(name);
	if (cfg->mode == EV_COUNT && adds_value_to_counters(sys, name)) {
		ev->count_records = true;
		ev->cfg.mode = EV_SAMPLE;
		/* TID, TIME and CPU too: every record of ours has the same sample_id trailer */
		ev->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
		return ev;
	}
	/* Decoding needs the format; pure counting does not (and 720 formats cost ~100 ms). */
	if (cfg->mode == EV_SAMPLE || cfg->filter) {
		ev->tep = catalog__event(s->cat, sys, name);
		if (!ev->tep) {
			err_msg("cannot parse the format of %s: %s", full, strerror(errno));
			return NULL;
		}
	}
	return ev;
}

static bool force_tracefs_probes(void)
{
	const char *e = getenv("RAWTRACE_FORCE_TRACEFS_PROBES");

	return e && *e == '1';
}

/* A probe name tracefs accepts: [A-Za-z0-9_], not starting with a digit. */
static void probe_event_name(char *buf, size_t len, const char *label, bool ret, unsigned idx)
{
	size_t n = (size_t)snprintf(buf, len, "%s", ret ? "r_" : "p_");

	for (const char *p = label; *p && n + 12 < len; p++)
		buf[n++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				  (*p >= '0' && *p <= '9') ? *p : '_');
	snprintf(buf + n, len - n, "_%u", idx);
}

static void group_name(char *buf, size_t len, const char *tool, pid_t pid)
{
	snprintf(buf, len, "rawtrace_%s_%d", tool, (int)pid);
}

static const char *probe_kind_name(const struct evsel *ev)
{
	if (ev->ptype == PROBE_KERNEL)
		return ev->retprobe ? "kretprobe" : "kprobe";
	return ev->retprobe ? "uretprobe" : "uprobe";
}

static struct tracefs_dynevent *alloc_dynevent(const struct evsel *ev, const char *grp,
					       const char *evname, const char *fetchargs)
{
	char addr[512];

	if (ev->ptype == PROBE_USER)
		return ev->retprobe ? tracefs_uretprobe_alloc(grp, evname, ev->path, ev->offset, fetchargs)
				    : tracefs_uprobe_alloc(grp, evname, ev->path, ev->offset, fetchargs);
	if (ev->offset)
		snprintf(addr, sizeof(addr), "%s+%llu", ev->path, (unsigned long long)ev->offset);
	else
		snprintf(addr, sizeof(addr), "%s", ev->path);
	return ev->retprobe ? tracefs_kretprobe_alloc(grp, evname, addr, fetchargs, 0)
			    : tracefs_kprobe_alloc(grp, evname, addr, fetchargs);
}

/* A tracefs dynamic event in our group, then opened like a tracepoint. */
static int add_tracefs_probe(struct session *s, struct evsel *ev, const char *fetchargs)
{
	char grp[128], evname[128], err_kernel[512] = "";
	const char *file = ev->ptype == PROBE_USER ? "uprobe_events" : "kprobe_events";
	struct tracefs_dynevent *d;
	int id, e;

	if (!tfs_has_file(file)) {
		err_msg(ev->ptype == PROBE_USER ? "this kernel has no uprobes (CONFIG_UPROBE_EVENTS); cannot probe %s"
						: "this kernel has no kprobes (CONFIG_KPROBES); cannot probe %s",
			ev->name);
		return -EOPNOTSUPP;
	}
	group_name(grp, sizeof(grp), s->tool, getpid());
	probe_event_name(evname, sizeof(evname), ev->name, ev->retprobe, s->nevs);
	d = alloc_dynevent(ev, grp, evname, fetchargs);
	if (!d) {
		err_msg("out of memory");
		return -ENOMEM;
	}
	tracefs_error_clear(NULL);
	if (tracefs_dynevent_create(d)) {
		char *kmsg;

		e = errno ? errno : EINVAL;
		kmsg = tracefs_error_last(NULL);
		if (kmsg)
			snprintf(err_kernel, sizeof(err_kernel), " (kernel: %s)", kmsg);
		free(kmsg);
		tracefs_dynevent_free(d);
		err_msg("cannot create a %s on %s%s%s: %s%s", probe_kind_name(ev), ev->name,
			fetchargs ? " with " : "", fetchargs ? fetchargs : "", strerror(e), err_kernel);
		return -e;
	}
	ev->dyn = d; /* registered before use: teardown destroys it */
	ev->sys = strdup(grp);
	ev->event = strdup(evname);
	id = tfs_event_id(grp, evname);
	if (id < 0) {
		err_msg("%s %s/%s was created but has no id: %s", probe_kind_name(ev), grp, evname,
			strerror(-id));
		return id;
	}
	ev->config = (uint64_t)id;
	if (fetchargs || ev->cfg.mode == EV_SAMPLE) {
		ev->tep = catalog__event(s->cat, grp, evname);
		if (!ev->tep) {
			err_msg("cannot parse the format of %s/%s: %s", grp, evname, strerror(errno));
			return -EINVAL;
		}
	}
	return 0;
}

bool session__has_kprobes(void)
{
	return pevent_pmu_type("kprobe") >= 0 || tfs_has_file("kprobe_events");
}

struct evsel *session__add_probe(struct session *s, const struct probe_spec *p, const struct ev_cfg *cfg)
{
	const char *pmu = p->type == PROBE_USER ? "uprobe" : "kprobe";
	struct evsel *ev = evsel_new(s, EVK_PROBE_PMU, p->label, cfg);
	int bit;

	if (!ev)
		return NULL;
	ev->ptype = p->type;
	ev->path = strdup(p->type == PROBE_USER ? p->path : p->func);
	ev->offset = p->offset;
	ev->retprobe = p->ret;
	if (!ev->path) {
		err_msg("out of memory");
		return NULL;
	}
	ev->pmu_type = pevent_pmu_type(pmu);
	/* Fetch-args need tracefs; kernels before 4.17 have no probe PMU at all. */
	if (p->fetchargs || ev->pmu_type < 0 || force_tracefs_probes()) {
		ev->kind = EVK_PROBE_TRACEFS;
		return add_tracefs_probe(s, ev, p->fetchargs) ? NULL : ev;
	}
	ev->config = 0;
	if (p->ret) {
		bit = pevent_pmu_retprobe_bit(pmu);
		if (bit < 0) {
			err_msg("this kernel's %s PMU has no return probes", pmu);
			return NULL;
		}
		ev->config = 1ULL << bit;
	}
	/* A PMU probe's record carries only the probe address: nothing to decode. */
	ev->sample_type &= ~(uint64_t)PERF_SAMPLE_RAW;
	return ev;
}

static void fill_attr(struct session *s, struct evsel *ev, struct perf_event_attr *a, bool grouped)
{
	memset(a, 0, sizeof(*a));
	if (ev->kind == EVK_TASKS) {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_DUMMY;
		a->comm = 1;
		a->comm_exec = 1;
		a->task = 1;
		/* executable mappings (MMAP2, not MMAP) for whoever watches */
		a->mmap = a->mmap2 = s->task_fn != NULL;
	} else if (ev->kind == EVK_PROBE_PMU) {
		/* config1 is the path (uprobe) or symbol (kprobe); config2 the offset. */
		a->type = (uint32_t)ev->pmu_type;
		a->config = ev->config;
		a->config1 = (uint64_t)(uintptr_t)ev->path;
		a->config2 = ev->offset;
	} else {
		a->type = PERF_TYPE_TRACEPOINT;
		a->config = ev->config;
	}
	a->disabled = 1;
	if (s->tgt.pid > 0 || s->tgt.tid > 0) {
		/* New threads of the target are counted; new processes are not (BCC's -p). */
		a->inherit = s->tgt.pid > 0;
		a->inherit_thread = s->tgt.pid > 0;
	}
	if (ev->cfg.mode == EV_COUNT) {
		a->read_format = grouped ? PERF_FORMAT_GROUP : 0;
		return;
	}
	a->sample_period = 1;
	a->sample_type = ev->sample_type;
	/* read() then also gives the records lost, even those not yet reported in the ring */
	a->read_format = s->no_format_lost ? 0 : PERF_FORMAT_LOST;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)((size_t)s->pages * (size_t)getpagesize() / 4);
	if (ev->sample_type & PERF_SAMPLE_REGS_USER)
		a->sample_regs_user = ev->cfg.regs_user;
	if (ev->sample_type & PERF_SAMPLE_STACK_USER)
		a->sample_stack_user = ev->cfg.stack_user;
	/* With a stack copy to unwind, frame-pointer user callchains (wrong on Debian) are waste. */
	if (ev->sample_type & PERF_SAMPLE_CALLCHAIN)
		a->exclude_callchain_user = (ev->sample_type & PERF_SAMPLE_STACK_USER) != 0;
}

/* The threads of a process, from /proc/PID/task. */
static int list_threads(pid_t pid, pid_t **out)
{
	char path[64];
	struct dirent *de;
	pid_t *v = NULL;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	while ((de = readdir(d))) {
		pid_t *nv;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = atoi(de->d_name);
	}
	closedir(d);
	*out = v;
	return n;
}

struct place {
	pid_t tid;
	int cpu;
};

/* Where each event is opened: (thread or -1) x (cpu or -1). */
static int plan_places(struct session *s, bool sampling, struct place **out)
{
	pid_t *tids = NULL;
	int ntids, n = 0, ncpus = s->ncpus;
	struct place *p;

	if (s->tgt.tid > 0) {
		if (kill(s->tgt.tid, 0) && errno == ESRCH)
			return -ESRCH;
		tids = malloc(sizeof(*tids));
		if (!tids)
			return -ENOMEM;
		tids[0] = s->tgt.tid;
		ntids = 1;
	} else if (s->tgt.pid > 0) {
		ntids = list_threads(s->tgt.pid, &tids);
		if (ntids <= 0)
			return ntids < 0 ? ntids : -ESRCH;
	} else {
		ntids = 0;
	}
	p = calloc((size_t)(ntids ? ntids : 1) * (size_t)ncpus, sizeof(*p));
	if (!p) {
		free(tids);
		return -ENOMEM;
	}
	if (!ntids) {
		for (int c = 0; c < ncpus; c++)
			p[n++] = (struct place){ -1, s->cpus[c] };
	} else if (!sampling && s->tgt.cpu < 0) {
		/* A per-task counter needs no CPU; inherit works with cpu == -1 when not mmapped. */
		for (int t = 0; t < ntids; t++)
			p[n++] = (struct place){ tids[t], -1 };
	} else {
		for (int t = 0; t < ntids; t++)
			for (int c = 0; c < ncpus; c++)
				p[n++] = (struct place){ tids[t], s->cpus[c] };
	}
	free(tids);
	*out = p;
	return n;
}

static int add_id(struct session *s, uint64_t id, struct evsel *ev)
{
	struct idmap *v = realloc(s->ids, (s->nids + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->ids = v;
	s->ids[s->nids++] = (struct idmap){ id, ev };
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	const struct idmap *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct rbuf *ring_for(struct session *s, int cpu)
{
	for (unsigned i = 0; i < s->nrbufs; i++)
		if (s->rbufs[i].cpu == cpu)
			return &s->rbufs[i];
	return NULL;
}

static int map_ring(struct session *s, int fd, int cpu)
{
	size_t len = (size_t)(1 + s->pages) * (size_t)getpagesize();
	struct rbuf *v = realloc(s->rbufs, (s->nrbufs + 1) * sizeof(*v));
	struct rbuf *rb;
	void *base;

	if (!v)
		return -ENOMEM;
	s->rbufs = v;
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	rb = &s->rbufs[s->nrbufs];
	*rb = (struct rbuf){ .fd = fd, .cpu = cpu, .base = base, .len = len };
	rb->ring = malloc(sizeof(*rb->ring));
	if (!rb->ring || ring__init(rb->ring, base, len)) {
		free(rb->ring);
		munmap(base, len);
		return -ENOMEM;
	}
	s->nrbufs++;
	return 0;
}

/* Find (or start) the open counting group for this place. */
static int group_for(struct session *s, const struct place *pl, int *leader)
{
	for (int g = (int)s->ngroups - 1; g >= 0; g--) {
		struct group *gr = &s->groups[g];
		struct evfd *m = gr->members[0];

		if (m->cpu == pl->cpu && m->tid == pl->tid) {
			if (gr->n < GROUP_MAX) {
				*leader = gr->leader_fd;
				return g;
			}
			break;
		}
	}
	*leader = -1;
	return -1;
}

static int join_group(struct session *s, int g, struct evfd *f)
{
	struct group *gr;
	struct evfd **m;

	if (g < 0) {
		gr = realloc(s->groups, (s->ngroups + 1) * sizeof(*gr));
		if (!gr)
			return -ENOMEM;
		s->groups = gr;
		g = (int)s->ngroups++;
		s->groups[g] = (struct group){ .leader_fd = f->fd };
	}
	gr = &s->groups[g];
	m = realloc(gr->members, (gr->n + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	gr->members = m;
	f->group = g;
	f->slot = gr->n;
	gr->members[gr->n++] = f;
	return 0;
}

static int set_filter(struct evsel *ev, int fd)
{
	if (!ev->filter || ev->kind == EVK_PROBE_PMU || ev->kind == EVK_TASKS)
		return 0;
	if (ioctl(fd, PERF_EVENT_IOC_SET_FILTER, ev->filter) == 0)
		return 0;
	return -errno;
}

static int open_one(struct session *s, struct evsel *ev, const struct place *pl)
{
	bool sampling = ev->cfg.mode == EV_SAMPLE;
	struct perf_event_attr a;
	int g = -1, leader = -1, fd, ret;
	struct evfd *f;

	if (!sampling)
		g = group_for(s, pl, &leader);
	fill_attr(s, ev, &a, !sampling);
	fd = pevent_open(&a, pl->tid, pl->cpu, leader);
	if (fd == -EINVAL && (a.read_format & PERF_FORMAT_LOST)) {
		s->no_format_lost = true;
		a.read_format &= ~(uint64_t)PERF_FORMAT_LOST;
		fd = pevent_open(&a, pl->tid, pl->cpu, leader);
	}
	if (fd == -EINVAL && a.inherit_thread) {
		/* Kernels before 5.13 lack inherit_thread: child processes are then counted too. */
		a.inherit_thread = 0;
		fd = pevent_open(&a, pl->tid, pl->cpu, leader);
	}
	if (fd < 0)
		return fd;
	f = &ev->fds[ev->nfds++];
	*f = (struct evfd){ .fd = fd, .cpu = pl->cpu, .tid = pl->tid, .group = -1 };
	ret = set_filter(ev, fd);
	if (ret)
		return ret;
	if (!sampling)
		return join_group(s, g, f);
	if (ioctl(fd, PERF_EVENT_IOC_ID, &f->id) < 0)
		return -errno;
	ret = add_id(s, f->id, ev);
	if (ret)
		return ret;
	{
		struct rbuf *rb = ring_for(s, pl->cpu);

		if (!rb)
			return map_ring(s, fd, pl->cpu);
		if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, rb->fd) < 0)
			return -errno;
	}
	return 0;
}

/* Kernel filter syntax errors come back as EPERM/EINVAL with no text: say which filter. */
static int explain_open_error(struct evsel *ev, int err, const struct place *pl)
{
	char what[600];

	if ((err == EINVAL || err == EPERM) && ev->filter && geteuid() == 0) {
		err_msg("the kernel rejected the filter '%s' on %s; check the field names with "
			"'rawtrace tplist -v %s'", ev->filter, ev->name, ev->name);
		return EXIT_USAGE;
	}
	if (err == ESRCH) {
		err_msg("no such process: %d", (int)(pl->tid > 0 ? pl->tid : ev->s->tgt.pid));
		return EXIT_RUNTIME;
	}
	snprintf(what, sizeof(what), "cannot open %s", ev->name);
	return err_perf(err, what);
}

static int add_self_exclusion(struct evsel *ev)
{
	char *f;
	int n;

	if (ev->kind == EVK_PROBE_PMU || ev->kind == EVK_TASKS)
		return 0;
	if (ev->filter)
		n = asprintf(&f, "(%s) && common_pid != %d", ev->filter, (int)getpid());
	else
		n = asprintf(&f, "common_pid != %d", (int)getpid());
	if (n < 0)
		return -ENOMEM;
	free(ev->filter);
	ev->filter = f;
	return 0;
}

int session__start(struct session *s)
{
	int ret = 0;

	s->ncpus = pevent_online_cpus(&s->cpus);
	if (s->ncpus < 0)
		return err_file(-s->ncpus, "/sys/devices/system/cpu/online");
	if (s->tgt.cpu >= 0) {
		bool online = false;

		for (int c = 0; c < s->ncpus; c++)
			online |= s->cpus[c] == s->tgt.cpu;
		if (!online) {
			err_msg("CPU %d is not online", s->tgt.cpu);
			return EXIT_USAGE;
		}
		s->cpus[0] = s->tgt.cpu;
		s->ncpus = 1;
	}
	if (s->tgt.pid > 0 && kill(s->tgt.pid, 0) && errno == ESRCH) {
		err_msg("no such process: %d", (int)s->tgt.pid);
		return EXIT_RUNTIME;
	}
	for (unsigned i = 0; i < s->nevs && !ret; i++) {
		struct evsel *ev = s->evs[i];
		bool sampling = ev->cfg.mode == EV_SAMPLE;
		struct place *pl = NULL;
		int n;

		/* Our own syscalls would feed back into a system-wide stream. */
		if (sampling && !ev->count_records && s->exclude_self && s->tgt.pid <= 0 && s->tgt.tid <= 0 &&
		    add_self_exclusion(ev)) {
			err_msg("out of memory");
			return EXIT_RUNTIME;
		}
		n = plan_places(s, sampling, &pl);
		if (n < 0) {
			struct place none = { s->tgt.tid, -1 };

			return explain_open_error(ev, -n, &none);
		}
		ev->fds = calloc((size_t)n, sizeof(*ev->fds));
		if (!ev->fds) {
			free(pl);
			err_msg("out of memory");
			return EXIT_RUNTIME;
		}
		for (int p = 0; p < n; p++) {
			int e = open_one(s, ev, &pl[p]);

			/* A thread that exited since we listed it is not an error. */
			if (e == -ESRCH && pl[p].tid > 0 && s->tgt.pid > 0)
				continue;
			if (e) {
				ret = explain_open_error(ev, -e, &pl[p]);
				break;
			}
		}
		free(pl);
		if (!ret && !ev->nfds) {
			err_msg("no such process: %d", (int)s->tgt.pid);
			ret = EXIT_RUNTIME;
		}
	}
	if (ret)
		return ret;
	if (s->nids) /* counting-only sessions have no ids (and qsort wants a non-NULL base) */
		qsort(s->ids, s->nids, sizeof(*s->ids), cmp_id);
	/* One call enables every event this process created. */
	if (prctl(PR_TASK_PERF_EVENTS_ENABLE, 0, 0, 0, 0) < 0)
		return err_perf(errno, "cannot enable events");
	/* after enabling: a task that starts from now on has its FORK record */
	if (s->tasks)
		session__snapshot_comms(s);
	s->started = true;
	return 0;
}

struct evsel *session__find_id(struct session *s, uint64_t id)
{
	struct idmap key = { .id = id }, *hit;

	if (!s->nids)
		return NULL;
	hit = bsearch(&key, s->ids, s->nids, sizeof(*s->ids), cmp_id);
	return hit ? hit->ev : NULL;
}

int session__read_counts(struct session *s)
{
	uint64_t vals[GROUP_MAX];
	int ret = 0;

	for (unsigned g = 0; g < s->ngroups; g++) {
		struct group *gr = &s->groups[g];
		int e = pevent_read_group(gr->leader_fd, vals, gr->n);

		if (e) {
			ret = e;
			continue;
		}
		for (unsigned m = 0; m < gr->n; m++)
			gr->members[m]->value = vals[m];
	}
	return ret;
}

uint64_t evsel__count(struct evsel *ev)
{
	uint64_t sum = 0;

	if (ev->count_records)
		return ev->records - ev->base;
	for (unsigned i = 0; i < ev->nfds; i++)
		sum += ev->fds[i].value;
	return sum - ev->base;
}

void session__reset_counts(struct session *s)
{
	for (unsigned i = 0; i < s->nevs; i++)
		s->evs[i]->base += evsel__count(s->evs[i]);
}

const char *evsel__name(const struct evsel *ev)
{
	return ev->name;
}

struct tep_event *evsel__tep(const struct evsel *ev)
{
	return ev->tep;
}

void *evsel__priv(const struct evsel *ev)
{
	return ev->priv;
}

void evsel__set_priv(struct evsel *ev, void *priv)
{
	ev->priv = priv;
}

uint64_t session__lost(const struct session *s)
{
	return s->lost;
}

void session__stop(struct session *s)
{
	s->stop = true;
}

/*
 * Close the fds of plain events in a detached child when there are many slow ones.  The
 * parent must drop its references first (fast: the child still holds them), so that the
 * child's closes are the last ones and pay the grace periods; a pipe orders the two.
 */
static bool close_in_background(struct session *s)
{
	unsigned slow = 0;
	int go[2], done[2];
	char c = 0;
	pid_t pid;

	for (unsigned i = 0; i < s->nevs; i++)
		if (s->evs[i]->kind == EVK_TRACEPOINT && s->evs[i]->nfds)
			slow++;
	if (slow <= SLOW_CLOSE_EVENTS || pipe2(go, O_CLOEXEC))
		return false;
	if (pipe2(done, O_CLOEXEC)) {
		close(go[0]);
		close(go[1]);
		return false;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(go[0]);
		close(go[1]);
		close(done[0]);
		close(done[1]);
		return false;
	}
	if (pid > 0) {
		close(go[0]);
		close(done[1]);
		/*
		 * fork() copied our tracefs probe fds too, and a probe stays busy (EBUSY on
		 * removal) until every copy is closed: wait for the child to drop its copies.
		 */
		while (read(done[0], &c, 1) < 0 && errno == EINTR)
			;
		close(done[0]);
		for (unsigned i = 0; i < s->nevs; i++)
			for (unsigned f = 0; f < s->evs[i]->nfds; f++)
				if (s->evs[i]->kind != EVK_PROBE_TRACEFS)
					close(s->evs[i]->fds[f].fd);
		close(go[1]); /* the child reads EOF: its closes are now the last ones */
		return true;
	}
	/* Child: let go of the terminal and pipes first, so nobody waits for us. */
	{
		int null = open("/dev/null", O_RDWR);

		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			if (null > 2)
				close(null);
		}
	}
	setsid();
	close(go[1]);
	close(done[0]);
	for (unsigned i = 0; i < s->nevs; i++)
		for (unsigned f = 0; f < s->evs[i]->nfds; f++)
			if (s->evs[i]->kind == EVK_PROBE_TRACEFS)
				close(s->evs[i]->fds[f].fd);
	close(done[1]); /* the parent reads EOF: our probe fd copies are gone */
	while (read(go[0], &c, 1) < 0 && errno == EINTR)
		;
	for (unsigned i = 0; i < s->nevs; i++)
		for (unsigned f = 0; f < s->evs[i]->nfds; f++)
			if (s->evs[i]->kind != EVK_PROBE_TRACEFS)
				close(s->evs[i]->fds[f].fd);
	_exit(0);
}

/* "lost by CPU: 0: 120, 3: 7" (the CPUs that lost any), when the kernel counted them. */
static void print_lost_by_cpu(const struct session *s)
{
	char line[1024];
	size_t n = 0;

	for (int c = 0; s->lost_cpu && c < s->ncpus && n < sizeof(line); c++)
		if (s->lost_cpu[c])
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%d: %llu", n ? ", " : "", s->cpus[c],
					      (unsigned long long)s->lost_cpu[c]);
	if (n)
		err_msg("lost by CPU: %s", line);
}

void session__delete(struct session *s)
{
	bool background;

	if (!s)
		return;
	prctl(PR_TASK_PERF_EVENTS_DISABLE, 0, 0, 0, 0);
	if (s->started) {
		uint64_t missing = session__undelivered(s);

		if (missing)
			err_msg("the kernel counted %" PRIu64 " events that it neither wrote to the ring "
				"buffers nor reported lost; the output lacks them (a kernel gap, not a "
				"full buffer: see BUGS in rawtrace(8))", missing);
	}
	if (s->lost) {
		fprintf(stderr, "Possibly lost %llu samples\n", (unsigned long long)s->lost);
		print_lost_by_cpu(s);
	}
	for (unsigned i = 0; i < s->nrbufs; i++) {
		munmap(s->rbufs[i].base, s->rbufs[i].len);
		free(s->rbufs[i].ring);
	}
	background = close_in_background(s);
	for (unsigned i = 0; i < s->nevs; i++) {
		struct evsel *ev = s->evs[i];

		/* Probe fds are closed here even in background mode: the probe is destroyed next. */
		for (unsigned f = 0; f < ev->nfds; f++)
			if (!background || ev->kind == EVK_PROBE_TRACEFS)
				close(ev->fds[f].fd);
		if (ev->dyn) {
			if (tracefs_dynevent_destroy(ev->dyn, false) && tracefs_dynevent_destroy(ev->dyn, true))
				err_msg("could not remove probe %s/%s: %s; remove it with "
					"\"echo '-:%s/%s' >> %s/dynamic_events\"", ev->sys, ev->event,
					strerror(errno), ev->sys, ev->event, tfs_dir());
			tracefs_dynevent_free(ev->dyn);
		}
		evsel_free(ev);
	}
	for (unsigned g = 0; g < s->ngroups; g++)
		free(s->groups[g].members);
	free(s->groups);
	free(s->rbufs);
	free(s->ids);
	free(s->evs);
	free(s->cpus);
	free(s->lost_cpu);
	catalog__delete(s->cat);
	order__fini(&s->order, session__drop_held);
	agg_free(&s->comms);
	free(s->tool);
	free(s);
}

/* A pid may have been reused: the owner is alive only if that pid still runs rawtrace. */
static bool owner_alive(pid_t pid, const char *tool_pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	if (kill(pid, 0) && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true; /* cannot tell: leave it alone */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	/* comm is "rawtrace", or the tool's name when started through a symlink */
	return !strcmp(comm, "rawtrace") ||
	       (!strncmp(tool_pid, comm, strlen(comm)) && tool_pid[strlen(comm)] == '_');
}

/* Remove tracefs probe groups named rawtrace_<tool>_<pid> whose process is gone. */
static void reap_orphans(void)
{
	struct tracefs_dynevent **all;
	unsigned types = TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE |
			 TRACEFS_DYNEVENT_UPROBE | TRACEFS_DYNEVENT_URETPROBE | TRACEFS_DYNEVENT_EPROBE;

	if (!tfs_has_file("dynamic_events") && !tfs_has_file("uprobe_events"))
		return;
	all = tracefs_dynevent_get_all(types, NULL);
	for (unsigned i = 0; all && all[i]; i++) {
		char *sys = NULL, *evn = NULL;
		const char *us;
		long pid;

		tracefs_dynevent_info(all[i], &sys, &evn, NULL, NULL, NULL);
		if (sys && !strncmp(sys, "rawtrace_", 9) && (us = strrchr(sys, '_')) &&
		    (pid = strtol(us + 1, NULL, 10)) > 0 && !owner_alive((pid_t)pid, sys + 9)) {
			/* libtracefs may list one probe twice (kprobe and uprobe views): gone is fine */
			if (tracefs_dynevent_destroy(all[i], true) && errno != ENOENT)
				err_msg("could not remove probe %s/%s left by dead process %ld: %s", sys,
					evn ? evn : "?", pid, strerror(errno));
		}
		free(sys);
		free(evn);
	}
	tracefs_dynevent_list_free(all);
}
