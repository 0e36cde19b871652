/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ring: reader for one perf mmap ring buffer (metadata page + 2^n data pages).  Pure over
 * memory, so tests drive it with hand-built buffers.  head is loaded with acquire
 * semantics, tail stored with release semantics; a record that wraps the end of the data
 * area is copied into a bounce buffer so callers always see it contiguous.
 */
#ifndef RT_RING_H
#define RT_RING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	uint64_t size, mask;  /* data area size (power of two) and size - 1 */
	uint64_t head, tail;  /* snapshot of data_head; our read position */
	unsigned since_publish; /* records read since tail was last published */
	unsigned char bounce[65536]; /* records are at most 64 KiB (u16 size) */
};

/*
 * base: start of the mapping (the metadata page); len: mapping length.  The data area is
 * taken from meta->data_offset/data_size when set (Linux >= 4.1), else page size onwards.
 * Returns 0 or -EINVAL (size not a power of two, too small).
 */
int ring__init(struct ring *r, void *base, size_t len);

/* Snapshot data_head; returns the number of unread bytes. */
uint64_t ring__begin(struct ring *r);

/*
 * Next record or NULL when the snapshot is drained.  A record with a size smaller than
 * its header or larger than the unread bytes ends the batch (corrupt ring: the reader
 * resynchronises at head).  Publishes tail every 256 records so the writer can continue.
 */
const struct perf_event_header *ring__next(struct ring *r);

/*
 * Look ahead without consuming: the record at position *pos (from tail up to the snapshot
 * head, as ring__begin took it), and *pos moved past it; NULL at head or at a corrupt
 * record.  The record is valid until the next call on r.
 */
const struct perf_event_header *ring__peek(struct ring *r, uint64_t *pos);

/* Publish tail (release) after a batch. */
void ring__end(struct ring *r);

#endif
