/*
 * libFuzzer target for the legacy image walk: "XenSavedDomain\n", the
 * libxc v1 stream through the shared v1 reader, then the
 * "QemuDeviceModelRecord\n" record with its big-endian length, and the
 * end-of-image rules (input layout: fuzz_image_scan.h).
 */
#include "fuzz_image_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_image_scan(data, size, SIF_STREAM_LEGACY);
}
