/*
 * sif image convert IN OUT: a legacy (libxc v1) stream or whole legacy
 * image to a libxc/libxl v2 stream, as Xen's convert-legacy-stream does,
 * byte for byte, but exact about where the input ends and never leaving a
 * partial output file under OUT's name.  IN and OUT may be "-" (stdin,
 * stdout); a pipe, character or block device OUT is written straight, a
 * file OUT through a temp file renamed on success.  IN may also be a
 * legacy suspend VDI (ext2 holding suspend-image), opened with the image
 * module; --to raw|structured writes a whole image with its writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/convert.h"
#include "sif/image.h"
#include "sif/io.h"
#include "sif/src.h"
#include "cli.h"
#include "commands.h"
#include "output.h"

const struct cli_opt image_convert_opts[] = {
	{ "width", true, "toolstack width of the v1 stream: 32 or 64 (default: detect)" },
	{ "guest-type", true, "pv or hvm (default: detect)" },
	{ "format", true, "libxc (default) or libxl" },
	{ "skip-qemu", false, "leave the HVM qemu record out (libxc format)" },
	{ "xl", false, "IN must start with an xl saved-domain header" },
	{ "to", true, "stream (default): the bare v2 stream; raw or structured: a whole image" },
	{ NULL, false, NULL },
};

struct progress {
	uint64_t last;
};

static void show_progress(void *ctx, uint64_t pos, uint64_t end)
{
	struct progress *p = ctx;

	if (pos - p->last < (64u << 20))
		return;
	p->last = pos;
	if (end != SIF_SRC_SIZE_UNKNOWN && end)
		fprintf(stderr, "\rconverting: %llu MiB of %llu MiB (%u%%)",
			(unsigned long long)(pos >> 20), (unsigned long long)(end >> 20),
			(unsigned)(pos * 100 / end));
	else
		fprintf(stderr, "\rconverting: %llu MiB", (unsigned long long)(pos >> 20));
}

static int parse_opts(struct cli *cli, struct cli_args *a, struct sif_convert_opts *o,
		      enum sif_image_format *to)
{
	const char *v;

	memset(o, 0, sizeof(*o));
	if ((v = cli_optval(a, "width"))) {
		if (strcmp(v, "32") && strcmp(v, "64"))
			return cli_usage_error(cli, a->cmd, "--width must be 32 or 64, not '%s'", v);
		o->width = (unsigned)(v[0] == '3' ? 32 : 64);
	}
	if ((v = cli_optval(a, "guest-type"))) {
		if (!strcmp(v, "pv"))
			o->guest = SIF_V1_PV;
		else if (!strcmp(v, "hvm"))
			o->guest = SIF_V1_HVM;
		else
			return cli_usage_error(cli, a->cmd, "--guest-type must be pv or hvm, not '%s'", v);
	}
	if ((v = cli_optval(a, "format"))) {
		if (!strcmp(v, "libxc"))
			o->format = SIF_CONVERT_LIBXC;
		else if (!strcmp(v, "libxl"))
			o->format = SIF_CONVERT_LIBXL;
		else
			return cli_usage_error(cli, a->cmd, "--format must be libxc or libxl, not '%s'", v);
	}
	*to = SIF_IMAGE_FORMAT_UNKNOWN;
	if ((v = cli_optval(a, "to")) && strcmp(v, "stream")) {
		if (!strcmp(v, "raw"))
			*to = SIF_IMAGE_RAW;
		else if (!strcmp(v, "structured"))
			*to = SIF_IMAGE_STRUCTURED;
		else
			return cli_usage_error(cli, a->cmd,
					       "--to must be stream, raw or structured, not '%s'", v);
	}
	o->skip_qemu = cli_flag(a, "skip-qemu");
	if (cli_flag(a, "xl"))
		o->input = SIF_CONVERT_IN_XL;
	return EXIT_OK;
}

/* The input: stdin, a bare stream file, or a suspend image (ext2 or raw). */
struct input {
	struct sif_src *src;
	struct sif_src plain;
	struct sif_image img;
	bool is_img, is_plain;
};

static bool has_ext2_magic(const char *path)
{
	unsigned char m[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool yes = fd >= 0 && pread(fd, m, 2, 1080) == 2 && m[0] == 0x53 && m[1] == 0xef;

	if (fd >= 0)
		close(fd);
	return yes;
}

static int open_input(const char *path, struct input *in, struct sif_err *err)
{
	memset(in, 0, sizeof(*in));
	if (!strcmp(path, "-")) {
		if (sif_src_open_fd(&in->plain, 0, "stdin", 0, err) < 0)
			return -1;
		in->is_plain = true;
		in->src = &in->plain;
		return 0;
	}
	if (sif_image_open(&in->img, path, 0, err) == 0) {
		in->is_img = true;
		switch (in->img.stream) {
		case SIF_STREAM_LEGACY:
		case SIF_STREAM_FRAMED:     /* converted if it holds Libxc_legacy */
			in->src = &in->img.src;
			return 0;
		case SIF_STREAM_XL:         /* xl of Xen < 4.6: a v1 stream */
			if (!in->img.xl_v2) {
				in->src = &in->img.src;
				return 0;
			}
			return sif_errf(err, SIF_EFORMAT, "%s: an xl save file holding a libxl v2 "
					"stream: nothing to convert (sif image wrap --libxc %s makes a "
					"suspend image of it)", path, path);
		default:
			return sif_errf(err, SIF_EFORMAT, "%s: already a %s: nothing to convert",
					path, sif_stream_kind_name(in->img.stream));
		}
	}
	/* An ext2 fs that the image module refuses: its message says why. */
	if (has_ext2_magic(path))
		return -1;
	sif_err_clear(err);
	if (sif_src_open_path(&in->plain, path, 0, err) < 0)
		return -1;
	in->is_plain = true;
	in->src = &in->plain;
	return 0;
}

static void close_input(struct input *in)
{
	if (in->is_img)
		sif_image_close(&in->img);
	if (in->is_plain)
		sif_src_close(&in->plain);
}

/* --to raw|structured: the converted stream inside a whole image. */
static int convert_to_image(struct sif_src *src, const char *path, enum sif_image_format to,
			    const struct sif_convert_opts *opts, struct sif_convert_result *res,
			    struct sif_err *err)
{
	struct sif_image_convert_opts io = { .to = to, .mode = 0600, .conv = *opts };

	if (!strcmp(path, "-"))
		return sif_errf(err, SIF_EUSAGE, "--to %s needs an output path, not stdout",
				sif_image_format_name(to));
	return sif_image_convert(src, path, &io, res, NULL, err);
}

int cmd_image_convert(struct cli *cli, struct cli_args *a)
{
	struct sif_convert_opts opts;
	struct sif_convert_result res;
	struct progress prog = { 0 };
	struct input in;
	struct cli_output out = { .fd = -1 };
	enum sif_image_format to;
	const char *in_path = a->pos[0], *out_path = a->pos[1];
	bool in_open = false, out_open = false;
	int rc;

	rc = parse_opts(cli, a, &opts, &to);
	if (rc != EXIT_OK)
		return rc;
	if (cli_progress_enabled()) {
		opts.progress = show_progress;
		opts.progress_ctx = &prog;
	}
	rc = EXIT_FAIL;
	in_open = true;
	if (open_input(in_path, &in, &cli->err) < 0)
		goto out;
	if (to != SIF_IMAGE_FORMAT_UNKNOWN) {
		if (convert_to_image(in.src, out_path, to, &opts, &res, &cli->err) < 0)
			goto out;
		rc = EXIT_OK;
		goto out;
	}
	if (cli_output_open(out_path, &out, &cli->err) < 0)
		goto out;
	out_open = true;
	cli_output_widen_pipe(out.fd);
	if (sif_convert(in.src, out.fd, out.name, &opts, &res, &cli->err) < 0)
		goto out;
	out_open = false;
	if (cli_output_close(&out, true, &cli->err) < 0)
		goto out;
	rc = EXIT_OK;
out:
	if (prog.last)
		fputc('\n', stderr);
	if (out_open)
		cli_output_close(&out, false, NULL);
	if (in_open)
		close_input(&in);
	if (rc != EXIT_OK)
		return cli_fail_err(cli);
	return rc;
}
