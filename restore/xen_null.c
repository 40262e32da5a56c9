/*
 * The dry-run Xen backend (see sif/xen.h): what `--dry-run` restores into.
 * It creates no domain and keeps nothing, but reads every restore stream
 * to its END through the v2 verifier, so a dry run proves that the bytes
 * libxenguest would get (a converted legacy stream included) are a valid
 * migration v2 stream.
 */
#include <stdlib.h>
#include <string.h>

#include "sif/src.h"
#include "sif/v2.h"
#include "sif/xen.h"

struct null_state {
	struct sif_v2_summary *last;
	uint32_t next_domid;
	bool hvm_known;                 /* of the domain created last */
};

static int null_create(struct sif_xen *x, const struct sif_domain_spec *s,
		       uint32_t *domid, struct sif_err *err)
{
	struct null_state *n = x->priv;

	(void)err;
	n->hvm_known = s->hvm_known;
	*domid = n->next_domid++;
	return 0;
}

static int null_restore(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
			struct sif_restore_result *res, struct sif_err *err)
{
	struct null_state *n = x->priv;
	struct sif_v2_opts o = { .read_all = true };
	struct sif_v2_summary sum;
	struct sif_src src;
	int rc;

	(void)domid;
	memset(res, 0, sizeof(*res));
	/* shared: read exactly to END, as libxenguest does */
	if (sif_src_open_fd(&src, fd, "restore stream", SIF_SRC_SHARED, err) < 0)
		return -1;
	rc = sif_v2_verify_libxc(&src, &o, &sum, err);
	sif_src_close(&src);
	if (rc < 0)
		return -1;
	if (n->hvm_known && (sum.guest_type == SIF_V2_GUEST_HVM) != hvm)
		return sif_errf(err, SIF_EFORMAT, "restore stream is for a%s guest, the domain is %s",
				sum.guest_type == SIF_V2_GUEST_HVM ? "n HVM" : " PV",
				hvm ? "HVM" : "PV");
	if (n->last)
		*n->last = sum;
	return 0;
}

static int null_refuse(struct sif_err *err, const char *what)
{
	return sif_errf(err, SIF_EUSAGE, "dry run: %s needs a real or fake Xen backend", what);
}

static int null_save(struct sif_xen *x, uint32_t domid, int fd, bool hvm,
		     struct sif_err *err)
{
	(void)x; (void)domid; (void)fd; (void)hvm;
	return null_refuse(err, "saving a domain");
}

static int null_dm_load(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			struct sif_err *err)
{
	(void)x; (void)domid; (void)buf; (void)len; (void)err;
	return 0;
}

static int null_dm_save(struct sif_xen *x, uint32_t domid, int fd, uint64_t *len,
			struct sif_err *err)
{
	(void)x; (void)domid; (void)fd; (void)len;
	return null_refuse(err, "saving device-model state");
}

static int null_varstored(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			  struct sif_err *err)
{
	(void)x; (void)domid; (void)buf; (void)len; (void)err;
	return 0;
}

/* Checked as the real backend would decode it, then dropped. */
static int null_vtpm(struct sif_xen *x, uint32_t domid, unsigned index, const void *buf,
		     size_t len, enum sif_vtpm_form form, struct sif_err *err)
{
	unsigned char *raw;
	size_t raw_len;

	(void)x; (void)domid; (void)index;
	if (sif_vtpm_state_bytes(buf, len, form, &raw, &raw_len, err) < 0)
		return -1;
	free(raw);
	return 0;
}

static int null_domid_op(struct sif_xen *x, uint32_t domid, struct sif_err *err)
{
	(void)x; (void)domid; (void)err;
	return 0;
}

static int null_lookup(struct sif_xen *x, const char *uuid, uint32_t *domid,
		       struct sif_err *err)
{
	(void)x; (void)domid;
	return sif_errf(err, SIF_ENOTFOUND, "dry run: no domain runs VM %s", uuid);
}

static int null_xs_write(struct sif_xen *x, const char *path, const char *value,
			 struct sif_err *err)
{
	(void)x; (void)path; (void)value; (void)err;
	return 0;
}

static int null_xs_read(struct sif_xen *x, const char *path, char **value,
			struct sif_err *err)
{
	(void)x;
	*value = NULL;
	return sif_errf(err, SIF_ENOTFOUND, "dry run: xenstore has no %s", path);
}

static void null_close(struct sif_xen *x)
{
	free(x->priv);
	free(x);
}

static const struct sif_xen_ops null_ops = {
	.name = "dry-run",
	.domain_create = null_create,
	.domain_restore = null_restore,
	.domain_save = null_save,
	.dm_state_load = null_dm_load,
	.dm_state_save = null_dm_save,
	.varstored_restore = null_varstored,
	.vtpm_restore = null_vtpm,
	.domain_unpause = null_domid_op,
	.domain_destroy = null_domid_op,
	.domain_lookup = null_lookup,
	.xs_write = null_xs_write,
	.xs_read = null_xs_read,
	.close = null_close,
};

int sif_xen_open_null(struct sif_xen **out, struct sif_v2_summary *last,
		      struct sif_err *err)
{
	struct sif_xen *x = calloc(1, sizeof(*x));
	struct null_state *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (!x || !n) {
		free(x);
		free(n);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	n->last = last;
	n->next_domid = 1;
	x->ops = &null_ops;
	x->priv = n;
	*out = x;
	return 0;
}
