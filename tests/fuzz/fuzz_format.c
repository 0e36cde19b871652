// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for malformed tracefs format files: the text a tool would read from
 * events/SYS/EVENT/format goes through catalog.c (catalog__new, catalog__add_format,
 * catalog__event) and libtraceevent, and then every field the event has and every field
 * name the tools look up (blk.c, specprobe.c, execsnoop, opensnoop, rwsnoop, syscount)
 * goes through field.c: field__init / field__find and all of its readers, over the
 * payload the input supplies and over a record synthesised to fit the parsed format.
 * Each payload is a heap block of exactly its size, so AddressSanitizer sees any read
 * past it; every field is also read from copies cut off at its last byte and one short.
 *
 * Invariants checked besides crashes, leaks and sanitizer reports:
 *  - catalog__add_format returns 0 with the event, or -EINVAL; a parsed event is then
 *    served from the catalog's cache by catalog__event, and bad names are ENOENT;
 *  - field__find succeeds exactly when tep_find_any_field finds the name (-ENOENT when
 *    not), and agrees with field__init on that field;
 *  - an accepted field is self-consistent: size and element size non-zero, arrays
 *    nelem * elem_size == size, __data_loc/__rel_loc size 4, a narrowed scalar lies
 *    inside the slot the format gave it;
 *  - every read (field__read, __s64, __u64, __elem for in-range, boundary and huge
 *    indexes) succeeds exactly when the element lies inside the record, as worked out
 *    here from the format's rules, and then returns its bytes, sign-extended by the
 *    field's signedness; failed reads give 0;
 *  - field__str returns NULL for non-strings and for strings outside the record, else a
 *    pointer to the string's place with a length that stops at the first NUL and never
 *    goes past the field (fixed char[]) or its __data_loc length;
 *  - for scalars libtraceevent's own tep_read_number_field agrees on the value's bytes.
 *
 * Input: ctl, pos (u16), then the format text up to the first NUL byte and, after it,
 * an optional RAW payload.  ctl & 3 picks how the text is used, ctl >> 2 one of the real
 * formats below, so the fuzzer starts past the header parser at once:
 *   0: the text is the whole format file;
 *   1: the text is inserted into the seed format at byte pos;
 *   2: the text replaces line pos of the seed format;
 *   3: the text follows the seed's header and common fields (the event's own fields and
 *      print fmt).
 * A few shapes of malformed text crash libtraceevent itself; see "Steering clear" below
 * for what the target does not feed it and why.
 */
#include <errno.h>
#include <event-parse.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/catalog.h"
#include "core/field.h"

/* Says which one failed: a seed that breaks one aborts before libFuzzer's handlers are in. */
#define check(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz_format.c:%d: check failed: %s\n", __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

/* A system tracefs does not have: a cache miss in catalog__event never finds a real file. */
#define SYS "rawtrace_fuzz"

/* Largest synthesised record; fields beyond it are read only from the input's payload. */
#define SYNTH_MAX 4096

#define COMMON                                                                                   \
	"format:\n"                                                                              \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"                   \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"                   \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"           \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"                               \
	"\n"

/* Formats as the kernel writes them (shortened), with the fields the tools rely on. */
static const struct seed {
	const char *text;
	const char *str;  /* a string field the synthesised record must read back */
	const char *num;  /* an integer field that must resolve */
} seeds[] = {
	{ "name: block_rq_complete\nID: 2107\n" COMMON
	  "\tfield:dev_t dev;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:sector_t sector;\toffset:16;\tsize:8;\tsigned:0;\n"
	  "\tfield:unsigned int nr_sector;\toffset:24;\tsize:4;\tsigned:0;\n"
	  "\tfield:int error;\toffset:28;\tsize:4;\tsigned:1;\n"
	  "\tfield:char rwbs[10];\toffset:32;\tsize:10;\tsigned:0;\n"
	  "\tfield:__data_loc char[] cmd;\toffset:44;\tsize:4;\tsigned:0;\n"
	  "\n"
	  "print fmt: \"%d,%d %s (%s) %llu + %u [%d]\", ((unsigned int) ((REC->dev) >> 20)), "
	  "((unsigned int) ((REC->dev) & ((1U << 20) - 1))), REC->rwbs, __get_str(cmd), "
	  "(unsigned long long)REC->sector, REC->nr_sector, REC->error\n",
	  "cmd", "nr_sector" },
	{ "name: block_rq_issue\nID: 2104\n" COMMON
	  "\tfield:dev_t dev;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:sector_t sector;\toffset:16;\tsize:8;\tsigned:0;\n"
	  "\tfield:unsigned int nr_sector;\toffset:24;\tsize:4;\tsigned:0;\n"
	  "\tfield:unsigned int bytes;\toffset:28;\tsize:4;\tsigned:0;\n"
	  "\tfield:unsigned short ioprio;\toffset:32;\tsize:2;\tsigned:0;\n"
	  "\tfield:char rwbs[10];\toffset:34;\tsize:10;\tsigned:0;\n"
	  "\tfield:char comm[16];\toffset:44;\tsize:16;\tsigned:0;\n"
	  "\tfield:__data_loc char[] cmd;\toffset:60;\tsize:4;\tsigned:0;\n"
	  "\n"
	  "print fmt: \"%d,%d %s %u (%s) %llu + %u %s [%s]\", ((unsigned int) ((REC->dev) >> 20)), "
	  "((unsigned int) ((REC->dev) & ((1U << 20) - 1))), REC->rwbs, REC->bytes, "
	  "__get_str(cmd), (unsigned long long)REC->sector, REC->nr_sector, "
	  "__print_symbolic((((REC->ioprio) >> 13) & (8 - 1)), { 0, \"none\" }, { 1, \"rt\" }, "
	  "{ 2, \"be\" }, { 3, \"idle\" }), REC->comm\n",
	  "cmd", "bytes" },
	{ "name: sys_enter_openat\nID: 782\n" COMMON
	  "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	  "\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	  "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	  "\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	  "\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n"
	  "\n"
	  "print fmt: \"dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx\", "
	  "((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), "
	  "((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))\n",
	  NULL, "dfd" },
	{ "name: sys_exit_openat\nID: 781\n" COMMON
	  "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	  "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n"
	  "\n"
	  "print fmt: \"0x%lx\", REC->ret\n",
	  NULL, "ret" },
	{ "name: sys_exit\nID: 442\n" COMMON
	  "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	  "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n"
	  "\n"
	  "print fmt: \"NR %ld = %ld\", REC->id, REC->ret\n",
	  NULL, "id" },
	{ "name: sys_enter\nID: 443\n" COMMON
	  "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	  "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n"
	  "\n"
	  "print fmt: \"NR %ld (%lx, %lx, %lx, %lx, %lx, %lx)\", REC->id, REC->args[0], "
	  "REC->args[1], REC->args[2], REC->args[3], REC->args[4], REC->args[5]\n",
	  NULL, "args" },
	{ "name: sched_process_exec\nID: 365\n" COMMON
	  "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	  "\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	  "\n"
	  "print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid, "
	  "REC->old_pid\n",
	  "filename", "old_pid" },
	{ "name: sched_process_fork\nID: 366\n" COMMON
	  "\tfield:__data_loc char[] parent_comm;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:pid_t parent_pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	  "\tfield:__data_loc char[] child_comm;\toffset:16;\tsize:4;\tsigned:0;\n"
	  "\tfield:pid_t child_pid;\toffset:20;\tsize:4;\tsigned:1;\n"
	  "\n"
	  "print fmt: \"comm=%s pid=%d child_comm=%s child_pid=%d\", __get_str(parent_comm), "
	  "REC->parent_pid, __get_str(child_comm), REC->child_pid\n",
	  "child_comm", "child_pid" },
	{ "name: task_rename\nID: 204\n" COMMON
	  "\tfield:pid_t pid;\toffset:8;\tsize:4;\tsigned:1;\n"
	  "\tfield:char oldcomm[16];\toffset:12;\tsize:16;\tsigned:0;\n"
	  "\tfield:char newcomm[16];\toffset:28;\tsize:16;\tsigned:0;\n"
	  "\tfield:short oom_score_adj;\toffset:44;\tsize:2;\tsigned:1;\n"
	  "\n"
	  "print fmt: \"pid=%d oldcomm=%s newcomm=%s oom_score_adj=%hd\", REC->pid, "
	  "REC->oldcomm, REC->newcomm, REC->oom_score_adj\n",
	  NULL, "pid" },
	/* A kprobe as execsnoop and trace define them: string fetches are __data_loc. */
	{ "name: p_do_execveat_common_0\nID: 2401\n" COMMON
	  "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	  "\tfield:__data_loc char[] fn;\toffset:16;\tsize:4;\tsigned:0;\n"
	  "\tfield:__data_loc char[] cm;\toffset:20;\tsize:4;\tsigned:0;\n"
	  "\tfield:u64 p1;\toffset:24;\tsize:8;\tsigned:0;\n"
	  "\tfield:__data_loc char[] a1;\toffset:32;\tsize:4;\tsigned:0;\n"
	  "\tfield:s64 e;\toffset:36;\tsize:8;\tsigned:1;\n"
	  "\n"
	  "print fmt: \"(%lx) fn=\\\"%s\\\" cm=\\\"%s\\\" p1=0x%Lx a1=\\\"%s\\\" e=%Ld\", "
	  "REC->__probe_ip, __get_str(fn), __get_str(cm), REC->p1, __get_str(a1), REC->e\n",
	  "fn", "p1" },
	/* __rel_loc strings and dynamic arrays of wider elements. */
	{ "name: rel_events\nID: 2500\n" COMMON
	  "\tfield:__rel_loc char[] msg;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:__data_loc u64[] vals;\toffset:12;\tsize:4;\tsigned:0;\n"
	  "\tfield:s16 shorts[2];\toffset:16;\tsize:4;\tsigned:1;\n"
	  "\tfield:char comm[16];\toffset:20;\tsize:16;\tsigned:0;\n"
	  "\n"
	  "print fmt: \"%s %s %d\", __get_rel_str(msg), REC->comm, REC->shorts[1]\n",
	  "msg", "shorts" },
};

#define NSEEDS (sizeof(seeds) / sizeof(seeds[0]))

/* Field names the tools and shared code look up with field__find. */
static const char *const names[] = {
	"dev", "sector", "nr_sector", "bytes", "rwbs", "comm", "cmd", "filename", "pid",
	"old_pid", "parent_comm", "child_comm", "child_pid", "newcomm", "ret", "id", "args",
	"fd", "newfd", "path", "ptr", "flags", "mode", "how", "dfd", "fn", "cm", "p1", "a1",
	"p2", "a2", "s1", "e", "msg", "vals", "common_pid", "common_type", "__syscall_nr",
};

/* Values read land here so the reads cannot be optimised away. */
static volatile uint64_t sink;

struct text {
	char *buf;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	char *nb;

	if (!t->buf || t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		nb = realloc(t->buf, t->cap);
		check(nb);
		t->buf = nb;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

/* The format text as the input asks for it (see the top of the file). */
static void build_text(struct text *t, unsigned ctl, unsigned pos, const char *in, size_t n)
{
	const char *seed = seeds[(ctl >> 2) % NSEEDS].text, *p, *q;
	size_t slen = strlen(seed);
	unsigned line;

	text_add(t, "", 0);
	switch (ctl & 3) {
	case 0:
		text_add(t, in, n);
		break;
	case 1:
		pos %= slen + 1;
		text_add(t, seed, pos);
		text_add(t, in, n);
		text_add(t, seed + pos, slen - pos);
		break;
	case 2:
		for (p = seed, line = 0; line < pos % 32 && (q = strchr(p, '\n')); line++)
			p = q + 1;
		q = strchr(p, '\n');
		q = q ? q + 1 : seed + slen;
		text_add(t, seed, (size_t)(p - seed));
		text_add(t, in, n);
		text_add(t, q, slen - (size_t)(q - seed));
		break;
	default:
		p = strstr(seed, "\n\n");
		text_add(t, seed, (size_t)(p + 2 - seed));
		text_add(t, in, n);
		break;
	}
}

/*
 * Steering clear of libtraceevent's own bugs.  libtraceevent 1.7.1 crashes on some
 * malformed formats before our code sees them (reproducers in the report that came with
 * this file); every format goes through tep_parse_format(), so the input is kept off just
 * those paths:
 *  - event_read_fields() passes a NULL token to strcmp() when the '[' of an array
 *    dimension is followed, after blanks, by the end of the text or by a byte its
 *    tokenizer has no token for ("field:char x[\x01...", "field:char x[" at the end), and
 *    appends to a NULL type when a declaration starts with __attribute__(...).  It also
 *    leaks the type word of a declaration without a name ("field:int;").  Such inputs are
 *    not parsed: the kernel writes none of them, and they would reach nothing in our code
 *    that the same text cut off before that line does not (a leak also makes every run
 *    pay for a full leak check);
 *  - the print fmt argument parser dereferences NULL after an array subscript or a ?:
 *    conditional followed by a token that is no operator ("REC->x[1]$", "REC->x[1][2]",
 *    "a ? b : c.") and in __print_flags() / __print_symbolic() of a REC-> field the event
 *    does not have, and divides by zero folding constants ("1 / 0", "1 % 0", also when a
 *    tab ends the format string early: "\t,1%0").  field.c never looks at the print fmt,
 *    so unless its string is plain printable ASCII and its arguments keep to words, REC->,
 *    commas and parentheses it is replaced by a plain one; the fields stay as the input
 *    has them.
 */
static const char blanks[] = " \t\r\f\v";

static bool item_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The tokenizer's "no token" bytes: control characters, DEL and bytes >= 0x80. */
static bool junk_char(char c)
{
	return c != '\n' && !strchr(blanks, c) &&
	       ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e);
}

/* The whole word w at p? */
static bool word_at(const char *s, const char *p, const char *w)
{
	size_t n = strlen(w);

	return (p == s || !item_char(p[-1])) && !strncmp(p, w, n) && !item_char(p[n]);
}

/*
 * Where libtraceevent can start reading the print fmt: the first "print" and "fmt" words
 * with only white space between them (it cannot be earlier).  NULL when there is none.
 */
static char *print_fmt(char *s)
{
	char *p, *q;

	for (p = strstr(s, "print"); p; p = strstr(p + 1, "print")) {
		if (!word_at(s, p, "print"))
			continue;
		q = p + 5 + strspn(p + 5, " \t\n\r\f\v");
		if (word_at(s, q, "fmt"))
			return p;
	}
	return NULL;
}

/* Does the print fmt at p keep to what libtraceevent parses safely? */
static bool print_fmt_safe(const char *p)
{
	const char *args;

	p += 5;
	p += strspn(p, " \t\n\r\f\v");
	p += 3;
	p += strspn(p, " \t\n\r\f\v");
	if (*p++ != ':')
		return true; /* rejected before any argument is parsed */
	p += strspn(p, " \t\n\r\f\v");
	if (*p++ != '"')
		return true;
	/* Its tokenizer ends a string at any unprintable byte, tabs included. */
	for (; *p != '"'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '\\')
			return false;
	for (args = ++p; *p; p++) {
		if (item_char(*p) || strchr(" \t\n\r\f\v,()", *p))
			continue;
		if (*p == '-' && p[1] == '>') {
			p++;
			continue;
		}
		return false;
	}
	return !strstr(args, "__print_flags") && !strstr(args, "__print_symbolic");
}

static void avoid_tep_print_bugs(struct text *t)
{
	static const char plain[] = "print fmt: \"%d\", REC->common_pid\n";
	char *p = print_fmt(t->buf);

	if (!p || print_fmt_safe(p))
		return;
	t->len = (size_t)(p - t->buf);
	text_add(t, plain, sizeof(plain) - 1);
}

static bool hits_tep_field_bugs(const struct text *t)
{
	const char *s = t->buf, *end = t->buf + t->len, *p;

	for (p = s; (p = memchr(p, '[', (size_t)(end - p)));) {
		p++;
		p += strspn(p, blanks);
		if (p == end || junk_char(*p))
			return true;
	}
	/* "field" ":" WORD and then neither another word nor '*': no type. */
	for (p = s; (p = strstr(p, "field"));) {
		if (!word_at(s, p++, "field"))
			continue;
		p += 4;
		p += strspn(p, blanks);
		if (*p != ':')
			continue;
		p++;
		p += strspn(p, blanks);
		if (!item_char(*p))
			continue;
		while (item_char(*p))
			p++;
		p += strspn(p, blanks);
		if (!item_char(*p) && *p != '*')
			return true;
	}
	return false;
}

static bool sane_elem_size(unsigned n)
{
	return n == 1 || n == 2 || n == 4 || n == 8;
}

static uint32_t load_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Where the data of a __data_loc / __rel_loc field lies, from the kernel's rules: a u32
 * locator holding length << 16 | offset, the offset counted from the record's start or,
 * for __rel_loc, from the end of the locator.
 */
static bool ref_dyn_area(const struct field *f, const unsigned char *raw, size_t size,
			 uint64_t *off, uint64_t *len)
{
	uint64_t loc_end = (uint64_t)f->offset + 4;
	uint32_t loc;

	if (loc_end > size)
		return false;
	loc = load_u32(raw + f->offset);
	*off = (loc & 0xffff) + (f->is_relative ? loc_end : 0);
	*len = loc >> 16;
	return *off + *len <= size;
}

/* Element idx of f, read byte by byte; false when it is not entirely inside the record. */
static bool ref_elem(const struct field *f, const unsigned char *raw, size_t size, unsigned idx,
		     int64_t *out)
{
	uint64_t at, off, len, u = 0;
	unsigned i, n = f->elem_size;

	if (!sane_elem_size(n))
		return false;
	if (f->is_dynamic) {
		if (!ref_dyn_area(f, raw, size, &off, &len) || ((uint64_t)idx + 1) * n > len)
			return false;
		at = off + (uint64_t)idx * n;
	} else {
		if (idx >= f->nelem)
			return false;
		at = f->offset + (uint64_t)idx * n;
		if (at + n > size)
			return false;
	}
	for (i = 0; i < n; i++) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		u = u << 8 | raw[at + i];
#else
		u |= (uint64_t)raw[at + i] << (8 * i);
#endif
	}
	if (f->is_signed && n < 8 && (u >> (8 * n - 1) & 1))
		u |= ~0ULL << (8 * n);
	*out = (int64_t)u;
	return true;
}

static void check_layout(const struct field *f, const struct tep_format_field *tf)
{
	check(f->name == tf->name);
	check(f->size && f->elem_size);
	if (f->is_dynamic) {
		check(f->size == 4 && !f->nelem && f->offset == (unsigned)tf->offset);
	} else if (f->is_array) {
		check(f->nelem && (uint64_t)f->nelem * f->elem_size == f->size);
		check(f->offset == (unsigned)tf->offset && f->size == (unsigned)tf->size);
	} else {
		check(f->nelem == 1 && f->elem_size == f->size && f->size <= (unsigned)tf->size);
		check(f->offset >= (unsigned)tf->offset);
		check((uint64_t)f->offset + f->size <= (uint64_t)tf->offset + (unsigned)tf->size);
	}
}

static void check_str(const struct field *f, const unsigned char *raw, size_t size)
{
	uint64_t start, span;
	const char *s;
	size_t len = SIZE_MAX;
	bool ok;

	s = field__str(f, raw, size, &len);
	check(field__str(f, raw, size, NULL) == s);
	if (!f->is_string) {
		check(!s);
		return;
	}
	if (f->is_dynamic) {
		ok = ref_dyn_area(f, raw, size, &start, &span);
	} else {
		start = f->offset;
		span = f->size;
		ok = start + span <= size;
	}
	check(!!s == ok);
	if (!s)
		return;
	check((const unsigned char *)s == raw + start);
	check(len <= span && !memchr(s, '\0', len) && (len == span || !s[len]));
	if (len)
		sink += (unsigned char)s[len - 1];
}

/* libtraceevent's own reader must see the same bytes for a scalar in the record. */
static void check_tep(struct tep_format_field *tf, const struct field *f, const unsigned char *raw,
		      size_t size)
{
	unsigned long long tv;
	uint64_t ours, mask;

	if (f->is_array || f->is_dynamic || tf->offset < 0 || tf->size <= 0 ||
	    (uint64_t)tf->offset + (unsigned)tf->size > size)
		return;
	if (tep_read_number_field(tf, raw, &tv)) {
		check(!sane_elem_size((unsigned)tf->size));
		return;
	}
	if (!sane_elem_size(f->elem_size))
		return;
	ours = field__u64(f, raw, size);
	mask = f->size == 8 ? ~0ULL : (1ULL << (8 * f->size)) - 1;
	check((tv & mask) == (ours & mask));
}

static void check_reads(const struct field *f, struct tep_format_field *tf,
			const unsigned char *raw, size_t size)
{
	unsigned k, idx;
	int64_t want, v;
	bool want_ok, ok;

	for (k = 0; k < 11; k++) {
		idx = k < 8 ? k : k == 8 ? f->nelem : k == 9 ? f->nelem - 1 : UINT_MAX;
		want_ok = ref_elem(f, raw, size, idx, &want);
		check(field__elem(f, raw, size, idx) == (want_ok ? (uint64_t)want : 0));
	}
	want_ok = ref_elem(f, raw, size, 0, &want);
	v = 0x5a5a;
	ok = field__read(f, raw, size, &v);
	check(ok == want_ok && (!ok || v == want));
	check(field__s64(f, raw, size) == (ok ? v : 0));
	check(field__u64(f, raw, size) == (uint64_t)(ok ? v : 0));
	sink += (uint64_t)v;
	check_str(f, raw, size);
	check_tep(tf, f, raw, size);
}

/* Read f from raw and from copies cut off at the end of the field and one byte before. */
static void exercise(const struct field *f, struct tep_format_field *tf, const unsigned char *raw,
		     size_t size)
{
	uint64_t end = f->is_dynamic ? (uint64_t)f->offset + 4
				     : f->offset + (uint64_t)f->nelem * f->elem_size;
	unsigned char *cut;
	uint64_t len;
	int i;

	check_reads(f, tf, raw, size);
	for (i = 0; i < 2; i++) {
		if (end < (uint64_t)i)
			continue;
		len = end - (uint64_t)i;
		if (len >= size)
			continue;
		cut = malloc(len ? len : 1);
		check(cut);
		memcpy(cut, raw, len);
		check_reads(f, tf, cut, len);
		free(cut);
	}
}

/*
 * A record that fits the parsed format: every field that lies within SYNTH_MAX bytes is
 * backed, and each __data_loc / __rel_loc locator points at its field's name (with NUL)
 * appended after the fixed part.  Later fields may overwrite earlier ones when the format
 * makes them overlap; then that is what the record holds.
 */
static unsigned char *synth_record(struct tep_format_field **fl, size_t *size)
{
	size_t end = 8, total, pos, i, n;
	unsigned char *buf;
	uint32_t loc;
	bool rel;

	for (i = 0; fl[i]; i++)
		if (fl[i]->offset >= 0 && fl[i]->size > 0 &&
		    (uint64_t)fl[i]->offset + (unsigned)fl[i]->size <= SYNTH_MAX &&
		    (size_t)fl[i]->offset + (size_t)fl[i]->size > end)
			end = (size_t)fl[i]->offset + (size_t)fl[i]->size;
	total = end;
	for (i = 0; fl[i]; i++)
		if ((fl[i]->flags & TEP_FIELD_IS_DYNAMIC) && fl[i]->name)
			total += strlen(fl[i]->name) + 1;
	buf = malloc(total);
	check(buf);
	for (i = 0; i < total; i++)
		buf[i] = (unsigned char)(i * 157 + 59);
	pos = end;
	for (i = 0; fl[i]; i++) {
		if (!(fl[i]->flags & TEP_FIELD_IS_DYNAMIC) || !fl[i]->name || fl[i]->size != 4 ||
		    fl[i]->offset < 0 || (size_t)fl[i]->offset + 4 > end)
			continue;
		n = strlen(fl[i]->name) + 1;
		if (pos + n > 0xffff || n > 0xffff)
			break;
		memcpy(buf + pos, fl[i]->name, n);
		rel = fl[i]->flags & TEP_FIELD_IS_RELATIVE;
		loc = (uint32_t)n << 16 | (uint32_t)(rel ? pos - (size_t)fl[i]->offset - 4 : pos);
		memcpy(buf + fl[i]->offset, &loc, sizeof(loc));
		pos += n;
	}
	/* Exactly the record's size, so AddressSanitizer sees reads past it. */
	*size = pos;
	if (pos < total) {
		buf = realloc(buf, pos);
		check(buf);
	}
	return buf;
}

/* Every tep field of ev, common ones first, NULL-terminated (never NULL itself). */
static struct tep_format_field **all_fields(struct tep_event *ev)
{
	struct tep_format_field **common = tep_event_common_fields(ev);
	struct tep_format_field **own = tep_event_fields(ev), **all;
	size_t nc = 0, no = 0;

	while (common && common[nc])
		nc++;
	while (own && own[no])
		no++;
	all = calloc(nc + no + 1, sizeof(*all));
	check(all);
	if (nc)
		memcpy(all, common, nc * sizeof(*all));
	if (no)
		memcpy(all + nc, own, no * sizeof(*all));
	free(common);
	free(own);
	return all;
}

/* All of field.c over one parsed event and the given payload (NULL: none). */
static void fuzz_event(struct tep_event *ev, const unsigned char *payload, size_t psize)
{
	struct tep_format_field **fl = all_fields(ev), *tf;
	unsigned char *synth;
	struct field f, g;
	size_t ssize, i;
	int ret;

	synth = synth_record(fl, &ssize);
	for (i = 0; fl[i]; i++) {
		if (field__init(&f, fl[i]))
			continue;
		check_layout(&f, fl[i]);
		exercise(&f, fl[i], synth, ssize);
		if (payload)
			exercise(&f, fl[i], payload, psize);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tf = tep_find_any_field(ev, names[i]);
		ret = field__find(&f, ev, names[i]);
		if (!tf) {
			check(ret == -ENOENT);
			continue;
		}
		check(ret == field__init(&g, tf) && (ret == 0 || ret == -EINVAL));
		if (ret)
			continue;
		check(!memcmp(&f, &g, sizeof(f)) && !strcmp(f.name, names[i]));
		check_reads(&f, tf, synth, ssize);
		if (payload)
			check_reads(&f, tf, payload, psize);
	}
	free(synth);
	free(fl);
}

/*
 * Parse text as catalog__event does with what tracefs returns (a NUL-terminated buffer and
 * its length without the NUL).  The event, or NULL; *c must be deleted by the caller.
 */
static struct tep_event *parse(struct catalog **c, const char *text, size_t len, int *ret)
{
	struct tep_event *ev = NULL;
	struct tep_handle *tep;

	*c = catalog__new();
	if (!*c)
		return NULL;
	tep = catalog__tep(*c);
	*ret = catalog__add_format(*c, SYS, text, len, &ev);
	if (*ret) {
		check(*ret == -EINVAL);
		/*
		 * Should libtraceevent have kept the event it failed on, read its fields
		 * too.  (1.7.1 returns 0 once the name and ID parse, flagging the event
		 * TEP_EVENT_FL_FAILED and keeping the fields read before the error.)
		 */
		return tep_get_events_count(tep) > 0 ? tep_get_event(tep, 0) : NULL;
	}
	check(ev && tep_get_events_count(tep) == 1 && tep_get_event(tep, 0) == ev);
	if (ev->name && *ev->name && !strchr(ev->name, '/') && strcmp(ev->name, ".") &&
	    strcmp(ev->name, ".."))
		check(catalog__event(*c, SYS, ev->name) == ev);
	return ev;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/*
 * libtraceevent 1.7.1 leaks on malformed field lines besides the nameless declarations
 * kept from it above: event_read_fields() drops tokens on some of its failure paths (e.g.
 * "field:char __attribute__((user)) x;"), and every field line goes through it.  So leaks
 * of memory allocated inside tep_parse_format are not reported.  Ours are still seen:
 * rawtrace frees parsed events only through tep_free(), and a handle not freed leaks
 * tep_alloc()'s block as well.
 */
const char *__lsan_default_suppressions(void)
{
	return "leak:tep_parse_format\n";
}

/* The seeds must parse and resolve, and the synthesised record must carry their strings. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tep_format_field **fl;
	struct tep_event *ev;
	struct catalog *c;
	unsigned char *rec;
	const char *s;
	struct field f;
	size_t i, size, len;
	int ret;

	(void)argc;
	(void)argv;
	/* Malformed input is the point here: keep libtraceevent's complaints off the log. */
	tep_set_loglevel(TEP_LOG_NONE);
	for (i = 0; i < NSEEDS; i++) {
		ev = parse(&c, seeds[i].text, strlen(seeds[i].text), &ret);
		check(c && ev && !ret);
		check(!field__find(&f, ev, seeds[i].num) && !field__find(&f, ev, "common_pid"));
		errno = 0;
		check(!catalog__event(c, SYS, "..") && errno == ENOENT);
		check(!catalog__event(c, "a/b", ev->name) && errno == ENOENT);
		if (seeds[i].str) {
			fl = all_fields(ev);
			rec = synth_record(fl, &size);
			check(!field__find(&f, ev, seeds[i].str));
			s = field__str(&f, rec, size, &len);
			check(s && len == strlen(seeds[i].str) && !memcmp(s, seeds[i].str, len));
			free(rec);
			free(fl);
		}
		fuzz_event(ev, NULL, 0);
		catalog__delete(c);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in, *nul;
	unsigned char *payload = NULL;
	struct text t = { 0 };
	struct tep_event *ev;
	struct catalog *c;
	size_t n, psize = 0;
	int ret = 0;

	if (size < 3)
		return 0;
	in = data + 3;
	n = size - 3;
	nul = memchr(in, '\0', n);
	if (nul) {
		psize = n - (size_t)(nul - in) - 1;
		payload = malloc(psize ? psize : 1);
		check(payload);
		memcpy(payload, nul + 1, psize);
		n = (size_t)(nul - in);
	}
	build_text(&t, data[0], (unsigned)data[1] | (unsigned)data[2] << 8, (const char *)in, n);
	avoid_tep_print_bugs(&t);
	if (!hits_tep_field_bugs(&t)) {
		ev = parse(&c, t.buf, t.len, &ret);
		if (ev)
			fuzz_event(ev, payload, psize);
		catalog__delete(c);
	}
	free(t.buf);
	free(payload);
	return 0;
}
