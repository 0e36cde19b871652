/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probes: expand a parsed probe pattern (parsers/pattern.h) into concrete probe targets:
 * tracepoints matched against tracefs, user functions matched against ELF symbols of the
 * resolved library (duplicate addresses and names removed), kernel functions against
 * available_filter_functions or /proc/kallsyms.
 */
#ifndef RT_PROBES_H
#define RT_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pattern;

enum probe_kind { PROBE_TRACEPOINT, PROBE_UPROBE, PROBE_KPROBE };

struct probe_target {
	enum probe_kind kind;
	char *sys, *event;  /* tracepoint */
	char *path;         /* uprobe: resolved file */
	uint64_t offset;    /* uprobe: file offset */
	char *func;         /* uprobe/kprobe function name */
	char *display;      /* how output names it: "sys:event" or "func" */
};

struct probe_list {
	struct probe_target *v;
	size_t n;
};

/*
 * Expand p.  Returns 0, or an exit status after printing one message:
 * EXIT_USAGE for "No functions matched by pattern ^...$" / "unable to find library X",
 * EXIT_RUNTIME for kernel features missing (kprobes) or unreadable files.
 */
int probes_expand(const struct pattern *p, bool regex, pid_t pid, struct probe_list *out);
void probe_list_free(struct probe_list *l);

struct session;
struct evsel;
struct ev_cfg;

/* Add target t to the session with cfg: a tracepoint, or a uprobe/kprobe.  NULL after a message. */
struct evsel *probes_add(struct session *s, const struct probe_target *t, const struct ev_cfg *cfg);

/* "tracepoint sys:event", "kprobe func" or "uprobe path:0xoff (func)" into buf (for -D/-v). */
void probes_describe(const struct probe_target *t, char *buf, size_t len);

/* BCC's cap on probes per run: 1000, or BCC_PROBE_LIMIT. */
long probes_limit(void);

#endif
