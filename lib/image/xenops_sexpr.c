/*
 * Reading and writing the Xenops record (see sif/xenops.h).
 *
 * The body is parsed into a small tree first (atoms decoded, each node
 * remembering its offset for messages), then the tree is matched against
 * the record's one shape.  The lexical rules are sexplib's: blanks and
 * `;` comments between tokens, bare atoms up to a blank, paren, quote or
 * `;`, and quoted atoms with OCaml escapes (\\ \" \' \n \t \b \r \space,
 * \DDD decimal, \xHH, backslash-newline continuing the string).  Block and
 * datum comments (#| |#, #;) never appear in what xenopsd writes and are
 * refused rather than half supported.  Depth is capped so a hostile body
 * cannot exhaust the stack.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sif/xenops.h"

#define SX_MAX_DEPTH 8

enum sx_kind { SX_ATOM, SX_LIST };

struct sx_node {
	enum sx_kind kind;
	size_t off;             /* offset of its first byte in the body */
	struct sif_bytes atom;  /* SX_ATOM: decoded, malloc'd */
	int first, next;        /* SX_LIST: first child; sibling link */
	size_t count;           /* SX_LIST: number of children */
};

struct sx {
	const unsigned char *s;
	size_t len, pos;
	struct sx_node *n;
	size_t nn, cap;
	struct sif_err *err;
};

static int sx_fail(struct sx *x, size_t off, const char *what)
{
	return sif_errf(x->err, SIF_EFORMAT, "offset %zu: %s", off, what);
}

static int sx_new(struct sx *x, enum sx_kind kind, size_t off)
{
	struct sx_node *n;

	if (x->nn == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 32;

		n = realloc(x->n, cap * sizeof(*n));
		if (!n)
			return sif_errf(x->err, SIF_ENOMEM, "out of memory");
		x->n = n;
		x->cap = cap;
	}
	n = &x->n[x->nn];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->off = off;
	n->first = n->next = -1;
	return (int)x->nn++;
}

static void sx_skip_blank(struct sx *x)
{
	while (x->pos < x->len) {
		unsigned char c = x->s[x->pos];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			x->pos++;
		} else if (c == ';') {
			while (x->pos < x->len && x->s[x->pos] != '\n')
				x->pos++;
		} else {
			break;
		}
	}
}

static bool sx_bare(unsigned char c)
{
	return !(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		 c == '(' || c == ')' || c == '"' || c == ';');
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One escape after the backslash at x->pos - 1; appends to out. */
static int sx_escape(struct sx *x, char *out, size_t *olen)
{
	size_t at = x->pos - 1;
	unsigned char c;

	if (x->pos >= x->len)
		return sx_fail(x, at, "unterminated string: backslash at end of record");
	c = x->s[x->pos++];
	switch (c) {
	case '\\': case '"': case '\'': case ' ':
		out[(*olen)++] = (char)c;
		return 0;
	case 'n': out[(*olen)++] = '\n'; return 0;
	case 't': out[(*olen)++] = '\t'; return 0;
	case 'b': out[(*olen)++] = '\b'; return 0;
	case 'r': out[(*olen)++] = '\r'; return 0;
	case '\r':
		if (x->pos < x->len && x->s[x->pos] == '\n')
			x->pos++;
		/* fall through */
	case '\n':
		while (x->pos < x->len && (x->s[x->pos] == ' ' || x->s[x->pos] == '\t'))
			x->pos++;
		return 0;
	case 'x': {
		int h, l;

		if (x->pos + 2 > x->len || (h = hexval(x->s[x->pos])) < 0 ||
		    (l = hexval(x->s[x->pos + 1])) < 0)
			return sx_fail(x, at, "bad escape: expected \\x and two hex digits");
		out[(*olen)++] = (char)(h * 16 + l);
		x->pos += 2;
		return 0;
	}
	default:
		if (c >= '0' && c <= '9') {
			unsigned v = c - '0';
			int i;

			for (i = 0; i < 2; i++) {
				if (x->pos >= x->len || x->s[x->pos] < '0' || x->s[x->pos] > '9')
					return sx_fail(x, at, "bad escape: expected \\ and three decimal digits");
				v = v * 10 + (unsigned)(x->s[x->pos++] - '0');
			}
			if (v > 255)
				return sx_fail(x, at, "bad escape: decimal value above 255");
			out[(*olen)++] = (char)v;
			return 0;
		}
		return sx_fail(x, at, "unknown escape in quoted atom");
	}
}

static int sx_quoted(struct sx *x, int node)
{
	size_t start = x->pos, olen = 0;
	char *out;

	/* Decoded text is never longer than the quoted source. */
	out = malloc(x->len - start + 1);
	if (!out)
		return sif_errf(x->err, SIF_ENOMEM, "out of memory");
	x->n[node].atom.p = out;
	x->pos++;
	for (;;) {
		unsigned char c;

		if (x->pos >= x->len)
			return sx_fail(x, start, "unterminated quoted atom");
		c = x->s[x->pos++];
		if (c == '"')
			break;
		if (c == '\\') {
			if (sx_escape(x, out, &olen) < 0)
				return -1;
		} else {
			out[olen++] = (char)c;
		}
	}
	out[olen] = '\0';
	x->n[node].atom.len = olen;
	return 0;
}

static int sx_bare_atom(struct sx *x, int node)
{
	size_t start = x->pos;
	char *out;

	if (x->s[start] == '#' && start + 1 < x->len &&
	    (x->s[start + 1] == '|' || x->s[start + 1] == ';'))
		return sx_fail(x, start, "block and datum comments (#| #;) are not supported");
	while (x->pos < x->len && sx_bare(x->s[x->pos]))
		x->pos++;
	/* Not strndup: a bare atom may hold NUL bytes. */
	out = malloc(x->pos - start + 1);
	if (!out)
		return sif_errf(x->err, SIF_ENOMEM, "out of memory");
	memcpy(out, x->s + start, x->pos - start);
	out[x->pos - start] = '\0';
	x->n[node].atom.p = out;
	x->n[node].atom.len = x->pos - start;
	return 0;
}

static int sx_value(struct sx *x, int depth);

static int sx_list(struct sx *x, int node, int depth)
{
	int last = -1;

	x->pos++;
	for (;;) {
		int child;

		sx_skip_blank(x);
		if (x->pos >= x->len)
			return sx_fail(x, x->n[node].off, "unclosed '('");
		if (x->s[x->pos] == ')') {
			x->pos++;
			return 0;
		}
		child = sx_value(x, depth + 1);
		if (child < 0)
			return -1;
		if (last < 0)
			x->n[node].first = child;
		else
			x->n[last].next = child;
		last = child;
		x->n[node].count++;
	}
}

/* Parse one value at x->pos (blanks skipped); returns its node index. */
static int sx_value(struct sx *x, int depth)
{
	size_t off = x->pos;
	unsigned char c = x->s[off];
	int node;

	if (depth > SX_MAX_DEPTH)
		return sx_fail(x, off, "nesting deeper than a Xenops record has");
	if (c == ')')
		return sx_fail(x, off, "unexpected ')'");
	node = sx_new(x, c == '(' ? SX_LIST : SX_ATOM, off);
	if (node < 0)
		return -1;
	if (c == '(')
		return sx_list(x, node, depth) < 0 ? -1 : node;
	if (c == '"')
		return sx_quoted(x, node) < 0 ? -1 : node;
	return sx_bare_atom(x, node) < 0 ? -1 : node;
}

static void sx_free(struct sx *x)
{
	size_t i;

	for (i = 0; i < x->nn; i++)
		free(x->n[i].atom.p);
	free(x->n);
	x->n = NULL;
	x->nn = x->cap = 0;
}

/* Move an atom's decoded bytes into *dst (the tree no longer owns them). */
static void take_atom(struct sx *x, int node, struct sif_bytes *dst)
{
	*dst = x->n[node].atom;
	x->n[node].atom.p = NULL;
}

static int want_atom(struct sx *x, int node, const char *field)
{
	char msg[128];

	if (x->n[node].kind == SX_ATOM)
		return 0;
	snprintf(msg, sizeof(msg), "field %s: expected an atom, found a list", field);
	return sx_fail(x, x->n[node].off, msg);
}

static int field_word_size(struct sx *x, int v, struct sif_xenops_record *rec)
{
	const struct sif_bytes *a = &x->n[v].atom;

	if (want_atom(x, v, "word_size") < 0)
		return -1;
	if (a->len == 2 && !memcmp(a->p, "32", 2))
		rec->word_size = 32;
	else if (a->len == 2 && !memcmp(a->p, "64", 2))
		rec->word_size = 64;
	else
		return sx_fail(x, x->n[v].off, "field word_size: expected 32 or 64");
	return 0;
}

static int field_xs_subtree(struct sx *x, int v, struct sif_xenops_record *rec)
{
	int pair;
	size_t i = 0;

	if (x->n[v].kind != SX_LIST)
		return sx_fail(x, x->n[v].off, "field xs_subtree: expected a list of (key value) pairs");
	rec->xs = calloc(x->n[v].count ? x->n[v].count : 1, sizeof(*rec->xs));
	if (!rec->xs)
		return sif_errf(x->err, SIF_ENOMEM, "out of memory");
	for (pair = x->n[v].first; pair >= 0; pair = x->n[pair].next, i++) {
		int k = x->n[pair].first, val;

		if (x->n[pair].kind != SX_LIST || x->n[pair].count != 2 ||
		    x->n[k].kind != SX_ATOM || x->n[val = x->n[k].next].kind != SX_ATOM)
			return sx_fail(x, x->n[pair].off,
				       "field xs_subtree: expected a (key value) pair of two atoms");
		take_atom(x, k, &rec->xs[i].key);
		take_atom(x, val, &rec->xs[i].val);
		rec->n_xs = i + 1;
	}
	rec->has_xs_subtree = true;
	return 0;
}

static int sx_record(struct sx *x, int top, struct sif_xenops_record *rec)
{
	bool seen[4] = { false };
	static const char *const names[4] = { "time", "word_size", "vm_str", "xs_subtree" };
	int f;

	if (x->n[top].kind != SX_LIST)
		return sx_fail(x, x->n[top].off, "expected a list of (field value) pairs, found an atom");
	for (f = x->n[top].first; f >= 0; f = x->n[f].next) {
		int name = x->n[f].first, v, i;
		const struct sif_bytes *a;
		char msg[160];

		if (x->n[f].kind != SX_LIST || x->n[f].count != 2 ||
		    x->n[name].kind != SX_ATOM)
			return sx_fail(x, x->n[f].off, "expected a (field value) pair");
		a = &x->n[name].atom;
		v = x->n[name].next;
		for (i = 0; i < 4; i++)
			if (a->len == strlen(names[i]) && !memcmp(a->p, names[i], a->len))
				break;
		if (i == 4) {
			snprintf(msg, sizeof(msg),
				 "unknown field '%.40s' (a Xenops record has time, word_size, vm_str, xs_subtree)",
				 a->p);
			return sx_fail(x, x->n[name].off, msg);
		}
		if (seen[i]) {
			snprintf(msg, sizeof(msg), "duplicate field %s", names[i]);
			return sx_fail(x, x->n[name].off, msg);
		}
		seen[i] = true;
		switch (i) {
		case 0:
			if (want_atom(x, v, "time") < 0)
				return -1;
			take_atom(x, v, &rec->time);
			break;
		case 1:
			if (field_word_size(x, v, rec) < 0)
				return -1;
			break;
		case 2:
			if (want_atom(x, v, "vm_str") < 0)
				return -1;
			take_atom(x, v, &rec->vm_str);
			rec->has_vm_str = true;
			break;
		default:
			if (field_xs_subtree(x, v, rec) < 0)
				return -1;
		}
	}
	if (!seen[0] || !seen[1])
		return sx_fail(x, x->n[top].off, !seen[0] ? "missing field time" :
			       "missing field word_size");
	return 0;
}

int sif_xenops_parse(const void *body, size_t len, struct sif_xenops_record *rec,
		     struct sif_err *err)
{
	struct sx x = { .s = body, .len = len, .err = err };
	int top, rc = -1;

	memset(rec, 0, sizeof(*rec));
	sx_skip_blank(&x);
	if (x.pos >= x.len) {
		sx_fail(&x, x.pos, "empty Xenops record: expected an S-expression");
		goto out;
	}
	top = sx_value(&x, 0);
	if (top < 0)
		goto out;
	sx_skip_blank(&x);
	if (x.pos < x.len) {
		sx_fail(&x, x.pos, "trailing bytes after the S-expression");
		goto out;
	}
	if (sx_record(&x, top, rec) < 0)
		goto out;
	rc = 0;
out:
	sx_free(&x);
	if (rc < 0)
		sif_xenops_free(rec);
	return rc;
}

void sif_xenops_free(struct sif_xenops_record *rec)
{
	size_t i;

	free(rec->time.p);
	free(rec->vm_str.p);
	for (i = 0; i < rec->n_xs; i++) {
		free(rec->xs[i].key.p);
		free(rec->xs[i].val.p);
	}
	free(rec->xs);
	memset(rec, 0, sizeof(*rec));
}

/* --- writing, as sexplib's to_string_mach ------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
	bool space;     /* the last thing written was a bare atom */
};

static void sb_add(struct sbuf *b, const void *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_c(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

/* sexplib's must_escape: empty, a special or non-printable byte, or "#|"/"|#". */
static bool must_escape(const struct sif_bytes *a)
{
	size_t i;

	if (a->len == 0)
		return true;
	for (i = 0; i < a->len; i++) {
		unsigned char c = (unsigned char)a->p[i];

		if (c == '"' || c == '(' || c == ')' || c == ';' || c == '\\' ||
		    c <= 32 || c >= 127)
			return true;
		if (i > 0 && ((c == '|' && a->p[i - 1] == '#') ||
			      (c == '#' && a->p[i - 1] == '|')))
			return true;
	}
	return false;
}

static void sb_atom(struct sbuf *b, const struct sif_bytes *a)
{
	size_t i;

	if (!must_escape(a)) {
		if (b->space)
			sb_c(b, ' ');
		sb_add(b, a->p, a->len);
		b->space = true;
		return;
	}
	sb_c(b, '"');
	for (i = 0; i < a->len; i++) {
		unsigned char c = (unsigned char)a->p[i];
		char esc[5];

		switch (c) {
		case '"': sb_add(b, "\\\"", 2); break;
		case '\\': sb_add(b, "\\\\", 2); break;
		case '\n': sb_add(b, "\\n", 2); break;
		case '\t': sb_add(b, "\\t", 2); break;
		case '\r': sb_add(b, "\\r", 2); break;
		case '\b': sb_add(b, "\\b", 2); break;
		default:
			if (c >= ' ' && c <= '~') {
				sb_c(b, (char)c);
			} else {
				snprintf(esc, sizeof(esc), "\\%03u", c);
				sb_add(b, esc, 4);
			}
		}
	}
	sb_c(b, '"');
	b->space = false;
}

static void sb_open(struct sbuf *b)
{
	sb_c(b, '(');
	b->space = false;
}

static void sb_close(struct sbuf *b)
{
	sb_c(b, ')');
	b->space = false;
}

static void sb_field(struct sbuf *b, const char *name, const struct sif_bytes *v)
{
	struct sif_bytes n = { (char *)name, strlen(name) };

	sb_open(b);
	sb_atom(b, &n);
	sb_atom(b, v);
	sb_close(b);
}

char *sif_xenops_format(const struct sif_xenops_record *rec, size_t *len,
			struct sif_err *err)
{
	struct sbuf b = { 0 };
	char ws[4];
	struct sif_bytes wsb = { ws, 2 }, name;
	size_t i;

	if (rec->word_size != 32 && rec->word_size != 64) {
		sif_errf(err, SIF_EUSAGE, "Xenops record: word_size %d, expected 32 or 64",
			 rec->word_size);
		return NULL;
	}
	snprintf(ws, sizeof(ws), "%d", rec->word_size);
	sb_open(&b);
	sb_field(&b, "time", &rec->time);
	sb_field(&b, "word_size", &wsb);
	if (rec->has_vm_str)
		sb_field(&b, "vm_str", &rec->vm_str);
	if (rec->has_xs_subtree) {
		name.p = "xs_subtree";
		name.len = strlen(name.p);
		sb_open(&b);
		sb_atom(&b, &name);
		sb_open(&b);
		for (i = 0; i < rec->n_xs; i++) {
			sb_open(&b);
			sb_atom(&b, &rec->xs[i].key);
			sb_atom(&b, &rec->xs[i].val);
			sb_close(&b);
		}
		sb_close(&b);
		sb_close(&b);
	}
	sb_close(&b);
	if (b.oom) {
		free(b.p);
		sif_errf(err, SIF_ENOMEM, "out of memory");
		return NULL;
	}
	if (b.len > SIF_XENOPS_MAX) {
		free(b.p);
		sif_errf(err, SIF_EUSAGE, "Xenops record of %zu bytes exceeds the %u bytes sif reads back",
			 b.len, SIF_XENOPS_MAX);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

void sif_xenops_time(int64_t unix_seconds, char out[SIF_XENOPS_TIME_LEN + 1])
{
	time_t t = (time_t)unix_seconds;
	char tmp[64];
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(tmp, sizeof(tmp), "%04d%02d%02dT%02d:%02d:%02dZ",
		 (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100, tm.tm_mday % 100,
		 tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
	memcpy(out, tmp, SIF_XENOPS_TIME_LEN);
	out[SIF_XENOPS_TIME_LEN] = '\0';
}

char *sif_xenops_body(int64_t now, const char *vm_str, size_t *len, struct sif_err *err)
{
	struct sif_xenops_record x = { 0 };
	char t[SIF_XENOPS_TIME_LEN + 1];

	sif_xenops_time(now, t);
	x.time.p = t;
	x.time.len = strlen(t);
	x.word_size = 64;
	if (vm_str) {
		x.has_vm_str = true;
		x.vm_str.p = (char *)vm_str;
		x.vm_str.len = strlen(vm_str);
	}
	x.has_xs_subtree = true;
	return sif_xenops_format(&x, len, err);
}

/* --- vm_str: a VM as xenopsd's Vm.sexp_of_t prints it ------------------ */

static void sb_str(struct sbuf *b, const char *s)
{
	struct sif_bytes a = { (char *)s, strlen(s) };

	sb_atom(b, &a);
}

/* (name value) with an atom value */
static void sb_kv(struct sbuf *b, const char *name, const char *value)
{
	sb_open(b);
	sb_str(b, name);
	sb_str(b, value);
	sb_close(b);
}

/* (name (v1)(v2)...) with a list of atoms, "" for an empty list */
static void sb_klist(struct sbuf *b, const char *name, const char *atoms)
{
	sb_open(b);
	sb_str(b, name);
	sb_open(b);
	for (const char *a = atoms; *a; a += strlen(a) + 1)
		sb_str(b, a);
	sb_close(b);
	sb_close(b);
}

static void sb_pairs(struct sbuf *b, const char *name, const char *const *keys,
		     const char *const *vals, size_t n)
{
	sb_open(b);
	sb_str(b, name);
	sb_open(b);
	for (size_t i = 0; i < n; i++)
		sb_kv(b, keys[i], vals[i]);
	sb_close(b);
	sb_close(b);
}

/* Fields with fixed values: an atom, or NULL for an empty list (None, []). */
struct fixed_field {
	const char *name, *value;
};

static void sb_fixed(struct sbuf *b, const struct fixed_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].value)
			sb_kv(b, f[i].name, f[i].value);
		else
			sb_klist(b, f[i].name, "");
	}
}

static const struct fixed_field hvm_info[] = {
	{ "hap", "true" }, { "shadow_multiplier", "1" }, { "timeoffset", "" },
	{ "video_mib", "4" }, { "video", "Cirrus" }, { "acpi", "true" }, { "serial", NULL },
	{ "keymap", NULL }, { "vnc_ip", NULL }, { "pci_emulations", NULL },
	{ "pci_passthrough", "false" }, { "boot_order", "" }, { "qemu_disk_cmdline", "false" },
	{ "qemu_stubdom", "false" }, { "firmware", "Bios" }, { "tpm", NULL },
};

static const struct fixed_field pv_indirect_boot[] = {
	{ "bootloader", "" }, { "extra_args", "" }, { "legacy_args", "" },
	{ "bootloader_args", "" }, { "devices", NULL },
};

static const struct fixed_field pv_info[] = {
	{ "framebuffer", "false" }, { "framebuffer_ip", NULL }, { "vncterm", "true" },
	{ "vncterm_ip", NULL }, { "pci_passthrough", "false" },
};

/* Vm.hvm_info with xenopsd's defaults, or Vm.pv_info booting through a bootloader. */
static void sb_builder(struct sbuf *b, bool hvm)
{
	sb_open(b);
	sb_str(b, "ty");
	sb_open(b);
	sb_str(b, hvm ? "HVM" : "PV");
	sb_open(b);
	if (hvm) {
		sb_fixed(b, hvm_info, sizeof(hvm_info) / sizeof(hvm_info[0]));
	} else {
		sb_open(b);
		sb_str(b, "boot");
		sb_open(b);
		sb_str(b, "Indirect");
		sb_open(b);
		sb_fixed(b, pv_indirect_boot, sizeof(pv_indirect_boot) / sizeof(pv_indirect_boot[0]));
		sb_close(b);
		sb_close(b);
		sb_close(b);
		sb_fixed(b, pv_info, sizeof(pv_info) / sizeof(pv_info[0]));
	}
	sb_close(b);
	sb_close(b);
	sb_close(b);
}

char *sif_xenops_vm_str(const struct sif_xenops_vm *vm, size_t *len, struct sif_err *err)
{
	struct sbuf b = { 0 };
	char mem[24], vcpus[16];

	snprintf(mem, sizeof(mem), "%lld", (long long)vm->memory_static_max);
	snprintf(vcpus, sizeof(vcpus), "%u", vm->vcpus_max);
	sb_open(&b);
	sb_kv(&b, "id", vm->uuid);
	sb_kv(&b, "name", vm->name);
	sb_kv(&b, "ssidref", "0");
	sb_klist(&b, "xsdata", "");
	sb_pairs(&b, "platformdata", vm->platform_keys, vm->platform_vals, vm->n_platform);
	sb_klist(&b, "bios_strings", "");
	sb_builder(&b, vm->hvm);
	sb_kv(&b, "suppress_spurious_page_faults", "false");
	sb_klist(&b, "machine_address_size", "");
	sb_kv(&b, "memory_static_max", mem);
	sb_kv(&b, "memory_dynamic_max", mem);
	sb_kv(&b, "memory_dynamic_min", mem);
	sb_kv(&b, "vcpu_max", vcpus);
	sb_kv(&b, "vcpus", vcpus);
	sb_open(&b);
	sb_str(&b, "scheduler_params");
	sb_open(&b);
	sb_klist(&b, "priority", "");
	sb_klist(&b, "affinity", "");
	sb_close(&b);
	sb_close(&b);
	sb_klist(&b, "on_crash", "Shutdown\0");
	sb_klist(&b, "on_shutdown", "Shutdown\0");
	sb_klist(&b, "on_reboot", "Start\0");
	sb_klist(&b, "on_softreboot", "Softreboot\0");
	sb_kv(&b, "pci_msitranslate", "true");
	sb_kv(&b, "pci_power_mgmt", "false");
	sb_kv(&b, "has_vendor_device", "false");
	sb_klist(&b, "generation_id", "");
	sb_close(&b);
	if (b.oom) {
		free(b.p);
		sif_errf(err, SIF_ENOMEM, "out of memory");
		return NULL;
	}
	*len = b.len;
	return b.p;
}
