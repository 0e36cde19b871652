/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ksyms: kernel symbols from /proc/kallsyms (or any text in that format, for tests) as one
 * sorted table, so a kernel callchain address becomes "sym", "sym+0xoff" or
 * "sym+0xoff [module]".  Only text symbols are kept (t, T, w, W): callchains point into
 * code, and skipping the data symbols halves the table.  Loaded once, looked up by binary
 * search; addresses below the first symbol resolve to "[unknown]".
 */
#ifndef RT_KSYMS_H
#define RT_KSYMS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ksym {
	uint64_t addr;
	const char *name;
	const char *module; /* "" for the core kernel */
};

struct ksyms;

/*
 * Read every line of f ("ffffffff81000000 T _stext [mod]").  NULL with errno set
 * (ENOMEM; ENOENT when the text holds no usable symbol, e.g. all addresses are zero
 * because kptr_restrict hides them).
 */
struct ksyms *ksyms__parse(FILE *f);
/* ksyms__parse() of /proc/kallsyms. */
struct ksyms *ksyms__load(void);
void ksyms__free(struct ksyms *k);

size_t ksyms__count(const struct ksyms *k);
/* The symbol at or below addr, or NULL. */
const struct ksym *ksyms__find(const struct ksyms *k, uint64_t addr);

enum { KSYM_OFFSET = 1, KSYM_MODULE = 2, KSYM_RETADDR = 4 };
/*
 * addr as "sym", with KSYM_OFFSET "sym+0x1f", with KSYM_MODULE " [mod]" appended for
 * module symbols; "[unknown]" when nothing matches.  KSYM_RETADDR: addr is a return
 * address (a callchain entry after the first), looked up at addr - 1 because a call to a
 * noreturn function can end its caller, and the return address is then the next symbol.
 * Returns buf.
 */
char *ksyms__format(const struct ksyms *k, uint64_t addr, unsigned flags, char *buf, size_t len);

struct sample;
/* The kernel part of a sample's PERF_SAMPLE_CALLCHAIN (leaf first, markers dropped). */
int ksyms_kernel_frames(const struct sample *s, uint64_t *ips, int max);

#endif
