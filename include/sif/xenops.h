/*
 * The Xenops record of a structured or raw suspend image: the small
 * S-expression xenopsd writes first after the signature (its
 * Suspend_image.Xenops_record, printed by sexplib in machine format):
 *
 *     ((time 20240101T12:00:00Z)(word_size 64)(vm_str"{...}")(xs_subtree()))
 *
 * `time` and `word_size` are required; `vm_str` (the VM metadata xenopsd
 * saved, a JSON string) and `xs_subtree` (a list of (key value) pairs,
 * always empty since CA-248130) are optional.  As in xenopsd, a field it
 * does not know, a duplicate field or a malformed value is an error.
 *
 * Atoms are binary-safe (sexplib escapes control bytes as \DDD), so every
 * string carries its length.  Not for other S-expressions: this parser
 * reads exactly the shape of one record.
 */
#ifndef SIF_XENOPS_H
#define SIF_XENOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sif/err.h"

/* Largest Xenops record body sif reads into memory. */
#define SIF_XENOPS_MAX (1u << 20)

struct sif_bytes {
	char *p;        /* NUL terminated for convenience; may hold NULs */
	size_t len;
};

struct sif_xenops_kv {
	struct sif_bytes key, val;
};

struct sif_xenops_record {
	struct sif_bytes time;
	int word_size;              /* 32 or 64 */
	bool has_vm_str;
	struct sif_bytes vm_str;
	bool has_xs_subtree;
	size_t n_xs;
	struct sif_xenops_kv *xs;
};

/*
 * Parse a Xenops record body of len bytes.  Errors name the byte offset
 * within the body ("offset N") and what was expected; the caller prefixes
 * the image name and the body's offset in the image.
 */
int sif_xenops_parse(const void *body, size_t len, struct sif_xenops_record *rec,
		     struct sif_err *err);

/*
 * Print a record the way xenopsd does (sexplib machine format, fields in
 * declaration order, absent options omitted).  Returns a malloc'd string
 * of *len bytes (NUL terminated), or NULL with err filled.
 */
char *sif_xenops_format(const struct sif_xenops_record *rec, size_t *len,
			struct sif_err *err);

/* The timestamp format of xenopsd's Clock.Date.to_rfc3339, UTC: 16+2 bytes. */
#define SIF_XENOPS_TIME_LEN 18
void sif_xenops_time(int64_t unix_seconds, char out[SIF_XENOPS_TIME_LEN + 1]);

void sif_xenops_free(struct sif_xenops_record *rec);

/*
 * The body xenopsd writes at suspend: time `now`, word_size 64, vm_str if
 * not NULL, an empty xs_subtree (since CA-248130).  malloc'd, *len bytes.
 */
char *sif_xenops_body(int64_t now, const char *vm_str, size_t *len, struct sif_err *err);

/*
 * vm_str as xenopsd writes it at suspend (Vm.sexp_of_t of its VM record,
 * sexplib machine format): id, name, platformdata and the builder (HVM or
 * PV), memory and vcpus from what the caller knows of the VM; every other
 * field of Vm.t with xenopsd's defaults.  xenopsd reads the Xenops record
 * back but not vm_str, so this records the VM the image belongs to.
 * malloc'd, *len bytes, NUL terminated.
 */
struct sif_xenops_vm {
	const char *uuid, *name;
	bool hvm;
	const char *const *platform_keys, *const *platform_vals;
	size_t n_platform;
	int64_t memory_static_max;      /* bytes */
	unsigned vcpus_max;
};

char *sif_xenops_vm_str(const struct sif_xenops_vm *vm, size_t *len, struct sif_err *err);

#endif
