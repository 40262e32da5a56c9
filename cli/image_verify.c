/*
 * image verify PATH [--json]: validate a suspend image to its last byte
 * (every record, the streams inside with the v2 verifier and the v1
 * reader, the qemu records, no trailing data) and read every byte on the
 * way, so an I/O error in the middle is found too.  Exit 0 with a one-line
 * summary, or 1 with the offset and what was expected.  An image with an
 * unsized Demu record is checked up to it; the rest (opaque vGPU state and
 * the records behind it) is named as not verified, in the text and the
 * JSON ("unverified"), and the exit status is 0.
 */
#include <stdio.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "image_show.h"
#include "show.h"
#include "sif/image.h"

static void print_json(const struct sif_image *img, const struct sif_image_summary *sum,
		       const char *line)
{
	struct json_object *o = image_json_header(img);

	json_object_object_add(o, "valid", json_object_new_boolean(true));
	json_object_object_add(o, "summary", json_object_new_string(line));
	json_object_object_add(o, "image_bytes", json_object_new_int64((int64_t)sum->image_bytes));
	json_object_object_add(o, "items", json_object_new_int64((int64_t)sum->items));
	json_object_object_add(o, "guest_type", json_object_new_string(sum->hvm ? "hvm" : "pv"));
	json_object_object_add(o, "needs_legacy_restore",
			       json_object_new_boolean(sum->needs_legacy_restore));
	json_object_object_add(o, "unused_bytes", json_object_new_int64((int64_t)sum->unused_bytes));
	json_object_object_add(o, "unverified", image_unverified_json(sum));
	show_json_print(o);
	json_object_put(o);
}

int cmd_image_verify(struct cli *cli, struct cli_args *a)
{
	struct sif_image_scan_opts o = { .read_all = true };
	struct sif_image_summary sum;
	struct sif_image img;
	char line[768];

	if (image_width_opt(cli, a, &o.v1_width) < 0)
		return EXIT_USAGE;
	if (sif_image_open(&img, a->pos[0], 0, &cli->err) < 0)
		return cli_fail_err(cli);
	if (sif_image_scan(&img, &o, &sum, &cli->err) < 0) {
		sif_image_close(&img);
		return cli_fail_err(cli);
	}
	image_summary_text(&img, &sum, line, sizeof(line));
	if (cli_flag(a, "json"))
		print_json(&img, &sum, line);
	else
		printf("%s: ok: %s\n", a->pos[0], line);
	sif_image_close(&img);
	return EXIT_OK;
}
