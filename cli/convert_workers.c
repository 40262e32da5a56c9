/*
 * Worker processes of pool-convert-legacy (cli/convert_workers.h).  The
 * messages are fixed-size structs below PIPE_BUF, so each write is atomic
 * and the parent reads whole ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "convert_workers.h"

enum { MSG_PROGRESS = 1, MSG_RESULT = 2 };

struct wmsg {
	uint32_t kind;
	int32_t rc;
	uint64_t pos;
	struct sif_vdi_conv_result res;
	struct sif_err err;
};

_Static_assert(sizeof(struct wmsg) <= PIPE_BUF, "a worker message must be written atomically");

struct child {
	int fd;
	struct timespec last;
};

static void send_msg(int fd, const struct wmsg *m)
{
	ssize_t w;

	do
		w = write(fd, m, sizeof(*m));
	while (w < 0 && errno == EINTR);
}

static void child_progress(void *ctx, uint64_t pos, uint64_t end)
{
	struct child *c = ctx;
	struct wmsg m = { .kind = MSG_PROGRESS, .pos = pos };
	struct timespec now;

	(void)end;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - c->last.tv_sec) * 1000000000L + now.tv_nsec - c->last.tv_nsec < 50000000L)
		return;
	c->last = now;
	send_msg(c->fd, &m);
}

static void __attribute__((noreturn))
child_main(struct conv_job *j, int wfd, pid_t parent, bool dry, const struct sif_vdi_conv_opts *o)
{
	struct sif_vdi_conv_opts co = *o;
	struct child c = { .fd = wfd };
	struct wmsg m = { .kind = MSG_RESULT };

	/* a writer must not outlive a killed run: its leftovers are swept next time */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	co.progress = child_progress;
	co.progress_ctx = &c;
	m.rc = dry ? sif_vdi_conv_dry_run(&j->v, &co, &m.res, &m.err)
		   : sif_vdi_conv_write(&j->v, j->out, &co, &m.res, &m.err);
	send_msg(wfd, &m);
	_exit(0);
}

static int start(struct conv_job *jobs, size_t idx, bool dry, const struct sif_vdi_conv_opts *o,
		 struct sif_err *err)
{
	struct conv_job *j = &jobs[idx];
	pid_t parent = getpid();
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sif_errno(err, SIF_EIO, "pipe");
	fflush(NULL);
	clock_gettime(CLOCK_MONOTONIC, &j->t0);
	j->pid = fork();
	if (j->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return sif_errno(err, SIF_EIO, "fork");
	}
	if (j->pid == 0) {
		close(fds[0]);
		for (size_t k = 0; k < idx; k++)
			if (jobs[k].fd >= 0)
				close(jobs[k].fd);
		child_main(j, fds[1], parent, dry, o);
	}
	close(fds[1]);
	j->fd = fds[0];
	return 0;
}

/* The worker's pipe closed: reap it and make sure there is an outcome. */
static void finish(struct conv_job *j)
{
	int status = 0;

	while (waitpid(j->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(j->fd);
	j->fd = -1;
	if (j->have_result)
		return;
	j->rc = -1;
	if (WIFSIGNALED(status))
		sif_errf(&j->err, SIF_EINTERNAL, "VDI %s: the conversion process was killed by "
			 "signal %d", j->v.uuid, WTERMSIG(status));
	else
		sif_errf(&j->err, SIF_EINTERNAL, "VDI %s: the conversion process exited %d "
			 "without an outcome", j->v.uuid, WEXITSTATUS(status));
}

/* 1 while the job runs on, 0 once it ended. */
static int drain(struct conv_job *j)
{
	struct wmsg m;
	ssize_t r = read(j->fd, &m, sizeof(m));

	if (r < 0 && errno == EINTR)
		return 1;
	if (r == (ssize_t)sizeof(m)) {
		if (m.kind == MSG_PROGRESS) {
			j->pos = m.pos;
		} else {
			j->have_result = true;
			j->rc = m.rc;
			j->res = m.res;
			j->err = m.err;
		}
		return 1;
	}
	finish(j);
	return 0;
}

int conv_workers_run(struct conv_job *jobs, size_t n, unsigned max_jobs, bool dry_run,
		     const struct sif_vdi_conv_opts *o, struct cli_progress *p,
		     conv_job_done done, void *ctx, struct sif_err *err)
{
	struct pollfd *pfd = calloc(max_jobs, sizeof(*pfd));
	size_t *who = calloc(max_jobs, sizeof(*who)), next = 0, k;
	unsigned running = 0, finished = 0, np;
	uint64_t bytes_done = 0;
	int rc = -1;

	if (!pfd || !who) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	for (k = 0; k < n; k++)
		jobs[k].fd = -1;
	while (next < n || running) {
		uint64_t bytes = bytes_done;

		while (running < max_jobs && next < n) {
			struct conv_job *j = &jobs[next++];

			if (start(jobs, next - 1, dry_run, o, &j->err) < 0) {
				/* this one fails with the reason; the others go on */
				j->rc = -1;
				finished++;
				done(ctx, j);
				continue;
			}
			running++;
		}
		np = 0;
		for (k = 0; k < next; k++)
			if (jobs[k].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = jobs[k].fd, .events = POLLIN };
				who[np++] = k;
			}
		if (poll(pfd, np, 100) < 0 && errno != EINTR) {
			sif_errno(err, SIF_EIO, "poll");
			goto out;
		}
		for (k = 0; k < np; k++) {
			struct conv_job *j = &jobs[who[k]];

			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)) || drain(j))
				continue;
			running--;
			finished++;
			bytes_done += j->v.in_bytes;
			done(ctx, j);
		}
		for (k = 0; k < next; k++)
			if (jobs[k].fd >= 0)
				bytes += jobs[k].pos;
		cli_progress_update(p, finished, bytes, false);
	}
	cli_progress_update(p, finished, bytes_done, true);
	rc = 0;
out:
	free(pfd);
	free(who);
	return rc;
}
