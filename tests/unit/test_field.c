// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for typed field reads, against format files captured from a real kernel
 * (tests/fixtures/formats) and a synthetic format for what no captured event has.  Raw
 * records are built 4 bytes past a u64 boundary, as PERF_SAMPLE_RAW delivers them, so every
 * 8-byte field is misaligned.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <event-parse.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/catalog.h"
#include "core/field.h"

static struct catalog *cat;

static void setup(void)
{
	cat = catalog__new();
	cr_assert_not_null(cat);
}

static void teardown(void)
{
	catalog__delete(cat);
}

TestSuite(field, .init = setup, .fini = teardown);

static struct tep_event *load(const char *sys, const char *name)
{
	char path[512], *buf;
	struct tep_event *ev = NULL;
	FILE *fp;
	long len;

	snprintf(path, sizeof(path), "%s/formats/%s__%s.format", FIXTURES_DIR, sys, name);
	fp = fopen(path, "r");
	cr_assert_not_null(fp, "%s", path);
	cr_assert_eq(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)len);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	cr_assert_eq(catalog__add_format(cat, sys, buf, (size_t)len, &ev), 0, "%s", path);
	free(buf);
	cr_assert_not_null(ev);
	return ev;
}

static struct field find(struct tep_event *ev, const char *name)
{
	struct field f;

	cr_assert_eq(field__find(&f, ev, name), 0, "field %s", name);
	return f;
}

/* A raw payload 4 bytes past a u64 boundary, zeroed. */
struct rawbuf {
	union {
		uint64_t align;
		unsigned char b[1024];
	};
};

static unsigned char *raw_init(struct rawbuf *rb)
{
	memset(rb, 0, sizeof(*rb));
	return rb->b + 4;
}

static void put(unsigned char *raw, unsigned off, const void *v, size_t n)
{
	memcpy(raw + off, v, n);
}

static void put_u64(unsigned char *raw, unsigned off, uint64_t v)
{
	put(raw, off, &v, sizeof(v));
}

static void put_u32(unsigned char *raw, unsigned off, uint32_t v)
{
	put(raw, off, &v, sizeof(v));
}

/*
 * A heap copy of exactly n bytes, misaligned like the original, so ASan reports any read
 * past the record.  Free with free_exact().
 */
static unsigned char *exact(const unsigned char *raw, size_t n)
{
	unsigned char *p = malloc(n + 4);

	cr_assert_not_null(p);
	memcpy(p + 4, raw, n);
	return p + 4;
}

static void free_exact(unsigned char *p)
{
	free(p - 4);
}

Test(field, long_ret_misaligned_and_negative)
{
	struct tep_event *ev = load("syscalls", "sys_exit_read");
	struct field f = find(ev, "ret");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb);
	int64_t v = 0;

	cr_assert_eq(f.offset, 16);
	cr_assert_eq(f.size, 8);
	cr_assert(f.is_signed);
	cr_assert_eq((uintptr_t)(raw + f.offset) & 7, 4, "the 8-byte field is misaligned");
	put_u64(raw, 16, (uint64_t)-2);
	cr_assert(field__read(&f, raw, 24, &v));
	cr_assert_eq(v, -2);
	cr_assert_eq(field__s64(&f, raw, 24), -2);
	cr_assert_eq(field__u64(&f, raw, 24), (uint64_t)-2);
	put_u64(raw, 16, 4096);
	cr_assert_eq(field__s64(&f, raw, 24), 4096);

	f = find(ev, "__syscall_nr");
	put_u32(raw, 8, 0);
	cr_assert_eq(field__s64(&f, raw, 24), 0);
}

Test(field, int_in_syscall_slot)
{
	struct tep_event *ev = load("syscalls", "sys_enter_openat");
	struct field dfd = find(ev, "dfd"), flags = find(ev, "flags"), mode = find(ev, "mode");
	struct field filename = find(ev, "filename"), nr = find(ev, "__syscall_nr");
	struct field pid = find(ev, "common_pid");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb);

	/* The format says "int dfd; size:8; signed:0": the type wins over both. */
	cr_assert_eq(dfd.size, 4);
	cr_assert(dfd.is_signed);
	cr_assert_eq(mode.size, 2);
	cr_assert_not(mode.is_signed);
	cr_assert_eq(filename.size, 8, "pointers keep the slot");
	cr_assert_not(filename.is_signed);

	put_u32(raw, 4, 4321);
	put_u32(raw, 8, 257);
	put_u64(raw, 16, 0xffffff9cULL);             /* AT_FDCWD as the kernel stores it */
	put_u64(raw, 24, 0x00007ffd12345678ULL);
	put_u64(raw, 32, 0xdeadbeef00080000ULL);     /* O_CLOEXEC, garbage above */
	put_u64(raw, 40, 0x12340000000001a4ULL);     /* 0644 */
	cr_assert_eq(field__s64(&dfd, raw, 48), -100);
	cr_assert_eq(field__u64(&dfd, raw, 48), (uint64_t)-100);
	cr_assert_eq(field__s64(&flags, raw, 48), 0x80000);
	cr_assert_eq(field__u64(&mode, raw, 48), 0644);
	cr_assert_eq(field__u64(&filename, raw, 48), 0x00007ffd12345678ULL);
	cr_assert_eq(field__s64(&nr, raw, 48), 257);
	cr_assert_eq(field__s64(&pid, raw, 48), 4321);

	/* Sign extension from the low half, whatever the high half holds. */
	put_u64(raw, 16, 0xffffffff80000000ULL);
	cr_assert_eq(field__s64(&dfd, raw, 48), INT32_MIN);
	put_u64(raw, 16, 0x0000000100000003ULL);
	cr_assert_eq(field__s64(&dfd, raw, 48), 3);
}

Test(field, array_elements)
{
	struct tep_event *ev = load("raw_syscalls", "sys_enter");
	struct field id = find(ev, "id"), args = find(ev, "args");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb);
	const uint64_t vals[6] = { 0xffffff9c, 0x7ffd0000, 0x80000, 0, UINT64_MAX, 6 };
	unsigned i;
	int64_t v;

	cr_assert(args.is_array);
	cr_assert_not(args.is_string);
	cr_assert_eq(args.nelem, 6);
	cr_assert_eq(args.elem_size, 8);
	put_u64(raw, 8, 257);
	for (i = 0; i < 6; i++)
		put_u64(raw, 16 + 8 * i, vals[i]);
	cr_assert_eq(field__s64(&id, raw, 64), 257);
	for (i = 0; i < 6; i++)
		cr_assert_eq(field__elem(&args, raw, 64, i), vals[i], "args[%u]", i);
	cr_assert_eq(field__elem(&args, raw, 64, 6), 0, "past the array");
	cr_assert(field__read(&args, raw, 64, &v));
	cr_assert_eq((uint64_t)v, vals[0], "read gives element 0");
	cr_assert_eq(field__elem(&args, raw, 40, 2), 0x80000);
	cr_assert_eq(field__elem(&args, raw, 40, 3), 0, "element past the record");
}

Test(field, raw_sys_exit)
{
	struct tep_event *ev = load("raw_syscalls", "sys_exit");
	struct field id = find(ev, "id"), ret = find(ev, "ret");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb);

	put_u64(raw, 8, 0);
	put_u64(raw, 16, (uint64_t)-11);
	cr_assert_eq(field__s64(&id, raw, 24), 0);
	cr_assert_eq(field__s64(&ret, raw, 24), -11);
}

Test(field, data_loc_string)
{
	struct tep_event *ev = load("sched", "sched_process_exec");
	struct field fn = find(ev, "filename"), pid = find(ev, "pid");
	struct field old = find(ev, "old_pid");
	static const char path[] = "/usr/bin/true";
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb), *copy;
	const char *s;
	size_t len = 0;

	cr_assert(fn.is_dynamic);
	cr_assert(fn.is_string);
	cr_assert_not(fn.is_relative);
	put_u32(raw, 8, (uint32_t)sizeof(path) << 16 | 20);
	put_u32(raw, 12, 777);
	put_u32(raw, 16, 776);
	put(raw, 20, path, sizeof(path));
	s = field__str(&fn, raw, 20 + sizeof(path), &len);
	cr_assert_not_null(s);
	cr_assert_eq(len, strlen(path), "length without the NUL");
	cr_assert_eq(memcmp(s, path, len), 0);
	cr_assert_eq(field__s64(&pid, raw, 34), 777);
	cr_assert_eq(field__s64(&old, raw, 34), 776);

	/* The string may not reach past the record, even by its NUL. */
	copy = exact(raw, 20 + sizeof(path) - 1);
	cr_assert_null(field__str(&fn, copy, 20 + sizeof(path) - 1, &len));
	free_exact(copy);
	/* Nor start past it. */
	put_u32(raw, 8, 1u << 16 | 200);
	cr_assert_null(field__str(&fn, raw, 34, &len));
	/* A locator cut off by the record's end. */
	copy = exact(raw, 10);
	cr_assert_null(field__str(&fn, copy, 10, &len));
	free_exact(copy);
}

Test(field, fixed_char_arrays_and_misaligned_u64)
{
	struct tep_event *ev = load("block", "block_rq_issue");
	struct field comm = find(ev, "comm"), rwbs = find(ev, "rwbs"), cmd = find(ev, "cmd");
	struct field sector = find(ev, "sector"), dev = find(ev, "dev");
	struct field nr = find(ev, "nr_sector"), ioprio = find(ev, "ioprio");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb), *copy;
	const char *s;
	size_t len;

	cr_assert(comm.is_string);
	cr_assert_not(comm.is_dynamic);
	put_u32(raw, 8, 8u << 20 | 16);
	put_u64(raw, 16, 0x123456789abcdef0ULL);
	put_u32(raw, 24, 8);
	put(raw, 32, "\x00\x40", 2);
	put(raw, 34, "WS", 3);
	put(raw, 44, "kworker/u16:2abc", 16); /* all 16 bytes used: no NUL */
	put_u32(raw, 60, 1u << 16 | 64);
	raw[64] = '\0';

	cr_assert_eq(field__u64(&dev, raw, 68), 8u << 20 | 16);
	cr_assert_eq(field__u64(&sector, raw, 68), 0x123456789abcdef0ULL);
	cr_assert_eq(field__u64(&nr, raw, 68), 8);
	cr_assert_eq(field__u64(&ioprio, raw, 68), 0x4000);

	copy = exact(raw, 68);
	s = field__str(&comm, copy, 68, &len);
	cr_assert_not_null(s);
	cr_assert_eq(len, 16, "no NUL: the whole array, and not a byte more");
	cr_assert_eq(memcmp(s, "kworker/u16:2abc", 16), 0);
	s = field__str(&rwbs, copy, 68, &len);
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(s, "WS", 2), 0);
	s = field__str(&cmd, copy, 68, &len);
	cr_assert_not_null(s);
	cr_assert_eq(len, 0, "empty __data_loc string");
	free_exact(copy);

	/* Records that end inside the field. */
	copy = exact(raw, 59);
	cr_assert_null(field__str(&comm, copy, 59, &len));
	free_exact(copy);
	copy = exact(raw, 23);
	cr_assert_eq(field__u64(&sector, copy, 23), 0);
	free_exact(copy);
}

Test(field, signed_int_error)
{
	struct tep_event *ev = load("block", "block_rq_complete");
	struct field err = find(ev, "error");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb);

	cr_assert_eq(err.size, 4);
	put_u32(raw, 28, (uint32_t)-5);
	cr_assert_eq(field__s64(&err, raw, 48), -5);
}

static const char synth_format[] =
	"name: synth\n"
	"ID: 60001\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:__rel_loc char[] msg;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:__data_loc u64[] vals;\toffset:12;\tsize:4;\tsigned:0;\n"
	"\tfield:long small_long;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:my_type_t opaque;\toffset:20;\tsize:4;\tsigned:1;\n"
	"\tfield:char c;\toffset:24;\tsize:1;\tsigned:1;\n"
	"\tfield:const unsigned int cu;\toffset:28;\tsize:8;\tsigned:1;\n"
	"\tfield:s16 arr[4];\toffset:36;\tsize:8;\tsigned:1;\n"
	"\tfield:struct foo blob;\toffset:44;\tsize:12;\tsigned:0;\n"
	"\n"
	"print fmt: \"%s\", __get_rel_str(msg)\n";

static struct tep_event *load_synth(void)
{
	struct tep_event *ev = NULL;

	cr_assert_eq(catalog__add_format(cat, "rawtrace_test", synth_format,
					 sizeof(synth_format) - 1, &ev), 0);
	return ev;
}

Test(field, rel_loc_string)
{
	struct tep_event *ev = load_synth();
	struct field msg = find(ev, "msg");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb), *copy;
	const char *s;
	size_t len;

	cr_assert(msg.is_dynamic);
	cr_assert(msg.is_relative);
	cr_assert(msg.is_string);
	/* Offset 44 counts from the end of the locator (8 + 4): the data is at 56. */
	put_u32(raw, 8, 6u << 16 | 44);
	put(raw, 56, "hello", 6);
	copy = exact(raw, 62);
	s = field__str(&msg, copy, 62, &len);
	cr_assert_not_null(s);
	cr_assert_eq(s, (const char *)copy + 56);
	cr_assert_eq(len, 5);
	cr_assert_eq(memcmp(s, "hello", 5), 0);
	cr_assert_null(field__str(&msg, copy, 61, &len), "NUL past the record");
	free_exact(copy);

	/* Read as an absolute offset, 44 would be inside the record; relative it is not. */
	put_u32(raw, 8, 6u << 16 | 52);
	cr_assert_null(field__str(&msg, raw, 62, &len));
}

Test(field, dynamic_array_elements)
{
	struct tep_event *ev = load_synth();
	struct field vals = find(ev, "vals");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb);
	size_t len;

	cr_assert(vals.is_dynamic);
	cr_assert_not(vals.is_string);
	cr_assert_eq(vals.elem_size, 8);
	put_u32(raw, 12, 16u << 16 | 64);
	put_u64(raw, 64, 11);
	put_u64(raw, 72, (uint64_t)-1);
	cr_assert_eq(field__elem(&vals, raw, 80, 0), 11);
	cr_assert_eq(field__elem(&vals, raw, 80, 1), UINT64_MAX);
	cr_assert_eq(field__elem(&vals, raw, 80, 2), 0, "past the array's length");
	cr_assert_eq(field__u64(&vals, raw, 80), 11);
	cr_assert_null(field__str(&vals, raw, 80, &len), "not a string");
}

Test(field, widths_and_signedness_from_type)
{
	struct tep_event *ev = load_synth();
	struct field sl = find(ev, "small_long"), op = find(ev, "opaque"), c = find(ev, "c");
	struct field cu = find(ev, "cu"), arr = find(ev, "arr"), blob = find(ev, "blob");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb);
	int64_t v;

	put_u32(raw, 16, (uint32_t)-7);
	cr_assert_eq(field__s64(&sl, raw, 56), -7, "long follows the format's size");
	put_u32(raw, 20, (uint32_t)-8);
	cr_assert_eq(field__s64(&op, raw, 56), -8, "unknown type: the format's signed flag");
	raw[24] = 0xff;
	cr_assert_eq(field__s64(&c, raw, 56), -1, "char: the format's signed flag");
	put_u64(raw, 28, 0xaaaaaaaaffffffffULL);
	cr_assert_eq(cu.size, 4);
	cr_assert_not(cu.is_signed, "unsigned by type, whatever the flag says");
	cr_assert_eq(field__s64(&cu, raw, 56), 0xffffffffLL);
	put_u64(raw, 36, 0x0004fffd00020001ULL);
	cr_assert_eq(arr.nelem, 4);
	cr_assert_eq(arr.elem_size, 2);
	cr_assert_eq(field__elem(&arr, raw, 56, 0), 1);
	cr_assert_eq((int64_t)field__elem(&arr, raw, 56, 2), -3);
	cr_assert_not(field__read(&blob, raw, 56, &v), "12 bytes are no integer");
}

Test(field, out_of_bounds)
{
	struct tep_event *ev = load("syscalls", "sys_exit_read");
	struct field ret = find(ev, "ret");
	struct rawbuf rb;
	unsigned char *raw = raw_init(&rb), *copy;
	int64_t v = 42;
	size_t len;

	put_u64(raw, 16, 5);
	copy = exact(raw, 23);
	cr_assert_not(field__read(&ret, copy, 23, &v));
	cr_assert_eq(v, 42, "untouched on failure");
	cr_assert_eq(field__s64(&ret, copy, 23), 0);
	cr_assert_eq(field__u64(&ret, copy, 23), 0);
	cr_assert_eq(field__elem(&ret, copy, 23, 0), 0);
	cr_assert_null(field__str(&ret, copy, 23, &len), "not a string");
	free_exact(copy);
	cr_assert_not(field__read(&ret, raw, 0, &v));
	cr_assert_eq(field__s64(&ret, raw, 24), 5);
	cr_assert_eq(field__elem(&ret, raw, 24, 1), 0, "a scalar has one element");
}

Test(field, find_and_init_errors)
{
	struct tep_event *ev = load("syscalls", "sys_exit_read");
	struct field f;

	cr_assert_eq(field__find(&f, ev, "no_such_field"), -ENOENT);
	cr_assert_eq(field__find(&f, ev, "common_type"), 0);
	cr_assert_eq(f.size, 2);
	cr_assert_eq(field__init(&f, NULL), -EINVAL);
}

Test(field, catalog_lookups)
{
	struct tep_event *ev = load("syscalls", "sys_enter_openat"), *again;

	again = catalog__event(cat, "syscalls", "sys_enter_openat");
	cr_assert_eq(again, ev, "served from the handle, not reparsed");
	cr_assert_eq(catalog__tep(cat) != NULL, true);

	errno = 0;
	cr_assert_null(catalog__event(cat, "..", "header_page"));
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(catalog__event(cat, "sched/../sched", "sched_switch"));
	cr_assert_eq(errno, ENOENT);
	cr_assert_null(catalog__event(cat, "", "x"));
	cr_assert_eq(errno, ENOENT);

	/* Depends on the machine: no tracefs, no permission, or the real thing. */
	cr_assert_null(catalog__event(cat, "rawtrace_no_such_system", "nope"));
	cr_assert(errno == ENOENT || errno == EACCES, "errno %d", errno);
	ev = catalog__event(cat, "sched", "sched_process_exec");
	if (ev)
		cr_assert_not_null(tep_find_any_field(ev, "filename"));
	else
		cr_assert(errno == ENOENT || errno == EACCES, "errno %d", errno);
}

Test(field, catalog_rejects_garbage)
{
	struct tep_event *ev = NULL;

	cr_assert_eq(catalog__add_format(cat, "x", "garbage", 7, &ev), -EINVAL);
	cr_assert_eq(catalog__add_format(cat, "x", "", 0, &ev), -EINVAL);
}
