/*
 * vm-suspend uuid=U --image PATH [--sr UUID] [--vdi UUID]:
 * save the running domain into a raw image (signature, Xenops, Libxc,
 * Qemu_trad for HVM, End_of_image: no filesystem on the VDI), check the
 * image, then record it in one DB transaction (suspend VDI with
 * suspend_image_format=raw, VM Suspended) and destroy the domain.  A
 * failure at any step leaves the DB as it was and removes the image, so
 * nothing half-written is presented as a suspend image.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "vm_common.h"
#include "sif/ctx.h"
#include "sif/frame.h"
#include "sif/image.h"
#include "sif/objects.h"
#include "sif/suspend.h"
#include "sif/xenops.h"

struct saver {
	struct sif_xen *xen;
	uint32_t domid;
	bool hvm;
	int wfd;
	int rc;
	struct sif_err err;
};

static void *save_thread(void *arg)
{
	struct saver *s = arg;
	sigset_t pipe_sig;

	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	s->rc = s->xen->ops->domain_save(s->xen, s->domid, s->wfd, s->hvm, &s->err);
	close(s->wfd);
	return NULL;
}

/* The domain's libxc stream, from the backend through a pipe into the image. */
static int write_libxc(struct sif_image_writer *w, struct saver *s, struct sif_err *err)
{
	static char buf[256 * 1024];
	int fds[2], rc = -1;
	pthread_t th;

	if (sif_stream_pipe(fds) < 0)
		return sif_errno(err, SIF_EIO, "creating the save pipe");
	s->wfd = fds[1];
	if (pthread_create(&th, NULL, save_thread, s)) {
		close(fds[0]);
		close(fds[1]);
		return sif_errf(err, SIF_ENOMEM, "cannot start the saver");
	}
	for (;;) {
		ssize_t n = sif_read_full(fds[0], buf, sizeof(buf));

		if (n < 0) {
			sif_errno(err, SIF_EIO, "reading the domain's stream");
			break;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		if (sif_image_writer_write(w, buf, (size_t)n, err) < 0)
			break;
	}
	close(fds[0]);
	pthread_join(th, NULL);
	if (s->rc < 0) {
		*err = s->err;
		return -1;
	}
	return rc;
}

/* HVM: the device model's state, whose length the framing needs first. */
static int write_qemu(struct sif_image_writer *w, struct saver *s, struct sif_err *err)
{
	static char buf[64 * 1024];
	int fd = memfd_create("sif-qemu-state", MFD_CLOEXEC), rc = -1;
	uint64_t len = 0, done = 0;

	if (fd < 0)
		return sif_errno(err, SIF_EIO, "memfd for the device-model state");
	if (s->xen->ops->dm_state_save(s->xen, s->domid, fd, &len, err) < 0)
		goto out;
	if (len > SIF_QEMU_RECORD_MAX) {
		sif_errf(err, SIF_EREFUSED, "device-model state of %llu bytes: above %u, "
			 "a restore would refuse it", (unsigned long long)len, SIF_QEMU_RECORD_MAX);
		goto out;
	}
	if (sif_image_writer_header(w, SIF_FRAME_QEMU_TRAD, len, err) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	while (done < len) {
		ssize_t n = sif_read_full(fd, buf, sizeof(buf));

		if (n <= 0) {
			sif_errf(err, SIF_EIO, "device-model state shorter than said");
			goto out;
		}
		if (sif_image_writer_write(w, buf, (size_t)n, err) < 0)
			goto out;
		done += (uint64_t)n;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int write_image(const char *path, struct saver *s, const char *vm_uuid,
		       uint64_t *size, struct sif_err *err)
{
	struct sif_image_writer_opts wo = { .format = SIF_IMAGE_RAW, .mode = 0600 };
	struct sif_image_writer *w = NULL;
	size_t xlen;
	char *xenops = sif_xenops_body((int64_t)time(NULL), NULL, &xlen, err);
	int rc = -1;

	(void)vm_uuid;
	if (!xenops || sif_image_writer_open(&w, path, &wo, err) < 0)
		goto out;
	if (sif_image_writer_write(w, SIF_FRAME_SIGNATURE, SIF_FRAME_SIGNATURE_LEN, err) < 0 ||
	    sif_image_writer_header(w, SIF_FRAME_XENOPS, xlen, err) < 0 ||
	    sif_image_writer_write(w, xenops, xlen, err) < 0 ||
	    sif_image_writer_header(w, SIF_FRAME_LIBXC, 0, err) < 0 ||
	    write_libxc(w, s, err) < 0 ||
	    (s->hvm && write_qemu(w, s, err) < 0) ||
	    sif_image_writer_header(w, SIF_FRAME_END, 0, err) < 0)
		goto out;
	*size = sif_image_writer_size(w);
	rc = sif_image_writer_commit(w, err);
	w = NULL;
out:
	sif_image_writer_abort(w);
	free(xenops);
	return rc;
}

/* Take back an image nothing will point at: a file goes, a device loses its signature. */
static void discard_image(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return;
	if (!S_ISBLK(st.st_mode)) {
		unlink(path);
		return;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		static const char zero[SIF_FRAME_SIGNATURE_LEN];

		if (pwrite(fd, zero, sizeof(zero), 0) == (ssize_t)sizeof(zero))
			fsync(fd);
		close(fd);
	}
}

int cmd_vm_suspend(struct cli *cli, struct cli_args *a)
{
	const char *uuid = cli_kv(a, "uuid"), *path = cli_optval(a, "image"), *backend;
	struct saver s = { 0 };
	struct vm_spec vs = { 0 };
	struct sif_suspend_record rec = { 0 };
	char *state = NULL, *ref = NULL, *vdi = NULL;
	bool written = false;
	uint64_t size = 0;
	int rc = EXIT_FAIL;

	if (!uuid || !*uuid || !path || !*path)
		return cli_usage_error(cli, a->cmd, "needs uuid=<vm uuid> and --image PATH");
	if (!cli_db(cli, CLI_DB_WRITE) || vm_spec_load(cli, uuid, &vs) < 0 ||
	    sif_obj_ref(cli->db, "VM", uuid, &ref, &cli->err) < 0 ||
	    sif_obj_get_by_ref(cli->db, ref, sif_ctx_field(cli->ctx, "VM", "power_state"),
			       &state, &cli->err) < 0)
		goto fail;
	/* refuse before the domain is touched */
	if (strcmp(state, "Running") && strcmp(state, "Paused")) {
		sif_errf(&cli->err, SIF_EREFUSED, "VM %s is %s: only a running or paused VM "
			 "can be suspended", uuid, state);
		goto fail;
	}
	if (!(s.xen = cli_xen(cli, a, false, NULL, &backend)) ||
	    s.xen->ops->domain_lookup(s.xen, uuid, &s.domid, &cli->err) < 0)
		goto fail;
	s.hvm = vs.spec.hvm;
	if (write_image(path, &s, uuid, &size, &cli->err) < 0)
		goto fail;
	written = true;
	if (sif_image_check_written(path, size, NULL, &cli->err) < 0) {
		sif_err_prefix(&cli->err, "the image the domain saved is not valid");
		goto fail;
	}
	rec.vm_uuid = uuid;
	rec.format = "raw";
	rec.location = path;
	rec.size = size;
	rec.vdi_uuid = cli_optval(a, "vdi");
	rec.sr_uuid = cli_optval(a, "sr");
	if (sif_suspend_commit(cli->ctx, cli->db, &rec, &vdi, &cli->err) < 0)
		goto fail;
	if (s.xen->ops->domain_destroy(s.xen, s.domid, &cli->err) < 0)
		fprintf(stderr, "sif: warning: VM %s is suspended but its domain %u could not "
			"be destroyed: %s\n", uuid, s.domid, cli->err.msg);
	printf("VM %s suspended to %s (raw, %llu bytes); VDI %s suspend-image-format=raw; "
	       "domain %u destroyed; backend: %s\n", uuid, path, (unsigned long long)size,
	       vdi, s.domid, backend);
	rc = EXIT_OK;
	goto out;
fail:
	if (written)
		discard_image(path);
	rc = cli_fail_err(cli);
	if (ref)
		fprintf(stderr, "sif: VM %s: nothing recorded; the pool database is unchanged\n",
			uuid);
out:
	sif_xen_close(s.xen);
	vm_spec_free(&vs);
	free(state);
	free(ref);
	free(vdi);
	return rc;
}
