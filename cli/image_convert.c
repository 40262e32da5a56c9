/*
 * sif image convert IN OUT: a legacy (libxc v1) stream or whole legacy
 * image to a libxc/libxl v2 stream, as Xen's convert-legacy-stream does,
 * byte for byte, but exact about where the input ends and never leaving a
 * partial output file under OUT's name.  IN and OUT may be "-" (stdin,
 * stdout); a pipe, character or block device OUT is written straight, a
 * file OUT through a temp file renamed on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/convert.h"
#include "sif/io.h"
#include "sif/src.h"
#include "cli.h"
#include "commands.h"

const struct cli_opt image_convert_opts[] = {
	{ "width", true, "toolstack width of the v1 stream: 32 or 64 (default: detect)" },
	{ "guest-type", true, "pv or hvm (default: detect)" },
	{ "format", true, "libxc (default) or libxl" },
	{ "skip-qemu", false, "leave the HVM qemu record out (libxc format)" },
	{ "xl", false, "IN must start with an xl saved-domain header" },
	{ "to", true, "stream (default): the bare v2 stream" },
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

static int parse_opts(struct cli *cli, struct cli_args *a, struct sif_convert_opts *o)
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
	if ((v = cli_optval(a, "to")) && strcmp(v, "stream")) {
		if (strcmp(v, "raw") && strcmp(v, "structured"))
			return cli_usage_error(cli, a->cmd,
					       "--to must be stream, raw or structured, not '%s'", v);
		return cli_fail(cli, "image convert: --to %s is not available in this build "
				"(it needs the image framing writer)", v);
	}
	o->skip_qemu = cli_flag(a, "skip-qemu");
	if (cli_flag(a, "xl"))
		o->input = SIF_CONVERT_IN_XL;
	return EXIT_OK;
}

/* Where the output goes: straight to a stream or device, else atomically. */
struct output {
	int fd;
	bool atomic;
	struct sif_atomic_file af;
	const char *name;
};

static int open_output(const char *path, struct output *out, struct sif_err *err)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	out->name = path;
	if (!strcmp(path, "-")) {
		out->fd = 1;
		out->name = "stdout";
		return 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return sif_errf(err, SIF_EUSAGE, "%s: is a directory", path);
		out->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (out->fd < 0)
			return sif_errno(err, SIF_EIO, "%s: open", path);
		return 0;
	}
	if (sif_atomic_open(&out->af, path, 0644, err) < 0)
		return -1;
	out->atomic = true;
	out->fd = out->af.fd;
	return 0;
}

static int close_output(struct output *out, bool ok, struct sif_err *err)
{
	int rc = 0;

	if (out->atomic) {
		if (ok)
			return sif_atomic_commit(&out->af, err);
		sif_atomic_abort(&out->af);
		return 0;
	}
	if (out->fd > 2 && close(out->fd) < 0 && ok)
		rc = sif_errno(err, SIF_EIO, "%s: close", out->name);
	return rc;
}

int cmd_image_convert(struct cli *cli, struct cli_args *a)
{
	struct sif_convert_opts opts;
	struct sif_convert_result res;
	struct progress prog = { 0 };
	struct sif_src src = { 0 };
	struct output out = { .fd = -1 };
	const char *in_path = a->pos[0], *out_path = a->pos[1];
	bool src_open = false, out_open = false;
	int rc;

	rc = parse_opts(cli, a, &opts);
	if (rc != EXIT_OK)
		return rc;
	if (cli_progress_enabled()) {
		opts.progress = show_progress;
		opts.progress_ctx = &prog;
	}
	rc = EXIT_FAIL;
	if (!strcmp(in_path, "-")) {
		if (sif_src_open_fd(&src, 0, "stdin", 0, &cli->err) < 0)
			goto out;
	} else if (sif_src_open_path(&src, in_path, 0, &cli->err) < 0) {
		goto out;
	}
	src_open = true;
	if (open_output(out_path, &out, &cli->err) < 0)
		goto out;
	out_open = true;
	if (sif_convert(&src, out.fd, out.name, &opts, &res, &cli->err) < 0)
		goto out;
	out_open = false;
	if (close_output(&out, true, &cli->err) < 0)
		goto out;
	rc = EXIT_OK;
out:
	if (prog.last)
		fputc('\n', stderr);
	if (out_open)
		close_output(&out, false, NULL);
	if (src_open)
		sif_src_close(&src);
	if (rc != EXIT_OK)
		return cli_fail_err(cli);
	return rc;
}
