/*
 * Converting one suspend VDI's legacy image ahead of time (see
 * sif/vdi_convert.h): the pool-DB half (load, commit, originals) beside
 * the image half (check, write, dry run), which goes through the image
 * module and the converter like every other reader and writer.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/objects.h"
#include "sif/sexpr.h"
#include "sif/v2.h"
#include "sif/vdi_convert.h"
#include "sif/xenops.h"

#define FORMAT_FIELD "suspend_image_format"

static void file_id_text(const struct sif_file_id *id, char out[96])
{
	snprintf(out, 96, "%llu:%llu:%llu:%lld", (unsigned long long)id->dev,
		 (unsigned long long)id->ino, (unsigned long long)id->size,
		 (long long)id->mtime_ns);
}

static int get(struct sif_ctx *ctx, struct sif_db *db, const char *cls, const char *ref,
	       const char *field, char **out, struct sif_err *err)
{
	const struct sif_field *f = sif_ctx_field(ctx, cls, field);

	if (!f)
		return sif_errf(err, SIF_ENOTFOUND, "%s has no field %s", cls, field);
	return sif_obj_get_by_ref(db, ref, f, out, err);
}

static int set(struct sif_ctx *ctx, struct sif_db *db, const char *ref, const char *field,
	       const char *value, struct sif_err *err)
{
	return sif_obj_set_by_ref(db, ref, sif_ctx_field(ctx, "VDI", field), value, 0, err);
}

/* One text column of the first row of sql with one bound parameter (NULL: no row). */
static int query_text(struct sif_db *db, const char *sql, const char *p1, char **out,
		      struct sif_err *err)
{
	return sif_obj_query_text(db, sql, p1, out, err) < 0 ? -1 : 0;
}

int sif_vdi_by_location(struct sif_db *db, const char *path, char **uuid, struct sif_err *err)
{
	return query_text(db, "SELECT uuid FROM VDI WHERE location = ?1 LIMIT 1", path, uuid, err);
}

/* --- load ----------------------------------------------------------------- */

/* vm_str of the VM suspended on this VDI, from its pool-DB record. */
static int load_vm(struct sif_ctx *ctx, struct sif_db *db, struct sif_vdi_conv *v,
		   struct sif_err *err)
{
	char *ref = NULL, *name = NULL, *dt = NULL, *boot = NULL, *mem = NULL, *vcpus = NULL;
	char *platform = NULL;
	struct sif_strlist pl = { 0 };
	struct sif_xenops_vm vm = { 0 };
	size_t len;
	int rc = -1;

	if (query_text(db, "SELECT _ref FROM VM WHERE suspend_VDI = ?1 LIMIT 1", v->ref, &ref,
		       err) < 0)
		return -1;
	if (!ref)
		return 0;
	if (get(ctx, db, "VM", ref, "uuid", &v->vm_uuid, err) < 0 ||
	    get(ctx, db, "VM", ref, "name__label", &name, err) < 0 ||
	    get(ctx, db, "VM", ref, "domain_type", &dt, err) < 0 ||
	    get(ctx, db, "VM", ref, "HVM__boot_policy", &boot, err) < 0 ||
	    get(ctx, db, "VM", ref, "memory__static_max", &mem, err) < 0 ||
	    get(ctx, db, "VM", ref, "VCPUs__max", &vcpus, err) < 0 ||
	    get(ctx, db, "VM", ref, "platform", &platform, err) < 0 ||
	    sif_sexpr_parse_map(platform, &pl, err) < 0)
		goto out;
	vm.uuid = v->vm_uuid;
	vm.name = name;
	/* xapi: domain_type hvm, or unspecified with an HVM boot policy */
	vm.hvm = !strcmp(dt, "hvm") || (strcmp(dt, "pv") && *boot);
	vm.platform_keys = (const char *const *)pl.keys;
	vm.platform_vals = (const char *const *)pl.vals;
	vm.n_platform = pl.n;
	vm.memory_static_max = strtoll(mem, NULL, 10);
	vm.vcpus_max = (unsigned)strtoul(vcpus, NULL, 10);
	if (!(v->vm_str = sif_xenops_vm_str(&vm, &len, err)))
		goto out;
	rc = 0;
out:
	if (rc < 0)
		sif_err_prefix(err, "VM suspended on VDI %s", v->uuid);
	sif_strlist_free(&pl);
	free(ref);
	free(name);
	free(dt);
	free(boot);
	free(mem);
	free(vcpus);
	free(platform);
	return rc;
}

int sif_vdi_conv_load(struct sif_ctx *ctx, struct sif_db *db, const char *uuid,
		      struct sif_vdi_conv *v, struct sif_err *err)
{
	const struct sif_field *f = sif_ctx_field(ctx, "VDI", FORMAT_FIELD);
	char *type = NULL;
	int rc = -1;

	memset(v, 0, sizeof(*v));
	if (!f)
		return sif_errf(err, SIF_ENOTFOUND, "VDI has no field " FORMAT_FIELD " (is the "
				"suspend_image_format plugin loaded? see sif plugin-list)");
	if (!(v->uuid = strdup(uuid)))
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (sif_obj_require_field(db, f, err) < 0 ||
	    sif_obj_ref(db, "VDI", uuid, &v->ref, err) < 0 ||
	    get(ctx, db, "VDI", v->ref, "type", &type, err) < 0 ||
	    get(ctx, db, "VDI", v->ref, "location", &v->location, err) < 0 ||
	    sif_obj_get_by_ref(db, v->ref, f, &v->format, err) < 0)
		goto out;
	if (strcmp(type, "suspend")) {
		sif_errf(err, SIF_EREFUSED, "VDI %s is of type %s, not suspend", uuid, type);
		goto out;
	}
	if (!*v->location) {
		sif_errf(err, SIF_EREFUSED, "VDI %s has no location: where its image is is unknown",
			 uuid);
		goto out;
	}
	if (sif_file_id_get(v->location, &v->orig) < 0) {
		sif_errno(err, SIF_EIO, "VDI %s: %s", uuid, v->location);
		goto out;
	}
	if (load_vm(ctx, db, v, err) < 0)
		goto out;
	rc = 0;
out:
	free(type);
	if (rc < 0)
		sif_vdi_conv_free(v);
	return rc;
}

void sif_vdi_conv_free(struct sif_vdi_conv *v)
{
	free(v->uuid);
	free(v->ref);
	free(v->location);
	free(v->format);
	free(v->vm_uuid);
	free(v->vm_str);
	memset(v, 0, sizeof(*v));
}

/* --- check ---------------------------------------------------------------- */

/* A framed image whose stream record is Libxc_legacy (a pre-4.5 dom0 wrote it). */
static int holds_libxc_legacy(struct sif_image *img, bool *yes, struct sif_err *err)
{
	struct sif_frame_reader fr;
	struct sif_frame_rec rec;
	int s;

	*yes = false;
	if (sif_frame_open(&fr, &img->src, err) < 0)
		return -1;
	while ((s = sif_frame_next(&fr, &rec, err)) > 0) {
		if (rec.body_kind == SIF_BODY_STREAM) {
			*yes = rec.type == SIF_FRAME_LIBXC_LEGACY;
			return 0;
		}
		if (rec.type == SIF_FRAME_END)
			return 0;
	}
	return s;
}

static int open_image(const struct sif_vdi_conv *v, struct sif_image *img, struct sif_err *err)
{
	if (!v->orig.exists)
		return sif_errf(err, SIF_ENOTFOUND, "VDI %s: its image %s does not exist", v->uuid,
				v->location);
	if (sif_image_open(img, v->location, 0, err) < 0) {
		/* the VDI's data, not the caller's arguments, is at fault */
		if (err->code == SIF_EUSAGE)
			err->code = SIF_EFORMAT;
		sif_err_prefix(err, "VDI %s", v->uuid);
		return -1;
	}
	return 0;
}

int sif_vdi_conv_check(struct sif_vdi_conv *v, bool *needed, struct sif_err *err)
{
	struct sif_image img;
	const char *found;
	bool legacy_rec = false;
	int rc = -1;

	*needed = false;
	if (open_image(v, &img, err) < 0)
		return -1;
	v->found = img.format;
	v->container = img.container_kind;
	v->in_bytes = img.stream_size;
	v->out_max = sif_image_convert_max_bytes(img.stream_size) + (4u << 20);
	if (img.format == SIF_IMAGE_FORMAT_UNKNOWN) {
		sif_errf(err, SIF_EFORMAT, "VDI %s: %s is a bare %s, not a suspend image", v->uuid,
			 v->location, sif_stream_kind_name(img.stream));
		goto out;
	}
	found = sif_image_format_name(img.format);
	if (strcmp(found, v->format)) {
		sif_errf(err, SIF_EREFUSED, "VDI %s: " FORMAT_FIELD "=%s but its image %s is %s "
			 "(%s container): not converted (sif vdi-check uuid=%s --image %s)",
			 v->uuid, *v->format ? v->format : "(empty)", v->location, found,
			 sif_container_name(img.container_kind), v->uuid, v->location);
		goto out;
	}
	/* an old xl's v1 stream; a libxl v2 one restores as it is */
	if (img.stream == SIF_STREAM_XL && img.format == SIF_IMAGE_LEGACY) {
		sif_errf(err, SIF_EREFUSED, "VDI %s: %s is an xl save file, not a xenopsd suspend "
			 "image: not converted", v->uuid, v->location);
		goto out;
	}
	if (img.stream == SIF_STREAM_FRAMED && holds_libxc_legacy(&img, &legacy_rec, err) < 0) {
		sif_err_prefix(err, "VDI %s", v->uuid);
		goto out;
	}
	v->libxc_legacy_record = legacy_rec;
	*needed = img.stream == SIF_STREAM_LEGACY || legacy_rec;
	rc = 0;
out:
	sif_image_close(&img);
	return rc;
}

/* --- write ------------------------------------------------------------------ */

static int opened_for_conversion(const struct sif_vdi_conv *v, struct sif_image *img,
				 struct sif_err *err)
{
	struct sif_file_id now;

	if (sif_file_id_get(v->location, &now) < 0)
		return sif_errno(err, SIF_EIO, "VDI %s: %s", v->uuid, v->location);
	if (!sif_file_id_same(&now, &v->orig))
		return sif_errf(err, SIF_EREFUSED, "VDI %s: its image %s changed since it was "
				"checked: not converted", v->uuid, v->location);
	return open_image(v, img, err);
}

int sif_vdi_conv_write(const struct sif_vdi_conv *v, const char *out,
		       const struct sif_vdi_conv_opts *o, struct sif_vdi_conv_result *r,
		       struct sif_err *err)
{
	struct sif_image_convert_opts io = {
		.to = o->to, .xenops_vm = v->vm_str, .now = o->now, .mode = o->mode,
		.conv = { .progress = o->progress, .progress_ctx = o->progress_ctx },
		.written = o->written, .written_ctx = o->written_ctx,
	};
	struct sif_image_summary sum;
	struct sif_image img;
	struct sif_file_id before, now;
	bool written = false;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (opened_for_conversion(v, &img, err) < 0)
		return -1;
	if (sif_file_id_get(out, &before) < 0) {
		sif_errno(err, SIF_EIO, "VDI %s: %s", v->uuid, out);
		goto out;
	}
	if (o->begin)
		o->begin(o->begin_ctx);
	if (sif_image_convert(&img.src, out, &io, &r->conv, &r->out_bytes, err) < 0) {
		sif_err_prefix(err, "VDI %s", v->uuid);
		/* renamed in, but not durably (the directory's fsync failed): take it back */
		written = sif_file_id_get(out, &now) == 0 && now.exists &&
			  !sif_file_id_same(&now, &before);
		goto out;
	}
	written = true;
	if (sif_image_check_written(out, r->out_bytes, &sum, err) < 0) {
		sif_err_prefix(err, "VDI %s: the converted image does not verify", v->uuid);
		goto out;
	}
	if (sum.format != o->to || sum.needs_legacy_restore) {
		sif_errf(err, SIF_EINTERNAL, "VDI %s: %s reads back as a %s image%s", v->uuid, out,
			 sif_image_format_name(sum.format),
			 sum.needs_legacy_restore ? " that still needs the legacy path" : "");
		goto out;
	}
	r->hvm = sum.hvm;
	if (sif_file_id_get(out, &r->out) < 0) {
		sif_errno(err, SIF_EIO, "VDI %s: %s", v->uuid, out);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0 && written)
		unlink(out);
	sif_image_close(&img);
	return rc;
}

/* --- dry run ---------------------------------------------------------------- */

struct pipe_sink {
	int fd;
	const char *name;
};

static int pipe_write(void *ctx, const void *buf, size_t n, struct sif_err *err)
{
	struct pipe_sink *p = ctx;

	return sif_write_exact(p->fd, buf, n, p->name, err);
}

static int pipe_copy(void *ctx, struct sif_src *src, uint64_t n, const char *what,
		     struct sif_err *err)
{
	struct pipe_sink *p = ctx;

	return sif_src_copy_to_fd(src, p->fd, p->name, n, what, err);
}

/* The device model state is checked for its bounds by the converter and not kept. */
static int skip_qemu(void *ctx, struct sif_src *src, uint32_t len, struct sif_err *err)
{
	(void)ctx;
	return sif_src_skip(src, len, "qemu record", err);
}

struct verifier {
	int fd;
	int rc;
	struct sif_v2_summary sum;
	struct sif_err err;
};

static void *verify_thread(void *arg)
{
	struct verifier *vf = arg;
	struct sif_v2_opts o = { .read_all = true };
	struct sif_src src;
	unsigned char extra;

	vf->rc = -1;
	if (sif_src_open_fd(&src, vf->fd, "converted stream", SIF_SRC_SHARED, &vf->err) < 0)
		return NULL;
	vf->rc = sif_v2_verify_libxc(&src, &o, &vf->sum, &vf->err);
	if (vf->rc == 0 && read(vf->fd, &extra, 1) != 0)
		vf->rc = sif_errf(&vf->err, SIF_EFORMAT, "converted stream: bytes after its END");
	sif_src_close(&src);
	/* the converter must not block on a verifier that stopped early */
	while (read(vf->fd, &extra, 1) > 0)
		;
	return NULL;
}

int sif_vdi_conv_dry_run(const struct sif_vdi_conv *v, const struct sif_vdi_conv_opts *o,
			 struct sif_vdi_conv_result *r, struct sif_err *err)
{
	struct sif_convert_opts co = { .progress = o->progress, .progress_ctx = o->progress_ctx };
	struct verifier vf = { .fd = -1 };
	struct pipe_sink ps = { .fd = -1, .name = "the verifier's pipe" };
	struct sif_image img;
	sigset_t pipe_sig, old;
	pthread_t th;
	int fds[2], rc = -1;

	memset(r, 0, sizeof(*r));
	if (opened_for_conversion(v, &img, err) < 0)
		return -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		sif_errno(err, SIF_EIO, "pipe");
		goto out;
	}
	vf.fd = fds[0];
	ps.fd = fds[1];
	if (pthread_create(&th, NULL, verify_thread, &vf)) {
		close(fds[0]);
		close(fds[1]);
		sif_errf(err, SIF_ENOMEM, "cannot start the verifier");
		goto out;
	}
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, &old);
	{
		const struct sif_convert_sink sink = { .name = ps.name, .ctx = &ps,
			.write = pipe_write, .copy = pipe_copy, .qemu = skip_qemu };

		rc = sif_convert_to(&img.src, &sink, &co, &r->conv, err);
	}
	close(fds[1]);
	pthread_join(th, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fds[0]);
	if (rc < 0) {
		sif_err_prefix(err, "VDI %s", v->uuid);
	} else if (vf.rc < 0) {
		*err = vf.err;
		sif_err_prefix(err, "VDI %s: the converted stream does not verify", v->uuid);
		rc = -1;
	} else {
		r->hvm = vf.sum.guest_type == SIF_V2_GUEST_HVM;
	}
out:
	sif_image_close(&img);
	return rc;
}

/* --- commit ---------------------------------------------------------------- */

static int remember_original(struct sif_ctx *ctx, struct sif_db *db, const struct sif_vdi_conv *v,
			     struct sif_err *err)
{
	struct sif_strlist oc = { 0 };
	char *text = NULL, idt[96];
	long i;
	int rc = -1;

	if (get(ctx, db, "VDI", v->ref, "other_config", &text, err) < 0 ||
	    sif_sexpr_parse_map(text, &oc, err) < 0)
		goto out;
	free(text);
	text = NULL;
	file_id_text(&v->orig, idt);
	/* a second conversion of an already converted VDI keeps the first original */
	if ((i = sif_strlist_find(&oc, SIF_VDI_ORIGINAL_KEY)) < 0) {
		if (sif_strlist_add(&oc, SIF_VDI_ORIGINAL_KEY, v->location) < 0 ||
		    sif_strlist_add(&oc, SIF_VDI_ORIGINAL_ID_KEY, idt) < 0) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
	}
	if (!(text = sif_sexpr_format_map(&oc))) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	rc = set(ctx, db, v->ref, "other_config", text, err);
out:
	sif_strlist_free(&oc);
	free(text);
	return rc;
}

/* Within the transaction: the VDI and both files as the conversion saw them. */
static int unchanged(struct sif_ctx *ctx, struct sif_db *db, const struct sif_vdi_conv *v,
		     const char *out, const struct sif_vdi_conv_result *r, struct sif_err *err)
{
	const struct sif_field *f = sif_ctx_field(ctx, "VDI", FORMAT_FIELD);
	char *ref = NULL, *loc = NULL, *fmt = NULL, *other = NULL;
	struct sif_file_id now;
	int rc = -1;

	if (query_text(db, "SELECT _ref FROM VDI WHERE uuid = ?1", v->uuid, &ref, err) < 0)
		goto out;
	if (!ref || strcmp(ref, v->ref)) {
		sif_errf(err, SIF_EREFUSED, "VDI %s was removed during the conversion", v->uuid);
		goto out;
	}
	if (get(ctx, db, "VDI", ref, "location", &loc, err) < 0 ||
	    sif_obj_get_by_ref(db, ref, f, &fmt, err) < 0)
		goto out;
	if (strcmp(loc, v->location) || strcmp(fmt, v->format)) {
		sif_errf(err, SIF_EREFUSED, "VDI %s changed during the conversion (location %s, "
			 FORMAT_FIELD "=%s; was %s, %s)", v->uuid, loc, fmt, v->location, v->format);
		goto out;
	}
	if (sif_file_id_get(v->location, &now) < 0 || !sif_file_id_same(&now, &v->orig)) {
		sif_errf(err, SIF_EREFUSED, "VDI %s: its image %s changed during the conversion",
			 v->uuid, v->location);
		goto out;
	}
	if (sif_file_id_get(out, &now) < 0 || !sif_file_id_same(&now, &r->out)) {
		sif_errf(err, SIF_EREFUSED, "VDI %s: the converted image %s changed or went away "
			 "after it was verified", v->uuid, out);
		goto out;
	}
	if (sif_vdi_by_location(db, out, &other, err) < 0)
		goto out;
	if (other) {
		sif_errf(err, SIF_EREFUSED, "VDI %s: %s is already the image of VDI %s", v->uuid,
			 out, other);
		goto out;
	}
	rc = 0;
out:
	free(ref);
	free(loc);
	free(fmt);
	free(other);
	return rc;
}

int sif_vdi_conv_commit(struct sif_ctx *ctx, struct sif_db *db, const struct sif_vdi_conv *v,
			const char *out, enum sif_image_format to,
			const struct sif_vdi_conv_result *r, struct sif_err *err)
{
	const struct sif_field *f = sif_ctx_field(ctx, "VDI", FORMAT_FIELD);
	char size[32];

	snprintf(size, sizeof(size), "%llu", (unsigned long long)r->out_bytes);
	if (sif_db_begin(db, err) < 0)
		return -1;
	if (unchanged(ctx, db, v, out, r, err) < 0 ||
	    set(ctx, db, v->ref, "location", out, err) < 0 ||
	    sif_obj_set_by_ref(db, v->ref, f, sif_image_format_name(to), 0, err) < 0 ||
	    set(ctx, db, v->ref, "physical_utilisation", size, err) < 0 ||
	    remember_original(ctx, db, v, err) < 0 ||
	    sif_db_commit(db, err) < 0) {
		sif_db_rollback(db);
		return -1;
	}
	return 0;
}

/* --- originals -------------------------------------------------------------- */

static int forget_original(struct sif_ctx *ctx, struct sif_db *db, const char *ref,
			   struct sif_err *err)
{
	struct sif_strlist oc = { 0 }, keep = { 0 };
	char *text = NULL;
	int rc = -1;

	if (sif_db_begin(db, err) < 0)
		return -1;
	if (get(ctx, db, "VDI", ref, "other_config", &text, err) < 0 ||
	    sif_sexpr_parse_map(text, &oc, err) < 0)
		goto out;
	for (size_t i = 0; i < oc.n; i++)
		if (strcmp(oc.keys[i], SIF_VDI_ORIGINAL_KEY) &&
		    strcmp(oc.keys[i], SIF_VDI_ORIGINAL_ID_KEY) &&
		    sif_strlist_add(&keep, oc.keys[i], oc.vals[i]) < 0) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
	free(text);
	if (!(text = sif_sexpr_format_map(&keep))) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if (set(ctx, db, ref, "other_config", text, err) < 0 || sif_db_commit(db, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		sif_db_rollback(db);
	sif_strlist_free(&oc);
	sif_strlist_free(&keep);
	free(text);
	return rc;
}

/* Remove path and make the removal durable. */
static int unlink_durable(const char *path, struct sif_err *err)
{
	char *dir = strdup(path), *slash;
	int fd, rc = -1;

	if (!dir)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (unlink(path) < 0 && errno != ENOENT) {
		sif_errno(err, SIF_EIO, "removing %s", path);
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || sif_fs_ops()->fsync(fd) < 0) {
		sif_errno(err, SIF_EIO, "fsync of directory %s", dir);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	free(dir);
	return rc;
}

/* Why the recorded original must stay, or NULL to remove it. */
static char *why_keep(struct sif_db *db, const char *uuid, const char *path, const char *idt,
		      const char *loc, struct sif_err *err, int *rc)
{
	struct sif_file_id now;
	char *user = NULL, *why = NULL, cur[96];

	*rc = 0;
	if (!strcmp(loc, path)) {
		if (asprintf(&why, "%s is still VDI %s's image", path, uuid) < 0)
			why = NULL;
		return why;
	}
	if (sif_vdi_by_location(db, path, &user, err) < 0) {
		*rc = -1;
		return NULL;
	}
	if (sif_file_id_get(path, &now) < 0) {
		*rc = sif_errno(err, SIF_EIO, "%s", path);
		free(user);
		return NULL;
	}
	file_id_text(&now, cur);
	if (user) {
		if (asprintf(&why, "%s is the image of VDI %s", path, user) < 0)
			why = NULL;
	} else if (now.exists && !now.regular) {
		if (asprintf(&why, "%s is not a regular file (a device is the SR's business)",
			     path) < 0)
			why = NULL;
	} else if (now.exists && strcmp(cur, idt)) {
		if (asprintf(&why, "%s changed since the conversion (%s, was %s)", path, cur, idt) < 0)
			why = NULL;
	}
	free(user);
	return why;
}

int sif_vdi_conv_remove_original(struct sif_ctx *ctx, struct sif_db *db, const char *uuid,
				 char **removed, char **kept, struct sif_err *err)
{
	struct sif_strlist oc = { 0 };
	char *ref = NULL, *text = NULL, *loc = NULL, *why = NULL;
	struct sif_file_id id;
	long pi, ii;
	int rc = -1, s;

	*removed = *kept = NULL;
	if (sif_obj_ref(db, "VDI", uuid, &ref, err) < 0 ||
	    get(ctx, db, "VDI", ref, "other_config", &text, err) < 0 ||
	    get(ctx, db, "VDI", ref, "location", &loc, err) < 0 ||
	    sif_sexpr_parse_map(text, &oc, err) < 0)
		goto out;
	pi = sif_strlist_find(&oc, SIF_VDI_ORIGINAL_KEY);
	ii = sif_strlist_find(&oc, SIF_VDI_ORIGINAL_ID_KEY);
	if (pi < 0) {
		rc = 0;
		goto out;
	}
	why = why_keep(db, uuid, oc.vals[pi], ii < 0 ? "" : oc.vals[ii], loc, err, &s);
	if (s < 0)
		goto out;
	if (why) {
		*kept = why;
		why = NULL;
	} else if (sif_file_id_get(oc.vals[pi], &id) == 0 && id.exists) {
		if (unlink_durable(oc.vals[pi], err) < 0)
			goto out;
		if (!(*removed = strdup(oc.vals[pi]))) {
			sif_errf(err, SIF_ENOMEM, "out of memory");
			goto out;
		}
	}
	/* a file that must stay is no longer ours to remove either */
	rc = forget_original(ctx, db, ref, err);
out:
	if (rc < 0)
		sif_err_prefix(err, "VDI %s", uuid);
	sif_strlist_free(&oc);
	free(ref);
	free(text);
	free(loc);
	free(why);
	return rc;
}

int sif_vdi_conv_with_originals(struct sif_db *db, char ***uuids, size_t *n, struct sif_err *err)
{
	struct sif_stmt *st;
	char **v = NULL;
	size_t cnt = 0;
	int s;

	*uuids = NULL;
	*n = 0;
	if (sif_db_prepare(db, "SELECT uuid FROM VDI WHERE instr(other_config, ?1) > 0 "
			   "ORDER BY uuid", &st, err) < 0)
		return -1;
	if (sif_stmt_bind_text(st, 1, "'" SIF_VDI_ORIGINAL_KEY "'", err) < 0) {
		sif_stmt_finalize(st);
		return -1;
	}
	while ((s = sif_stmt_step(st, err)) == SIF_ROW) {
		char **nv = realloc(v, (cnt + 1) * sizeof(*v));

		if (!nv || !(nv[cnt] = strdup(sif_stmt_text(st, 0)))) {
			v = nv ? nv : v;
			s = sif_errf(err, SIF_ENOMEM, "out of memory");
			break;
		}
		v = nv;
		cnt++;
	}
	sif_stmt_finalize(st);
	if (s < 0) {
		for (size_t i = 0; i < cnt; i++)
			free(v[i]);
		free(v);
		return -1;
	}
	*uuids = v;
	*n = cnt;
	return 0;
}
