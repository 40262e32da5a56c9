/*
 * libFuzzer target for the migration v2 verifier.  The first byte picks
 * libxc or libxl, reading every byte or skipping, and a sized
 * random-access source or an exact stream; the rest is the stream.
 * Property checked beyond "no crash": on success the verifier consumed the
 * stream exactly to its END (never past the input).
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_memsrc.h"
#include "sif/v2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sif_v2_opts o = { 0 };
	struct sif_v2_summary s;
	struct sif_v2_libxl_summary x;
	struct sif_err err = { 0 };
	struct sif_src src;
	struct memsrc m;
	int rc;

	if (size < 1)
		return 0;
	o.read_all = data[0] & 2;
	if (memsrc_open(&src, &m, data + 1, size - 1, data[0] & 4) < 0)
		return 0;
	rc = data[0] & 1 ? sif_v2_verify_libxl(&src, &o, &x, &err) :
			   sif_v2_verify_libxc(&src, &o, &s, &err);
	if (rc == 0 && src.pos > size - 1)
		abort();
	if (rc == 0 && !(data[0] & 1) && s.length != src.pos)
		abort();
	sif_src_close(&src);
	return 0;
}
