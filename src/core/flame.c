// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flame: merge folded stacks into a tree and lay it out as flamegraph.pl does: the root
 * ("all") at the bottom, callees above their callers, siblings in name order so the same
 * input always gives the same picture.  Colours come from a hash of the name (the "hot"
 * palette), so a function keeps its colour across graphs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/flame.h"

#define IMG_WIDTH 1200
#define XPAD 10
#define FRAME_H 16
#define FONT_SIZE 12
#define FONT_WIDTH 0.59   /* average glyph width / font size for Verdana */
#define TOP_PAD (FONT_SIZE * 3)
#define BOTTOM_PAD (FONT_SIZE * 2 + 10)
#define MIN_WIDTH 0.1     /* narrower frames are invisible: skip them and their children */

struct node {
	char *name;
	uint64_t value;
	struct node *kids;
	size_t nkids, cap;
};

struct flame {
	struct node root;
};

struct flame *flame__new(void)
{
	struct flame *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->root.name = strdup("all");
	if (!f->root.name) {
		free(f);
		return NULL;
	}
	return f;
}

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
	free(n->name);
}

void flame__free(struct flame *f)
{
	if (!f)
		return;
	node_free(&f->root);
	free(f);
}

static struct node *child(struct node *n, const char *name, size_t len)
{
	struct node *k;

	for (size_t i = 0; i < n->nkids; i++)
		if (!strncmp(n->kids[i].name, name, len) && !n->kids[i].name[len])
			return &n->kids[i];
	if (n->nkids == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;

		k = realloc(n->kids, cap * sizeof(*k));
		if (!k)
			return NULL;
		n->kids = k;
		n->cap = cap;
	}
	k = &n->kids[n->nkids];
	memset(k, 0, sizeof(*k));
	k->name = strndup(name, len);
	if (!k->name)
		return NULL;
	n->nkids++;
	return k;
}

int flame__add(struct flame *f, const char *const *frames, size_t n, uint64_t count)
{
	struct node *cur = &f->root;

	cur->value += count;
	for (size_t i = 0; i < n; i++) {
		cur = child(cur, frames[i], strlen(frames[i]));
		if (!cur)
			return -ENOMEM;
		cur->value += count;
	}
	return 0;
}

int flame__add_folded(struct flame *f, const char *line)
{
	const char *sp = strrchr(line, ' '), *p = line;
	struct node *cur = &f->root;
	unsigned long long count;
	char *end;

	if (!sp)
		return -EINVAL;
	errno = 0;
	count = strtoull(sp + 1, &end, 10);
	if (errno || end == sp + 1 || (*end && *end != '\n'))
		return -EINVAL;
	cur->value += count;
	while (p < sp) {
		const char *semi = memchr(p, ';', (size_t)(sp - p));
		size_t len = semi ? (size_t)(semi - p) : (size_t)(sp - p);

		if (len) {
			cur = child(cur, p, len);
			if (!cur)
				return -ENOMEM;
			cur->value += count;
		}
		p += len + 1;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->name, ((const struct node *)b)->name);
}

static void sort_tree(struct node *n)
{
	if (n->nkids)
		qsort(n->kids, n->nkids, sizeof(*n->kids), by_name);
	for (size_t i = 0; i < n->nkids; i++)
		sort_tree(&n->kids[i]);
}

static unsigned depth_of(const struct node *n)
{
	unsigned d = 0;

	for (size_t i = 0; i < n->nkids; i++) {
		unsigned k = depth_of(&n->kids[i]) + 1;

		if (k > d)
			d = k;
	}
	return d;
}

static void put_escaped(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len && s[i]; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			/* Control characters are not allowed in XML 1.0. */
			fputc((unsigned char)s[i] < 0x20 ? '?' : s[i], out);
		}
	}
}

/* FNV-1a: a stable colour per name. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct layout {
	FILE *out;
	double scale;    /* pixels per count */
	uint64_t total;
	unsigned height; /* image height */
};

static void draw(const struct layout *l, const struct node *n, double x, unsigned depth)
{
	double w = (double)n->value * l->scale, y = l->height - BOTTOM_PAD - (depth + 1) * FRAME_H;
	uint32_t h = name_hash(n->name);
	size_t fit = (size_t)((w - 6) / (FONT_SIZE * FONT_WIDTH)), len = strlen(n->name);

	if (w < MIN_WIDTH)
		return;
	fprintf(l->out, "<g>\n<title>");
	put_escaped(l->out, n->name, len);
	fprintf(l->out, " (%llu samples, %.2f%%)</title>\n", (unsigned long long)n->value,
		100.0 * (double)n->value / (double)l->total);
	fprintf(l->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"rgb(%u,%u,%u)\" rx=\"2\" ry=\"2\"/>\n",
		x, y, w, FRAME_H - 1, 205 + (h & 0xff) * 50 / 255, ((h >> 8) & 0xff) * 230 / 255,
		((h >> 16) & 0xff) * 55 / 255);
	/* Names that do not fit are cut with "..", and dropped below three characters. */
	if (fit >= 3) {
		fprintf(l->out, "<text x=\"%.1f\" y=\"%.1f\">", x + 3, y + FRAME_H - 5);
		if (len <= fit) {
			put_escaped(l->out, n->name, len);
		} else {
			put_escaped(l->out, n->name, fit - 2);
			fputs("..", l->out);
		}
		fputs("</text>\n", l->out);
	}
	fputs("</g>\n", l->out);
	for (size_t i = 0; i < n->nkids; i++) {
		draw(l, &n->kids[i], x, depth + 1);
		x += (double)n->kids[i].value * l->scale;
	}
}

int flame__write_svg(const struct flame *f, FILE *out, const char *title)
{
	struct layout l = { .out = out, .total = f->root.value };
	unsigned depth;

	/* Sorting only reorders siblings; the caller's tree stays the same tree. */
	sort_tree((struct node *)&f->root);
	depth = depth_of(&f->root);
	l.height = TOP_PAD + BOTTOM_PAD + (depth + 1) * FRAME_H;
	l.scale = l.total ? (double)(IMG_WIDTH - 2 * XPAD) / (double)l.total : 0;
	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" "
		"viewBox=\"0 0 %d %u\">\n", IMG_WIDTH, l.height, IMG_WIDTH, l.height);
	fprintf(out, "<style>text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
		"g:hover rect { stroke: black; stroke-width: 0.5; }</style>\n", FONT_SIZE);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"rgb(248,248,248)\"/>\n",
		IMG_WIDTH, l.height);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" style=\"font-size: 17px\">",
		IMG_WIDTH / 2, FONT_SIZE * 2);
	put_escaped(out, title ? title : "Flame Graph", SIZE_MAX);
	fputs("</text>\n", out);
	if (l.total)
		draw(&l, &f->root, XPAD, 0);
	else
		fprintf(out, "<text x=\"%d\" y=\"%d\">no samples</text>\n", XPAD, TOP_PAD + FRAME_H);
	fputs("</svg>\n", out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
