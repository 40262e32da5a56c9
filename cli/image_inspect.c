/*
 * image inspect PATH [--json]: the container, the format and every record
 * of a suspend image with its offset, type and length, and for the
 * streams inside what they hold (libxc version, guest type and width,
 * pages, vcpus; qemu record sizes).  Walks the whole image like verify;
 * on invalid input it shows what it read up to the error, then the error,
 * and exits 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "image_show.h"
#include "show.h"
#include "sif/image.h"

struct inspect {
	bool json;
	struct json_object *items;
};

static int inspect_item(void *ctx, const struct sif_image_item *it, struct sif_err *err)
{
	struct inspect *in = ctx;
	char text[512];

	(void)err;
	if (in->json) {
		json_object_array_add(in->items, image_item_json(it));
		return 0;
	}
	image_item_text(it, text, sizeof(text));
	printf("%12" PRIu64 " %12" PRIu64 "  %-17s %s\n", it->offset, it->length,
	       image_item_name(it), text);
	return 0;
}

int cmd_image_inspect(struct cli *cli, struct cli_args *a)
{
	struct inspect in = { .json = cli_flag(a, "json") };
	struct sif_image_scan_opts o = { .visit = inspect_item, .ctx = &in };
	struct sif_image_summary sum;
	struct sif_image img;
	struct json_object *top = NULL;
	int rc;

	if (image_width_opt(cli, a, &o.v1_width) < 0)
		return EXIT_USAGE;
	if (sif_image_open(&img, a->pos[0], 0, &cli->err) < 0)
		return cli_fail_err(cli);
	if (in.json) {
		top = image_json_header(&img);
		in.items = json_object_new_array();
		json_object_object_add(top, "records", in.items);
	} else {
		image_show_header(stdout, &img);
		printf("%12s %12s  %-17s %s\n", "OFFSET", "LENGTH", "RECORD", "CONTENT");
	}
	rc = sif_image_scan(&img, &o, &sum, &cli->err);
	if (in.json) {
		json_object_object_add(top, "valid", json_object_new_boolean(rc == 0));
		json_object_object_add(top, "error", rc ? json_object_new_string(cli->err.msg) : NULL);
		json_object_object_add(top, "image_bytes", json_object_new_int64((int64_t)sum.image_bytes));
		json_object_object_add(top, "unused_bytes",
				       json_object_new_int64((int64_t)sum.unused_bytes));
		json_object_object_add(top, "needs_legacy_restore",
				       json_object_new_boolean(sum.needs_legacy_restore));
		json_object_object_add(top, "unverified", rc ? NULL : image_unverified_json(&sum));
		show_json_print(top);
		json_object_put(top);
	}
	fflush(stdout);
	sif_image_close(&img);
	return rc < 0 ? cli_fail_err(cli) : EXIT_OK;
}
