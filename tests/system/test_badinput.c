// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bad-input table: 76 malformed command lines across the tools.  Each must end with
 * exit status 2 (usage) or 1 (runtime), say what is wrong in one message naming the fix,
 * never crash or hang, and leave no kernel state behind.
 */
#include <criterion/criterion.h>
#include <string.h>
#include "tests/system/spawn.h"
#include "tests/system/syshelp.h"

struct bad {
	const char *argv[8];
	int status;
	const char *needle;
};

static const struct bad table[] = {
	/* front end */
	{ { "nosuchtool" }, 2, "unknown tool 'nosuchtool'" },
	{ { "--bogus" }, 2, "unknown tool '--bogus'" },
	{ { "" }, 2, "unknown tool ''" },
	/* shared option handling */
	{ { "syscount", "-p" }, 2, "needs an argument" },
	{ { "syscount", "-p", "abc" }, 2, "expected an integer, got 'abc'" },
	{ { "syscount", "-p", "0" }, 2, "out of range" },
	{ { "syscount", "-p", "-5" }, 2, "out of range" },
	{ { "syscount", "-p", "99999999999999999999" }, 2, "expected an integer" },
	{ { "syscount", "-p", "12x" }, 2, "expected an integer, got '12x'" },
	{ { "syscount", "-i", "0" }, 2, "out of range" },
	{ { "syscount", "-d", "-1" }, 2, "out of range" },
	{ { "syscount", "-T", "0" }, 2, "out of range" },
	{ { "syscount", "--top=x" }, 2, "expected an integer" },
	{ { "syscount", "-Z" }, 2, "unknown option -Z" },
	{ { "syscount", "--latency=1" }, 2, "takes no argument" },
	{ { "syscount", "extra" }, 2, "unexpected argument 'extra'" },
	{ { "syscount", "-p", "1", "-t", "1" }, 2, "only one of -p and -t" },
	{ { "syscount", "-e", "EBOGUS" }, 2, "couldn't map EBOGUS to an errno" },
	{ { "syscount", "-e", "0" }, 2, "couldn't map 0 to an errno" },
	{ { "syscount", "-e", "-2" }, 2, "couldn't map -2 to an errno" },
	{ { "syscount", "--syscall", "nosuchcall" }, 2, "syscall 'nosuchcall' not found" },
	{ { "syscount", "--syscall", "" }, 2, "syscall '' not found" },
	{ { "syscount", "-p", "4000000", "-d", "1" }, 1, "no such process: 4000000" },
	{ { "syscount", "-t", "4000000", "-d", "1" }, 1, "no such process" },
	{ { "syscount", "-L", "-p", "4000000", "-d", "1" }, 1, "no such process" },
	/* funccount patterns */
	{ { "funccount" }, 2, "missing argument: pattern" },
	{ { "funccount", "a", "b" }, 2, "unexpected argument 'b'" },
	{ { "funccount", "x:a:b" }, 2, "Type must be 'p', 't', or 'u', but got x" },
	{ { "funccount", "a:b:c:d" }, 2, "Too many ':'-separated components" },
	{ { "funccount", "t::" }, 2, "t::" },
	{ { "funccount", "t:sched:" }, 2, "t:sched:" },
	{ { "funccount", ":" }, 2, ":" },
	{ { "funccount", "" }, 2, "pattern" },
	{ { "funccount", "t:nosuch:event" }, 2, "No tracepoints matched" },
	{ { "funccount", "t:sched:nosuchevent" }, 2, "No tracepoints matched" },
	{ { "funccount", "t:../..:x" }, 2, "No tracepoints matched" },
	{ { "funccount", "nosuchlib_xyz:foo" }, 2, "unable to find library nosuchlib_xyz" },
	{ { "funccount", "c:no_such_function_zz" }, 2, "No functions matched by pattern ^no_such_function_zz$" },
	{ { "funccount", "-r", "c:(unclosed" }, 2, "bad pattern" },
	{ { "funccount", "-r", "c:a**" }, 2, "adjacent repetition" },
	{ { "funccount", "-r", "t:sched:[" }, 2, "bad pattern" },
	{ { "funccount", "/etc/passwd:foo" }, 1, "cannot read the symbols" },
	{ { "funccount", "/nonexistent/bin:foo" }, 2, "unable to find library" },
	{ { "funccount", "u:pthread:probe" }, 2, "USDT" },
	{ { "funccount", "-c", "9999", "t:sched:sched_switch" }, 2, "out of range" },
	{ { "funccount", "-c", "4095", "t:sched:sched_switch" }, 2, "CPU 4095 is not online" },
	{ { "funccount", "-p", "4000000", "t:sched:sched_switch" }, 1, "no such process: 4000000" },
	{ { "funccount", "-i", "abc", "t:sched:sched_switch" }, 2, "expected an integer" },
	/* opensnoop, execsnoop, rwsnoop */
	{ { "opensnoop", "-f", "O_BOGUS" }, 2, "Bad flag: O_BOGUS" },
	{ { "opensnoop", "-b", "3" }, 2, "power of two" },
	{ { "opensnoop", "-p", "4000000", "-d", "1" }, 1, "no such process: 4000000" },
	{ { "execsnoop", "-n", "(" }, 2, "(" },
	{ { "execsnoop", "-u", "nosuchuser_zz" }, 2, "invalid user 'nosuchuser_zz'" },
	{ { "execsnoop", "--max-args", "0" }, 2, "out of range" },
	{ { "rwsnoop", "-p", "4000000", "-d", "1" }, 1, "no such process: 4000000" },
	{ { "rwsnoop", "-r", "-w" }, 2, "only one of -r and -w" },
	/* block tools */
	{ { "biosnoop", "-d", "nosuchdisk" }, 2, "no such disk 'nosuchdisk'" },
	{ { "biolatency", "-D", "-F" }, 2, "ERROR: can only use -D or -F. Exiting." },
	{ { "biolatency", "0" }, 2, "interval must be a positive integer" },
	{ { "biolatency", "1", "x" }, 2, "count must be a positive integer" },
	{ { "bitesize", "-d", "nosuchdisk" }, 2, "no such disk 'nosuchdisk'" },
	/* stackcount, trace, argdist */
	{ { "stackcount", "-K", "-U", "t:sched:sched_switch" }, 2, "ERROR: -K and -U are mutually exclusive" },
	{ { "stackcount", "t:nosuch:ev" }, 2, "No tracepoints matched" },
	{ { "stackcount" }, 2, "missing argument: pattern" },
	{ { "trace" }, 2, "missing argument: probe" },
	{ { "trace", "-b", "3", "t:sched:sched_switch" }, 2, "power of two" },
	{ { "trace", "-u", "t:sched:sched_switch" }, 2, "-u requires -t" },
	{ { "trace", "t:sched:sched_switch \"%d %d\", args->prev_pid" }, 2, "needs 2 arguments, got 1" },
	{ { "argdist" }, 2, "at least one -H or -C" },
	{ { "argdist", "-H", "p:c:write()" }, 2, "histograms must have expr" },
	{ { "argdist", "-C", "x:c:write()" }, 2, "probe type must be p, r, t or u" },
	{ { "argdist", "-C", "t:sched:sched_switch():int:args->nosuch" }, 2, "has no field 'nosuch'" },
	/* tplist */
	{ { "tplist", "-l", "nosuchlib_xyz" }, 2, "unable to find library nosuchlib_xyz" },
	{ { "tplist", "-p", "1" }, 2, "-p" },
	{ { "tplist", "a", "b" }, 2, "unexpected argument 'b'" },
	{ { "tplist", "--nope" }, 2, "unknown option --nope" },
};

static void check_row(const struct bad *b)
{
	char *argv[12] = { (char *)RAWTRACE_BIN };
	char why[512];
	struct proc t;
	int n = 1;

	for (int i = 0; b->argv[i]; i++)
		argv[n++] = (char *)b->argv[i];
	argv[n] = NULL;
	cr_assert_eq(proc_start(&t, argv, NULL), 0);
	cr_expect_eq(proc_finish(&t, 0, 30), b->status, "%s %s: status %d, want %d; stderr: %s", b->argv[0],
		     b->argv[1] ? b->argv[1] : "", t.status, b->status, t.err ? t.err : "");
	cr_expect(t.err && strstr(t.err, b->needle), "%s %s: stderr lacks '%s': %s", b->argv[0],
		  b->argv[1] ? b->argv[1] : "", b->needle, t.err ? t.err : "");
	/* one message, plus the usage line, or the spec with a caret under the bad column */
	cr_expect(count_lines_matching(t.err, "") <= 3, "%s: more than one message: %s", b->argv[0], t.err);
	cr_expect(!t.out || !*t.out || b->status == 0, "%s: printed to stdout on error: %s", b->argv[0], t.out);
	proc_free(&t);
	cr_expect(!tracefs_has_our_state(why, sizeof(why)), "%s left state: %s", b->argv[0], why);
}

Test(badinput, table)
{
	need_root_tracefs();
	cr_log_info("%zu malformed command lines", sizeof(table) / sizeof(table[0]));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		check_row(&table[i]);
}
