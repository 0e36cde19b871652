// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * agg: open addressing with linear probing; deletion shifts the following run back so no
 * tombstones accumulate in long-running pairing maps.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/agg.h"

static size_t slot_of(const struct agg *a, uint64_t key)
{
	/* Fibonacci hashing: the top bits of the product mix every bit of the key. */
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> a->shift);
}

int agg_init(struct agg *a, size_t max_entries)
{
	size_t cap = 16;

	memset(a, 0, sizeof(*a));
	while (cap < 2 * max_entries)
		cap <<= 1;
	a->tab = calloc(cap, sizeof(*a->tab));
	if (!a->tab)
		return -ENOMEM;
	a->cap = cap;
	a->shift = 64;
	while (cap > 1) {
		cap >>= 1;
		a->shift--;
	}
	a->max = max_entries;
	return 0;
}

void agg_free(struct agg *a)
{
	free(a->tab);
	memset(a, 0, sizeof(*a));
}

uint64_t *agg_find(const struct agg *a, uint64_t key)
{
	for (size_t i = slot_of(a, key);; i = (i + 1) & (a->cap - 1)) {
		if (!a->tab[i].used)
			return NULL;
		if (a->tab[i].key == key)
			return a->tab[i].v;
	}
}

uint64_t *agg_get(struct agg *a, uint64_t key)
{
	size_t i;

	for (i = slot_of(a, key); a->tab[i].used; i = (i + 1) & (a->cap - 1))
		if (a->tab[i].key == key)
			return a->tab[i].v;
	if (a->n >= a->max) {
		a->dropped++;
		return NULL;
	}
	a->tab[i] = (struct agg_entry){ .key = key, .used = true };
	a->n++;
	return a->tab[i].v;
}

bool agg_remove(struct agg *a, uint64_t key)
{
	size_t mask = a->cap - 1, i, j;

	for (i = slot_of(a, key);; i = (i + 1) & mask) {
		if (!a->tab[i].used)
			return false;
		if (a->tab[i].key == key)
			break;
	}
	/* Shift back every later entry of the run that may move into the hole. */
	for (j = (i + 1) & mask; a->tab[j].used; j = (j + 1) & mask) {
		size_t home = slot_of(a, a->tab[j].key);

		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			a->tab[i] = a->tab[j];
			i = j;
		}
	}
	a->tab[i].used = false;
	a->n--;
	return true;
}

void agg_clear(struct agg *a)
{
	memset(a->tab, 0, a->cap * sizeof(*a->tab));
	a->n = 0;
}

static int by_key(const void *x, const void *y)
{
	const struct agg_entry *a = x, *b = y;

	return a->key < b->key ? -1 : a->key > b->key;
}

long agg_sorted(const struct agg *a, int (*cmp)(const void *, const void *), struct agg_entry **out)
{
	struct agg_entry *v;
	size_t n = 0;

	*out = NULL;
	if (!a->n)
		return 0;
	v = malloc(a->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < a->cap; i++)
		if (a->tab[i].used)
			v[n++] = a->tab[i];
	if (n)
		qsort(v, n, sizeof(*v), cmp ? cmp : by_key);
	*out = v;
	return (long)n;
}
