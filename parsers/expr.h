/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * expr: the C-like expressions of BCC's trace and argdist specs (predicates, arguments,
 * argdist expressions and filters).  A lexer and a precedence-climbing parser build an AST
 * whose nodes remember their source column; expr_split_filter() moves the part of a
 * predicate the ftrace filter language can express into a kernel filter string; expr_eval()
 * evaluates what is left in user space with C's integer semantics.  Pure: libc only.
 *
 * Accepted: integer literals (decimal, 0x hex, 0 octal, 'c' chars, u/l suffixes), string
 * literals with C escapes, arg1..arg6, retval, signature names, args->FIELD, $retval
 * $latency $pid $tgid $tid $uid $gid $cpu $comm $task $PID $COMM $entry(NAME), NAME@user,
 * casts to C scalar and pointer types, unary - ! ~ *, binary * / % + - << >> < <= > >= == !=
 * & ^ | && ||, parentheses and STRCMP("literal", expr).  Not accepted (each with its own
 * message): ?:, assignment, function calls, member access on anything but args.
 */
#ifndef RT_EXPR_H
#define RT_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A parse or evaluation error: the 0-based column in the original text (-1: none). */
struct expr_error {
	int col;
	char msg[160];
};

/*
 * A C type as written in a cast, a signature or an argdist type list.  size is in bytes
 * (8 for any pointer, 0 for a struct or void that is not a pointer).  text is canonical:
 * words separated by one space, qualifiers dropped, then " *" per pointer level ("char *",
 * "unsigned long", "struct timespec *").
 */
struct expr_type {
	char *text;
	unsigned size;
	bool is_signed;
	unsigned ptr;	/* pointer depth */
	bool is_struct; /* struct/union NAME (as a pointer target or by value) */
};

/*
 * Parse a type from src[start, end).  0, or -EINVAL/-ENOMEM with err set; columns index
 * src.  Scalars that are not base C types must be known kernel typedefs (size_t, loff_t,
 * gfp_t, ...); any name is fine behind a pointer.
 */
int expr_type_parse(const char *src, size_t start, size_t end, struct expr_type *t,
		    struct expr_error *err);
void expr_type_free(struct expr_type *t);

/*
 * Read one character of a C string or character literal at src[*pos] (before end),
 * decoding \n \t \r \a \b \f \v \e \\ \' \" \? \xHH and octal escapes, and advance *pos.
 * 0, or -EINVAL with err set for an unknown or truncated escape.  Shared with fmt.c.
 */
int expr_unescape_char(const char *src, size_t *pos, size_t end, char *out, struct expr_error *err);

enum expr_kind {
	EXPR_INT,    /* literal: ival, is_unsigned, bits */
	EXPR_STR,    /* literal: str (unescaped, NUL-terminated), len */
	EXPR_VAR,    /* a BCC special value: var, argn, name is the spelling, user */
	EXPR_IDENT,  /* any other name (a signature parameter): name, user */
	EXPR_FIELD,  /* args->FIELD: name is FIELD */
	EXPR_ENTRY,  /* $entry(NAME): name is NAME */
	EXPR_CAST,   /* (type)kid[0] */
	EXPR_UNARY,  /* op kid[0] */
	EXPR_BINARY, /* kid[0] op kid[1] */
	EXPR_STRCMP, /* STRCMP(kid[0] (an EXPR_STR), kid[1]) */
};

enum expr_op {
	EXPR_OP_NONE,
	EXPR_OP_NEG,   /* unary - */
	EXPR_OP_NOT,   /* unary ! */
	EXPR_OP_BNOT,  /* unary ~ */
	EXPR_OP_DEREF, /* unary * */
	EXPR_OP_MUL,
	EXPR_OP_DIV,
	EXPR_OP_MOD,
	EXPR_OP_ADD,
	EXPR_OP_SUB,
	EXPR_OP_SHL,
	EXPR_OP_SHR,
	EXPR_OP_LT,
	EXPR_OP_LE,
	EXPR_OP_GT,
	EXPR_OP_GE,
	EXPR_OP_EQ,
	EXPR_OP_NE,
	EXPR_OP_BAND,
	EXPR_OP_XOR,
	EXPR_OP_BOR,
	EXPR_OP_LAND,
	EXPR_OP_LOR,
};

/*
 * What an EXPR_VAR names.  BCC trace's $pid is the thread id (the low half of
 * pid_tgid) and $tgid the process id; argdist's $PID is the process id, so it maps to
 * EXPR_VAR_TGID.  $tid is accepted as a clearer spelling of the thread id.
 */
enum expr_var {
	EXPR_VAR_ARG,	  /* arg1..arg6 (argn) */
	EXPR_VAR_RETVAL,  /* retval, $retval */
	EXPR_VAR_LATENCY, /* $latency: ns from entry to return */
	EXPR_VAR_PID,	  /* $pid, $tid */
	EXPR_VAR_TGID,	  /* $tgid, $PID */
	EXPR_VAR_UID,
	EXPR_VAR_GID,
	EXPR_VAR_CPU,
	EXPR_VAR_COMM, /* $comm, $COMM */
	EXPR_VAR_TASK, /* $task: only meaningful to BPF; tools reject it */
};

struct expr {
	enum expr_kind kind;
	enum expr_op op;
	enum expr_var var;
	int argn;
	bool user; /* NAME@user: read %s strings from user memory */
	char *name;
	char *str;
	size_t len;
	uint64_t ival;
	bool is_unsigned; /* C type of a literal: int, unsigned, long, unsigned long */
	unsigned bits;	  /* 32 or 64 */
	struct expr_type type;
	struct expr *kid[2];
	int col;	/* 0-based column of the node's first character or operator */
	unsigned depth; /* height of the tree below, bounded by the parser */
};

/* Parse all of text.  The AST (free with expr_free), or NULL with err set. */
struct expr *expr_parse(const char *text, struct expr_error *err);
/* Parse src[start, end), e.g. a predicate inside a spec; columns index src. */
struct expr *expr_parse_range(const char *src, size_t start, size_t end, struct expr_error *err);
void expr_free(struct expr *e);
/* A deep copy, or NULL on ENOMEM. */
struct expr *expr_dup(const struct expr *e);

/*
 * The canonical S-expression: "(&& (> arg3 20000) (== $pid 12))", "(cast char * $retval)",
 * "args->nr_sector", "arg2@user", "$entry(fd)", "(STRCMP \"bash\" $comm)".  snprintf
 * semantics: the length the whole dump needs; out is always terminated when outlen > 0.
 */
size_t expr_dump(const struct expr *e, char *out, size_t outlen);
/* "&&", "<<", "-" (both the unary and the binary one), ... */
const char *expr_op_name(enum expr_op op);

/*
 * The kernel side of a leaf (EXPR_VAR, EXPR_IDENT or EXPR_FIELD), as the caller has
 * defined its tracepoint field or kprobe fetch-arg.
 */
struct expr_kfield {
	char name[64]; /* the ftrace field name, e.g. "nr_sector" or "arg1" */
	bool is_string;
	bool is_signed;
	unsigned size; /* bytes */
};

/* true when leaf is kernel-filterable, filling f. */
typedef bool (*expr_kfield_fn)(void *ctx, const struct expr *leaf, struct expr_kfield *f);

/*
 * Split a predicate into the top-level && terms the ftrace filter language can express
 * and the rest.  *kernel gets those terms as one filter string ("fd == 1 && count > 4096";
 * NULL when none qualifies) and *residual a new AST of the remaining terms, in their order,
 * for expr_eval (NULL when none remain).  A term qualifies when it is "field OP constant"
 * (either order, OP one of == != < <= > >=), "field & constant", a bare field (!= 0),
 * "field ==/!= \"string\"", STRCMP("literal", string field) (rendered as the glob
 * field ~ "literal*"), or a ! or || of qualifying terms.  Constants may be any expression of
 * literals.  Left in user space: arithmetic on fields, casts that narrow or change the
 * sign of a field, negative constants against unsigned fields, strings holding glob or
 * quote characters, and anything the callback does not map.  0 or -ENOMEM.
 */
int expr_split_filter(const struct expr *pred, expr_kfield_fn fn, void *ctx, char **kernel,
		      struct expr **residual);

/*
 * A value.  Integers follow C after promotion: 32 or 64 bits, signed or not, with u
 * holding the value zero- or sign-extended to 64 bits.  Strings are NUL-terminated and
 * must outlive the evaluation.
 */
enum expr_value_kind { EXPR_VAL_INT, EXPR_VAL_STR };

struct expr_value {
	enum expr_value_kind kind;
	bool is_signed;
	unsigned bits;
	uint64_t u;
	const char *str;
	size_t len;
};

/* Integer value helpers: the C type int, unsigned int, long and unsigned long. */
struct expr_value expr_value_int(int64_t v, unsigned bits, bool is_signed);
struct expr_value expr_value_str(const char *s);

/*
 * Supplies the runtime value of an EXPR_VAR, EXPR_IDENT, EXPR_FIELD, EXPR_ENTRY or a
 * unary * (EXPR_UNARY with EXPR_OP_DEREF) node.  0, or a negative errno when the value is
 * not available (then evaluation fails with a message naming the node).
 */
typedef int (*expr_env_fn)(void *ctx, const struct expr *leaf, struct expr_value *out);

/*
 * Evaluate e with C semantics: integer promotion and the usual arithmetic conversions,
 * casts that truncate and re-sign, short-circuit && and ||, comparisons yielding int 0/1.
 * Strings compare with == and != only; STRCMP("lit", s) is true when s starts with lit, as
 * BCC's generated helper compares only the literal's length.  0, or -EINVAL with err set
 * (division by zero, shift out of range, type errors, env failures).
 */
int expr_eval(const struct expr *e, expr_env_fn env, void *ctx, struct expr_value *out,
	      struct expr_error *err);
/* A condition's truth: non-zero integer.  -EINVAL for strings. */
int expr_eval_bool(const struct expr *e, expr_env_fn env, void *ctx, bool *out,
		   struct expr_error *err);

#endif
