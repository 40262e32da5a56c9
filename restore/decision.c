/*
 * The restore decision (include/sif/restore.h).  Pure: every input comes in
 * the struct, the answer goes out in the struct.  Unknown values are errors,
 * not guesses: a wrong guess restores a guest from a stream read the wrong way.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sif/restore.h"
#include "sif/sexpr.h"

/* The first Xen whose libxc writes migration v2 streams. */
#define V2_MAJOR 4
#define V2_MINOR 5

static const char *const formats[] = { "legacy", "structured", "raw", NULL };

const char *sif_format_name(const char *value)
{
	for (const char *const *f = formats; value && *f; f++)
		if (!strcmp(*f, value))
			return *f;
	return NULL;
}

static int parse_uint(const char **p, unsigned *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	v = strtoul(*p, &end, 10);
	if (errno || v > 0xffff)
		return -1;
	*out = (unsigned)v;
	*p = end;
	return 0;
}

int sif_parse_xen_version(const char *v, unsigned *major, unsigned *minor,
			  struct sif_err *err)
{
	const char *p = v;

	if (!v || parse_uint(&p, major) < 0 || *p++ != '.' || parse_uint(&p, minor) < 0 ||
	    (*p && *p != '.' && *p != '-' && *p != '+' && *p != '~'))
		return sif_errf(err, SIF_EFORMAT,
				"'%s' is not a Xen version (expected MAJOR.MINOR[.PATCH][-SUFFIX], "
				"e.g. 4.4.1-xs131111)", v ? v : "");
	return 0;
}

/* VM.platform's suspend-image-format, if an admin put one there. */
static void note_platform(const struct sif_restore_input *in,
			  struct sif_restore_decision *out)
{
	struct sif_strlist l;
	long k;

	if (!in->vm_platform || sif_sexpr_parse_map(in->vm_platform, &l, NULL) < 0)
		return;
	k = sif_strlist_find(&l, SIF_PLATFORMDATA_KEY);
	if (k >= 0)
		snprintf(out->ignored, sizeof(out->ignored),
			 "VM %s: platform:%s=%s ignored: the system decides the restore path",
			 in->vm_uuid ? in->vm_uuid : "?", SIF_PLATFORMDATA_KEY, l.vals[k]);
	sif_strlist_free(&l);
}

static int decide_resume(const struct sif_restore_input *in,
			 struct sif_restore_decision *out, struct sif_err *err)
{
	if (!in->vdi_format) {
		out->format = "legacy";
		snprintf(out->reason, sizeof(out->reason),
			 "VDI %s has no suspend_image_format: written before sif, so legacy",
			 in->vdi_uuid ? in->vdi_uuid : "?");
		return 0;
	}
	out->format = sif_format_name(in->vdi_format);
	if (!out->format)
		return sif_errf(err, SIF_EFORMAT,
				"VDI %s: suspend_image_format '%s' is not one of legacy, "
				"structured, raw", in->vdi_uuid ? in->vdi_uuid : "?",
				in->vdi_format);
	snprintf(out->reason, sizeof(out->reason), "VDI %s suspend_image_format=%s",
		 in->vdi_uuid ? in->vdi_uuid : "?", out->format);
	return 0;
}

static int decide_receive(const struct sif_restore_input *in,
			  struct sif_restore_decision *out, struct sif_err *err)
{
	const char *host = in->host_uuid ? in->host_uuid : "?";
	struct sif_strlist l;
	unsigned major, minor;
	long k;
	int rc = -1;

	if (!in->host_software_version)
		return sif_errf(err, SIF_EUSAGE,
				"host %s: no software_version: cannot tell the stream format", host);
	if (sif_sexpr_parse_map(in->host_software_version, &l, err) < 0) {
		sif_err_prefix(err, "host %s: software_version", host);
		return -1;
	}
	k = sif_strlist_find(&l, "xen");
	if (k < 0) {
		sif_errf(err, SIF_EFORMAT,
			 "host %s: software_version has no 'xen' key: cannot tell the stream format",
			 host);
		goto out;
	}
	if (sif_parse_xen_version(l.vals[k], &major, &minor, err) < 0) {
		sif_err_prefix(err, "host %s: software_version xen", host);
		goto out;
	}
	/* Before 4.5, libxc sent v1 streams; since, v2 records framed by xenopsd. */
	out->format = major < V2_MAJOR || (major == V2_MAJOR && minor < V2_MINOR) ?
		      "legacy" : "structured";
	snprintf(out->reason, sizeof(out->reason), "sending host %s runs Xen %s (%s 4.5)",
		 host, l.vals[k], *out->format == 'l' ? "older than" : "at least");
	rc = 0;
out:
	sif_strlist_free(&l);
	return rc;
}

int sif_restore_decide(const struct sif_restore_input *in,
		       struct sif_restore_decision *out, struct sif_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	switch (in->context) {
	case SIF_RESTORE_RESUME:
		rc = decide_resume(in, out, err);
		break;
	case SIF_RESTORE_MIGRATE_RECEIVE:
		rc = decide_receive(in, out, err);
		break;
	default:
		return sif_errf(err, SIF_EUSAGE, "unknown restore context %d", (int)in->context);
	}
	if (rc < 0)
		return -1;
	out->legacy = !strcmp(out->format, "legacy");
	note_platform(in, out);
	return 0;
}
