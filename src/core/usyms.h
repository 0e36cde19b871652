/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * usyms: user-space stacks and symbols.  For each process it keeps the mappings captured
 * at the first sample of that process (so processes that exit before print time still
 * resolve) and one libunwind address space with a global cache; for each mapped file
 * (DSO) the mmapped image, its .eh_frame_hdr search table and, loaded at print time, its
 * function symbols (.symtab + .dynsym, plus a separate debug file found by build-id or
 * .gnu_debuglink when one is installed).
 *
 * A sample's user stack is unwound with DWARF CFI over the sampled registers and the copy
 * of the user stack when the sample carries one: by core/unwind, with libunwind's remote
 * API for what that leaves (RAWTRACE_USTACK=libunwind: libunwind alone; =check: both, and
 * compared).  Otherwise the user part of the kernel's frame-pointer callchain is used as
 * is, which on binaries built without frame pointers (Debian's) stops after a frame or two.
 */
#ifndef RT_USYMS_H
#define RT_USYMS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "core/sample.h"

struct usyms;

/*
 * What a sample needs for DWARF unwinding on x86_64: every general register, IP, FLAGS,
 * CS and SS (DS..GS are refused by the kernel), and a user stack copy of this size.
 */
#define USTACK_REGS_MASK 0xff0fffULL
#define USTACK_COPY 16384

enum ustack_how { USTACK_NONE, USTACK_DWARF, USTACK_FP };

struct ustack_stats {
	uint64_t dwarf, fp, none; /* samples by method */
	uint64_t remembered;      /* DWARF stacks copied from an earlier identical libunwind unwind */
	uint64_t no_cfi;          /* DWARF stacks with frames of code without CFI (frame pointers) */
	uint64_t libunwind;       /* DWARF stacks our CFI unwinder left to libunwind */
	uint64_t checked, differ; /* RAWTRACE_USTACK=check: stacks unwound both ways; how many differ */
	uint64_t unchecked;       /* ... and not compared, having frames without CFI */
	double median_us, p90_us; /* DWARF unwind time per sample (of the first 65536) */
	uint64_t timed;           /* how many samples the times are over */
};

/* NULL with errno set. */
struct usyms *usyms__new(void);
void usyms__delete(struct usyms *u);

/*
 * Capture pid's mappings and comm now, unless already known.  Samples are read in
 * batches, up to a ring wake-up later: a process known in advance (-p) is captured before
 * tracing starts so that it still resolves if it exits before its first sample is read.
 * 0, or -errno (-ESRCH: no such process).
 */
int usyms__capture(struct usyms *u, pid_t pid);

/*
 * A record of the session's tasks event (session__watch_tasks(), with usyms as the arg):
 * MMAP2, COMM, FORK, EXIT.  A process that has left /proc by its first sample is then
 * unwound and symbolized with the executable mappings the kernel reported for it.
 */
void usyms__task_record(void *usyms, const struct perf_event_header *h);

/*
 * The user stack of s (a sample from an event opened with regs_mask as sample_regs_user),
 * leaf first, into ips[0..max).  Captures the process's mappings first if this is its
 * first sample.  Returns the number of frames (0 when the sample has no user stack) and
 * how they were found.
 */
int usyms__unwind(struct usyms *u, const struct sample *s, uint64_t regs_mask, uint64_t *ips, int max,
		  enum ustack_how *how);

/*
 * The comm of pid: as the kernel's records last named it, else as /proc did at its first
 * sample ("[unknown]" if it was already gone).
 */
const char *usyms__comm(struct usyms *u, pid_t pid);

enum {
	USYM_OFFSET = 1,  /* "sym+0x1f" */
	USYM_RETADDR = 2, /* addr is a return address (every frame but the leaf): looked up at
			     addr - 1, so a call at the very end of a function stays in it */
	USYM_MODULE = 4,  /* " [libc.so.6]": the base name of the mapped file, as BCC's trace */
};

/*
 * addr in process pid as "sym", with the USYM_* additions in flags; "[unknown]" when no
 * symbol covers it.  Returns buf.
 */
char *usyms__format(struct usyms *u, pid_t pid, uint64_t addr, unsigned flags, char *buf, size_t len);

void usyms__stats(const struct usyms *u, struct ustack_stats *st);

#endif
