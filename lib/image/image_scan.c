/*
 * The walk of a whole suspend image that `inspect` and `verify` share
 * (sif_image_scan, see sif/image.h): one function per stream kind
 * (framed, legacy, bare v2, xl save file), one handler per framing record type, each
 * consuming its body with the shared readers (the v2 verifier, the v1
 * reader, the Xenops parser) and reporting an item to the visitor.  The
 * end of the image is checked too: on an ext2 file or a bare stream file
 * every byte belongs to the image, on a raw device what follows
 * End_of_image is free space and reported, not read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/consume_int.h"
#include "stream/legacy_int.h"
#include "sif/image.h"
#include "sif/v1.h"

struct scan {
	struct sif_image *img;
	struct sif_src *s;
	const struct sif_image_scan_opts *o;
	struct sif_image_summary *sum;
	struct sif_err *err;
};

typedef int (*frame_handler)(struct scan *sc, const struct sif_frame_rec *rec);

static int visit(struct scan *sc, struct sif_image_item *it)
{
	sc->sum->items++;
	if (!sc->o->visit)
		return 0;
	return sc->o->visit(sc->o->ctx, it, sc->err);
}

static struct sif_v2_opts v2_opts(struct scan *sc)
{
	return (struct sif_v2_opts){ .read_all = sc->o->read_all };
}

/* --- the libxc v1 stream (legacy images, Libxc_legacy records) ---------- */

/* verify reads every payload the v1 reader would otherwise skip. */
static int v1_take(struct scan *sc, struct sif_v1_payload *p)
{
	if (!sc->o->read_all)
		return 0;
	if (src_consume(p->src, p->len - p->done, true, p->what, sc->err) < 0)
		return -1;
	p->done = p->len;
	return 0;
}

static int v1_pages(void *ctx, const struct sif_v1_info *in, const struct sif_v1_batch *b,
		    struct sif_v1_payload *data, struct sif_err *err)
{
	(void)in; (void)b; (void)err;
	return v1_take(ctx, data);
}

static int v1_payload(void *ctx, const struct sif_v1_info *in, struct sif_v1_payload *p,
		      struct sif_err *err)
{
	(void)in; (void)err;
	return v1_take(ctx, p);
}

static int v1_vcpu(void *ctx, const struct sif_v1_info *in, uint32_t id,
		   struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)id; (void)err;
	return v1_take(ctx, p);
}

static int v1_xsave(void *ctx, const struct sif_v1_info *in, uint32_t id, uint64_t mask,
		    struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)id; (void)mask; (void)err;
	return v1_take(ctx, p);
}

static const struct sif_v1_ops v1_scan_ops = {
	.p2m_frames = v1_payload,
	.page_batch = v1_pages,
	.toolstack = v1_payload,
	.vcpu_basic = v1_vcpu,
	.vcpu_extended = v1_vcpu,
	.vcpu_xsave = v1_xsave,
	.shared_info = v1_payload,
	.hvm_context = v1_payload,
};

static int v1_stream(struct scan *sc, struct sif_image_v1_info *vi)
{
	struct sif_v1_opts opts = { .width = sc->o->v1_width * 8 };
	struct sif_v1_info in;

	if (sif_v1_read(sc->s, &opts, &v1_scan_ops, sc, &in, sc->err) < 0)
		return -1;
	memset(vi, 0, sizeof(*vi));
	vi->hvm = in.guest == SIF_V1_HVM;
	vi->toolstack_width = in.width;
	vi->guest_width = in.guest_width;
	vi->p2m_size = in.p2m_size;
	vi->pages = in.pages;
	vi->batches = in.batches;
	vi->vcpus = in.online_vcpus;
	vi->width_detected = in.width_detected;
	sc->sum->hvm = vi->hvm;
	sc->sum->needs_legacy_restore = true;
	return 0;
}

/* A qemu record body: consumed (read when verifying), its size reported. */
static int qemu_body(struct scan *sc, enum sif_item_kind kind, uint64_t at, uint64_t hdr,
		     uint32_t len)
{
	struct sif_image_item it = { .kind = kind, .offset = at, .length = hdr + len,
				     .payload = len };

	if (src_consume(sc->s, len, sc->o->read_all, "qemu record", sc->err) < 0)
		return -1;
	return visit(sc, &it);
}

/* --- framing records: one handler per type ----------------------------- */

static int item_frame(struct scan *sc, const struct sif_frame_rec *rec,
		      struct sif_image_item *it)
{
	it->kind = SIF_ITEM_FRAME;
	it->offset = rec->offset;
	it->length = sc->s->pos - rec->offset;
	it->frame = rec;
	return visit(sc, it);
}

static int h_xenops(struct scan *sc, const struct sif_frame_rec *rec)
{
	struct sif_xenops_record x = { 0 };
	struct sif_image_item it = { 0 };
	char *body = malloc(rec->length);
	int rc = -1;

	if (!body)
		return sif_errf(sc->err, SIF_ENOMEM, "out of memory");
	if (sif_src_read_exact(sc->s, body, rec->length, "Xenops record", sc->err) < 0)
		goto out;
	if (sif_xenops_parse(body, rec->length, &x, sc->err) < 0) {
		sif_err_prefix(sc->err, "%s: Xenops record at offset %llu (body at %llu)",
			       sc->s->name, (unsigned long long)rec->offset,
			       (unsigned long long)rec->body);
		goto out;
	}
	it.xenops = &x;
	rc = item_frame(sc, rec, &it);
out:
	sif_xenops_free(&x);
	free(body);
	return rc;
}

static int h_libxc(struct scan *sc, const struct sif_frame_rec *rec)
{
	struct sif_v2_opts vo = v2_opts(sc);
	struct sif_v2_summary v2;
	struct sif_image_item it = { .libxc = &v2 };

	if (sif_v2_verify_libxc(sc->s, &vo, &v2, sc->err) < 0)
		return -1;
	sc->sum->hvm = v2.guest_type == SIF_V2_GUEST_HVM;
	return item_frame(sc, rec, &it);
}

static int h_libxl(struct scan *sc, const struct sif_frame_rec *rec)
{
	struct sif_v2_opts vo = v2_opts(sc);
	struct sif_v2_libxl_summary xl;
	struct sif_image_item it = { .libxl = &xl };

	if (sif_v2_verify_libxl(sc->s, &vo, &xl, sc->err) < 0)
		return -1;
	sc->sum->hvm = xl.has_libxc && xl.libxc.guest_type == SIF_V2_GUEST_HVM;
	return item_frame(sc, rec, &it);
}

static int h_libxc_legacy(struct scan *sc, const struct sif_frame_rec *rec)
{
	struct sif_image_v1_info vi;
	struct sif_image_item it = { .v1 = &vi };
	uint64_t at;
	uint32_t len;

	if (v1_stream(sc, &vi) < 0 || item_frame(sc, rec, &it) < 0)
		return -1;
	/* "Legacy Libxc record (w/ QEMU record)": the libxc-level qemu record. */
	if (!vi.hvm || !libxc_qemu_follows(sc->s))
		return 0;
	at = sc->s->pos;
	if (libxc_qemu_header(sc->s, &len, sc->err) < 0)
		return -1;
	return qemu_body(sc, SIF_ITEM_LIBXC_QEMU, at, SIF_LIBXC_QEMU_SIGNATURE_LEN + 4, len);
}

static int h_sized(struct scan *sc, const struct sif_frame_rec *rec)
{
	struct sif_image_item it = { .payload = rec->length };

	if (src_consume(sc->s, rec->length, sc->o->read_all, rec->name, sc->err) < 0)
		return -1;
	return item_frame(sc, rec, &it);
}

/*
 * An unsized Demu record: emu-manager's vGPU stream follows, to an end
 * only emu-manager can find, and the records after it (Varstored, Swtpm,
 * Qemu_trad, End_of_image) with it.  Reported, not read.
 */
static int h_opaque(struct scan *sc, const struct sif_frame_rec *rec)
{
	struct sif_image_item it = { 0 };
	uint64_t left = sif_src_remaining(sc->s);

	if (item_frame(sc, rec, &it) < 0)
		return -1;
	sc->sum->opaque_offset = rec->body;
	sc->sum->opaque_bytes = left == SIF_SRC_SIZE_UNKNOWN ? 0 : left;
	memset(&it, 0, sizeof(it));
	it.kind = SIF_ITEM_OPAQUE;
	it.offset = rec->body;
	it.length = sc->sum->opaque_bytes;
	it.frame = rec;
	return visit(sc, &it);
}

static int h_end(struct scan *sc, const struct sif_frame_rec *rec)
{
	struct sif_image_item it = { 0 };

	return item_frame(sc, rec, &it);
}

static frame_handler frame_handler_of(uint64_t type)
{
	switch (type) {
	case SIF_FRAME_XENOPS:       return h_xenops;
	case SIF_FRAME_LIBXC:        return h_libxc;
	case SIF_FRAME_LIBXL:        return h_libxl;
	case SIF_FRAME_LIBXC_LEGACY: return h_libxc_legacy;
	case SIF_FRAME_END:          return h_end;
	default:                     return h_sized;
	}
}

/* --- the end of the image ------------------------------------------------ */

static int image_end(struct scan *sc, const char *after)
{
	uint64_t left = sif_src_remaining(sc->s);
	struct sif_image_item it = { .kind = SIF_ITEM_UNUSED };

	sc->sum->image_bytes = sc->s->pos;
	if (left == 0 || left == SIF_SRC_SIZE_UNKNOWN)
		return 0;
	if (sc->img->container_kind == SIF_CONTAINER_RAW &&
	    (sc->img->stream == SIF_STREAM_FRAMED || sc->img->stream == SIF_STREAM_LEGACY ||
	     sc->img->stream == SIF_STREAM_XL)) {
		/* A VDI is larger than the image written on it. */
		sc->sum->unused_bytes = left;
		it.offset = sc->s->pos;
		it.length = left;
		return visit(sc, &it);
	}
	return sif_errf(sc->err, SIF_EFORMAT,
			"%s: offset %llu: %llu bytes of trailing data after %s (the image should end here)",
			sc->s->name, (unsigned long long)sc->s->pos, (unsigned long long)left, after);
}

/* --- per stream kind ----------------------------------------------------- */

/*
 * A v1 stream to its end, then for an HVM guest the qemu record in the
 * wrapper's own framing: xenopsd's "QemuDeviceModelRecord\n" with a
 * big-endian length (legacy images), or libxl's "DeviceModelRecord0002"
 * with a little-endian one (xl of Xen < 4.6).
 */
static int v1_then_qemu(struct scan *sc, const char *wrapper, bool xenopsd)
{
	struct sif_image_v1_info vi;
	struct sif_image_item it = { .kind = SIF_ITEM_LIBXC_V1, .v1 = &vi, .offset = sc->s->pos };
	uint64_t at;
	uint32_t len;

	if (v1_stream(sc, &vi) < 0)
		return -1;
	it.length = sc->s->pos - it.offset;
	if (visit(sc, &it) < 0)
		return -1;
	if (!vi.hvm)
		return image_end(sc, "the PV guest's libxc stream");
	if (sif_src_remaining(sc->s) == 0)
		return sif_errf(sc->err, SIF_EFORMAT,
				"%s: offset %llu: the HVM guest's %s ends after its libxc stream: "
				"expected \"%s\" and the device model state", sc->s->name,
				(unsigned long long)sc->s->pos, wrapper,
				xenopsd ? "QemuDeviceModelRecord\\n" : SIF_LIBXC_QEMU_SIGNATURE);
	at = sc->s->pos;
	if ((xenopsd ? sif_legacy_qemu_header(sc->s, &len, sc->err) :
	     libxc_qemu_header(sc->s, &len, sc->err)) < 0 ||
	    qemu_body(sc, xenopsd ? SIF_ITEM_LEGACY_QEMU : SIF_ITEM_LIBXC_QEMU, at,
		      (xenopsd ? SIF_LEGACY_QEMU_SIGNATURE_LEN : SIF_LIBXC_QEMU_SIGNATURE_LEN) + 4,
		      len) < 0)
		return -1;
	return image_end(sc, "the qemu record");
}

static int signature_item(struct scan *sc, uint64_t len)
{
	struct sif_image_item it = { .kind = SIF_ITEM_SIGNATURE, .offset = 0, .length = len,
				     .stream = sc->img->stream };

	return visit(sc, &it);
}

static int scan_framed(struct scan *sc)
{
	struct sif_frame_reader fr;
	struct sif_frame_rec rec;
	int r;

	if (sif_frame_open(&fr, sc->s, sc->err) < 0 ||
	    signature_item(sc, SIF_FRAME_SIGNATURE_LEN) < 0)
		return -1;
	while ((r = sif_frame_next(&fr, &rec, sc->err)) > 0) {
		if (rec.body_kind == SIF_BODY_OPAQUE) {
			sc->sum->image_bytes = rec.body;
			return h_opaque(sc, &rec);
		}
		if (frame_handler_of(rec.type)(sc, &rec) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	return image_end(sc, "End_of_image");
}

static int scan_legacy(struct scan *sc)
{
	unsigned char sig[SIF_LEGACY_SIGNATURE_LEN];

	if (sif_src_read_exact(sc->s, sig, sizeof(sig), "image signature", sc->err) < 0 ||
	    signature_item(sc, sizeof(sig)) < 0)
		return -1;
	return v1_then_qemu(sc, "image", true);
}

/* --- xl save files ---------------------------------------------------------- */

/* The libxl records as the verifier meets them, one item each. */
struct xl_walk {
	struct scan *sc;
	const struct sif_v2_libxl_summary *sum;
	uint64_t header_at, pairs_seen;
	bool header_done;
	int rc;
};

static void xl_record_item(void *ctx, bool libxl, uint32_t type, uint32_t length,
			   uint64_t offset)
{
	struct xl_walk *x = ctx;
	struct sif_image_item it = { .kind = SIF_ITEM_LIBXL_RECORD, .offset = offset,
				     .libxl_type = type };

	if (!libxl || x->rc)
		return;
	if (!x->header_done) {
		struct sif_image_item h = { .kind = SIF_ITEM_LIBXL_HEADER, .offset = x->header_at,
					    .length = SIF_V2_LIBXL_HDR_LEN,
					    .libxl_legacy = x->sum->legacy };

		x->header_done = true;
		if ((x->rc = visit(x->sc, &h)) < 0)
			return;
	}
	it.length = x->sc->s->pos - offset;
	switch (type) {
	case SIF_V2_LIBXL_LIBXC_CONTEXT:
		it.libxc = &x->sum->libxc;
		break;
	case SIF_V2_LIBXL_EMULATOR_XENSTORE_DATA:
		it.emulator_id = x->sum->xenstore_emulator_id;
		it.xenstore_pairs = x->sum->xenstore_pairs - x->pairs_seen;
		it.payload = length - 8;
		x->pairs_seen = x->sum->xenstore_pairs;
		break;
	case SIF_V2_LIBXL_EMULATOR_CONTEXT:
		it.emulator_id = x->sum->emulator_id;
		it.payload = length - 8;
		break;
	case SIF_V2_LIBXL_CHECKPOINT_STATE:
		it.payload = length;
		break;
	default:
		break;
	}
	x->rc = visit(x->sc, &it);
}

static int xl_libxl(struct scan *sc)
{
	struct sif_v2_libxl_summary xl;
	struct xl_walk x = { .sc = sc, .sum = &xl, .header_at = sc->s->pos };
	struct sif_v2_opts vo = { .read_all = sc->o->read_all, .on_record = xl_record_item,
				  .ctx = &x };

	if (sif_v2_verify_libxl(sc->s, &vo, &xl, sc->err) < 0 || x.rc < 0)
		return -1;
	sc->sum->hvm = xl.has_libxc && xl.libxc.guest_type == SIF_V2_GUEST_HVM;
	return image_end(sc, "the libxl stream's END record");
}


static int scan_xl(struct scan *sc)
{
	struct sif_xl_header h;
	struct sif_image_item it = { .kind = SIF_ITEM_XL_HEADER, .offset = sc->s->pos, .xl = &h };
	int rc = -1;

	if (sif_xl_header_read(sc->s, &h, sc->err) < 0)
		goto out;
	it.length = sc->s->pos - it.offset;
	if (visit(sc, &it) < 0)
		goto out;
	sc->sum->needs_legacy_restore = !h.v2;
	rc = h.v2 ? xl_libxl(sc) : v1_then_qemu(sc, "xl save file", false);
out:
	sif_xl_header_free(&h);
	return rc;
}

static int scan_bare(struct scan *sc)
{
	struct sif_v2_opts vo = v2_opts(sc);
	struct sif_v2_summary v2;
	struct sif_v2_libxl_summary xl;
	struct sif_image_item it = { .offset = 0 };

	if (sc->img->stream == SIF_STREAM_LIBXC_V2) {
		if (sif_v2_verify_libxc(sc->s, &vo, &v2, sc->err) < 0)
			return -1;
		it.kind = SIF_ITEM_LIBXC_V2;
		it.libxc = &v2;
		sc->sum->hvm = v2.guest_type == SIF_V2_GUEST_HVM;
	} else {
		if (sif_v2_verify_libxl(sc->s, &vo, &xl, sc->err) < 0)
			return -1;
		it.kind = SIF_ITEM_LIBXL_V2;
		it.libxl = &xl;
		sc->sum->hvm = xl.has_libxc && xl.libxc.guest_type == SIF_V2_GUEST_HVM;
	}
	it.length = sc->s->pos;
	if (visit(sc, &it) < 0)
		return -1;
	return image_end(sc, "the END record");
}

int sif_image_scan(struct sif_image *img, const struct sif_image_scan_opts *o,
		   struct sif_image_summary *sum, struct sif_err *err)
{
	static const struct sif_image_scan_opts defaults;
	struct scan sc = { .img = img, .s = &img->src, .o = o ? o : &defaults, .sum = sum,
			   .err = err };

	memset(sum, 0, sizeof(*sum));
	sum->format = img->format;
	sum->container = img->container_kind;
	sum->stream = img->stream;
	if (img->src.pos != 0)
		return sif_errf(err, SIF_EUSAGE, "%s: the image was already read", img->path);
	switch (img->stream) {
	case SIF_STREAM_FRAMED:
		return scan_framed(&sc);
	case SIF_STREAM_LEGACY:
		return scan_legacy(&sc);
	case SIF_STREAM_LIBXC_V2:
	case SIF_STREAM_LIBXL_V2:
		return scan_bare(&sc);
	case SIF_STREAM_XL:
		return scan_xl(&sc);
	default:
		return sif_errf(err, SIF_EFORMAT, "%s: not a suspend image", img->path);
	}
}
