// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * procfs: parse the /proc and /sys text formats rawtrace depends on (CPU lists, a
 * process's stat and maps lines, kallsyms lines) from strings, so that hostile or odd
 * input is handled in one tested place.  Numbers are parsed by hand to reject overflow
 * and stray characters that strtoul would silently accept.  Pure: libc only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "parsers/procfs.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Digits in base 10 or 16 up to max; *sp is advanced past them.  0 or -EINVAL. */
static int parse_uint(const char **sp, unsigned int base, uint64_t max, uint64_t *out)
{
	const char *s = *sp;
	uint64_t v = 0;
	int d;

	if (hexval(*s) < 0 || (unsigned int)hexval(*s) >= base)
		return -EINVAL;
	for (; (d = hexval(*s)) >= 0 && (unsigned int)d < base; s++) {
		if (v > (max - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*sp = s;
	*out = v;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* Only trailing whitespace (the newline sysfs and procfs end with) may follow. */
static bool at_end(const char *s)
{
	while (is_blank(*s) || *s == '\n')
		s++;
	return *s == '\0';
}

int procfs_parse_cpulist(const char *s, int *cpus, int max)
{
	uint64_t lo, hi, cpu;
	int n = 0;

	if (!s)
		return -EINVAL;
	/* An empty list is valid: sysfs writes just "\n" when no CPU is in the set. */
	if (at_end(s))
		return 0;
	for (;;) {
		if (parse_uint(&s, 10, INT32_MAX, &lo))
			return -EINVAL;
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_uint(&s, 10, INT32_MAX, &hi) || hi < lo)
				return -EINVAL;
		}
		/* Counting before each store also bounds huge ranges like 0-2147483647. */
		for (cpu = lo; cpu <= hi; cpu++) {
			if (n >= max)
				return -EINVAL;
			cpus[n++] = (int)cpu;
		}
		if (*s != ',')
			break;
		s++;
	}
	return at_end(s) ? n : -EINVAL;
}

int procfs_parse_stat(const char *line, char *comm, size_t commlen, pid_t *ppid)
{
	const char *lparen, *rparen, *s;
	uint64_t v;
	size_t len;

	if (!line)
		return -EINVAL;
	s = line;
	if (parse_uint(&s, 10, INT32_MAX, &v) || *s != ' ')
		return -EINVAL;
	lparen = strchr(line, '(');
	/* comm may itself contain ") (": only the last ')' closes it. */
	rparen = strrchr(line, ')');
	if (lparen != s + 1 || !rparen || rparen < lparen)
		return -EINVAL;
	/* ") S 1 ..." : a one-character state, then the parent pid. */
	s = rparen + 1;
	if (s[0] != ' ' || s[1] == '\0' || is_blank(s[1]) || s[2] != ' ')
		return -EINVAL;
	s += 3;
	if (parse_uint(&s, 10, INT32_MAX, &v) || !(is_blank(*s) || at_end(s)))
		return -EINVAL;
	if (comm && commlen) {
		len = (size_t)(rparen - lparen - 1);
		if (len >= commlen)
			len = commlen - 1;
		memcpy(comm, lparen + 1, len);
		comm[len] = '\0';
	}
	if (ppid)
		*ppid = (pid_t)v;
	return 0;
}

/*
 * "start-end perms offset major:minor inode [path]".  path runs to the end of the line,
 * spaces included, so callers strip the trailing newline first; the kernel pads the
 * inode column with spaces, which are skipped.
 */
int procfs_parse_maps_line(const char *line, struct maps_entry *e)
{
	const char *s = line;
	uint64_t start, end, offset, dev, inode;
	int i;

	if (!line || !e)
		return -EINVAL;
	if (parse_uint(&s, 16, UINT64_MAX, &start) || *s++ != '-' ||
	    parse_uint(&s, 16, UINT64_MAX, &end) || *s++ != ' ' || end < start)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if (!s[i] || !strchr("rwxsp-", s[i]))
			return -EINVAL;
		e->perms[i] = s[i];
	}
	e->perms[4] = '\0';
	s += 4;
	if (*s++ != ' ' || parse_uint(&s, 16, UINT64_MAX, &offset) || *s++ != ' ' ||
	    parse_uint(&s, 16, UINT32_MAX, &dev) || *s++ != ':' ||
	    parse_uint(&s, 16, UINT32_MAX, &dev) || *s++ != ' ' ||
	    parse_uint(&s, 10, UINT64_MAX, &inode))
		return -EINVAL;
	if (*s && !is_blank(*s) && *s != '\n')
		return -EINVAL;
	e->start = start;
	e->end = end;
	e->offset = offset;
	e->inode = (unsigned long)inode;
	e->path = skip_blanks(s);
	return 0;
}

/* "addr type name" optionally followed by "\t[module]"; a trailing newline is fine. */
int procfs_parse_kallsyms_line(const char *line, uint64_t *addr, char *type, const char **name,
			       size_t *namelen, const char **mod, size_t *modlen)
{
	const char *s = line, *n, *m = "", *rbracket;
	uint64_t a;
	size_t nlen, mlen = 0;
	char t;

	if (!line)
		return -EINVAL;
	if (parse_uint(&s, 16, UINT64_MAX, &a) || *s++ != ' ')
		return -EINVAL;
	t = *s++;
	if (t == '\0' || is_blank(t) || t == '\n' || *s++ != ' ')
		return -EINVAL;
	n = s;
	while (*s && !is_blank(*s) && *s != '\n')
		s++;
	nlen = (size_t)(s - n);
	if (!nlen)
		return -EINVAL;
	s = skip_blanks(s);
	if (*s == '[') {
		rbracket = strchr(s, ']');
		if (!rbracket || rbracket == s + 1)
			return -EINVAL;
		m = s + 1;
		mlen = (size_t)(rbracket - m);
		s = rbracket + 1;
	}
	if (!at_end(s))
		return -EINVAL;
	if (addr)
		*addr = a;
	if (type)
		*type = t;
	if (name)
		*name = n;
	if (namelen)
		*namelen = nlen;
	if (mod)
		*mod = m;
	if (modlen)
		*modlen = mlen;
	return 0;
}
