/*
 * The state.db downgrade (sif/statedb_downgrade.h): the exact inverse of
 * statedb_upgrade.c.  The upgrade inserts ` col="default"` after the
 * attribute a column sorts after; so a column is removed together with the
 * whitespace before it, back to the end of the previous attribute.  Only a
 * column that no kept attribute precedes (never in a file xapi wrote: ref
 * comes first) goes with the whitespace after it instead, so that the tag
 * stays `<row a=...`.  Reading, copying and replacing is statedb_edit.c's.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sif/statedb_downgrade.h"
#include "statedb_edit_int.h"

struct downgrade {
	struct statedb_edit e;
	const struct sif_statedb_downgrade_opts *o;
	struct sif_statedb_downgrade_stats *st;
	char first_loss[512];           /* where the first lost value is, for the refusal */
};

static void note_loss(struct downgrade *d, const struct sif_statedb_row *r,
		      const struct sif_statedb_field *f, const struct sif_statedb_attr *a)
{
	struct sif_statedb_loss l = {
		.table = r->table->name, .row = r->index, .ref = r->ref, .column = f->column,
		.value = a->value, .len = a->len, .default_value = f->default_value,
	};

	if (!d->st->lost++)
		snprintf(d->first_loss, sizeof(d->first_loss),
			 "table %s, row %llu (ref %s): %s=\"%.*s\", not the default %s",
			 l.table, (unsigned long long)l.row, l.ref, l.column,
			 (int)(a->len > 128 ? 128 : a->len), a->value, f->default_value);
	if (d->o->on_loss)
		d->o->on_loss(d->o->on_loss_u, &l);
}

static int on_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct downgrade *d = u;
	struct statedb_edit *e = &d->e;
	size_t gone[EDIT_MAX_FIELDS], i, j, k, n = 0;
	uint64_t from = 0, to = 0;

	/* a name appears once in a tag, so at most one attribute per field */
	for (k = 0; k < r->nattrs && n < e->ncur; k++) {
		const struct edit_name *ni = edit_name(e, r->attrs[k].name);

		if (ni->preamble)
			continue;
		for (i = 0; i < e->ncur; i++) {
			const struct sif_statedb_field *f = e->cur[i];

			if (ni->cmp[i])
				continue;
			gone[n++] = k;
			if (!sif_xapi_protected_equals(r->attrs[k].value, r->attrs[k].len,
						       f->default_value, strlen(f->default_value)))
				note_loss(d, r, f, &r->attrs[k]);
		}
	}
	if (!n)
		return 0;
	d->st->removed += n;
	if (edit_attr_spans(e, r, err) < 0)
		return -1;
	/* one range per run of removed attributes, merged where they touch */
	for (j = 0; j < n; j++) {
		uint64_t a, b;

		k = gone[j];
		if (k > j) {    /* a kept attribute comes before it */
			a = e->spans[2 * (k - 1) + 1];
			b = e->spans[2 * k + 1];
		} else {
			a = e->spans[2 * k];
			b = k + 1 < r->nattrs ? e->spans[2 * (k + 1)] : e->spans[2 * k + 1];
		}
		if (j && a <= to) {
			if (b > to)
				to = b;
			continue;
		}
		if (j && edit_remove(e, from, to, err) < 0)
			return -1;
		from = a;
		to = b;
	}
	return edit_remove(e, from, to, err);
}

static int before_commit(void *u, struct sif_err *err)
{
	struct downgrade *d = u;

	if (!d->st->lost || d->o->force || d->o->dry_run)
		return 0;
	return sif_errf(err, SIF_EREFUSED,
			"%s: %llu value%s other than the column's default would be lost (first: "
			"%s); nothing was written", d->e.o->path, (unsigned long long)d->st->lost,
			d->st->lost == 1 ? "" : "s", d->first_loss);
}

int sif_statedb_downgrade(const char *path, const struct sif_statedb_downgrade_opts *o,
			  struct sif_statedb_downgrade_stats *st, struct sif_err *err)
{
	struct statedb_edit_opts eo = {
		.path = path, .output = o->output, .dry_run = o->dry_run,
		.backup = o->backup, .ignore_xapi = o->ignore_xapi,
		.fields = o->fields, .nfields = o->nfields, .kind = o->kind,
		.kind_u = o->kind_u, .progress = o->progress, .progress_u = o->progress_u,
		.what = "downgrade", .verb = "downgraded", .row = on_row, .before_commit = before_commit,
	};
	const struct edit_counts c = {
		&st->tables, &st->rows, &st->target_rows, &st->bytes_in, &st->bytes_out,
		&st->written, st->backup_path,
	};
	struct downgrade d = { .o = o, .st = st };

	memset(st, 0, sizeof(*st));
	eo.u = &d;
	return edit_run(&eo, &d.e, &c, err);
}
