/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * unwind: DWARF unwinding of a sampled user stack with CFI rows cached per file.
 *
 * Why not libunwind alone: its cache is keyed by address within one address space, so
 * every new process parses the CFI of libc and ld.so again (30-60 us per sample on this
 * kind of machine), and its global cache takes a signal-masking lock on every step.  A row
 * depends only on the file and the address in it, so one cache, keyed by (file, ELF
 * address), serves every process that maps the file.  libunwind stays as the fallback for
 * CFI this unwinder does not follow (see unwind_cfi), and as a reference to check it against.
 */
#ifndef RT_UNWIND_H
#define RT_UNWIND_H

#include <stdint.h>
#include "parsers/cfi.h"

/* Registers in DWARF numbering (x86_64: 0-15, and 16 the return address / IP). */
struct unwind_regs {
	uint64_t val[CFI_NREGS];
	uint32_t known; /* bit r: val[r] is known */
};

/* The copy of the user stack that a sample carries: bytes[0] was at address sp. */
struct unwind_stack {
	const uint8_t *bytes;
	uint64_t len, sp;
};

/* The file mapped at an address: key identifies it for the cache (it must
 * outlive the cache). */
struct unwind_module {
	const void *key;
	const struct cfi_mem *eh; /* the loaded segment with .eh_frame_hdr and .eh_frame */
	uint64_t hdr_vaddr;       /* .eh_frame_hdr's ELF address */
	uint64_t bias;            /* process address - ELF address */
};

/* 0 and *mod for the file mapped at addr, or non-zero when none (or it has no .eh_frame_hdr). */
typedef int (*unwind_module_fn)(void *arg, uint64_t addr, struct unwind_module *mod);

struct unwind_cache;

/* NULL: no memory. */
struct unwind_cache *unwind_cache__new(void);
void unwind_cache__free(struct unwind_cache *c);

/*
 * Unwind from regs (the sampled registers; changed) over st: IPs leaf first into
 * ips[0..max).  Frames of code without CFI are stepped by frame pointer (a null one ends the
 * stack, as the ABI's outermost frame has it); *no_cfi says how many such frames there were.  The number of frames: the walk ends where the CFI says the stack ends, where a value
 * lies outside the stack copy, or at max.  -ENOTSUP when a frame's CFI is beyond this
 * unwinder (malformed, or valid but not taken by parsers/cfi): libunwind may still follow it.
 */
int unwind_cfi(struct unwind_cache *c, unwind_module_fn module, void *arg, struct unwind_regs *regs,
	       const struct unwind_stack *st, uint64_t *ips, int max, unsigned *no_cfi);

#endif
