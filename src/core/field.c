// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * field: resolve a tracepoint field once from its format description, then read it from
 * raw records with nothing but bounds checks and memcpy.  The format's size and signed
 * flags are not always the value's: syscall tracepoints put every argument in an 8-byte
 * slot and mark them all unsigned, so the value's width and signedness are taken from the
 * C type when it is one we know and only otherwise from the format.
 */
#include <errno.h>
#include <event-parse.h>
#include <string.h>
#include "core/field.h"

enum sign { SIGN_FLAG, SIGN_NO, SIGN_YES };

struct ctype {
	const char *name;
	unsigned width; /* 0: whatever the format says (long and friends follow the kernel) */
	enum sign sign;
};

static const struct ctype ctypes[] = {
	{ "char", 1, SIGN_FLAG }, /* the kernel builds with -funsigned-char since 6.2 */
	{ "signed char", 1, SIGN_YES },
	{ "unsigned char", 1, SIGN_NO },
	{ "bool", 1, SIGN_NO },
	{ "_Bool", 1, SIGN_NO },
	{ "short", 2, SIGN_YES },
	{ "short int", 2, SIGN_YES },
	{ "signed short", 2, SIGN_YES },
	{ "unsigned short", 2, SIGN_NO },
	{ "unsigned short int", 2, SIGN_NO },
	{ "int", 4, SIGN_YES },
	{ "signed", 4, SIGN_YES },
	{ "signed int", 4, SIGN_YES },
	{ "unsigned", 4, SIGN_NO },
	{ "unsigned int", 4, SIGN_NO },
	{ "long", 0, SIGN_YES },
	{ "long int", 0, SIGN_YES },
	{ "signed long", 0, SIGN_YES },
	{ "unsigned long", 0, SIGN_NO },
	{ "unsigned long int", 0, SIGN_NO },
	{ "long long", 8, SIGN_YES },
	{ "signed long long", 8, SIGN_YES },
	{ "unsigned long long", 8, SIGN_NO },
	{ "s8", 1, SIGN_YES },
	{ "__s8", 1, SIGN_YES },
	{ "int8_t", 1, SIGN_YES },
	{ "u8", 1, SIGN_NO },
	{ "__u8", 1, SIGN_NO },
	{ "uint8_t", 1, SIGN_NO },
	{ "s16", 2, SIGN_YES },
	{ "__s16", 2, SIGN_YES },
	{ "int16_t", 2, SIGN_YES },
	{ "u16", 2, SIGN_NO },
	{ "__u16", 2, SIGN_NO },
	{ "uint16_t", 2, SIGN_NO },
	{ "s32", 4, SIGN_YES },
	{ "__s32", 4, SIGN_YES },
	{ "int32_t", 4, SIGN_YES },
	{ "u32", 4, SIGN_NO },
	{ "__u32", 4, SIGN_NO },
	{ "uint32_t", 4, SIGN_NO },
	{ "s64", 8, SIGN_YES },
	{ "__s64", 8, SIGN_YES },
	{ "int64_t", 8, SIGN_YES },
	{ "u64", 8, SIGN_NO },
	{ "__u64", 8, SIGN_NO },
	{ "uint64_t", 8, SIGN_NO },
	/* Typedefs that syscall tracepoints use for arguments. */
	{ "pid_t", 4, SIGN_YES },
	{ "uid_t", 4, SIGN_NO },
	{ "gid_t", 4, SIGN_NO },
	{ "umode_t", 2, SIGN_NO },
	{ "clockid_t", 4, SIGN_YES },
	{ "size_t", 0, SIGN_NO },
	{ "ssize_t", 0, SIGN_YES },
	{ "off_t", 0, SIGN_YES },
	{ "loff_t", 8, SIGN_YES },
};

/*
 * The type with qualifiers, array brackets and the __data_loc/__rel_loc prefix removed,
 * words separated by one space.  Returns false when it does not fit (then it is no type
 * of ours).
 */
static bool base_type(const char *type, char *buf, size_t len, bool *pointer)
{
	static const char *const skip[] = { "const", "volatile", "__data_loc", "__rel_loc" };
	size_t used = 0, n, i;
	const char *w;

	*pointer = strchr(type, '*') != NULL;
	buf[0] = '\0';
	for (w = type; *w && *w != '[';) {
		n = strcspn(w, " \t[");
		for (i = 0; n && i < sizeof(skip) / sizeof(skip[0]); i++)
			if (strlen(skip[i]) == n && !strncmp(w, skip[i], n))
				break;
		if (n && i == sizeof(skip) / sizeof(skip[0])) {
			if (used + !!used + n >= len)
				return false;
			if (used)
				buf[used++] = ' ';
			memcpy(buf + used, w, n);
			used += n;
			buf[used] = '\0';
		}
		w += n;
		w += strspn(w, " \t");
	}
	return true;
}

static const struct ctype *lookup_ctype(const char *type)
{
	char buf[64];
	bool pointer;
	size_t i;

	if (!base_type(type, buf, sizeof(buf), &pointer) || pointer)
		return NULL;
	for (i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++)
		if (!strcmp(buf, ctypes[i].name))
			return &ctypes[i];
	return NULL;
}

int field__init(struct field *f, const struct tep_format_field *tf)
{
	const struct ctype *ct;

	if (!tf || !tf->name || tf->offset < 0 || tf->size <= 0)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->name = tf->name;
	f->offset = (unsigned)tf->offset;
	f->size = (unsigned)tf->size;
	f->is_array = tf->flags & TEP_FIELD_IS_ARRAY;
	f->is_string = tf->flags & TEP_FIELD_IS_STRING;
	f->is_dynamic = tf->flags & TEP_FIELD_IS_DYNAMIC;
	f->is_relative = tf->flags & TEP_FIELD_IS_RELATIVE;
	f->is_signed = tf->flags & TEP_FIELD_IS_SIGNED;
	f->elem_size = f->size;
	f->nelem = 1;

	ct = tf->type ? lookup_ctype(tf->type) : NULL;
	if (ct && ct->sign != SIGN_FLAG)
		f->is_signed = ct->sign == SIGN_YES;

	if (f->is_dynamic) {
		/* The field itself is the u32 locator; the count is per record. */
		if (f->size != sizeof(uint32_t))
			return -EINVAL;
		f->elem_size = tf->elementsize > 0 ? (unsigned)tf->elementsize : 1;
		f->nelem = 0;
	} else if (f->is_array) {
		if (tf->arraylen <= 0 || tf->elementsize <= 0 ||
		    (unsigned)tf->arraylen * (unsigned)tf->elementsize != f->size)
			return -EINVAL;
		f->nelem = (unsigned)tf->arraylen;
		f->elem_size = (unsigned)tf->elementsize;
	} else if (ct && ct->width && ct->width < f->size) {
		/*
		 * A narrow type in a wider slot (syscall arguments): the value is the low
		 * bytes of the slot, whatever the kernel left in the rest.
		 */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		f->offset += f->size - ct->width;
#endif
		f->size = f->elem_size = ct->width;
	}
	return 0;
}

int field__find(struct field *f, struct tep_event *ev, const char *name)
{
	struct tep_format_field *tf = tep_find_any_field(ev, name);

	if (!tf)
		return -ENOENT;
	return field__init(f, tf);
}

static bool in_bounds(size_t off, size_t n, size_t raw_size)
{
	return n <= raw_size && off <= raw_size - n;
}

/* Where a __data_loc / __rel_loc field's data lies in the record. */
static bool dyn_area(const struct field *f, const unsigned char *raw, size_t raw_size,
		     size_t *off, size_t *len)
{
	uint32_t loc;

	if (!in_bounds(f->offset, sizeof(loc), raw_size))
		return false;
	memcpy(&loc, raw + f->offset, sizeof(loc));
	*off = loc & 0xffff;
	*len = loc >> 16;
	if (f->is_relative)
		*off += (size_t)f->offset + f->size;
	return in_bounds(*off, *len, raw_size);
}

/* Element idx as a 64-bit value, sign-extended for signed fields. */
static bool read_elem(const struct field *f, const void *raw, size_t raw_size, unsigned idx,
		      int64_t *out)
{
	const unsigned char *p;
	size_t off, len;
	union {
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		uint64_t u64;
	} v;

	if (f->is_dynamic) {
		if (!dyn_area(f, raw, raw_size, &off, &len) || idx >= len / f->elem_size)
			return false;
		off += (size_t)idx * f->elem_size;
	} else {
		if (idx >= f->nelem)
			return false;
		off = f->offset + (size_t)idx * f->elem_size;
		if (!in_bounds(off, f->elem_size, raw_size))
			return false;
	}
	p = (const unsigned char *)raw + off;
	switch (f->elem_size) {
	case 1:
		memcpy(&v.u8, p, 1);
		*out = f->is_signed ? (int8_t)v.u8 : (int64_t)v.u8;
		return true;
	case 2:
		memcpy(&v.u16, p, 2);
		*out = f->is_signed ? (int16_t)v.u16 : (int64_t)v.u16;
		return true;
	case 4:
		memcpy(&v.u32, p, 4);
		*out = f->is_signed ? (int32_t)v.u32 : (int64_t)v.u32;
		return true;
	case 8:
		memcpy(&v.u64, p, 8);
		*out = (int64_t)v.u64;
		return true;
	default:
		return false;
	}
}

bool field__read(const struct field *f, const void *raw, size_t raw_size, int64_t *out)
{
	return read_elem(f, raw, raw_size, 0, out);
}

int64_t field__s64(const struct field *f, const void *raw, size_t raw_size)
{
	int64_t v;

	return read_elem(f, raw, raw_size, 0, &v) ? v : 0;
}

uint64_t field__u64(const struct field *f, const void *raw, size_t raw_size)
{
	return (uint64_t)field__s64(f, raw, raw_size);
}

uint64_t field__elem(const struct field *f, const void *raw, size_t raw_size, unsigned idx)
{
	int64_t v;

	return read_elem(f, raw, raw_size, idx, &v) ? (uint64_t)v : 0;
}

const char *field__str(const struct field *f, const void *raw, size_t raw_size, size_t *len)
{
	const char *s;
	size_t off, n;

	if (!f->is_string)
		return NULL;
	if (f->is_dynamic) {
		if (!dyn_area(f, raw, raw_size, &off, &n))
			return NULL;
	} else {
		off = f->offset;
		n = f->size;
		if (!in_bounds(off, n, raw_size))
			return NULL;
	}
	/* Fixed arrays such as comm[16] need not hold a NUL; never look past the field. */
	s = (const char *)raw + off;
	if (len)
		*len = strnlen(s, n);
	return s;
}
