// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for parsers/cfi.c.  Hand-built .eh_frame_hdr/.eh_frame images check each
 * instruction and each malformed shape; DWARF expressions are checked by table; and every
 * row of the CFI of real files on this machine (libc, ld.so, libstdc++, bash) is compared
 * with what binutils' `readelf -wF` computes for it: an independent implementation over the
 * same bytes.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "parsers/cfi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BASE 0x1000 /* vaddr of the built images */
#define RSP 7
#define RBP 6
#define RBX 3
#define RA 16

/* --- built images: [.eh_frame_hdr][CIE][FDE] ---------------------------------------------- */

struct image {
	uint8_t b[512];
	size_t len;
	struct cfi_mem mem;
	uint64_t fde;
};

static void put(struct image *im, const void *p, size_t n)
{
	cr_assert(im->len + n <= sizeof(im->b));
	if (n)
		memcpy(im->b + im->len, p, n);
	im->len += n;
}

static void put32(struct image *im, uint32_t v)
{
	put(im, &v, 4);
}

/*
 * A CIE with augmentation aug ("zR" style: R is pcrel|sdata4), code alignment 1, data
 * alignment -8, return address column 16, and cie_insns; one FDE for [begin, begin + range)
 * with fde_insns.
 */
static void build(struct image *im, const char *aug, const uint8_t *cie_insns, size_t ncie, const uint8_t *fde_insns,
		  size_t nfde, uint64_t begin, uint32_t range)
{
	size_t hdr = 0, cie, fde, cie_len_at, fde_len_at;
	uint8_t v;

	memset(im, 0, sizeof(*im));
	/* .eh_frame_hdr: version, pcrel|sdata4 pointer, udata4 count, datarel|sdata4 table */
	put(im, "\x01\x1b\x03\x3b", 4);
	put32(im, 0); /* eh_frame_ptr, patched below */
	put32(im, 1);
	put32(im, 0); /* initial location, patched */
	put32(im, 0); /* FDE address, patched */
	cie = im->len;
	cie_len_at = im->len;
	put32(im, 0);
	put32(im, 0); /* CIE id */
	v = 1;
	put(im, &v, 1);
	put(im, aug, strlen(aug) + 1);
	put(im, "\x01\x78\x10", 3); /* code 1, data -8, ra 16 */
	if (strchr(aug, 'z')) {
		bool r = strchr(aug, 'R'), s = strchr(aug, 'S');

		v = (uint8_t)r;
		put(im, &v, 1);
		if (r)
			put(im, "\x1b", 1);
		(void)s;
	}
	put(im, cie_insns, ncie);
	while ((im->len - cie) % 8)
		put(im, "\0", 1); /* DW_CFA_nop */
	*(uint32_t *)(im->b + cie_len_at) = (uint32_t)(im->len - cie - 4);
	fde = im->len;
	fde_len_at = im->len;
	put32(im, 0);
	put32(im, (uint32_t)(im->len - cie));
	put32(im, (uint32_t)(begin - (BASE + im->len))); /* pcrel */
	put32(im, range);
	if (strchr(aug, 'z'))
		put(im, "\0", 1); /* no augmentation data */
	put(im, fde_insns, nfde);
	while ((im->len - fde) % 8)
		put(im, "\0", 1);
	*(uint32_t *)(im->b + fde_len_at) = (uint32_t)(im->len - fde - 4);
	*(int32_t *)(im->b + hdr + 4) = (int32_t)(cie - 4);
	*(int32_t *)(im->b + hdr + 12) = (int32_t)(begin - BASE);
	*(int32_t *)(im->b + hdr + 16) = (int32_t)fde;
	im->mem = (struct cfi_mem){ im->b, im->len, BASE };
	im->fde = BASE + fde;
}

/* x86_64's usual CIE: CFA = rsp + 8, return address at CFA - 8. */
static const uint8_t x86_cie[] = { 0x0c, 0x07, 0x08, 0x90, 0x01 };

struct row_case {
	const char *what;
	uint8_t insns[32];
	size_t n;
	uint64_t pc;        /* offset from the function's start (0x2000) */
	int err;
	uint8_t cfa_how, cfa_reg;
	int64_t cfa_off;
	uint8_t rbp_how;
	int64_t rbp_off;
};

static const struct row_case row_cases[] = {
	{ "entry", { 0 }, 0, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_SAME, 0 },
	{ "after push rbp", { 0x41, 0x0e, 0x10, 0x86, 0x02 }, 5, 1, 0, CFI_REG_OFFSET, RSP, 16, CFI_OFFSET, -16 },
	{ "before the advance", { 0x41, 0x0e, 0x10, 0x86, 0x02 }, 5, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_SAME, 0 },
	{ "frame pointer set", { 0x41, 0x0e, 0x10, 0x86, 0x02, 0x43, 0x0d, 0x06 }, 8, 10, 0, CFI_REG_OFFSET, RBP, 16,
	  CFI_OFFSET, -16 },
	{ "advance_loc1", { 0x02, 0x20, 0x0e, 0x20 }, 4, 0x20, 0, CFI_REG_OFFSET, RSP, 32, CFI_SAME, 0 },
	{ "advance_loc1, before", { 0x02, 0x20, 0x0e, 0x20 }, 4, 0x1f, 0, CFI_REG_OFFSET, RSP, 8, CFI_SAME, 0 },
	{ "advance_loc2", { 0x03, 0x00, 0x01, 0x0e, 0x20 }, 5, 0x100, 0, CFI_REG_OFFSET, RSP, 32, CFI_SAME, 0 },
	{ "advance_loc4", { 0x04, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x20 }, 7, 0x100, 0, CFI_REG_OFFSET, RSP, 32,
	  CFI_SAME, 0 },
	{ "restore", { 0x86, 0x02, 0x41, 0xc6 }, 4, 1, 0, CFI_REG_OFFSET, RSP, 8, CFI_SAME, 0 },
	{ "restore_extended", { 0x86, 0x02, 0x41, 0x06, 0x06 }, 5, 1, 0, CFI_REG_OFFSET, RSP, 8, CFI_SAME, 0 },
	{ "remember, change, restore (epilogue in the middle)",
	  { 0x0e, 0x10, 0x86, 0x02, 0x41, 0x0a, 0x0e, 0x08, 0xc6, 0x41, 0x0b }, 11, 2, 0, CFI_REG_OFFSET, RSP, 16,
	  CFI_OFFSET, -16 },
	{ "remembered state in effect", { 0x0e, 0x10, 0x86, 0x02, 0x41, 0x0a, 0x0e, 0x08, 0xc6, 0x41, 0x0b }, 11, 1, 0,
	  CFI_REG_OFFSET, RSP, 8, CFI_SAME, 0 },
	{ "offset_extended_sf", { 0x11, 0x06, 0x7e }, 3, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_OFFSET, 16 },
	{ "val_offset", { 0x14, 0x06, 0x02 }, 3, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_VAL_OFFSET, -16 },
	{ "register", { 0x09, 0x06, 0x03 }, 3, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_REGISTER, 0 },
	{ "undefined", { 0x07, 0x06 }, 2, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_UNDEFINED, 0 },
	{ "same_value after offset", { 0x86, 0x02, 0x08, 0x06 }, 4, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_SAME, 0 },
	{ "def_cfa_sf", { 0x12, 0x06, 0x7e }, 3, 0, 0, CFI_REG_OFFSET, RBP, 16, CFI_SAME, 0 },
	{ "def_cfa_offset_sf", { 0x13, 0x7c }, 2, 0, 0, CFI_REG_OFFSET, RSP, 32, CFI_SAME, 0 },
	{ "def_cfa_expression (PLT)", { 0x0f, 0x0b, 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22 },
	  13, 0, 0, CFI_CFA_EXPR, 0, 0, CFI_SAME, 0 },
	{ "expression", { 0x10, 0x06, 0x02, 0x77, 0x10 }, 5, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_EXPR, 0 },
	{ "val_expression", { 0x16, 0x06, 0x02, 0x77, 0x10 }, 5, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_VAL_EXPR, 0 },
	{ "args_size ignored", { 0x2e, 0x10, 0x0e, 0x10 }, 4, 0, 0, CFI_REG_OFFSET, RSP, 16, CFI_SAME, 0 },
	{ "negative_offset_extended", { 0x2f, 0x06, 0x02 }, 3, 0, 0, CFI_REG_OFFSET, RSP, 8, CFI_OFFSET, 16 },
	{ "vector register rules are skipped", { 0x05, 0x11, 0x02, 0x10, 0x20, 0x01, 0x00 }, 7, 0, 0, CFI_REG_OFFSET,
	  RSP, 8, CFI_SAME, 0 },
	{ "outside the FDE", { 0 }, 0, 0x200, -ENOENT, 0, 0, 0, 0, 0 },
	{ "restore_state with nothing remembered", { 0x0b }, 1, 0, -EINVAL, 0, 0, 0, 0, 0 },
	{ "remember_state 17 deep", { 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
				       0x0a, 0x0a, 0x0a },
	  17, 0, -ENOTSUP, 0, 0, 0, 0, 0 },
	{ "CFA in a vector register", { 0x0c, 0x11, 0x08 }, 3, 0, -ENOTSUP, 0, 0, 0, 0, 0 },
	{ "def_cfa_offset after an expression CFA", { 0x0f, 0x01, 0x30, 0x0e, 0x08 }, 5, 0, -EINVAL, 0, 0, 0, 0, 0 },
	{ "unknown instruction", { 0x3f }, 1, 0, -EINVAL, 0, 0, 0, 0, 0 },
	{ "GNU_window_save", { 0x2d }, 1, 0, -ENOTSUP, 0, 0, 0, 0, 0 },
	/* 7 bytes make the FDE a multiple of 8: no padding after the cut */
	{ "truncated uleb", { 0x41, 0x41, 0x41, 0x41, 0x41, 0x0e, 0x80 }, 7, 0x10, -EINVAL, 0, 0, 0, 0, 0 },
	{ "expression longer than the FDE", { 0x0f, 0x7f, 0x30 }, 3, 0, -EINVAL, 0, 0, 0, 0, 0 },
	{ "set_loc backwards", { 0x01, 0x00, 0x00, 0x00, 0x00 }, 5, 0, -EINVAL, 0, 0, 0, 0, 0 },
};

Test(cfi, rows_of_built_fdes)
{
	for (size_t i = 0; i < ARRAY_SIZE(row_cases); i++) {
		const struct row_case *c = &row_cases[i];
		struct image im;
		struct cfi_row row;
		uint64_t fde;
		int err;

		build(&im, "zR", x86_cie, sizeof(x86_cie), c->insns, c->n, 0x2000, 0x200);
		cr_assert_eq(cfi_find_fde(&im.mem, BASE, 0x2000 + c->pc, &fde), 0, "%s", c->what);
		cr_assert_eq(fde, im.fde, "%s", c->what);
		memset(&row, 0xa5, sizeof(row));
		err = cfi_row_at(&im.mem, fde, 0x2000 + c->pc, &row);
		cr_expect_eq(err, c->err, "%s: %d", c->what, err);
		if (err || c->err)
			continue;
		cr_expect_eq(row.cfa.how, c->cfa_how, "%s: CFA how %d", c->what, row.cfa.how);
		if (c->cfa_how == CFI_REG_OFFSET) {
			cr_expect_eq(row.cfa.reg, c->cfa_reg, "%s: CFA reg %d", c->what, row.cfa.reg);
			cr_expect_eq(row.cfa.off, c->cfa_off, "%s: CFA off %lld", c->what, (long long)row.cfa.off);
		}
		cr_expect_eq(row.regs[RBP].how, c->rbp_how, "%s: rbp how %d", c->what, row.regs[RBP].how);
		if (c->rbp_how == CFI_OFFSET || c->rbp_how == CFI_VAL_OFFSET)
			cr_expect_eq(row.regs[RBP].off, c->rbp_off, "%s: rbp off %lld", c->what,
				     (long long)row.regs[RBP].off);
		if (c->rbp_how == CFI_REGISTER)
			cr_expect_eq(row.regs[RBP].reg, RBX, "%s", c->what);
		if (c->rbp_how == CFI_EXPR || c->rbp_how == CFI_VAL_EXPR)
			cr_expect(row.regs[RBP].expr_len == 2 && row.regs[RBP].expr >= im.b &&
					  row.regs[RBP].expr + 2 <= im.b + im.len,
				  "%s: the expression points into the image", c->what);
		cr_expect_eq(row.regs[RA].how, CFI_OFFSET, "%s", c->what);
		cr_expect_eq(row.regs[RA].off, -8, "%s", c->what);
		cr_expect_eq(row.ra, RA, "%s", c->what);
		cr_expect(!row.signal_frame, "%s", c->what);
		cr_expect_eq(row.regs[RBX].how, CFI_SAME, "%s: untouched columns keep no rule", c->what);
	}
}

Test(cfi, signal_frame_augmentation)
{
	struct image im;
	struct cfi_row row;

	build(&im, "zRS", x86_cie, sizeof(x86_cie), NULL, 0, 0x2000, 0x40);
	cr_assert_eq(cfi_row_at(&im.mem, im.fde, 0x2000, &row), 0);
	cr_expect(row.signal_frame);
}

Test(cfi, find_fde_edges)
{
	struct image im;
	uint64_t fde;

	build(&im, "zR", x86_cie, sizeof(x86_cie), NULL, 0, 0x2000, 0x40);
	cr_expect_eq(cfi_find_fde(&im.mem, BASE, 0x1fff, &fde), -ENOENT, "below every entry");
	cr_expect_eq(cfi_find_fde(&im.mem, BASE, 0x2000, &fde), 0);
	/* Past the last FDE's start the table has a candidate; cfi_row_at checks the range. */
	cr_expect_eq(cfi_find_fde(&im.mem, BASE, 0x2040, &fde), 0);
	cr_expect_eq(cfi_row_at(&im.mem, fde, 0x2040, &(struct cfi_row){ 0 }), -ENOENT);
	cr_expect_eq(cfi_find_fde(&im.mem, BASE + im.len, 0x2000, &fde), -EINVAL, "header outside the image");
	cr_expect_eq(cfi_find_fde(&im.mem, BASE - 8, 0x2000, &fde), -EINVAL, "header before the image");
	im.b[0] = 2;
	cr_expect_eq(cfi_find_fde(&im.mem, BASE, 0x2000, &fde), -EINVAL, "version 2");
	im.b[0] = 1;
	im.b[3] = 0x03; /* a table of udata4 entries: not the searchable form */
	cr_expect_eq(cfi_find_fde(&im.mem, BASE, 0x2000, &fde), -EINVAL);
	im.b[3] = 0x3b;
	*(uint32_t *)(im.b + 8) = 1000; /* more entries than bytes */
	cr_expect_eq(cfi_find_fde(&im.mem, BASE, 0x2000, &fde), -EINVAL);
	im.mem.len = 10; /* cut inside the header */
	cr_expect_eq(cfi_find_fde(&im.mem, BASE, 0x2000, &fde), -EINVAL);
}

Test(cfi, malformed_entries)
{
	struct image im;
	struct cfi_row row;
	uint64_t cie = BASE + 20;

	build(&im, "zR", x86_cie, sizeof(x86_cie), NULL, 0, 0x2000, 0x40);
	cr_expect_eq(cfi_row_at(&im.mem, cie, 0x2000, &row), -EINVAL, "a CIE is no FDE");
	cr_expect_eq(cfi_row_at(&im.mem, BASE + im.len, 0x2000, &row), -EINVAL, "past the image");
	build(&im, "zR", x86_cie, sizeof(x86_cie), NULL, 0, 0x2000, 0x40);
	*(uint32_t *)(im.b + im.fde - BASE) = 0x7fffffff; /* FDE length past the end */
	cr_expect_eq(cfi_row_at(&im.mem, im.fde, 0x2000, &row), -EINVAL);
	build(&im, "zR", x86_cie, sizeof(x86_cie), NULL, 0, 0x2000, 0x40);
	im.b[cie - BASE + 8] = 2; /* CIE version 2 does not exist */
	cr_expect_eq(cfi_row_at(&im.mem, im.fde, 0x2000, &row), -EINVAL);
	build(&im, "eh", x86_cie, sizeof(x86_cie), NULL, 0, 0x2000, 0x40);
	cr_expect_eq(cfi_row_at(&im.mem, im.fde, 0x2000, &row), -ENOTSUP, "GCC 2's eh augmentation");
	build(&im, "zRX", x86_cie, sizeof(x86_cie), NULL, 0, 0x2000, 0x40);
	cr_expect_eq(cfi_row_at(&im.mem, im.fde, 0x2000, &row), -ENOTSUP, "an unknown augmentation");
	build(&im, "zR", (const uint8_t *)"\x90\x01", 2, NULL, 0, 0x2000, 0x40);
	cr_expect_eq(cfi_row_at(&im.mem, im.fde, 0x2000, &row), -ENOTSUP, "no CFA rule at all");
}

/* --- expressions ----------------------------------------------------------------------- */

static uint64_t fake_regs[17];
static uint8_t fake_mem[64]; /* at 0x8000 */

static int reg_of(void *arg, unsigned reg, uint64_t *val)
{
	if (reg >= 17 || reg == 0) /* rax: "not known" */
		return -1;
	*val = fake_regs[reg];
	return 0;
}

static int mem_of(void *arg, uint64_t addr, unsigned size, uint64_t *val)
{
	if (addr < 0x8000 || addr + size > 0x8000 + sizeof(fake_mem))
		return -1;
	*val = 0;
	memcpy(val, fake_mem + (addr - 0x8000), size);
	return 0;
}

struct expr_case {
	const char *what;
	uint8_t e[24];
	size_t n;
	bool has_push;
	uint64_t push, rip;
	int err;
	uint64_t want;
};

static const struct expr_case expr_cases[] = {
	/* glibc's PLT rule: rsp + 8, plus 8 more once past the push in the entry (rip & 15 >= 11) */
	{ "PLT, before the push", { 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22 }, 11, false, 0,
	  0x4006, 0, 0x7f08 },
	{ "PLT, after the push", { 0x77, 0x08, 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22 }, 11, false, 0,
	  0x400b, 0, 0x7f10 },
	{ "pushed value", { 0x23, 0x10 }, 2, true, 100, 0, 0, 116 },
	{ "deref", { 0x0a, 0x00, 0x80, 0x06 }, 4, false, 0, 0, 0, 0x0706050403020100ULL },
	{ "deref_size 2", { 0x0a, 0x02, 0x80, 0x94, 0x02 }, 5, false, 0, 0, 0, 0x0302 },
	{ "deref outside", { 0x0a, 0x00, 0x10, 0x06 }, 4, false, 0, 0, -EINVAL, 0 },
	{ "bregx rbx - 4", { 0x92, 0x03, 0x7c }, 3, false, 0, 0, 0, 0x3000 - 4 },
	{ "unknown register", { 0x70, 0x00 }, 2, false, 0, 0, -EINVAL, 0 },
	{ "consts, abs", { 0x11, 0x7b, 0x19 }, 3, false, 0, 0, 0, 5 },
	{ "const1s -1, const2u", { 0x09, 0xff, 0x0a, 0x01, 0x00, 0x22 }, 6, false, 0, 0, 0, 0 },
	{ "div signed", { 0x11, 0x79, 0x32, 0x1b }, 4, false, 0, 0, 0, (uint64_t)-3 },
	{ "div by zero", { 0x31, 0x30, 0x1b }, 3, false, 0, 0, -EINVAL, 0 },
	{ "mod", { 0x3a, 0x34, 0x1d }, 3, false, 0, 0, 0, 2 },
	{ "shra", { 0x11, 0x70, 0x32, 0x26 }, 4, false, 0, 0, 0, (uint64_t)-4 },
	{ "shift by 64", { 0x31, 0x08, 0x40, 0x24 }, 4, false, 0, 0, 0, 0 },
	{ "swap, minus", { 0x33, 0x35, 0x16, 0x1c }, 4, false, 0, 0, 0, 2 },
	{ "rot", { 0x31, 0x32, 0x33, 0x17, 0x13, 0x13 }, 6, false, 0, 0, 0, 3 },
	{ "pick 2", { 0x37, 0x38, 0x39, 0x15, 0x02 }, 5, false, 0, 0, 0, 7 },
	{ "over, eq", { 0x35, 0x35, 0x14, 0x29 }, 4, false, 0, 0, 0, 1 },
	{ "bra taken", { 0x31, 0x28, 0x01, 0x00, 0x32, 0x33 }, 6, false, 0, 0, 0, 3 },
	{ "bra not taken", { 0x30, 0x28, 0x01, 0x00, 0x32, 0x33 }, 6, false, 0, 0, 0, 3 },
	{ "skip", { 0x2f, 0x01, 0x00, 0x32, 0x34 }, 5, false, 0, 0, 0, 4 },
	{ "skip out of the expression", { 0x2f, 0x10, 0x00 }, 3, false, 0, 0, -EINVAL, 0 },
	{ "endless loop", { 0x2f, 0xfd, 0xff }, 3, false, 0, 0, -EINVAL, 0 },
	{ "underflow", { 0x22 }, 1, false, 0, 0, -EINVAL, 0 },
	{ "empty", { 0 }, 0, false, 0, 0, -EINVAL, 0 },
	{ "register location", { 0x56 }, 1, false, 0, 0, -ENOTSUP, 0 },
	{ "piece", { 0x30, 0x93, 0x08 }, 3, false, 0, 0, -ENOTSUP, 0 },
	{ "unknown op", { 0xff }, 1, false, 0, 0, -EINVAL, 0 },
	{ "truncated const4u", { 0x0c, 0x01 }, 2, false, 0, 0, -EINVAL, 0 },
};

Test(cfi, expressions)
{
	struct cfi_env env = { reg_of, mem_of, NULL };

	for (size_t i = 0; i < sizeof(fake_mem); i++)
		fake_mem[i] = (uint8_t)i;
	fake_regs[RSP] = 0x7f00;
	fake_regs[RBX] = 0x3000;
	for (size_t i = 0; i < ARRAY_SIZE(expr_cases); i++) {
		const struct expr_case *c = &expr_cases[i];
		uint64_t out = 0xdead;
		int err;

		fake_regs[RA] = c->rip;
		err = cfi_eval(c->e, c->n, &env, c->has_push, c->push, &out);
		cr_expect_eq(err, c->err, "%s: %d", c->what, err);
		if (!err && !c->err)
			cr_expect_eq(out, c->want, "%s: %#llx", c->what, (unsigned long long)out);
	}
}

/* --- real files against readelf -wF ----------------------------------------------------- */

static const char *const regname[CFI_NREGS] = { "rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8",
						"r9",  "r10", "r11", "r12", "r13", "r14", "r15", "ra" };

static int reg_by_name(const char *s, size_t len)
{
	for (int r = 0; r < CFI_NREGS; r++)
		if (strlen(regname[r]) == len && !strncmp(regname[r], s, len))
			return r;
	return -1;
}

/*
 * Our rule as readelf writes it: "u" for no rule or undefined, "c-16", "v+8", "r3" (followed
 * by " (rbx)", dropped when the line is read), "exp", "vexp".
 */
static void rule_text(const struct cfi_rule *r, char *buf, size_t len)
{
	switch (r->how) {
	case CFI_SAME:
	case CFI_UNDEFINED: snprintf(buf, len, "u"); break;
	case CFI_OFFSET: snprintf(buf, len, "c%+lld", (long long)r->off); break;
	case CFI_VAL_OFFSET: snprintf(buf, len, "v%+lld", (long long)r->off); break;
	case CFI_REGISTER: snprintf(buf, len, "r%d", r->reg); break;
	case CFI_EXPR: snprintf(buf, len, "exp"); break;
	case CFI_VAL_EXPR: snprintf(buf, len, "vexp"); break;
	default: snprintf(buf, len, "?"); break;
	}
}

struct loaded {
	void *map;
	size_t size;
	struct cfi_mem mem;
	uint64_t hdr;
};

/* The PT_LOAD segment holding PT_GNU_EH_FRAME, as the loader would place it. */
static bool load(const char *path, struct loaded *l)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;

	if (fd < 0 || fstat(fd, &st))
		return false;
	l->size = (size_t)st.st_size;
	l->map = mmap(NULL, l->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	cr_assert_neq(l->map, MAP_FAILED);
	eh = l->map;
	ph = (const Elf64_Phdr *)((const char *)l->map + eh->e_phoff);
	l->hdr = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_GNU_EH_FRAME)
			l->hdr = ph[i].p_vaddr;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && l->hdr >= ph[i].p_vaddr && l->hdr < ph[i].p_vaddr + ph[i].p_filesz)
			l->mem = (struct cfi_mem){ (const uint8_t *)l->map + ph[i].p_offset, ph[i].p_filesz, ph[i].p_vaddr };
	return l->hdr && l->mem.bytes;
}

/*
 * Every row readelf prints for path's .eh_frame: at its location, our row must have the
 * same CFA and the same rule in every column readelf shows (and none in the others).
 */
static void compare_with_readelf(const char *path)
{
	char cmd[512], line[1024], cols[CFI_NREGS + 1][16], want[64];
	int col_reg[CFI_NREGS + 1], ncols = 0;
	unsigned long rows = 0, fdes = 0, mismatches = 0;
	bool in_fde = false;
	struct loaded l;
	FILE *f;

	if (access(path, R_OK))
		return;
	cr_assert(load(path, &l), "%s has an .eh_frame_hdr", path);
	snprintf(cmd, sizeof(cmd), "readelf -wF '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	cr_assert(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long loc;
		char cfa[64], *p, *tok;
		struct cfi_row row;
		uint64_t fde;
		int err, n;

		if (strstr(line, " FDE ")) {
			in_fde = true;
			fdes++;
			continue;
		}
		if (strstr(line, " CIE ") || strstr(line, "ZERO terminator")) {
			in_fde = false;
			continue;
		}
		if (!in_fde)
			continue;
		if (!strncmp(line, "   LOC", 6)) {
			/* "   LOC           CFA      rbx   rbp   ra" */
			ncols = 0;
			strtok(line + 6, " \n");
			while ((tok = strtok(NULL, " \n")) && ncols < CFI_NREGS)
				col_reg[ncols++] = reg_by_name(tok, strlen(tok));
			continue;
		}
		if (sscanf(line, "%llx %63s%n", &loc, cfa, &n) != 2)
			continue;
		p = line + n;
		/* "r3 (rbx)": one column */
		for (char *q; (q = strstr(p, " (")) && strchr(q, ')');)
			memmove(q, strchr(q, ')') + 1, strlen(strchr(q, ')') + 1) + 1);
		for (int i = 0; i < ncols; i++) {
			tok = strtok(i ? NULL : p, " \n");
			snprintf(cols[i], sizeof(cols[i]), "%s", tok ? tok : "");
		}
		rows++;
		err = cfi_find_fde(&l.mem, l.hdr, loc, &fde);
		if (!err)
			err = cfi_row_at(&l.mem, fde, loc, &row);
		if (err) {
			if (mismatches++ < 5)
				cr_log_error("%s %llx: error %d", path, loc, err);
			continue;
		}
		if (row.cfa.how == CFI_REG_OFFSET)
			snprintf(want, sizeof(want), "%s%+lld", regname[row.cfa.reg], (long long)row.cfa.off);
		else
			snprintf(want, sizeof(want), "exp");
		if (strcmp(want, cfa)) {
			if (mismatches++ < 5)
				cr_log_error("%s %llx: CFA %s, readelf %s", path, loc, want, cfa);
			continue;
		}
		for (int r = 0; r < CFI_NREGS; r++) {
			const char *theirs = "u";

			for (int i = 0; i < ncols; i++)
				if (col_reg[i] == r)
					theirs = cols[i];
			/* readelf writes "s" for same_value; both mean the caller's value is unchanged */
			if (!strcmp(theirs, "s"))
				theirs = "u";
			rule_text(&row.regs[r], want, sizeof(want));
			if (strcmp(want, theirs)) {
				if (mismatches++ < 5)
					cr_log_error("%s %llx: %s is %s, readelf %s", path, loc, regname[r], want, theirs);
				break;
			}
		}
	}
	pclose(f);
	munmap(l.map, l.size);
	cr_log_info("%s: %lu FDEs, %lu rows, %lu differ", path, fdes, rows, mismatches);
	cr_expect_gt(rows, 1000, "%s: readelf printed rows", path);
	cr_expect_eq(mismatches, 0, "%s: %lu of %lu rows differ from readelf", path, mismatches, rows);
}

Test(cfi, every_row_of_real_files_matches_readelf, .timeout = 300)
{
	if (access("/usr/bin/readelf", X_OK))
		cr_skip_test("no readelf (binutils) to compare with");
	compare_with_readelf("/lib/x86_64-linux-gnu/libc.so.6");
	compare_with_readelf("/lib64/ld-linux-x86-64.so.2");
	compare_with_readelf("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");
	compare_with_readelf("/bin/bash");
}
