/*
 * Background writer: two buffers, one being filled by the caller while the
 * thread writes the other (see bgwrite.h).  The caller waits only when it
 * has filled its buffer before the thread has written the previous one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgwrite.h"
#include "sif/io.h"

#define BUF_SIZE (1u << 20)

struct bgwrite {
	int fd;
	const char *name;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;

	char *buf[2];
	int fill;               /* the caller's buffer */
	size_t fill_len;

	/* under mu */
	const char *job;        /* buffer to write, or NULL */
	size_t job_len;
	bool copy;              /* or a prefix to copy */
	int copy_fd;
	const char *copy_name;
	uint64_t copy_len;
	bool busy, quit, failed;
	struct sif_err err;     /* the thread's first failure */
	uint64_t written;
};

static int copy_prefix(struct bgwrite *w, int fd, const char *src, uint64_t len, char *buf,
		       struct sif_err *err)
{
	uint64_t done = 0;

	while (done < len) {
		size_t want = len - done < BUF_SIZE ? (size_t)(len - done) : BUF_SIZE;
		ssize_t got = pread(fd, buf, want, (off_t)done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			return sif_errno(err, SIF_EIO, "rereading %s at byte %llu", src,
					 (unsigned long long)done);
		}
		if (sif_write_exact(w->fd, buf, (size_t)got, w->name, err) < 0)
			return -1;
		done += (uint64_t)got;
	}
	return 0;
}

static void *run(void *arg)
{
	struct bgwrite *w = arg;
	char *scratch = NULL;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct sif_err err = { 0 };
		uint64_t n;
		int rc;

		while (!w->job && !w->copy && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->job && !w->copy)
			break;
		w->busy = true;
		n = w->copy ? w->copy_len : w->job_len;
		pthread_mutex_unlock(&w->mu);
		if (w->failed) {
			rc = 0;         /* nothing after a failure */
		} else if (w->copy) {
			if (!scratch && !(scratch = malloc(BUF_SIZE)))
				rc = sif_errf(&err, SIF_ENOMEM, "out of memory");
			else
				rc = copy_prefix(w, w->copy_fd, w->copy_name, w->copy_len, scratch,
						 &err);
		} else {
			rc = sif_write_exact(w->fd, w->job, w->job_len, w->name, &err);
		}
		pthread_mutex_lock(&w->mu);
		if (rc < 0 && !w->failed) {
			w->failed = true;
			w->err = err;
		} else if (!w->failed) {
			w->written += n;
		}
		w->copy = false;
		w->job = NULL;
		w->busy = false;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	free(scratch);
	return NULL;
}

int bgw_start(struct bgwrite **out, int fd, const char *name, struct sif_err *err)
{
	struct bgwrite *w = calloc(1, sizeof(*w));

	if (!w)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	w->fd = fd;
	w->name = name;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (!(w->buf[0] = malloc(BUF_SIZE)) || !(w->buf[1] = malloc(BUF_SIZE))) {
		bgw_free(w);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	if (pthread_create(&w->thread, NULL, run, w)) {
		bgw_free(w);
		return sif_errf(err, SIF_ENOMEM, "cannot start the writer thread");
	}
	w->started = true;
	*out = w;
	return 0;
}

/* Wait until the thread is idle; its failure, if any, becomes ours. */
static int wait_idle(struct bgwrite *w, struct sif_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	while (w->busy || w->job || w->copy)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->failed) {
		if (err)
			*err = w->err;
		rc = -1;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int bgw_copy_prefix(struct bgwrite *w, int fd, const char *name, uint64_t len,
		    struct sif_err *err)
{
	if (wait_idle(w, err) < 0)
		return -1;
	if (!len)
		return 0;
	pthread_mutex_lock(&w->mu);
	w->copy = true;
	w->copy_fd = fd;
	w->copy_name = name;
	w->copy_len = len;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* Give the filled buffer to the thread and go on filling the other one. */
static int hand_over(struct bgwrite *w, struct sif_err *err)
{
	if (wait_idle(w, err) < 0)
		return -1;
	if (!w->fill_len)
		return 0;
	pthread_mutex_lock(&w->mu);
	w->job = w->buf[w->fill];
	w->job_len = w->fill_len;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	w->fill ^= 1;
	w->fill_len = 0;
	return 0;
}

int bgw_put(struct bgwrite *w, const void *p, size_t n, struct sif_err *err)
{
	const char *s = p;

	while (n) {
		size_t room = BUF_SIZE - w->fill_len, k = n < room ? n : room;

		memcpy(w->buf[w->fill] + w->fill_len, s, k);
		w->fill_len += k;
		s += k;
		n -= k;
		if (w->fill_len == BUF_SIZE && hand_over(w, err) < 0)
			return -1;
	}
	return 0;
}

int bgw_finish(struct bgwrite *w, struct sif_err *err)
{
	if (hand_over(w, err) < 0)
		return -1;
	return wait_idle(w, err);
}

void bgw_free(struct bgwrite *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->quit = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->buf[0]);
	free(w->buf[1]);
	free(w);
}

uint64_t bgw_bytes(const struct bgwrite *w)
{
	return w->written;
}
