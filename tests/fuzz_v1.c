/*
 * libFuzzer target for the v1 stream reader: the first byte picks the
 * options (width, guest type, qemu) and whether the source is a sized
 * random-access one or an exact stream; the rest is the stream.  Handlers
 * read part of each payload so that the reader's skip of the rest is
 * exercised too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sif/v1.h"
#include "fuzz_memsrc.h"

static int take_some(struct sif_v1_payload *p, struct sif_err *err)
{
	unsigned char buf[64];
	size_t n = p->len < sizeof(buf) ? (size_t)p->len : sizeof(buf);

	return sif_v1_payload_read(p, buf, n / 2, err);
}

static int on_batch(void *ctx, const struct sif_v1_info *in,
		    const struct sif_v1_batch *b, struct sif_v1_payload *p,
		    struct sif_err *err)
{
	(void)ctx; (void)in; (void)b;
	return take_some(p, err);
}

static int on_payload(void *ctx, const struct sif_v1_info *in,
		      struct sif_v1_payload *p, struct sif_err *err)
{
	(void)ctx; (void)in;
	return take_some(p, err);
}

static int on_vcpu(void *ctx, const struct sif_v1_info *in, uint32_t id,
		   struct sif_v1_payload *p, struct sif_err *err)
{
	(void)ctx; (void)in; (void)id;
	return take_some(p, err);
}

static const struct sif_v1_ops ops = {
	.page_batch = on_batch,
	.p2m_frames = on_payload,
	.toolstack = on_payload,
	.vcpu_basic = on_vcpu,
	.shared_info = on_payload,
	.hvm_context = on_payload,
	.qemu = on_payload,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sif_v1_opts o = { 0 };
	struct sif_v1_info in;
	struct sif_err err = { 0 };
	struct sif_src s;
	struct memsrc m;

	if (size < 1)
		return 0;
	o.width = (unsigned[]){ 0, 32, 64, 0 }[data[0] & 3];
	o.guest = (enum sif_v1_guest)((data[0] >> 2) % 3);
	o.qemu = data[0] & 0x10;
	if (memsrc_open(&s, &m, data + 1, size - 1, data[0] & 0x20) < 0)
		return 0;
	if (sif_v1_read(&s, &o, (data[0] & 0x40) ? NULL : &ops, NULL, &in, &err) < 0 &&
	    !err.msg[0])
		abort(); /* every failure must say why */
	sif_src_close(&s);
	return 0;
}
