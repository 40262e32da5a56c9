/* Shared by vdi-convert and pool-convert-legacy (cli/convert_common.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "convert_common.h"
#include "sif/vdi_convert.h"

int convert_parse_to(struct cli *cli, struct cli_args *a, enum sif_image_format *to)
{
	const char *v = cli_optval(a, "to");

	*to = SIF_IMAGE_RAW;
	if (!v || !strcmp(v, "raw"))
		return EXIT_OK;
	if (!strcmp(v, "structured")) {
		*to = SIF_IMAGE_STRUCTURED;
		return EXIT_OK;
	}
	return cli_usage_error(cli, a->cmd, "--to takes raw or structured, not '%s'", v);
}

int convert_lock_dir(const char *dir, struct sif_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), i;

	if (fd < 0)
		return sif_errno(err, SIF_EIO, "%s", dir);
	for (i = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; i++) {
		if (errno != EWOULDBLOCK || i == 100) {
			if (errno == EWOULDBLOCK)
				sif_errf(err, SIF_EREFUSED, "%s: another sif conversion is writing "
					 "into this directory", dir);
			else
				sif_errno(err, SIF_EIO, "%s: lock", dir);
			close(fd);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	}
	return fd;
}

int convert_check_out(struct sif_db *db, const char *path, struct sif_err *err)
{
	struct sif_image img;
	struct stat st;
	char *user = NULL;
	bool leftover;

	if (sif_vdi_by_location(db, path, &user, err) < 0)
		return -1;
	if (user) {
		sif_errf(err, SIF_EREFUSED, "%s is the image of VDI %s: choose another --out",
			 path, user);
		free(user);
		return -1;
	}
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : sif_errno(err, SIF_EIO, "%s", path);
	if (!S_ISREG(st.st_mode))
		return sif_errf(err, SIF_EREFUSED, "%s exists and is not a regular file", path);
	leftover = sif_image_open(&img, path, 0, err) == 0;
	if (leftover) {
		leftover = img.format == SIF_IMAGE_RAW || img.format == SIF_IMAGE_STRUCTURED;
		sif_image_close(&img);
	}
	if (!leftover)
		return sif_errf(err, SIF_EREFUSED, "%s exists and is not a v2 suspend image left "
				"by an interrupted conversion: not overwritten", path);
	return 0;
}

void convert_discard(struct sif_db *db, const char *path)
{
	struct sif_err err;
	char *user = NULL;

	if (sif_vdi_by_location(db, path, &user, &err) == 0 && !user)
		unlink(path);
	free(user);
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

struct json_object *convert_row_json(const struct convert_row *r)
{
	struct json_object *o = json_object_new_object();

	add_str(o, "vdi", r->vdi);
	add_str(o, "vm", r->vm);
	add_str(o, "status", r->status);
	add_str(o, "from", r->from);
	json_object_object_add(o, "libxc_legacy_record",
			       json_object_new_boolean(r->libxc_legacy_record));
	add_str(o, "to", r->to);
	add_str(o, "container", r->container);
	add_str(o, "guest", r->hvm_known ? (r->hvm ? "hvm" : "pv") : NULL);
	add_str(o, "original", r->original);
	add_str(o, "image", r->image);
	json_object_object_add(o, "in_bytes", json_object_new_int64((int64_t)r->in_bytes));
	json_object_object_add(o, "out_bytes", json_object_new_int64((int64_t)r->out_bytes));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	add_str(o, "error", r->error);
	return o;
}

void convert_row_free(struct convert_row *r)
{
	free(r->vm);
	free(r->original);
	free(r->image);
	free(r->error);
	memset(r, 0, sizeof(*r));
}
