/*
 * A raw first pass over a state.db that collects, for the tables a caller
 * names, a 64-bit hash of every row's ref, and the manifest's schema
 * version: what `db check` needs to know before its real (libxml2) pass so
 * that it can tell at once whether a Ref value points at a row, whatever
 * the order of the tables.
 *
 * It runs at memory speed: a small state machine over the bytes (tags,
 * attributes, quoted values, comments, processing instructions), decoding
 * entities and normalising whitespace in the values it keeps exactly as an
 * XML parser does, so that its hashes equal those of the parsed values.
 * It does not validate: the real pass does, and checks that both passes saw
 * the same rows (statedb_check.c), so a file that fools this scan is
 * reported, never judged wrongly.  Memory: 8 bytes per collected row.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/io.h"
#include "statedb_refscan.h"

#define BLOCK (1u << 20)
#define SMALL 256

uint64_t sif_ref_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	/* a final mix, so that hashes spread evenly (interpolation search) */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

enum st { TEXT, LT, NAME, ATTRS, ANAME, EQ, VAL, COMMENT, PI, DECL };
enum tag { T_OTHER, T_ROW, T_TABLE, T_ENDTABLE, T_PAIR };

struct scan {
	struct sif_refscan *rs;
	enum st st;
	enum tag tag;
	char name[16];
	size_t nlen;
	char quote;
	/* the value being kept: row ref (raw bytes, decoded at the end) or a small one */
	char *val;
	size_t vlen, vcap;
	bool keep;
	char aname[16];
	size_t alen;
	char pair_key[SMALL];
	long cur;                       /* index of the current table in rs, -1 none/not wanted */
	bool in_table;
	char prev;                      /* the byte before, across blocks */
	bool done;
	int dashes;                     /* comment end detection */
	bool have_ref;
	uint64_t ref_hash;
	char tname[SMALL + 1];
	bool tname_ok;
};

/* XML's treatment of an attribute value: entities and character references
 * decoded, each CR LF, CR, LF or TAB a space.  In place; returns the length
 * or -1 on an entity this scan does not know (the real pass will judge). */
static long normalise(char *v, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		char c = v[i];

		if (c == '\r') {
			v[o++] = ' ';
			i += (i + 1 < n && v[i + 1] == '\n') ? 2 : 1;
		} else if (c == '\n' || c == '\t') {
			v[o++] = ' ';
			i++;
		} else if (c == '&') {
			char *semi = memchr(v + i, ';', n - i);
			size_t el;

			if (!semi)
				return -1;
			el = (size_t)(semi - (v + i)) + 1;
			if (el == 4 && !memcmp(v + i, "&lt;", 4))
				v[o++] = '<';
			else if (el == 4 && !memcmp(v + i, "&gt;", 4))
				v[o++] = '>';
			else if (el == 5 && !memcmp(v + i, "&amp;", 5))
				v[o++] = '&';
			else if (el == 6 && !memcmp(v + i, "&quot;", 6))
				v[o++] = '"';
			else if (el == 6 && !memcmp(v + i, "&apos;", 6))
				v[o++] = '\'';
			else if (el > 3 && v[i + 1] == '#') {
				unsigned long cp = 0;
				size_t j = i + 2;
				bool hex = v[j] == 'x';

				for (j += hex; j < i + el - 1; j++) {
					int d = v[j] >= '0' && v[j] <= '9' ? v[j] - '0' :
						hex && v[j] >= 'a' && v[j] <= 'f' ? v[j] - 'a' + 10 :
						hex && v[j] >= 'A' && v[j] <= 'F' ? v[j] - 'A' + 10 : -1;

					if (d < 0 || cp > 0x10ffff)
						return -1;
					cp = cp * (hex ? 16 : 10) + (unsigned long)d;
				}
				/* UTF-8; never longer than the reference itself */
				if (cp < 0x80) {
					v[o++] = (char)cp;
				} else if (cp < 0x800) {
					v[o++] = (char)(0xc0 | (cp >> 6));
					v[o++] = (char)(0x80 | (cp & 0x3f));
				} else if (cp < 0x10000) {
					v[o++] = (char)(0xe0 | (cp >> 12));
					v[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
					v[o++] = (char)(0x80 | (cp & 0x3f));
				} else if (cp <= 0x10ffff) {
					v[o++] = (char)(0xf0 | (cp >> 18));
					v[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
					v[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
					v[o++] = (char)(0x80 | (cp & 0x3f));
				} else {
					return -1;
				}
			} else {
				return -1;
			}
			i += el;
		} else {
			v[o++] = c;
			i++;
		}
	}
	return (long)o;
}

static int keep_bytes(struct scan *s, const char *b, size_t n)
{
	if (!n)
		return 0;
	if (s->vlen + n > s->vcap) {
		size_t cap = s->vcap ? s->vcap : 256;
		char *p;

		while (cap < s->vlen + n)
			cap *= 2;
		if (cap > (64u << 20))
			return -1;      /* a ref this long: the real pass will say what it is */
		if (!(p = realloc(s->val, cap)))
			return -1;
		s->val = p;
		s->vcap = cap;
	}
	memcpy(s->val + s->vlen, b, n);
	s->vlen += n;
	return 0;
}

static long table_index(struct sif_refscan *rs, const char *name)
{
	for (size_t i = 0; i < rs->ntables; i++)
		if (!strcmp(rs->tables[i].name, name))
			return (long)i;
	return -1;
}

static int push(struct sif_refscan_table *t, uint64_t h)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		uint64_t *p = realloc(t->hash, cap * sizeof(*p));

		if (!p)
			return -1;
		t->hash = p;
		t->cap = cap;
	}
	t->hash[t->n++] = h;
	return 0;
}

static void end_value(struct scan *s)
{
	long n;

	if (!s->keep)
		return;
	if (!s->val && keep_bytes(s, "", 1) == 0)
		s->vlen = 0;    /* an empty first value: have a buffer all the same */
	if (!s->val) {
		s->keep = false;
		return;
	}
	n = normalise(s->val, s->vlen);
	if (s->tag == T_ROW) {
		s->have_ref = n >= 0;
		if (n >= 0)
			s->ref_hash = sif_ref_hash(s->val, (size_t)n);
	} else if (s->tag == T_TABLE) {
		s->tname_ok = n >= 0 && n <= SMALL;
		if (s->tname_ok) {
			memcpy(s->tname, s->val, (size_t)n);
			s->tname[n] = '\0';
		}
	} else if (s->tag == T_PAIR && n >= 0 && n < SMALL) {
		if (!strcmp(s->aname, "key")) {
			memcpy(s->pair_key, s->val, (size_t)n);
			s->pair_key[n] = '\0';
		} else if (!strcmp(s->aname, "value")) {
			char v[SMALL];
			long *dst = !strcmp(s->pair_key, "schema_major_vsn") ? &s->rs->major :
				    !strcmp(s->pair_key, "schema_minor_vsn") ? &s->rs->minor : NULL;

			memcpy(v, s->val, (size_t)n);
			v[n] = '\0';
			if (dst && *v) {
				char *e;
				long x = strtol(v, &e, 10);

				if (!*e && x >= 0)
					*dst = x;
			}
		}
	}
}

static int end_tag(struct scan *s, bool empty)
{
	struct sif_refscan *rs = s->rs;

	switch (s->tag) {
	case T_TABLE:
		if (!rs->ntables) {     /* only the manifest was wanted */
			s->done = true;
			break;
		}
		s->cur = s->tname_ok ? table_index(rs, s->tname) : -1;
		s->in_table = !empty;
		if (s->cur >= 0)
			rs->tables[s->cur].seen = true;
		break;
	case T_ENDTABLE:
		s->cur = -1;
		s->in_table = false;
		break;
	case T_ROW:
		if (s->cur >= 0) {
			struct sif_refscan_table *t = &rs->tables[s->cur];

			t->rows++;
			if (!s->have_ref)
				t->unhashed++;
			else if (push(t, s->ref_hash) < 0)
				return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

static int step(struct scan *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n && !s->done; s->prev = p[i], i++) {
		char c;

		/* most bytes are text or inside values: skip them in bulk */
		if (s->st == TEXT || s->st == VAL) {
			const char *q = memchr(p + i, s->st == TEXT ? '<' : s->quote, n - i);
			size_t end = q ? (size_t)(q - p) : n;

			if (s->st == VAL && s->keep && keep_bytes(s, p + i, end - i) < 0) {
				s->keep = false;
				if (s->tag == T_ROW)
					s->have_ref = false;
			}
			if (!q) {
				s->prev = p[n - 1];
				return 0;
			}
			i = end;
		}
		c = p[i];
		switch (s->st) {
		case TEXT:
			if (c == '<') {
				s->st = LT;
				s->nlen = 0;
			}
			break;
		case LT:
			if (c == '!') {
				s->st = DECL;
				s->dashes = 0;
				break;
			}
			if (c == '?') {
				s->st = PI;
				break;
			}
			s->st = NAME;
			/* fall through */
		case NAME:
			if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '>' || c == '/') {
				if (c == '/' && s->nlen == 0) {
					s->name[s->nlen++] = '/';
					break;
				}
				s->name[s->nlen < sizeof(s->name) ? s->nlen : sizeof(s->name) - 1] = '\0';
				s->tag = !strcmp(s->name, "row") ? T_ROW :
					 !strcmp(s->name, "table") ? T_TABLE :
					 !strcmp(s->name, "/table") ? T_ENDTABLE :
					 !strcmp(s->name, "pair") ? T_PAIR : T_OTHER;
				s->have_ref = false;
				s->tname_ok = false;
				s->st = ATTRS;
				if (c == '>') {
					s->st = TEXT;
					if (end_tag(s, false) < 0)
						return -1;
				}
				break;
			}
			if (s->nlen < sizeof(s->name) - 1)
				s->name[s->nlen++] = c;
			else
				s->nlen = sizeof(s->name);     /* too long: no tag we want */
			break;
		case ATTRS:
			if (c == '>') {
				s->st = TEXT;
				if (end_tag(s, s->prev == '/') < 0)
					return -1;
			} else if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '/') {
				s->st = ANAME;
				s->alen = 0;
				s->aname[s->alen++] = c;
			}
			break;
		case ANAME:
			if (c == '=' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				s->aname[s->alen < sizeof(s->aname) ? s->alen : sizeof(s->aname) - 1] = '\0';
				s->st = EQ;
			} else if (s->alen < sizeof(s->aname) - 1) {
				s->aname[s->alen++] = c;
			} else {
				s->alen = sizeof(s->aname);
			}
			break;
		case EQ:
			if (c == '"' || c == '\'') {
				s->quote = c;
				s->st = VAL;
				s->vlen = 0;
				s->keep = (s->tag == T_ROW && !strcmp(s->aname, "ref")) ||
					  (s->tag == T_TABLE && !strcmp(s->aname, "name")) ||
					  s->tag == T_PAIR;
			}
			break;
		case VAL:       /* at the closing quote */
			end_value(s);
			s->st = ATTRS;
			break;
		case COMMENT:
			if (c == '>' && s->dashes >= 2)
				s->st = TEXT;
			s->dashes = c == '-' ? s->dashes + 1 : 0;
			break;
		case PI:
			if (c == '>' && s->prev == '?')
				s->st = TEXT;
			break;
		case DECL:
			/* <!-- comment --> or another declaration (the real pass refuses it) */
			if (c == '-' && ++s->dashes == 2) {
				s->st = COMMENT;
				s->dashes = 0;
			} else if (c != '-' && c == '>') {
				s->st = TEXT;
			}
			break;
		}
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int sif_refscan_run(struct sif_refscan *rs, const char *path, struct sif_err *err)
{
	struct scan s = { .rs = rs, .cur = -1 };
	char *buf = malloc(BLOCK);
	int fd = -1, rc = -1;
	ssize_t got;

	rs->major = rs->minor = -1;
	if (!buf) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		sif_errno(err, errno == ENOENT ? SIF_ENOTFOUND : SIF_EIO, "opening %s", path);
		goto out;
	}
	while ((got = sif_read_full(fd, buf, BLOCK)) > 0) {
		if (step(&s, buf, (size_t)got) < 0) {
			sif_errf(err, SIF_ENOMEM, "%s: out of memory collecting refs", path);
			goto out;
		}
		if ((size_t)got < BLOCK || s.done)
			break;
	}
	if (got < 0) {
		sif_errno(err, SIF_EIO, "reading %s", path);
		goto out;
	}
	for (size_t i = 0; i < rs->ntables; i++)
		if (rs->tables[i].n > 1)
			qsort(rs->tables[i].hash, rs->tables[i].n, sizeof(uint64_t), cmp_u64);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(s.val);
	return rc;
}

bool sif_refscan_has(const struct sif_refscan_table *t, uint64_t h)
{
	size_t lo = 0, hi = t->n;

	/* interpolation search: the hashes are spread evenly over 64 bits */
	while (lo < hi) {
		uint64_t a = t->hash[lo], b = t->hash[hi - 1];
		size_t mid;

		if (h < a || h > b)
			return false;
		if (a == b)
			return a == h;
		mid = lo + (size_t)(((unsigned __int128)(h - a) * (hi - 1 - lo)) / (b - a));
		if (t->hash[mid] == h)
			return true;
		if (t->hash[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void sif_refscan_free(struct sif_refscan *rs)
{
	for (size_t i = 0; i < rs->ntables; i++)
		free(rs->tables[i].hash);
	free(rs->tables);
	memset(rs, 0, sizeof(*rs));
}
