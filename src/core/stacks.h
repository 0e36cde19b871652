/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stacks: the -K/-U stack options of trace and argdist.  Which sample bits the stacks
 * need, the symbol tables they print with, and BCC's frame lines: "sym+0xoff [kernel]"
 * for the kernel stack (perf callchain, /proc/kallsyms), "sym+0xoff [module]" for the
 * user stack (DWARF unwinding of the sampled user stack, usyms).
 */
#ifndef RT_STACKS_H
#define RT_STACKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "core/sample.h"
#include "core/session.h"

struct ksyms;
struct usyms;

struct stacks {
	bool kernel, user, address; /* which stacks; -a: addresses before names */
	struct ksyms *ksyms;
	struct usyms *usyms;
};

/*
 * Load what the chosen stacks need; for user stacks, have session s report the
 * mappings of processes (they may exit before their first sample is read) and capture a
 * -p target's now.  0, or EXIT_RUNTIME after saying why.
 */
int stacks_init(struct stacks *st, struct session *s, bool kernel, bool user, bool address, pid_t pid);
void stacks_fini(struct stacks *st);

/* Add what the stacks need to an event's sample: PERF_SAMPLE_* bits, registers, stack copy. */
void stacks_request(const struct stacks *st, uint64_t *sample_type, uint64_t *regs_user, uint32_t *stack_user);

/* A user stack copy is 16 KiB per record: the ring pages to use when `pages` was the default. */
unsigned stacks_ring_pages(const struct stacks *st, unsigned pages, unsigned default_pages);

/* The sample's kernel then user frames, one line each: indent, [address,] name. */
void stacks_print(struct stacks *st, const struct sample *smp, const char *indent, FILE *f);

#endif
