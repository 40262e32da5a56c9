/*
 * libFuzzer target for the converter: the first byte picks the options
 * (width, guest type, libxc/libxl, skip-qemu, input kind, shared source);
 * the rest is the input, converted to /dev/null.  Checks that a failure
 * always carries a message and success consumed the whole (unshared) input.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "sif/convert.h"
#include "fuzz_memsrc.h"

static int null_fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sif_convert_opts o = { 0 };
	struct sif_convert_result r;
	struct sif_err err = { 0 };
	struct sif_src s;
	struct memsrc m;
	bool shared;
	int rc;

	if (size < 2)
		return 0;
	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY);
	o.width = (unsigned[]){ 0, 32, 64, 0 }[data[0] & 3];
	o.guest = (enum sif_v1_guest)((data[0] >> 2) % 3);
	o.format = (data[0] & 0x10) ? SIF_CONVERT_LIBXL : SIF_CONVERT_LIBXC;
	o.skip_qemu = data[0] & 0x20;
	o.input = (enum sif_convert_input)(data[1] & 3);
	shared = data[0] & 0x40;
	if (memsrc_open(&s, &m, data + 2, size - 2, shared) < 0)
		return 0;
	rc = sif_convert(&s, null_fd, "null", &o, &r, &err);
	if (rc < 0 && !err.msg[0])
		abort();
	if (rc == 0 && !shared && s.pos != size - 2)
		abort(); /* success must account for every input byte */
	sif_src_close(&s);
	return 0;
}
