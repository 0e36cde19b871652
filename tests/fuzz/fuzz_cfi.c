// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for parsers/cfi.c: the input is a file's loaded segment as a traced
 * process could map it.  It is searched through its .eh_frame_hdr (at its start), read as an
 * FDE at an offset the input chooses, and every expression of a resulting row is evaluated
 * against registers and memory that are the input too.  Besides crashes it checks that rows
 * point only into the input and use only the registers the unwinder has.
 *
 * Input: u32 pc offset, u16 FDE offset, then the segment (at vaddr 0x10000).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/cfi.h"

#define VADDR 0x10000

#define check(cond)                                                                              \
	do {                                                                                     \
		if (!(cond))                                                                     \
			abort();                                                                 \
	} while (0)

static const struct cfi_mem *seg;

static int reg_of(void *arg, unsigned reg, uint64_t *val)
{
	if (reg >= CFI_NREGS)
		return -1;
	*val = VADDR + reg * 8;
	return 0;
}

/* Memory is the segment itself: expressions that chase pointers stay in the input. */
static int mem_of(void *arg, uint64_t addr, unsigned size, uint64_t *val)
{
	check(size >= 1 && size <= 8);
	if (addr < seg->vaddr || addr - seg->vaddr > seg->len || size > seg->len - (addr - seg->vaddr))
		return -1;
	*val = 0;
	memcpy(val, seg->bytes + (addr - seg->vaddr), size);
	return 0;
}

static bool inside(const struct cfi_mem *m, const struct cfi_rule *r)
{
	return r->expr >= m->bytes && r->expr_len <= m->len && r->expr - m->bytes <= (ptrdiff_t)(m->len - r->expr_len);
}

static void check_row(const struct cfi_mem *m, const struct cfi_row *row)
{
	struct cfi_env env = { reg_of, mem_of, NULL };
	uint64_t out;

	check(row->ra < CFI_NREGS);
	check(row->cfa.how == CFI_REG_OFFSET || row->cfa.how == CFI_CFA_EXPR);
	if (row->cfa.how == CFI_REG_OFFSET)
		check(row->cfa.reg < CFI_NREGS);
	else {
		check(inside(m, &row->cfa));
		cfi_eval(row->cfa.expr, row->cfa.expr_len, &env, false, 0, &out);
	}
	for (int r = 0; r < CFI_NREGS; r++) {
		const struct cfi_rule *x = &row->regs[r];

		check(x->how <= CFI_VAL_EXPR);
		if (x->how == CFI_REGISTER)
			check(x->reg < CFI_NREGS);
		if (x->how == CFI_EXPR || x->how == CFI_VAL_EXPR) {
			int err;

			check(inside(m, x));
			err = cfi_eval(x->expr, x->expr_len, &env, true, VADDR, &out);
			check(err == 0 || err == -EINVAL || err == -ENOTSUP);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfi_mem m;
	struct cfi_row row;
	uint32_t pc_off;
	uint16_t fde_off;
	uint64_t fde;
	int err;

	if (size < 6)
		return 0;
	memcpy(&pc_off, data, 4);
	memcpy(&fde_off, data + 4, 2);
	/* A copy of exactly the segment's size, so that reading one byte past it is caught. */
	m.len = size - 6;
	m.bytes = malloc(m.len ? m.len : 1);
	if (!m.bytes)
		return 0;
	memcpy((void *)m.bytes, data + 6, m.len);
	m.vaddr = VADDR;
	seg = &m;

	err = cfi_find_fde(&m, VADDR, VADDR + pc_off, &fde);
	check(err == 0 || err == -ENOENT || err == -EINVAL || err == -ENOTSUP);
	if (!err && !cfi_row_at(&m, fde, VADDR + pc_off, &row))
		check_row(&m, &row);
	err = cfi_row_at(&m, VADDR + fde_off, VADDR + pc_off, &row);
	check(err == 0 || err == -ENOENT || err == -EINVAL || err == -ENOTSUP);
	if (!err)
		check_row(&m, &row);
	/* The whole input as one expression, too. */
	{
		struct cfi_env env = { reg_of, mem_of, NULL };
		uint64_t out;

		err = cfi_eval(m.bytes, m.len, &env, pc_off & 1, pc_off, &out);
		check(err == 0 || err == -EINVAL || err == -ENOTSUP);
	}
	free((void *)m.bytes);
	return 0;
}
