// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * loop: the one event loop.  epoll waits on the rings (the kernel wakes us per watermark,
 * never per event: waking per event makes each traced syscall 15-20x slower), a signalfd
 * for SIGINT/SIGTERM/SIGHUP and a timerfd per interval and duration.  A 100 ms timeout
 * flushes records that stay under the watermark.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "core/err.h"
#include "core/session_priv.h"

#define FLUSH_MS 100

enum { TAG_SIGNAL, TAG_TICK, TAG_END, TAG_RING /* + ring index */ };

void loop_block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/*
 * Every event of ours samples IDENTIFIER, TID and TIME first (no IP), and its other
 * records end in the sample_id trailer { pid, tid; time; cpu; id }: where the time is.
 */
#define SAMPLE_TIME_AT 24
#define TRAILER_TIME_FROM_END 24
#define TRAILER_SIZE 32

uint64_t session__record_time(const struct perf_event_header *h)
{
	uint64_t t = 0;

	if (h->type == PERF_RECORD_SAMPLE) {
		if (h->size >= SAMPLE_TIME_AT + sizeof(t))
			memcpy(&t, (const char *)h + SAMPLE_TIME_AT, sizeof(t));
	} else if (h->size >= sizeof(*h) + TRAILER_SIZE) {
		memcpy(&t, (const char *)h + h->size - TRAILER_TIME_FROM_END, sizeof(t));
	}
	return t;
}

struct evsel *session__account(struct session *s, const struct perf_event_header *h)
{
	struct evsel *ev = NULL;
	uint64_t lost, t = session__record_time(h);

	if (h->type == PERF_RECORD_SAMPLE) {
		ev = session__find_id(s, sample__id(h));
		if (ev)
			ev->delivered++;
	}
	if (h->type == PERF_RECORD_LOST && h->size >= sizeof(*h) + 2 * sizeof(uint64_t) + TRAILER_SIZE) {
		struct loss_window *w = &s->lossw[s->nlossw++ % LOSS_WINDOWS];

		/*
		 * { header; u64 id; u64 lost; sample_id }: the id is of whichever event wrote next
		 * to that ring, not of the one that lost, so losses are known per ring: after the
		 * last record read from it and before this notice.
		 */
		memcpy(&lost, (const char *)h + sizeof(*h) + sizeof(uint64_t), sizeof(lost));
		s->lost += lost;
		w->from = s->reading ? s->reading->last_time : 0;
		w->to = t;
	}
	if (s->reading && t)
		s->reading->last_time = t;
	return ev;
}

bool session__lost_between(const struct session *s, uint64_t from, uint64_t to)
{
	uint64_t kept = s->nlossw < LOSS_WINDOWS ? s->nlossw : LOSS_WINDOWS;
	uint64_t oldest = UINT64_MAX;

	for (uint64_t i = 0; i < kept; i++) {
		const struct loss_window *w = &s->lossw[i];

		if (w->from <= to && w->to >= from)
			return true;
		if (w->from < oldest)
			oldest = w->from;
	}
	/* windows were forgotten: anything older than the oldest kept may have lost */
	return s->nlossw > LOSS_WINDOWS && from < oldest;
}

/* A sample of ours, for its tool: parsed, and dropped when it is of another process. */
static void deliver(struct session *s, struct evsel *ev, const struct perf_event_header *h)
{
	struct sample smp;

	if (!ev->cfg.on_sample || sample__parse(h, ev->sample_type, ev->cfg.regs_user, &smp))
		return;
	/*
	 * -p means this process: kernels before 5.13 have no inherit_thread, so the
	 * events also follow its child processes; their records are dropped here.
	 */
	if (s->tgt.pid > 0 && smp.pid != (uint32_t)s->tgt.pid)
		return;
	ev->cfg.on_sample(ev->cfg.arg, ev, &smp);
}

static void deliver_held(void *arg, void *item)
{
	struct session *s = arg;
	struct held *h = item;

	if (h->rec && !s->stop) {
		if (h->ev->kind == EVK_TASKS)
			session__task_record(s, h->rec);
		else
			deliver(s, h->ev, h->rec);
	}
	free(h->rec);
}

void session__drop_held(void *item)
{
	free(((struct held *)item)->rec);
}

/* Keep a copy of a record, to be handled in time order; at once if no copy can be made. */
static void hold(struct session *s, struct evsel *ev, const struct perf_event_header *h, uint64_t time)
{
	struct held *held = order__add(&s->order, time, deliver_held, s);

	if (held && (held->rec = malloc(h->size))) {
		held->ev = ev;
		memcpy(held->rec, h, h->size);
	} else if (ev->kind == EVK_TASKS) {
		session__task_record(s, h);
	} else {
		deliver(s, ev, h);
	}
}

static bool is_task_record(uint32_t type)
{
	return type == PERF_RECORD_COMM || type == PERF_RECORD_FORK || type == PERF_RECORD_EXIT ||
	       type == PERF_RECORD_MMAP2;
}

static void dispatch(struct session *s, const struct perf_event_header *h)
{
	struct evsel *ev = session__account(s, h);

	if (s->tasks && is_task_record(h->type)) {
		/* Unless the look-ahead of session__drain already handed it out. */
		if (s->task_fn && s->reading->ring->tail > s->reading->tasks_seen)
			s->task_fn(s->task_arg, h);
		if (h->type == PERF_RECORD_MMAP2)
			return;
		if (s->ordered)
			hold(s, s->tasks, h, session__record_time(h));
		else
			session__task_record(s, h);
		return;
	}
	if (h->type != PERF_RECORD_SAMPLE || !ev)
		return;
	if (ev->count_records) {
		ev->records++;
		return;
	}
	if (!s->ordered) {
		deliver(s, ev, h);
		return;
	}
	/* Parsed once, at delivery; a malformed sample is dropped there. */
	if (ev->cfg.on_sample)
		hold(s, ev, h, session__record_time(h));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * A record is stamped (CLOCK_MONOTONIC) just before its kernel writer puts it in its ring,
 * with preemption off in between: whatever was stamped this long before a drain started
 * is in its ring when the drain reads it.
 */
#define SETTLE_NS 10000000ULL

uint64_t session__settled(const struct session *s)
{
	return s->settled;
}

struct task_copy {
	uint64_t time;
	unsigned seq; /* keeps one ring's order among equal times */
	struct perf_event_header *rec;
};

static int by_time(const void *a, const void *b)
{
	const struct task_copy *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Hand every ring's task records to the watcher before any sample is read, in time order.
 * A sample's process may have mapped its libraries, or exec'd, on another CPU, whose ring
 * would otherwise be read after it; a process that exited since has nothing left in /proc.
 * Time order across rings matters too: a child's FORK (it inherits its parent's mappings)
 * may sit in another ring than its exec and MMAP2 records.
 */
static void look_ahead_for_tasks(struct session *s)
{
	struct task_copy *v = NULL;
	size_t n = 0, cap = 0;

	for (unsigned i = 0; i < s->nrbufs; i++) {
		struct rbuf *rb = &s->rbufs[i];
		const struct perf_event_header *h;
		uint64_t pos;

		if (!ring__begin(rb->ring))
			continue;
		pos = rb->ring->tail > rb->tasks_seen ? rb->ring->tail : rb->tasks_seen;
		while ((h = ring__peek(rb->ring, &pos))) {
			struct perf_event_header *copy;

			if (!is_task_record(h->type))
				continue;
			if (n == cap) {
				struct task_copy *nv = realloc(v, (cap ? 2 * cap : 64) * sizeof(*v));

				if (!nv)
					break;
				v = nv;
				cap = cap ? 2 * cap : 64;
			}
			if (!(copy = malloc(h->size)))
				break;
			memcpy(copy, h, h->size);
			v[n] = (struct task_copy){ session__record_time(h), (unsigned)n, copy };
			n++;
		}
		/* What could not be copied is handed out in the main pass, in ring order. */
		rb->tasks_seen = h ? pos - h->size : pos;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_time);
	for (size_t i = 0; i < n; i++) {
		s->task_fn(s->task_arg, v[i].rec);
		free(v[i].rec);
	}
	free(v);
}

void session__drain(struct session *s, bool all)
{
	uint64_t now = now_ns();
	bool looked_ahead = s->tasks && s->task_fn;

	if (looked_ahead)
		look_ahead_for_tasks(s);
	for (unsigned i = 0; i < s->nrbufs && !s->stop; i++) {
		struct ring *r = s->rbufs[i].ring;
		const struct perf_event_header *h;

		/*
		 * After a look-ahead, no further than it looked: a sample written since may come
		 * from a process whose mappings went to a ring already looked through.
		 */
		if (looked_ahead ? r->head == r->tail : !ring__begin(r))
			continue;
		s->reading = &s->rbufs[i];
		while (!s->stop && (h = ring__next(r)))
			dispatch(s, h);
		ring__end(r);
	}
	s->reading = NULL;
	s->settled = all ? UINT64_MAX : now > SETTLE_NS ? now - SETTLE_NS : 0;
	if (s->ordered)
		order__release(&s->order, s->settled, deliver_held, s);
}

/* Read the rest of every ring for the books only: the tool may have let go of its state. */
static void account_rest(struct session *s)
{
	for (unsigned i = 0; i < s->nrbufs; i++) {
		struct ring *r = s->rbufs[i].ring;
		const struct perf_event_header *h;

		if (!ring__begin(r))
			continue;
		while ((h = ring__next(r)))
			session__account(s, h);
		ring__end(r);
	}
}

/*
 * Events counted but neither read nor lost.  With PERF_FORMAT_LOST the kernel's own count
 * of each event's lost records is exact, and tells samples from the tasks event's records
 * (LOST records count both); LOST records alone also miss a loss the kernel had yet to
 * report (it does so at its next successful write to that ring).
 */
static uint64_t gap(struct session *s)
{
	uint64_t counted = 0, delivered = 0, lost = 0;

	if (!s->lost_cpu)
		s->lost_cpu = calloc((size_t)s->ncpus, sizeof(*s->lost_cpu));
	else
		memset(s->lost_cpu, 0, (size_t)s->ncpus * sizeof(*s->lost_cpu));
	for (unsigned i = 0; i < s->nevs; i++) {
		struct evsel *ev = s->evs[i];

		if (ev->cfg.mode != EV_SAMPLE || ev->kind == EVK_TASKS)
			continue;
		for (unsigned f = 0; f < ev->nfds; f++) {
			uint64_t v[2] = { 0, 0 };
			size_t want = s->no_format_lost ? sizeof(v[0]) : sizeof(v);

			if (read(ev->fds[f].fd, v, want) != (ssize_t)want)
				continue;
			lost += v[1];
			for (int c = 0; s->lost_cpu && c < s->ncpus; c++)
				if (s->cpus[c] == ev->fds[f].cpu)
					s->lost_cpu[c] += v[1];
			/* count_records events count something else (sched_stat_*: runtime) */
			if (!ev->count_records)
				counted += v[0];
		}
		if (!ev->count_records)
			delivered += ev->delivered;
	}
	if (!s->no_format_lost)
		s->lost = lost;
	return counted > delivered + s->lost ? counted - delivered - s->lost : 0;
}

uint64_t session__undelivered(struct session *s)
{
	uint64_t missing;

	account_rest(s);
	missing = gap(s);
	if (missing) {
		/*
		 * The counter moves before the record is written: a write that the disabling
		 * IPI interrupted on another CPU can still be finishing.  Look once more.
		 */
		usleep(20000);
		account_rest(s);
		missing = gap(s);
	}
	return missing;
}

void loop_cfg_intervals(struct loop_cfg *cfg, double interval, double duration)
{
	cfg->interval = interval;
	cfg->duration = 0;
	cfg->count = 0;
	if (duration > 0 && interval <= 0) {
		cfg->interval = duration;
		cfg->count = 1;
	} else if (duration > 0) {
		cfg->count = (long)ceil(duration / interval - 1e-9);
	}
}

static int arm(double seconds, bool periodic)
{
	struct itimerspec its = { 0 };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - floor(seconds)) * 1e9);
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	if (periodic)
		its.it_interval = its.it_value;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int watch(int ep, int fd, uint32_t tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0 ? -errno : 0;
}

enum loop_end session__loop(struct session *s, const struct loop_cfg *cfg)
{
	int ep = -1, sfd = -1, tick = -1, end = -1;
	enum loop_end why = 0;
	long ticks = 0;
	sigset_t set;

	loop_block_signals();
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	ep = epoll_create1(EPOLL_CLOEXEC);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (ep < 0 || sfd < 0 || watch(ep, sfd, TAG_SIGNAL)) {
		err_msg("cannot set up the event loop: %s", strerror(errno));
		why = LOOP_ERROR;
		goto out;
	}
	for (unsigned i = 0; i < s->nrbufs; i++)
		watch(ep, s->rbufs[i].fd, TAG_RING + i);
	if (cfg->interval > 0 && ((tick = arm(cfg->interval, true)) < 0 || watch(ep, tick, TAG_TICK))) {
		err_msg("cannot create the interval timer: %s", strerror(errno));
		why = LOOP_ERROR;
		goto out;
	}
	if (cfg->duration > 0 && ((end = arm(cfg->duration, false)) < 0 || watch(ep, end, TAG_END))) {
		err_msg("cannot create the duration timer: %s", strerror(errno));
		why = LOOP_ERROR;
		goto out;
	}
	while (!why) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, s->nrbufs ? FLUSH_MS : -1);

		if (n < 0 && errno != EINTR) {
			err_msg("epoll_wait: %s", strerror(errno));
			why = LOOP_ERROR;
			break;
		}
		session__drain(s, false);
		if (s->stop) {
			why = LOOP_STOPPED;
			break;
		}
		for (int i = 0; i < n && !why; i++) {
			uint64_t expirations;
			struct signalfd_siginfo si;

			/*
			 * A per-task ring hangs up when its task exits and then stays readable:
			 * it is drained above, so stop watching it or epoll spins.
			 */
			if (evs[i].data.u32 >= TAG_RING) {
				if (evs[i].events & EPOLLHUP)
					epoll_ctl(ep, EPOLL_CTL_DEL, s->rbufs[evs[i].data.u32 - TAG_RING].fd, NULL);
				continue;
			}
			switch (evs[i].data.u32) {
			case TAG_SIGNAL:
				if (read(sfd, &si, sizeof(si)) == sizeof(si))
					why = LOOP_SIGNAL;
				break;
			case TAG_TICK:
				if (read(tick, &expirations, sizeof(expirations)) != sizeof(expirations))
					break;
				ticks++;
				if (cfg->on_tick && cfg->on_tick(cfg->arg))
					why = LOOP_STOPPED;
				else if (cfg->count > 0 && ticks >= cfg->count)
					why = LOOP_DONE;
				break;
			case TAG_END:
				why = LOOP_DONE;
				break;
			}
		}
	}
	/*
	 * The run is over: stop the events first, so that what happens while the tool prints
	 * its summary neither fills the rings (reported as lost) nor goes uncounted.
	 */
	prctl(PR_TASK_PERF_EVENTS_DISABLE, 0, 0, 0, 0);
	if (why != LOOP_ERROR)
		session__drain(s, true);
out:
	if (tick >= 0)
		close(tick);
	if (end >= 0)
		close(end);
	if (sfd >= 0)
		close(sfd);
	if (ep >= 0)
		close(ep);
	return why;
}
