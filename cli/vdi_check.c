/*
 * vdi-check uuid=U --image PATH [--fix]: compare the VDI's
 * suspend_image_format with what the image really is (container and
 * signature, as sif_image_open() detects them) and print that they agree,
 * or the disagreement; exit 1 when they disagree.  --fix writes the
 * format found into the field (as the system does at suspend: the field is
 * read-only for admins otherwise) and says so.  A bare migration stream or
 * an unreadable image is an error, never a reason to change the field.
 * Detection reads a few KiB; `sif image verify` checks the whole image.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/image.h"
#include "sif/objects.h"

#define FORMAT_FIELD "suspend_image_format"

const struct cli_opt vdi_check_opts[] = {
	{ "image", true, "the suspend image (the VDI's device or a copy of it)" },
	{ "fix", false, "set suspend_image_format to what the image holds" },
	{ NULL, false, NULL },
};

static void describe(const struct sif_image *img, char *buf, size_t n)
{
	snprintf(buf, n, "%s container, %s", sif_container_name(img->container_kind),
		 img->stream == SIF_STREAM_LEGACY ? "XenSavedDomain + libxc v1 stream" :
		 img->stream != SIF_STREAM_XL ? "XenSavedDomv2 framing" :
		 img->xl_v2 ? "xl save file with a libxl v2 stream" :
		 "xl save file with a libxc v1 stream");
}

static int fix_field(struct cli *cli, struct sif_db *db, const char *ref,
		     const struct sif_field *f, const char *value)
{
	if (sif_db_begin(db, &cli->err) < 0)
		return -1;
	if (sif_obj_set_by_ref(db, ref, f, value, 0, &cli->err) < 0 ||
	    sif_db_commit(db, &cli->err) < 0) {
		sif_db_rollback(db);
		return -1;
	}
	return 0;
}

int cmd_vdi_check(struct cli *cli, struct cli_args *a)
{
	const char *uuid = cli_kv(a, "uuid"), *path = cli_optval(a, "image"), *found;
	bool fix = cli_flag(a, "fix");
	const struct sif_field *f;
	struct sif_image img = { .fd = -1 };
	struct sif_db *db;
	char *ref = NULL, *value = NULL, what[128];
	int rc = EXIT_FAIL, i;

	if (!uuid || !*uuid)
		return cli_usage_error(cli, a->cmd, "missing uuid=<uuid>");
	for (i = 0; i < a->nkv; i++)
		if (strcmp(a->keys[i], "uuid"))
			return cli_usage_error(cli, a->cmd, "unknown parameter '%s'", a->keys[i]);
	if (!path)
		return cli_usage_error(cli, a->cmd, "missing --image PATH");
	if (!(db = cli_db(cli, fix ? CLI_DB_WRITE : CLI_DB_READ)))
		return cli_fail_err(cli);
	if (!(f = sif_ctx_field(cli->ctx, "VDI", FORMAT_FIELD)))
		return cli_fail(cli, "VDI has no field " FORMAT_FIELD
				" (is the suspend_image_format plugin loaded? see sif plugin-list)");
	if (sif_obj_require_field(db, f, &cli->err) < 0 ||
	    sif_obj_ref(db, "VDI", uuid, &ref, &cli->err) < 0 ||
	    sif_obj_get_by_ref(db, ref, f, &value, &cli->err) < 0 ||
	    sif_image_open(&img, path, 0, &cli->err) < 0) {
		rc = cli_fail_err(cli);
		goto out;
	}
	if (img.format == SIF_IMAGE_FORMAT_UNKNOWN) {
		rc = cli_fail(cli, "%s: a bare %s, not a suspend image: VDI %s left as it is",
			      path, sif_stream_kind_name(img.stream), uuid);
		goto out;
	}
	found = sif_image_format_name(img.format);
	describe(&img, what, sizeof(what));
	if (!strcmp(value, found)) {
		printf("VDI %s: " FORMAT_FIELD "=%s agrees with the image (%s)\n", uuid, value, what);
		rc = EXIT_OK;
	} else if (!fix) {
		printf("VDI %s: " FORMAT_FIELD "=%s but the image is %s (%s); "
		       "run with --fix to set it to %s\n", uuid, *value ? value : "(empty)", found,
		       what, found);
	} else if (fix_field(cli, db, ref, f, found) < 0) {
		rc = cli_fail_err(cli);
	} else {
		printf("VDI %s: " FORMAT_FIELD " was %s, the image is %s (%s): fixed, now %s\n",
		       uuid, *value ? value : "(empty)", found, what, found);
		rc = EXIT_OK;
	}
out:
	sif_image_close(&img);
	free(ref);
	free(value);
	return rc;
}
