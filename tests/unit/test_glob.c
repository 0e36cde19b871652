// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for parsers/glob.c: glob matching (whole string, '*' and '?'), regex
 * matchers (unanchored search, compile errors) and the regex text shown in BCC's
 * "No functions matched" message.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "parsers/glob.h"

struct match_case {
	const char *pat;
	bool regex;
	const char *s;
	bool want;
};

static const struct match_case match_cases[] = {
	/* literals: plain compare, no partial matches */
	{ "vfs_read", false, "vfs_read", true },
	{ "vfs_read", false, "vfs_readv", false },
	{ "vfs_read", false, "xvfs_read", false },
	{ "vfs.read", false, "vfs_read", false },
	{ "", false, "", true },
	{ "", false, "a", false },
	/* prefix, suffix, middle */
	{ "vfs_*", false, "vfs_read", true },
	{ "vfs_*", false, "vfs_", true },
	{ "vfs_*", false, "do_vfs_read", false },
	{ "*_read", false, "vfs_read", true },
	{ "*_read", false, "vfs_readv", false },
	{ "*mutex*", false, "pthread_mutex_lock", true },
	{ "*mutex*", false, "mutex", true },
	{ "*mutex*", false, "mute", false },
	{ "*", false, "", true },
	{ "*", false, "anything", true },
	{ "**", false, "x", true },
	/* '?' is exactly one character */
	{ "sys_?ead", false, "sys_read", true },
	{ "sys_?ead", false, "sys_ead", false },
	{ "sys_?ead", false, "sys_rread", false },
	{ "?", false, "", false },
	{ "a*b*c", false, "aXbYbZc", true },
	{ "a*b*c", false, "aXbYbZ", false },
	{ "a*bc", false, "abcbcbc", true },
	{ "*a*a*a*b", false, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	/* regex metacharacters are literal in a glob */
	{ "a.b*", false, "a.bc", true },
	{ "a.b*", false, "axbc", false },
	{ "[ab]", false, "a", false },
	{ "[ab]", false, "[ab]", true },
	/* regexes search anywhere unless anchored */
	{ "read", true, "vfs_read", false }, /* anchored at the start, as re.match */
	{ "read", true, "read_iter", true },
	{ "^read", true, "vfs_read", false },
	{ "^vfs_(read|write)$", true, "vfs_write", true },
	{ "^vfs_(read|write)$", true, "vfs_writev", false },
	{ "", true, "anything", true },
	{ "a+b", true, "caaab", false },
	{ "a+b", true, "aaabc", true },
	/* within the complexity limit; '+' in brackets or escaped repeats nothing */
	{ "^x{1,1000}$", true, "xxx", true },
	{ "^(a|b){1,20}c+$", true, "ababcc", true },
	{ "^[[:alpha:]+]+$", true, "a+b", true },
	{ "^[]+]+$", true, "]+]", true },
	{ "^\\+\\+$", true, "+++", false },
	{ "^\\++$", true, "++", true },
	{ "^[+++++++++++++++++++++++++++++]$", true, "+", true },
	{ "^((((((((((((((((((((((((((((((((x))))))))))))))))))))))))))))))))$", true, "x", true },
	{ "^(a*)*(b+)+(c?)?$", true, "aabbc", true },
	{ "^x{1,3}y{2}$", true, "xxyy", true },
};

Test(glob, match_table)
{
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		struct matcher m;

		cr_assert_eq(matcher_init(&m, c->pat, c->regex, err, sizeof(err)), 0, "init %s: %s",
			     c->pat, err);
		cr_expect_eq(matcher_match(&m, c->s), c->want, "%s %s %s: want %d",
			     c->regex ? "regex" : "glob", c->pat, c->s, c->want);
		if (!c->regex)
			cr_expect_eq(glob_match(c->pat, c->s), c->want, "glob_match(%s, %s)",
				     c->pat, c->s);
		matcher_free(&m);
	}
}

Test(glob, literal_flag)
{
	struct matcher m;

	cr_assert_eq(matcher_init(&m, "vfs_read", false, NULL, 0), 0);
	cr_expect(m.literal);
	cr_expect_not(m.is_regex);
	matcher_free(&m);
	cr_assert_eq(matcher_init(&m, "vfs_?ead", false, NULL, 0), 0);
	cr_expect_not(m.literal);
	matcher_free(&m);
	cr_assert_eq(matcher_init(&m, "vfs_read", true, NULL, 0), 0);
	cr_expect(m.is_regex);
	cr_expect(m.compiled);
	cr_expect_str_eq(m.text, "vfs_read");
	matcher_free(&m);
	cr_expect_null(m.text);
}

struct bad_regex {
	const char *pat;
	const char *msg;
};

#define ADJACENT "adjacent repetition operators are undefined in POSIX"
#define TOO_COMPLEX "regular expression too complex"

static const struct bad_regex bad_regexes[] = {
	{ "(", "Unmatched ( or \\(" },
	{ "a[", "Invalid regular expression" },
	{ "a{1", "Unmatched \\{" },
	{ "a{2,1}", "Invalid content of \\{\\}" },
	{ "\\", "Trailing backslash" },
	{ "+", "Invalid preceding regular expression" },
	{ "[[:foo:]]", "Invalid character class name" },
	/*
	 * Patterns glibc takes gigabytes or seconds to compile; the first two were found by
	 * fuzzing (the second is "$\xce" and 115 stars).
	 */
	{ "8DDDD++++++++++++++++++++++>D", ADJACENT },
	{ "$\xce****************************************************************************"
	  "*************************************",
	  ADJACENT },
	{ "a**", ADJACENT },
	{ "a+?", ADJACENT },
	{ "a{2}{3}", ADJACENT },
	{ "a?{2}", ADJACENT },
	{ "a{1,32767}", TOO_COMPLEX },
	{ "a{,5000}", TOO_COMPLEX },
	{ "(a{1,100}){1,100}", TOO_COMPLEX },
	{ "((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)", TOO_COMPLEX },
	{ "(((((((((((((((((((((((((((((((((x)))))))))))))))))))))))))))))))))",
	  "regular expression nested too deeply" },
};

Test(glob, bad_regex)
{
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad_regexes) / sizeof(bad_regexes[0]); i++) {
		struct matcher m;

		err[0] = '\0';
		cr_expect_eq(matcher_init(&m, bad_regexes[i].pat, true, err, sizeof(err)), -EINVAL,
			     "%s", bad_regexes[i].pat);
		cr_expect_str_eq(err, bad_regexes[i].msg, "%s", bad_regexes[i].pat);
		cr_expect_not(m.compiled);
		/* Freeing a failed matcher is harmless. */
		matcher_free(&m);
	}
}

Test(glob, bad_regex_short_buffer)
{
	struct matcher m;
	char err[4] = "xxx";

	cr_expect_eq(matcher_init(&m, "(", true, err, sizeof(err)), -EINVAL);
	cr_expect_eq(strlen(err), 3);
	cr_expect_eq(matcher_init(&m, "(", true, NULL, 0), -EINVAL);
}

Test(glob, null_inputs)
{
	struct matcher m;

	cr_expect_eq(matcher_init(&m, NULL, false, NULL, 0), -EINVAL);
	cr_expect_not(matcher_match(&m, "x"));
	cr_expect_not(glob_match(NULL, "x"));
	cr_expect_not(glob_match("x", NULL));
	cr_expect_null(glob_to_regex_text(NULL));
}

struct regex_text_case {
	const char *glob;
	const char *regex;
};

static const struct regex_text_case regex_texts[] = {
	{ "vfs_*", "^vfs_.*$" },
	{ "vfs_read", "^vfs_read$" },
	{ "*", "^.*$" },
	{ "", "^$" },
	{ "a.b*", "^a\\.b.*$" },
	{ "sys_?ead", "^sys_.ead$" },
	{ "x+y(z)", "^x\\+y\\(z\\)$" },
	{ "[a]{1}", "^\\[a\\]\\{1\\}$" },
	{ "a^b$c|d\\e", "^a\\^b\\$c\\|d\\\\e$" },
};

Test(glob, to_regex_text)
{
	size_t i;

	for (i = 0; i < sizeof(regex_texts) / sizeof(regex_texts[0]); i++) {
		char *r = glob_to_regex_text(regex_texts[i].glob);

		cr_assert_not_null(r);
		cr_expect_str_eq(r, regex_texts[i].regex, "glob %s", regex_texts[i].glob);
		free(r);
	}
}

/* The translated regex must accept exactly what the glob accepts. */
Test(glob, regex_text_agrees_with_glob)
{
	static const char *const names[] = { "vfs_read", "a.bc", "axbc", "x+y(z)", "sys_read", "" };
	size_t i, j;

	for (i = 0; i < sizeof(regex_texts) / sizeof(regex_texts[0]); i++) {
		const char *glob = regex_texts[i].glob;
		char *r = glob_to_regex_text(glob);
		struct matcher m;

		cr_assert_eq(matcher_init(&m, r, true, NULL, 0), 0, "%s", r);
		for (j = 0; j < sizeof(names) / sizeof(names[0]); j++)
			cr_expect_eq(matcher_match(&m, names[j]), glob_match(glob, names[j]),
				     "%s vs %s on %s", r, glob, names[j]);
		matcher_free(&m);
		free(r);
	}
}
