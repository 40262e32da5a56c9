/*
 * gen_image: write a deterministic whole suspend image, for tests,
 * benchmarks and the demo.
 *
 *   gen_image OUT kind=raw|structured|legacy|structured-legacy|raw-legacy [key=value ...]
 *     v2 stream keys (framed kinds): see tests/support/v2gen.h (guest, pages, vcpus, ...)
 *     v1="k=v k=v"   v1 stream options (legacy kinds): see tests/support/v1gen.h
 *     qemu_bytes=N   Qemu_trad record (framed) or legacy qemu record size
 *     vm_str=S       Xenops vm_str;  raw_tail=N  free space after a raw image
 *     demu_bytes=N   Demu of length 0 + N bytes of vGPU state (framed, xenopsd's order)
 *     varstored_bytes=N, swtpm0_bytes=N, swtpm_bytes=N (a state of N bytes, base64)
 *   IMGGEN_EXT2TOOL=e2fsprogs makes the ext2 container with mke2fs + debugfs
 *   instead of libsif's writer.
 *   e.g. gen_image img kind=structured guest=hvm pages=2000 qemu_bytes=65536
 *        gen_image img kind=legacy v1="guest=pv width=32 guest_width=64 pages=500"
 *        gen_image img kind=raw guest=hvm pages=2000 demu_bytes=1M varstored_bytes=65536
 *                  swtpm_bytes=16384 qemu_bytes=65536
 */
#include <stdio.h>

#include "v2gen.h"

int main(int argc, char **argv)
{
	struct imggen_opts o = { 0 };
	int i;

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: gen_image OUT [key=value ...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++)
		if (imggen_set(&o, argv[i]) < 0) {
			fprintf(stderr, "gen_image: bad option %s\n", argv[i]);
			return 2;
		}
	return imggen_write(argv[1], &o, NULL) < 0 ? 1 : 0;
}
