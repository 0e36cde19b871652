// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hist: print log2 and linear histograms in exactly the text BCC tools print, so output
 * can be diffed against theirs.  Slot 0 of a log2 histogram is never filled (value 0
 * lands in slot 1) and is ignored; slots above 64 cannot exist and are ignored too.
 */
#include <inttypes.h>
#include <string.h>
#include "core/hist.h"

#define STARS_MAX 40
#define NARROW_SLOTS 32 /* values below 2^32 use the narrow layout, as in BCC */

unsigned hist_log2_slot(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 1;
}

/*
 * Bar length BCC computes: floor(width * count / max) where the quotient is a Python
 * float, i.e. the exact ratio rounded to the nearest double.  The exact floor k is what
 * we get from 128-bit integers; the double may round up to k + 1 when the ratio lies
 * within half a unit in the last place below it, which only happens for counts > 2^47.
 */
static unsigned star_count(uint64_t count, uint64_t max, unsigned width)
{
	unsigned __int128 num = (unsigned __int128)count * width;
	unsigned k = num / max;
	unsigned __int128 gap = max - num % max; /* (k + 1 - ratio) * max */
	int exp = k ? 31 - __builtin_clz(k) : -1; /* binade of the ratio */

	if (k < width && gap << (53 - exp) <= max)
		k++;
	return k;
}

static void print_stars(FILE *f, uint64_t count, uint64_t max, unsigned width)
{
	char bar[STARS_MAX + 1];
	unsigned n = star_count(count, max, width);

	memset(bar, '*', n);
	bar[n] = '\0';
	fprintf(f, "|%-*s|\n", (int)width, bar);
}

/* Index of the highest non-zero entry in v[from..n), or -1; *max gets the largest. */
static int highest_used(const uint64_t *v, unsigned from, unsigned n, uint64_t *max)
{
	int top = -1;

	*max = 0;
	for (unsigned i = from; i < n; i++) {
		if (!v[i])
			continue;
		top = i;
		if (v[i] > *max)
			*max = v[i];
	}
	return top;
}

void hist_print_log2(FILE *f, const uint64_t *slots, unsigned nslots, const char *label)
{
	uint64_t max;
	int top, wide;

	if (nslots > HIST_LOG2_SLOTS)
		nslots = HIST_LOG2_SLOTS;
	top = highest_used(slots, 1, nslots, &max);
	if (top < 1)
		return;
	wide = top > NARROW_SLOTS;
	if (wide)
		fprintf(f, "               %-29s : count     distribution\n", label);
	else
		fprintf(f, "     %-19s : count     distribution\n", label);
	for (int i = 1; i <= top; i++) {
		uint64_t low = 1ULL << (i - 1);
		uint64_t high = low + (low - 1); /* 2^i - 1 without overflow at i = 64 */

		if (i == 1)
			low = 0; /* the first row covers 0 and 1 */
		if (wide)
			fprintf(f, "%20" PRIu64 " -> %-20" PRIu64 " : %-8" PRIu64 " ", low, high,
				slots[i]);
		else
			fprintf(f, "%10" PRIu64 " -> %-10" PRIu64 " : %-8" PRIu64 " ", low, high,
				slots[i]);
		print_stars(f, slots[i], max, wide ? STARS_MAX / 2 : STARS_MAX);
	}
}

void hist_print_linear(FILE *f, const uint64_t *buckets, unsigned n, const char *label)
{
	uint64_t max;
	int top = highest_used(buckets, 0, n, &max);

	if (top < 0)
		return;
	fprintf(f, "     %-13s : count     distribution\n", label);
	for (int i = 0; i <= top; i++) {
		fprintf(f, "        %-10d : %-8" PRIu64 " ", i, buckets[i]);
		print_stars(f, buckets[i], max, STARS_MAX);
	}
}

void hist_print_section(FILE *f, const char *header, const char *value)
{
	fprintf(f, "\n%s = %s\n", header, value);
}
