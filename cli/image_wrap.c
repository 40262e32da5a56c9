/*
 * image wrap --format raw|structured --libxc STREAM|XLFILE [--qemu FILE]
 *            [--xenops-vm STR] [--legacy-stream] [--libxl-record] OUT
 *
 * Build a suspend image as xenopsd's suspend writes it (signature, Xenops
 * record, the stream record, Qemu_trad, End_of_image): raw straight on
 * OUT, structured inside a fresh ext2 filesystem made with libext2fs.  A
 * file OUT is replaced atomically; a block device is written in place and
 * only marked as an image at the end.  The stream is verified first.  An
 * `xl save` file gives its libxc stream and its device model state.
 * SOURCE_DATE_EPOCH, when set, fixes the timestamps and the ext2 UUID
 * (reproducible images).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "sif/image.h"

const struct cli_opt image_wrap_opts[] = {
	{ "format", true, "raw (the framing on OUT) or structured (inside ext2)" },
	{ "libxc", true, "the migration stream: libxc v2 (or libxl v2; v1 with --legacy-stream), "
	  "or an xl save file as it is" },
	{ "legacy-stream", false, "the stream is libxc v1: write a Libxc_legacy record" },
	{ "libxl-record", false, "xl save file: keep its libxl stream whole in a Libxl record" },
	{ "qemu", true, "qemu device model state for a Qemu_trad record (<= 1 MiB)" },
	{ "xenops-vm", true, "vm_str of the Xenops record (the VM metadata)" },
	{ "no-check", false, "do not verify the stream before wrapping it" },
	{ NULL, false, NULL },
};

/* A UUID that depends only on the epoch (reproducible builds). */
static void epoch_uuid(uint64_t epoch, unsigned char uuid[16])
{
	uint64_t x = epoch;
	int i;

	for (i = 0; i < 16; i++) {
		uint64_t z;

		x += 0x9e3779b97f4a7c15ULL;
		z = x;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		uuid[i] = (unsigned char)(z ^ (z >> 31));
	}
	uuid[6] = (unsigned char)((uuid[6] & 0x0f) | 0x40);
	uuid[8] = (unsigned char)((uuid[8] & 0x3f) | 0x80);
}

int cmd_image_wrap(struct cli *cli, struct cli_args *a)
{
	struct sif_wrap_opts o = { .check_stream = !cli_flag(a, "no-check") };
	const char *fmt = cli_optval(a, "format"), *sde = getenv("SOURCE_DATE_EPOCH");

	if (!fmt || sif_image_format_parse(fmt, &o.format) < 0 || o.format == SIF_IMAGE_LEGACY)
		return cli_usage_error(cli, a->cmd, "--format raw or --format structured is required");
	if (!(o.libxc_path = cli_optval(a, "libxc")))
		return cli_usage_error(cli, a->cmd, "--libxc STREAM is required");
	o.libxc_legacy = cli_flag(a, "legacy-stream");
	o.libxl_record = cli_flag(a, "libxl-record");
	o.qemu_path = cli_optval(a, "qemu");
	o.xenops_vm = cli_optval(a, "xenops-vm");
	if (sde && *sde) {
		char *end;
		unsigned long long e = strtoull(sde, &end, 10);

		if (*end || e == 0)
			return cli_usage_error(cli, a->cmd, "SOURCE_DATE_EPOCH must be a positive integer");
		o.now = (int64_t)e;
		o.fixed_uuid = true;
		epoch_uuid(e, o.uuid);
	}
	if (sif_image_wrap(a->pos[0], &o, &cli->err) < 0)
		return cli_fail_err(cli);
	printf("%s: %s image written\n", a->pos[0], sif_image_format_name(o.format));
	return EXIT_OK;
}
