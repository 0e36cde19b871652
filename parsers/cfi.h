/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfi: DWARF call frame information as toolchains emit it for unwinding (.eh_frame, found
 * through .eh_frame_hdr's search table).  Finds the FDE of an address, runs its CIE's and
 * its own instructions up to that address, and evaluates the DWARF expressions a row may
 * hold.  Pure: it reads only the bytes it is given, and registers and memory through the
 * caller's callbacks, so the unwinder can cache rows per file and test them without a
 * process.
 */
#ifndef RT_CFI_H
#define RT_CFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Columns kept: x86_64's DWARF numbers 0-15 (the general registers) and 16 (the return address). */
#define CFI_NREGS 17

/* A stretch of a file's loaded image: the bytes that the ELF places at vaddr. */
struct cfi_mem {
	const uint8_t *bytes;
	size_t len;
	uint64_t vaddr;
};

enum cfi_how {
	CFI_SAME,      /* no rule: the caller has the callee's value (the default) */
	CFI_UNDEFINED, /* no value: for the return address, the outermost frame */
	CFI_OFFSET,    /* saved at CFA + off */
	CFI_VAL_OFFSET, /* is CFA + off */
	CFI_REGISTER,  /* in register reg */
	CFI_EXPR,      /* saved at the address expr computes, the CFA pushed first */
	CFI_VAL_EXPR,  /* is what expr computes, the CFA pushed first */
	CFI_REG_OFFSET, /* the CFA only: reg + off */
	CFI_CFA_EXPR,  /* the CFA only: what expr computes */
};

struct cfi_rule {
	uint8_t how;       /* enum cfi_how */
	uint8_t reg;
	uint16_t expr_len;
	union {
		int64_t off;
		const uint8_t *expr; /* into the cfi_mem's bytes */
	};
};

/* How to find the caller's registers at one address. */
struct cfi_row {
	struct cfi_rule cfa;
	struct cfi_rule regs[CFI_NREGS];
	uint8_t ra;        /* the return address column */
	bool signal_frame; /* 'S': the caller's address is exact, not a return address */
};

/*
 * The FDE covering pc through the .eh_frame_hdr at hdr_vaddr (both inside m): its address
 * into *fde.  0; -ENOENT if the table has none; -EINVAL if the header is malformed or uses an
 * encoding other than the binary-searchable table every toolchain emits.
 */
int cfi_find_fde(const struct cfi_mem *m, uint64_t hdr_vaddr, uint64_t pc, uint64_t *fde);

/*
 * The row in effect at pc, from the FDE at fde_vaddr and its CIE.  0; -ENOENT if pc is outside
 * the FDE; -EINVAL for malformed CFI; -ENOTSUP for valid CFI this parser does not take
 * (register columns beyond CFI_NREGS in a CFA rule, 'text'/'func'-relative pointers, a
 * remembered-state stack deeper than 16).
 */
int cfi_row_at(const struct cfi_mem *m, uint64_t fde_vaddr, uint64_t pc, struct cfi_row *row);

/* What an expression may read. Each returns 0, or non-zero for no value. */
struct cfi_env {
	int (*reg)(void *arg, unsigned reg, uint64_t *val);
	int (*mem)(void *arg, uint64_t addr, unsigned size, uint64_t *val);
	void *arg;
};

/*
 * Evaluate the DWARF expression expr[0..len) with push (if has_push) on the stack first.
 * 0 with the top of the stack in *out; -EINVAL for a malformed expression or one that reads
 * what env cannot give; -ENOTSUP for operations that do not compute an address
 * (DW_OP_reg*, pieces, TLS, calls).
 */
int cfi_eval(const uint8_t *expr, size_t len, const struct cfi_env *env, bool has_push, uint64_t push,
	     uint64_t *out);

#endif
