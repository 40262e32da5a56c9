/*
 * vdi-param-get, vm-param-get, vdi-param-set: xe's <class>-param-get/set.
 *   param-get uuid=U param-name=P [param-key=K]
 *   param-set uuid=U P=V [P2=V2 ...] [MAP:KEY=V ...]
 * A set applies every assignment in one transaction or none; read-only
 * fields are refused before anything is written.
 */
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "show.h"
#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/objects.h"
#include "sif/sexpr.h"

static int need_uuid(struct cli *cli, struct cli_args *a, const char **uuid)
{
	*uuid = cli_kv(a, "uuid");
	if (!*uuid || !**uuid)
		return cli_usage_error(cli, a->cmd, "missing uuid=<uuid>");
	return EXIT_OK;
}

static int param_get(struct cli *cli, struct cli_args *a, const char *cls)
{
	const char *uuid, *name = cli_kv(a, "param-name"), *key = cli_kv(a, "param-key");
	const struct sif_field *f;
	char *ref = NULL, *v = NULL, *shown = NULL;
	struct sif_strlist l = { 0 };
	struct sif_db *db;
	int rc;

	if ((rc = need_uuid(cli, a, &uuid)) != EXIT_OK)
		return rc;
	if (!name)
		return cli_usage_error(cli, a->cmd, "missing param-name=<field>");
	for (int i = 0; i < a->nkv; i++)
		if (strcmp(a->keys[i], "uuid") && strcmp(a->keys[i], "param-name") &&
		    strcmp(a->keys[i], "param-key"))
			return cli_usage_error(cli, a->cmd, "unknown parameter '%s'", a->keys[i]);
	if (!(db = cli_db(cli, CLI_DB_READ)))
		return cli_fail_err(cli);
	if (!(f = sif_ctx_field_cli(cli->ctx, cls, name)))
		return cli_usage_error(cli, a->cmd, "%s has no field '%s' (see sif datamodel %s)",
				       cls, name, cls);
	if (key && f->type != SIF_FT_MAP)
		return cli_usage_error(cli, a->cmd, "param-key needs a map field; %s is a %s",
				       name, sif_ftype_name(f->type));
	rc = EXIT_FAIL;
	if (sif_obj_ref(db, cls, uuid, &ref, &cli->err) < 0 ||
	    sif_obj_get_by_ref(db, ref, f, &v, &cli->err) < 0) {
		rc = cli_fail_err(cli);
		goto out;
	}
	if (key) {
		long k;

		if (sif_sexpr_parse_map(v, &l, &cli->err) < 0) {
			sif_err_prefix(&cli->err, "%s %s: %s", cls, uuid, f->name);
			rc = cli_fail_err(cli);
			goto out;
		}
		if ((k = sif_strlist_find(&l, key)) < 0) {
			rc = cli_fail(cli, "%s %s: key '%s' not in %s", cls, uuid, key, name);
			goto out;
		}
		puts(l.vals[k]);
	} else if (cli_flag(a, "json")) {
		struct json_object *o = show_json_value(f, v);

		show_json_print(o);
		json_object_put(o);
	} else {
		shown = show_value(f, v);
		puts(shown ? shown : v);
	}
	rc = EXIT_OK;
out:
	sif_strlist_free(&l);
	free(ref);
	free(v);
	free(shown);
	return rc;
}

/* "other-config:key" -> map field other_config with key; else a plain field. */
static int parse_target(struct cli *cli, const char *cls, const char *param,
			const struct sif_field **f, char **mapkey)
{
	const char *colon = strchr(param, ':');
	char *name = colon ? strndup(param, (size_t)(colon - param)) : strdup(param);

	*mapkey = NULL;
	if (!name)
		return cli_fail(cli, "out of memory");
	*f = sif_ctx_field_cli(cli->ctx, cls, name);
	free(name);
	if (!*f)
		return cli_usage_error(cli, NULL, "%s has no field '%.*s' (see sif datamodel %s)",
				       cls, (int)(colon ? colon - param : (long)strlen(param)),
				       param, cls);
	if (colon) {
		if ((*f)->type != SIF_FT_MAP)
			return cli_usage_error(cli, NULL, "'%s': only map fields take a :key", param);
		if (!colon[1])
			return cli_usage_error(cli, NULL, "'%s': empty map key", param);
		*mapkey = strdup(colon + 1);
	}
	return EXIT_OK;
}

/* The new stored value of a map after setting one key. */
static char *map_with(const char *stored, const char *key, const char *val,
		      struct sif_err *err)
{
	struct sif_strlist l;
	char *out = NULL;
	long k;

	if (sif_sexpr_parse_map(stored, &l, err) < 0)
		return NULL;
	k = sif_strlist_find(&l, key);
	if (k >= 0) {
		char *nv = strdup(val);

		if (nv) {
			free(l.vals[k]);
			l.vals[k] = nv;
			out = sif_sexpr_format_map(&l);
		}
	} else if (sif_strlist_add(&l, key, val) == 0) {
		out = sif_sexpr_format_map(&l);
	}
	if (!out)
		sif_errf(err, SIF_ENOMEM, "out of memory");
	sif_strlist_free(&l);
	return out;
}

static int param_set(struct cli *cli, struct cli_args *a, const char *cls)
{
	const char *uuid;
	char *ref = NULL;
	struct sif_db *db;
	int rc, i, began = 0;

	if ((rc = need_uuid(cli, a, &uuid)) != EXIT_OK)
		return rc;
	if (a->nkv < 2)
		return cli_usage_error(cli, a->cmd, "nothing to set (give FIELD=VALUE)");
	if (!(db = cli_db(cli, CLI_DB_WRITE)))
		return cli_fail_err(cli);
	/* Every target is checked before the first write. */
	for (i = 0; i < a->nkv; i++) {
		const struct sif_field *f;
		char *mapkey;
		char name[128];

		if (!strcmp(a->keys[i], "uuid"))
			continue;
		if ((rc = parse_target(cli, cls, a->keys[i], &f, &mapkey)) != EXIT_OK)
			return rc;
		free(mapkey);
		if (!(f->flags & SIF_FIELD_ADMIN_SETTABLE)) {
			sif_field_cli_name(f->name, name, sizeof(name));
			return cli_fail(cli, "%s: field %s of %s is read-only: only the system "
					"sets it%s", a->cmd->name, name, cls,
					strcmp(sif_ctx_field_owner(cli->ctx, f), "core") ?
					" (its plugin documents how: sif datamodel)" : "");
		}
	}
	rc = EXIT_FAIL;
	if (sif_obj_ref(db, cls, uuid, &ref, &cli->err) < 0 ||
	    sif_db_begin(db, &cli->err) < 0)
		goto out;
	began = 1;
	for (i = 0; i < a->nkv; i++) {
		const struct sif_field *f;
		char *mapkey = NULL, *cur = NULL, *nv = NULL;
		int ok;

		if (!strcmp(a->keys[i], "uuid"))
			continue;
		parse_target(cli, cls, a->keys[i], &f, &mapkey);
		if (mapkey) {
			ok = sif_obj_get_by_ref(db, ref, f, &cur, &cli->err) == 0 &&
			     (nv = map_with(cur, mapkey, a->vals[i], &cli->err)) != NULL &&
			     sif_obj_set_by_ref(db, ref, f, nv, SIF_SET_AS_ADMIN, &cli->err) == 0;
		} else {
			ok = sif_obj_set_by_ref(db, ref, f, a->vals[i], SIF_SET_AS_ADMIN,
						&cli->err) == 0;
		}
		free(mapkey);
		free(cur);
		free(nv);
		if (!ok)
			goto out;
	}
	if (sif_db_commit(db, &cli->err) < 0)
		goto out;
	began = 0;
	rc = EXIT_OK;
out:
	if (began)
		sif_db_rollback(db);
	free(ref);
	return rc == EXIT_OK ? rc : cli_fail_err(cli);
}

const struct cli_opt param_get_opts[] = {
	{ "json", false, "the value as typed JSON" },
	{ NULL, false, NULL },
};

int cmd_vdi_param_get(struct cli *cli, struct cli_args *a)
{
	return param_get(cli, a, "VDI");
}

int cmd_vm_param_get(struct cli *cli, struct cli_args *a)
{
	return param_get(cli, a, "VM");
}

int cmd_vdi_param_set(struct cli *cli, struct cli_args *a)
{
	return param_set(cli, a, "VDI");
}
