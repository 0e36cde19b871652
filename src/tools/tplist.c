// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tplist: say what can be traced.  Without -l it lists the kernel's tracepoints as
 * "category:event" (sorted by category, then event), optionally with their fields (-v), so
 * that users can find names for syscount, funccount and trace without reading tracefs by
 * hand.  With -l LIB it lists the function symbols of a library or executable that a user
 * probe can attach to, as "LIB:func", which is the spelling funccount accepts.  BCC's -l
 * lists USDT probes; rawtrace has no USDT support yet, so functions are what it offers.
 */
#include <errno.h>
#include <event-parse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "core/catalog.h"
#include "core/elfsym.h"
#include "core/err.h"
#include "core/libpath.h"
#include "core/tfs.h"
#include "parsers/glob.h"
#include "tool.h"

/* PID_MAX_LIMIT on 64-bit kernels: no process id is larger. */
#define PID_MAX 4194304

struct conf {
	long pid;
	const char *lib;
	bool verbose;
};

static const struct opt opts[] = {
	{ 'p', "pid", OPT_INT, offsetof(struct conf, pid), "PID",
	  "with -l, prefer the LIB this process has mapped", 1, PID_MAX },
	{ 'l', "lib", OPT_STR, offsetof(struct conf, lib), "LIB",
	  "list the functions of this library or executable" },
	{ 'v', "verbose", OPT_FLAG, offsetof(struct conf, verbose), NULL,
	  "print the fields of each tracepoint" },
	OPT_END
};

/* The positional filter; without one (active false) everything matches. */
struct filter {
	struct matcher m;
	bool active;
	bool whole;   /* pattern has a ':': match "category:event" / "LIB:func", else the name */
};

static int filter_init(struct filter *f, const char *pattern)
{
	char err[256];

	memset(f, 0, sizeof(*f));
	if (!pattern)
		return 0;
	if (matcher_init(&f->m, pattern, false, err, sizeof(err))) {
		err_msg("invalid filter '%s': %s", pattern, err);
		return EXIT_USAGE;
	}
	f->active = true;
	f->whole = strchr(pattern, ':') != NULL;
	return 0;
}

static bool filter_match(const struct filter *f, const char *whole, const char *name)
{
	return !f->active || matcher_match(&f->m, f->whole ? whole : name);
}

static void filter_free(struct filter *f)
{
	if (f->active)
		matcher_free(&f->m);
}

/*
 * One field in C declaration form.  libtraceevent moves an array's dimension into the type
 * ("char[16]" for "char comm[16]"), so it is put back after the name; dynamic arrays keep
 * the kernel's own spelling ("__data_loc char[] filename"), as in the format file.
 */
static void print_field(FILE *out, const struct tep_format_field *fld)
{
	const char *type = fld->type ? fld->type : "?";
	const char *dim = strchr(type, '[');
	int baselen;

	if ((fld->flags & TEP_FIELD_IS_DYNAMIC) || !dim) {
		fprintf(out, "    %s %s;\n", type, fld->name);
		return;
	}
	baselen = (int)(dim - type);
	while (baselen > 0 && type[baselen - 1] == ' ')
		baselen--;
	fprintf(out, "    %.*s %s%s;\n", baselen, type, fld->name, dim);
}

/* 0, or EXIT_RUNTIME after a message when the format could not be read or parsed. */
static int print_fields(FILE *out, struct catalog *cat, const char *sys, const char *name)
{
	struct tep_event *ev = catalog__event(cat, sys, name);

	if (!ev) {
		err_msg("cannot read the fields of %s:%s: %s", sys, name,
			errno == EINVAL ? "its format file could not be parsed" : strerror(errno));
		return EXIT_RUNTIME;
	}
	/* format.fields holds the event's own fields; the common_* header is kept apart. */
	for (const struct tep_format_field *fld = ev->format.fields; fld; fld = fld->next)
		print_field(out, fld);
	return 0;
}

static int list_tracepoints(FILE *out, const struct filter *flt, bool verbose)
{
	struct catalog *cat = NULL;
	char **systems = NULL, **events, whole[512];
	int ret = 0, rc;

	/* tfs_dir() explains what is wrong with tracefs itself. */
	if (!tfs_dir())
		return EXIT_RUNTIME;
	rc = tfs_systems(&systems);
	if (rc)
		return err_file(-rc, "events");
	if (verbose && !(cat = catalog__new())) {
		err_msg("cannot set up the event parser: %s", strerror(errno));
		tfs_list_free(systems);
		return EXIT_RUNTIME;
	}
	for (char **sys = systems; *sys && !ferror(out); sys++) {
		/* A category may vanish (module unloaded) between listing and reading: skip it. */
		if (tfs_events(*sys, &events))
			continue;
		for (char **ev = events; *ev && !ferror(out); ev++) {
			snprintf(whole, sizeof(whole), "%s:%s", *sys, *ev);
			if (!filter_match(flt, whole, *ev))
				continue;
			fprintf(out, "%s\n", whole);
			if (verbose && print_fields(out, cat, *sys, *ev))
				ret = EXIT_RUNTIME;
		}
		tfs_list_free(events);
	}
	catalog__delete(cat);
	tfs_list_free(systems);
	return ret;
}

struct names {
	char **v;
	size_t n, cap;
	const struct filter *flt;
	const char *lib;
	int err;
};

static int collect_func(void *arg, const struct elf_func *f)
{
	struct names *nm = arg;
	char *whole;

	if (asprintf(&whole, "%s:%s", nm->lib, f->name) < 0)
		goto nomem;
	if (!filter_match(nm->flt, whole, f->name)) {
		free(whole);
		return 0;
	}
	if (nm->n == nm->cap) {
		size_t cap = nm->cap ? 2 * nm->cap : 256;
		char **v = realloc(nm->v, cap * sizeof(*v));

		if (!v) {
			free(whole);
			goto nomem;
		}
		nm->v = v;
		nm->cap = cap;
	}
	nm->v[nm->n++] = whole;
	return 0;
nomem:
	nm->err = -ENOMEM;
	return 1;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_functions(FILE *out, const struct filter *flt, const char *lib, pid_t pid)
{
	struct names nm = { .flt = flt, .lib = lib };
	char *path = libpath_resolve(lib, pid);
	int ret = 0, rc;

	if (!path) {
		err_msg("unable to find library %s", lib);
		return EXIT_USAGE;
	}
	rc = elfsym_foreach_func(path, collect_func, &nm);
	if (!rc)
		rc = nm.err;
	if (rc == -ENOEXEC) {
		if (strcmp(lib, path))
			err_msg("%s (%s) is not an ELF file", lib, path);
		else
			err_msg("%s is not an ELF file", path);
		ret = EXIT_USAGE;
	} else if (rc == -ENOMEM) {
		err_msg("out of memory");
		ret = EXIT_RUNTIME;
	} else if (rc) {
		ret = err_file(-rc, path);
	} else {
		/* One name per line even where .symtab and .dynsym, or aliases, repeat it. */
		if (nm.n)
			qsort(nm.v, nm.n, sizeof(*nm.v), cmpstr);
		for (size_t i = 0; i < nm.n && !ferror(out); i++)
			if (!i || strcmp(nm.v[i], nm.v[i - 1]))
				fprintf(out, "%s\n", nm.v[i]);
	}
	for (size_t i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	free(path);
	return ret;
}

extern const struct tool_desc tool_tplist;

static int run(struct tool_ctx *ctx, void *confp, int argc, char **argv)
{
	struct conf *conf = confp;
	struct filter flt;
	int ret;

	if (conf->pid && !conf->lib) {
		err_msg("-p PID only applies with -l LIB (it picks the LIB that process maps)");
		opts_usage(&tool_tplist, stderr);
		return EXIT_USAGE;
	}
	ret = filter_init(&flt, argc > 0 ? argv[0] : NULL);
	if (ret)
		return ret;
	if (conf->lib)
		ret = list_functions(ctx->out, &flt, conf->lib, (pid_t)conf->pid);
	else
		ret = list_tracepoints(ctx->out, &flt, conf->verbose);
	filter_free(&flt);
	return ret;
}

const struct tool_desc tool_tplist = {
	.name = "tplist",
	.summary = "List tracepoints, their fields, and user functions that can be probed.",
	.args = "[filter]",
	.min_args = 0,
	.max_args = 1,
	.opts = opts,
	.conf_size = sizeof(struct conf),
	.examples =
		"    rawtrace tplist                       # every tracepoint\n"
		"    rawtrace tplist 'block:*'             # the tracepoints of one category\n"
		"    rawtrace tplist 'sys_enter_open*'     # without ':', any category\n"
		"    rawtrace tplist -v sched:sched_switch # a tracepoint and its fields\n"
		"    rawtrace tplist -l c 'str*'           # functions of the C library\n"
		"    rawtrace tplist -p 1234 -l c 'mall*'  # ... of the libc process 1234 uses\n",
	.run = run,
};
