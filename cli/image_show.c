/*
 * Text and JSON renderings of a suspend image's items (see image_show.h).
 * Names follow the formats' own words: xenopsd's record names, libxc's
 * record and guest types, "toolstack width" for the v1 word size.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <json.h>

#include "image_show.h"

static const char *guest_name(uint32_t t)
{
	return t == SIF_V2_GUEST_PV ? "x86 PV" : t == SIF_V2_GUEST_HVM ? "x86 HVM" : "?";
}

void image_show_header(FILE *to, const struct sif_image *img)
{
	fprintf(to, "image:      %s (%s, %" PRIu64 " bytes)\n", img->path,
		img->is_blockdev ? "block device" : "file", img->dev_size);
	if (img->container_kind == SIF_CONTAINER_EXT2) {
		fprintf(to, "container:  ext2 (%u-byte blocks; file suspend-image of %" PRIu64
			" bytes in %" PRIu64 " run%s", img->ext2_block_size, img->stream_size,
			img->ext2_runs, img->ext2_runs == 1 ? "" : "s");
		if (img->ext2_holes)
			fprintf(to, ", %" PRIu64 " sparse hole%s of %" PRIu64 " bytes read as zeros",
				img->ext2_holes, img->ext2_holes == 1 ? "" : "s", img->ext2_hole_bytes);
		fprintf(to, ")\n");
	} else
		fprintf(to, "container:  raw (the stream starts at offset 0)\n");
	fprintf(to, "format:     %s\n", img->format ? sif_image_format_name(img->format) :
		"none (a bare migration stream, not a suspend image)");
	fprintf(to, "stream:     %s\n", sif_stream_kind_name(img->stream));
}

struct json_object *image_json_header(const struct sif_image *img)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(img->path));
	json_object_object_add(o, "device_size", json_object_new_int64((int64_t)img->dev_size));
	json_object_object_add(o, "block_device", json_object_new_boolean(img->is_blockdev));
	json_object_object_add(o, "container",
			       json_object_new_string(sif_container_name(img->container_kind)));
	if (img->container_kind == SIF_CONTAINER_EXT2) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "block_size", json_object_new_int64(img->ext2_block_size));
		json_object_object_add(e, "file_size", json_object_new_int64((int64_t)img->stream_size));
		json_object_object_add(e, "runs", json_object_new_int64((int64_t)img->ext2_runs));
		json_object_object_add(e, "holes", json_object_new_int64((int64_t)img->ext2_holes));
		json_object_object_add(e, "hole_bytes",
				       json_object_new_int64((int64_t)img->ext2_hole_bytes));
		json_object_object_add(o, "ext2", e);
	}
	json_object_object_add(o, "format", img->format ?
			       json_object_new_string(sif_image_format_name(img->format)) : NULL);
	json_object_object_add(o, "stream", json_object_new_string(
		img->stream == SIF_STREAM_LEGACY ? "legacy" :
		img->stream == SIF_STREAM_FRAMED ? "framed" :
		img->stream == SIF_STREAM_LIBXC_V2 ? "libxc-v2" :
		img->stream == SIF_STREAM_XL ? "xl" : "libxl-v2"));
	return o;
}

const char *image_item_name(const struct sif_image_item *it)
{
	switch (it->kind) {
	case SIF_ITEM_SIGNATURE:   return "signature";
	case SIF_ITEM_FRAME:       return it->frame->name;
	case SIF_ITEM_LIBXC_V1:    return "libxc-v1";
	case SIF_ITEM_LEGACY_QEMU: return "qemu-record";
	case SIF_ITEM_LIBXC_QEMU:  return "libxc-qemu-record";
	case SIF_ITEM_LIBXC_V2:    return "libxc-v2";
	case SIF_ITEM_LIBXL_V2:    return "libxl-v2";
	case SIF_ITEM_UNUSED:      return "unused";
	case SIF_ITEM_OPAQUE:      return "opaque";
	case SIF_ITEM_XL_HEADER:   return "xl-header";
	case SIF_ITEM_LIBXL_HEADER: return "libxl-header";
	case SIF_ITEM_LIBXL_RECORD: return sif_v2_libxl_rec_name(it->libxl_type);
	}
	return "?";
}

static void libxc_text(const struct sif_v2_summary *v, char *buf, size_t n)
{
	char width[48] = "", from[32];

	if (v->guest_type == SIF_V2_GUEST_PV && v->guest_width)
		snprintf(width, sizeof(width), " %u-bit (%u-level pagetables)", v->guest_width * 8,
			 v->pt_levels);
	if (v->xen_major == 0)
		snprintf(from, sizeof(from), "converted from legacy");
	else
		snprintf(from, sizeof(from), "from Xen %u.%u", v->xen_major, v->xen_minor);
	snprintf(buf, n, "libxc v2 stream version %u, %s%s, %s: %" PRIu64 " pages in %" PRIu64
		 " PAGE_DATA records, %u vcpu%s, %" PRIu64 " records", v->version,
		 guest_name(v->guest_type), width, from, v->pages, v->page_records, v->vcpus,
		 v->vcpus == 1 ? "" : "s", v->records);
}

static void libxl_text(const struct sif_v2_libxl_summary *x, char *buf, size_t n)
{
	char inner[256] = "no libxc stream";

	if (x->has_libxc)
		libxc_text(&x->libxc, inner, sizeof(inner));
	snprintf(buf, n, "libxl v2 stream%s, %" PRIu64 " records; %s; emulator context %" PRIu64
		 " bytes, %" PRIu64 " xenstore keys", x->legacy ? " (converted from legacy)" : "",
		 x->records, inner, x->emulator_bytes, x->xenstore_pairs);
}

static void v1_text(const struct sif_image_v1_info *v, char *buf, size_t n)
{
	char guest[48];

	if (v->hvm)
		snprintf(guest, sizeof(guest), "x86 HVM");
	else if (v->guest_width)
		snprintf(guest, sizeof(guest), "x86 PV %u-bit", v->guest_width * 8);
	else
		snprintf(guest, sizeof(guest), "x86 PV");
	snprintf(buf, n, "libxc v1 stream (legacy, needs conversion), %s, toolstack width %u%s: "
		 "p2m_size %" PRIu64 ", %" PRIu64 " pages in %" PRIu64 " batches, %u vcpu%s",
		 guest, v->toolstack_width * 8, v->width_detected ? " (detected)" : " (given)",
		 v->p2m_size, v->pages, v->batches, v->vcpus, v->vcpus == 1 ? "" : "s");
}

static const char *emulator_name(uint32_t id)
{
	return id == 1 ? "qemu-trad" : id == 2 ? "qemu-upstream" : "unknown emulator";
}

static void xl_text(const struct sif_xl_header *h, char *buf, size_t n)
{
	char cfg[256] = "no domain config";

	if (h->config_len && h->json)
		snprintf(cfg, sizeof(cfg), "JSON domain config of %u bytes: name \"%.64s\", type %s, "
			 "uuid %s, %lld vcpus, %lld KiB", h->config_len, h->name,
			 h->type[0] ? h->type : "?", h->uuid[0] ? h->uuid : "?",
			 (long long)h->max_vcpus, (long long)h->max_memkb);
	else if (h->config_len)
		snprintf(cfg, sizeof(cfg), "text domain config of %u bytes", h->config_len);
	snprintf(buf, n, "xl save file, mandatory flags 0x%x (%s%s), optional flags 0x%x, %s; "
		 "a %s follows", h->mandatory, h->json ? "JSON config" : "text config",
		 h->v2 ? ", libxl v2 stream" : "", h->optional, cfg, sif_xl_stream_name(h));
}

static void libxl_record_text(const struct sif_image_item *it, char *buf, size_t n)
{
	switch (it->libxl_type) {
	case SIF_V2_LIBXL_LIBXC_CONTEXT:
		libxc_text(it->libxc, buf, n);
		break;
	case SIF_V2_LIBXL_EMULATOR_XENSTORE_DATA:
		snprintf(buf, n, "%s: %" PRIu64 " xenstore key%s for the device model", emulator_name(it->emulator_id),
			 it->xenstore_pairs, it->xenstore_pairs == 1 ? "" : "s");
		break;
	case SIF_V2_LIBXL_EMULATOR_CONTEXT:
		snprintf(buf, n, "%s: %" PRIu64 " bytes of device model state", emulator_name(it->emulator_id),
			 it->payload);
		break;
	case SIF_V2_LIBXL_CHECKPOINT_END:
		snprintf(buf, n, "end of a checkpoint (Remus/COLO)");
		break;
	case SIF_V2_LIBXL_CHECKPOINT_STATE:
		snprintf(buf, n, "%" PRIu64 " bytes of checkpoint state (COLO)", it->payload);
		break;
	default:
		snprintf(buf, n, "end of the libxl stream");
		break;
	}
}

static void xenops_text(const struct sif_xenops_record *x, char *buf, size_t n)
{
	snprintf(buf, n, "time %.40s, word_size %d, vm_str %s%zu bytes, xs_subtree %zu pair%s",
		 x->time.p, x->word_size, x->has_vm_str ? "" : "absent, ",
		 x->has_vm_str ? x->vm_str.len : 0, x->n_xs, x->n_xs == 1 ? "" : "s");
}

void image_item_text(const struct sif_image_item *it, char *buf, size_t n)
{
	if (it->kind == SIF_ITEM_XL_HEADER)
		xl_text(it->xl, buf, n);
	else if (it->kind == SIF_ITEM_LIBXL_HEADER)
		snprintf(buf, n, "\"LibxlFmt\" version 2, little-endian%s",
			 it->libxl_legacy ? ", converted from legacy" : "");
	else if (it->kind == SIF_ITEM_LIBXL_RECORD)
		libxl_record_text(it, buf, n);
	else if (it->xenops)
		xenops_text(it->xenops, buf, n);
	else if (it->libxc)
		libxc_text(it->libxc, buf, n);
	else if (it->libxl)
		libxl_text(it->libxl, buf, n);
	else if (it->v1)
		v1_text(it->v1, buf, n);
	else if (it->kind == SIF_ITEM_SIGNATURE)
		snprintf(buf, n, "%s", it->stream == SIF_STREAM_FRAMED ?
			 "\"XenSavedDomv2-\\n\"" : "\"XenSavedDomain\\n\"");
	else if (it->kind == SIF_ITEM_UNUSED)
		snprintf(buf, n, "device space after End_of_image (not part of the image, not read)");
	else if (it->kind == SIF_ITEM_OPAQUE)
		snprintf(buf, n, "%s", IMAGE_OPAQUE_REASON);
	else if (it->kind == SIF_ITEM_FRAME && it->frame->body_kind == SIF_BODY_OPAQUE)
		snprintf(buf, n, "unsized: the vGPU state follows as emu-manager's own stream");
	else if (it->kind == SIF_ITEM_FRAME && it->frame->type == SIF_FRAME_END)
		snprintf(buf, n, "end of image");
	else
		snprintf(buf, n, "%" PRIu64 " bytes of %s state", it->payload,
			 it->kind == SIF_ITEM_FRAME ? it->frame->name : "qemu");
}

static struct json_object *libxc_json(const struct sif_v2_summary *v)
{
	struct json_object *o = json_object_new_object();
	char xen[24];

	json_object_object_add(o, "version", json_object_new_int64(v->version));
	json_object_object_add(o, "guest_type", json_object_new_string(
		v->guest_type == SIF_V2_GUEST_PV ? "pv" : "hvm"));
	if (v->guest_width) {
		json_object_object_add(o, "guest_width", json_object_new_int64(v->guest_width * 8));
		json_object_object_add(o, "pt_levels", json_object_new_int64(v->pt_levels));
	}
	snprintf(xen, sizeof(xen), "%u.%u", v->xen_major, v->xen_minor);
	json_object_object_add(o, "xen_version", json_object_new_string(xen));
	json_object_object_add(o, "legacy_converted", json_object_new_boolean(v->xen_major == 0));
	json_object_object_add(o, "pages", json_object_new_int64((int64_t)v->pages));
	json_object_object_add(o, "pfns", json_object_new_int64((int64_t)v->pfns));
	json_object_object_add(o, "page_records", json_object_new_int64((int64_t)v->page_records));
	json_object_object_add(o, "vcpus", json_object_new_int64(v->vcpus));
	json_object_object_add(o, "records", json_object_new_int64((int64_t)v->records));
	json_object_object_add(o, "length", json_object_new_int64((int64_t)v->length));
	return o;
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v[0] ? json_object_new_string(v) : NULL);
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, v >= 0 ? json_object_new_int64(v) : NULL);
}

static struct json_object *xl_json(const struct sif_xl_header *h)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "mandatory_flags", json_object_new_int64(h->mandatory));
	json_object_object_add(o, "optional_flags", json_object_new_int64(h->optional));
	json_object_object_add(o, "optional_data_bytes", json_object_new_int64(h->optlen));
	json_object_object_add(o, "config_bytes", json_object_new_int64(h->config_len));
	json_object_object_add(o, "config_json", json_object_new_boolean(h->json));
	json_object_object_add(o, "stream", json_object_new_string(h->v2 ? "libxl-v2" : "libxc-v1"));
	add_str(o, "name", h->name);
	add_str(o, "type", h->type);
	add_str(o, "uuid", h->uuid);
	add_int(o, "max_vcpus", h->max_vcpus);
	add_int(o, "max_memkb", h->max_memkb);
	return o;
}

static struct json_object *libxl_record_json(const struct sif_image_item *it)
{
	struct json_object *o;

	if (it->libxl_type == SIF_V2_LIBXL_LIBXC_CONTEXT)
		return libxc_json(it->libxc);
	if (it->libxl_type != SIF_V2_LIBXL_EMULATOR_XENSTORE_DATA &&
	    it->libxl_type != SIF_V2_LIBXL_EMULATOR_CONTEXT)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "emulator", json_object_new_string(emulator_name(it->emulator_id)));
	json_object_object_add(o, "emulator_id", json_object_new_int64(it->emulator_id));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)it->payload));
	if (it->libxl_type == SIF_V2_LIBXL_EMULATOR_XENSTORE_DATA)
		json_object_object_add(o, "xenstore_pairs",
				       json_object_new_int64((int64_t)it->xenstore_pairs));
	return o;
}

static struct json_object *item_details(const struct sif_image_item *it)
{
	struct json_object *o;

	if (it->kind == SIF_ITEM_XL_HEADER)
		return xl_json(it->xl);
	if (it->kind == SIF_ITEM_LIBXL_RECORD)
		return libxl_record_json(it);

	if (it->xenops) {
		o = json_object_new_object();
		json_object_object_add(o, "time", json_object_new_string_len(it->xenops->time.p,
						(int)it->xenops->time.len));
		json_object_object_add(o, "word_size", json_object_new_int64(it->xenops->word_size));
		json_object_object_add(o, "vm_str_bytes", it->xenops->has_vm_str ?
				       json_object_new_int64((int64_t)it->xenops->vm_str.len) : NULL);
		json_object_object_add(o, "xs_subtree_pairs",
				       json_object_new_int64((int64_t)it->xenops->n_xs));
		return o;
	}
	if (it->libxc)
		return libxc_json(it->libxc);
	if (it->libxl) {
		o = json_object_new_object();
		json_object_object_add(o, "legacy_converted", json_object_new_boolean(it->libxl->legacy));
		json_object_object_add(o, "records", json_object_new_int64((int64_t)it->libxl->records));
		json_object_object_add(o, "libxc", it->libxl->has_libxc ?
				       libxc_json(&it->libxl->libxc) : NULL);
		json_object_object_add(o, "emulator_bytes",
				       json_object_new_int64((int64_t)it->libxl->emulator_bytes));
		json_object_object_add(o, "xenstore_pairs",
				       json_object_new_int64((int64_t)it->libxl->xenstore_pairs));
		return o;
	}
	if (it->v1) {
		o = json_object_new_object();
		json_object_object_add(o, "guest_type", json_object_new_string(it->v1->hvm ? "hvm" : "pv"));
		json_object_object_add(o, "toolstack_width",
				       json_object_new_int64(it->v1->toolstack_width * 8));
		json_object_object_add(o, "width_detected", json_object_new_boolean(it->v1->width_detected));
		json_object_object_add(o, "guest_width", it->v1->guest_width ?
				       json_object_new_int64(it->v1->guest_width * 8) : NULL);
		json_object_object_add(o, "p2m_size", json_object_new_int64((int64_t)it->v1->p2m_size));
		json_object_object_add(o, "pages", json_object_new_int64((int64_t)it->v1->pages));
		json_object_object_add(o, "batches", json_object_new_int64((int64_t)it->v1->batches));
		json_object_object_add(o, "vcpus", json_object_new_int64(it->v1->vcpus));
		return o;
	}
	return NULL;
}

struct json_object *image_item_json(const struct sif_image_item *it)
{
	struct json_object *o = json_object_new_object(), *d;

	json_object_object_add(o, "offset", json_object_new_int64((int64_t)it->offset));
	json_object_object_add(o, "length", json_object_new_int64((int64_t)it->length));
	json_object_object_add(o, "record", json_object_new_string(image_item_name(it)));
	if (it->kind == SIF_ITEM_FRAME) {
		json_object_object_add(o, "type", json_object_new_int64((int64_t)it->frame->type));
		json_object_object_add(o, "declared_length",
				       json_object_new_int64((int64_t)it->frame->length));
	}
	if (it->kind == SIF_ITEM_LEGACY_QEMU || it->kind == SIF_ITEM_LIBXC_QEMU ||
	    (it->kind == SIF_ITEM_FRAME && it->frame->body_kind == SIF_BODY_SIZED &&
	     !it->xenops))
		json_object_object_add(o, "payload", json_object_new_int64((int64_t)it->payload));
	if (it->kind == SIF_ITEM_OPAQUE) {
		json_object_object_add(o, "verified", json_object_new_boolean(false));
		json_object_object_add(o, "reason", json_object_new_string(IMAGE_OPAQUE_REASON));
	}
	if (it->kind == SIF_ITEM_LIBXL_RECORD)
		json_object_object_add(o, "libxl_type", json_object_new_int64(it->libxl_type));
	if (it->kind == SIF_ITEM_LIBXL_HEADER)
		json_object_object_add(o, "legacy_converted", json_object_new_boolean(it->libxl_legacy));
	if ((d = item_details(it)))
		json_object_object_add(o, it->kind == SIF_ITEM_XL_HEADER ? "xl" : it->libxc ? "libxc" :
				       it->kind == SIF_ITEM_LIBXL_RECORD ? "emulator" :
				       it->xenops ? "xenops" : it->libxl ? "libxl" : "libxc_v1", d);
	return o;
}

void image_summary_text(const struct sif_image *img, const struct sif_image_summary *sum,
			char *buf, size_t n)
{
	char unused[192] = "";

	if (sum->unused_bytes)
		snprintf(unused, sizeof(unused), "; %" PRIu64 " bytes of device space after it",
			 sum->unused_bytes);
	else if (sum->opaque_offset)
		snprintf(unused, sizeof(unused), "; NOT VERIFIED: offset %" PRIu64 " to the end (%"
			 PRIu64 " bytes), opaque vGPU state after an unsized Demu record",
			 sum->opaque_offset, sum->opaque_bytes);
	snprintf(buf, n, "%s %s (%s container), %s guest%s, %" PRIu64 " bytes in %" PRIu64
		 " items%s", img->stream == SIF_STREAM_XL ? "xl save file, format" :
		 img->format ? sif_image_format_name(img->format) : "bare",
		 img->stream == SIF_STREAM_XL ? sif_image_format_name(img->format) :
		 img->format ? "image" : sif_stream_kind_name(img->stream),
		 sif_container_name(img->container_kind), sum->hvm ? "HVM" : "PV",
		 sum->needs_legacy_restore ? " (legacy restore path)" : "", sum->image_bytes,
		 sum->items, unused);
}

struct json_object *image_unverified_json(const struct sif_image_summary *sum)
{
	struct json_object *o;

	if (!sum->opaque_offset)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "offset", json_object_new_int64((int64_t)sum->opaque_offset));
	json_object_object_add(o, "length", json_object_new_int64((int64_t)sum->opaque_bytes));
	json_object_object_add(o, "reason", json_object_new_string(IMAGE_OPAQUE_REASON));
	return o;
}

int image_width_opt(struct cli *cli, struct cli_args *a, unsigned *bytes)
{
	const char *w = cli_optval(a, "width");

	*bytes = 0;
	if (!w)
		return 0;
	if (!strcmp(w, "32"))
		*bytes = 4;
	else if (!strcmp(w, "64"))
		*bytes = 8;
	else {
		cli_usage_error(cli, a->cmd, "--width takes 32 or 64, not '%s'", w);
		return -1;
	}
	return 0;
}
