/*
 * vdi-convert uuid=U --out PATH [--to raw|structured] [--dry-run] [--json]:
 * one suspend VDI's legacy image turned into a v2 image today's xenopsd
 * resumes (sif/vdi_convert.h): checked against the field first, written
 * and verified whole, then one transaction points the VDI at it.  The
 * original stays where it is.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "convert_common.h"
#include "progress.h"
#include "show.h"
#include "sif/vdi_convert.h"

const struct cli_opt vdi_convert_opts[] = {
	{ "out", true, "where to write the new image (a file; its directory must exist)" },
	{ "to", true, CONVERT_TO_HELP },
	{ "dry-run", false, "check, convert and verify in memory; write nothing, change nothing" },
	{ "json", false, "the outcome as JSON" },
	{ NULL, false, NULL },
};

/* PATH with its directory resolved: the location the VDI will carry. */
static char *absolute_out(const char *path, struct sif_err *err)
{
	char *copy = strdup(path), *slash, dir[PATH_MAX], *out = NULL;
	const char *base;

	if (!copy) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		return NULL;
	}
	slash = strrchr(copy, '/');
	base = slash ? slash + 1 : copy;
	if (slash)
		*slash = '\0';
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		sif_errf(err, SIF_EUSAGE, "--out %s: not a file name", path);
	} else if (!realpath(slash ? (*copy ? copy : "/") : ".", dir)) {
		sif_errno(err, SIF_EIO, "--out %s: its directory", path);
	} else if (asprintf(&out, "%s/%s", strcmp(dir, "/") ? dir : "", base) < 0) {
		out = NULL;
		sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	free(copy);
	return out;
}

struct one_progress {
	struct cli_progress p;
};

static void on_progress(void *ctx, uint64_t pos, uint64_t end)
{
	struct one_progress *op = ctx;

	(void)end;
	cli_progress_update(&op->p, 0, pos, false);
}

static void print_row(const struct convert_row *r, bool json, bool dry)
{
	char b1[32], b2[32];

	if (json) {
		struct json_object *o = convert_row_json(r);

		json_object_object_add(o, "dry_run", json_object_new_boolean(dry));
		show_json_print(o);
		json_object_put(o);
	} else if (!strcmp(r->status, "nothing-to-do")) {
		printf("VDI %s: its image %s is already %s: nothing to convert\n", r->vdi,
		       r->original, r->from);
	} else if (dry) {
		printf("VDI %s: %s image %s (%s container, %s guest, %s%s) converts to a valid "
		       "migration v2 stream; dry run: nothing written, the pool database unchanged\n",
		       r->vdi, r->from, r->original, r->container, r->hvm ? "HVM" : "PV",
		       cli_bytes(r->in_bytes, b1), r->libxc_legacy_record ? ", Libxc_legacy record" : "");
	} else {
		printf("VDI %s: %s image %s (%s container, %s guest, %s%s) converted to %s image %s "
		       "(%s), verified; the VDI now points at it (suspend-image-format=%s); "
		       "the original stays\n", r->vdi, r->from, r->original, r->container,
		       r->hvm ? "HVM" : "PV", cli_bytes(r->in_bytes, b1),
		       r->libxc_legacy_record ? ", Libxc_legacy record" : "", r->to, r->image,
		       cli_bytes(r->out_bytes, b2), r->to);
	}
}

int cmd_vdi_convert(struct cli *cli, struct cli_args *a)
{
	const char *uuid = cli_kv(a, "uuid"), *out_arg = cli_optval(a, "out");
	bool dry = cli_flag(a, "dry-run"), json = cli_flag(a, "json"), needed, written = false;
	struct sif_vdi_conv_opts co = { .mode = 0600 };
	struct sif_vdi_conv_result res;
	struct sif_vdi_conv v = { 0 };
	struct one_progress op;
	struct convert_row row = { 0 };
	struct timespec t0, t1;
	char *out = NULL, *dir = NULL;
	int rc, lock = -1, i;

	if (!uuid || !*uuid)
		return cli_usage_error(cli, a->cmd, "missing uuid=<vdi uuid>");
	for (i = 0; i < a->nkv; i++)
		if (strcmp(a->keys[i], "uuid"))
			return cli_usage_error(cli, a->cmd, "unknown parameter '%s'", a->keys[i]);
	if (!dry && (!out_arg || !*out_arg))
		return cli_usage_error(cli, a->cmd, "missing --out PATH");
	if ((rc = convert_parse_to(cli, a, &co.to)) != EXIT_OK)
		return rc;
	rc = EXIT_FAIL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!cli_db(cli, dry ? CLI_DB_READ : CLI_DB_WRITE) ||
	    sif_vdi_conv_load(cli->ctx, cli->db, uuid, &v, &cli->err) < 0 ||
	    sif_vdi_conv_check(&v, &needed, &cli->err) < 0)
		goto fail;
	snprintf(row.vdi, sizeof(row.vdi), "%s", uuid);
	row.from = sif_image_format_name(v.found);
	row.libxc_legacy_record = v.libxc_legacy_record;
	row.to = sif_image_format_name(co.to);
	row.container = sif_container_name(v.container);
	row.original = strdup(v.location);
	row.vm = v.vm_uuid ? strdup(v.vm_uuid) : NULL;
	row.in_bytes = v.in_bytes;
	if (!needed) {
		row.status = "nothing-to-do";
		row.to = NULL;
		print_row(&row, json, dry);
		rc = EXIT_OK;
		goto out;
	}
	if (out_arg) {
		if (!(out = absolute_out(out_arg, &cli->err)))
			goto fail;
		if (!strcmp(out, v.location)) {
			sif_errf(&cli->err, SIF_EUSAGE, "--out %s is the VDI's own image", out);
			goto fail;
		}
		dir = strndup(out, (size_t)(strrchr(out, '/') - out));
		if (!dir || (!dry && (lock = convert_lock_dir(*dir ? dir : "/", &cli->err)) < 0) ||
		    convert_check_out(cli->db, out, &cli->err) < 0)
			goto fail;
	}
	cli_progress_start(&op.p, "VDIs", 1, v.in_bytes);
	co.progress = on_progress;
	co.progress_ctx = &op;
	rc = dry ? sif_vdi_conv_dry_run(&v, &co, &res, &cli->err)
		 : sif_vdi_conv_write(&v, out, &co, &res, &cli->err);
	cli_progress_end(&op.p);
	if (rc < 0) {
		rc = EXIT_FAIL;
		goto fail;
	}
	written = !dry;
	if (!dry && sif_vdi_conv_commit(cli->ctx, cli->db, &v, out, co.to, &res, &cli->err) < 0)
		goto fail;
	written = false;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	row.status = dry ? "verified" : "converted";
	row.image = dry ? NULL : strdup(out);
	row.hvm_known = true;
	row.hvm = res.hvm;
	row.out_bytes = res.out_bytes;
	row.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	print_row(&row, json, dry);
	rc = EXIT_OK;
	goto out;
fail:
	rc = cli_fail_err(cli);
	if (written)
		convert_discard(cli->db, out);
	if (!dry && v.uuid)
		fprintf(stderr, "sif: VDI %s: not converted; the pool database is unchanged\n", uuid);
out:
	if (lock >= 0)
		close(lock);
	convert_row_free(&row);
	sif_vdi_conv_free(&v);
	free(out);
	free(dir);
	return rc;
}
