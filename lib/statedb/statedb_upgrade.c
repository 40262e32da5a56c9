/*
 * In-place upgrade of a state.db: add a column, with its default, to every
 * row of a table that lacks it, and change no other byte.
 *
 * What is added, and where: each missing column goes where xapi writes it,
 * before the first column that sorts after it (the row preamble ref,
 * __ctime, __mtime aside), escaped as xapi escapes it; a present column
 * must hold a valid value.  Reading, copying the other bytes and replacing
 * the file (only if it is still the file read) is statedb_edit.c's;
 * statedb_downgrade.c is the inverse.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/statedb.h"
#include "sif/strbuf.h"
#include "statedb_edit_int.h"

struct insertion {
	uint64_t at;            /* absolute input offset */
	const struct sif_statedb_field *f;
	bool before;            /* text goes before an attribute: `col="v" ` */
};

struct upgrade {
	struct statedb_edit e;
	struct sif_statedb_upgrade_stats *st;
	struct sif_strbuf text;
};

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

/* Where a missing column goes: before the first column that sorts after it. */
static struct insertion place(struct upgrade *g, const struct sif_statedb_row *r,
			      size_t field)
{
	struct statedb_edit *e = &g->e;
	struct insertion ins = { .f = e->cur[field] };
	size_t k;

	for (k = 0; k < r->nattrs; k++) {
		const struct edit_name *ni = edit_name(e, r->attrs[k].name);

		if (ni->preamble || ni->cmp[field] < 0)
			continue;
		if (k == 0) {
			ins.at = e->spans[0];
			ins.before = true;
		} else {
			ins.at = e->spans[2 * (k - 1) + 1];
		}
		return ins;
	}
	ins.at = e->spans[2 * (r->nattrs - 1) + 1];
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
	return edit_insert(&g->e, ins->at, g->text.p, g->text.len, err);
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
	struct statedb_edit *e = &g->e;
	struct insertion ins[EDIT_MAX_FIELDS];
	size_t present[EDIT_MAX_FIELDS], i, k, nins = 0;

	for (i = 0; i < e->ncur; i++)
		present[i] = SIZE_MAX;
	for (k = 0; k < r->nattrs; k++) {
		const struct edit_name *ni = edit_name(e, r->attrs[k].name);

		for (i = 0; i < e->ncur; i++)
			if (!ni->preamble && ni->cmp[i] == 0)
				present[i] = k;
	}
	for (i = 0; i < e->ncur; i++) {
		if (present[i] != SIZE_MAX) {
			if (check_present(g, e->cur[i], &r->attrs[present[i]], err) < 0)
				return -1;
			g->st->kept++;
			continue;
		}
		if (!nins && edit_attr_spans(e, r, err) < 0)
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

int sif_statedb_check_fields(const struct sif_statedb_field *fields, size_t nfields,
			     struct sif_err *err)
{
	size_t i;

	if (!nfields || nfields > EDIT_MAX_FIELDS)
		return sif_errf(err, SIF_EUSAGE, "between 1 and %d fields", EDIT_MAX_FIELDS);
	for (i = 0; i < nfields; i++) {
		const struct sif_statedb_field *f = &fields[i];
		const char *const *v;

		if (!f->table || !f->column || !f->default_value || !*f->column ||
		    edit_is_preamble(f->column) || !strcmp(f->column, "_ref"))
			return sif_errf(err, SIF_EUSAGE, "field %zu is incomplete", i);
		for (v = f->allowed; v && *v; v++)
			if (!strcmp(*v, f->default_value))
				break;
		if (f->allowed && !*v)
			return sif_errf(err, SIF_EUSAGE,
					"default %s of %s.%s is not an allowed value",
					f->default_value, f->table, f->column);
	}
	return 0;
}

int sif_statedb_upgrade(const char *path, const struct sif_statedb_upgrade_opts *o,
			struct sif_statedb_upgrade_stats *st, struct sif_err *err)
{
	struct statedb_edit_opts eo = {
		.path = path, .output = o->output, .dry_run = o->dry_run,
		.backup = o->backup, .ignore_xapi = o->ignore_xapi,
		.fields = o->fields, .nfields = o->nfields, .kind = o->kind,
		.kind_u = o->kind_u, .progress = o->progress, .progress_u = o->progress_u,
		.what = "upgrade", .verb = "upgraded", .row = on_row,
	};
	const struct edit_counts c = {
		&st->tables, &st->rows, &st->target_rows, &st->bytes_in, &st->bytes_out,
		&st->written, st->backup_path,
	};
	struct upgrade g = { .st = st };
	int rc;

	memset(st, 0, sizeof(*st));
	eo.u = &g;
	rc = edit_run(&eo, &g.e, &c, err);
	sif_strbuf_free(&g.text);
	return rc;
}
