/*
 * In-place upgrade of a state.db: add a column, with its default, to every
 * row of a table that lacks it, and change no other byte.
 *
 * The output is the input copied through, with the new attributes inserted
 * where xapi would write them.  The original bytes are kept rather than
 * re-serialised from parsed values because a parsed attribute no longer
 * says how it was written (libxml2 resolves entities and turns raw tabs and
 * newlines into spaces; old files carry `%_` and unprotected spaces); only
 * copying guarantees "differs only in the added attributes" for every file
 * xapi accepts, and it is also the fastest path.  The reader reports where
 * each row's start tag ends; the attribute boundaries are found by walking
 * back over that tag (already checked well-formed by libxml2) and checked
 * against the parsed attribute names.
 *
 * The output file is opened only at the first change (bytes before it are
 * copied from the input then), so an up-to-date file costs a read and no
 * write, and is replaced atomically (sif_atomic_*) when complete.  A
 * background thread (bgwrite.c) writes while the parser reads on, which
 * keeps the upgrade near the speed of a parse alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bgwrite.h"
#include "sif/io.h"
#include "sif/statedb.h"
#include "sif/strbuf.h"

#define MAX_FIELDS 16
#define COPY_BUF (1u << 20)
#define NAME_CACHE 512

/* What a column name is to the current table's fields, cached by the
 * parser's interned name pointer (strcmp per attribute per row is the
 * upgrade's largest cost otherwise). */
struct name_info {
	const char *name;
	bool preamble;
	signed char cmp[MAX_FIELDS];    /* sign of strcmp(name, field column) */
};

struct insertion {
	uint64_t at;            /* absolute input offset */
	const struct sif_statedb_field *f;
	bool before;            /* text goes before an attribute: `col="v" ` */
};

struct upgrade {
	const struct sif_statedb_upgrade_opts *o;
	struct sif_statedb_upgrade_stats *st;
	const char *path;       /* input */
	const char *target;     /* where the result goes (NULL: dry run) */
	uint64_t in_size;

	struct sif_atomic_file af;
	bool out_open;
	struct bgwrite *bg;             /* writes af.fd while we parse */

	/* Input bytes [win_off, win_off + win.len) of which those before `done`
	 * are already written (or, before the output exists, skipped). */
	struct sif_strbuf win;
	uint64_t win_off, done;

	const struct sif_statedb_field *cur[MAX_FIELDS];   /* fields of the current table */
	size_t ncur;
	struct name_info names[NAME_CACHE];
	uint64_t *spans;                /* per attribute: start, end (absolute) */
	size_t spans_cap;
	struct sif_strbuf text;
};

/* --- output ----------------------------------------------------------- */

static int out_put(struct upgrade *g, const char *p, size_t n, struct sif_err *err)
{
	if (!g->out_open)
		return 0;
	return bgw_put(g->bg, p, n, err);
}

/* Create the temp output and copy the input's first `upto` bytes into it
 * (those the window no longer holds). */
static int out_open(struct upgrade *g, uint64_t upto, struct sif_err *err)
{
	struct stat st;

	if (g->out_open || !g->target)
		return 0;
	if (stat(g->path, &st) < 0)
		return sif_errno(err, SIF_EIO, "%s", g->path);
	if (sif_atomic_open(&g->af, g->target, st.st_mode & 07777, err) < 0)
		return -1;
	g->out_open = true;
	if (bgw_start(&g->bg, g->af.fd, g->af.tmp, err) < 0)
		return -1;
	return bgw_copy_prefix(g->bg, g->path, upto, err);
}

/* Write input bytes from `done` up to absolute offset `upto` (at most the
 * window's end).  The window itself is compacted only when input arrives,
 * so that many insertions in one block cost no copying. */
static int pass_through(struct upgrade *g, uint64_t upto, struct sif_err *err)
{
	uint64_t end = g->win_off + g->win.len;

	if (upto > end)
		upto = end;
	if (upto <= g->done)
		return 0;
	if (out_put(g, g->win.p + (g->done - g->win_off), (size_t)(upto - g->done), err) < 0)
		return -1;
	g->done = upto;
	return 0;
}

/* --- the visitor ------------------------------------------------------ */

static int on_input(void *u, const char *buf, size_t len, struct sif_err *err)
{
	struct upgrade *g = u;
	size_t drop = (size_t)(g->done - g->win_off);

	if (drop) {
		memmove(g->win.p, g->win.p + drop, g->win.len - drop);
		g->win.len -= drop;
		g->win_off = g->done;
	}
	if (sif_strbuf_add(&g->win, buf, len) < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	g->st->bytes_in += len;
	if (g->o->progress)
		g->o->progress(g->o->progress_u, g->st->bytes_in, g->in_size);
	return 0;
}

static int on_consumed(void *u, uint64_t off, struct sif_err *err)
{
	struct upgrade *g = u;

	return pass_through(g, off, err);
}

static int on_table_begin(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	struct upgrade *g = u;
	size_t i;

	(void)err;
	g->st->tables++;
	g->ncur = 0;
	memset(g->names, 0, sizeof(g->names));
	for (i = 0; i < g->o->nfields; i++)
		if (!strcmp(g->o->fields[i].table, t->name))
			g->cur[g->ncur++] = &g->o->fields[i];
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Find each attribute's [start of name, end after closing quote) by walking
 * back from the end of the start tag.  Inside a well-formed tag a quoted
 * value cannot contain its own quote character, so the walk is exact; the
 * names found must be the parser's, else the offsets are not what we think.
 */
static int attr_spans(struct upgrade *g, const struct sif_statedb_row *r,
		      struct sif_err *err)
{
	const char *w = g->win.p;
	size_t i, k;

	if (r->nattrs * 2 > g->spans_cap) {
		uint64_t *p = realloc(g->spans, r->nattrs * 2 * sizeof(*p));

		if (!p)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		g->spans = p;
		g->spans_cap = r->nattrs * 2;
	}
	if (r->tag_end < g->win_off || r->tag_end >= g->win_off + g->win.len)
		goto lost;
	i = (size_t)(r->tag_end - g->win_off);
	if (w[i] != '/' && w[i] != '>')
		goto lost;
	for (k = r->nattrs; k-- > 0;) {
		size_t nlen = strlen(r->attrs[k].name);
		char q;

		while (i > 0 && is_space(w[i - 1]))
			i--;
		if (i == 0 || (w[i - 1] != '"' && w[i - 1] != '\''))
			goto lost;
		g->spans[2 * k + 1] = g->win_off + i;
		q = w[--i];
		while (i > 0 && w[i - 1] != q)
			i--;
		if (i == 0)
			goto lost;
		i--;    /* the opening quote */
		while (i > 0 && is_space(w[i - 1]))
			i--;
		if (i == 0 || w[i - 1] != '=')
			goto lost;
		i--;
		while (i > 0 && is_space(w[i - 1]))
			i--;
		if (i < nlen || memcmp(w + i - nlen, r->attrs[k].name, nlen))
			goto lost;
		i -= nlen;
		g->spans[2 * k] = g->win_off + i;
	}
	return 0;
lost:
	return sif_errf(err, SIF_EINTERNAL,
			"table %s, row %llu (ref %s): internal error: cannot locate its "
			"attributes in the input bytes (nothing was written)", r->table->name,
			(unsigned long long)r->index, r->ref);
}

static int check_present(struct upgrade *g, const struct sif_statedb_field *f,
			 const struct sif_statedb_attr *a, struct sif_err *err)
{
	const char *const *v;
	char list[256] = "";
	size_t n = 0;

	if (f->allowed) {
		for (v = f->allowed; *v; v++) {
			if (sif_xapi_protected_equals(a->value, a->len, *v, strlen(*v)))
				break;
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
					      v == f->allowed ? "" : ", ", *v);
			if (n >= sizeof(list))
				n = sizeof(list) - 1;
		}
		if (!*v)
			return sif_errf(err, SIF_EFORMAT,
					"%s=\"%.*s\" is not a valid value (expected one of: %s)",
					f->column, (int)a->len, a->value, list);
	}
	if (!f->validate)
		return 0;
	sif_strbuf_reset(&g->text);
	/* the reader has checked the escaping already */
	if (sif_xapi_unprotect(a->value, a->len, &g->text, NULL) < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (f->validate(f->validate_u, g->text.p ? g->text.p : "", err) < 0) {
		sif_err_prefix(err, "%s=\"%.*s\"", f->column, (int)a->len, a->value);
		return -1;
	}
	return 0;
}

static bool is_preamble(const char *name)
{
	return !strcmp(name, "ref") || !strcmp(name, "__ctime") || !strcmp(name, "__mtime");
}

static const struct name_info *name_info(struct upgrade *g, const char *name)
{
	size_t h = ((uintptr_t)name >> 4) & (NAME_CACHE - 1), i = h, j;
	struct name_info *ni;

	while (g->names[i].name && g->names[i].name != name) {
		i = (i + 1) & (NAME_CACHE - 1);
		if (i == h)
			break;  /* full: overwrite one, it is only a cache */
	}
	ni = &g->names[i];
	if (ni->name == name)
		return ni;
	ni->name = name;
	ni->preamble = is_preamble(name);
	for (j = 0; j < g->ncur; j++) {
		int c = strcmp(name, g->cur[j]->column);

		ni->cmp[j] = (signed char)(c < 0 ? -1 : c > 0);
	}
	return ni;
}

/* Where a missing column goes: before the first column that sorts after it. */
static struct insertion place(struct upgrade *g, const struct sif_statedb_row *r,
			      size_t field)
{
	struct insertion ins = { .f = g->cur[field] };
	size_t k;

	for (k = 0; k < r->nattrs; k++) {
		const struct name_info *ni = name_info(g, r->attrs[k].name);

		if (ni->preamble || ni->cmp[field] < 0)
			continue;
		if (k == 0) {
			ins.at = g->spans[0];
			ins.before = true;
		} else {
			ins.at = g->spans[2 * (k - 1) + 1];
		}
		return ins;
	}
	ins.at = g->spans[2 * (r->nattrs - 1) + 1];
	return ins;
}

static int insert(struct upgrade *g, const struct insertion *ins, struct sif_err *err)
{
	size_t bad;
	int rc;

	sif_strbuf_reset(&g->text);
	if (!ins->before && sif_strbuf_addc(&g->text, ' ') < 0)
		goto nomem;
	if (sif_strbuf_adds(&g->text, ins->f->column) < 0 || sif_strbuf_adds(&g->text, "=\"") < 0)
		goto nomem;
	rc = sif_xapi_encode_attr(ins->f->default_value, strlen(ins->f->default_value),
				  &g->text, &bad);
	if (rc == -1)
		return sif_errf(err, SIF_EUSAGE, "default of %s is not valid UTF-8 text",
				ins->f->column);
	if (rc < 0 || sif_strbuf_addc(&g->text, '"') < 0 ||
	    (ins->before && sif_strbuf_addc(&g->text, ' ') < 0))
		goto nomem;
	if (out_open(g, g->done, err) < 0)
		return -1;
	if (pass_through(g, ins->at, err) < 0)
		return -1;
	return out_put(g, g->text.p, g->text.len, err);
nomem:
	return sif_errf(err, SIF_ENOMEM, "out of memory");
}

static int by_offset(const void *a, const void *b)
{
	const struct insertion *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return strcmp(x->f->column, y->f->column);
}

static int on_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct upgrade *g = u;
	struct insertion ins[MAX_FIELDS];
	size_t present[MAX_FIELDS], i, k, nins = 0;

	g->st->rows++;
	if (!g->ncur)
		return 0;
	g->st->target_rows++;
	for (i = 0; i < g->ncur; i++)
		present[i] = SIZE_MAX;
	for (k = 0; k < r->nattrs; k++) {
		const struct name_info *ni = name_info(g, r->attrs[k].name);

		for (i = 0; i < g->ncur; i++)
			if (!ni->preamble && ni->cmp[i] == 0)
				present[i] = k;
	}
	for (i = 0; i < g->ncur; i++) {
		if (present[i] != SIZE_MAX) {
			if (check_present(g, g->cur[i], &r->attrs[present[i]], err) < 0)
				return -1;
			g->st->kept++;
			continue;
		}
		if (!nins && attr_spans(g, r, err) < 0)
			return -1;
		ins[nins++] = place(g, r, i);
	}
	qsort(ins, nins, sizeof(*ins), by_offset);
	for (i = 0; i < nins; i++) {
		if (insert(g, &ins[i], err) < 0)
			return -1;
		g->st->added++;
	}
	return 0;
}

/* --- driver ----------------------------------------------------------- */

static int check_opts(const char *path, const struct sif_statedb_upgrade_opts *o,
		      struct sif_err *err)
{
	size_t i;

	if (!o->nfields || o->nfields > MAX_FIELDS)
		return sif_errf(err, SIF_EUSAGE, "upgrade: between 1 and %d fields", MAX_FIELDS);
	for (i = 0; i < o->nfields; i++) {
		const struct sif_statedb_field *f = &o->fields[i];
		const char *const *v;

		if (!f->table || !f->column || !f->default_value || !*f->column ||
		    is_preamble(f->column) || !strcmp(f->column, "_ref"))
			return sif_errf(err, SIF_EUSAGE, "upgrade: field %zu is incomplete", i);
		for (v = f->allowed; v && *v; v++)
			if (!strcmp(*v, f->default_value))
				break;
		if (f->allowed && !*v)
			return sif_errf(err, SIF_EUSAGE,
					"upgrade: default %s of %s.%s is not an allowed value",
					f->default_value, f->table, f->column);
	}
	if (o->backup && o->output)
		return sif_errf(err, SIF_EUSAGE,
				"%s: --backup applies to an in-place upgrade, not with an output file",
				path);
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* Keep the original as PATH.bak: a hard link (the old inode survives the
 * rename), else a copy. */
static int make_backup(struct upgrade *g, struct sif_err *err)
{
	char *bak = g->st->backup_path;
	struct sif_atomic_file af;
	char *buf = NULL;
	int fd = -1, rc = -1;

	if (link(g->path, bak) == 0)
		return 0;
	if (errno == EEXIST)
		return sif_errf(err, SIF_EREFUSED, "backup %s exists: move it away first", bak);
	if (sif_atomic_open(&af, bak, 0600, err) < 0)
		return -1;
	fd = open(g->path, O_RDONLY | O_CLOEXEC);
	buf = malloc(COPY_BUF);
	if (fd < 0 || !buf) {
		sif_errno(err, SIF_EIO, "opening %s", g->path);
		goto out;
	}
	for (;;) {
		ssize_t got = sif_read_full(fd, buf, COPY_BUF);

		if (got < 0) {
			sif_errno(err, SIF_EIO, "reading %s", g->path);
			goto out;
		}
		if (sif_write_exact(af.fd, buf, (size_t)got, bak, err) < 0)
			goto out;
		if ((size_t)got < COPY_BUF)
			break;
	}
	if (sif_atomic_commit(&af, err) < 0)
		goto out;
	rc = 0;
out:
	sif_atomic_abort(&af);
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int sif_statedb_upgrade(const char *path, const struct sif_statedb_upgrade_opts *o,
			struct sif_statedb_upgrade_stats *st, struct sif_err *err)
{
	struct sif_statedb_visitor v = {
		.input = on_input, .consumed = on_consumed,
		.table_begin = on_table_begin, .row = on_row, .kind = o->kind,
		.kind_u = o->kind_u,
	};
	struct upgrade g = { .o = o, .st = st, .path = path };
	char *real = NULL;
	struct stat sb;
	bool in_place;
	int rc = -1;

	memset(st, 0, sizeof(*st));
	g.af.fd = -1;
	if (check_opts(path, o, err) < 0)
		return -1;
	if (stat(path, &sb) < 0)
		return sif_errno(err, errno == ENOENT ? SIF_ENOTFOUND : SIF_EIO, "%s", path);
	if (!S_ISREG(sb.st_mode))
		return sif_errf(err, SIF_EREFUSED, "%s: not a regular file", path);
	g.in_size = (uint64_t)sb.st_size;
	in_place = !o->output || same_file(path, o->output);
	if (!o->dry_run)
		g.target = in_place ? path : o->output;
	if (o->backup && !o->dry_run) {
		snprintf(st->backup_path, sizeof(st->backup_path), "%s.bak", path);
		if (access(st->backup_path, F_OK) == 0)
			return sif_errf(err, SIF_EREFUSED,
					"backup %s exists: move it away first", st->backup_path);
	}
	/* A symlinked state.db stays a symlink: replace the file it names. */
	if (g.target == path && lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		if (!(real = realpath(path, NULL)))
			return sif_errno(err, SIF_EIO, "resolving %s", path);
		g.target = real;
	}
	/* Leftovers of a killed run go before anything else happens. */
	if (g.target && sif_atomic_clean_stale(g.target, err) < 0)
		goto out;
	if (sif_statedb_read_file(path, &v, &g, err) < 0)
		goto out;
	/* A separate output always gets the file, changed or not. */
	if (!in_place && out_open(&g, st->bytes_in, err) < 0) {
		sif_err_prefix(err, "%s", path);
		goto out;
	}
	if (g.out_open) {
		if (bgw_finish(g.bg, err) < 0) {
			sif_err_prefix(err, "%s", path);
			goto out;
		}
		st->bytes_out = bgw_bytes(g.bg);
		if (o->backup && make_backup(&g, err) < 0)
			goto out;
		if (sif_atomic_commit(&g.af, err) < 0) {
			sif_err_prefix(err, "%s", path);
			/* the original stays in place: a backup of it is not needed
			 * and would block the next attempt */
			if (o->backup)
				unlink(st->backup_path);
			goto out;
		}
		st->written = true;
	}
	if (!st->written)
		st->backup_path[0] = '\0';
	rc = 0;
out:
	bgw_free(g.bg);
	if (g.out_open)
		sif_atomic_abort(&g.af);
	free(real);
	sif_strbuf_free(&g.win);
	sif_strbuf_free(&g.text);
	free(g.spans);
	return rc;
}
