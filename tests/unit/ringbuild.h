/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ringbuild: test helpers that play the kernel's part.  A fake mapping (metadata page plus
 * 2^n data pages in ordinary memory) that records can be appended to at any head position,
 * so tests reach wrap-around and counters past 2^32 without a perf fd; and a small record
 * builder that lays out PERF_RECORD_* bodies field by field.
 */
#ifndef RT_TEST_RINGBUILD_H
#define RT_TEST_RINGBUILD_H

#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fake_ring {
	void *base; /* what ring__init() gets: the "mapping" */
	size_t len;
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	uint64_t size;
};

/* 2^order data pages; head and tail both start at `start` (free-running, any value). */
static inline int fake_ring_new(struct fake_ring *f, unsigned order, uint64_t start)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	f->size = (uint64_t)page << order;
	f->len = page + f->size;
	f->base = aligned_alloc(page, f->len);
	if (!f->base)
		return -1;
	memset(f->base, 0, f->len);
	f->meta = f->base;
	f->data = (unsigned char *)f->base + page;
	f->meta->data_head = start;
	f->meta->data_tail = start;
	return 0;
}

static inline void fake_ring_free(struct fake_ring *f)
{
	free(f->base);
	f->base = NULL;
}

/* Write len bytes at the current head, wrapping as the kernel does, and advance head. */
static inline void fake_ring_put(struct fake_ring *f, const void *rec, size_t len)
{
	const unsigned char *p = rec;
	uint64_t head = f->meta->data_head;
	size_t i;

	for (i = 0; i < len; i++)
		f->data[(head + i) & (f->size - 1)] = p[i];
	__atomic_store_n(&f->meta->data_head, head + len, __ATOMIC_RELEASE);
}

/* A record under construction; 8-byte aligned like the records the kernel writes. */
struct recbuf {
	unsigned char b[65536] __attribute__((aligned(8))); /* the largest perf record */
	size_t n;
};

static inline struct perf_event_header *rb_hdr(struct recbuf *rb)
{
	return (struct perf_event_header *)rb->b;
}

static inline void rb_start(struct recbuf *rb, uint32_t type, uint16_t misc)
{
	memset(rb, 0, sizeof(*rb));
	rb_hdr(rb)->type = type;
	rb_hdr(rb)->misc = misc;
	rb->n = sizeof(struct perf_event_header);
}

static inline void rb_bytes(struct recbuf *rb, const void *p, size_t len)
{
	memcpy(rb->b + rb->n, p, len);
	rb->n += len;
}

static inline void rb_u64(struct recbuf *rb, uint64_t v)
{
	rb_bytes(rb, &v, sizeof(v));
}

static inline void rb_u32(struct recbuf *rb, uint32_t v)
{
	rb_bytes(rb, &v, sizeof(v));
}

/* Two u32 in one u64 slot (pid/tid, cpu/reserved). */
static inline void rb_pair(struct recbuf *rb, uint32_t a, uint32_t b)
{
	rb_u32(rb, a);
	rb_u32(rb, b);
}

/* PERF_SAMPLE_RAW: u32 size then the payload, zero-padded so the pair ends 8-aligned. */
static inline void rb_raw(struct recbuf *rb, const void *p, uint32_t len)
{
	uint32_t padded = ((len + 4 + 7) & ~7u) - 4;

	rb_u32(rb, padded);
	rb_bytes(rb, p, len);
	rb->n += padded - len;
}

/* Set header.size to what was written; returns the finished record. */
static inline const struct perf_event_header *rb_end(struct recbuf *rb)
{
	rb_hdr(rb)->size = (uint16_t)rb->n;
	return rb_hdr(rb);
}

#endif
