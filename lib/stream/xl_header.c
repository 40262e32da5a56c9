/*
 * The xl save file header and its optional data (see sif/xl.h): the fixed
 * part checked as xl's restore checks it (tools/xl/xl_vmcontrol.c), the
 * config read whole (bounded) and, when it is JSON, parsed with json-c for
 * the few fields `inspect` shows.  Not the streams that follow.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>

#include "base/endian_int.h"
#include "sif/xl.h"

static int fail(const char *name, uint64_t at, struct sif_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(const char *name, uint64_t at, struct sif_err *err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sif_errf(err, SIF_EFORMAT, "%s: offset %llu: %s", name, (unsigned long long)at, msg);
}

int sif_xl_header_check(const unsigned char *p, size_t n, const char *name, uint64_t at,
			struct sif_xl_header *h, struct sif_err *err)
{
	uint32_t order, unknown;

	if (n < SIF_XL_MAGIC_LEN || memcmp(p, SIF_XL_MAGIC, SIF_XL_MAGIC_LEN))
		return fail(name, at, err, "expected the xl save file magic \"Xen saved domain, xl "
			    "format\\n \\0 \\r\"");
	if (n < SIF_XL_HEADER_LEN)
		return fail(name, at + n, err, "truncated xl save file header: expected %u bytes, got %zu",
			    SIF_XL_HEADER_LEN, n);
	order = get_le32(p + 32);
	if (order != SIF_XL_BYTEORDER)
		return fail(name, at + 32, err, "xl header byte order 0x%08x: expected 0x01020304%s", order,
			    order == 0x04030201u ? " (the file was saved on a big-endian host)" : "");
	h->mandatory = get_le32(p + 36);
	h->optional = get_le32(p + 40);
	h->optlen = get_le32(p + 44);
	unknown = h->mandatory & ~SIF_XL_FLAGS_KNOWN;
	if (unknown)
		return fail(name, at + 36, err, "xl header mandatory flags 0x%x: 0x%x unknown (xl of Xen "
			    "4.17 knows 0x1 JSON config and 0x2 libxl v2 stream, and refuses the rest)",
			    h->mandatory, unknown);
	if (h->optlen > SIF_XL_OPTDATA_MAX)
		return fail(name, at + 44, err, "xl header optional data of %u bytes: more than the %u "
			    "a domain config takes", h->optlen, SIF_XL_OPTDATA_MAX);
	if (h->optlen && h->optlen < 4)
		return fail(name, at + 44, err, "xl header optional data of %u bytes: too short for the "
			    "config length (4 bytes)", h->optlen);
	h->v2 = h->mandatory & SIF_XL_FLAG_STREAMV2;
	h->json = h->mandatory & SIF_XL_FLAG_JSON;
	memcpy(h->raw, p, SIF_XL_HEADER_LEN);
	return 0;
}

static void copy_str(char *to, size_t n, struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(to, n, "%s", json_object_get_string(v));
}

static int64_t get_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
		return json_object_get_int64(v);
	return -1;
}

static int parse_config(const char *name, uint64_t at, struct sif_xl_header *h,
			const char *cfg, struct sif_err *err)
{
	struct json_tokener *tok;
	struct json_object *top, *c_info = NULL, *b_info = NULL;
	enum json_tokener_error je;
	size_t len = strlen(cfg);

	if (!(tok = json_tokener_new()))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	top = json_tokener_parse_ex(tok, cfg, (int)len);
	je = json_tokener_get_error(tok);
	if (!top || je != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
		size_t end = json_tokener_get_parse_end(tok);

		json_tokener_free(tok);
		if (top)
			json_object_put(top);
		return fail(name, at + end, err, "the xl domain config (JSON, %u bytes at offset %llu) "
			    "does not parse: %s", h->config_len, (unsigned long long)at,
			    je != json_tokener_success ? json_tokener_error_desc(je) : "text after the object");
	}
	json_tokener_free(tok);
	if (!json_object_is_type(top, json_type_object)) {
		json_object_put(top);
		return fail(name, at, err, "the xl domain config is JSON but not an object");
	}
	json_object_object_get_ex(top, "c_info", &c_info);
	json_object_object_get_ex(top, "b_info", &b_info);
	copy_str(h->name, sizeof(h->name), c_info, "name");
	copy_str(h->type, sizeof(h->type), c_info, "type");
	copy_str(h->uuid, sizeof(h->uuid), c_info, "uuid");
	h->max_vcpus = get_int(b_info, "max_vcpus");
	h->max_memkb = get_int(b_info, "max_memkb");
	json_object_put(top);
	return 0;
}

/* u32 config length, the config; what follows is xl's "skip tail if not understood". */
static int optdata(struct sif_src *src, uint64_t at, struct sif_xl_header *h, struct sif_err *err)
{
	const char *cfg;

	h->config_len = get_le32(h->optdata);
	if (h->config_len > h->optlen - 4)
		return fail(src->name, at, err, "xl domain config of %u bytes overruns the %u bytes of "
			    "optional data", h->config_len, h->optlen - 4);
	h->optdata_extra = h->optlen - 4 - h->config_len;
	if (!h->json || !h->config_len)
		return 0;
	cfg = (const char *)h->optdata + 4;
	if (cfg[h->config_len - 1] != '\0')
		return fail(src->name, at + 4 + h->config_len - 1, err, "the xl domain config (JSON, %u "
			    "bytes) does not end with a NUL", h->config_len);
	return parse_config(src->name, at + 4, h, cfg, err);
}

int sif_xl_header_read(struct sif_src *src, struct sif_xl_header *h, struct sif_err *err)
{
	unsigned char b[SIF_XL_HEADER_LEN];
	uint64_t at = src->pos;
	size_t n = SIF_XL_HEADER_LEN;

	memset(h, 0, sizeof(*h));
	h->offset = at;
	h->max_vcpus = h->max_memkb = -1;
	if (sif_src_remaining(src) < n)
		n = (size_t)sif_src_remaining(src);
	if (sif_src_read_exact(src, b, n, "xl save file header", err) < 0 ||
	    sif_xl_header_check(b, n, src->name, at, h, err) < 0)
		return -1;
	if (!h->optlen)
		return 0;
	if (!(h->optdata = malloc(h->optlen)))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (sif_src_read_exact(src, h->optdata, h->optlen, "xl header optional data", err) < 0)
		return -1;
	return optdata(src, at + SIF_XL_HEADER_LEN, h, err);
}

void sif_xl_header_free(struct sif_xl_header *h)
{
	free(h->optdata);
	h->optdata = NULL;
}

const char *sif_xl_stream_name(const struct sif_xl_header *h)
{
	return h->v2 ? "libxl v2 stream" : "libxc v1 stream (xl of Xen < 4.6)";
}
