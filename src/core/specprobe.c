// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * specprobe: plan one trace/argdist probe.  Leaves of the expressions are resolved to
 * what the kernel can capture at event time (tracepoint fields; for kprobes and uprobes,
 * tracefs fetch-args named a<N>, s<N> (string), ret, rets, comm), so values are exact;
 * the predicate is split into a kernel filter and a residual evaluated here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <event-parse.h>
#include "core/agg.h"
#include "core/catalog.h"
#include "core/err.h"
#include "core/field.h"
#include "core/hist.h"
#include "core/probes.h"
#include "core/specprobe.h"
#include "parsers/pattern.h"

#define MAX_LEAVES 64
#define INFLIGHT 65536  /* threads between a function's entry and return ($latency, $entry) */

enum leaf_src { SRC_FIELD, SRC_PID, SRC_TGID, SRC_CPU, SRC_COMM, SRC_LATE_STR, SRC_LATENCY, SRC_ENTRY };

struct leaf {
	const struct expr *e;
	enum leaf_src src;
	char fetch[16];  /* fetch-arg name; for tracepoints the field name */
	struct field f;
	bool string;     /* fetched as a string */
};

struct specprobe {
	struct evsel *ev;
	char type;
	char *name;
	struct leaf leaves[MAX_LEAVES];
	size_t nleaves;
	struct expr *residual;
	char *kfilter;
	const struct expr *const *vals;
	const bool *val_string;
	size_t nvals;
	unsigned string_size;
	bool comm_fetched;
	struct field comm_f;
	/* in-kernel log2 buckets: counters[i] counts slot i (NULL: slot not counted) */
	struct evsel *counters[HIST_LOG2_SLOTS];
	bool buckets;
	struct session *s;
	/* $latency / $entry(NAME): an entry probe records the time and one argument per thread */
	struct evsel *entry_ev;
	int entry_argn;
	struct field entry_f;
	struct agg inflight;
	char scratch[4096];   /* strings of the predicate */
	char (*valbuf)[4096]; /* one buffer per value: a message may print several strings */
	char commbuf[32];
};

static const char *const uregs[] = { "%di", "%si", "%dx", "%cx", "%r8", "%r9" };

/* The argument number (1-6) a leaf stands for, 0 for none. */
static int leaf_argn(const struct specprobe_req *r, const struct expr *e)
{
	int i;

	if (e->kind == EXPR_VAR && e->var == EXPR_VAR_ARG)
		return e->argn;
	if (e->kind == EXPR_IDENT) {
		i = spec_param_index(r->site.params, r->site.nparams, e->name);
		return i >= 0 ? i + 1 : 0;
	}
	return 0;
}

/* A bare leaf, or a cast of one, printed with %s: which leaf carries the string. */
static const struct expr *string_leaf(const struct expr *e)
{
	while (e->kind == EXPR_CAST)
		e = e->kid[0];
	return e->kind == EXPR_VAR || e->kind == EXPR_IDENT || e->kind == EXPR_FIELD ? e : NULL;
}

static int add_leaf(struct specprobe *p, const struct specprobe_req *r, struct tep_event *tp,
		    const struct expr *e, bool string, char *err, size_t errlen)
{
	struct leaf *l;
	int argn;

	if (p->nleaves == MAX_LEAVES) {
		snprintf(err, errlen, "too many values in one probe (at most %d)", MAX_LEAVES);
		return -E2BIG;
	}
	l = &p->leaves[p->nleaves];
	*l = (struct leaf){ .e = e, .string = string };
	switch (e->kind) {
	case EXPR_FIELD:
		if (!tp) {
			snprintf(err, errlen, "args->%s needs a tracepoint (t:) probe", e->name);
			return -EINVAL;
		}
		if (field__find(&l->f, tp, e->name)) {
			snprintf(err, errlen, "tracepoint %s:%s has no field '%s'; 'rawtrace tplist -v %s:%s' lists them",
				 r->site.category, r->site.function, e->name, r->site.category, r->site.function);
			return -EINVAL;
		}
		snprintf(l->fetch, sizeof(l->fetch), "%.15s", e->name);
		/* A user pointer printed as a string can only be read later: marked. */
		if (string && !l->f.is_string)
			l->src = SRC_LATE_STR;
		break;
	case EXPR_VAR:
		switch (e->var) {
		case EXPR_VAR_PID:
			l->src = SRC_PID;
			break;
		case EXPR_VAR_TGID:
			l->src = SRC_TGID;
			break;
		case EXPR_VAR_CPU:
			l->src = SRC_CPU;
			break;
		case EXPR_VAR_COMM:
			l->src = SRC_COMM;
			break;
		case EXPR_VAR_RETVAL:
			if (r->site.type != 'r') {
				snprintf(err, errlen, "retval needs a return (r:) probe");
				return -EINVAL;
			}
			snprintf(l->fetch, sizeof(l->fetch), string ? "rets" : "ret");
			break;
		case EXPR_VAR_ARG:
			goto arg;
		case EXPR_VAR_LATENCY:
			l->src = SRC_LATENCY;
			break;
		default:
			snprintf(err, errlen, "%s is not available without BPF in this tool", e->name);
			return -EINVAL;
		}
		break;
	case EXPR_IDENT:
arg:
		argn = leaf_argn(r, e);
		if (r->site.type == 't' || !argn || argn > 6) {
			snprintf(err, errlen, r->site.type == 't' ? "'%s' on a tracepoint: use args->FIELD" : "unknown name '%s'",
				 e->name ? e->name : "arg");
			return -EINVAL;
		}
		snprintf(l->fetch, sizeof(l->fetch), "%c%d", string ? 's' : 'a', argn);
		break;
	default:
		snprintf(err, errlen, "this expression is not supported without BPF");
		return -EINVAL;
	}
	p->nleaves++;
	return 0;
}

/* Same value: the residual of a split predicate is a copy, so match by meaning. */
static bool same_leaf(const struct expr *a, const struct expr *b)
{
	if (a == b)
		return true;
	if (a->kind != b->kind || a->var != b->var || a->argn != b->argn || a->user != b->user)
		return false;
	return (!a->name && !b->name) || (a->name && b->name && !strcmp(a->name, b->name));
}

/* The integer-valued leaf for e (string fetches serve only %s values). */
static struct leaf *find_leaf(struct specprobe *p, const struct expr *e)
{
	for (size_t i = 0; i < p->nleaves; i++)
		if (!p->leaves[i].string && same_leaf(p->leaves[i].e, e))
			return &p->leaves[i];
	return NULL;
}

static struct leaf *find_string_leaf(struct specprobe *p, const struct expr *e)
{
	for (size_t i = 0; i < p->nleaves; i++)
		if (same_leaf(p->leaves[i].e, e) && (p->leaves[i].string || p->leaves[i].src == SRC_LATE_STR))
			return &p->leaves[i];
	return find_leaf(p, e);
}

/* Every leaf of e (values read as integers unless it is a string field). */
static int collect(struct specprobe *p, const struct specprobe_req *r, struct tep_event *tp,
		   const struct expr *e, char *err, size_t errlen)
{
	int ret, argn;

	if (!e)
		return 0;
	switch (e->kind) {
	case EXPR_VAR:
	case EXPR_IDENT:
	case EXPR_FIELD:
		return find_leaf(p, e) ? 0 : add_leaf(p, r, tp, e, false, err, errlen);
	case EXPR_ENTRY:
		if (find_leaf(p, e))
			return 0;
		argn = spec_param_index(r->site.params, r->site.nparams, e->name) + 1;
		if (r->site.type != 'r' || argn < 1 || argn > 6 || (p->entry_argn && p->entry_argn != argn)) {
			snprintf(err, errlen, "$entry(%s) needs an r: probe with %s in its signature (one $entry per probe)",
				 e->name, e->name);
			return -EINVAL;
		}
		p->entry_argn = argn;
		p->leaves[p->nleaves++] = (struct leaf){ .e = e, .src = SRC_ENTRY };
		return 0;
	case EXPR_UNARY:
		if (e->op == EXPR_OP_DEREF) {
			snprintf(err, errlen, "pointer dereference (*) is not supported without BPF");
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	for (int k = 0; k < 2; k++)
		if (e->kid[k] && (ret = collect(p, r, tp, e->kid[k], err, errlen)))
			return ret;
	return 0;
}

struct kf_ctx {
	struct specprobe *p;
};

static bool kfield(void *ctx, const struct expr *leaf, struct expr_kfield *f)
{
	struct specprobe *p = ((struct kf_ctx *)ctx)->p;
	struct leaf *l = find_leaf(p, leaf);

	if (!l)
		return false;
	memset(f, 0, sizeof(*f));
	switch (l->src) {
	case SRC_FIELD:
		if (p->type == 't' && !l->f.is_string && l->f.is_array)
			return false;
		snprintf(f->name, sizeof(f->name), "%s", l->fetch);
		f->is_string = p->type == 't' ? l->f.is_string : l->string;
		f->is_signed = p->type == 't' ? l->f.is_signed : !strcmp(l->fetch, "ret");
		f->size = p->type == 't' ? l->f.size : 8;
		return true;
	case SRC_PID:
		snprintf(f->name, sizeof(f->name), "common_pid");
		f->is_signed = true;
		f->size = 4;
		return true;
	case SRC_CPU:
		snprintf(f->name, sizeof(f->name), "CPU");
		f->size = 4;
		return true;
	case SRC_COMM:
		snprintf(f->name, sizeof(f->name), "COMM");
		f->is_string = true;
		return true;
	default:
		return false;
	}
}

/* The fetch-arg definitions of a kprobe/uprobe for the leaves that need them. */
static char *fetchargs(struct specprobe *p, const struct specprobe_req *r)
{
	char *buf = calloc(1, 4096);
	size_t n = 0;
	bool user = r->site.library && *r->site.library;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < p->nleaves; i++) {
		struct leaf *l = &p->leaves[i];
		char loc[32];
		bool dup = false;

		if (l->src != SRC_FIELD)
			continue;
		for (size_t j = 0; j < i; j++)
			dup |= p->leaves[j].src == SRC_FIELD && !strcmp(p->leaves[j].fetch, l->fetch);
		if (dup)
			continue;
		if (l->fetch[0] == 'r')
			snprintf(loc, sizeof(loc), "$retval");
		else if (user)
			snprintf(loc, sizeof(loc), "%s", uregs[atoi(l->fetch + 1) - 1]);
		else
			snprintf(loc, sizeof(loc), "$arg%d", atoi(l->fetch + 1));
		if (l->string)
			n += (size_t)snprintf(buf + n, 4096 - n, "%s=+0(%s):%s ", l->fetch, loc,
					      user || l->e->user ? "ustring" : "string");
		else
			n += (size_t)snprintf(buf + n, 4096 - n, "%s=%s:%s ", l->fetch, loc,
					      !strcmp(l->fetch, "ret") ? "s64" : "u64");
	}
	/* $comm makes COMM exact for probes (tracepoints: a cache of /proc) */
	n += (size_t)snprintf(buf + n, 4096 - n, "comm=$comm");
	return buf;
}

static int resolve_probe(const struct specprobe_req *r, struct probe_target *out)
{
	struct pattern pat = { .type = 'p', .lib = (char *)r->site.library, .func = (char *)r->site.function,
			       .text = (char *)r->site.function };
	struct probe_list l;
	int ret;

	ret = probes_expand(&pat, false, r->pid, &l);
	if (ret)
		return ret;
	*out = l.v[0];
	out->path = out->path ? strdup(out->path) : NULL;
	out->func = strdup(out->func);
	out->sys = out->event = out->display = NULL;
	probe_list_free(&l);
	return out->func ? 0 : EXIT_RUNTIME;
}

static void on_entry(void *arg, struct evsel *ev, const struct sample *smp)
{
	struct specprobe *p = arg;
	uint64_t *v = agg_get(&p->inflight, smp->tid);

	if (!v)
		return;
	v[0] = smp->time;
	v[1] = p->entry_argn ? field__u64(&p->entry_f, smp->raw, smp->raw_size) : 0;
}

static bool needs_entry(const struct specprobe *p)
{
	for (size_t i = 0; i < p->nleaves; i++)
		if (p->leaves[i].src == SRC_LATENCY || p->leaves[i].src == SRC_ENTRY)
			return true;
	return false;
}

/* The entry probe of a return probe whose expressions use $latency or $entry(). */
static int add_entry_probe(struct session *s, struct specprobe *p, const struct probe_target *t,
			   const struct specprobe_req *r)
{
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = on_entry, .arg = p };
	struct probe_spec ps = { .type = t->kind == PROBE_UPROBE ? PROBE_USER : PROBE_KERNEL, .path = t->path,
				 .func = t->func, .offset = t->offset + r->site.offset, .label = r->site.function };
	char fa[64] = "";

	if (agg_init(&p->inflight, INFLIGHT)) {
		err_msg("out of memory");
		return -ENOMEM;
	}
	/* A thread can move to another CPU inside the call: entry and return in two rings. */
	session__set_ordered(s, true);
	if (p->entry_argn && t->kind == PROBE_UPROBE)
		snprintf(fa, sizeof(fa), "e=%s:u64", uregs[p->entry_argn - 1]);
	else if (p->entry_argn)
		snprintf(fa, sizeof(fa), "e=$arg%d:u64", p->entry_argn);
	ps.fetchargs = fa[0] ? fa : NULL;
	p->entry_ev = session__add_probe(s, &ps, &cfg);
	if (!p->entry_ev)
		return -EINVAL;
	if (p->entry_argn && field__find(&p->entry_f, evsel__tep(p->entry_ev), "e")) {
		err_msg("entry probe of %s has no field e", r->site.function);
		return -EINVAL;
	}
	return 0;
}

/* One unsigned integer field as the only value, and nothing left for user space. */
static bool bucketable(const struct specprobe *p, const struct specprobe_req *r)
{
	const struct leaf *l = p->nleaves == 1 ? &p->leaves[0] : NULL;

	return r->nvals == 1 && !p->residual && l && l->e == r->vals[0] && l->src == SRC_FIELD &&
	       !l->f.is_signed && !l->f.is_array && !l->f.is_string && l->f.size >= 1 && l->f.size <= 8;
}

/*
 * Slot i of BCC's log2 histogram holds [2^(i-1), 2^i - 1], slot 1 also 0; a field of n
 * bytes reaches slot 8n at most.  One counter per slot, filtered to its range.
 */
static int add_buckets(struct session *s, struct specprobe *p, const struct specprobe_req *r)
{
	const struct leaf *l = &p->leaves[0];
	unsigned last = 8 * l->f.size;
	char filter[1024];

	for (unsigned i = 1; i <= last; i++) {
		struct ev_cfg cfg = { .mode = EV_COUNT, .filter = filter };
		uint64_t lo = i == 1 ? 0 : 1ULL << (i - 1), hi = i == 64 ? UINT64_MAX : (1ULL << i) - 1;

		snprintf(filter, sizeof(filter), "%s%s%s%s >= %llu && %s <= %llu", p->kfilter ? "(" : "",
			 p->kfilter ? p->kfilter : "", p->kfilter ? ") && " : "", l->fetch, (unsigned long long)lo,
			 l->fetch, (unsigned long long)hi);
		p->counters[i] = session__add_tracepoint(s, r->site.category, r->site.function, &cfg);
		if (!p->counters[i])
			return EXIT_RUNTIME;
	}
	p->buckets = true;
	if (r->verbose)
		fprintf(stderr, "%s: log2 histogram of %s counted in the kernel by %u filtered counters\n",
			r->site.function, l->fetch, last);
	return 0;
}

bool specprobe_buckets(struct specprobe *p, uint64_t *slots)
{
	if (!p->buckets)
		return false;
	session__read_counts(p->s);
	for (unsigned i = 1; i < HIST_LOG2_SLOTS; i++)
		if (p->counters[i])
			slots[i] += evsel__count(p->counters[i]);
	return true;
}

int specprobe_spec_error(const char *text, const struct expr_error *err)
{
	char buf[2048];

	spec_format_error(text, err->col, err->msg, buf, sizeof(buf));
	fprintf(stderr, "%s\n", buf);
	return EXIT_USAGE;
}

struct specprobe *specprobe_new(struct session *s, const struct specprobe_req *r, int *status)
{
	struct specprobe *p = calloc(1, sizeof(*p));
	struct ev_cfg cfg = { .mode = EV_SAMPLE, .on_sample = r->on_sample, .arg = r->arg,
			      .sample_type = r->sample_type, .regs_user = r->regs_user, .stack_user = r->stack_user };
	struct tep_event *tp = NULL;
	struct kf_ctx kc = { p };
	char err[512] = "", *fa = NULL;
	int ret = 0;

	*status = EXIT_RUNTIME;
	if (!p) {
		err_msg("out of memory");
		return NULL;
	}
	p->type = r->site.type;
	p->vals = r->vals;
	p->val_string = r->val_string;
	p->nvals = r->nvals;
	p->string_size = r->string_size ? r->string_size : 80;
	p->name = strdup(r->site.function);
	p->valbuf = calloc(r->nvals + 1, sizeof(*p->valbuf));
	if (!p->name || !p->valbuf) {
		err_msg("out of memory");
		goto fail;
	}
	if (r->site.type == 'u') {
		err_msg("USDT probes (u:) are not supported by rawtrace yet");
		*status = EXIT_USAGE;
		goto fail;
	}
	if (r->site.type == 't') {
		tp = catalog__event(session__catalog(s), r->site.category, r->site.function);
		if (!tp) {
			err_msg("unknown tracepoint %s:%s; 'rawtrace tplist' lists them", r->site.category, r->site.function);
			*status = EXIT_USAGE;
			goto fail;
		}
	}
	/* string values first, so a leaf printed with %s is fetched as a string */
	for (size_t i = 0; i < r->nvals && !ret; i++) {
		const struct expr *sl = r->val_string[i] ? string_leaf(r->vals[i]) : NULL;

		if (sl && !find_string_leaf(p, sl))
			ret = add_leaf(p, r, tp, sl, true, err, sizeof(err));
	}
	ret = ret ? ret : collect(p, r, tp, r->pred, err, sizeof(err));
	for (size_t i = 0; i < r->nvals && !ret; i++)
		ret = collect(p, r, tp, r->vals[i], err, sizeof(err));
	if (ret) {
		err_msg("%s", err);
		*status = EXIT_USAGE;
		goto fail;
	}
	if (r->pred && expr_split_filter(r->pred, kfield, &kc, &p->kfilter, &p->residual)) {
		err_msg("out of memory");
		goto fail;
	}
	cfg.filter = p->kfilter;
	p->s = s;
	if (r->site.type == 't' && r->log2_buckets && bucketable(p, r)) {
		*status = add_buckets(s, p, r);
		if (*status)
			goto fail;
		p->ev = p->counters[1];
	} else if (r->site.type == 't') {
		p->ev = session__add_tracepoint(s, r->site.category, r->site.function, &cfg);
	} else {
		struct probe_target t = { 0 };
		struct probe_spec ps = { .ret = r->site.type == 'r', .label = r->site.function };

		*status = resolve_probe(r, &t);
		if (*status)
			goto fail;
		fa = fetchargs(p, r);
		ps.type = t.kind == PROBE_UPROBE ? PROBE_USER : PROBE_KERNEL;
		ps.path = t.path;
		ps.func = t.func;
		ps.offset = t.offset + r->site.offset;
		ps.fetchargs = fa;
		p->ev = session__add_probe(s, &ps, &cfg);
		if (p->ev && needs_entry(p) && add_entry_probe(s, p, &t, r))
			p->ev = NULL;
		free(t.path);
		free(t.func);
	}
	*status = EXIT_RUNTIME;
	if (!p->ev)
		goto fail;
	if (r->verbose)
		fprintf(stderr, "%s: kernel filter: %s; in user space: %s%s%s\n", r->site.function,
			p->kfilter ? p->kfilter : "(none)", p->residual ? "the rest of the predicate" : "(nothing)",
			fa ? "; fetch-args: " : "", fa ? fa : "");
	free(fa);
	fa = NULL;
	for (size_t i = 0; i < p->nleaves; i++) {
		struct leaf *l = &p->leaves[i];

		if (r->site.type != 't' && l->src == SRC_FIELD && field__find(&l->f, evsel__tep(p->ev), l->fetch)) {
			err_msg("probe %s has no field %s", r->site.function, l->fetch);
			goto fail;
		}
	}
	p->comm_fetched = r->site.type != 't' && !field__find(&p->comm_f, evsel__tep(p->ev), "comm");
	/* tracepoints carry no comm: the session follows task names instead */
	if (!p->comm_fetched && session__track_tasks(s))
		goto fail;
	return p;
fail:
	free(fa);
	specprobe_free(p);
	return NULL;
}

void specprobe_free(struct specprobe *p)
{
	if (!p)
		return;
	expr_free(p->residual);
	free(p->kfilter);
	free(p->name);
	free(p->valbuf);
	agg_free(&p->inflight);
	free(p);
}

const char *specprobe_name(const struct specprobe *p)
{
	return p->name;
}

struct evsel *specprobe_evsel(const struct specprobe *p)
{
	return p->ev;
}

const char *specprobe_comm(struct specprobe *p, const struct sample *smp)
{
	size_t len;

	if (p->comm_fetched) {
		const char *c = field__str(&p->comm_f, smp->raw, smp->raw_size, &len);

		snprintf(p->commbuf, sizeof(p->commbuf), "%.*s", c ? (int)len : 0, c ? c : "");
		return p->commbuf;
	}
	return session__comm(p->s, smp->pid, smp->tid, smp->cpu, p->commbuf);
}

/* A string at a user address of the thread, read now (it may have changed since). */
static const char *read_late(struct specprobe *p, const struct sample *smp, uint64_t addr, char *buf)
{
	size_t want = p->string_size < 4095 ? p->string_size : 4095;
	struct iovec local = { buf, want }, remote = { (void *)(uintptr_t)addr, want };
	ssize_t n = process_vm_readv((pid_t)smp->tid, &local, 1, &remote, 1, 0);

	if (n <= 0)
		return NULL;
	buf[n < (ssize_t)want ? n : (ssize_t)want] = 0;
	return buf;
}

struct env {
	struct specprobe *p;
	const struct sample *smp;
	bool unverified;
	char *buf;            /* where this evaluation's strings go (4096 bytes) */
};

static int leaf_value(struct env *en, struct leaf *l, struct expr_value *out)
{
	struct specprobe *p = en->p;
	const struct sample *smp = en->smp;
	const char *str;
	size_t len;

	switch (l->src) {
	case SRC_PID:
		*out = expr_value_int(smp->tid, 32, true);
		return 0;
	case SRC_TGID:
		*out = expr_value_int(smp->pid, 32, true);
		return 0;
	case SRC_CPU:
		*out = expr_value_int(smp->cpu, 32, true);
		return 0;
	case SRC_COMM:
		*out = expr_value_str(specprobe_comm(p, smp));
		return 0;
	case SRC_LATENCY:
	case SRC_ENTRY: {
		/* the same thread's last entry: a return without one (entered before we started) has no value */
		uint64_t *v = p->inflight.tab ? agg_find(&p->inflight, smp->tid) : NULL;

		if (!v)
			return -ENOENT;
		*out = l->src == SRC_LATENCY ? expr_value_int((int64_t)(smp->time - v[0]), 64, false)
					     : expr_value_int((int64_t)v[1], 64, false);
		return 0;
	}
	case SRC_LATE_STR:
		str = read_late(p, smp, field__u64(&l->f, smp->raw, smp->raw_size), en->buf);
		en->unverified = true;
		*out = expr_value_str(str ? str : "[unreadable]");
		return 0;
	case SRC_FIELD:
		if (l->string || l->f.is_string) {
			str = field__str(&l->f, smp->raw, smp->raw_size, &len);
			if (!str)
				return -EINVAL;
			len = len < p->string_size ? len : p->string_size;
			len = len < 4095 ? len : 4095;
			memcpy(en->buf, str, len);
			en->buf[len] = 0;
			*out = expr_value_str(en->buf);
			return 0;
		}
		*out = expr_value_int(field__s64(&l->f, smp->raw, smp->raw_size),
				      l->f.size > 4 || p->type != 't' ? 64 : 32, l->f.is_signed);
		return 0;
	}
	return -EINVAL;
}

static int leaf_value(struct env *en, struct leaf *l, struct expr_value *out);

static int env_value(void *ctx, const struct expr *leaf, struct expr_value *out)
{
	struct env *en = ctx;
	struct leaf *l = find_leaf(en->p, leaf);

	return l ? leaf_value(en, l, out) : -ENOENT;
}

/* A %s value: the string fetch of that leaf (strings fields are their own leaves). */
static int string_value(struct env *en, const struct expr *leaf, struct expr_value *out)
{
	struct leaf *l = find_string_leaf(en->p, leaf);

	return l ? leaf_value(en, l, out) : -ENOENT;
}

bool specprobe_match(struct specprobe *p, const struct sample *smp)
{
	struct env en = { p, smp, false, p->scratch };
	struct expr_error err;
	bool ok = false;

	if (!p->residual)
		return true;
	return expr_eval_bool(p->residual, env_value, &en, &ok, &err) == 0 && ok;
}

int specprobe_value(struct specprobe *p, const struct sample *smp, size_t i, struct expr_value *out,
		    bool *unverified)
{
	struct env en = { p, smp, false, p->valbuf[i] };
	const struct expr *sl = p->val_string[i] ? string_leaf(p->vals[i]) : NULL;
	struct expr_error err;
	int ret;

	ret = sl ? string_value(&en, sl, out) : expr_eval(p->vals[i], env_value, &en, out, &err);
	*unverified = en.unverified;
	return ret;
}
