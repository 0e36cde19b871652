// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for src/core/agg.c: insert/find/remove, the size bound and `dropped`,
 * backward-shift deletion under heavy collisions, clear, and sorted snapshots.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/agg.h"

/* Deterministic 64-bit generator (splitmix64) so failures reproduce. */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	uint64_t z = (rnd_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Count used slots directly, to check n against the table itself. */
static size_t used_slots(const struct agg *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->cap; i++)
		n += a->tab[i].used;
	return n;
}

Test(agg, init_sizes)
{
	static const struct {
		size_t max, cap;
	} cases[] = { { 0, 16 }, { 1, 16 }, { 8, 16 }, { 9, 32 }, { 100, 256 }, { 20000, 65536 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct agg a;

		cr_assert_eq(agg_init(&a, cases[i].max), 0);
		cr_assert_eq(a.cap, cases[i].cap, "max %zu: cap %zu", cases[i].max, a.cap);
		cr_assert_geq(a.cap, 2 * a.max);
		cr_assert_eq(a.n, 0);
		cr_assert_eq(a.dropped, 0);
		cr_assert_eq(used_slots(&a), 0);
		agg_free(&a);
		cr_assert_null(a.tab);
	}
}

Test(agg, insert_find_remove)
{
	struct agg a;
	uint64_t *v;

	cr_assert_eq(agg_init(&a, 16), 0);
	cr_assert_null(agg_find(&a, 5));
	cr_assert_not(agg_remove(&a, 5));

	v = agg_get(&a, 5);
	cr_assert_not_null(v);
	cr_assert_eq(v[0], 0);
	cr_assert_eq(v[1], 0);
	cr_assert_eq(a.n, 1);
	cr_assert_eq(agg_find(&a, 5), v);
	cr_assert_null(agg_find(&a, 6));
	/* a second get returns the same entry, not a new one */
	cr_assert_eq(agg_get(&a, 5), v);
	cr_assert_eq(a.n, 1);

	/* key 0 and UINT64_MAX are ordinary keys */
	cr_assert_not_null(agg_get(&a, 0));
	cr_assert_not_null(agg_get(&a, UINT64_MAX));
	cr_assert_eq(a.n, 3);
	cr_assert_not_null(agg_find(&a, 0));
	cr_assert_not_null(agg_find(&a, UINT64_MAX));

	cr_assert(agg_remove(&a, 5));
	cr_assert_null(agg_find(&a, 5));
	cr_assert_not(agg_remove(&a, 5));
	cr_assert_eq(a.n, 2);
	cr_assert(agg_remove(&a, 0));
	cr_assert(agg_remove(&a, UINT64_MAX));
	cr_assert_eq(a.n, 0);
	cr_assert_eq(used_slots(&a), 0);

	/* re-inserting a removed key starts from zero again */
	v = agg_get(&a, 5);
	cr_assert_eq(v[0] | v[1], 0);
	agg_free(&a);
}

Test(agg, values_persist)
{
	struct agg a;

	cr_assert_eq(agg_init(&a, 1000), 0);
	for (uint64_t k = 0; k < 1000; k++) {
		uint64_t *v = agg_get(&a, k * 7919);

		cr_assert_not_null(v);
		v[0] = k;
		v[1] = ~k;
	}
	/* accumulate through agg_get as counters do */
	for (int round = 0; round < 3; round++)
		for (uint64_t k = 0; k < 1000; k += 2)
			agg_get(&a, k * 7919)[0] += 1000000;
	for (uint64_t k = 0; k < 1000; k++) {
		uint64_t *v = agg_find(&a, k * 7919);

		cr_assert_not_null(v, "key %lu lost", (unsigned long)k);
		cr_assert_eq(v[0], k + (k % 2 ? 0 : 3000000), "key %lu: v0 %lu", (unsigned long)k,
			     (unsigned long)v[0]);
		cr_assert_eq(v[1], ~k);
	}
	cr_assert_eq(a.n, 1000);
	/* values survive removal of other keys (entries are moved by backward shift) */
	for (uint64_t k = 0; k < 1000; k += 3)
		cr_assert(agg_remove(&a, k * 7919));
	for (uint64_t k = 0; k < 1000; k++) {
		uint64_t *v = agg_find(&a, k * 7919);

		if (k % 3 == 0) {
			cr_assert_null(v);
			continue;
		}
		cr_assert_not_null(v, "key %lu lost", (unsigned long)k);
		cr_assert_eq(v[0], k + (k % 2 ? 0 : 3000000));
		cr_assert_eq(v[1], ~k);
	}
	agg_free(&a);
}

Test(agg, full_map_refuses_and_counts)
{
	struct agg a;

	cr_assert_eq(agg_init(&a, 4), 0);
	for (uint64_t k = 1; k <= 4; k++)
		agg_get(&a, k)[0] = k;
	cr_assert_eq(a.n, 4);
	cr_assert_null(agg_get(&a, 5));
	cr_assert_null(agg_get(&a, 6));
	cr_assert_eq(a.dropped, 2);
	cr_assert_eq(a.n, 4);
	cr_assert_null(agg_find(&a, 5));
	/* existing keys are still reachable and not counted as dropped */
	for (uint64_t k = 1; k <= 4; k++) {
		uint64_t *v = agg_get(&a, k);

		cr_assert_not_null(v);
		cr_assert_eq(v[0], k);
	}
	cr_assert_eq(a.dropped, 2);
	/* removing one makes room for exactly one */
	cr_assert(agg_remove(&a, 2));
	cr_assert_not_null(agg_get(&a, 5));
	cr_assert_null(agg_get(&a, 6));
	cr_assert_eq(a.dropped, 3);
	cr_assert_eq(used_slots(&a), 4);
	agg_free(&a);

	/* a map of zero entries drops everything */
	cr_assert_eq(agg_init(&a, 0), 0);
	cr_assert_null(agg_get(&a, 1));
	cr_assert_eq(a.dropped, 1);
	cr_assert_null(agg_find(&a, 1));
	agg_free(&a);
}

/*
 * Insert `nkeys` keys, remove a random half, then check every key is exactly present or
 * absent and that the values of the survivors are intact.
 */
static void churn(uint64_t *keys, size_t nkeys, size_t max)
{
	bool *gone = calloc(nkeys, sizeof(*gone));
	size_t nleft = nkeys;
	struct agg a;

	cr_assert_not_null(gone);
	cr_assert_eq(agg_init(&a, max), 0);
	for (size_t i = 0; i < nkeys; i++) {
		uint64_t *v = agg_get(&a, keys[i]);

		cr_assert_not_null(v, "insert %zu refused", i);
		cr_assert_eq(v[0], 0, "key %#lx inserted twice", (unsigned long)keys[i]);
		v[0] = keys[i] ^ 0x5555;
		v[1] = i;
	}
	cr_assert_eq(a.n, nkeys);
	cr_assert_eq(a.dropped, 0);
	for (size_t i = 0; i < nkeys; i++) {
		if (rnd() & 1)
			continue;
		cr_assert(agg_remove(&a, keys[i]), "remove of present key %zu failed", i);
		gone[i] = true;
		nleft--;
	}
	cr_assert_eq(a.n, nleft);
	cr_assert_eq(used_slots(&a), nleft);
	for (size_t i = 0; i < nkeys; i++) {
		uint64_t *v = agg_find(&a, keys[i]);

		if (gone[i]) {
			cr_assert_null(v, "removed key %zu (%#lx) still found", i,
				       (unsigned long)keys[i]);
			cr_assert_not(agg_remove(&a, keys[i]));
			continue;
		}
		cr_assert_not_null(v, "key %zu (%#lx) lost after removals", i,
				   (unsigned long)keys[i]);
		cr_assert_eq(v[0], keys[i] ^ 0x5555);
		cr_assert_eq(v[1], i);
	}
	/* remove the rest: the table must end empty */
	for (size_t i = 0; i < nkeys; i++)
		if (!gone[i])
			cr_assert(agg_remove(&a, keys[i]), "final remove of key %zu failed", i);
	cr_assert_eq(a.n, 0);
	cr_assert_eq(used_slots(&a), 0);
	agg_free(&a);
	free(gone);
}

#define NKEYS 10000

Test(agg, remove_keeps_others_random)
{
	static uint64_t keys[NKEYS];

	for (uint64_t seed = 1; seed <= 5; seed++) {
		rnd_state = seed;
		/* 64-bit keys: a repeat is astronomically unlikely, and churn() would catch it */
		for (size_t i = 0; i < NKEYS; i++)
			keys[i] = rnd();
		churn(keys, NKEYS, 2 * NKEYS);
	}
}

Test(agg, remove_keeps_others_sequential)
{
	static uint64_t keys[NKEYS];

	rnd_state = 99;
	for (size_t i = 0; i < NKEYS; i++)
		keys[i] = i;
	churn(keys, NKEYS, 2 * NKEYS);
	/* tids start high; syscall-like small ranges in a tight map */
	for (size_t i = 0; i < NKEYS; i++)
		keys[i] = 100000 + i;
	churn(keys, NKEYS, NKEYS);
}

/*
 * A small map filled to its bound makes long runs that wrap around the end of the table,
 * exercising both branches of the backward-shift condition.  Check against a reference.
 */
Test(agg, remove_dense_against_reference)
{
	enum { MAX = 8, UNIVERSE = 64, STEPS = 200000 };
	bool present[UNIVERSE] = { 0 };
	size_t n = 0;
	struct agg a;

	rnd_state = 7;
	cr_assert_eq(agg_init(&a, MAX), 0);
	for (int s = 0; s < STEPS; s++) {
		uint64_t k = rnd() % UNIVERSE;

		if (rnd() & 1) {
			uint64_t *v = agg_get(&a, k);

			if (present[k] || n < MAX) {
				cr_assert_not_null(v, "step %d: get %lu refused", s,
						   (unsigned long)k);
				if (!present[k]) {
					cr_assert_eq(v[0] | v[1], 0, "step %d: stale values", s);
					v[0] = k + 1;
					present[k] = true;
					n++;
				}
			} else {
				cr_assert_null(v, "step %d: map over its bound", s);
			}
		} else {
			bool was = agg_remove(&a, k);

			cr_assert_eq(was, present[k], "step %d: remove %lu", s, (unsigned long)k);
			n -= was;
			present[k] = false;
		}
		cr_assert_eq(a.n, n, "step %d", s);
		for (uint64_t j = 0; j < UNIVERSE; j++) {
			uint64_t *v = agg_find(&a, j);

			cr_assert_eq(v != NULL, present[j], "step %d: key %lu", s,
				     (unsigned long)j);
			if (v)
				cr_assert_eq(v[0], j + 1, "step %d: key %lu value", s,
					     (unsigned long)j);
		}
	}
	agg_free(&a);
}

Test(agg, clear)
{
	struct agg a;

	cr_assert_eq(agg_init(&a, 100), 0);
	for (uint64_t k = 0; k < 100; k++)
		agg_get(&a, k)[0] = 1;
	cr_assert_null(agg_get(&a, 1000));
	size_t cap = a.cap;

	agg_clear(&a);
	cr_assert_eq(a.n, 0);
	cr_assert_eq(a.cap, cap);
	cr_assert_eq(a.max, 100);
	cr_assert_eq(used_slots(&a), 0);
	for (uint64_t k = 0; k < 100; k++)
		cr_assert_null(agg_find(&a, k));
	/* usable again, up to the full bound, with zeroed values */
	for (uint64_t k = 0; k < 100; k++) {
		uint64_t *v = agg_get(&a, k + 500);

		cr_assert_not_null(v);
		cr_assert_eq(v[0] | v[1], 0);
	}
	cr_assert_eq(a.n, 100);
	agg_free(&a);
}

Test(agg, sorted_empty)
{
	struct agg_entry *e = (struct agg_entry *)&e;
	struct agg a;

	cr_assert_eq(agg_init(&a, 10), 0);
	cr_assert_eq(agg_sorted(&a, NULL, &e), 0);
	cr_assert_null(e);
	agg_get(&a, 3);
	agg_remove(&a, 3);
	e = (struct agg_entry *)&e;
	cr_assert_eq(agg_sorted(&a, NULL, &e), 0);
	cr_assert_null(e);
	agg_free(&a);
}

Test(agg, sorted_by_key)
{
	static const uint64_t keys[] = { 42, 7, UINT64_MAX, 0, 1000000, 8, 1ULL << 40, 3 };
	const size_t nk = sizeof(keys) / sizeof(keys[0]);
	struct agg_entry *e;
	struct agg a;
	long n;

	cr_assert_eq(agg_init(&a, 64), 0);
	for (size_t i = 0; i < nk; i++)
		agg_get(&a, keys[i])[0] = keys[i] + 1;
	n = agg_sorted(&a, NULL, &e);
	cr_assert_eq(n, (long)nk);
	cr_assert_not_null(e);
	for (long i = 0; i < n; i++) {
		cr_assert(e[i].used);
		cr_assert_eq(e[i].v[0], e[i].key + 1);
		if (i)
			cr_assert_lt(e[i - 1].key, e[i].key, "not ascending at %ld", i);
	}
	cr_assert_eq(e[0].key, 0);
	cr_assert_eq(e[n - 1].key, UINT64_MAX);
	/* a snapshot: the map is unchanged */
	cr_assert_eq(a.n, nk);
	free(e);
	agg_free(&a);
}

/* Descending by count, ties by ascending key: what syscount's output does. */
static int by_count_desc(const void *x, const void *y)
{
	const struct agg_entry *a = x, *b = y;

	if (a->v[0] != b->v[0])
		return a->v[0] < b->v[0] ? 1 : -1;
	return a->key < b->key ? -1 : a->key > b->key;
}

Test(agg, sorted_custom)
{
	static const struct {
		uint64_t key, count;
	} in[] = { { 1, 10 }, { 2, 30 }, { 3, 20 }, { 4, 30 }, { 5, 0 } };
	static const uint64_t want[] = { 2, 4, 3, 1, 5 };
	struct agg_entry *e;
	struct agg a;
	long n;

	cr_assert_eq(agg_init(&a, 8), 0);
	for (size_t i = 0; i < 5; i++)
		agg_get(&a, in[i].key)[0] = in[i].count;
	n = agg_sorted(&a, by_count_desc, &e);
	cr_assert_eq(n, 5);
	for (long i = 0; i < n; i++)
		cr_assert_eq(e[i].key, want[i], "position %ld: key %lu, want %lu", i,
			     (unsigned long)e[i].key, (unsigned long)want[i]);
	free(e);
	agg_free(&a);
}
