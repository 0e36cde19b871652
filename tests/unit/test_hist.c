// SPDX-License-Identifier: GPL-2.0-or-later
/* hist: log2 slots and byte-exact BCC-format log2, wide, linear and section output. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/hist.h"

#define ROW0 "         0 -> 1          : "
#define BAR0 "|                                        |\n"
#define BAR40 "|****************************************|\n"
#define HDR "     usecs               : count     distribution\n"
#define WHDR "               usecs                         : count     distribution\n"

static char *render_log2(const uint64_t *slots, unsigned n, const char *label)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	hist_print_log2(f, slots, n, label);
	fclose(f);
	return buf;
}

static char *render_linear(const uint64_t *buckets, unsigned n, const char *label)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	hist_print_linear(f, buckets, n, label);
	fclose(f);
	return buf;
}

static void expect_log2(const uint64_t *slots, const char *want)
{
	char *got = render_log2(slots, HIST_LOG2_SLOTS, "usecs");

	cr_assert_str_eq(got, want);
	free(got);
}

/* Line n (0-based) of s without its newline, or "" past the end; caller frees. */
static char *nth_line(const char *s, int n)
{
	const char *end;

	while (n-- > 0 && (s = strchr(s, '\n')))
		s++;
	if (!s)
		return strdup("");
	end = strchrnul(s, '\n');
	return strndup(s, end - s);
}

static int count_lines(const char *s)
{
	int n = 0;

	while ((s = strchr(s, '\n'))) {
		n++;
		s++;
	}
	return n;
}

static void expect_line(const char *out, int n, const char *want)
{
	char *got = nth_line(out, n);

	cr_assert_str_eq(got, want, "line %d", n);
	free(got);
}

Test(hist, log2_slot)
{
	static const struct {
		uint64_t v;
		unsigned slot;
	} cases[] = {
		{ 0, 1 },
		{ 1, 1 },
		{ 2, 2 },
		{ 3, 2 },
		{ 4, 3 },
		{ 7, 3 },
		{ 8, 4 },
		{ (1ULL << 32) - 1, 32 },
		{ 1ULL << 32, 33 },
		{ UINT64_MAX, 64 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(hist_log2_slot(cases[i].v), cases[i].slot, "v=%llu",
			     (unsigned long long)cases[i].v);
}

Test(hist, all_empty_prints_nothing)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { 0 };

	expect_log2(slots, "");
}

/* Slot 0 is never filled by hist_log2_slot(); like BCC, it alone prints nothing. */
Test(hist, slot0_only_prints_nothing)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [0] = 5 };

	expect_log2(slots, "");
}

Test(hist, one_value_in_slot1)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [1] = 1 };

	expect_log2(slots, HDR ROW0 "1        " BAR40);
}

Test(hist, leading_zero_rows)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [3] = 5 };

	expect_log2(slots, HDR
		    ROW0 "0        " BAR0
		    "         2 -> 3          : 0        " BAR0
		    "         4 -> 7          : 5        " BAR40);
}

Test(hist, label_is_padded)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [1] = 2 };
	char *got = render_log2(slots, HIST_LOG2_SLOTS, "msecs");

	cr_assert_str_eq(got, "     msecs               : count     distribution\n"
			      ROW0 "2        " BAR40);
	free(got);
}

Test(hist, star_scaling)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [1] = 1, [2] = 33, [3] = 36, [4] = 58, [5] = 51 };

	expect_log2(slots, HDR
		    "         0 -> 1          : 1        |                                        |\n"
		    "         2 -> 3          : 33       |**********************                  |\n"
		    "         4 -> 7          : 36       |************************                |\n"
		    "         8 -> 15         : 58       |****************************************|\n"
		    "        16 -> 31         : 51       |***********************************     |\n");
}

/* Counts this large get their bar from a double quotient in BCC: 40 - 40/2^60 is 40.0. */
Test(hist, huge_counts_round_like_bcc)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [1] = (1ULL << 60) - 1, [2] = 1ULL << 60 };

	expect_log2(slots, HDR
		    ROW0 "1152921504606846975 " BAR40
		    "         2 -> 3          : 1152921504606846976 " BAR40);
}

Test(hist, large_counts_floor_exactly)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [1] = (1ULL << 40) - 1, [2] = 1ULL << 40 };

	expect_log2(slots, HDR
		    ROW0 "1099511627775 |*************************************** |\n"
		    "         2 -> 3          : 1099511627776 " BAR40);
}

Test(hist, slot32_keeps_normal_layout)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { 0 };
	char *got;

	slots[hist_log2_slot((1ULL << 32) - 1)]++;
	got = render_log2(slots, HIST_LOG2_SLOTS, "usecs");

	cr_assert_eq(count_lines(got), 33);
	expect_line(got, 0, "     usecs               : count     distribution");
	expect_line(got, 1, "         0 -> 1          : 0        |                                        |");
	expect_line(got, 31, "1073741824 -> 2147483647 : 0        |                                        |");
	expect_line(got, 32, "2147483648 -> 4294967295 : 1        |****************************************|");
	free(got);
}

Test(hist, slot33_switches_to_wide_layout)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { 0 };

	slots[hist_log2_slot(1ULL << 32)]++;

	expect_log2(slots,
		    "               usecs                         : count     distribution\n"
		    "                   0 -> 1                    : 0        |                    |\n"
		    "                   2 -> 3                    : 0        |                    |\n"
		    "                   4 -> 7                    : 0        |                    |\n"
		    "                   8 -> 15                   : 0        |                    |\n"
		    "                  16 -> 31                   : 0        |                    |\n"
		    "                  32 -> 63                   : 0        |                    |\n"
		    "                  64 -> 127                  : 0        |                    |\n"
		    "                 128 -> 255                  : 0        |                    |\n"
		    "                 256 -> 511                  : 0        |                    |\n"
		    "                 512 -> 1023                 : 0        |                    |\n"
		    "                1024 -> 2047                 : 0        |                    |\n"
		    "                2048 -> 4095                 : 0        |                    |\n"
		    "                4096 -> 8191                 : 0        |                    |\n"
		    "                8192 -> 16383                : 0        |                    |\n"
		    "               16384 -> 32767                : 0        |                    |\n"
		    "               32768 -> 65535                : 0        |                    |\n"
		    "               65536 -> 131071               : 0        |                    |\n"
		    "              131072 -> 262143               : 0        |                    |\n"
		    "              262144 -> 524287               : 0        |                    |\n"
		    "              524288 -> 1048575              : 0        |                    |\n"
		    "             1048576 -> 2097151              : 0        |                    |\n"
		    "             2097152 -> 4194303              : 0        |                    |\n"
		    "             4194304 -> 8388607              : 0        |                    |\n"
		    "             8388608 -> 16777215             : 0        |                    |\n"
		    "            16777216 -> 33554431             : 0        |                    |\n"
		    "            33554432 -> 67108863             : 0        |                    |\n"
		    "            67108864 -> 134217727            : 0        |                    |\n"
		    "           134217728 -> 268435455            : 0        |                    |\n"
		    "           268435456 -> 536870911            : 0        |                    |\n"
		    "           536870912 -> 1073741823           : 0        |                    |\n"
		    "          1073741824 -> 2147483647           : 0        |                    |\n"
		    "          2147483648 -> 4294967295           : 0        |                    |\n"
		    "          4294967296 -> 8589934591           : 1        |********************|\n");
}

Test(hist, slot64_up_to_uint64_max)
{
	uint64_t slots[HIST_LOG2_SLOTS] = { [1] = 3 };
	char *got;

	slots[hist_log2_slot(UINT64_MAX)] += 7;
	got = render_log2(slots, HIST_LOG2_SLOTS, "usecs");

	cr_assert_eq(count_lines(got), 65);
	expect_line(got, 0, "               usecs                         : count     distribution");
	expect_line(got, 1, "                   0 -> 1                    : 3        |********            |");
	expect_line(got, 2, "                   2 -> 3                    : 0        |                    |");
	expect_line(got, 63, " 4611686018427387904 -> 9223372036854775807  : 0        |                    |");
	expect_line(got, 64, " 9223372036854775808 -> 18446744073709551615 : 7        |********************|");
	free(got);
}

Test(hist, fewer_slots_than_max)
{
	uint64_t slots[3] = { 0, 4, 2 };
	char *got = render_log2(slots, 3, "usecs");

	cr_assert_str_eq(got, HDR ROW0 "4        " BAR40
			      "         2 -> 3          : 2        |********************                    |\n");
	free(got);
}

Test(hist, linear)
{
	uint64_t buckets[6] = { 0, 3, 0, 6 };
	char *got = render_linear(buckets, 6, "slot");

	cr_assert_str_eq(got, "     slot          : count     distribution\n"
			      "        0          : 0        |                                        |\n"
			      "        1          : 3        |********************                    |\n"
			      "        2          : 0        |                                        |\n"
			      "        3          : 6        |****************************************|\n");
	free(got);
}

Test(hist, linear_bucket0_only)
{
	uint64_t buckets[4] = { 9 };
	char *got = render_linear(buckets, 4, "kbytes");

	cr_assert_str_eq(got, "     kbytes        : count     distribution\n"
			      "        0          : 9        |****************************************|\n");
	free(got);
}

Test(hist, linear_all_empty_prints_nothing)
{
	uint64_t buckets[4] = { 0 };
	char *got = render_linear(buckets, 4, "slot");

	cr_assert_str_eq(got, "");
	free(got);
}

Test(hist, section_line)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	hist_print_section(f, "disk", "sda");
	fclose(f);
	cr_assert_str_eq(buf, "\ndisk = sda\n");
	free(buf);
}
