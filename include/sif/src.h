/*
 * sif_src: the byte source every image reader consumes.
 *
 * A reader (the v1 stream reader, the v2 verifier, the framing reader, the
 * legacy image reader) never calls read() itself: it asks a struct sif_src
 * for exactly the bytes it needs, skips what it does not look at and hands
 * payload it passes through (page data, qemu records) to
 * sif_src_copy_to_fd(), which moves the bytes inside the kernel where it can
 * (copy_file_range, sendfile, splice) and falls back to read/write.
 *
 * The contract, for every variant:
 *  - Positions are absolute offsets in the underlying object (the file, the
 *    block device, the file inside an ext2 fs; for a pipe, bytes consumed
 *    since it was opened, plus the origin given), so an error names the
 *    offset a support engineer finds with `xxd -s`.
 *  - A source never consumes a byte beyond what its reader asked for from an
 *    fd it shares (SIF_SRC_SHARED): a pipe is read exactly; a regular file or
 *    block device is read with large pread() windows (which do not move the
 *    fd offset) and its fd offset is set to the consumed position before each
 *    call returns, so whoever reads the fd next starts on the first byte the
 *    reader did not take.  Without SIF_SRC_SHARED a pipe may be read ahead
 *    into the window.
 *  - `end` is the absolute end offset when the size is known (regular file,
 *    block device, sub-range, ext2 file) and SIF_SRC_SIZE_UNKNOWN otherwise.
 *    A read or skip past a known end fails without touching the fd.
 *  - Every failing call fills the sif_err with
 *        "NAME: offset N: truncated reading WHAT: expected X bytes, got Y"
 *    (or "NAME: offset N: reading WHAT: <strerror>"), N being the offset at
 *    which the read started, and the position is then undefined.
 *
 * Variants are ops tables (struct sif_src_ops).  This module provides the
 * plain fd (regular file, block device, pipe or other stream) and the
 * sub-range, which limits a parent source to its next LEN bytes.  Another
 * module can add one (a file inside ext2 mapped to device extents) with
 * sif_src_init(); the window/buffer logic, the error texts and the copy
 * fallback stay here.
 *
 * Not for writing: outputs are plain fds (sif_write_exact) or sif_atomic_*.
 */
#ifndef SIF_SRC_H
#define SIF_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sif/err.h"

#define SIF_SRC_SIZE_UNKNOWN UINT64_MAX

/* Size of the read-ahead window of buffered sources. */
#define SIF_SRC_WINDOW (128u * 1024u)

enum sif_src_flags {
	/*
	 * Someone reads the fd after us (a legacy image's qemu record after
	 * the v1 stream, read by another process or module): consume exactly.
	 */
	SIF_SRC_SHARED = 1u << 0,
	/* sif_src_close() closes the fd. */
	SIF_SRC_CLOSE_FD = 1u << 1,
	/* Never use kernel-side copies (tests of the fallback path). */
	SIF_SRC_NO_KCOPY = 1u << 2,
};

struct sif_src;

struct sif_src_ops {
	const char *kind;      /* "file", "blockdev", "stream", "sub", "ext2" */
	/*
	 * Read up to n bytes at absolute offset `at` into buf; return the
	 * count (0 at end), or -1 with errno set.  For a source that is not
	 * random access, `at` is always the next byte not yet read.
	 */
	ssize_t (*read)(struct sif_src *s, void *buf, size_t n, uint64_t at);
	/*
	 * Optional: move up to n bytes at `at` to out_fd inside the kernel.
	 * Return the count (0 at end), or -1 with errno; EINVAL, ENOSYS,
	 * EXDEV, EOPNOTSUPP or EBADF before any byte moved mean "cannot, use
	 * read/write".
	 */
	ssize_t (*copy)(struct sif_src *s, int out_fd, size_t n, uint64_t at);
	/* Optional: set the shared fd's offset to `at` (consumed position). */
	int (*sync)(struct sif_src *s, uint64_t at);
	/* Optional: release priv (and the fd if SIF_SRC_CLOSE_FD). */
	void (*close)(struct sif_src *s);
};

struct sif_src {
	const struct sif_src_ops *ops;
	void *priv;             /* the variant's state */
	int fd;                 /* underlying fd, -1 if none */
	char *name;             /* for messages: the path, "-", "dev:/x" */
	unsigned flags;         /* enum sif_src_flags */
	bool random_access;     /* ops->read accepts any `at` (pread-able) */
	bool read_ahead;        /* may read beyond what was asked */
	uint64_t pos;           /* absolute offset of the next byte to consume */
	uint64_t end;           /* absolute end, or SIF_SRC_SIZE_UNKNOWN */
	/* The window: buf[0..buf_len) holds the bytes at [buf_at, buf_at+buf_len). */
	unsigned char *buf;
	size_t buf_cap, buf_len;
	uint64_t buf_at;
	size_t win_next;        /* read-ahead of the next refill (adapts) */
	size_t win_used;        /* bytes of the window the reader took */
	int nocopy_fd;          /* out fd on which kernel copy failed (-1) */
	/* Statistics, for benchmarks and tests. */
	uint64_t bytes_kcopied; /* moved by the kernel */
	uint64_t bytes_ucopied; /* moved through user space by copy_to_fd */
};

/*
 * Open a source on fd, starting at its current offset (0 for a pipe).
 * The kind is chosen by fstat: regular file, block device, else stream.
 */
int sif_src_open_fd(struct sif_src *s, int fd, const char *name,
		    unsigned flags, struct sif_err *err);

/* Open path read-only (SIF_SRC_CLOSE_FD implied; "-" is not special). */
int sif_src_open_path(struct sif_src *s, const char *path, unsigned flags,
		      struct sif_err *err);

/*
 * Limit `parent` to its next `len` bytes: sub consumes from parent exactly
 * what it is asked for (no window of its own), with the same absolute
 * offsets and name.  A read past the sub-range's end is a truncation.
 * The parent must outlive sub and not be used while sub is.
 */
int sif_src_open_sub(struct sif_src *sub, struct sif_src *parent,
		     uint64_t len, struct sif_err *err);

/*
 * For other variants: fill in *s with the ops table and state; pos and end
 * absolute; random_access if ops->read takes any offset.  Buffered with a
 * window unless the source is shared and not random access.
 */
int sif_src_init(struct sif_src *s, const struct sif_src_ops *ops, void *priv,
		 int fd, const char *name, unsigned flags, bool random_access,
		 uint64_t pos, uint64_t end, struct sif_err *err);

/* Sync a shared fd's offset, close the variant, free the window.  Idempotent. */
void sif_src_close(struct sif_src *s);

/* Read exactly n bytes of WHAT into buf, or fail naming the offset. */
int sif_src_read_exact(struct sif_src *s, void *buf, size_t n,
		       const char *what, struct sif_err *err);

/*
 * Make the next n bytes available without consuming them (*p points into
 * the window, valid until the next call).  n <= SIF_SRC_WINDOW.  A shared
 * stream reads exactly n bytes, which the reader then consumes: peek only
 * what a valid input certainly holds.
 */
int sif_src_peek(struct sif_src *s, size_t n, const unsigned char **p,
		 const char *what, struct sif_err *err);

/* Consume n bytes of WHAT without looking at them. */
int sif_src_skip(struct sif_src *s, uint64_t n, const char *what,
		 struct sif_err *err);

/*
 * Move n bytes of WHAT to out_fd: whatever the window holds is written
 * from it, the rest goes kernel-side when both ends allow it, else through
 * the window.  A write error names `out_name`.
 */
int sif_src_copy_to_fd(struct sif_src *s, int out_fd, const char *out_name,
		       uint64_t n, const char *what, struct sif_err *err);

/*
 * Whether the source is at its end.  From a shared stream nothing may be
 * consumed to find out: there *known is set false.  Otherwise *known is
 * true and at most one window is read ahead (not consumed).
 */
int sif_src_at_end(struct sif_src *s, bool *at_end, bool *known,
		   struct sif_err *err);

/* Bytes left when the end is known, SIF_SRC_SIZE_UNKNOWN otherwise. */
uint64_t sif_src_remaining(const struct sif_src *s);

/*
 * Building block for variants on an fd: move n bytes at in_off of in_fd
 * (regular file or block device) to out_fd with copy_file_range or
 * sendfile.  Same return convention as sif_src_ops.copy.
 */
ssize_t sif_fd_kcopy(int in_fd, uint64_t in_off, int out_fd, size_t n);

/* pread loop on EINTR/short reads; like sif_read_full at an offset. */
ssize_t sif_pread_full(int fd, void *buf, size_t n, uint64_t off);

#endif
