/*
 * The variant-independent half of sif_src: the window, exact consumption,
 * skip, peek, the copy fallback and the error texts (see sif/src.h for the
 * contract).  The variants (src_fd.c, src_sub.c, the ext2 file elsewhere)
 * only know how to read bytes at an offset and, optionally, how to have the
 * kernel move them.
 *
 * Invariant of a source that is not random access: buf_at + buf_len is the
 * next byte the variant will return, so the window is drained before the
 * variant is read directly.  A random-access source keeps its window where
 * it was read and drops it when pos leaves it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/io.h"
#include "sif/src.h"
#include "src_internal.h"

int sif_src_init(struct sif_src *s, const struct sif_src_ops *ops, void *priv,
		 int fd, const char *name, unsigned flags, bool random_access,
		 uint64_t pos, uint64_t end, struct sif_err *err)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->nocopy_fd = -1;
	s->name = strdup(name ? name : "?");
	if (!s->name)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	s->buf_cap = SIF_SRC_WINDOW;
	s->win_next = SIF_SRC_WINDOW;
	s->buf = malloc(s->buf_cap);
	if (!s->buf) {
		free(s->name);
		s->name = NULL;
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	s->ops = ops;
	s->priv = priv;
	s->fd = fd;
	s->flags = flags;
	s->random_access = random_access;
	/* pread() windows never move a shared fd; a shared pipe must not be
	 * read one byte too far. */
	s->read_ahead = random_access || !(flags & SIF_SRC_SHARED);
	s->pos = pos;
	s->end = end;
	s->buf_at = pos;
	return 0;
}

void sif_src_close(struct sif_src *s)
{
	if (!s->ops)
		return;
	if ((s->flags & SIF_SRC_SHARED) && s->ops->sync)
		s->ops->sync(s, s->pos);
	if (s->ops->close)
		s->ops->close(s);
	free(s->buf);
	free(s->name);
	s->buf = NULL;
	s->name = NULL;
	s->ops = NULL;
}

uint64_t sif_src_remaining(const struct sif_src *s)
{
	if (s->end == SIF_SRC_SIZE_UNKNOWN)
		return SIF_SRC_SIZE_UNKNOWN;
	return s->end > s->pos ? s->end - s->pos : 0;
}

/* Bytes of the window at pos. */
static size_t win_avail(const struct sif_src *s)
{
	if (s->pos < s->buf_at || s->pos >= s->buf_at + s->buf_len)
		return 0;
	return (size_t)(s->buf_at + s->buf_len - s->pos);
}

static const unsigned char *win_ptr(const struct sif_src *s)
{
	return s->buf + (s->pos - s->buf_at);
}

static int truncated(struct sif_src *s, uint64_t at, const char *what,
		     uint64_t want, uint64_t got, struct sif_err *err)
{
	return sif_errf(err, SIF_EFORMAT,
			"%s: offset %llu: truncated reading %s: expected %llu bytes, got %llu",
			s->name, (unsigned long long)at, what,
			(unsigned long long)want, (unsigned long long)got);
}

static int read_failed(struct sif_src *s, uint64_t at, const char *what,
		       struct sif_err *err)
{
	return sif_errno(err, SIF_EIO, "%s: offset %llu: reading %s", s->name,
			 (unsigned long long)at, what);
}

/* Bytes the known end still allows from pos, capped at n. */
static size_t cap_to_end(const struct sif_src *s, size_t n)
{
	uint64_t left = sif_src_remaining(s);

	return left < n ? (size_t)left : n;
}

/*
 * Read from the variant at least `need` bytes and, when reading ahead, up
 * to `want`; stops early only at the end.  Returns the count or -1.
 */
static ssize_t raw_read_min(struct sif_src *s, void *buf, size_t need,
			    size_t want, uint64_t at)
{
	size_t done = 0;

	while (done < need) {
		ssize_t r = s->ops->read(s, (char *)buf + done, want - done, at + done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* Until n bytes or the end: returns the count, or -1 with errno. */
static ssize_t raw_read(struct sif_src *s, void *buf, size_t n, uint64_t at)
{
	return raw_read_min(s, buf, n, n, at);
}

static void sync_shared(struct sif_src *s)
{
	if ((s->flags & SIF_SRC_SHARED) && s->ops->sync)
		s->ops->sync(s, s->pos);
}

/*
 * Size the next read-ahead by how much of the last window the reader took:
 * a reader that copies or skips most of what follows a small header (page
 * batches) gets small windows, so payload is not read twice; one that
 * reads everything gets the whole window.
 */
static void adapt_window(struct sif_src *s)
{
	enum { MIN_WINDOW = 16 * 1024 };

	if (s->buf_len) {
		if (s->win_used < s->buf_len / 4 && s->win_next > MIN_WINDOW)
			s->win_next /= 4;
		else if (s->win_used >= s->buf_len / 2 && s->win_next < s->buf_cap)
			s->win_next *= 2;
		if (s->win_next < MIN_WINDOW)
			s->win_next = MIN_WINDOW;
		if (s->win_next > s->buf_cap)
			s->win_next = s->buf_cap;
	}
	s->win_used = 0;
}

/*
 * Make the window hold at least `need` (<= buf_cap) bytes at pos.  Fails
 * with a truncation naming `want_total` (what the caller asked for) and
 * `got_before` (bytes it already had) plus what the window now holds.
 */
static int fill(struct sif_src *s, size_t need, const char *what, uint64_t start,
		uint64_t want_total, uint64_t got_before, struct sif_err *err)
{
	size_t avail = win_avail(s), want;
	ssize_t r;

	if (avail >= need)
		return 0;
	adapt_window(s);
	if (s->random_access) {
		/* A new window at pos. */
		want = cap_to_end(s, s->win_next);
		if (want < need)
			want = need;
		r = raw_read_min(s, s->buf, need, want, s->pos);
		if (r < 0)
			return read_failed(s, s->pos, what, err);
		s->buf_at = s->pos;
		s->buf_len = (size_t)r;
	} else {
		/* Keep what is left, append exactly (or ahead when allowed). */
		if (avail && s->buf != win_ptr(s))
			memmove(s->buf, win_ptr(s), avail);
		s->buf_at = s->pos;
		s->buf_len = avail;
		want = s->read_ahead ? cap_to_end(s, s->win_next) : need;
		if (want < need)
			want = need;
		r = raw_read_min(s, s->buf + avail, need - avail, want - avail,
				 s->pos + avail);
		if (r < 0)
			return read_failed(s, s->pos + avail, what, err);
		s->buf_len += (size_t)r;
	}
	if (s->buf_len < need)
		return truncated(s, start, what, want_total,
				 got_before + s->buf_len, err);
	return 0;
}

int sif_src_read_exact(struct sif_src *s, void *buf, size_t n,
		       const char *what, struct sif_err *err)
{
	uint64_t start = s->pos;
	size_t avail, rest;
	unsigned char *dst = buf;
	ssize_t r;

	if (sif_src_remaining(s) < n)
		return truncated(s, start, what, n, sif_src_remaining(s), err);
	avail = win_avail(s);
	if (avail >= n) {
		memcpy(dst, win_ptr(s), n);
		s->pos += n;
		s->win_used += n;
		goto done;
	}
	memcpy(dst, win_ptr(s), avail);
	s->pos += avail;
	s->win_used += avail;
	rest = n - avail;
	if (rest >= s->buf_cap / 2) {
		/* Large: straight into the caller's memory. */
		r = raw_read(s, dst + avail, rest, s->pos);
		if (r < 0)
			return read_failed(s, s->pos, what, err);
		s->pos += (uint64_t)r;
		if (!s->random_access) {
			s->buf_at = s->pos;
			s->buf_len = 0;
		}
		if ((size_t)r < rest)
			return truncated(s, start, what, n, avail + (size_t)r, err);
		goto done;
	}
	if (fill(s, rest, what, start, n, avail, err) < 0)
		return -1;
	memcpy(dst + avail, win_ptr(s), rest);
	s->pos += rest;
	s->win_used += rest;
done:
	sync_shared(s);
	return 0;
}

int sif_src_peek(struct sif_src *s, size_t n, const unsigned char **p,
		 const char *what, struct sif_err *err)
{
	if (n > s->buf_cap)
		return sif_errf(err, SIF_EUSAGE, "%s: peek of %zu bytes exceeds the window",
				s->name, n);
	if (sif_src_remaining(s) < n)
		return truncated(s, s->pos, what, n, sif_src_remaining(s), err);
	if (fill(s, n, what, s->pos, n, 0, err) < 0)
		return -1;
	*p = win_ptr(s);
	return 0;
}

int sif_src_skip(struct sif_src *s, uint64_t n, const char *what,
		 struct sif_err *err)
{
	uint64_t start = s->pos, rest;
	size_t avail;
	ssize_t r;

	if (sif_src_remaining(s) < n)
		return truncated(s, start, what, n, sif_src_remaining(s), err);
	avail = win_avail(s);
	if (s->random_access || avail >= n) {
		s->pos += n;
		goto done;
	}
	s->pos += avail;
	rest = n - avail;
	while (rest) {
		size_t chunk = rest < s->buf_cap ? (size_t)rest : s->buf_cap;

		r = raw_read(s, s->buf, chunk, s->pos);
		if (r < 0)
			return read_failed(s, s->pos, what, err);
		s->pos += (uint64_t)r;
		s->buf_at = s->pos;
		s->buf_len = 0;
		if ((size_t)r < chunk)
			return truncated(s, start, what, n, s->pos - start, err);
		rest -= chunk;
	}
done:
	sync_shared(s);
	return 0;
}

static bool kcopy_unsupported(int e)
{
	return e == EINVAL || e == ENOSYS || e == EXDEV || e == EOPNOTSUPP ||
	       e == EBADF || e == ESPIPE;
}

/* Kernel-side part of a copy; *moved says how far it got before falling back. */
static int copy_kernel(struct sif_src *s, int out_fd, const char *out_name,
		       uint64_t n, uint64_t *moved, const char *what,
		       struct sif_err *err)
{
	*moved = 0;
	if (!s->ops->copy || (s->flags & SIF_SRC_NO_KCOPY) ||
	    out_fd == s->nocopy_fd || sif_fs_ops_replaced())
		return 0;
	while (*moved < n) {
		uint64_t left = n - *moved;
		size_t chunk = left > (1u << 30) ? (1u << 30) : (size_t)left;
		ssize_t r = s->ops->copy(s, out_fd, chunk, s->pos);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (kcopy_unsupported(errno)) {
				s->nocopy_fd = out_fd;
				return 0;
			}
			return sif_errno(err, SIF_EIO,
					 "%s: offset %llu: copying %s to %s",
					 s->name, (unsigned long long)s->pos, what,
					 out_name);
		}
		if (r == 0)
			return 0; /* the caller's read path reports the end */
		s->pos += (uint64_t)r;
		*moved += (uint64_t)r;
		s->bytes_kcopied += (uint64_t)r;
	}
	return 0;
}

int sif_src_copy_to_fd(struct sif_src *s, int out_fd, const char *out_name,
		       uint64_t n, const char *what, struct sif_err *err)
{
	uint64_t start = s->pos, rest = n, moved;
	size_t avail;
	ssize_t r;

	if (sif_src_remaining(s) < n)
		return truncated(s, start, what, n, sif_src_remaining(s), err);
	avail = win_avail(s);
	if (avail > rest)
		avail = (size_t)rest;
	if (avail) {
		if (sif_write_exact(out_fd, win_ptr(s), avail, out_name, err) < 0)
			return -1;
		s->pos += avail;
		rest -= avail;
		s->bytes_ucopied += avail;
	}
	if (!rest)
		goto done;
	if (!s->random_access) {
		s->buf_at = s->pos;
		s->buf_len = 0;
	}
	if (copy_kernel(s, out_fd, out_name, rest, &moved, what, err) < 0)
		return -1;
	rest -= moved;
	while (rest) {
		size_t chunk = rest < s->buf_cap ? (size_t)rest : s->buf_cap;

		r = raw_read(s, s->buf, chunk, s->pos);
		if (r < 0)
			return read_failed(s, s->pos, what, err);
		s->buf_at = s->pos;
		s->buf_len = (size_t)r;
		if ((size_t)r < chunk)
			return truncated(s, start, what, n,
					 s->pos - start + (uint64_t)r, err);
		if (sif_write_exact(out_fd, s->buf, chunk, out_name, err) < 0)
			return -1;
		s->pos += chunk;
		rest -= chunk;
		s->bytes_ucopied += chunk;
	}
done:
	sync_shared(s);
	return 0;
}

int sif_src_at_end(struct sif_src *s, bool *at_end, bool *known,
		   struct sif_err *err)
{
	*known = true;
	*at_end = false;
	if (s->end != SIF_SRC_SIZE_UNKNOWN) {
		*at_end = s->pos >= s->end;
		return 0;
	}
	if (win_avail(s))
		return 0;
	if (!s->read_ahead) {
		*known = false;
		return 0;
	}
	if (s->random_access) {
		ssize_t r = raw_read(s, s->buf, s->buf_cap, s->pos);

		if (r < 0)
			return read_failed(s, s->pos, "end of input", err);
		s->buf_at = s->pos;
		s->buf_len = (size_t)r;
	} else {
		ssize_t r = raw_read_min(s, s->buf, 1, s->buf_cap, s->pos);

		if (r < 0)
			return read_failed(s, s->pos, "end of input", err);
		s->buf_at = s->pos;
		s->buf_len = (size_t)r;
	}
	*at_end = s->buf_len == 0;
	return 0;
}

/* For src_sub.c: take up to n bytes from the parent, 0 at its end. */
ssize_t sif_src__take(struct sif_src *s, void *buf, size_t n)
{
	size_t avail = win_avail(s);
	ssize_t r;

	n = cap_to_end(s, n);
	if (!n)
		return 0;
	if (avail) {
		if (avail > n)
			avail = n;
		memcpy(buf, win_ptr(s), avail);
		s->pos += avail;
		return (ssize_t)avail;
	}
	if (!s->random_access && s->read_ahead && n < s->buf_cap) {
		r = raw_read_min(s, s->buf, 1, cap_to_end(s, s->buf_cap), s->pos);
		if (r <= 0)
			return r;
		s->buf_at = s->pos;
		s->buf_len = (size_t)r;
		return sif_src__take(s, buf, n);
	}
	do
		r = s->ops->read(s, buf, n, s->pos);
	while (r < 0 && errno == EINTR);
	if (r > 0) {
		s->pos += (uint64_t)r;
		if (!s->random_access)
			s->buf_at = s->pos, s->buf_len = 0;
	}
	return r;
}

/* For src_sub.c: move up to n bytes from the parent to out_fd. */
ssize_t sif_src__give(struct sif_src *s, int out_fd, size_t n)
{
	size_t avail = win_avail(s);
	ssize_t r;

	n = cap_to_end(s, n);
	if (!n)
		return 0;
	if (avail) {
		if (avail > n)
			avail = n;
		r = write(out_fd, win_ptr(s), avail);
		if (r > 0)
			s->pos += (uint64_t)r;
		return r;
	}
	if (!s->ops->copy || (s->flags & SIF_SRC_NO_KCOPY)) {
		errno = EINVAL;
		return -1;
	}
	r = s->ops->copy(s, out_fd, n, s->pos);
	if (r > 0) {
		s->pos += (uint64_t)r;
		s->bytes_kcopied += (uint64_t)r;
		if (!s->random_access)
			s->buf_at = s->pos, s->buf_len = 0;
	}
	return r;
}

void sif_src__sync(struct sif_src *s)
{
	sync_shared(s);
}
