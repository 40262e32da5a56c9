/*
 * The registry: which classes and fields exist (core + plugins), which
 * plugins are loaded, and the order of migrations.  Plugin files are
 * opened and checked in lib/datamodel/plugin_loader.c; this file only accepts
 * descriptions and refuses clashes.
 */
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sif/ctx.h"
#include "sif/embedded.h"
#include "ctx_internal.h"

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	*cap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, *cap * elem);
	if (!p)
		return -1;
	*arr = p;
	return 0;
}

static int add_migration(struct sif_ctx *ctx, const char *id, const char *sql,
			 const char *down, const char *doc, const char *owner,
			 struct sif_err *err)
{
	struct mig_entry *m;

	if (grow((void **)&ctx->migs, &ctx->migs_cap, ctx->nmigs, sizeof(m)) < 0 ||
	    !(m = calloc(1, sizeof(*m))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	ctx->migs[ctx->nmigs++] = m;
	m->id = strdup(id);
	m->m.sql = sql;
	m->m.down = down;
	m->m.doc = doc;
	m->owner = owner;
	if (!m->id)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	m->m.id = m->id;
	return 0;
}

/* "migrations/0001_indexes.sql" -> "0001_indexes"; schema/base.sql -> 0000_base */
static int core_migrations(struct sif_ctx *ctx, struct sif_err *err)
{
	const struct sif_embedded_sql *e;

	for (e = sif_embedded_sql; e->path; e++) {
		if (!strcmp(e->path, "schema/base.sql") &&
		    add_migration(ctx, "0000_base", e->text, NULL,
				  "base schema: pool, host, SR, VDI, VBD, VM", "core", err) < 0)
			return -1;
	}
	for (e = sif_embedded_sql; e->path; e++) {
		const char *base, *dot;
		char id[128];

		if (strncmp(e->path, "migrations/", 11))
			continue;
		base = e->path + 11;
		dot = strrchr(base, '.');
		snprintf(id, sizeof(id), "%.*s", (int)(dot ? dot - base : (long)strlen(base)), base);
		if (add_migration(ctx, id, e->text, NULL, "core migration", "core", err) < 0)
			return -1;
	}
	return 0;
}

static int add_field(struct sif_ctx *ctx, const struct sif_field *f,
		     const char *owner, const char *introduced, struct sif_err *err)
{
	struct field_entry *fe;

	if (grow((void **)&ctx->fields, &ctx->fields_cap, ctx->nfields, sizeof(fe)) < 0 ||
	    !(fe = calloc(1, sizeof(*fe))))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	ctx->fields[ctx->nfields++] = fe;
	fe->f = *f;
	fe->owner = owner;
	fe->introduced = NULL;
	if (introduced) {
		if (!(fe->introduced = strdup(introduced)))
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		fe->f.introduced = fe->introduced;
	}
	return 0;
}

int sif_ctx_new(struct sif_ctx **out, struct sif_err *err)
{
	struct sif_ctx *ctx = calloc(1, sizeof(*ctx));
	const struct sif_field *f;

	*out = NULL;
	if (!ctx)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	for (f = sif_core_fields; f->cls; f++)
		if (add_field(ctx, f, "core", NULL, err) < 0)
			goto fail;
	if (core_migrations(ctx, err) < 0)
		goto fail;
	*out = ctx;
	return 0;
fail:
	sif_ctx_free(ctx);
	return -1;
}

void sif_ctx_free(struct sif_ctx *ctx)
{
	size_t i;

	if (!ctx)
		return;
	for (i = 0; i < ctx->nfields; i++) {
		free(ctx->fields[i]->introduced);
		free(ctx->fields[i]);
	}
	for (i = 0; i < ctx->nmigs; i++) {
		free(ctx->migs[i]->id);
		free(ctx->migs[i]);
	}
	for (i = 0; i < ctx->nplugins; i++) {
		free((char *)ctx->plugins[i].path);
		if (ctx->handles[i])
			dlclose(ctx->handles[i]);
		free(ctx->owned[i]);
	}
	free(ctx->fields);
	free(ctx->migs);
	free(ctx->plugins);
	free(ctx->handles);
	free(ctx->owned);
	free(ctx);
}

/* --- plugin descriptions ------------------------------------------------ */

static int valid_name(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int valid_field_name(const char *s)
{
	if (!s || !*s || !isalpha((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int valid_id(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static const struct sif_migration *plugin_migration(const struct sif_plugin *p,
						    const char *id)
{
	for (size_t i = 0; i < p->nmigrations; i++)
		if (p->migrations[i].id && !strcmp(p->migrations[i].id, id))
			return &p->migrations[i];
	return NULL;
}

/* Everything a description must satisfy, checked before anything is added. */
static int check_plugin(struct sif_ctx *ctx, const struct sif_plugin *p,
			struct sif_err *err)
{
	size_t i, j;

	if (!valid_name(p->name))
		return sif_errf(err, SIF_EREFUSED,
				"plugin name '%s' is not [a-z0-9_]+", p->name ? p->name : "");
	for (i = 0; i < ctx->nplugins; i++)
		if (!strcmp(ctx->plugins[i].plugin->name, p->name))
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s' is already loaded from %s", p->name,
					ctx->plugins[i].path);
	if ((p->nfields && !p->fields) || (p->nmigrations && !p->migrations))
		return sif_errf(err, SIF_EREFUSED, "plugin '%s': NULL field or migration table",
				p->name);
	for (i = 0; i < p->nmigrations; i++) {
		const struct sif_migration *m = &p->migrations[i];

		if (!valid_id(m->id) || !m->sql)
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s': migration %zu needs an id [A-Za-z0-9_]+ and SQL",
					p->name, i);
		for (j = 0; j < i; j++)
			if (!strcmp(p->migrations[j].id, m->id))
				return sif_errf(err, SIF_EREFUSED,
						"plugin '%s': migration '%s' declared twice",
						p->name, m->id);
	}
	for (i = 0; i < p->nfields; i++) {
		const struct sif_field *f = &p->fields[i], *old;

		if (!f->cls || !sif_ctx_class(ctx, f->cls) || strcmp(sif_ctx_class(ctx, f->cls)->name, f->cls))
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s': field '%s' names unknown class '%s'",
					p->name, f->name ? f->name : "", f->cls ? f->cls : "");
		if (!valid_field_name(f->name) || f->type > SIF_FT_MAP)
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s': field %zu of %s has a bad name or type",
					p->name, i, f->cls);
		if ((old = sif_ctx_field(ctx, f->cls, f->name)))
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s': field %s.%s clashes with the one registered by %s",
					p->name, f->cls, f->name, sif_ctx_field_owner(ctx, old));
		for (j = 0; j < i; j++)
			if (!strcmp(p->fields[j].cls, f->cls) && !strcmp(p->fields[j].name, f->name))
				return sif_errf(err, SIF_EREFUSED,
						"plugin '%s': field %s.%s declared twice",
						p->name, f->cls, f->name);
		if (f->type == SIF_FT_ENUM && (!f->enum_values || !f->enum_values[0]))
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s': enum field %s.%s has no values",
					p->name, f->cls, f->name);
		if (!f->default_value)
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s': field %s.%s needs a default (existing rows get it)",
					p->name, f->cls, f->name);
		if (sif_field_validate(f, f->default_value, err) < 0) {
			sif_err_prefix(err, "plugin '%s': default of field %s.%s",
				       p->name, f->cls, f->name);
			return -1;
		}
		if (!f->introduced || !plugin_migration(p, f->introduced))
			return sif_errf(err, SIF_EREFUSED,
					"plugin '%s': field %s.%s must name the plugin migration "
					"that adds it (introduced '%s')", p->name, f->cls, f->name,
					f->introduced ? f->introduced : "");
	}
	return 0;
}

int ctx_register_plugin(struct sif_ctx *ctx, const struct sif_plugin *p, bool owned,
			const char *path, void *handle, struct sif_err *err)
{
	size_t i, cap;
	char id[256];

	if (check_plugin(ctx, p, err) < 0)
		return -1;
	cap = ctx->nplugins + 1;
	{
		struct sif_plugin_info *pi = realloc(ctx->plugins, cap * sizeof(*pi));
		void **h, **o;

		if (!pi)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		ctx->plugins = pi;
		h = realloc(ctx->handles, cap * sizeof(*h));
		if (!h)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		ctx->handles = h;
		o = realloc(ctx->owned, cap * sizeof(*o));
		if (!o)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		ctx->owned = o;
	}
	ctx->plugins[ctx->nplugins].plugin = p;
	ctx->plugins[ctx->nplugins].path = strdup(path ? path : "(built in)");
	ctx->handles[ctx->nplugins] = handle;
	ctx->owned[ctx->nplugins] = owned ? (void *)p : NULL;
	if (!ctx->plugins[ctx->nplugins].path)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	ctx->nplugins++;
	for (i = 0; i < p->nmigrations; i++) {
		snprintf(id, sizeof(id), "%s/%s", p->name, p->migrations[i].id);
		if (add_migration(ctx, id, p->migrations[i].sql, p->migrations[i].down,
				  p->migrations[i].doc, p->name, err) < 0)
			return -1;
	}
	for (i = 0; i < p->nfields; i++) {
		snprintf(id, sizeof(id), "%s/%s", p->name, p->fields[i].introduced);
		if (add_field(ctx, &p->fields[i], p->name, id, err) < 0)
			return -1;
	}
	return 0;
}

int sif_ctx_add_plugin(struct sif_ctx *ctx, const struct sif_plugin *p,
		       const char *path, struct sif_err *err)
{
	if (!p || p->abi_version != SIF_PLUGIN_ABI_VERSION)
		return sif_errf(err, SIF_EREFUSED,
				"%s: plugin ABI version %u, this sif speaks %u",
				path ? path : "plugin", p ? p->abi_version : 0,
				SIF_PLUGIN_ABI_VERSION);
	return ctx_register_plugin(ctx, p, false, path, NULL, err);
}

/* --- lookups ------------------------------------------------------------ */

size_t sif_ctx_nplugins(const struct sif_ctx *ctx)
{
	return ctx->nplugins;
}

const struct sif_plugin_info *sif_ctx_plugin_at(const struct sif_ctx *ctx, size_t i)
{
	return i < ctx->nplugins ? &ctx->plugins[i] : NULL;
}

size_t sif_ctx_nclasses(const struct sif_ctx *ctx)
{
	size_t n = 0;

	(void)ctx;
	while (sif_core_classes[n].name)
		n++;
	return n;
}

const struct sif_class *sif_ctx_class_at(const struct sif_ctx *ctx, size_t i)
{
	return i < sif_ctx_nclasses(ctx) ? &sif_core_classes[i] : NULL;
}

const struct sif_class *sif_ctx_class(const struct sif_ctx *ctx, const char *name)
{
	const struct sif_class *c;

	(void)ctx;
	for (c = sif_core_classes; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	for (c = sif_core_classes; c->name; c++)
		if (!strcasecmp(c->name, name))
			return c;
	return NULL;
}

size_t sif_ctx_nfields(const struct sif_ctx *ctx, const char *cls)
{
	size_t i, n = 0;

	for (i = 0; i < ctx->nfields; i++)
		n += !strcmp(ctx->fields[i]->f.cls, cls);
	return n;
}

const struct sif_field *sif_ctx_field_at(const struct sif_ctx *ctx, const char *cls,
					 size_t k)
{
	for (size_t i = 0; i < ctx->nfields; i++)
		if (!strcmp(ctx->fields[i]->f.cls, cls) && k-- == 0)
			return &ctx->fields[i]->f;
	return NULL;
}

const struct sif_field *sif_ctx_field(const struct sif_ctx *ctx, const char *cls,
				      const char *name)
{
	for (size_t i = 0; i < ctx->nfields; i++)
		if (!strcmp(ctx->fields[i]->f.cls, cls) && !strcmp(ctx->fields[i]->f.name, name))
			return &ctx->fields[i]->f;
	return NULL;
}

const struct sif_field *sif_ctx_field_cli(const struct sif_ctx *ctx, const char *cls,
					  const char *cli_name)
{
	char buf[128];

	for (size_t i = 0; i < ctx->nfields; i++) {
		const struct sif_field *f = &ctx->fields[i]->f;

		if (strcmp(f->cls, cls))
			continue;
		sif_field_cli_name(f->name, buf, sizeof(buf));
		if (!strcmp(buf, cli_name) || !strcmp(f->name, cli_name))
			return f;
	}
	return NULL;
}

const char *sif_ctx_field_owner(const struct sif_ctx *ctx, const struct sif_field *f)
{
	for (size_t i = 0; i < ctx->nfields; i++)
		if (&ctx->fields[i]->f == f)
			return ctx->fields[i]->owner;
	return "core";
}

size_t sif_ctx_nmigrations(const struct sif_ctx *ctx)
{
	return ctx->nmigs;
}

const struct sif_migration *sif_ctx_migration_at(const struct sif_ctx *ctx, size_t i)
{
	return i < ctx->nmigs ? &ctx->migs[i]->m : NULL;
}

const char *sif_ctx_migration_owner(const struct sif_ctx *ctx, size_t i)
{
	return i < ctx->nmigs ? ctx->migs[i]->owner : NULL;
}

int sif_ctx_run_hooks(struct sif_ctx *ctx, const struct sif_hook_env *env,
		      struct sif_err *err)
{
	for (size_t i = 0; i < ctx->nplugins; i++) {
		const struct sif_plugin *p = ctx->plugins[i].plugin;
		sif_hook_fn fn = env->point == SIF_HOOK_SUSPEND ? p->on_suspend :
				 env->point == SIF_HOOK_RESUME ? p->on_resume :
				 env->point == SIF_HOOK_MIGRATE_RECEIVE ? p->on_migrate_receive :
				 NULL;

		if (fn && fn(env, err) < 0) {
			sif_err_prefix(err, "plugin %s", p->name);
			return -1;
		}
	}
	return 0;
}
