/*
 * The byte-copying editor of the state.db upgrade and downgrade
 * (statedb_edit_int.h).
 *
 * The output is the input copied through, with attributes inserted or left
 * out.  The original bytes are kept rather than re-serialised from parsed
 * values because a parsed attribute no longer says how it was written
 * (libxml2 resolves entities and turns raw tabs and newlines into spaces;
 * old files carry `%_` and unprotected spaces); only copying guarantees
 * "differs only in the edited attributes" for every file xapi accepts, and
 * it is also the fastest path.  The reader reports where each row's start
 * tag ends; the attribute boundaries are found by walking back over that
 * tag (already checked well-formed by libxml2) and checked against the
 * parsed attribute names.
 *
 * The output file is opened only at the first change (bytes before it are
 * copied from the input then), so an unchanged file costs a read and no
 * write.  A background thread (bgwrite.c) writes while the parser reads
 * on, which keeps the edit near the speed of a parse alone.
 *
 * xapi rewrites state.db (temp file, rename) whenever its database
 * changes.  So the file is read through one descriptor from start to end
 * (the prefix copy and the re-read of an unsorted table too, never the
 * path again), and the result replaces the target only if the target is
 * still that file, unwritten (sif_atomic_commit_over).  In place, a
 * running xapi using the file's directory is refused up front.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/xapi_proc.h"
#include "statedb_edit_int.h"

#define COPY_BUF (1u << 20)

/* --- output ----------------------------------------------------------- */

static int out_put(struct statedb_edit *e, const char *p, size_t n, struct sif_err *err)
{
	if (!e->out_open)
		return 0;
	return bgw_put(e->bg, p, n, err);
}

/* Create the temp output and copy the input's first `upto` bytes into it
 * (those the window no longer holds). */
static int out_open(struct statedb_edit *e, uint64_t upto, struct sif_err *err)
{
	if (e->out_open || !e->target)
		return 0;
	if (sif_atomic_open(&e->af, e->target, 0600, err) < 0)
		return -1;
	/* never more open than the file it is made from */
	sif_atomic_limit_mode(&e->af, e->read_id.mode);
	e->out_open = true;
	if (bgw_start(&e->bg, e->af.fd, e->af.tmp, err) < 0)
		return -1;
	return bgw_copy_prefix(e->bg, e->fd, e->o->path, upto, err);
}

/* Write input bytes from `done` up to absolute offset `upto` (at most the
 * window's end).  The window itself is compacted only when input arrives,
 * so that many edits in one block cost no copying. */
static int pass_through(struct statedb_edit *e, uint64_t upto, struct sif_err *err)
{
	uint64_t end = e->win_off + e->win.len;

	if (upto > end)
		upto = end;
	if (upto <= e->done)
		return 0;
	if (out_put(e, e->win.p + (e->done - e->win_off), (size_t)(upto - e->done), err) < 0)
		return -1;
	e->done = upto;
	return 0;
}

int edit_insert(struct statedb_edit *e, uint64_t at, const char *text, size_t n,
		struct sif_err *err)
{
	if (out_open(e, e->done, err) < 0 || pass_through(e, at, err) < 0)
		return -1;
	return out_put(e, text, n, err);
}

int edit_remove(struct statedb_edit *e, uint64_t from, uint64_t to, struct sif_err *err)
{
	if (out_open(e, e->done, err) < 0 || pass_through(e, from, err) < 0)
		return -1;
	if (to > e->done)
		e->done = to;
	return 0;
}

/* --- the visitor ------------------------------------------------------ */

static int on_input(void *u, const char *buf, size_t len, struct sif_err *err)
{
	struct statedb_edit *e = u;
	size_t drop = (size_t)(e->done - e->win_off);

	if (drop) {
		memmove(e->win.p, e->win.p + drop, e->win.len - drop);
		e->win.len -= drop;
		e->win_off = e->done;
	}
	if (sif_strbuf_add(&e->win, buf, len) < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	e->bytes_in += len;
	if (e->o->progress)
		e->o->progress(e->o->progress_u, e->bytes_in, (uint64_t)e->read_id.size);
	return 0;
}

static int on_consumed(void *u, uint64_t off, struct sif_err *err)
{
	return pass_through(u, off, err);
}

static int on_table_begin(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	struct statedb_edit *e = u;
	size_t i;

	(void)err;
	e->tables++;
	e->ncur = 0;
	memset(e->names, 0, sizeof(e->names));
	for (i = 0; i < e->o->nfields; i++)
		if (!strcmp(e->o->fields[i].table, t->name))
			e->cur[e->ncur++] = &e->o->fields[i];
	return 0;
}

static int on_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct statedb_edit *e = u;

	e->rows++;
	if (!e->ncur)
		return 0;
	e->target_rows++;
	return e->o->row(e->o->u, r, err);
}

/* --- rows ------------------------------------------------------------- */

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
int edit_attr_spans(struct statedb_edit *e, const struct sif_statedb_row *r,
		    struct sif_err *err)
{
	const char *w = e->win.p;
	size_t i, k;

	if (r->nattrs * 2 > e->spans_cap) {
		uint64_t *p = realloc(e->spans, r->nattrs * 2 * sizeof(*p));

		if (!p)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		e->spans = p;
		e->spans_cap = r->nattrs * 2;
	}
	if (r->tag_end < e->win_off || r->tag_end >= e->win_off + e->win.len)
		goto lost;
	i = (size_t)(r->tag_end - e->win_off);
	if (w[i] != '/' && w[i] != '>')
		goto lost;
	for (k = r->nattrs; k-- > 0;) {
		size_t nlen = strlen(r->attrs[k].name);
		char q;

		while (i > 0 && is_space(w[i - 1]))
			i--;
		if (i == 0 || (w[i - 1] != '"' && w[i - 1] != '\''))
			goto lost;
		e->spans[2 * k + 1] = e->win_off + i;
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
		e->spans[2 * k] = e->win_off + i;
	}
	return 0;
lost:
	return sif_errf(err, SIF_EINTERNAL,
			"table %s, row %llu (ref %s): internal error: cannot locate its "
			"attributes in the input bytes (nothing was written)", r->table->name,
			(unsigned long long)r->index, r->ref);
}

bool edit_is_preamble(const char *name)
{
	return !strcmp(name, "ref") || !strcmp(name, "__ctime") || !strcmp(name, "__mtime");
}

const struct edit_name *edit_name(struct statedb_edit *e, const char *name)
{
	size_t h = ((uintptr_t)name >> 4) & (EDIT_NAME_CACHE - 1), i = h, j;
	struct edit_name *ni;

	while (e->names[i].name && e->names[i].name != name) {
		i = (i + 1) & (EDIT_NAME_CACHE - 1);
		if (i == h)
			break;  /* full: overwrite one, it is only a cache */
	}
	ni = &e->names[i];
	if (ni->name == name)
		return ni;
	ni->name = name;
	ni->preamble = edit_is_preamble(name);
	for (j = 0; j < e->ncur; j++) {
		int c = strcmp(name, e->cur[j]->column);

		ni->cmp[j] = (signed char)(c < 0 ? -1 : c > 0);
	}
	return ni;
}

/* --- the file --------------------------------------------------------- */

static bool same_file(const char *a, const char *b)
{
	struct stat x, y;

	return stat(a, &x) == 0 && stat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* Whether the file read is not what the path names any more, or was
 * written since it was opened. */
static bool changed_since_read(struct statedb_edit *e)
{
	struct sif_file_id now;

	/* ctime too: nothing of ours has linked or renamed it yet */
	if (sif_file_id_of_fd(e->fd, e->o->path, &now, NULL) < 0 ||
	    !sif_file_id_same(&now, &e->read_id) || now.ctime_ns != e->read_id.ctime_ns)
		return true;
	return sif_file_id_get(e->o->path, &now) < 0 || !sif_file_id_same_file(&now, &e->read_id);
}

static int say_changed(struct statedb_edit *e, struct sif_err *err)
{
	char was[SIF_ERR_MSG_MAX];

	snprintf(was, sizeof(was), "%s", err->code != SIF_OK ? err->msg : "");
	return sif_errf(err, SIF_ECHANGED,
			"%s changed while it was being %s (is xapi running?): another "
			"program replaced or wrote it after sif opened it; it is left as that "
			"program made it, nothing was written%s%s%s", e->o->path, e->o->verb,
			was[0] ? " (what sif saw: " : "", was, was[0] ? ")" : "");
}

/* Keep the file read as PATH.bak: a hard link of the very file (its inode
 * survives the replacement), else a copy of it. */
static int make_backup(struct statedb_edit *e, struct sif_err *err)
{
	char *bak = e->backup_path, proc[64], *buf = NULL;
	struct sif_atomic_file af;
	uint64_t off = 0;
	int rc = -1;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", e->fd);
	if (linkat(AT_FDCWD, proc, AT_FDCWD, bak, AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno == EEXIST)
		return sif_errf(err, SIF_EREFUSED, "backup %s exists: move it away first", bak);
	if (sif_atomic_open(&af, bak, 0600, err) < 0)
		return -1;
	sif_atomic_limit_mode(&af, e->read_id.mode);
	if (!(buf = malloc(COPY_BUF))) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t got = pread(e->fd, buf, COPY_BUF, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			sif_errno(err, SIF_EIO, "reading %s", e->o->path);
			goto out;
		}
		if (!got)
			break;
		if (sif_write_exact(af.fd, buf, (size_t)got, bak, err) < 0)
			goto out;
		off += (uint64_t)got;
	}
	if (sif_atomic_commit(&af, err) < 0)
		goto out;
	rc = 0;
out:
	sif_atomic_abort(&af);
	free(buf);
	return rc;
}

/* Replace the target with the result: an output file plainly, the file
 * read only if it is still the file read. */
static int commit(struct statedb_edit *e, struct sif_err *err)
{
	if (bgw_finish(e->bg, err) < 0) {
		sif_err_prefix(err, "%s", e->o->path);
		return -1;
	}
	e->bytes_out = bgw_bytes(e->bg);
	if (!e->in_place) {
		if (sif_atomic_commit(&e->af, err) < 0) {
			sif_err_prefix(err, "%s", e->o->path);
			return -1;
		}
		return 0;
	}
	if (changed_since_read(e)) {
		sif_err_clear(err);
		return say_changed(e, err);
	}
	if (e->o->backup && make_backup(e, err) < 0)
		return -1;
	if (sif_atomic_commit_over(&e->af, &e->read_id, err) < 0) {
		/* the original stays in place: a backup of it is not needed and
		 * would block the next attempt */
		if (e->o->backup)
			unlink(e->backup_path);
		if (err->code == SIF_ECHANGED) {
			sif_err_clear(err);
			return say_changed(e, err);
		}
		sif_err_prefix(err, "%s", e->o->path);
		return -1;
	}
	return 0;
}

static int refuse_if_xapi(struct statedb_edit *e, struct sif_err *err)
{
	char dir[PATH_MAX];
	struct sif_xapi_user xu;
	int r;

	snprintf(dir, sizeof(dir), "%s", e->target);
	r = sif_xapi_using_dir(dirname(dir), &xu, err);
	if (r <= 0)
		return r;
	return sif_errf(err, SIF_EREFUSED,
			"%s: xapi (pid %ld) is using %s (%s): it rewrites state.db whenever "
			"its database changes, which would race this; stop xapi first "
			"(--ignore-xapi goes ahead anyway)",
			e->o->path, (long)xu.pid, dir, xu.how);
}

/* Open the input, decide the target, refuse what cannot be done. */
static int begin(struct statedb_edit *e, struct sif_err *err)
{
	const struct statedb_edit_opts *o = e->o;
	struct stat sb;

	e->fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		return sif_errno(err, errno == ENOENT ? SIF_ENOTFOUND : SIF_EIO, "%s", o->path);
	if (sif_file_id_of_fd(e->fd, o->path, &e->read_id, err) < 0)
		return -1;
	if (!e->read_id.regular)
		return sif_errf(err, SIF_EREFUSED, "%s: not a regular file", o->path);
	e->in_place = !o->output || same_file(o->path, o->output);
	if (!o->dry_run)
		e->target = e->in_place ? o->path : o->output;
	if (o->backup && !o->dry_run) {
		snprintf(e->backup_path, sizeof(e->backup_path), "%s.bak", o->path);
		if (access(e->backup_path, F_OK) == 0)
			return sif_errf(err, SIF_EREFUSED,
					"backup %s exists: move it away first", e->backup_path);
	}
	/* A symlinked state.db stays a symlink: replace the file it names. */
	if (e->target == o->path && lstat(o->path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		if (!(e->real = realpath(o->path, NULL)))
			return sif_errno(err, SIF_EIO, "resolving %s", o->path);
		e->target = e->real;
	}
	if (e->target && e->in_place && !o->ignore_xapi && refuse_if_xapi(e, err) < 0)
		return -1;
	/* Leftovers of a killed run go before anything else happens. */
	if (e->target && sif_atomic_clean_stale(e->target, err) < 0)
		return -1;
	return 0;
}

static int run(struct statedb_edit *e, const struct statedb_edit_opts *o, struct sif_err *err)
{
	struct sif_statedb_visitor v = {
		.input = on_input, .consumed = on_consumed,
		.table_begin = on_table_begin, .row = on_row, .kind = o->kind,
		.kind_u = o->kind_u,
	};

	memset(e, 0, sizeof(*e));
	e->o = o;
	e->fd = -1;
	e->af.fd = -1;
	if (o->backup && o->output)
		return sif_errf(err, SIF_EUSAGE,
				"%s: --backup applies to an in-place edit, not with an output file",
				o->path);
	if (begin(e, err) < 0)
		return -1;
	if (sif_statedb_read_fd(e->fd, o->path, &v, e, err) < 0) {
		if (err->code == SIF_ECHANGED || changed_since_read(e))
			return say_changed(e, err);
		return -1;
	}
	if (o->before_commit && o->before_commit(o->u, err) < 0)
		return -1;
	/* A separate output always gets the file, changed or not. */
	if (!e->in_place && out_open(e, e->bytes_in, err) < 0) {
		sif_err_prefix(err, "%s", o->path);
		return -1;
	}
	if (!e->out_open) {
		e->backup_path[0] = '\0';
		return 0;
	}
	if (commit(e, err) < 0)
		return -1;
	e->written = true;
	return 0;
}

static void edit_free(struct statedb_edit *e)
{
	bgw_free(e->bg);
	e->bg = NULL;
	if (e->out_open)
		sif_atomic_abort(&e->af);
	e->out_open = false;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	free(e->real);
	e->real = NULL;
	sif_strbuf_free(&e->win);
	free(e->spans);
	e->spans = NULL;
}

int edit_run(const struct statedb_edit_opts *o, struct statedb_edit *e,
	     const struct edit_counts *c, struct sif_err *err)
{
	int rc;

	if (sif_statedb_check_fields(o->fields, o->nfields, err) < 0) {
		sif_err_prefix(err, "%s", o->what);
		return -1;
	}
	rc = run(e, o, err);
	*c->tables = e->tables;
	*c->rows = e->rows;
	*c->target_rows = e->target_rows;
	*c->bytes_in = e->bytes_in;
	*c->bytes_out = e->bytes_out;
	*c->written = e->written;
	snprintf(c->backup_path, sizeof(e->backup_path), "%s", rc < 0 ? "" : e->backup_path);
	edit_free(e);
	return rc;
}
