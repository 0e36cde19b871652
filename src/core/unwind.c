// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * unwind: walk a sampled user stack frame by frame with cached CFI rows.  A frame's row says
 * where the caller's registers are (mostly "saved at CFA + n", the CFA being a register plus
 * an offset); the walk reads those from the stack copy and repeats from the caller.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/unwind.h"

#define RA_COLUMN 16        /* x86_64's return address column: also the IP */
#define SP_COLUMN 7
#define RBP_COLUMN 6
#define FIRST_SLOTS 1024
#define MAX_SLOTS 16384     /* about 5 MiB of rows; then the cache starts over */

struct row_slot {
	const void *key;    /* NULL: empty */
	uint64_t vaddr;
	int err;            /* cfi_find_fde's or cfi_row_at's answer when not 0 */
	struct cfi_row row;
};

struct unwind_cache {
	struct row_slot *slots;
	size_t cap, used;
};

struct unwind_cache *unwind_cache__new(void)
{
	struct unwind_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->slots = calloc(FIRST_SLOTS, sizeof(*c->slots));
	if (!c->slots) {
		free(c);
		return NULL;
	}
	c->cap = FIRST_SLOTS;
	return c;
}

void unwind_cache__free(struct unwind_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c);
}

static size_t slot_of(const struct unwind_cache *c, const void *key, uint64_t vaddr)
{
	uint64_t h = (vaddr ^ ((uint64_t)(uintptr_t)key << 17)) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) & (c->cap - 1);
}

static struct row_slot *probe(struct unwind_cache *c, const void *key, uint64_t vaddr)
{
	size_t i = slot_of(c, key, vaddr);

	while (c->slots[i].key && (c->slots[i].key != key || c->slots[i].vaddr != vaddr))
		i = (i + 1) & (c->cap - 1);
	return &c->slots[i];
}

/* Room for one more row: double the table, or past MAX_SLOTS empty it. */
static void make_room(struct unwind_cache *c)
{
	struct row_slot *old = c->slots, *bigger;
	size_t old_cap = c->cap;

	if ((c->used + 1) * 2 <= c->cap)
		return;
	bigger = c->cap < MAX_SLOTS ? calloc(c->cap * 2, sizeof(*bigger)) : NULL;
	if (!bigger) {
		memset(c->slots, 0, c->cap * sizeof(*c->slots));
		c->used = 0;
		return;
	}
	c->slots = bigger;
	c->cap *= 2;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*probe(c, old[i].key, old[i].vaddr) = old[i];
	free(old);
}

/* The row at ELF address vaddr of mod's file, computed once. */
static const struct row_slot *row_of(struct unwind_cache *c, const struct unwind_module *mod, uint64_t vaddr)
{
	struct row_slot *s = probe(c, mod->key, vaddr);
	uint64_t fde;

	if (s->key)
		return s;
	make_room(c);
	s = probe(c, mod->key, vaddr);
	s->key = mod->key;
	s->vaddr = vaddr;
	c->used++;
	s->err = cfi_find_fde(mod->eh, mod->hdr_vaddr, vaddr, &fde);
	if (!s->err)
		s->err = cfi_row_at(mod->eh, fde, vaddr, &s->row);
	return s;
}

/* What expressions and saved registers read: the frame's registers and the stack copy. */
struct frame {
	const struct unwind_regs *regs;
	const struct unwind_stack *st;
};

static int frame_reg(void *arg, unsigned reg, uint64_t *val)
{
	const struct frame *f = arg;

	if (reg >= CFI_NREGS || !(f->regs->known & (1u << reg)))
		return -1;
	*val = f->regs->val[reg];
	return 0;
}

static int frame_mem(void *arg, uint64_t addr, unsigned size, uint64_t *val)
{
	const struct frame *f = arg;
	const struct unwind_stack *st = f->st;

	if (addr < st->sp || addr - st->sp > st->len || size > st->len - (addr - st->sp))
		return -1;
	*val = 0;
	memcpy(val, st->bytes + (addr - st->sp), size); /* little-endian: the low bytes */
	return 0;
}

/* The caller's value of one register under rule r; non-zero when it has none we can know. */
static int recover(const struct cfi_rule *r, const struct frame *f, uint64_t cfa, unsigned reg, uint64_t *val)
{
	struct cfi_env env = { frame_reg, frame_mem, (void *)f };
	uint64_t addr;

	switch (r->how) {
	case CFI_SAME:
		return frame_reg((void *)f, reg, val);
	case CFI_OFFSET:
		return frame_mem((void *)f, cfa + (uint64_t)r->off, 8, val);
	case CFI_VAL_OFFSET:
		*val = cfa + (uint64_t)r->off;
		return 0;
	case CFI_REGISTER:
		return frame_reg((void *)f, r->reg, val);
	case CFI_EXPR:
		return cfi_eval(r->expr, r->expr_len, &env, true, cfa, &addr) || frame_mem((void *)f, addr, 8, val);
	case CFI_VAL_EXPR:
		return cfi_eval(r->expr, r->expr_len, &env, true, cfa, val);
	default: /* CFI_UNDEFINED */
		return -1;
	}
}

/* One frame by its CFI row; false where the walk ends. */
static bool step_cfi(const struct frame *f, const struct cfi_row *row, struct unwind_regs *caller)
{
	struct cfi_env env = { frame_reg, frame_mem, (void *)f };
	uint64_t cfa, v;

	if (row->cfa.how == CFI_REG_OFFSET) {
		if (frame_reg((void *)f, row->cfa.reg, &cfa))
			return false;
		cfa += (uint64_t)row->cfa.off;
	} else if (cfi_eval(row->cfa.expr, row->cfa.expr_len, &env, false, 0, &cfa)) {
		return false;
	}
	caller->known = 0;
	for (unsigned r = 0; r < CFI_NREGS; r++)
		if (r != RA_COLUMN && !recover(&row->regs[r], f, cfa, r, &v)) {
			caller->val[r] = v;
			caller->known |= 1u << r;
		}
	/* x86_64: the caller's stack pointer is the CFA unless a rule says otherwise. */
	if (row->regs[SP_COLUMN].how == CFI_SAME) {
		caller->val[SP_COLUMN] = cfa;
		caller->known |= 1u << SP_COLUMN;
	}
	/* The caller resumes at the return address, whatever column holds it. */
	if (!recover(&row->regs[row->ra], f, cfa, row->ra, &v)) {
		caller->val[RA_COLUMN] = v;
		caller->known |= 1u << RA_COLUMN;
	}
	return true;
}

/*
 * One frame of code without CFI (crtstuff's __do_global_dtors_aux on the way out of exit(),
 * hand-written assembly, JIT code) by the frame-pointer convention: the caller's rbp saved at
 * [rbp], the return address at [rbp + 8], the caller's stack pointer rbp + 16.  rbp 0 is the
 * ABI's outermost frame (ld.so's _start).  As libunwind does, a saved rbp more than 16 KiB
 * above this one is not believed, and no other register is known after such a step.
 */
static bool step_fp(const struct frame *f, struct unwind_regs *caller)
{
	uint64_t rbp, v;

	if (frame_reg((void *)f, RBP_COLUMN, &rbp) || !rbp || frame_mem((void *)f, rbp + 8, 8, &v))
		return false;
	caller->known = 1u << RA_COLUMN | 1u << SP_COLUMN;
	caller->val[RA_COLUMN] = v;
	caller->val[SP_COLUMN] = rbp + 16;
	if (!frame_mem((void *)f, rbp, 8, &v) && v - rbp <= 0x4000) {
		caller->val[RBP_COLUMN] = v;
		caller->known |= 1u << RBP_COLUMN;
	}
	return true;
}

int unwind_cfi(struct unwind_cache *c, unwind_module_fn module, void *arg, struct unwind_regs *regs,
	       const struct unwind_stack *st, uint64_t *ips, int max, unsigned *no_cfi)
{
	struct frame f = { regs, st };
	bool exact = true; /* the sampled IP is exact; return addresses are looked up at IP - 1 */
	int n = 0;

	*no_cfi = 0;
	while (n < max) {
		struct unwind_regs caller = { .known = 0 }; /* the progress check reads unknown values */
		struct unwind_module mod;
		const struct row_slot *s = NULL;
		uint64_t ip = regs->val[RA_COLUMN], look;
		bool more;

		if (!(regs->known & (1u << RA_COLUMN)) || !ip)
			break;
		ips[n++] = ip;
		look = exact ? ip : ip - 1;
		if (!module(arg, look, &mod)) {
			s = row_of(c, &mod, look - mod.bias);
			if (s->err && s->err != -ENOENT)
				return -ENOTSUP;
		}
		if (s && !s->err) {
			more = step_cfi(&f, &s->row, &caller);
			exact = s->row.signal_frame;
		} else {
			more = step_fp(&f, &caller);
			exact = false;
			++*no_cfi;
		}
		/* No progress would loop forever. */
		if (!more || (caller.val[RA_COLUMN] == ip && caller.val[SP_COLUMN] == regs->val[SP_COLUMN]))
			break;
		*regs = caller;
	}
	return n;
}
