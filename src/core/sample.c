// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sample: decoder for the records perf writes into a ring.  The layout of a record is
 * implied by the sample_type the event was opened with, so fields are consumed in the
 * kernel's fixed order through a cursor that refuses to step past the record's size.
 * Values are copied out with memcpy; only u64 arrays (callchain, registers) are handed back
 * as pointers, which stay 8-byte aligned because every field keeps the record's alignment.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "core/sample.h"

struct cursor {
	const unsigned char *p, *end;
};

static int take(struct cursor *c, void *dst, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -EINVAL;
	if (dst)
		memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

static int take_u64(struct cursor *c, uint64_t *v)
{
	return take(c, v, sizeof(*v));
}

/* Two u32 packed in one u64 slot (pid/tid, cpu/reserved). */
static int take_pair(struct cursor *c, uint32_t *a, uint32_t *b)
{
	uint32_t v[2];

	if (take(c, v, sizeof(v)))
		return -EINVAL;
	*a = v[0];
	if (b)
		*b = v[1];
	return 0;
}

/* n u64 values returned in place; n comes from the record, so check it before multiplying. */
static int take_u64s(struct cursor *c, uint64_t n, const uint64_t **out)
{
	if (n > (uint64_t)(c->end - c->p) / sizeof(uint64_t))
		return -EINVAL;
	*out = (const uint64_t *)c->p;
	c->p += n * sizeof(uint64_t);
	return 0;
}

static int parse_sample(struct cursor *c, uint64_t type, uint64_t regs_mask, struct sample *s)
{
	uint32_t n;

	if (type & (PERF_SAMPLE_READ | PERF_SAMPLE_BRANCH_STACK))
		return -EINVAL;
	if ((type & PERF_SAMPLE_IDENTIFIER) && take_u64(c, &s->id))
		return -EINVAL;
	if ((type & PERF_SAMPLE_IP) && take_u64(c, &s->ip))
		return -EINVAL;
	if ((type & PERF_SAMPLE_TID) && take_pair(c, &s->pid, &s->tid))
		return -EINVAL;
	if ((type & PERF_SAMPLE_TIME) && take_u64(c, &s->time))
		return -EINVAL;
	if ((type & PERF_SAMPLE_ADDR) && take_u64(c, NULL))
		return -EINVAL;
	if ((type & PERF_SAMPLE_ID) && take_u64(c, &s->id))
		return -EINVAL;
	if ((type & PERF_SAMPLE_STREAM_ID) && take_u64(c, NULL))
		return -EINVAL;
	if ((type & PERF_SAMPLE_CPU) && take_pair(c, &s->cpu, NULL))
		return -EINVAL;
	if ((type & PERF_SAMPLE_PERIOD) && take_u64(c, &s->period))
		return -EINVAL;
	if (type & PERF_SAMPLE_CALLCHAIN) {
		if (take_u64(c, &s->nr_ips) || take_u64s(c, s->nr_ips, &s->ips))
			return -EINVAL;
	}
	if (type & PERF_SAMPLE_RAW) {
		/*
		 * The kernel pads the payload so that size + the u32 ends on a u64 boundary;
		 * anything else is not a record it wrote and would misalign what follows.
		 */
		if (take(c, &n, sizeof(n)) || ((n + sizeof(n)) & 7))
			return -EINVAL;
		s->raw = c->p;
		s->raw_size = n;
		if (take(c, NULL, n))
			return -EINVAL;
	}
	if (type & PERF_SAMPLE_REGS_USER) {
		if (take_u64(c, &s->abi))
			return -EINVAL;
		/* abi 0 (PERF_SAMPLE_REGS_ABI_NONE): no user registers, e.g. a kernel thread. */
		if (s->abi) {
			s->nr_regs = (unsigned)__builtin_popcountll(regs_mask);
			if (take_u64s(c, s->nr_regs, &s->regs))
				return -EINVAL;
		}
	}
	if (type & PERF_SAMPLE_STACK_USER) {
		if (take_u64(c, &s->stack_size) ||
		    s->stack_size > (uint64_t)(c->end - c->p))
			return -EINVAL;
		if (s->stack_size) {
			s->stack = c->p;
			c->p += s->stack_size;
			/* dyn_size: how much of the copy is valid; only present with a copy. */
			if (take_u64(c, &s->stack_dyn_size) || s->stack_dyn_size > s->stack_size)
				return -EINVAL;
		}
	}
	/* Later sample_type bits (WEIGHT, DATA_SRC, ...) follow; nothing here uses them. */
	return 0;
}

static size_t trailer_size(uint64_t type)
{
	const uint64_t bits = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID |
			      PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER;

	return (size_t)__builtin_popcountll(type & bits) * sizeof(uint64_t);
}

/*
 * The sample_id trailer that attr.sample_id_all appends to non-sample records, read from
 * the end so IDENTIFIER is always the last u64.  rest: the bytes after the record's own
 * body; none means the event was opened without sample_id_all.
 */
static int parse_trailer(struct cursor rest, uint64_t type, bool body_tid, bool body_time,
			 struct sample *s)
{
	size_t need = trailer_size(type);
	uint32_t pid = 0, tid = 0;
	uint64_t time = 0;

	if (rest.p == rest.end || !need)
		return 0;
	if ((size_t)(rest.end - rest.p) < need)
		return -EINVAL;
	/* Sizes are checked above, so the reads below cannot fail. */
	rest.p = rest.end - need;
	/* The body describes the task the record is about; the trailer only fills gaps. */
	if (type & PERF_SAMPLE_TID) {
		take_pair(&rest, &pid, &tid);
		if (!body_tid) {
			s->pid = pid;
			s->tid = tid;
		}
	}
	if (type & PERF_SAMPLE_TIME) {
		take_u64(&rest, &time);
		if (!body_time)
			s->time = time;
	}
	/* The trailer id is the one samples carry (the parent's, for inherited events). */
	if (type & PERF_SAMPLE_ID)
		take_u64(&rest, &s->id);
	if (type & PERF_SAMPLE_STREAM_ID)
		take_u64(&rest, NULL);
	if (type & PERF_SAMPLE_CPU)
		take_pair(&rest, &s->cpu, NULL);
	if (type & PERF_SAMPLE_IDENTIFIER)
		take_u64(&rest, &s->id);
	return 0;
}

int sample__parse(const struct perf_event_header *h, uint64_t sample_type, uint64_t regs_mask,
		  struct sample *s)
{
	struct cursor c;
	bool body_tid = false, body_time = false;
	size_t len;

	memset(s, 0, sizeof(*s));
	if (h->size < sizeof(*h))
		return -EINVAL;
	s->type = h->type;
	s->misc = h->misc;
	c.p = (const unsigned char *)(h + 1);
	c.end = (const unsigned char *)h + h->size;

	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		return parse_sample(&c, sample_type, regs_mask, s);
	case PERF_RECORD_LOST:
		if (take_u64(&c, &s->id) || take_u64(&c, &s->lost))
			return -EINVAL;
		break;
	case PERF_RECORD_COMM:
		if (take_pair(&c, &s->pid, &s->tid))
			return -EINVAL;
		/* comm is NUL-terminated and padded to a u64 boundary: that fixes its size. */
		len = strnlen((const char *)c.p, (size_t)(c.end - c.p));
		if (len == (size_t)(c.end - c.p))
			return -EINVAL;
		s->comm = (const char *)c.p;
		if (take(&c, NULL, (len + 1 + 7) & ~(size_t)7))
			return -EINVAL;
		body_tid = true;
		break;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if (take_pair(&c, &s->pid, &s->ppid) || take_pair(&c, &s->tid, &s->ptid) ||
		    take_u64(&c, &s->time))
			return -EINVAL;
		body_tid = body_time = true;
		break;
	default:
		return 0;
	}

	return parse_trailer(c, sample_type, body_tid, body_time, s);
}

uint64_t sample__id(const struct perf_event_header *h)
{
	const unsigned char *p = (const unsigned char *)h;
	uint64_t id;

	if (h->size < sizeof(*h) + sizeof(id))
		return 0;
	if (h->type == PERF_RECORD_SAMPLE)
		memcpy(&id, p + sizeof(*h), sizeof(id));
	else
		memcpy(&id, p + h->size - sizeof(id), sizeof(id));
	return id;
}
