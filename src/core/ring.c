// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ring: consumer side of one perf mmap ring.  The kernel appends 8-byte aligned records at
 * data_head and never overwrites bytes we have not released through data_tail, so between
 * ring__begin() and ring__end() the snapshot [tail, head) is stable and readable in place;
 * only a record whose body crosses the end of the data area is copied out.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "core/ring.h"

#define PUBLISH_EVERY 256

int ring__init(struct ring *r, void *base, size_t len)
{
	struct perf_event_mmap_page *meta = base;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t off, size;

	if (!base || page <= 0 || len < (size_t)page)
		return -EINVAL;
	if (meta->data_offset && meta->data_size) {
		off = meta->data_offset;
		size = meta->data_size;
	} else {
		off = (uint64_t)page;
		size = len - (size_t)page;
	}
	/* A power of two of at least one header keeps headers from straddling the end. */
	if (off > len || size > len - off || size < sizeof(struct perf_event_header) ||
	    (size & (size - 1)) || (((uintptr_t)base + off) & 7))
		return -EINVAL;

	r->meta = meta;
	r->data = (unsigned char *)base + off;
	r->size = size;
	r->mask = size - 1;
	r->tail = meta->data_tail;
	r->head = r->tail;
	r->since_publish = 0;
	return 0;
}

static void publish(struct ring *r)
{
	__atomic_store_n(&r->meta->data_tail, r->tail, __ATOMIC_RELEASE);
	r->since_publish = 0;
}

uint64_t ring__begin(struct ring *r)
{
	r->head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	/*
	 * The writer never gets more than one ring ahead of tail; if it appears to, the
	 * metadata is corrupt and nothing in between can be trusted.
	 */
	if (r->head - r->tail > r->size) {
		r->tail = r->head;
		return 0;
	}
	return r->head - r->tail;
}

/*
 * The record at position pos (between tail and head), contiguous, with its size in *size;
 * NULL at head or where the ring is corrupt (*size 0 then).
 */
static const struct perf_event_header *record_at(struct ring *r, uint64_t pos, uint16_t *size)
{
	const struct perf_event_header *h;
	uint64_t avail = r->head - pos;
	uint64_t off = pos & r->mask;
	unsigned char *copy;
	uint64_t first;

	*size = 0;
	if (avail < sizeof(*h) || (pos & 7))
		return NULL;
	h = (const struct perf_event_header *)(r->data + off);
	if (h->size < sizeof(*h) || h->size > avail || (h->size & 7))
		return NULL;
	*size = h->size;
	if (off + h->size <= r->size)
		return h;

	/*
	 * Callers read u64 arrays in place, so the copy must be 8-byte aligned; sizes are
	 * multiples of 8 below 64 KiB, which leaves room for the padding.
	 */
	copy = r->bounce + (-(uintptr_t)r->bounce & 7);
	first = r->size - off;
	memcpy(copy, r->data + off, first);
	memcpy(copy + first, r->data, *size - first);
	return (const struct perf_event_header *)copy;
}

const struct perf_event_header *ring__next(struct ring *r)
{
	const struct perf_event_header *h;
	uint16_t size;

	/* The caller is done with the previous record, so it may be released now. */
	if (r->since_publish >= PUBLISH_EVERY)
		publish(r);
	if (r->tail == r->head)
		return NULL;
	h = record_at(r, r->tail, &size);
	if (!h) {
		/* Record boundaries are lost: skip to what the writer considers the end. */
		r->tail = r->head;
		return NULL;
	}
	r->tail += size;
	r->since_publish++;
	return h;
}

const struct perf_event_header *ring__peek(struct ring *r, uint64_t *pos)
{
	const struct perf_event_header *h;
	uint16_t size;

	if (*pos < r->tail || *pos >= r->head)
		return NULL;
	h = record_at(r, *pos, &size);
	*pos += size;
	return h;
}

void ring__end(struct ring *r)
{
	publish(r);
}
