/*
 * pool-convert-legacy --out-dir DIR [--jobs N] [--to raw|structured]
 *                     [--dry-run] [--remove-originals] [--json]:
 * every legacy suspend VDI of the pool DB converted ahead of time.
 *
 *   1. what a killed run left in DIR goes: temp files of dead writers,
 *      images named <vdi-uuid>.suspend-image that no VDI points at;
 *      with --remove-originals, the originals earlier commits recorded;
 *   2. the plan: every VDI of type suspend marked legacy, its content
 *      checked against the field (a disagreement is a failure, listed,
 *      never converted), and every one marked structured or raw whose
 *      image holds a Libxc_legacy record (a look at its record headers;
 *      one that cannot be looked at is a failure, listed); bytes to
 *      convert and the space the new images need, refused with the
 *      numbers when DIR lacks it;
 *   3. worker processes write and verify, N writing at a time
 *      (convert_workers.c: the next ones open their image meanwhile, a
 *      worker's fsync and read-back overlap the next one's writing); this
 *      process commits each finished one on its own, then removes its
 *      original if asked; a failure is listed with its reason and the
 *      rest go on;
 *   4. a summary table (or --json); exit 1 if any VDI failed.
 *
 * DIR is locked for the whole run, so no clean-up takes another run's work.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <json.h>

#include "cli.h"
#include "commands.h"
#include "convert_common.h"
#include "convert_workers.h"
#include "show.h"
#include "sif/ctx.h"
#include "sif/io.h"
#include "sif/objects.h"

#define IMAGE_SUFFIX ".suspend-image"
#define MAX_JOBS 64

const struct cli_opt pool_convert_opts[] = {
	{ "out-dir", true, "directory for the new images (<vdi-uuid>" IMAGE_SUFFIX ")" },
	{ "jobs", true, "conversions at a time (default 1, at most 64; each one's fsync and "
	  "read-back overlap the next)" },
	{ "to", true, CONVERT_TO_HELP },
	{ "dry-run", false, "plan, check, convert and verify in memory; write and change nothing" },
	{ "remove-originals", false, "remove each original image once its VDI points at the new one" },
	{ "json", false, "plan and outcome as JSON" },
	{ NULL, false, NULL },
};

struct run {
	struct cli *cli;
	const char *dir;
	bool dry, remove, json;
	enum sif_image_format to;
	struct conv_job *jobs;          /* the plan: VDIs to convert */
	size_t njobs;
	struct convert_row *refused;    /* VDIs the plan refused */
	size_t nrefused;
	size_t marked_legacy;           /* suspend VDIs whose field says legacy */
	size_t checked;                 /* ... says structured or raw: looked at */
	size_t records;                 /* ... of which hold a Libxc_legacy record */
	struct json_object *leftovers, *originals;
	uint64_t in_bytes, need_bytes, free_bytes;
	unsigned converted, failed;
};

static void note(struct run *r, struct json_object *list, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(struct run *r, struct json_object *list, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	if (r->json)
		json_object_array_add(list, json_object_new_string(s));
	else
		printf("%s\n", s);
	free(s);
}

/* --- 1. what a killed run left ------------------------------------------- */

static bool is_uuid(const char *s)
{
	for (int i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* <uuid>.suspend-image, or its temp file .<uuid>.suspend-image.sif-tmp.* */
static bool our_name(const char *name, bool *temp)
{
	size_t sl = strlen(IMAGE_SUFFIX);

	*temp = name[0] == '.';
	if (*temp)
		name++;
	if (strlen(name) < 36 + sl || !is_uuid(name) || strncmp(name + 36, IMAGE_SUFFIX, sl))
		return false;
	return *temp ? !strncmp(name + 36 + sl, ".sif-tmp.", 9) : !name[36 + sl];
}

static int sweep_one(struct run *r, const char *name, bool temp)
{
	struct sif_err *err = &r->cli->err;
	char path[PATH_MAX], *user = NULL;

	/*
	 * Under the directory's lock every writer of an earlier run is gone
	 * (each held the lock through its parent's descriptor), even one that
	 * is a zombie still: its temp files are stale whatever kill(pid, 0)
	 * says.
	 */
	if (temp) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	} else {
		snprintf(path, sizeof(path), "%s/%s", r->dir, name);
		if (sif_vdi_by_location(r->cli->db, path, &user, err) < 0)
			return -1;
		if (user) {
			free(user);
			return 0;
		}
	}
	if (!r->dry && unlink(path) < 0 && errno != ENOENT)
		return sif_errno(err, SIF_EIO, "removing %s", path);
	note(r, r->leftovers, "%s %s: %s", r->dry ? "would remove" : "removed", path,
	     temp ? "the temp file of a writer that is gone" :
	     "no VDI points at it (a run was interrupted before its commit)");
	return 0;
}

static int sweep(struct run *r)
{
	DIR *d = opendir(r->dir);
	struct dirent *de;
	bool temp;
	int rc = 0;

	if (!d)
		return sif_errno(&r->cli->err, SIF_EIO, "%s", r->dir);
	while (rc == 0 && (de = readdir(d)))
		if (our_name(de->d_name, &temp))
			rc = sweep_one(r, de->d_name, temp);
	closedir(d);
	return rc;
}

static void remove_original(struct run *r, const char *uuid)
{
	char *removed = NULL, *kept = NULL;
	struct sif_err err;

	if (sif_vdi_conv_remove_original(r->cli->ctx, r->cli->db, uuid, &removed, &kept, &err) < 0)
		note(r, r->originals, "VDI %s: original not removed: %s", uuid, err.msg);
	else if (removed)
		note(r, r->originals, "VDI %s: removed the original %s", uuid, removed);
	else if (kept)
		note(r, r->originals, "VDI %s: original kept: %s", uuid, kept);
	free(removed);
	free(kept);
}

/* Originals that earlier commits recorded and a killed or flagless run kept. */
static int earlier_originals(struct run *r)
{
	char **uuids;
	size_t n, i;

	if (sif_vdi_conv_with_originals(r->cli->db, &uuids, &n, &r->cli->err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		remove_original(r, uuids[i]);
		free(uuids[i]);
	}
	free(uuids);
	return 0;
}

/* --- 2. the plan ------------------------------------------------------------ */

static int refuse(struct run *r, const char *uuid, const char *field,
		  const struct sif_vdi_conv *v, const struct sif_err *err)
{
	enum sif_image_format f = SIF_IMAGE_FORMAT_UNKNOWN;
	struct convert_row *nr = realloc(r->refused, (r->nrefused + 1) * sizeof(*nr)), *row;

	if (!nr)
		return sif_errf(&r->cli->err, SIF_ENOMEM, "out of memory");
	r->refused = nr;
	row = &nr[r->nrefused++];
	memset(row, 0, sizeof(*row));
	snprintf(row->vdi, sizeof(row->vdi), "%s", uuid);
	row->status = "failed";
	row->from = sif_image_format_parse(field, &f) == 0 ? sif_image_format_name(f) : NULL;
	row->vm = v && v->vm_uuid ? strdup(v->vm_uuid) : NULL;
	row->original = v && v->location ? strdup(v->location) : NULL;
	row->error = strdup(err->msg);
	r->failed++;
	return 0;
}

/*
 * One suspend VDI (values: uuid, suspend_image_format).  One marked
 * structured or raw is converted only if its image holds a Libxc_legacy
 * record (DESIGN §5: it needs the legacy path too); that takes a look at
 * the image's record headers, up to its stream record.
 */
static int plan_one(void *arg, const char *ref, const char *const *values, struct sif_err *e)
{
	struct run *r = arg;
	bool legacy = !strcmp(values[1], "legacy"), needed = false;
	struct sif_vdi_conv v;
	struct sif_err err = { 0 };
	struct conv_job *nj, *j;
	int rc = 0;

	(void)ref;
	(void)e;
	*(legacy ? &r->marked_legacy : &r->checked) += 1;
	if (sif_vdi_conv_load(r->cli->ctx, r->cli->db, values[0], &v, &err) < 0 ||
	    sif_vdi_conv_check(&v, &needed, &err) < 0) {
		/* one whose image cannot be looked at is listed, not skipped */
		if (!legacy)
			sif_err_prefix(&err, "%s VDI not checked for a Libxc_legacy record",
				       values[1]);
		rc = refuse(r, values[0], values[1], v.uuid ? &v : NULL, &err);
	} else if (!needed && legacy) {
		sif_errf(&err, SIF_EINTERNAL, "VDI %s: marked legacy, its image %s needs no "
			 "conversion", v.uuid, v.location);
		rc = refuse(r, values[0], values[1], &v, &err);
	}
	if (rc < 0 || !needed) {
		sif_vdi_conv_free(&v);
		return rc;
	}
	r->records += v.libxc_legacy_record;
	if (!(nj = realloc(r->jobs, (r->njobs + 1) * sizeof(*nj))))
		return sif_errf(&r->cli->err, SIF_ENOMEM, "out of memory");
	r->jobs = nj;
	j = &nj[r->njobs++];
	memset(j, 0, sizeof(*j));
	j->v = v;
	j->fd = -1;
	if (asprintf(&j->out, "%s/%s" IMAGE_SUFFIX, r->dir, v.uuid) < 0)
		return sif_errf(&r->cli->err, SIF_ENOMEM, "out of memory");
	r->in_bytes += v.in_bytes;
	r->need_bytes += v.out_max;
	return 0;
}

static int plan(struct run *r)
{
	const struct sif_field *fmt = sif_ctx_field(r->cli->ctx, "VDI", "suspend_image_format");
	const struct sif_field *fields[2] = { sif_ctx_field(r->cli->ctx, "VDI", "uuid"), fmt };
	struct sif_filter f = { sif_ctx_field(r->cli->ctx, "VDI", "type"), "suspend" };
	struct statvfs sv;

	if (!fmt)
		return sif_errf(&r->cli->err, SIF_ENOTFOUND, "VDI has no field suspend_image_format "
				"(is the suspend_image_format plugin loaded? see sif plugin-list)");
	if (sif_obj_require_field(r->cli->db, fmt, &r->cli->err) < 0 ||
	    sif_obj_list(r->cli->db, "VDI", &f, 1, fields, 2, plan_one, r, &r->cli->err) < 0)
		return -1;
	if (statvfs(r->dir, &sv) < 0)
		return sif_errno(&r->cli->err, SIF_EIO, "%s: free space", r->dir);
	r->free_bytes = (uint64_t)sv.f_bavail * sv.f_frsize;
	return 0;
}

static void print_plan(struct run *r)
{
	char b1[32], b2[32], b3[32];

	if (r->json)
		return;
	printf("plan: %zu legacy suspend VDI%s, and %zu of %zu structured or raw holding a "
	       "Libxc_legacy record: %zu to convert (%s), %zu refused; the new images need up to "
	       "%s in %s, %s free\n", r->marked_legacy, r->marked_legacy == 1 ? "" : "s",
	       r->records, r->checked, r->njobs, cli_bytes(r->in_bytes, b1), r->nrefused,
	       cli_bytes(r->need_bytes, b2), r->dir, cli_bytes(r->free_bytes, b3));
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].v.libxc_legacy_record)
			printf("  VDI %s: its %s image %s holds a Libxc_legacy record (a libxc v1 "
			       "stream): it needs the legacy path too\n", r->jobs[i].v.uuid,
			       sif_image_format_name(r->jobs[i].v.found), r->jobs[i].v.location);
}

/* --- 3. each finished conversion ------------------------------------------- */

static double secs(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A failed job's image goes (its writer is gone: temp files are stale now). */
static void discard(struct run *r, struct conv_job *j)
{
	struct sif_err err;

	sif_atomic_clean_stale(j->out, &err);
	convert_discard(r->cli->db, j->out);
}

static void job_done(void *ctx, struct conv_job *j)
{
	struct run *r = ctx;
	struct convert_row *row = &j->row;

	snprintf(row->vdi, sizeof(row->vdi), "%s", j->v.uuid);
	row->vm = j->v.vm_uuid ? strdup(j->v.vm_uuid) : NULL;
	row->from = sif_image_format_name(j->v.found);
	row->libxc_legacy_record = j->v.libxc_legacy_record;
	row->to = sif_image_format_name(r->to);
	row->container = sif_container_name(j->v.container);
	row->original = strdup(j->v.location);
	row->in_bytes = j->v.in_bytes;
	if (j->rc == 0 && !r->dry &&
	    sif_vdi_conv_commit(r->cli->ctx, r->cli->db, &j->v, j->out, r->to, &j->res, &j->err) < 0)
		j->rc = -1;
	row->seconds = secs(&j->t0);
	if (j->rc < 0) {
		row->status = "failed";
		row->error = strdup(j->err.msg);
		r->failed++;
		if (!r->dry)
			discard(r, j);
		return;
	}
	row->status = r->dry ? "verified" : "converted";
	row->image = r->dry ? NULL : strdup(j->out);
	row->hvm_known = true;
	row->hvm = j->res.hvm;
	row->out_bytes = j->res.out_bytes;
	r->converted++;
	if (r->remove && !r->dry)
		remove_original(r, j->v.uuid);
}

/* --- 4. the summary ---------------------------------------------------------- */

static void print_rows(const struct convert_row *rows, size_t n, size_t stride)
{
	char b1[32], b2[32];

	for (size_t i = 0; i < n; i++) {
		const struct convert_row *w = (const void *)((const char *)rows + i * stride);

		printf("%-36s  %-9s  %-5s  %-10s  %-4s  %-10s  %10s  %10s  %7.2f\n", w->vdi, w->status,
		       w->hvm_known ? (w->hvm ? "HVM" : "PV") : "-",
		       w->from ? w->from : "-", w->container ? w->container : "-",
		       w->to ? w->to : "-", cli_bytes(w->in_bytes, b1),
		       w->out_bytes ? cli_bytes(w->out_bytes, b2) : "-", w->seconds);
	}
}

static void print_errors(const struct convert_row *rows, size_t n, size_t stride)
{
	for (size_t i = 0; i < n; i++) {
		const struct convert_row *w = (const void *)((const char *)rows + i * stride);

		if (w->error)
			printf("failed: %s\n", w->error);
	}
}

static void summary(struct run *r)
{
	struct json_object *o, *rows, *pl;
	size_t i;

	if (!r->json && !r->njobs && !r->nrefused) {
		printf("no suspend VDI needs the legacy path: nothing to convert\n");
		return;
	}
	if (!r->json) {
		printf("%-36s  %-9s  %-5s  %-10s  %-4s  %-10s  %10s  %10s  %7s\n", "VDI", "RESULT",
		       "GUEST", "FROM", "IN", "TO", "BYTES IN", "BYTES OUT", "SECONDS");
		if (r->njobs)
			print_rows(&r->jobs[0].row, r->njobs, sizeof(r->jobs[0]));
		print_rows(r->refused, r->nrefused, sizeof(r->refused[0]));
		printf("%u %s, %u failed%s\n", r->converted, r->dry ? "verified (dry run)" : "converted",
		       r->failed, r->dry ? "; nothing written, the pool database unchanged" :
		       r->remove ? "" : "; the originals stay (--remove-originals removes them)");
		if (r->njobs)
			print_errors(&r->jobs[0].row, r->njobs, sizeof(r->jobs[0]));
		print_errors(r->refused, r->nrefused, sizeof(r->refused[0]));
		return;
	}
	o = json_object_new_object();
	pl = json_object_new_object();
	rows = json_object_new_array();
	json_object_object_add(o, "out_dir", json_object_new_string(r->dir));
	json_object_object_add(o, "dry_run", json_object_new_boolean(r->dry));
	json_object_object_add(pl, "vdis", json_object_new_int64((int64_t)(r->njobs + r->nrefused)));
	json_object_object_add(pl, "marked_legacy", json_object_new_int64((int64_t)r->marked_legacy));
	json_object_object_add(pl, "checked", json_object_new_int64((int64_t)r->checked));
	json_object_object_add(pl, "libxc_legacy_records", json_object_new_int64((int64_t)r->records));
	json_object_object_add(pl, "to_convert", json_object_new_int64((int64_t)r->njobs));
	json_object_object_add(pl, "refused", json_object_new_int64((int64_t)r->nrefused));
	json_object_object_add(pl, "in_bytes", json_object_new_int64((int64_t)r->in_bytes));
	json_object_object_add(pl, "need_bytes", json_object_new_int64((int64_t)r->need_bytes));
	json_object_object_add(pl, "free_bytes", json_object_new_int64((int64_t)r->free_bytes));
	json_object_object_add(o, "plan", pl);
	json_object_object_add(o, "leftovers", json_object_get(r->leftovers));
	json_object_object_add(o, "originals", json_object_get(r->originals));
	for (i = 0; i < r->njobs; i++)
		json_object_array_add(rows, convert_row_json(&r->jobs[i].row));
	for (i = 0; i < r->nrefused; i++)
		json_object_array_add(rows, convert_row_json(&r->refused[i]));
	json_object_object_add(o, "vdis", rows);
	json_object_object_add(o, "converted", json_object_new_int64(r->converted));
	json_object_object_add(o, "failed", json_object_new_int64(r->failed));
	show_json_print(o);
	json_object_put(o);
}

/* --- the command ------------------------------------------------------------ */

static int parse(struct cli *cli, struct cli_args *a, struct run *r, unsigned *jobs)
{
	const char *j = cli_optval(a, "jobs");
	char *end;
	long n;

	if (!cli_optval(a, "out-dir") || !*cli_optval(a, "out-dir"))
		return cli_usage_error(cli, a->cmd, "missing --out-dir DIR");
	*jobs = 1;
	if (j) {
		n = strtol(j, &end, 10);
		if (*end || end == j || n < 1 || n > MAX_JOBS)
			return cli_usage_error(cli, a->cmd, "--jobs takes 1 to %d, not '%s'", MAX_JOBS, j);
		*jobs = (unsigned)n;
	}
	r->dry = cli_flag(a, "dry-run");
	r->remove = cli_flag(a, "remove-originals");
	r->json = cli_flag(a, "json");
	return convert_parse_to(cli, a, &r->to);
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->njobs; i++) {
		sif_vdi_conv_free(&r->jobs[i].v);
		convert_row_free(&r->jobs[i].row);
		free(r->jobs[i].out);
	}
	for (size_t i = 0; i < r->nrefused; i++)
		convert_row_free(&r->refused[i]);
	free(r->jobs);
	free(r->refused);
	json_object_put(r->leftovers);
	json_object_put(r->originals);
}

int cmd_pool_convert_legacy(struct cli *cli, struct cli_args *a)
{
	struct run r = { .cli = cli };
	struct sif_vdi_conv_opts co = { .mode = 0600 };
	struct cli_progress prog;
	char dir[PATH_MAX];
	unsigned jobs = 1;
	int rc, lock = -1;

	if ((rc = parse(cli, a, &r, &jobs)) != EXIT_OK)
		return rc;
	rc = EXIT_FAIL;
	r.leftovers = json_object_new_array();
	r.originals = json_object_new_array();
	if (!realpath(cli_optval(a, "out-dir"), dir)) {
		sif_errno(&cli->err, SIF_EIO, "--out-dir %s", cli_optval(a, "out-dir"));
		goto fail;
	}
	r.dir = dir;
	co.to = r.to;
	if (!cli_db(cli, r.dry ? CLI_DB_READ : CLI_DB_WRITE) ||
	    (lock = convert_lock_dir(dir, &cli->err)) < 0 || sweep(&r) < 0 ||
	    (r.remove && !r.dry && earlier_originals(&r) < 0) || plan(&r) < 0)
		goto fail;
	print_plan(&r);
	if (!r.dry && r.need_bytes > r.free_bytes) {
		char b1[32], b2[32];

		sif_errf(&cli->err, SIF_EREFUSED, "%s has %s (%llu bytes) free, the %zu new images "
			 "need up to %s (%llu bytes): nothing converted", dir,
			 cli_bytes(r.free_bytes, b1), (unsigned long long)r.free_bytes, r.njobs,
			 cli_bytes(r.need_bytes, b2), (unsigned long long)r.need_bytes);
		goto fail;
	}
	cli_progress_start(&prog, "VDIs", (unsigned)r.njobs, r.in_bytes);
	if (conv_workers_run(r.jobs, r.njobs, jobs, r.dry, &co, &prog, job_done, &r,
			     &cli->err) < 0) {
		cli_progress_end(&prog);
		goto fail;
	}
	cli_progress_end(&prog);
	summary(&r);
	rc = r.failed ? EXIT_FAIL : EXIT_OK;
	goto out;
fail:
	rc = cli_fail_err(cli);
out:
	if (lock >= 0)
		close(lock);
	run_free(&r);
	return rc;
}
