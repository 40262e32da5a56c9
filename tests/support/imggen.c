/*
 * Whole suspend images for tests and benchmarks (see v2gen.h): the inner
 * stream from v2gen or v1gen, the framing written here independently of
 * libsif's writer (signature, headers, the Xenops S-expression as xenopsd
 * prints it, Demu + vGPU state, Varstored, Swtpm0, Swtpm, Qemu_trad,
 * End_of_image, in xenopsd's order), then for the ext2 kinds the
 * container: libsif's image writer (ext2tool=sif, fast) or the real
 * e2fsprogs tools (ext2tool=e2fsprogs: mke2fs -t ext2, then debugfs
 * `write`; sparse / sparse1k: mke2fs -d, which leaves every zero block a
 * hole, with 4 KiB or 1 KiB blocks), so the reader is also checked against
 * images it did not make.
 */
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sif/image.h"
#include "v1gen.h"
#include "v2gen.h"

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "imggen: %s %s: %s\n", what, path ? path : "", strerror(errno));
	return -1;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *s = p;

	while (n) {
		ssize_t r = write(fd, s, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		s += r;
		n -= (size_t)r;
	}
	return 0;
}

static int header(int fd, uint64_t type, uint64_t len)
{
	unsigned char h[16];
	int i;

	for (i = 0; i < 8; i++) {
		h[i] = (unsigned char)(type >> (8 * i));
		h[8 + i] = (unsigned char)(len >> (8 * i));
	}
	return write_all(fd, h, sizeof(h));
}

/* xenopsd's Xenops record: sexplib machine format. */
static char *xenops_text(const struct imggen_opts *o, size_t *len)
{
	char *s = NULL, *esc = NULL;
	size_t i, n = 0;

	if (o->vm_str) {
		esc = malloc(strlen(o->vm_str) * 4 + 1);
		if (!esc)
			return NULL;
		for (i = 0; o->vm_str[i]; i++) {
			unsigned char c = (unsigned char)o->vm_str[i];

			if (c == '"' || c == '\\') {
				esc[n++] = '\\';
				esc[n++] = (char)c;
			} else if (c < 32 || c > 126) {
				n += (size_t)sprintf(esc + n, "\\%03u", c);
			} else {
				esc[n++] = (char)c;
			}
		}
		esc[n] = '\0';
	}
	if (asprintf(&s, "((time 20240229T12:34:56Z)(word_size 64)%s%s%s(xs_subtree()))",
		     esc ? "(vm_str\"" : "", esc ? esc : "", esc ? "\")" : "") < 0)
		s = NULL;
	free(esc);
	if (s)
		*len = strlen(s);
	return s;
}

static int copy_file(int out, const char *path)
{
	char buf[1 << 16];
	int in = open(path, O_RDONLY);
	ssize_t r;

	if (in < 0)
		return fail("open", path);
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)r) < 0) {
			close(in);
			return fail("write", NULL);
		}
	close(in);
	return r < 0 ? fail("read", path) : 0;
}

/* Deterministic filler bytes: a xorshift stream per seed. */
static void fill_data(unsigned char *buf, size_t n, uint64_t *x)
{
	for (size_t i = 0; i < n; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		buf[i] = (unsigned char)*x;
	}
}

static uint64_t data_seed(uint64_t seed)
{
	return seed * 0x9e3779b97f4a7c15ULL + 1;
}

static int put_data(int fd, uint64_t seed, uint64_t n)
{
	unsigned char buf[4096];
	uint64_t x = data_seed(seed);

	while (n) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		fill_data(buf, k, &x);
		if (write_all(fd, buf, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

unsigned char *imggen_record_body(const struct imggen_opts *o, uint64_t type, bool raw,
				  size_t *len)
{
	uint32_t n = type == 0xf11 ? o->varstored_bytes : type == 0xf12 ? o->swtpm0_bytes :
		     type == 0xf13 ? o->swtpm_bytes : 0;
	uint64_t x = data_seed(o->v2.seed + type);
	unsigned char *state = malloc(n + 1), *b64;
	int k;

	if (!state)
		return NULL;
	fill_data(state, n, &x);
	*len = n;
	if (type != 0xf13 || raw)
		return state;
	/* Swtpm: xapi's VTPM.contents, base64 of the state (glibc's b64_ntop) */
	b64 = malloc((size_t)n / 3 * 4 + 8);
	k = b64 ? b64_ntop(state, n, (char *)b64, (size_t)n / 3 * 4 + 8) : -1;
	free(state);
	if (k < 0) {
		free(b64);
		return NULL;
	}
	*len = (size_t)k;
	return b64;
}

/* header(type, len) + imggen_record_body(type); *at advanced. */
static int device_record(int fd, const struct imggen_opts *o, uint64_t type, uint64_t *at,
			 uint64_t *where)
{
	size_t len;
	unsigned char *b = imggen_record_body(o, type, false, &len);
	int rc = b && header(fd, type, len) == 0 && write_all(fd, b, len) == 0 ? 0 : -1;

	*where = *at;
	*at += 16 + len;
	free(b);
	return rc;
}

static int put_zeros(int fd, uint64_t n)
{
	static const unsigned char z[4096];

	while (n) {
		size_t k = n < sizeof(z) ? (size_t)n : sizeof(z);

		if (write_all(fd, z, k) < 0)
			return -1;
		n -= k;
	}
	return 0;
}

struct shift {
	const struct imggen_opts *o;
	uint64_t by;
};

static void shifted_mark(void *ctx, uint64_t off, const char *what)
{
	struct shift *sh = ctx;

	sh->o->mark(sh->o->mark_ctx, off + sh->by, what);
}

/* The inner stream into `path`; marks shifted to where it will sit. */
static int inner_stream(const char *path, const struct imggen_opts *o, bool legacy_image,
			uint64_t at, struct imggen_result *r)
{
	struct v1gen_opts v1 = { 0 };
	struct v1gen_result res;
	struct v2gen_opts v2 = o->v2;
	struct shift sh = { o, at };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), rc;

	if (fd < 0)
		return fail("create", path);
	if (o->kind == IMGGEN_RAW || o->kind == IMGGEN_STRUCTURED) {
		if (o->mark) {
			v2.mark = shifted_mark;
			v2.mark_ctx = &sh;
		}
		rc = v2gen_write(fd, &v2);
		r->stream = at;
		r->stream_end = at + v2gen_size(&o->v2);
	} else {
		char *kv = strdup(o->v1_kv ? o->v1_kv : ""), *tok, *save = NULL;

		v1.seed = o->v2.seed;
		for (tok = strtok_r(kv, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			if (v1gen_set(&v1, tok) < 0) {
				fprintf(stderr, "imggen: bad v1 option '%s'\n", tok);
				free(kv);
				close(fd);
				return -1;
			}
		free(kv);
		v1.wrap = legacy_image ? V1GEN_LEGACY_IMAGE : V1GEN_BARE;
		if (legacy_image && v1.guest == SIF_V1_HVM)
			v1.qemu = true;
		if (legacy_image && o->qemu_bytes)
			v1.qemu_len = o->qemu_bytes;
		if (o->qemu_zero)
			v1.qemu_zero = true;
		if (o->mark) {
			v1.mark = shifted_mark;
			v1.mark_ctx = &sh;
		}
		rc = v1gen_write(fd, &v1, &res);
		r->stream = at + res.v1_start;
		r->stream_end = at + res.v1_end;
		if (legacy_image) {
			r->qemu = res.total > res.v1_end ? res.v1_end : 0;
			r->total = res.total;
		}
	}
	if (rc < 0)
		fail("writing stream", path);
	if (close(fd) < 0 && rc == 0)
		rc = fail("close", path);
	return rc;
}

/* Bytes before the inner stream of a framed image. */
static uint64_t framed_head(const struct imggen_opts *o)
{
	size_t xlen = 0;
	char *x = xenops_text(o, &xlen);

	free(x);
	return 15 + 16 + xlen + 16;
}

/*
 * As xenopsd's suspend writes it (domain.ml): signature, Xenops, the
 * stream record, [Demu + vGPU state], [Varstored, Swtpm0, Swtpm],
 * [Qemu_trad], End_of_image.
 */
static int framed(int fd, const char *inner, const struct imggen_opts *o,
		  struct imggen_result *r)
{
	bool legacy = o->kind == IMGGEN_STRUCTURED_LEGACY || o->kind == IMGGEN_RAW_LEGACY;
	uint64_t type = legacy ? 0xf2 : o->v2.libxl ? 0xf1 : 0xf0;
	size_t xlen = 0;
	char *x = xenops_text(o, &xlen);
	struct stat st;
	uint64_t at;
	int rc = -1;

	if (!x || stat(inner, &st) < 0)
		goto out;
	r->xenops = 15;
	r->xenops_len = xlen;
	r->stream_hdr = 15 + 16 + xlen;
	at = r->stream_hdr + 16 + (uint64_t)st.st_size;
	if (write_all(fd, "XenSavedDomv2-\n", 15) < 0 || header(fd, 0xf, xlen) < 0 ||
	    write_all(fd, x, xlen) < 0 || header(fd, type, 0) < 0 || copy_file(fd, inner) < 0)
		goto out;
	/* vGPU state: Demu of length 0, then emu-manager's stream */
	if (o->demu_bytes) {
		r->demu = at;
		at += 16 + o->demu_bytes;
		if (header(fd, 0xf10, 0) < 0 || put_data(fd, o->v2.seed + 0xf10, o->demu_bytes) < 0)
			goto out;
	}
	/* a UEFI VM: Varstored, then a vTPM record */
	if ((o->varstored_bytes && device_record(fd, o, 0xf11, &at, &r->varstored) < 0) ||
	    (o->swtpm0_bytes && device_record(fd, o, 0xf12, &at, &r->swtpm0) < 0) ||
	    (o->swtpm_bytes && device_record(fd, o, 0xf13, &at, &r->swtpm) < 0))
		goto out;
	if (o->qemu_bytes) {
		r->qemu = at;
		at += 16 + o->qemu_bytes;
		if (header(fd, 0xf00, o->qemu_bytes) < 0 ||
		    (o->qemu_zero ? put_zeros(fd, o->qemu_bytes) :
		     put_data(fd, o->v2.seed + 0xf00, o->qemu_bytes)) < 0)
			goto out;
	}
	r->end = at;
	r->total = at + 16;
	if (header(fd, 0xffff, 0) < 0)
		goto out;
	if (o->raw_tail && put_data(fd, o->v2.seed + 0x7a11, o->raw_tail) < 0)
		goto out;
	rc = 0;
out:
	free(x);
	if (rc < 0)
		fail("writing image", NULL);
	return rc;
}

int imggen_ext2(const char *out, const char *stream, bool legacy)
{
	struct sif_image_writer_opts wo = { .format = legacy ? SIF_IMAGE_LEGACY :
					    SIF_IMAGE_STRUCTURED, .now = 1709210096,
					    .fixed_uuid = true, .uuid = "sif-test-uuid-01" };
	struct sif_image_writer *w;
	struct sif_err err;
	struct sif_src s;
	uint64_t n;

	if (sif_src_open_path(&s, stream, 0, &err) < 0)
		goto fail;
	n = s.end;
	wo.max_bytes = n;
	if (sif_image_writer_open(&w, out, &wo, &err) < 0) {
		sif_src_close(&s);
		goto fail;
	}
	if (sif_image_writer_copy(w, &s, n, "stream", &err) < 0) {
		sif_image_writer_abort(w);
		sif_src_close(&s);
		goto fail;
	}
	sif_src_close(&s);
	if (sif_image_writer_commit(w, &err) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "imggen: %s\n", err.msg);
	return -1;
}

static int run(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		setenv("E2FSPROGS_FAKE_TIME", "1709210096", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "imggen: %s failed\n", argv[0]);
		return -1;
	}
	return 0;
}

/* mke2fs -t ext2 and debugfs `write`: the filesystem tools' own image. */
static int e2fs_ext2(const char *out, const char *stream)
{
	struct stat st;
	char size[32], req[4200];

	if (stat(stream, &st) < 0)
		return fail("stat", stream);
	/* room for the file, its indirect blocks and the metadata */
	snprintf(size, sizeof(size), "%lluk",
		 (unsigned long long)(st.st_size / 1024 + st.st_size / 1024 / 64 + 4096));
	unlink(out);
	if (run((char *[]){ "mke2fs", "-q", "-F", "-t", "ext2", "-b", "4096", "-m", "0",
			    "-U", "2b3b7a2c-4d1e-4e5f-9a0b-1c2d3e4f5a6b",
			    "-E", "hash_seed=2b3b7a2c-4d1e-4e5f-9a0b-1c2d3e4f5a6b",
			    (char *)out, size, NULL }) < 0)
		return -1;
	snprintf(req, sizeof(req), "write %s suspend-image", stream);
	return run((char *[]){ "debugfs", "-w", "-R", req, (char *)out, NULL });
}

int imggen_ext2_sparse(const char *out, const char *stream, unsigned block_size)
{
	char *d = NULL, *f = NULL, size[32], bs[16];
	struct stat st;
	int rc = -1;

	if (stat(stream, &st) < 0)
		return fail("stat", stream);
	if (asprintf(&d, "%s.d.tmp", out) < 0 || asprintf(&f, "%s/suspend-image", d) < 0)
		goto out;
	if (mkdir(d, 0700) < 0 || rename(stream, f) < 0) {
		fail("preparing", d);
		goto out;
	}
	snprintf(size, sizeof(size), "%lluk",
		 (unsigned long long)(st.st_size / 1024 + st.st_size / 1024 / 64 + 4096));
	snprintf(bs, sizeof(bs), "%u", block_size);
	unlink(out);
	rc = run((char *[]){ "mke2fs", "-q", "-F", "-t", "ext2", "-b", bs, "-m", "0",
			     "-U", "2b3b7a2c-4d1e-4e5f-9a0b-1c2d3e4f5a6b",
			     "-E", "hash_seed=2b3b7a2c-4d1e-4e5f-9a0b-1c2d3e4f5a6b",
			     "-d", d, (char *)out, size, NULL });
	if (rename(f, stream) < 0 && rc == 0)
		rc = fail("rename", f);
out:
	if (d)
		rmdir(d);
	free(d);
	free(f);
	return rc;
}

int imggen_write(const char *path, const struct imggen_opts *o, struct imggen_result *res)
{
	struct imggen_result local;
	struct imggen_result *r = res ? res : &local;
	char *inner = NULL, *stream = NULL;
	bool ext2 = o->kind == IMGGEN_STRUCTURED || o->kind == IMGGEN_LEGACY ||
		    o->kind == IMGGEN_STRUCTURED_LEGACY;
	int fd = -1, rc = -1;

	if (asprintf(&inner, "%s.inner.tmp", path) < 0 ||
	    asprintf(&stream, "%s.stream.tmp", path) < 0)
		return -1;
	memset(r, 0, sizeof(*r));
	if (inner_stream(inner, o, o->kind == IMGGEN_LEGACY,
			 o->kind == IMGGEN_LEGACY ? 0 : framed_head(o), r) < 0)
		goto out;
	if (o->kind == IMGGEN_LEGACY) {
		if (rename(inner, stream) < 0) {
			fail("rename", inner);
			goto out;
		}
	} else {
		fd = open(ext2 ? stream : path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || framed(fd, inner, o, r) < 0 || close(fd) < 0) {
			fail("writing", ext2 ? stream : path);
			goto out;
		}
		fd = -1;
	}
	if (ext2) {
		const char *tool = getenv("IMGGEN_EXT2TOOL");

		int made;

		if (tool && !strcmp(tool, "e2fsprogs"))
			made = e2fs_ext2(path, stream);
		else if (tool && !strncmp(tool, "sparse", 6))
			made = imggen_ext2_sparse(path, stream, strcmp(tool, "sparse1k") ? 4096 : 1024);
		else
			made = imggen_ext2(path, stream, o->kind == IMGGEN_LEGACY);
		if (made < 0)
			goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(inner);
	unlink(stream);
	free(inner);
	free(stream);
	return rc;
}

int imggen_set(struct imggen_opts *o, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (!eq)
		return -1;
	if (!strncmp(kv, "kind=", 5)) {
		static const char *const kinds[] = { "raw", "structured", "legacy",
						     "structured-legacy", "raw-legacy" };
		size_t i;

		for (i = 0; i < 5; i++)
			if (!strcmp(eq + 1, kinds[i])) {
				o->kind = (enum imggen_kind)i;
				return 0;
			}
		return -1;
	}
	if (!strncmp(kv, "v1=", 3)) {
		o->v1_kv = eq + 1;
		return 0;
	}
	if (!strncmp(kv, "vm_str=", 7)) {
		o->vm_str = eq + 1;
		return 0;
	}
	if (!strncmp(kv, "qemu_zero=", 10)) {
		o->qemu_zero = strtoul(eq + 1, NULL, 0) != 0;
		return 0;
	}
	if (!strncmp(kv, "qemu_bytes=", 11)) {
		o->qemu_bytes = (uint32_t)strtoul(eq + 1, NULL, 0);
		return 0;
	}
	if (!strncmp(kv, "raw_tail=", 9)) {
		o->raw_tail = strtoull(eq + 1, NULL, 0);
		return 0;
	}
	if (!strncmp(kv, "demu_bytes=", 11)) {
		o->demu_bytes = strtoull(eq + 1, NULL, 0);
		return 0;
	}
	if (!strncmp(kv, "varstored_bytes=", 16)) {
		o->varstored_bytes = (uint32_t)strtoul(eq + 1, NULL, 0);
		return 0;
	}
	if (!strncmp(kv, "swtpm0_bytes=", 13)) {
		o->swtpm0_bytes = (uint32_t)strtoul(eq + 1, NULL, 0);
		return 0;
	}
	if (!strncmp(kv, "swtpm_bytes=", 12)) {
		o->swtpm_bytes = (uint32_t)strtoul(eq + 1, NULL, 0);
		return 0;
	}
	return v2gen_set(&o->v2, kv);
}
