/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * field: typed reads of tracepoint fields from raw records, with offsets resolved once from
 * the event's format file.  Hot-path reads are memcpy at a cached offset (the RAW payload
 * is only 4-byte aligned, so 8-byte fields are misaligned), bounds-checked against the
 * record size.  Handles signedness by the field's C type, arrays, fixed char arrays and
 * __data_loc / __rel_loc strings.
 */
#ifndef RT_FIELD_H
#define RT_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tep_event;
struct tep_format_field;

struct field {
	const char *name;  /* points into the tep event */
	unsigned offset, size;
	unsigned elem_size; /* arrays: element size; else == size */
	unsigned nelem;     /* arrays: element count; else 1 */
	bool is_signed;
	bool is_array;
	bool is_string;     /* char[] (fixed) or __data_loc char[] */
	bool is_dynamic;    /* __data_loc: u32 (len << 16 | offset) */
	bool is_relative;   /* __rel_loc: offset relative to the end of the field */
};

/* Fill f from a libtraceevent field. 0 or -EINVAL. */
int field__init(struct field *f, const struct tep_format_field *tf);

/* Look up `name` among the event's own and common fields. 0 or -ENOENT. */
int field__find(struct field *f, struct tep_event *ev, const char *name);

/*
 * Integer value, sign-extended when the field is signed (by size; syscall tracepoints keep
 * ints in 8-byte slots and are handled by the type, e.g. "int" of size 8 -> low 32 bits,
 * sign-extended).  Arrays read element 0.  Returns false if the field lies outside raw.
 */
bool field__read(const struct field *f, const void *raw, size_t raw_size, int64_t *out);
int64_t field__s64(const struct field *f, const void *raw, size_t raw_size); /* 0 if out of bounds */
uint64_t field__u64(const struct field *f, const void *raw, size_t raw_size);

/* Element idx of an array field (0 if out of bounds). */
uint64_t field__elem(const struct field *f, const void *raw, size_t raw_size, unsigned idx);

/*
 * String value of a char[] or __data_loc char[] field: pointer into raw and its length
 * without the terminating NUL (never past the field or the record).  NULL if out of bounds.
 */
const char *field__str(const struct field *f, const void *raw, size_t raw_size, size_t *len);

#endif
