/*
 * libFuzzer target for `xl save` files read as they are: xl's header and
 * domain config (the JSON parsed with json-c), then the libxl v2 stream
 * with the libxc stream inside, or an old xl file's v1 stream and qemu
 * record, and the end-of-image rules (input layout: fuzz_image_scan.h).
 */
#include "fuzz_image_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_image_scan(data, size, SIF_STREAM_XL);
}
