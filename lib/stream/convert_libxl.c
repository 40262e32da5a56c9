/*
 * The libxl toolstack chunk of a v1 stream (version 1: a list of qemu
 * physmap entries) turned into the xenstore key/value pairs that a libxl
 * v2 stream's EMULATOR_XENSTORE_DATA record carries:
 * physmap/<phys>/start_addr, size and name, hex without leading zeros.
 * A 64-bit libxl leaked 4 bytes of struct padding after each name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert_internal.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static int kv_add(char **kv, size_t *kv_len, size_t limit, const char *s,
		  size_t n, const char *name, struct sif_err *err)
{
	char *nkv;

	if (*kv_len + n + 1 > limit)
		return sif_errf(err, SIF_EFORMAT,
				"%s: libxl toolstack data exceeds %zu bytes of xenstore data",
				name, limit);
	nkv = realloc(*kv, *kv_len + n + 1);
	if (!nkv)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	memcpy(nkv + *kv_len, s, n);
	nkv[*kv_len + n] = '\0';
	*kv = nkv;
	*kv_len += n + 1;
	return 0;
}

int libxl_physmap_to_xenstore(const unsigned char *data, size_t len,
			      unsigned width, char **kv, size_t *kv_len,
			      size_t limit, const char *name, uint64_t at,
			      struct sif_err *err)
{
	uint32_t ver, count;
	size_t off = 8;

#define FAIL(...) sif_errf(err, SIF_EFORMAT, __VA_ARGS__)
	if (len < 8)
		return FAIL("%s: offset %llu: libxl toolstack data of %zu bytes: expected at least 8",
			    name, (unsigned long long)at, len);
	ver = le32(data);
	count = le32(data + 4);
	if (ver != 1)
		return FAIL("%s: offset %llu: libxl toolstack version %u: expected 1",
			    name, (unsigned long long)at, ver);
	for (uint32_t i = 0; i < count; i++) {
		uint64_t phys, start, size;
		uint32_t namelen, take;
		char key[64], val[32];
		int n;

		if (len - off < 28)
			return FAIL("%s: offset %llu: libxl physmap entry %u: header needs 28 bytes, %zu left",
				    name, (unsigned long long)(at + off), i, len - off);
		phys = le64(data + off);
		start = le64(data + off + 8);
		size = le64(data + off + 16);
		namelen = le32(data + off + 24);
		off += 28;
		if (namelen == 0)
			return FAIL("%s: offset %llu: libxl physmap entry %u has no name",
				    name, (unsigned long long)(at + off - 4), i);
		take = namelen + (width == 8 ? 4 : 0);
		if (take < namelen || len - off < take)
			return FAIL("%s: offset %llu: libxl physmap entry %u: name of %u bytes, %zu left",
				    name, (unsigned long long)(at + off), i, take, len - off);
		if (data[off + namelen - 1] != '\0')
			return FAIL("%s: offset %llu: libxl physmap entry %u: name not NUL terminated",
				    name, (unsigned long long)(at + off), i);
		n = snprintf(key, sizeof(key), "physmap/%llx/start_addr", (unsigned long long)phys);
		if (kv_add(kv, kv_len, limit, key, (size_t)n, name, err) < 0)
			return -1;
		n = snprintf(val, sizeof(val), "%llx", (unsigned long long)start);
		if (kv_add(kv, kv_len, limit, val, (size_t)n, name, err) < 0)
			return -1;
		n = snprintf(key, sizeof(key), "physmap/%llx/size", (unsigned long long)phys);
		if (kv_add(kv, kv_len, limit, key, (size_t)n, name, err) < 0)
			return -1;
		n = snprintf(val, sizeof(val), "%llx", (unsigned long long)size);
		if (kv_add(kv, kv_len, limit, val, (size_t)n, name, err) < 0)
			return -1;
		n = snprintf(key, sizeof(key), "physmap/%llx/name", (unsigned long long)phys);
		if (kv_add(kv, kv_len, limit, key, (size_t)n, name, err) < 0)
			return -1;
		/* The value is the name up to its last byte (the NUL). */
		if (kv_add(kv, kv_len, limit, (const char *)data + off, namelen - 1, name, err) < 0)
			return -1;
		off += take;
	}
	return 0;
#undef FAIL
}
