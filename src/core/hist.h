/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hist: log2 and linear histograms printed byte for byte like BCC's table.py
 * (print_log2_hist / print_linear_hist).  Pure: counts in, text to a FILE*.
 */
#ifndef RT_HIST_H
#define RT_HIST_H

#include <stdint.h>
#include <stdio.h>

#define HIST_LOG2_SLOTS 65

/* BCC's bpf_log2l(): slot 1 holds 0 and 1, slot i holds [2^(i-1), 2^i - 1]. */
unsigned hist_log2_slot(uint64_t v);

/*
 * Print slots[0..nslots) as BCC does: header with `label`, rows from slot 1 up to the
 * highest non-empty slot (leading zero rows included), 40-star bars, the wide layout when
 * the highest slot is above 32.  Prints nothing when every slot is empty.
 */
void hist_print_log2(FILE *f, const uint64_t *slots, unsigned nslots, const char *label);

/* Linear histogram: buckets 0..highest non-empty. */
void hist_print_linear(FILE *f, const uint64_t *buckets, unsigned n, const char *label);

/* Section line before a keyed histogram: "\n%s = %s\n" (BCC's section_print_fn form). */
void hist_print_section(FILE *f, const char *header, const char *value);

#endif
