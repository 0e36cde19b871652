/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * order: puts what was read from all CPU rings back in time order.  The rings are read one
 * CPU after the other, so a process's fork, a request's issue or a thread's syscall entry
 * can be read after what followed it on another CPU.  Tools decode a record as soon as
 * it is read (some facts, like /proc, only exist then) into an item held here, and handle
 * the items oldest first once no ring can still hold an older record
 * (session__settled()).  Pure over memory (no clock, no I/O), so tests drive it directly.
 */
#ifndef RT_ORDER_H
#define RT_ORDER_H

#include <stddef.h>
#include <stdint.h>

struct order {
	unsigned char *slots;  /* each: struct order_key, then the caller's item */
	size_t item_size, slot_size;
	size_t n, cap, max;    /* items held, allocated, allowed */
	uint64_t seq;          /* arrival order breaks ties between equal times */
};

typedef void (*order_fn)(void *arg, void *item);

/* An empty order of items of `item_size` bytes, at most `max` of them held at once. */
void order__init(struct order *o, size_t item_size, size_t max);

/* Free the storage; `drop` (may be NULL) is called on every item still held. */
void order__fini(struct order *o, void (*drop)(void *item));

/*
 * A zeroed item stamped `time`, for the caller to fill.  When `max` items are held, all of
 * them are first handed to `fn` (in order: ordering gives way for that burst, memory does
 * not grow).  NULL only when out of memory.
 */
void *order__add(struct order *o, uint64_t time, order_fn fn, void *arg);

/* Hand to `fn`, oldest first, every item stamped before `upto`, and forget them. */
void order__release(struct order *o, uint64_t upto, order_fn fn, void *arg);

#endif
