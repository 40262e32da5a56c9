/*
 * The real backend's hand-over of a UEFI VM's device state at restore:
 * the Varstored record to the file varstored resumes from, a Swtpm or
 * Swtpm0 record to swtpm's state file, where xenopsd's sandbox puts them
 * (sif/xen.h has the layout; facts/xenopsd.md §2 and xenopsd's
 * device.ml/service.ml/xenops_sandbox.ml the sources).  xenopsd gives the
 * vTPM state to xapi (vtpm_set_contents) for swtpm to fetch; sif has no
 * xapi, so it writes the state file swtpm reads from a dir:// store.
 *
 * Separate from xen_real.c: these are file operations, testable without a
 * hypervisor, and base64 decoding loads glibc's libresolv (b64_pton) on
 * first use instead of at every start of sif.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/io.h"
#include "sif/xen.h"
#include "xen_real_efi.h"

typedef int b64_pton_fn(const char *src, unsigned char *target, size_t size);

static b64_pton_fn *load_b64_pton(struct sif_err *err)
{
	static b64_pton_fn *fn;
	void *h;

	if (fn)
		return fn;
	h = dlopen("libresolv.so.2", RTLD_NOW | RTLD_LOCAL);
	if (!h || !(*(void **)&fn = dlsym(h, "__b64_pton"))) {
		sif_errf(err, SIF_EINTERNAL, "cannot load b64_pton from glibc's libresolv.so.2: %s",
			 dlerror());
		return NULL;
	}
	return fn;
}

static bool b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int sif_vtpm_state_bytes(const void *buf, size_t len, enum sif_vtpm_form form,
			 unsigned char **raw, size_t *raw_len, struct sif_err *err)
{
	const unsigned char *p = buf;
	b64_pton_fn *pton;
	char *text = NULL;
	int n, rc = -1;

	*raw = malloc(len ? len : 1);
	*raw_len = 0;
	if (!*raw)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (form == SIF_VTPM_RAW || len == 0) {
		memcpy(*raw, buf, len);
		*raw_len = len;
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		if (!b64_char(p[i])) {
			sif_errf(err, SIF_EFORMAT, "Swtpm record: byte %zu of %zu is 0x%02x: expected "
				 "base64 (xapi's vTPM contents)", i, len, p[i]);
			goto out;
		}
	if (!(pton = load_b64_pton(err)))
		goto out;
	if (!(text = malloc(len + 1))) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(text, buf, len);
	text[len] = '\0';
	n = pton(text, *raw, len);
	if (n < 0) {
		sif_errf(err, SIF_EFORMAT, "Swtpm record: %zu bytes of base64 with bad padding or "
			 "length: expected xapi's vTPM contents", len);
		goto out;
	}
	*raw_len = (size_t)n;
	rc = 0;
out:
	free(text);
	if (rc < 0) {
		free(*raw);
		*raw = NULL;
	}
	return rc;
}

/* The per-domain user of a sandbox: BASE's uid/gid + domid, if BASE exists. */
static bool sandbox_owner(const char *base, uint32_t domid, bool gid_is_uid, uid_t *uid,
			  gid_t *gid)
{
	struct passwd *pw = getpwnam(base);

	if (!pw)
		return false;
	*uid = pw->pw_uid + domid;
	*gid = gid_is_uid ? *uid : pw->pw_gid + domid;
	return true;
}

/*
 * ROOT/DAEMON-root-DOMID/FILE, as Xenops_sandbox.Chroot.create leaves it:
 * the directory 0750 root:gid, the file 0600 uid:gid, written atomically.
 */
static int write_sandboxed(const char *root, const char *daemon, const char *user,
			   bool gid_is_uid, uint32_t domid, const char *file,
			   const void *buf, size_t len, struct sif_err *err)
{
	struct sif_atomic_file af;
	char dir[4096], path[4200];
	uid_t uid = 0;
	gid_t gid = 0;
	bool owned = sandbox_owner(user, domid, gid_is_uid, &uid, &gid);

	if (mkdir(root, 0755) < 0 && errno != EEXIST)
		return sif_errno(err, SIF_EIO, "%s: mkdir", root);
	snprintf(dir, sizeof(dir), "%s/%s-root-%u", root, daemon, domid);
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return sif_errno(err, SIF_EIO, "%s: mkdir", dir);
	if (owned && chown(dir, 0, gid) < 0)
		return sif_errno(err, SIF_EIO, "%s: chown to gid %u", dir, (unsigned)gid);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (sif_atomic_open(&af, path, 0600, err) < 0)
		return -1;
	if (sif_write_exact(af.fd, buf, len, path, err) < 0)
		goto fail;
	if (owned && fchown(af.fd, uid, gid) < 0) {
		sif_errno(err, SIF_EIO, "%s: chown to %u:%u", path, (unsigned)uid, (unsigned)gid);
		goto fail;
	}
	return sif_atomic_commit(&af, err);
fail:
	sif_atomic_abort(&af);
	return -1;
}

int sif_xen_write_efivars(const char *root, uint32_t domid, const void *buf, size_t len,
			  struct sif_err *err)
{
	return write_sandboxed(root ? root : SIF_VARSTORED_ROOT, "varstored", "qemu_base", false,
			       domid, "efi-vars-resume.dat", buf, len, err);
}

int sif_xen_write_vtpm(const char *root, uint32_t domid, const void *buf, size_t len,
		       enum sif_vtpm_form form, struct sif_err *err)
{
	unsigned char *raw;
	size_t raw_len;
	int rc;

	/* "vTPM state for domid %d is empty: not restoring" (service.ml) */
	if (len == 0)
		return 0;
	if (sif_vtpm_state_bytes(buf, len, form, &raw, &raw_len, err) < 0)
		return -1;
	rc = write_sandboxed(root ? root : SIF_SWTPM_ROOT, "swtpm", "swtpm_base", true, domid,
			     "tpm2-00.permall", raw, raw_len, err);
	free(raw);
	return rc;
}

int real_varstored_restore(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			   struct sif_err *err)
{
	return sif_xen_write_efivars(x->varstored_root, domid, buf, len, err);
}

int real_vtpm_restore(struct sif_xen *x, uint32_t domid, unsigned index, const void *buf,
		      size_t len, enum sif_vtpm_form form, struct sif_err *err)
{
	/* xenopsd's Vm.tpm is an option: one vTPM per VM */
	if (index > 0)
		return sif_errf(err, SIF_EREFUSED, "a second vTPM record (index %u): a VM has at "
				"most one vTPM", index);
	return sif_xen_write_vtpm(x->swtpm_root, domid, buf, len, form, err);
}
