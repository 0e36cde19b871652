/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * agg: a bounded hash map from u64 keys to two u64 values, for keyed counters (syscall ->
 * count, total time) and pairing maps (tid -> entry timestamp).  Bounded so an event that
 * never gets its partner cannot grow memory forever: inserts beyond the limit are refused
 * and counted in `dropped`.  Pure.
 */
#ifndef RT_AGG_H
#define RT_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct agg_entry {
	uint64_t key;
	uint64_t v[2];
	bool used;
};

struct agg {
	struct agg_entry *tab;
	size_t cap;      /* power of two, >= 2 * max */
	unsigned shift;  /* 64 - log2(cap) */
	size_t n, max;
	uint64_t dropped; /* inserts refused because the map was full */
};

/* 0 or -ENOMEM. */
int agg_init(struct agg *a, size_t max_entries);
void agg_free(struct agg *a);

/* The values of key, inserted as zeros if absent; NULL when full (dropped is counted). */
uint64_t *agg_get(struct agg *a, uint64_t key);
/* The values of key, or NULL. */
uint64_t *agg_find(const struct agg *a, uint64_t key);
/* Remove key; true if it was there. */
bool agg_remove(struct agg *a, uint64_t key);
void agg_clear(struct agg *a);

/*
 * The used entries copied into a malloc'd array sorted by cmp (NULL: by key).  Returns the
 * count (0 with *out NULL when empty), or -ENOMEM.
 */
long agg_sorted(const struct agg *a, int (*cmp)(const void *, const void *), struct agg_entry **out);

#endif
