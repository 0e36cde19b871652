/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syshelp: what every system test needs.  System tests run the built rawtrace binary as a
 * user would (fork/exec, output captured, a timeout so a hung tool fails the test instead
 * of the suite), skip with a reason when the machine cannot trace, and check afterwards
 * that no run left kernel state behind.  The helpers find tracefs on their own rather than
 * through src/core, so a bug there cannot hide itself from the tests.
 */
#ifndef RT_SYSHELP_H
#define RT_SYSHELP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cmd_result {
	char *out;        /* everything written to stdout, NUL-terminated (never NULL after run) */
	char *err;        /* everything written to stderr, NUL-terminated */
	size_t out_len, err_len;
	int status;       /* exit code, or 128 + signal number; 127: could not exec */
	bool timed_out;   /* killed with SIGKILL when the timeout expired */
	double elapsed_s; /* wall time from fork to exit */
};

/*
 * Run argv[0] (a path, or a name looked up in $PATH) with stdin from /dev/null, stdout and
 * stderr captured, and wait at most timeout_s seconds; on expiry the child's process group
 * gets SIGKILL, r->timed_out is set and r->status is 128 + 9.  0, or -errno when the
 * child could not be started (r then holds empty strings and status -1).
 */
int run_cmd(char *const argv[], struct cmd_result *r, double timeout_s);

/*
 * Same, with changes to the child's environment: "NAME=VALUE" sets, "NAME" unsets.
 * env may be NULL; its last element must be NULL.
 */
int run_cmd_env(char *const argv[], char *const env[], struct cmd_result *r, double timeout_s);

void cmd_result_free(struct cmd_result *r);

/* Commands that must be signalled or fed while they run: see spawn.h (proc_start ...). */

/*
 * Skip the calling Criterion test (cr_skip_test, which does not return) unless we are
 * root and tracefs is available, mounting it at /sys/kernel/tracing if it is not mounted.
 * Returns true when the test may go on.
 */
bool need_root_tracefs(void);

/* The tracefs directory (found or mounted by need_root_tracefs), or NULL. */
const char *sys_tracefs_dir(void);

/* Absolute paths of the built binaries (RAWTRACE_BIN / WORKLOAD_BIN from the build). */
const char *rawtrace_bin(void);
const char *workload_bin(void);

/*
 * Loop devices of a test's own, over a sparse image in /tmp: block I/O on them is the test's
 * alone, whatever else the machine does (the block tools trace every disk).
 *
 * loop_image creates img as "/tmp/NAME_PID.img", mib MiB of zeroes.  false when it cannot:
 * img still names it (for the message), nothing is left on disk.
 */
bool loop_image(char *img, size_t len, const char *name, int mib);

/*
 * Attach img to a free loop device, its path into dev ("" on failure).  util-linux losetup
 * gets --direct-io=on or off as asked.  busybox's (the 6.1 VM) has neither --show nor
 * --direct-io: without direct I/O it is `losetup -f`, then `losetup DEV IMG`; with direct
 * I/O false, so that the test skips instead of running on buffered I/O.
 */
bool loop_attach(const char *img, bool direct_io, char *dev, size_t len);

/* losetup -d dev and unlink img, then empty both: calling it twice is harmless. */
void loop_detach(char *dev, char *img);

/*
 * Whether tracefs holds state rawtrace creates and must remove: probe definitions in
 * uprobe_events, kprobe_events or dynamic_events in a group "rawtrace_*", an enabled event
 * of such a group, or an instance named "rawtrace*".  State whose name ends in
 * "_<PID>" of a process still running is ignored, so that test binaries running side by
 * side do not trip each other; what a finished run left behind always counts.  On true,
 * `why` (if not NULL) names the first finding.  Unreadable tracefs: false.
 */
bool tracefs_has_our_state(char *why, size_t len);

/* Number of lines of text that contain needle ("" counts every line). */
int count_lines_matching(const char *text, const char *needle);

/* Whether text has a line exactly equal to line. */
bool has_line(const char *text, const char *line);

/* Number of lines in text (a last line without '\n' counts). */
int count_lines(const char *text);

/* Fail the current test when tracefs_has_our_state() finds something. */
#define assert_no_leftover_state()                                                        \
	do {                                                                              \
		char why_[512];                                                           \
		cr_assert(!tracefs_has_our_state(why_, sizeof(why_)),                     \
			  "rawtrace left state in tracefs: %s", why_);                    \
	} while (0)

/* Print a command's result into the test log (on failure, for diagnosis). */
void cmd_result_log(const char *what, const struct cmd_result *r);

#endif
