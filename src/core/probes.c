// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probes: turn a parsed pattern into concrete probe targets.  Tracepoints are matched
 * against tracefs's event directories; user functions against the ELF symbol tables of the
 * resolved library, keeping one name per address (aliases such as open/open64 share an
 * address and BCC probes each address once).  Kernel functions need kprobes: where the
 * kernel has none, the message says so and names tracepoints that may answer instead.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/elfsym.h"
#include "core/err.h"
#include "core/libpath.h"
#include "core/pevent.h"
#include "core/probes.h"
#include "core/session.h"
#include "core/tfs.h"
#include "parsers/glob.h"
#include "parsers/pattern.h"
#include "parsers/procfs.h"

static int push(struct probe_list *l, const struct probe_target *t)
{
	struct probe_target *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = *t;
	return 0;
}

void probe_list_free(struct probe_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].sys);
		free(l->v[i].event);
		free(l->v[i].path);
		free(l->v[i].func);
		free(l->v[i].display);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int no_match(const struct pattern *p, const char *part)
{
	char *re = glob_to_regex_text(part);

	err_msg("No functions matched by pattern %s", re ? re : part);
	free(re);
	return EXIT_USAGE;
}

static int bad_pattern(const char *what, const char *err)
{
	err_msg("bad pattern '%s': %s", what, err);
	return EXIT_USAGE;
}

static int expand_tracepoints(const struct pattern *p, bool regex, struct probe_list *out)
{
	struct matcher mc, me;
	char err[256], **systems = NULL;
	int ret;

	if (matcher_init(&mc, p->category, regex, err, sizeof(err)))
		return bad_pattern(p->category, err);
	if (matcher_init(&me, p->event, regex, err, sizeof(err))) {
		matcher_free(&mc);
		return bad_pattern(p->event, err);
	}
	ret = tfs_systems(&systems);
	if (ret) {
		ret = err_file(-ret, "tracefs events");
		goto out;
	}
	for (char **sys = systems; *sys && !ret; sys++) {
		char **events = NULL;

		if (!matcher_match(&mc, *sys) || tfs_events(*sys, &events))
			continue;
		for (char **ev = events; *ev && !ret; ev++) {
			struct probe_target t = { .kind = PROBE_TRACEPOINT };

			if (!matcher_match(&me, *ev))
				continue;
			t.sys = strdup(*sys);
			t.event = strdup(*ev);
			if (asprintf(&t.display, "%s:%s", *sys, *ev) < 0)
				t.display = NULL;
			if (!t.sys || !t.event || !t.display || push(out, &t)) {
				free(t.sys);
				free(t.event);
				free(t.display);
				err_msg("out of memory");
				ret = EXIT_RUNTIME;
			}
		}
		tfs_list_free(events);
	}
	tfs_list_free(systems);
	if (!ret && !out->n) {
		char both[512];

		snprintf(both, sizeof(both), "%s:%s", p->category, p->event);
		err_msg("No tracepoints matched by pattern %s; 'rawtrace tplist' lists them", both);
		ret = EXIT_USAGE;
	}
out:
	matcher_free(&mc);
	matcher_free(&me);
	return ret;
}

struct ufunc_ctx {
	const struct matcher *m;
	struct probe_list *out;
	const char *path;
	int err;
};

static bool seen(const struct probe_list *l, const char *name, uint64_t off)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].offset == off || !strcmp(l->v[i].func, name))
			return true;
	return false;
}

static int ufunc_cb(void *arg, const struct elf_func *f)
{
	struct ufunc_ctx *c = arg;
	struct probe_target t = { .kind = PROBE_UPROBE, .offset = f->file_off };

	if (!matcher_match(c->m, f->name) || seen(c->out, f->name, f->file_off))
		return 0;
	t.path = strdup(c->path);
	t.func = strdup(f->name);
	t.display = strdup(f->name);
	if (!t.path || !t.func || !t.display || push(c->out, &t)) {
		free(t.path);
		free(t.func);
		free(t.display);
		c->err = -ENOMEM;
		return 1;
	}
	return 0;
}

static int expand_user(const struct pattern *p, bool regex, pid_t pid, struct probe_list *out)
{
	struct ufunc_ctx c = { .out = out };
	struct matcher m;
	char err[256];
	char *path;
	int ret;

	path = libpath_resolve(p->lib, pid);
	if (!path) {
		err_msg("unable to find library %s", p->lib);
		return EXIT_USAGE;
	}
	if (matcher_init(&m, p->func, regex, err, sizeof(err))) {
		free(path);
		return bad_pattern(p->func, err);
	}
	c.m = &m;
	c.path = path;
	ret = elfsym_foreach_func(path, ufunc_cb, &c);
	if (ret) {
		err_msg("cannot read the symbols of %s: %s", path, strerror(-ret));
		ret = EXIT_RUNTIME;
	} else if (c.err) {
		err_msg("out of memory");
		ret = EXIT_RUNTIME;
	} else if (!out->n) {
		ret = no_match(p, p->func);
	}
	matcher_free(&m);
	free(path);
	return ret;
}

/* Does a tracepoint name answer for stem: "pass 0" wants a whole-word end, pass 1 any part. */
static bool names_stem(const char *ev, const char *stem, int pass)
{
	size_t el = strlen(ev), sl = strlen(stem);

	if (pass == 1)
		return strstr(ev, stem) != NULL;
	return !strcmp(ev, stem) || (el > sl && ev[el - sl - 1] == '_' && !strcmp(ev + el - sl, stem));
}

/* Up to three tracepoints named like the function: a hint where kprobes are missing. */
static void suggest_tracepoints(const char *func, char *buf, size_t len)
{
	char **systems = NULL, stem[128];
	const char *us;
	size_t n = 0, found = 0;

	buf[0] = 0;
	snprintf(stem, sizeof(stem), "%s", func);
	stem[strcspn(stem, "*?")] = 0;
	if (tfs_systems(&systems))
		return;
	/* vfs_read -> read: a subsystem prefix rarely appears in tracepoint names */
	for (int attempt = 0; attempt < 2 && !found; attempt++) {
		const char *want = stem;

		if (attempt == 1) {
			us = strchr(stem, '_');
			if (!us)
				break;
			want = us + 1;
		}
		for (int pass = 0; pass < 2 && !found && strlen(want) >= 3; pass++)
			for (char **sys = systems; *sys && found < 3; sys++) {
				char **events = NULL;

				if (tfs_events(*sys, &events))
					continue;
				for (char **ev = events; *ev && found < 3; ev++)
					if (names_stem(*ev, want, pass)) {
						n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%st:%s:%s",
								      found ? ", " : "", *sys, *ev);
						found++;
					}
				tfs_list_free(events);
			}
	}
	tfs_list_free(systems);
}

/* Symbols BCC never probes: blacklisted sections, perf itself, static-call trampolines. */
static bool unprobeable(const char *name)
{
	static const char *const prefixes[] = { "_kbl_addr_", "__perf", "perf_", "__SCT__" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return strstr(name, ".cold") != NULL;
}

static bool blacklisted(const char *blacklist, const char *name)
{
	size_t n = strlen(name);

	/* lines: "0xffffffff81000000-0xffffffff81000010\tname" */
	for (const char *l = blacklist; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *tab = strchr(l, '\t');

		if (tab && !strncmp(tab + 1, name, n) && (tab[1 + n] == '\n' || !tab[1 + n]))
			return true;
	}
	return false;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, 0, f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int add_kfunc(struct probe_list *out, const char *name, size_t len)
{
	struct probe_target t = { .kind = PROBE_KPROBE };

	for (size_t i = 0; i < out->n; i++)
		if (!strncmp(out->v[i].func, name, len) && !out->v[i].func[len])
			return 0;
	t.func = strndup(name, len);
	t.display = strndup(name, len);
	if (!t.func || !t.display || push(out, &t)) {
		free(t.func);
		free(t.display);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Kernel functions matching the pattern: available_filter_functions lists what ftrace (and
 * so kprobes on most functions) can attach to; where it is unreadable, kallsyms text
 * symbols stand in.  The kprobe blacklist is removed when debugfs shows it.
 */
static int expand_kernel(const struct pattern *p, bool regex, struct probe_list *out)
{
	char hint[512], err[256], *list = NULL, *black;
	bool from_ftrace;
	struct matcher m;
	int ret = 0;

	if (!session__has_kprobes()) {
		suggest_tracepoints(p->func, hint, sizeof(hint));
		if (hint[0])
			err_msg("this kernel has no kprobes (CONFIG_KPROBES is not set), so kernel "
				"function '%s' cannot be probed; tracepoints that may answer: %s",
				p->func, hint);
		else
			err_msg("this kernel has no kprobes (CONFIG_KPROBES is not set), so kernel "
				"function '%s' cannot be probed; use a tracepoint instead "
				"('rawtrace tplist' lists them)", p->func);
		return EXIT_RUNTIME;
	}
	if (matcher_init(&m, p->func, regex, err, sizeof(err)))
		return bad_pattern(p->func, err);
	from_ftrace = tfs_read("available_filter_functions", &list, NULL) == 0;
	if (!from_ftrace && !(list = read_file("/proc/kallsyms"))) {
		ret = err_file(errno, "/proc/kallsyms");
		goto out;
	}
	black = read_file("/sys/kernel/debug/kprobes/blacklist");
	for (char *l = list; l && *l && !ret;) {
		char *nl = strchr(l, '\n'), name[256], type = 'T';
		const char *sym = l, *mod;
		size_t len, modlen;
		uint64_t addr;

		if (nl)
			*nl = 0;
		if (from_ftrace) {
			len = strcspn(l, " \t");
		} else if (procfs_parse_kallsyms_line(l, &addr, &type, &sym, &len, &mod, &modlen)) {
			len = 0;
		}
		if (len && len < sizeof(name) && strchr("tTwW", type)) {
			memcpy(name, sym, len);
			name[len] = 0;
			if (!unprobeable(name) && matcher_match(&m, name) && !(black && blacklisted(black, name)))
				ret = add_kfunc(out, name, len) ? EXIT_RUNTIME : 0;
		}
		l = nl ? nl + 1 : NULL;
	}
	free(black);
	if (ret)
		err_msg("out of memory");
	else if (!out->n)
		ret = no_match(p, p->func);
out:
	free(list);
	matcher_free(&m);
	return ret;
}

int probes_expand(const struct pattern *p, bool regex, pid_t pid, struct probe_list *out)
{
	memset(out, 0, sizeof(*out));
	switch (p->type) {
	case 't':
		return expand_tracepoints(p, regex, out);
	case 'u':
		err_msg("USDT probes (u:%s:%s) are not supported by rawtrace yet", p->lib, p->func);
		return EXIT_USAGE;
	case 'p':
		if (p->lib && *p->lib)
			return expand_user(p, regex, pid, out);
		return expand_kernel(p, regex, out);
	}
	err_msg("bad pattern '%s'", p->text);
	return EXIT_USAGE;
}

struct evsel *probes_add(struct session *s, const struct probe_target *t, const struct ev_cfg *cfg)
{
	struct probe_spec ps = { .type = t->kind == PROBE_UPROBE ? PROBE_USER : PROBE_KERNEL,
				 .path = t->path, .func = t->func, .offset = t->offset, .label = t->func };

	if (t->kind == PROBE_TRACEPOINT)
		return session__add_tracepoint(s, t->sys, t->event, cfg);
	return session__add_probe(s, &ps, cfg);
}

void probes_describe(const struct probe_target *t, char *buf, size_t len)
{
	if (t->kind == PROBE_TRACEPOINT)
		snprintf(buf, len, "tracepoint %s:%s", t->sys, t->event);
	else if (t->kind == PROBE_KPROBE)
		snprintf(buf, len, "kprobe %s", t->func);
	else
		snprintf(buf, len, "uprobe %s:0x%llx (%s)", t->path, (unsigned long long)t->offset, t->func);
}

long probes_limit(void)
{
	const char *e = getenv("BCC_PROBE_LIMIT");
	char *end;
	long v;

	if (e && *e) {
		v = strtol(e, &end, 10);
		if (!*end && v > 0)
			return v;
	}
	return 1000;
}
