// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * order: time-ordered handling of items decoded from several rings (see order.h).
 */
#include <stdlib.h>
#include <string.h>
#include "core/order.h"

struct order_key {
	uint64_t time, seq;
};

/* Items follow their key at this alignment, so callers may store any type. */
#define ALIGN 16

static unsigned char *slot(const struct order *o, size_t i)
{
	return o->slots + i * o->slot_size;
}

void order__init(struct order *o, size_t item_size, size_t max)
{
	memset(o, 0, sizeof(*o));
	o->item_size = item_size;
	o->slot_size = (ALIGN + item_size + ALIGN - 1) / ALIGN * ALIGN;
	o->max = max;
}

void order__fini(struct order *o, void (*drop)(void *item))
{
	for (size_t i = 0; drop && i < o->n; i++)
		drop(slot(o, i) + ALIGN);
	free(o->slots);
	memset(o, 0, sizeof(*o));
}

static int by_time(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void order__release(struct order *o, uint64_t upto, order_fn fn, void *arg)
{
	size_t n = 0;

	if (!o->n)
		return; /* (slots may be NULL: qsort must not see it) */
	qsort(o->slots, o->n, o->slot_size, by_time);
	while (n < o->n && ((const struct order_key *)slot(o, n))->time < upto) {
		fn(arg, slot(o, n) + ALIGN);
		n++;
	}
	memmove(o->slots, slot(o, n), (o->n - n) * o->slot_size);
	o->n -= n;
}

void *order__add(struct order *o, uint64_t time, order_fn fn, void *arg)
{
	struct order_key *k;

	if (o->n == o->max)
		order__release(o, UINT64_MAX, fn, arg);
	if (o->n == o->cap) {
		size_t ncap = o->cap ? 2 * o->cap : 1024;
		void *v;

		if (ncap > o->max)
			ncap = o->max;
		v = realloc(o->slots, ncap * o->slot_size);
		if (!v)
			return NULL;
		o->slots = v;
		o->cap = ncap;
	}
	k = (struct order_key *)slot(o, o->n++);
	memset(k, 0, o->slot_size);
	k->time = time;
	k->seq = o->seq++;
	return (unsigned char *)k + ALIGN;
}
