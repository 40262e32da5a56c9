/*
 * libFuzzer target for the structured/raw framing and the image walk over
 * it: the framing reader, the Xenops parser, the v2 verifier and the v1
 * reader of Libxc_legacy records, the qemu and device records, the
 * end-of-image rules (input layout: fuzz_image_scan.h).
 */
#include "fuzz_image_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_image_scan(data, size, SIF_STREAM_FRAMED);
}
