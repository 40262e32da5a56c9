/*
 * Display of suspend images for `image inspect`, `image verify` and
 * `vdi-check` (cli/image_show.c): one line of text or one JSON object per
 * item of sif_image_scan(), and the image's header lines.
 */
#ifndef SIF_CLI_IMAGE_SHOW_H
#define SIF_CLI_IMAGE_SHOW_H

#include <stdio.h>

#include "cli.h"
#include "sif/image.h"

struct json_object;

/* Why the bytes after an unsized Demu record are not checked. */
#define IMAGE_OPAQUE_REASON \
	"vGPU state after an unsized Demu record: emu-manager's own stream, whose end " \
	"only emu-manager knows; the records after it (Varstored, Swtpm, Qemu_trad, " \
	"End_of_image) cannot be located; not verified"

/* "container: ..." / "format: ..." lines. */
void image_show_header(FILE *to, const struct sif_image *img);
struct json_object *image_json_header(const struct sif_image *img);

/* The description column of an item ("libxc v2 version 3, x86 PV ..."). */
void image_item_text(const struct sif_image_item *it, char *buf, size_t n);
/* The record name column ("Xenops", "signature", "qemu record", ...). */
const char *image_item_name(const struct sif_image_item *it);
struct json_object *image_item_json(const struct sif_image_item *it);

/* One line summing up a valid image (verify, vdi-check). */
void image_summary_text(const struct sif_image *img, const struct sif_image_summary *sum,
			char *buf, size_t n);

/* {"offset", "length", "reason"} of the opaque vGPU state, or NULL if none. */
struct json_object *image_unverified_json(const struct sif_image_summary *sum);

/* --width 32|64 of a v1 stream into bytes (0 if absent); -1 after a usage error. */
int image_width_opt(struct cli *cli, struct cli_args *a, unsigned *bytes);

#endif
