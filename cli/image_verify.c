/*
 * image verify PATH: validate a suspend image to its last byte (every
 * record, the streams inside with the v2 verifier and the v1 reader, the
 * qemu records, no trailing data) and read every byte on the way, so an
 * I/O error in the middle is found too.  Exit 0 with a one-line summary,
 * or 1 with the offset and what was expected.
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "image_show.h"
#include "sif/image.h"

int cmd_image_verify(struct cli *cli, struct cli_args *a)
{
	struct sif_image_scan_opts o = { .read_all = true };
	struct sif_image_summary sum;
	struct sif_image img;
	char line[512];

	if (image_width_opt(cli, a, &o.v1_width) < 0)
		return EXIT_USAGE;
	if (sif_image_open(&img, a->pos[0], 0, &cli->err) < 0)
		return cli_fail_err(cli);
	if (sif_image_scan(&img, &o, &sum, &cli->err) < 0) {
		sif_image_close(&img);
		return cli_fail_err(cli);
	}
	image_summary_text(&img, &sum, line, sizeof(line));
	printf("%s: ok: %s\n", a->pos[0], line);
	sif_image_close(&img);
	return EXIT_OK;
}
