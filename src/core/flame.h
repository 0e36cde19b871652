/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flame: a flame graph from folded stacks, written as one self-contained SVG (no script
 * needed to view it, no external tools).  Stacks are merged into a tree by frame name at
 * each depth; widths are proportional to counts; each frame is a rectangle with its name
 * as text (shortened to fit) and as a <title> tooltip with its count and share.
 */
#ifndef RT_FLAME_H
#define RT_FLAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct flame;

struct flame *flame__new(void);
void flame__free(struct flame *f);

/* Add count to the stack frames[0] (root) .. frames[n-1] (leaf).  0 or -ENOMEM. */
int flame__add(struct flame *f, const char *const *frames, size_t n, uint64_t count);
/*
 * Add one folded line, "root;...;leaf COUNT" (flamegraph.pl's input); empty fields (the
 * comm BCC leaves empty without -P) are skipped.  0, -EINVAL without a count, -ENOMEM.
 */
int flame__add_folded(struct flame *f, const char *line);

/* Write the SVG, titled title.  0, or -EIO when writing failed. */
int flame__write_svg(const struct flame *f, FILE *out, const char *title);

#endif
