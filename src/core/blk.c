// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blk: block tracepoints -> time-ordered, paired requests for the block I/O tools.
 *
 * Records are decoded as they are read and handled in time order (core/order.h): the
 * issue of a request is recorded on the submitting CPU, its completion usually in a
 * softirq of another CPU, and the rings are read one CPU after the other.  Pairing uses a
 * set-associative table keyed by (dev, sector, write) rather than a growing map: start
 * events of bios that were merged into another request never get an issue, and in a
 * cache they are simply overwritten, while a map would fill with them and then refuse
 * every new request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include "core/blk.h"
#include "core/err.h"
#include "core/field.h"
#include "core/order.h"
#include "core/session.h"
#include "core/tfs.h"

enum blk_kind { K_START, K_ISSUE, K_DONE };

/* One decoded record waiting to be put in time order. */
struct rec {
	uint64_t time, sector;
	uint32_t dev, bytes, pid;
	uint8_t kind;
	char rwbs[12];
	char comm[16];
};

/* Fields of one tracepoint, resolved by name from its format once. */
struct src {
	struct blk_trace *t;
	enum blk_kind kind;
	bool bytes_from_sectors; /* bio_queue / rq_complete have nr_sector, no bytes */
	struct field dev, sector, len, rwbs, comm;
	bool has_comm;
};

/* A request between start and completion. */
struct slot {
	uint64_t sector, start, issue, touched;
	uint32_t dev, bytes, pid, issue_pid;
	bool used, write, have_start, have_issue;
	int cls;           /* CLS_READ, CLS_WRITE or CLS_OTHER (flush, discard...) */
	char comm[16], issue_comm[16], rwbs[12];
};

#define WAYS 2
#define SETS 8192           /* 16384 requests in flight before evictions */
enum { CLS_READ, CLS_WRITE, CLS_OTHER };

#define MAX_PENDING 262144  /* records held for ordering before a burst goes unordered */

struct blk_trace {
	struct blk_trace_cfg cfg;
	struct src srcs[3];
	unsigned nsrcs;
	char sources[160];
	struct session *s;
	struct order pending; /* of struct rec */
	uint64_t evicted;
	struct slot *tab;
};

static void copy_str(char *dst, size_t dlen, const struct field *f, const struct sample *smp)
{
	size_t len = 0;
	const char *s = field__str(f, smp->raw, smp->raw_size, &len);

	if (!s)
		len = 0;
	if (len >= dlen)
		len = dlen - 1;
	memcpy(dst, s ? s : "", len);
	dst[len] = 0;
}

static void process(void *arg, void *item);
static int request_class(const char *rwbs);

static void on_record(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct src *src = arg;
	struct blk_trace *t = src->t;
	struct rec *r = order__add(&t->pending, smp->time, process, t);

	if (!r)
		return;
	r->time = smp->time;
	r->kind = (uint8_t)src->kind;
	r->dev = (uint32_t)field__u64(&src->dev, smp->raw, smp->raw_size);
	r->sector = field__u64(&src->sector, smp->raw, smp->raw_size);
	r->bytes = (uint32_t)field__u64(&src->len, smp->raw, smp->raw_size);
	if (src->bytes_from_sectors)
		r->bytes *= 512;
	r->pid = smp->pid;
	copy_str(r->rwbs, sizeof(r->rwbs), &src->rwbs, smp);
	if (src->has_comm)
		copy_str(r->comm, sizeof(r->comm), &src->comm, smp);
	/* A flush has no sector: 0 at issue, -1 in block_rq_complete (6.1): pair them. */
	if (r->sector == UINT64_MAX && request_class(r->rwbs) == CLS_OTHER)
		r->sector = 0;
}

static int add_source(struct blk_trace *t, struct session *s, const char *name, enum blk_kind kind)
{
	struct src *src = &t->srcs[t->nsrcs];
	char filter[32];
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_record, .arg = src };
	struct tep_event *tep;
	struct evsel *ev;

	if (t->cfg.dev) {
		snprintf(filter, sizeof(filter), "dev == %u", t->cfg.dev);
		cfg.filter = filter;
	}
	src->t = t;
	src->kind = kind;
	ev = session__add_tracepoint(s, "block", name, &cfg);
	if (!ev)
		return -EINVAL;
	tep = evsel__tep(ev);
	src->bytes_from_sectors = field__find(&src->len, tep, "bytes") != 0;
	if ((src->bytes_from_sectors && field__find(&src->len, tep, "nr_sector")) ||
	    field__find(&src->dev, tep, "dev") || field__find(&src->sector, tep, "sector") ||
	    field__find(&src->rwbs, tep, "rwbs")) {
		err_msg("block:%s has no dev/sector/bytes/rwbs fields on this kernel", name);
		return -EINVAL;
	}
	src->has_comm = field__find(&src->comm, tep, "comm") == 0;
	snprintf(t->sources + strlen(t->sources), sizeof(t->sources) - strlen(t->sources), "%sblock:%s",
		 t->nsrcs ? ", " : "", name);
	t->nsrcs++;
	return 0;
}

struct blk_trace *blk_trace_new(struct session *s, const struct blk_trace_cfg *cfg)
{
	struct blk_trace *t = calloc(1, sizeof(*t));
	bool io_tps = tfs_event_exists("block", "block_io_start") && tfs_event_exists("block", "block_io_done");
	int ret = 0;

	if (!t || !(t->tab = calloc(SETS * WAYS, sizeof(*t->tab)))) {
		free(t);
		err_msg("out of memory");
		return NULL;
	}
	t->cfg = *cfg;
	t->s = s;
	order__init(&t->pending, sizeof(struct rec), MAX_PENDING);
	if (!tfs_event_exists("block", "block_rq_issue")) {
		err_msg("this kernel has no block:block_rq_issue tracepoint (CONFIG_BLOCK and CONFIG_EVENT_TRACING are needed)");
		blk_trace_free(t);
		return NULL;
	}
	/*
	 * block_io_start (6.5+) fires where a request is made from the submitter's bio, in
	 * its context; before 6.5 the closest is block_bio_queue, which fires for every bio,
	 * including bios later merged into a request that starts at another sector.
	 */
	if (cfg->want_start)
		ret = add_source(t, s, io_tps ? "block_io_start" : "block_bio_queue", K_START);
	if (!ret)
		ret = add_source(t, s, "block_rq_issue", K_ISSUE);
	/*
	 * block_io_done (6.5+) fires once per request with its start sector; block_rq_complete
	 * fires per completed chunk (a partial completion advances the sector), so only its
	 * first chunk pairs with the issue.
	 */
	if (!ret && cfg->on_done)
		ret = add_source(t, s, io_tps ? "block_io_done" : "block_rq_complete", K_DONE);
	if (ret) {
		blk_trace_free(t);
		return NULL;
	}
	return t;
}

void blk_trace_free(struct blk_trace *t)
{
	if (!t)
		return;
	order__fini(&t->pending, NULL);
	free(t->tab);
	free(t);
}

const char *blk_trace_sources(const struct blk_trace *t)
{
	return t->sources;
}

uint64_t blk_trace_evicted(const struct blk_trace *t)
{
	return t->evicted;
}

static struct slot *set_of(struct blk_trace *t, uint32_t dev, uint64_t sector, int cls)
{
	uint64_t h = (sector ^ ((uint64_t)dev << 2 | (uint64_t)cls) * 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;

	return &t->tab[(h >> 40) % SETS * WAYS];
}

static struct slot *find(struct blk_trace *t, const struct rec *r, int cls)
{
	struct slot *set = set_of(t, r->dev, r->sector, cls);

	for (unsigned i = 0; i < WAYS; i++)
		if (set[i].used && set[i].sector == r->sector && set[i].dev == r->dev && set[i].cls == cls)
			return &set[i];
	return NULL;
}

/* The slot of this request, taking a free or the least recently used one if new. */
static struct slot *get(struct blk_trace *t, const struct rec *r, int cls)
{
	struct slot *set = set_of(t, r->dev, r->sector, cls), *victim = NULL, *s = find(t, r, cls);

	if (s)
		return s;
	for (unsigned i = 0; i < WAYS; i++) {
		if (!set[i].used) {
			victim = &set[i];
			break;
		}
		if (!victim || set[i].touched < victim->touched)
			victim = &set[i];
	}
	if (victim->used && victim->have_issue)
		t->evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->dev = r->dev;
	victim->sector = r->sector;
	victim->cls = cls;
	victim->write = cls == CLS_WRITE;
	return victim;
}

static void to_io(const struct slot *s, struct blk_io *io)
{
	memset(io, 0, sizeof(*io));
	io->dev = s->dev;
	io->sector = s->sector;
	io->bytes = s->bytes;
	io->write = s->write;
	memcpy(io->rwbs, s->rwbs, sizeof(io->rwbs));
	io->start = s->have_start ? s->start : 0;
	io->issue = s->issue;
	io->pid = s->have_start ? s->pid : 0;
	if (s->have_start)
		memcpy(io->comm, s->comm, sizeof(io->comm));
	io->issue_pid = s->issue_pid;
	memcpy(io->issue_comm, s->issue_comm, sizeof(io->issue_comm));
}

/*
 * Requests are told apart by (dev, sector, class).  A flush carries no data and sector 0
 * (6.18) or -1 (6.1 completions): were it a "read", it would take the slot of a real read
 * of sector 0 in flight and both would be mis-paired.
 */
static int request_class(const char *rwbs)
{
	if (strchr(rwbs, 'W'))
		return CLS_WRITE;
	return strchr(rwbs, 'R') ? CLS_READ : CLS_OTHER;
}

static void process(void *arg, void *item)
{
	struct blk_trace *t = arg;
	const struct rec *r = item;

	int write = request_class(r->rwbs);
	struct slot *s;
	struct blk_io io;

	switch (r->kind) {
	case K_START:
		s = get(t, r, write);
		s->have_start = true;
		s->have_issue = false;
		s->start = s->touched = r->time;
		s->pid = r->pid;
		memcpy(s->comm, r->comm, sizeof(s->comm));
		return;
	case K_ISSUE:
		s = get(t, r, write);
		s->have_issue = true;
		s->issue = s->touched = r->time;
		s->bytes = r->bytes;
		s->issue_pid = r->pid;
		memcpy(s->issue_comm, r->comm, sizeof(s->issue_comm));
		memcpy(s->rwbs, r->rwbs, sizeof(s->rwbs));
		if (t->cfg.on_issue) {
			to_io(s, &io);
			t->cfg.on_issue(t->cfg.arg, &io);
		}
		if (!t->cfg.on_done)
			s->used = false;
		return;
	case K_DONE:
		s = find(t, r, write);
		if (!s || !s->have_issue)
			return; /* issued before we started, or evicted */
		to_io(s, &io);
		io.done = r->time;
		s->used = false;
		t->cfg.on_done(t->cfg.arg, &io);
		return;
	}
}

void blk_trace_flush(struct blk_trace *t, bool all)
{
	order__release(&t->pending, all ? UINT64_MAX : session__settled(t->s), process, t);
}

/* --- disks --- */

struct disk {
	uint32_t dev;
	char name[64];
};

struct blk_disks {
	struct disk *v;
	size_t n;
	time_t loaded;
};

int blk_disk_dev(const char *name, uint32_t *dev)
{
	char path[256];
	struct stat st;

	if (!*name || (strchr(name, '/') && strncmp(name, "/dev/", 5)))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s%s", strncmp(name, "/dev/", 5) ? "/dev/" : "", name);
	if (stat(path, &st) || !S_ISBLK(st.st_mode))
		return -ENOENT;
	*dev = major(st.st_rdev) << 20 | minor(st.st_rdev);
	return 0;
}

static void disks_load(struct blk_disks *d)
{
	FILE *f = fopen("/proc/diskstats", "r");
	unsigned maj, min;
	char name[64], line[512];

	d->n = 0;
	d->loaded = time(NULL);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct disk *n;

		if (sscanf(line, "%u %u %63s", &maj, &min, name) != 3)
			continue;
		n = realloc(d->v, (d->n + 1) * sizeof(*n));
		if (!n)
			break;
		d->v = n;
		d->v[d->n].dev = maj << 20 | min;
		snprintf(d->v[d->n].name, sizeof(d->v[d->n].name), "%s", name);
		d->n++;
	}
	fclose(f);
}

struct blk_disks *blk_disks_new(void)
{
	struct blk_disks *d = calloc(1, sizeof(*d));

	if (d)
		disks_load(d);
	return d;
}

void blk_disks_free(struct blk_disks *d)
{
	if (!d)
		return;
	free(d->v);
	free(d);
}

const char *blk_disks_name(struct blk_disks *d, uint32_t dev)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < d->n; i++)
			if (d->v[i].dev == dev)
				return d->v[i].name;
		/* A disk attached after we started (a new loop device): read the list again. */
		if (pass || time(NULL) == d->loaded)
			break;
		disks_load(d);
	}
	return NULL;
}

/* --- request flags --- */

enum {
	OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD, OP_SECURE_ERASE, OP_UNKNOWN,
	F_SYNC = 1 << 8, F_META = 1 << 9, F_FUA = 1 << 10, F_RAHEAD = 1 << 11,
};

unsigned blk_rwbs_flags(const char *rwbs)
{
	const char *p = rwbs;
	unsigned f;

	/* A leading 'F' followed by the operation letter is REQ_PREFLUSH (BCC does not name it). */
	if (p[0] == 'F' && p[1] && strchr("WDFRN", p[1]))
		p++;
	switch (*p) {
	case 'R':
		f = OP_READ;
		break;
	case 'W':
		f = OP_WRITE;
		break;
	case 'F':
		f = OP_FLUSH;
		break;
	case 'D':
		f = p[1] == 'E' ? OP_SECURE_ERASE : OP_DISCARD;
		p += p[1] == 'E';
		break;
	default:
		f = OP_UNKNOWN;
		break;
	}
	if (*p)
		p++;
	for (; *p; p++) {
		switch (*p) {
		case 'F':
			f |= F_FUA;
			break;
		case 'A':
			f |= F_RAHEAD;
			break;
		case 'S':
			f |= F_SYNC;
			break;
		case 'M':
			f |= F_META;
			break;
		}
	}
	return f;
}

const char *blk_flags_name(unsigned flags, char *buf, size_t len)
{
	static const char *const ops[] = { "Read", "Write", "Flush", "Discard", "SecureErase", "Unknown" };
	unsigned op = flags & 0xff;

	/* BCC prepends each flag to the operation, Sync first, so the last one checked leads. */
	snprintf(buf, len, "%s%s%s%s%s", flags & F_RAHEAD ? "ReadAhead-" : "", flags & F_FUA ? "ForcedUnitAccess-" : "",
		 flags & F_META ? "Metadata-" : "", flags & F_SYNC ? "Sync-" : "",
		 ops[op < OP_UNKNOWN ? op : OP_UNKNOWN]);
	return buf;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void blk_schedule_start(struct blk_schedule *b, double interval, long count)
{
	b->interval = interval;
	b->outputs_left = count;
	b->next = mono_s() + interval;
}

bool blk_schedule_due(struct blk_schedule *b)
{
	if (mono_s() < b->next)
		return false;
	b->next += b->interval;
	return true;
}

bool blk_schedule_last(struct blk_schedule *b)
{
	return --b->outputs_left <= 0;
}
