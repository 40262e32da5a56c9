/*
 * Object access over the narrow DB interface.  SQL identifiers come only
 * from the registry (names checked at registration); values are always
 * bound parameters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "sif/objects.h"

/* A growable string for building SQL. */
struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, b->cap);
		if (!ns) {
			b->oom = 1;
			return;
		}
		b->s = ns;
	}
}

int sif_obj_field_present(struct sif_db *db, const struct sif_field *f,
			  bool *present, struct sif_err *err)
{
	return sif_db_has_column(db, f->cls, f->name, present, err);
}

int sif_obj_require_field(struct sif_db *db, const struct sif_field *f,
			  struct sif_err *err)
{
	bool present;

	if (sif_obj_field_present(db, f, &present, err) < 0)
		return -1;
	if (!present)
		return sif_errf(err, SIF_EREFUSED,
				"%s: field %s.%s is not in this database yet (migration %s "
				"pending): run 'sif db migrate'", sif_db_path(db), f->cls,
				f->name, f->introduced);
	return 0;
}

int sif_obj_list(struct sif_db *db, const char *cls,
		 const struct sif_filter *filters, size_t nfilters,
		 const struct sif_field *const *fields, size_t nfields,
		 sif_row_cb cb, void *arg, struct sif_err *err)
{
	struct sbuf sql = { 0 };
	struct sif_stmt *st = NULL;
	const char **vals = NULL;
	size_t i;
	int rc = -1, s;

	for (i = 0; i < nfields; i++)
		if (sif_obj_require_field(db, fields[i], err) < 0)
			return -1;
	for (i = 0; i < nfilters; i++)
		if (sif_obj_require_field(db, filters[i].field, err) < 0)
			return -1;
	sb_add(&sql, "SELECT _ref");
	for (i = 0; i < nfields; i++)
		sb_add(&sql, ", \"%s\"", fields[i]->name);
	sb_add(&sql, " FROM \"%s\"", cls);
	for (i = 0; i < nfilters; i++)
		sb_add(&sql, "%s \"%s\" = ?%zu", i ? " AND" : " WHERE",
		       filters[i].field->name, i + 1);
	sb_add(&sql, " ORDER BY rowid");
	vals = calloc(nfields + 1, sizeof(*vals));
	if (sql.oom || !vals) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if (sif_db_prepare(db, sql.s, &st, err) < 0)
		goto out;
	for (i = 0; i < nfilters; i++)
		if (sif_stmt_bind_text(st, (int)i + 1, filters[i].value, err) < 0)
			goto out;
	while ((s = sif_stmt_step(st, err)) == SIF_ROW) {
		for (i = 0; i < nfields; i++) {
			vals[i] = sif_stmt_text(st, (int)i + 1);
			if (!vals[i])
				vals[i] = "";
		}
		if (cb(arg, sif_stmt_text(st, 0), vals, err) < 0)
			goto out;
	}
	if (s < 0)
		goto out;
	rc = 0;
out:
	sif_stmt_finalize(st);
	free(vals);
	free(sql.s);
	return rc;
}

int sif_obj_query_text(struct sif_db *db, const char *sql, const char *p1,
		       char **out, struct sif_err *err)
{
	struct sif_stmt *st;
	int s;

	*out = NULL;
	if (sif_db_prepare(db, sql, &st, err) < 0)
		return -1;
	if (sif_stmt_bind_text(st, 1, p1, err) < 0) {
		sif_stmt_finalize(st);
		return -1;
	}
	s = sif_stmt_step(st, err);
	if (s == SIF_ROW) {
		const char *t = sif_stmt_text(st, 0);

		*out = strdup(t ? t : "");
		if (!*out)
			s = sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	sif_stmt_finalize(st);
	return s;
}

int sif_obj_ref(struct sif_db *db, const char *cls, const char *uuid,
		char **ref, struct sif_err *err)
{
	char sql[128];
	int s;

	snprintf(sql, sizeof(sql), "SELECT _ref FROM \"%s\" WHERE uuid = ?1", cls);
	s = sif_obj_query_text(db, sql, uuid, ref, err);
	if (s == SIF_DONE)
		return sif_errf(err, SIF_ENOTFOUND, "no %s with uuid %s", cls, uuid);
	return s < 0 ? -1 : 0;
}

int sif_obj_get_by_ref(struct sif_db *db, const char *ref,
		       const struct sif_field *f, char **value, struct sif_err *err)
{
	char sql[256];
	int s;

	if (sif_obj_require_field(db, f, err) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\" WHERE _ref = ?1",
		 f->name, f->cls);
	s = sif_obj_query_text(db, sql, ref, value, err);
	if (s == SIF_DONE)
		return sif_errf(err, SIF_ENOTFOUND, "no %s with ref %s", f->cls, ref);
	return s < 0 ? -1 : 0;
}

int sif_obj_set_by_ref(struct sif_db *db, const char *ref,
		       const struct sif_field *f, const char *value, unsigned flags,
		       struct sif_err *err)
{
	struct sif_stmt *st = NULL;
	char sql[256];
	int rc = -1;

	if ((flags & SIF_SET_AS_ADMIN) && !(f->flags & SIF_FIELD_ADMIN_SETTABLE))
		return sif_errf(err, SIF_EREFUSED, "field %s.%s is read-only", f->cls, f->name);
	if (sif_field_validate(f, value, err) < 0 || sif_obj_require_field(db, f, err) < 0)
		return -1;
	snprintf(sql, sizeof(sql), "UPDATE \"%s\" SET \"%s\" = ?1 WHERE _ref = ?2",
		 f->cls, f->name);
	if (sif_db_prepare(db, sql, &st, err) < 0 ||
	    sif_stmt_bind_text(st, 1, value, err) < 0 ||
	    sif_stmt_bind_text(st, 2, ref, err) < 0 ||
	    sif_stmt_step(st, err) < 0)
		goto out;
	if (sif_db_changes(db) != 1) {
		sif_errf(err, SIF_ENOTFOUND, "no %s with ref %s", f->cls, ref);
		goto out;
	}
	rc = 0;
out:
	sif_stmt_finalize(st);
	return rc;
}

int sif_uuid_random(char out[37], struct sif_err *err)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return sif_errno(err, SIF_EIO, "getrandom");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
		 b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

static const char *given(const char *const *names, const char *const *values,
			 size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return values[i];
	return NULL;
}

int sif_obj_insert(struct sif_ctx *ctx, struct sif_db *db, const char *cls,
		   const char *const *names, const char *const *values, size_t n,
		   char **ref_out, struct sif_err *err)
{
	struct sbuf sql = { 0 }, marks = { 0 };
	struct sif_stmt *st = NULL;
	size_t i, nf = sif_ctx_nfields(ctx, cls), nb = 0;
	const char **bind = calloc(nf + 1, sizeof(*bind));
	char uuid[37], refbuf[64], *ref = NULL;
	const char *v;
	int rc = -1;

	if (!bind)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	for (i = 0; i < n; i++)
		if (strcmp(names[i], "_ref") && !sif_ctx_field(ctx, cls, names[i])) {
			sif_errf(err, SIF_ENOTFOUND, "class %s has no field %s", cls, names[i]);
			goto out;
		}
	if (!(v = given(names, values, n, "uuid"))) {
		if (sif_uuid_random(uuid, err) < 0)
			goto out;
		v = uuid;
	}
	if (!(ref = (char *)given(names, values, n, "_ref"))) {
		char r[37];

		if (sif_uuid_random(r, err) < 0)
			goto out;
		snprintf(refbuf, sizeof(refbuf), "OpaqueRef:%s", r);
		ref = refbuf;
	}
	ref = strdup(ref);
	if (!ref) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	sb_add(&sql, "INSERT INTO \"%s\" (_ref", cls);
	sb_add(&marks, "?1");
	bind[nb++] = ref;
	for (i = 0; i < nf; i++) {
		const struct sif_field *f = sif_ctx_field_at(ctx, cls, i);
		bool present;

		v = !strcmp(f->name, "uuid") && !given(names, values, n, "uuid") ? uuid :
		    given(names, values, n, f->name);
		if (!v) {
			/* fields of migrations not applied yet take the column default */
			if (sif_obj_field_present(db, f, &present, err) < 0)
				goto out;
			if (!present)
				continue;
			v = f->default_value;
		}
		if (!v) {
			sif_errf(err, SIF_EUSAGE, "new %s needs a value for %s", cls, f->name);
			goto out;
		}
		if (sif_field_validate(f, v, err) < 0)
			goto out;
		sb_add(&sql, ", \"%s\"", f->name);
		sb_add(&marks, ", ?%zu", nb + 1);
		bind[nb++] = v;
	}
	sb_add(&sql, ") VALUES (%s)", marks.s ? marks.s : "");
	if (sql.oom || marks.oom) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if (sif_db_prepare(db, sql.s, &st, err) < 0)
		goto out;
	for (i = 0; i < nb; i++)
		if (sif_stmt_bind_text(st, (int)i + 1, bind[i], err) < 0)
			goto out;
	if (sif_stmt_step(st, err) < 0)
		goto out;
	if (ref_out) {
		*ref_out = ref;
		ref = NULL;
	}
	rc = 0;
out:
	sif_stmt_finalize(st);
	free(sql.s);
	free(marks.s);
	free(bind);
	free(ref);
	return rc;
}
