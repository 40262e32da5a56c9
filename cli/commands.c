/*
 * The command table: names, handlers, argument shapes and the one-line
 * summaries that `sif --help` prints.  Keep it sorted by name.
 */
#include "cli.h"
#include "commands.h"

const struct cli_cmd cli_commands[] = {
	{ "image convert", cmd_image_convert, 0, 2, 2, image_convert_opts,
	  "IN OUT [--width 32|64] [--guest-type pv|hvm] [--format libxc|libxl] "
	  "[--skip-qemu] [--xl] [--to stream]",
	  "convert a legacy (libxc v1) stream or image to a v2 stream" },
	{ 0 }
};
