// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cfi: read .eh_frame_hdr and .eh_frame (the DWARF 4 "Call Frame Information" chapter, with
 * the LSB's .eh_frame changes) and compute unwind rows.  Every read is bounds-checked against
 * the one stretch of image handed in, because the bytes come from any file a traced process
 * maps.  Multi-byte values are read in the host's byte order: rawtrace unwinds only processes
 * of the machine it runs on.
 */
#include <errno.h>
#include <string.h>
#include "parsers/cfi.h"

/* DW_EH_PE_*: how a pointer is encoded. */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_APPLY 0x70
#define PE_INDIRECT 0x80
#define PE_ABSPTR 0x00
#define PE_ULEB128 0x01
#define PE_UDATA2 0x02
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SLEB128 0x09
#define PE_SDATA2 0x0a
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10
#define PE_DATAREL 0x30

#define MAX_STATES 16    /* DW_CFA_remember_state depth; compilers nest one or two */
#define MAX_STACK 64     /* DWARF expression stack */
#define MAX_OPS 4096     /* expression operations run, against branch loops */

struct cursor {
	const struct cfi_mem *m;
	const uint8_t *p, *end;
	int err; /* first error: -EINVAL (out of bounds, malformed) or -ENOTSUP */
};

static void fail(struct cursor *c, int err)
{
	if (!c->err)
		c->err = err;
	c->p = c->end;
}

/* A cursor over [vaddr, vaddr + len) of m, or an empty one with -EINVAL if that is not in m. */
static struct cursor cursor_at(const struct cfi_mem *m, uint64_t vaddr, uint64_t len)
{
	struct cursor c = { m, NULL, NULL, 0 };

	if (vaddr < m->vaddr || vaddr - m->vaddr > m->len || len > m->len - (vaddr - m->vaddr)) {
		c.err = -EINVAL;
		return c;
	}
	c.p = m->bytes + (vaddr - m->vaddr);
	c.end = c.p + len;
	return c;
}

static uint64_t vaddr_of(const struct cursor *c)
{
	return c->m->vaddr + (uint64_t)(c->p - c->m->bytes);
}

static uint64_t fixed(struct cursor *c, unsigned size)
{
	uint64_t v = 0;

	if ((size_t)(c->end - c->p) < size) {
		fail(c, -EINVAL);
		return 0;
	}
	memcpy(&v, c->p, size); /* little-endian host: the low bytes */
	c->p += size;
	return v;
}

static int64_t sfixed(struct cursor *c, unsigned size)
{
	uint64_t v = fixed(c, size);
	unsigned shift = 64 - 8 * size;

	return shift ? (int64_t)(v << shift) >> shift : (int64_t)v;
}

static uint64_t uleb(struct cursor *c)
{
	uint64_t v = 0;

	for (unsigned shift = 0; c->p < c->end; shift += 7) {
		uint8_t b = *c->p++;

		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	fail(c, -EINVAL);
	return 0;
}

static int64_t sleb(struct cursor *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b = 0;

	do {
		if (c->p == c->end) {
			fail(c, -EINVAL);
			return 0;
		}
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/* A pointer in encoding enc; datarel is relative to base (0: not allowed here). */
static uint64_t encoded(struct cursor *c, uint8_t enc, uint64_t datarel_base)
{
	uint64_t at = vaddr_of(c), v;

	switch (enc & PE_FORMAT) {
	case PE_ABSPTR: v = fixed(c, 8); break;
	case PE_ULEB128: v = uleb(c); break;
	case PE_UDATA2: v = fixed(c, 2); break;
	case PE_UDATA4: v = fixed(c, 4); break;
	case PE_UDATA8: v = fixed(c, 8); break;
	case PE_SLEB128: v = (uint64_t)sleb(c); break;
	case PE_SDATA2: v = (uint64_t)sfixed(c, 2); break;
	case PE_SDATA4: v = (uint64_t)sfixed(c, 4); break;
	case PE_SDATA8: v = fixed(c, 8); break;
	default:
		fail(c, -EINVAL);
		return 0;
	}
	/* An indirect pointer needs the process's memory; none of the pointers read here use one. */
	if (enc & PE_INDIRECT) {
		fail(c, -ENOTSUP);
		return 0;
	}
	switch (enc & PE_APPLY) {
	case 0:
		return v;
	case PE_PCREL:
		return at + v;
	case PE_DATAREL:
		if (datarel_base)
			return datarel_base + v;
		break;
	}
	fail(c, -ENOTSUP);
	return 0;
}

int cfi_find_fde(const struct cfi_mem *m, uint64_t hdr_vaddr, uint64_t pc, uint64_t *fde)
{
	struct cursor c = cursor_at(m, hdr_vaddr, m->len - (hdr_vaddr - m->vaddr));
	uint8_t ptr_enc, count_enc, table_enc;
	uint64_t count, lo = 0, hi;
	const uint8_t *table;

	if (c.err)
		return c.err;
	if (fixed(&c, 1) != 1)
		return -EINVAL;
	ptr_enc = (uint8_t)fixed(&c, 1);
	count_enc = (uint8_t)fixed(&c, 1);
	table_enc = (uint8_t)fixed(&c, 1);
	if (c.err || ptr_enc == PE_OMIT)
		return -EINVAL;
	encoded(&c, ptr_enc, hdr_vaddr);
	if (count_enc == PE_OMIT || table_enc == PE_OMIT)
		return c.err ? c.err : -ENOENT;
	count = encoded(&c, count_enc, hdr_vaddr);
	if (c.err)
		return c.err;
	/* Fixed-size entries are what makes a binary search possible. */
	if (table_enc != (PE_DATAREL | PE_SDATA4))
		return -EINVAL;
	if (count > (uint64_t)(c.end - c.p) / 8)
		return -EINVAL;
	table = c.p;
	hi = count;
	/* The last entry whose initial location is at or below pc. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int32_t loc;

		memcpy(&loc, table + mid * 8, 4);
		if (hdr_vaddr + (uint64_t)(int64_t)loc <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return -ENOENT;
	{
		int32_t off;

		memcpy(&off, table + (lo - 1) * 8 + 4, 4);
		*fde = hdr_vaddr + (uint64_t)(int64_t)off;
	}
	return 0;
}

struct cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra;
	uint8_t fde_enc;
	bool has_aug_data; /* 'z': FDEs carry an augmentation length */
	bool signal_frame;
	struct cursor insns;
};

/* One CIE or FDE's length field: a cursor over its contents (after the length) in *body. */
static int entry_at(const struct cfi_mem *m, uint64_t vaddr, struct cursor *body)
{
	struct cursor c = cursor_at(m, vaddr, m->len - (vaddr >= m->vaddr ? vaddr - m->vaddr : 0));
	uint64_t len;

	if (c.err)
		return c.err;
	len = fixed(&c, 4);
	if (len == 0xffffffff)
		len = fixed(&c, 8);
	if (c.err || !len || len > (uint64_t)(c.end - c.p))
		return -EINVAL;
	*body = c;
	body->end = c.p + len;
	return 0;
}

static int parse_cie(const struct cfi_mem *m, uint64_t vaddr, struct cie *cie)
{
	struct cursor c;
	const uint8_t *aug, *aug_end;
	uint8_t version;
	int err = entry_at(m, vaddr, &c);

	if (err)
		return err;
	memset(cie, 0, sizeof(*cie));
	if (fixed(&c, 4) != 0) /* .eh_frame's CIE id */
		return -EINVAL;
	version = (uint8_t)fixed(&c, 1);
	if (version != 1 && version != 3 && version != 4)
		return c.err ? c.err : -EINVAL;
	aug = c.p;
	aug_end = memchr(c.p, '\0', (size_t)(c.end - c.p));
	if (!aug_end)
		return -EINVAL;
	c.p = aug_end + 1;
	if (version == 4 && (fixed(&c, 1) != 8 || fixed(&c, 1) != 0)) /* address and segment size */
		return c.err ? c.err : -ENOTSUP;
	cie->code_align = uleb(&c);
	cie->data_align = sleb(&c);
	cie->ra = version == 1 ? fixed(&c, 1) : uleb(&c);
	cie->fde_enc = PE_ABSPTR;
	if (aug < aug_end && *aug != 'z')
		return c.err ? c.err : -ENOTSUP; /* GCC 2's "eh" and the like */
	if (aug < aug_end) {
		uint64_t len = uleb(&c);
		const uint8_t *data_end;

		if (c.err || len > (uint64_t)(c.end - c.p))
			return -EINVAL;
		data_end = c.p + len;
		cie->has_aug_data = true;
		for (const uint8_t *a = aug + 1; a < aug_end && !c.err; a++) {
			switch (*a) {
			case 'R':
				cie->fde_enc = (uint8_t)fixed(&c, 1);
				break;
			case 'P': {
				uint8_t enc = (uint8_t)fixed(&c, 1);

				/* The personality routine is not ours to call: only step over it. */
				encoded(&c, enc & PE_FORMAT, 0);
				break;
			}
			case 'L':
				fixed(&c, 1);
				break;
			case 'S':
				cie->signal_frame = true;
				break;
			case 'B': /* AArch64 pointer authentication key B; 'G': MTE-tagged frames */
			case 'G':
				break;
			default:
				return -ENOTSUP;
			}
		}
		if (c.err || c.p > data_end)
			return c.err ? c.err : -EINVAL;
		c.p = data_end;
	}
	if (c.err || !cie->code_align)
		return c.err ? c.err : -EINVAL;
	cie->insns = c;
	return 0;
}

/* x times a data alignment factor, wrapping like the machine does (no signed overflow). */
static int64_t scaled(uint64_t x, int64_t factor)
{
	return (int64_t)(x * (uint64_t)factor);
}

struct state {
	struct cfi_rule cfa;
	struct cfi_rule regs[CFI_NREGS];
};

struct machine {
	const struct cie *cie;
	uint64_t loc, pc;
	struct state now, init;
	struct state saved[MAX_STATES];
	unsigned nsaved;
};

static struct cfi_rule *column(struct machine *vm, uint64_t reg)
{
	/* Vector registers and the like: nothing an unwinder of the integer frame needs. */
	return reg < CFI_NREGS ? &vm->now.regs[reg] : NULL;
}

static void set_rule(struct machine *vm, uint64_t reg, uint8_t how, int64_t off)
{
	struct cfi_rule *r = column(vm, reg);

	if (r)
		*r = (struct cfi_rule){ .how = how, .off = off };
}

/* Back to the rule the CIE's instructions gave reg. */
static void restore(struct machine *vm, uint64_t reg)
{
	struct cfi_rule *r = column(vm, reg);

	if (r)
		*r = vm->init.regs[reg];
}

static void block(struct cursor *c, struct cfi_rule *r, uint8_t how)
{
	uint64_t len = uleb(c);

	if (c->err || len > (uint64_t)(c->end - c->p) || len > UINT16_MAX) {
		fail(c, -EINVAL);
		return;
	}
	if (r)
		*r = (struct cfi_rule){ .how = how, .expr_len = (uint16_t)len, .expr = c->p };
	c->p += len;
}

/* Advance to loc + delta: false once that passes pc (the row at pc is complete). */
static bool advance(struct machine *vm, uint64_t delta)
{
	if (delta > vm->pc - vm->loc)
		return false;
	vm->loc += delta;
	return true;
}

static void def_cfa(struct cursor *c, struct machine *vm, uint64_t reg, int64_t off)
{
	if (reg >= CFI_NREGS) {
		fail(c, -ENOTSUP);
		return;
	}
	vm->now.cfa = (struct cfi_rule){ .how = CFI_REG_OFFSET, .reg = (uint8_t)reg, .off = off };
}

/* Run instructions until they end or move past pc. */
static int run(struct cursor *c, struct machine *vm)
{
	const struct cie *cie = vm->cie;

	while (c->p < c->end) {
		uint8_t op = (uint8_t)fixed(c, 1);
		uint64_t reg, x;
		struct cfi_rule *r;

		switch (op >> 6) {
		case 1: /* DW_CFA_advance_loc */
			if (!advance(vm, (op & 0x3f) * cie->code_align))
				return 0;
			continue;
		case 2: /* DW_CFA_offset */
			x = uleb(c);
			set_rule(vm, op & 0x3f, CFI_OFFSET, scaled(x, cie->data_align));
			continue;
		case 3: /* DW_CFA_restore */
			restore(vm, op & 0x3f);
			continue;
		}
		switch (op) {
		case 0x00: /* DW_CFA_nop */
			break;
		case 0x01: /* DW_CFA_set_loc */
			x = encoded(c, cie->fde_enc, 0);
			if (c->err)
				break;
			if (x < vm->loc)
				fail(c, -EINVAL);
			else if (!advance(vm, x - vm->loc))
				return 0;
			break;
		case 0x02: /* DW_CFA_advance_loc1, 2, 4 */
		case 0x03:
		case 0x04:
			x = fixed(c, op == 0x02 ? 1 : op == 0x03 ? 2 : 4);
			if (!c->err && !advance(vm, x * cie->code_align))
				return 0;
			break;
		case 0x05: /* DW_CFA_offset_extended */
			reg = uleb(c);
			x = uleb(c);
			set_rule(vm, reg, CFI_OFFSET, scaled(x, cie->data_align));
			break;
		case 0x06: /* DW_CFA_restore_extended */
			restore(vm, uleb(c));
			break;
		case 0x07: /* DW_CFA_undefined */
			set_rule(vm, uleb(c), CFI_UNDEFINED, 0);
			break;
		case 0x08: /* DW_CFA_same_value */
			set_rule(vm, uleb(c), CFI_SAME, 0);
			break;
		case 0x09: /* DW_CFA_register */
			reg = uleb(c);
			x = uleb(c);
			if (x >= CFI_NREGS)
				set_rule(vm, reg, CFI_UNDEFINED, 0); /* a value we cannot follow */
			else if ((r = column(vm, reg)))
				*r = (struct cfi_rule){ .how = CFI_REGISTER, .reg = (uint8_t)x };
			break;
		case 0x0a: /* DW_CFA_remember_state */
			if (vm->nsaved == MAX_STATES) {
				fail(c, -ENOTSUP);
				break;
			}
			vm->saved[vm->nsaved++] = vm->now;
			break;
		case 0x0b: /* DW_CFA_restore_state */
			if (!vm->nsaved) {
				fail(c, -EINVAL);
				break;
			}
			vm->now = vm->saved[--vm->nsaved];
			break;
		case 0x0c: /* DW_CFA_def_cfa */
			reg = uleb(c);
			x = uleb(c);
			def_cfa(c, vm, reg, (int64_t)x);
			break;
		case 0x12: /* DW_CFA_def_cfa_sf */
			reg = uleb(c);
			def_cfa(c, vm, reg, scaled((uint64_t)sleb(c), cie->data_align));
			break;
		case 0x0d: /* DW_CFA_def_cfa_register */
			reg = uleb(c);
			if (vm->now.cfa.how != CFI_REG_OFFSET)
				fail(c, -EINVAL);
			else
				def_cfa(c, vm, reg, vm->now.cfa.off);
			break;
		case 0x0e: /* DW_CFA_def_cfa_offset, _sf */
		case 0x13:
			x = op == 0x0e ? uleb(c) : (uint64_t)(scaled((uint64_t)sleb(c), cie->data_align));
			if (vm->now.cfa.how != CFI_REG_OFFSET)
				fail(c, -EINVAL);
			else
				vm->now.cfa.off = (int64_t)x;
			break;
		case 0x0f: /* DW_CFA_def_cfa_expression */
			block(c, &vm->now.cfa, CFI_CFA_EXPR);
			break;
		case 0x10: /* DW_CFA_expression */
			reg = uleb(c);
			block(c, column(vm, reg), CFI_EXPR);
			break;
		case 0x16: /* DW_CFA_val_expression */
			reg = uleb(c);
			block(c, column(vm, reg), CFI_VAL_EXPR);
			break;
		case 0x11: /* DW_CFA_offset_extended_sf */
			reg = uleb(c);
			set_rule(vm, reg, CFI_OFFSET, scaled((uint64_t)sleb(c), cie->data_align));
			break;
		case 0x14: /* DW_CFA_val_offset */
			reg = uleb(c);
			x = uleb(c);
			set_rule(vm, reg, CFI_VAL_OFFSET, scaled(x, cie->data_align));
			break;
		case 0x15: /* DW_CFA_val_offset_sf */
			reg = uleb(c);
			set_rule(vm, reg, CFI_VAL_OFFSET, scaled((uint64_t)sleb(c), cie->data_align));
			break;
		case 0x2e: /* DW_CFA_GNU_args_size: for landing pads only */
			uleb(c);
			break;
		case 0x2f: /* DW_CFA_GNU_negative_offset_extended */
			reg = uleb(c);
			x = uleb(c);
			set_rule(vm, reg, CFI_OFFSET, (int64_t)-(uint64_t)scaled(x, cie->data_align));
			break;
		default: /* including DW_CFA_GNU_window_save (SPARC; AArch64's negate_ra_state) */
			fail(c, op == 0x2d ? -ENOTSUP : -EINVAL);
			break;
		}
	}
	return c->err;
}

int cfi_row_at(const struct cfi_mem *m, uint64_t fde_vaddr, uint64_t pc, struct cfi_row *row)
{
	struct machine vm;
	struct cursor c, insns;
	struct cie cie;
	uint64_t cie_ptr_at, cie_ptr, begin, range;
	int err = entry_at(m, fde_vaddr, &c);

	if (err)
		return err;
	cie_ptr_at = vaddr_of(&c);
	cie_ptr = fixed(&c, 4);
	if (c.err || !cie_ptr || cie_ptr > cie_ptr_at)
		return -EINVAL; /* 0 would make this a CIE */
	err = parse_cie(m, cie_ptr_at - cie_ptr, &cie);
	if (err)
		return err;
	begin = encoded(&c, cie.fde_enc, 0);
	range = encoded(&c, cie.fde_enc & PE_FORMAT, 0);
	if (cie.has_aug_data) {
		uint64_t len = uleb(&c);

		if (len > (uint64_t)(c.end - c.p))
			return -EINVAL;
		c.p += len;
	}
	if (c.err)
		return c.err;
	if (pc < begin || pc - begin >= range)
		return -ENOENT;
	memset(&vm, 0, sizeof(vm));
	vm.cie = &cie;
	vm.loc = begin;
	vm.pc = pc;
	vm.now.cfa.how = CFI_UNDEFINED;
	insns = cie.insns;
	err = run(&insns, &vm);
	if (err)
		return err;
	vm.init = vm.now;
	vm.nsaved = 0;
	err = run(&c, &vm);
	if (err)
		return err;
	if (vm.now.cfa.how == CFI_UNDEFINED || cie.ra >= CFI_NREGS)
		return -ENOTSUP;
	row->cfa = vm.now.cfa;
	memcpy(row->regs, vm.now.regs, sizeof(row->regs));
	row->ra = (uint8_t)cie.ra;
	row->signal_frame = cie.signal_frame;
	return 0;
}

/* --- DWARF expressions --------------------------------------------------------------- */

int cfi_eval(const uint8_t *expr, size_t len, const struct cfi_env *env, bool has_push, uint64_t push,
	     uint64_t *out)
{
	struct cfi_mem m = { expr, len, 0 };
	struct cursor c = { &m, expr, expr + len, 0 };
	uint64_t st[MAX_STACK], a, b;
	unsigned n = 0, ops = 0;

#define NEED(k)                                   \
	do {                                      \
		if (n < (k))                      \
			return -EINVAL;           \
	} while (0)
#define PUSH(v)                                   \
	do {                                      \
		uint64_t v_ = (v);                \
		if (n == MAX_STACK)               \
			return -EINVAL;           \
		st[n++] = v_;                     \
	} while (0)

	if (has_push)
		st[n++] = push;
	while (c.p < c.end) {
		uint8_t op = (uint8_t)fixed(&c, 1);

		if (++ops > MAX_OPS)
			return -EINVAL;
		if (op >= 0x30 && op <= 0x4f) { /* DW_OP_lit0..31 */
			PUSH(op - 0x30u);
			continue;
		}
		if ((op >= 0x70 && op <= 0x8f) || op == 0x92) { /* DW_OP_breg0..31, DW_OP_bregx */
			uint64_t reg = op == 0x92 ? uleb(&c) : op - 0x70u;
			int64_t off = sleb(&c);

			if (c.err || reg > UINT32_MAX || env->reg(env->arg, (unsigned)reg, &a))
				return -EINVAL;
			PUSH(a + (uint64_t)off);
			continue;
		}
		switch (op) {
		case 0x03: PUSH(fixed(&c, 8)); break;               /* DW_OP_addr */
		case 0x08: PUSH(fixed(&c, 1)); break;               /* DW_OP_const1u */
		case 0x09: PUSH((uint64_t)sfixed(&c, 1)); break;    /* DW_OP_const1s */
		case 0x0a: PUSH(fixed(&c, 2)); break;
		case 0x0b: PUSH((uint64_t)sfixed(&c, 2)); break;
		case 0x0c: PUSH(fixed(&c, 4)); break;
		case 0x0d: PUSH((uint64_t)sfixed(&c, 4)); break;
		case 0x0e: /* DW_OP_const8u, const8s */
		case 0x0f: PUSH(fixed(&c, 8)); break;
		case 0x10: PUSH(uleb(&c)); break;                   /* DW_OP_constu */
		case 0x11: PUSH((uint64_t)sleb(&c)); break;         /* DW_OP_consts */
		case 0x12: NEED(1); PUSH(st[n - 1]); break;         /* DW_OP_dup */
		case 0x13: NEED(1); n--; break;                     /* DW_OP_drop */
		case 0x14: NEED(2); PUSH(st[n - 2]); break;         /* DW_OP_over */
		case 0x15:                                          /* DW_OP_pick */
			a = fixed(&c, 1);
			NEED(a + 1);
			PUSH(st[n - 1 - a]);
			break;
		case 0x16: /* DW_OP_swap */
			NEED(2);
			a = st[n - 1];
			st[n - 1] = st[n - 2];
			st[n - 2] = a;
			break;
		case 0x17: /* DW_OP_rot */
			NEED(3);
			a = st[n - 1];
			st[n - 1] = st[n - 2];
			st[n - 2] = st[n - 3];
			st[n - 3] = a;
			break;
		case 0x06: /* DW_OP_deref */
		case 0x94: /* DW_OP_deref_size */
			a = op == 0x06 ? 8 : fixed(&c, 1);
			NEED(1);
			if (c.err || !a || a > 8 || env->mem(env->arg, st[n - 1], (unsigned)a, &b))
				return -EINVAL;
			st[n - 1] = b;
			break;
		case 0x19: /* DW_OP_abs */
			NEED(1);
			if ((int64_t)st[n - 1] < 0)
				st[n - 1] = -st[n - 1];
			break;
		case 0x1f: NEED(1); st[n - 1] = -st[n - 1]; break;  /* DW_OP_neg */
		case 0x20: NEED(1); st[n - 1] = ~st[n - 1]; break;  /* DW_OP_not */
		case 0x23: NEED(1); st[n - 1] += uleb(&c); break;   /* DW_OP_plus_uconst */
		case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x21: case 0x22:
		case 0x24: case 0x25: case 0x26: case 0x27:
		case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e:
			NEED(2);
			b = st[--n]; /* the top is the second operand */
			a = st[n - 1];
			switch (op) {
			case 0x1a: a &= b; break;
			case 0x1b: /* DW_OP_div, signed */
				if (!b || ((int64_t)a == INT64_MIN && (int64_t)b == -1))
					return -EINVAL;
				a = (uint64_t)((int64_t)a / (int64_t)b);
				break;
			case 0x1c: a -= b; break;
			case 0x1d: /* DW_OP_mod */
				if (!b)
					return -EINVAL;
				a %= b;
				break;
			case 0x1e: a *= b; break;
			case 0x21: a |= b; break;
			case 0x22: a += b; break;
			case 0x24: a = b < 64 ? a << b : 0; break;
			case 0x25: a = b < 64 ? a >> b : 0; break;
			case 0x26: a = (uint64_t)((int64_t)a >> (b < 64 ? b : 63)); break;
			case 0x27: a ^= b; break;
			case 0x29: a = a == b; break;
			case 0x2a: a = (int64_t)a >= (int64_t)b; break;
			case 0x2b: a = (int64_t)a > (int64_t)b; break;
			case 0x2c: a = (int64_t)a <= (int64_t)b; break;
			case 0x2d: a = (int64_t)a < (int64_t)b; break;
			case 0x2e: a = a != b; break;
			}
			st[n - 1] = a;
			break;
		case 0x28: /* DW_OP_bra */
		case 0x2f: /* DW_OP_skip */ {
			int64_t off = sfixed(&c, 2);
			bool jump = true;

			if (op == 0x28) {
				NEED(1);
				jump = st[--n] != 0;
			}
			if (c.err)
				return -EINVAL;
			if (jump) {
				if (off < expr - c.p || off > c.end - c.p)
					return -EINVAL;
				c.p += off;
			}
			break;
		}
		case 0x96: /* DW_OP_nop */
			break;
		default: /* register locations, pieces, TLS, calls, entry values */
			if (op >= 0x50 && op <= 0x6f)
				return -ENOTSUP;
			return op == 0x90 || op == 0x93 || op == 0x9b || op == 0x98 || op == 0x99 ||
					       op == 0xe0 || op == 0xa3 || op == 0xf3
				       ? -ENOTSUP
				       : -EINVAL;
		}
		if (c.err)
			return -EINVAL;
	}
#undef NEED
#undef PUSH
	if (c.err || !n)
		return -EINVAL;
	*out = st[n - 1];
	return 0;
}
