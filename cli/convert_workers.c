/*
 * Worker processes of pool-convert-legacy (cli/convert_workers.h).  The
 * messages are fixed-size structs below PIPE_BUF, so each write is atomic
 * and the parent reads whole ones.
 *
 * A job writes while it holds one of the N slots: an OFD lock on byte
 * <slot> of a memfd, taken through the job's own open of it, so that the
 * kernel hands the slot from one job to the next at once (the parent may
 * be busy committing) and frees it when a job dies.  Jobs waiting for a
 * slot are started while its writer writes, and open and check their
 * image meanwhile.  Once its bytes are written a job
 * gives the slot up and goes on with its fsync and read-back (and the
 * parent then with its commit), so the disk and the CPU both work with
 * one job too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "convert_workers.h"

enum { MSG_PROGRESS = 1, MSG_BEGUN = 2, MSG_WRITTEN = 3, MSG_RESULT = 4 };

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
	int lock_fd;                    /* -1: no slot lock, write at once */
	unsigned slot;
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

/*
 * Take the job's slot (F_WRLCK: waits while another job writes in it) or
 * give it up (F_UNLCK), then tell the parent.
 */
static void slot_and_tell(struct child *c, short type, uint32_t kind)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = c->slot, .l_len = 1 };
	struct wmsg m = { .kind = kind };

	if (c->lock_fd >= 0)
		while (fcntl(c->lock_fd, type == F_UNLCK ? F_OFD_SETLK : F_OFD_SETLKW, &fl) < 0 &&
		       errno == EINTR)
			;
	send_msg(c->fd, &m);
}

static void child_begin(void *ctx)
{
	slot_and_tell(ctx, F_WRLCK, MSG_BEGUN);
}

static void child_written(void *ctx)
{
	slot_and_tell(ctx, F_UNLCK, MSG_WRITTEN);
}

static void __attribute__((noreturn))
child_main(struct conv_job *j, int wfd, int slots, pid_t parent, bool dry,
	   const struct sif_vdi_conv_opts *o)
{
	struct sif_vdi_conv_opts co = *o;
	struct child c = { .fd = wfd, .lock_fd = -1, .slot = j->slot };
	struct wmsg m = { .kind = MSG_RESULT };
	char path[64];

	/* a writer must not outlive a killed run: its leftovers are swept next time */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Its own open file description, whose lock dies with it; without
	 * one (no /proc) it writes at once, never waiting: more at a time.
	 */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", slots);
	c.lock_fd = open(path, O_RDWR | O_CLOEXEC);
	co.progress = child_progress;
	co.progress_ctx = &c;
	co.begin = child_begin;
	co.begin_ctx = &c;
	co.written = child_written;
	co.written_ctx = &c;
	m.rc = dry ? sif_vdi_conv_dry_run(&j->v, &co, &m.res, &m.err)
		   : sif_vdi_conv_write(&j->v, j->out, &co, &m.res, &m.err);
	send_msg(wfd, &m);
	_exit(0);
}

static int start(struct conv_job *jobs, size_t idx, int slots, bool dry,
		 const struct sif_vdi_conv_opts *o, struct sif_err *err)
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
		child_main(j, fds[1], slots, parent, dry, o);
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
		} else if (m.kind == MSG_BEGUN) {
			j->begun = true;
		} else if (m.kind == MSG_WRITTEN) {
			j->written = true;
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

/*
 * Jobs waiting for each slot: up to WAITERS, so that a slot's next job is
 * ready even when the parent was committing while its writer finished.
 * Processes: N writing, WAITERS * N waiting, N finishing.  A dry run's
 * jobs never write (nor wait): one per slot, N at a time.
 */
#define WAITERS 2

struct sched {
	struct conv_job *jobs;
	size_t n, next;
	unsigned max_jobs, waiters, cap, running, finished;
	unsigned *waiting;              /* per slot */
	int slots;                      /* the memfd whose bytes are the slots */
	bool dry_run;
	const struct sif_vdi_conv_opts *o;
	conv_job_done done;
	void *ctx;
};

/* The slot with the fewest jobs waiting for it; max_jobs if all are full. */
static unsigned free_slot(const struct sched *sc)
{
	unsigned s, best = sc->max_jobs;

	for (s = 0; s < sc->max_jobs; s++)
		if (sc->waiting[s] < sc->waiters &&
		    (best == sc->max_jobs || sc->waiting[s] < sc->waiting[best]))
			best = s;
	return best;
}

/* Start jobs while a slot has room for one more waiting and processes are allowed. */
static void start_jobs(struct sched *sc)
{
	unsigned s;

	while (sc->running < sc->cap && sc->next < sc->n && (s = free_slot(sc)) < sc->max_jobs) {
		struct conv_job *j = &sc->jobs[sc->next++];

		j->slot = s;
		if (start(sc->jobs, sc->next - 1, sc->slots, sc->dry_run, sc->o, &j->err) < 0) {
			/* this one fails with the reason; the others go on */
			j->rc = -1;
			sc->finished++;
			sc->done(sc->ctx, j);
			continue;
		}
		sc->waiting[s]++;
		sc->running++;
	}
}

int conv_workers_run(struct conv_job *jobs, size_t n, unsigned max_jobs, bool dry_run,
		     const struct sif_vdi_conv_opts *o, struct cli_progress *p,
		     conv_job_done done, void *ctx, struct sif_err *err)
{
	struct sched sc = { .jobs = jobs, .n = n, .max_jobs = max_jobs,
			    .waiters = dry_run ? 1 : WAITERS, .cap = (WAITERS + 2) * max_jobs,
			    .dry_run = dry_run, .o = o, .done = done, .ctx = ctx };
	struct pollfd *pfd = calloc(sc.cap, sizeof(*pfd));
	size_t *who = calloc(sc.cap, sizeof(*who)), *ended = calloc(sc.cap, sizeof(*ended));
	uint64_t bytes_done = 0;
	unsigned np, ne, k;
	int rc = -1;

	sc.waiting = calloc(max_jobs, sizeof(*sc.waiting));
	sc.slots = memfd_create("sif-convert-slots", MFD_CLOEXEC);
	if (!pfd || !who || !ended || !sc.waiting) {
		sif_errf(err, SIF_ENOMEM, "out of memory");
		goto out;
	}
	if (sc.slots < 0) {
		sif_errno(err, SIF_EIO, "memfd_create");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		jobs[i].fd = -1;
	while (sc.next < n || sc.running) {
		uint64_t bytes = bytes_done;

		start_jobs(&sc);
		np = 0;
		for (size_t i = 0; i < sc.next; i++)
			if (jobs[i].fd >= 0) {
				pfd[np] = (struct pollfd){ .fd = jobs[i].fd, .events = POLLIN };
				who[np++] = i;
			}
		if (poll(pfd, np, 100) < 0 && errno != EINTR) {
			sif_errno(err, SIF_EIO, "poll");
			goto out;
		}
		ne = 0;
		for (k = 0; k < np; k++) {
			struct conv_job *j = &jobs[who[k]];
			bool was_waiting = !j->begun;
			int live;

			if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			live = drain(j);
			/* writing now, or gone: one fewer waiting for its slot */
			if (was_waiting && (j->begun || !live))
				sc.waiting[j->slot]--;
			if (!live) {
				sc.running--;
				ended[ne++] = who[k];
			}
		}
		/* the next jobs first: a commit takes a while */
		start_jobs(&sc);
		for (k = 0; k < ne; k++) {
			sc.finished++;
			bytes_done += jobs[ended[k]].v.in_bytes;
			done(ctx, &jobs[ended[k]]);
		}
		for (size_t i = 0; i < sc.next; i++)
			if (jobs[i].fd >= 0)
				bytes += jobs[i].pos;
		cli_progress_update(p, sc.finished, bytes, false);
	}
	cli_progress_update(p, sc.finished, bytes_done, true);
	rc = 0;
out:
	if (sc.slots >= 0)
		close(sc.slots);
	free(pfd);
	free(who);
	free(ended);
	free(sc.waiting);
	return rc;
}
