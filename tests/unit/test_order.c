// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for time-ordered handling: items added out of order come back sorted, equal
 * times keep their arrival order, only items older than the horizon are released, the
 * younger ones stay intact for later, and a full order hands out what it holds instead
 * of growing.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "core/order.h"

/* An item with a tag and a body derived from it, to see that items move whole. */
struct item {
	uint32_t tag;
	char body[37];
};

struct seen {
	uint32_t tags[64];
	unsigned n;
};

static void collect(void *arg, void *p)
{
	struct seen *s = arg;
	struct item *it = p;
	char want[37];

	memset(want, (int)('a' + it->tag % 26), sizeof(want));
	cr_assert(!memcmp(it->body, want, sizeof(want)), "item %u damaged", it->tag);
	cr_assert_lt(s->n, 64u);
	s->tags[s->n++] = it->tag;
}

static void add(struct order *o, uint32_t tag, uint64_t time, struct seen *flushed)
{
	struct item *it = order__add(o, time, collect, flushed);

	cr_assert_not_null(it);
	for (size_t i = 0; i < sizeof(*it); i++)
		cr_assert_eq(((unsigned char *)it)[i], 0, "items start zeroed");
	it->tag = tag;
	memset(it->body, (int)('a' + tag % 26), sizeof(it->body));
}

static const struct {
	const char *name;
	uint64_t times[8]; /* item i has tag i */
	unsigned n;
	uint64_t upto;
	uint32_t want[8];  /* tags released, in order */
	unsigned nwant;
} cases[] = {
	{ "already sorted", { 1, 2, 3 }, 3, 10, { 0, 1, 2 }, 3 },
	{ "reversed", { 30, 20, 10 }, 3, 100, { 2, 1, 0 }, 3 },
	{ "two rings interleaved", { 1, 5, 9, 2, 6, 10 }, 6, 100, { 0, 3, 1, 4, 2, 5 }, 6 },
	{ "equal times keep arrival order", { 7, 7, 3, 7 }, 4, 100, { 2, 0, 1, 3 }, 4 },
	{ "horizon is exclusive", { 5, 10, 4, 11 }, 4, 10, { 2, 0 }, 2 },
	{ "nothing old enough", { 50, 60 }, 2, 50, { 0 }, 0 },
	{ "everything at the end", { 9, UINT64_MAX - 1, 0 }, 3, UINT64_MAX, { 2, 0, 1 }, 3 },
};

Test(order, releases_in_time_order_up_to_the_horizon)
{
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct order o;
		struct seen s = { .n = 0 }, flushed = { .n = 0 };

		order__init(&o, sizeof(struct item), 100);
		for (unsigned i = 0; i < cases[c].n; i++)
			add(&o, i, cases[c].times[i], &flushed);
		order__release(&o, cases[c].upto, collect, &s);
		cr_assert_eq(flushed.n, 0, "%s: nothing forced out", cases[c].name);
		cr_assert_eq(s.n, cases[c].nwant, "%s: released %u", cases[c].name, s.n);
		for (unsigned i = 0; i < s.n; i++)
			cr_assert_eq(s.tags[i], cases[c].want[i], "%s: position %u", cases[c].name, i);
		cr_assert_eq(o.n, cases[c].n - cases[c].nwant, "%s: held", cases[c].name);
		order__fini(&o, NULL);
	}
}

Test(order, younger_items_stay_and_later_arrivals_sort_in)
{
	struct order o;
	struct seen s = { .n = 0 };
	uint32_t want[] = { 3, 0, 4, 1, 2, 5 };

	order__init(&o, sizeof(struct item), 100);
	add(&o, 0, 100, &s);
	add(&o, 1, 300, &s);
	add(&o, 2, 500, &s);
	add(&o, 3, 50, &s);
	order__release(&o, 101, collect, &s); /* 3, 0 */
	add(&o, 4, 200, &s);                   /* older than some held */
	add(&o, 5, 600, &s);
	order__release(&o, UINT64_MAX, collect, &s);
	cr_assert_eq(s.n, 6);
	for (unsigned i = 0; i < 6; i++)
		cr_assert_eq(s.tags[i], want[i], "position %u", i);
	cr_assert_eq(o.n, 0);
	order__fini(&o, NULL);
}

static unsigned drops;

static void count_drop(void *item)
{
	(void)item;
	drops++;
}

Test(order, full_order_hands_out_what_it_holds_and_fini_drops_the_rest)
{
	struct order o;
	struct seen s = { .n = 0 };

	order__init(&o, sizeof(struct item), 3);
	add(&o, 0, 30, &s);
	add(&o, 1, 10, &s);
	add(&o, 2, 20, &s);
	cr_assert_eq(s.n, 0);
	add(&o, 3, 5, &s); /* full: 1, 2, 0 go out in order first */
	cr_assert_eq(s.n, 3);
	cr_assert_eq(s.tags[0], 1);
	cr_assert_eq(s.tags[1], 2);
	cr_assert_eq(s.tags[2], 0);
	cr_assert_eq(o.n, 1);
	drops = 0;
	order__fini(&o, count_drop);
	cr_assert_eq(drops, 1, "the item still held is dropped");
}
