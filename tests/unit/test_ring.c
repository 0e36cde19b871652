// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for the perf ring reader over hand-built mappings: draining, wrap-around
 * through the bounce buffer, free-running 64-bit counters, corrupt sizes and when tail is
 * handed back to the writer.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include "core/ring.h"
#include "core/sample.h"
#include "ringbuild.h"

static struct ring *new_ring(void)
{
	struct ring *r = malloc(sizeof(*r));

	cr_assert_not_null(r);
	return r;
}

/* A record of `size` bytes whose body is a byte pattern derived from seed. */
static const struct perf_event_header *pattern_rec(struct recbuf *rb, uint16_t size,
						   uint8_t seed)
{
	size_t i;

	rb_start(rb, PERF_RECORD_SAMPLE, 0);
	for (i = sizeof(struct perf_event_header); i < size; i++)
		rb->b[i] = (uint8_t)(seed + i * 7);
	rb->n = size;
	return rb_end(rb);
}

static void put_pattern(struct fake_ring *f, uint16_t size, uint8_t seed)
{
	struct recbuf rb;

	fake_ring_put(f, pattern_rec(&rb, size, seed), size);
}

static void expect_pattern(const struct perf_event_header *h, uint16_t size, uint8_t seed)
{
	struct recbuf rb;

	cr_assert_not_null(h);
	cr_assert_eq(h->size, size);
	cr_assert_eq(memcmp(h, pattern_rec(&rb, size, seed), size), 0, "record content differs");
}

Test(ring, init_rejects_bad_geometry)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct ring *r = new_ring();
	void *base = aligned_alloc(page, page * 4);

	cr_assert_not_null(base);
	memset(base, 0, page * 4);
	cr_assert_eq(ring__init(r, base, page * 4), -EINVAL, "3 data pages: not a power of two");
	cr_assert_eq(ring__init(r, base, page), -EINVAL, "no data pages");
	cr_assert_eq(ring__init(r, base, page / 2), -EINVAL, "shorter than the metadata page");
	cr_assert_eq(ring__init(r, base, page * 3), 0);
	cr_assert_eq(r->size, page * 2);
	cr_assert_eq(r->mask, page * 2 - 1);
	cr_assert_eq(r->data, (unsigned char *)base + page);
	free(base);
	free(r);
}

Test(ring, init_uses_data_offset_and_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct ring *r = new_ring();
	void *base = aligned_alloc(page, page * 4);
	struct perf_event_mmap_page *meta = base;

	cr_assert_not_null(base);
	memset(base, 0, page * 4);
	meta->data_offset = page * 2;
	meta->data_size = page;
	cr_assert_eq(ring__init(r, base, page * 4), 0);
	cr_assert_eq(r->data, (unsigned char *)base + page * 2);
	cr_assert_eq(r->size, page);
	meta->data_size = page * 3;
	cr_assert_eq(ring__init(r, base, page * 4), -EINVAL, "data area beyond the mapping");
	free(base);
	free(r);
}

Test(ring, empty)
{
	struct fake_ring f;
	struct ring *r = new_ring();

	cr_assert_eq(fake_ring_new(&f, 0, 0), 0);
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	cr_assert_eq(ring__begin(r), 0);
	cr_assert_null(ring__next(r));
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 0);
	fake_ring_free(&f);
	free(r);
}

Test(ring, several_records_in_place)
{
	struct fake_ring f;
	struct ring *r = new_ring();
	const struct perf_event_header *h;

	cr_assert_eq(fake_ring_new(&f, 0, 0), 0);
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	put_pattern(&f, 16, 1);
	put_pattern(&f, 40, 2);
	put_pattern(&f, 8, 3);
	cr_assert_eq(ring__begin(r), 64);

	h = ring__next(r);
	expect_pattern(h, 16, 1);
	cr_assert_eq((const unsigned char *)h, f.data, "unwrapped records are read in place");
	h = ring__next(r);
	expect_pattern(h, 40, 2);
	cr_assert_eq((const unsigned char *)h, f.data + 16);
	expect_pattern(ring__next(r), 8, 3);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 64);

	/* Records written after the snapshot wait for the next batch. */
	put_pattern(&f, 24, 4);
	cr_assert_eq(ring__begin(r), 24);
	expect_pattern(ring__next(r), 24, 4);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 88);
	fake_ring_free(&f);
	free(r);
}

Test(ring, body_wraps_through_bounce)
{
	struct fake_ring f;
	struct ring *r = new_ring();
	const struct perf_event_header *h;
	uint64_t start;

	cr_assert_eq(fake_ring_new(&f, 0, 0), 0);
	start = f.size - 16; /* header and 8 body bytes at the end, the rest at the start */
	f.meta->data_head = f.meta->data_tail = start;
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	put_pattern(&f, 200, 9);
	put_pattern(&f, 32, 10);
	cr_assert_eq(ring__begin(r), 232);

	h = ring__next(r);
	expect_pattern(h, 200, 9);
	cr_assert((const unsigned char *)h < f.data ||
		  (const unsigned char *)h >= f.data + f.size,
		  "a wrapped record is handed out from the bounce buffer");
	cr_assert_eq((uintptr_t)h & 7, 0, "the copy keeps u64 alignment");
	h = ring__next(r);
	expect_pattern(h, 32, 10);
	cr_assert_eq((const unsigned char *)h, f.data + 184);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, start + 232);
	fake_ring_free(&f);
	free(r);
}

Test(ring, largest_record_wraps)
{
	struct fake_ring f;
	struct ring *r = new_ring();

	/* 64 KiB data area so a 65528-byte record (the largest multiple of 8) fits. */
	cr_assert_eq(fake_ring_new(&f, 16 - __builtin_ctz((unsigned)sysconf(_SC_PAGESIZE)), 0), 0);
	f.meta->data_head = f.meta->data_tail = f.size - 8;
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	put_pattern(&f, 65528, 77);
	cr_assert_eq(ring__begin(r), 65528);
	expect_pattern(ring__next(r), 65528, 77);
	cr_assert_null(ring__next(r));
	fake_ring_free(&f);
	free(r);
}

Test(ring, header_exactly_at_end)
{
	struct fake_ring f;
	struct ring *r = new_ring();
	const struct perf_event_header *h;

	cr_assert_eq(fake_ring_new(&f, 0, 0), 0);
	/* The first record ends exactly at the end; the second's header is the last 8 bytes. */
	f.meta->data_head = f.meta->data_tail = f.size - 32;
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	put_pattern(&f, 24, 5);
	put_pattern(&f, 48, 6);
	cr_assert_eq(ring__begin(r), 72);
	h = ring__next(r);
	expect_pattern(h, 24, 5);
	cr_assert_eq((const unsigned char *)h, f.data + f.size - 32, "ends at the edge: in place");
	expect_pattern(ring__next(r), 48, 6);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, f.size + 40);
	fake_ring_free(&f);
	free(r);
}

Test(ring, counters_past_4g)
{
	struct fake_ring f;
	struct ring *r = new_ring();
	const uint64_t starts[] = { (1ULL << 32) - 8, (5ULL << 32) + 4096 - 16, UINT64_MAX - 15 };
	size_t i;

	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		cr_assert_eq(fake_ring_new(&f, 0, starts[i]), 0);
		cr_assert_eq(ring__init(r, f.base, f.len), 0);
		put_pattern(&f, 64, (uint8_t)i);
		put_pattern(&f, 16, (uint8_t)(i + 100));
		cr_assert_eq(ring__begin(r), 80, "start %#llx", (unsigned long long)starts[i]);
		expect_pattern(ring__next(r), 64, (uint8_t)i);
		expect_pattern(ring__next(r), 16, (uint8_t)(i + 100));
		cr_assert_null(ring__next(r));
		ring__end(r);
		cr_assert_eq(f.meta->data_tail, starts[i] + 80);
		fake_ring_free(&f);
	}
	free(r);
}

static void expect_resync(struct fake_ring *f, struct ring *r, uint16_t bad_size)
{
	struct recbuf rb;

	put_pattern(f, 16, 1);
	rb_start(&rb, PERF_RECORD_SAMPLE, 0);
	rb_hdr(&rb)->size = bad_size;
	fake_ring_put(f, rb_hdr(&rb), 32);
	put_pattern(f, 16, 2);

	cr_assert_eq(ring__begin(r), 64);
	expect_pattern(ring__next(r), 16, 1);
	cr_assert_null(ring__next(r), "size %u ends the batch", bad_size);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f->meta->data_tail, f->meta->data_head, "resynchronised at head");

	/* The reader carries on with what the writer appends next. */
	put_pattern(f, 24, 3);
	cr_assert_eq(ring__begin(r), 24);
	expect_pattern(ring__next(r), 24, 3);
	ring__end(r);
}

Test(ring, corrupt_size_resyncs)
{
	const uint16_t bad[] = { 0, 4, 12, 56, 4096, 65535 };
	struct fake_ring f;
	struct ring *r = new_ring();
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(fake_ring_new(&f, 0, 1000 * i * 8), 0);
		cr_assert_eq(ring__init(r, f.base, f.len), 0);
		expect_resync(&f, r, bad[i]);
		fake_ring_free(&f);
	}
	free(r);
}

Test(ring, head_beyond_one_ring_resyncs)
{
	struct fake_ring f;
	struct ring *r = new_ring();

	cr_assert_eq(fake_ring_new(&f, 0, 64), 0);
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	f.meta->data_head = 64 + f.size + 8;
	cr_assert_eq(ring__begin(r), 0);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 64 + f.size + 8);

	/* head moving backwards is just as impossible. */
	f.meta->data_head = 8;
	cr_assert_eq(ring__begin(r), 0);
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 8);
	fake_ring_free(&f);
	free(r);
}

Test(ring, tail_published_after_end)
{
	struct fake_ring f;
	struct ring *r = new_ring();

	cr_assert_eq(fake_ring_new(&f, 0, 4096), 0);
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	put_pattern(&f, 16, 1);
	put_pattern(&f, 16, 2);
	ring__begin(r);
	cr_assert_not_null(ring__next(r));
	cr_assert_not_null(ring__next(r));
	cr_assert_null(ring__next(r));
	cr_assert_eq(f.meta->data_tail, 4096, "records still in use stay owned by the reader");
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 4096 + 32);
	fake_ring_free(&f);
	free(r);
}

Test(ring, tail_published_every_256_records)
{
	struct fake_ring f;
	struct ring *r = new_ring();
	unsigned i;

	cr_assert_eq(fake_ring_new(&f, 1, 0), 0);
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	for (i = 0; i < 300; i++)
		put_pattern(&f, 8, 0);
	cr_assert_eq(ring__begin(r), 2400);
	for (i = 0; i < 256; i++)
		cr_assert_not_null(ring__next(r));
	cr_assert_eq(f.meta->data_tail, 0, "the 256th record is still in use");
	cr_assert_not_null(ring__next(r));
	cr_assert_eq(f.meta->data_tail, 256 * 8, "released once the caller moved on");
	while (ring__next(r))
		;
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 2400);
	fake_ring_free(&f);
	free(r);
}

Test(ring, lost_record_passes_through)
{
	struct fake_ring f;
	struct ring *r = new_ring();
	const struct perf_event_header *h;
	struct recbuf rb;
	struct sample s;

	cr_assert_eq(fake_ring_new(&f, 0, 0), 0);
	f.meta->data_head = f.meta->data_tail = f.size - 16;
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	rb_start(&rb, PERF_RECORD_LOST, 0);
	rb_u64(&rb, 42);  /* id */
	rb_u64(&rb, 1234); /* lost */
	rb_u64(&rb, 42);  /* sample_id trailer: IDENTIFIER */
	fake_ring_put(&f, rb_end(&rb), rb.n);

	cr_assert_eq(ring__begin(r), 32);
	h = ring__next(r);
	cr_assert_not_null(h);
	cr_assert_eq(h->type, PERF_RECORD_LOST);
	cr_assert_eq(h->size, 32);
	cr_assert_eq(sample__parse(h, PERF_SAMPLE_IDENTIFIER, 0, &s), 0);
	cr_assert_eq(s.type, PERF_RECORD_LOST);
	cr_assert_eq(s.lost, 1234);
	cr_assert_eq(s.id, 42);
	cr_assert_eq(sample__id(h), 42);
	cr_assert_null(ring__next(r));
	ring__end(r);
	fake_ring_free(&f);
	free(r);
}

Test(ring, misaligned_tail_resyncs)
{
	struct fake_ring f;
	struct ring *r = new_ring();

	/* Records keep tail 8-aligned; any other tail cannot point at a header. */
	cr_assert_eq(fake_ring_new(&f, 0, 4), 0);
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	put_pattern(&f, 16, 1);
	cr_assert_eq(ring__begin(r), 16);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, 20);
	fake_ring_free(&f);
	free(r);
}

/* A look ahead (even across the wrap) hands out the records and consumes nothing. */
Test(ring, peek_looks_ahead_without_consuming)
{
	struct fake_ring f;
	struct ring *r = new_ring();
	uint64_t start, pos;

	cr_assert_eq(fake_ring_new(&f, 0, 0), 0);
	start = f.size - 16;
	f.meta->data_head = f.meta->data_tail = start;
	cr_assert_eq(ring__init(r, f.base, f.len), 0);
	put_pattern(&f, 200, 9);
	put_pattern(&f, 32, 10);
	cr_assert_eq(ring__begin(r), 232);
	pos = start - 8;
	cr_assert_null(ring__peek(r, &pos), "before tail: nothing");
	pos = start;
	expect_pattern(ring__peek(r, &pos), 200, 9);
	cr_assert_eq(pos, start + 200);
	expect_pattern(ring__peek(r, &pos), 32, 10);
	cr_assert_null(ring__peek(r, &pos));
	cr_assert_eq(pos, start + 232);
	cr_assert_eq(f.meta->data_tail, start, "a look ahead publishes nothing");
	/* and the records are all still there to read */
	expect_pattern(ring__next(r), 200, 9);
	pos = r->tail;
	expect_pattern(ring__peek(r, &pos), 32, 10);
	expect_pattern(ring__next(r), 32, 10);
	cr_assert_null(ring__next(r));
	ring__end(r);
	cr_assert_eq(f.meta->data_tail, start + 232);
	fake_ring_free(&f);
	free(r);
}
