/*
 * libFuzzer target: the state.db reader, xapi's whitespace protection and
 * the S-expression reader.
 *
 * Input: byte 0 picks how the file is cut into parser blocks (1..64 bytes,
 * or whole), byte 1 whether sets and maps are checked; the rest is the file.
 * Properties: the reader never crashes; what it accepts, written back by the
 * writer and read again, is accepted and written back to the same bytes (a
 * fixed point); every value unprotects and re-encodes to a value that
 * unprotects the same; every set or map that parses formats back (SExpr
 * string_of) to text that parses to the same elements; the in-place
 * upgrade never loses track of a row's bytes, grows the file by exactly the
 * attributes it adds, and finds nothing to add in its own output.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/statedb.h"
#include "sif/strbuf.h"
#include "sif/xapi_value.h"
#include "fuzz_statedb_kinds.h"

#define MAXA 256

struct rt {
	struct sif_statedb_writer *w;
	struct sif_strbuf vals[MAXA], tmp, tmp2;
};

static int rt_manifest(void *u, const struct sif_statedb_manifest *m, struct sif_err *err)
{
	return sif_statedb_write_begin(((struct rt *)u)->w, m->pairs, m->npairs, err);
}

static int rt_table_begin(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	return sif_statedb_write_table_begin(((struct rt *)u)->w, t->name, err);
}

static int rt_table_end(void *u, const struct sif_statedb_table *t, struct sif_err *err)
{
	(void)t;
	return sif_statedb_write_table_end(((struct rt *)u)->w, err);
}

static int preamble(const char *n)
{
	return !strcmp(n, "ref") || !strcmp(n, "__ctime") || !strcmp(n, "__mtime");
}

/* SExpr round trip of one unprotected value (atoms may hold any byte). */
struct elems {
	struct sif_strbuf text;         /* per element: key length, key, value length, value */
	size_t n;
};

static int keep1(struct sif_strbuf *b, const char *s, size_t n)
{
	return sif_strbuf_add(b, &n, sizeof(n)) < 0 || sif_strbuf_add(b, s, n) < 0 ? -1 : 0;
}

static int keep(void *u, const char *k, size_t kl, const char *v, size_t vl)
{
	struct elems *e = u;

	if (keep1(&e->text, k, kl) < 0 || keep1(&e->text, v ? v : "", vl) < 0)
		return -1;
	e->n++;
	return 0;
}

static const char *next_elem(const char *p, const char **s, size_t *n)
{
	memcpy(n, p, sizeof(*n));
	*s = p + sizeof(*n);
	return *s + *n;
}

static void sexpr_round_trip(const char *s, size_t n, enum sif_xapi_kind kind)
{
	struct elems a = { SIF_STRBUF_INIT, 0 }, b = { SIF_STRBUF_INIT, 0 };
	struct sif_strbuf out = SIF_STRBUF_INIT;
	struct sif_err err;
	const char *p;
	size_t i;

	if (sif_sexpr_parse(s, n, kind, keep, &a, &err) < 0)
		goto out;
	/* format back as SExpr.string_of does */
	sif_strbuf_addc(&out, '(');
	for (i = 0, p = a.text.p; i < a.n; i++) {
		const char *k, *v;
		size_t kl, vl;

		p = next_elem(next_elem(p, &k, &kl), &v, &vl);
		if (i)
			sif_strbuf_addc(&out, ' ');
		if (kind == SIF_XAPI_MAP) {
			sif_strbuf_addc(&out, '(');
			sif_sexpr_atom(&out, k, kl);
			sif_strbuf_addc(&out, ' ');
			sif_sexpr_atom(&out, v, vl);
			sif_strbuf_addc(&out, ')');
		} else {
			sif_sexpr_atom(&out, k, kl);
		}
	}
	sif_strbuf_addc(&out, ')');
	if (sif_sexpr_parse(out.p, out.len, kind, keep, &b, &err) < 0)
		abort();
	if (a.n != b.n || a.text.len != b.text.len ||
	    (a.text.len && memcmp(a.text.p, b.text.p, a.text.len)))
		abort();
out:
	sif_strbuf_free(&a.text);
	sif_strbuf_free(&b.text);
	sif_strbuf_free(&out);
}

static int rt_row(void *u, const struct sif_statedb_row *r, struct sif_err *err)
{
	struct rt *rt = u;
	struct sif_statedb_attr a[MAXA];
	size_t i, bad;

	if (r->nattrs > MAXA)
		return sif_errf(err, SIF_EFORMAT, "too many attributes for the fuzzer");
	for (i = 0; i < r->nattrs; i++) {
		const struct sif_statedb_attr *at = &r->attrs[i];

		sif_strbuf_reset(&rt->vals[i]);
		a[i].name = at->name;
		if (preamble(at->name)) {
			if (sif_strbuf_add(&rt->vals[i], at->value, at->len) < 0)
				abort();
		} else {
			if (sif_xapi_unprotect(at->value, at->len, &rt->vals[i], &bad) != 0)
				abort();        /* the reader checked it */
			/* encode then unprotect gives the same value back */
			sif_strbuf_reset(&rt->tmp);
			sif_strbuf_reset(&rt->tmp2);
			if (sif_xapi_encode_attr(rt->vals[i].p ? rt->vals[i].p : "",
						 rt->vals[i].len, &rt->tmp, &bad) == 0) {
				/* entities aside, protection round-trips */
				if (!memchr(rt->tmp.p ? rt->tmp.p : "", '&', rt->tmp.len) &&
				    (sif_xapi_unprotect(rt->tmp.p ? rt->tmp.p : "", rt->tmp.len,
							&rt->tmp2, &bad) != 0 ||
				     rt->tmp2.len != rt->vals[i].len ||
				     (rt->tmp2.len && memcmp(rt->tmp2.p, rt->vals[i].p, rt->tmp2.len))))
					abort();
			}
			sexpr_round_trip(rt->vals[i].p ? rt->vals[i].p : "", rt->vals[i].len,
					 SIF_XAPI_SET);
			sexpr_round_trip(rt->vals[i].p ? rt->vals[i].p : "", rt->vals[i].len,
					 SIF_XAPI_MAP);
		}
		a[i].value = rt->vals[i].p ? rt->vals[i].p : "";
		a[i].len = rt->vals[i].len;
	}
	return sif_statedb_write_row(rt->w, a, r->nattrs, err);
}

static const struct sif_statedb_visitor rt_visitor = {
	.manifest = rt_manifest, .table_begin = rt_table_begin, .row = rt_row,
	.table_end = rt_table_end,
};

/* Read `in`, write it back into a memfd; returns the bytes (malloc'd) or NULL. */
static char *reserialise(const char *in, size_t len, size_t chunk, int kinds, size_t *out_len)
{
	struct sif_statedb_visitor v = rt_visitor;
	struct rt rt = { 0 };
	struct sif_err err;
	char *out = NULL;
	int fd = memfd_create("fuzz", 0), ok, i;
	off_t end;

	if (fd < 0)
		abort();
	if (kinds)
		v.kind = kind_by_name;
	if (sif_statedb_writer_new(&rt.w, fd, "memfd", &err) < 0)
		abort();
	ok = sif_statedb_read_mem("fuzz.db", in, len, chunk, &v, &rt, &err) == 0 &&
	     sif_statedb_write_end(rt.w, &err) == 0;
	sif_statedb_writer_free(rt.w);
	for (i = 0; i < MAXA; i++)
		sif_strbuf_free(&rt.vals[i]);
	sif_strbuf_free(&rt.tmp);
	sif_strbuf_free(&rt.tmp2);
	if (ok && (end = lseek(fd, 0, SEEK_END)) >= 0) {
		out = malloc((size_t)end + 1);
		if (!out || pread(fd, out, (size_t)end, 0) != end)
			abort();
		*out_len = (size_t)end;
	}
	close(fd);
	return out;
}

static const char *const formats[] = { "legacy", "structured", "raw", NULL };
static const struct sif_statedb_field field = {
	.table = "VDI", .column = "suspend_image_format", .default_value = "legacy",
	.allowed = formats,
};
#define ADDED_BYTES 30  /* ` suspend_image_format="legacy"` */

static char workdir[64];

static void remove_workdir(void)
{
	char p[96];

	snprintf(p, sizeof(p), "%s/in.db", workdir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/out.db", workdir);
	unlink(p);
	rmdir(workdir);
}

static void upgrade_checks(const uint8_t *data, size_t size)
{
	struct sif_statedb_upgrade_opts o = { .fields = &field, .nfields = 1,
					      .kind = kind_by_name };
	struct sif_statedb_upgrade_stats st, st2;
	char in[96], out[96];
	struct sif_err err;
	struct stat sb;
	int fd;

	if (!workdir[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(workdir, sizeof(workdir), "%s/fuzz-statedb.XXXXXX", t ? t : "/tmp");
		if (!mkdtemp(workdir))
			abort();
		atexit(remove_workdir);
	}
	snprintf(in, sizeof(in), "%s/in.db", workdir);
	snprintf(out, sizeof(out), "%s/out.db", workdir);
	fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	o.dry_run = true;
	if (sif_statedb_upgrade(in, &o, &st, &err) < 0) {
		if (err.code == SIF_EINTERNAL)
			abort();
		return;
	}
	o.dry_run = false;
	o.output = out;
	if (sif_statedb_upgrade(in, &o, &st2, &err) < 0 || st2.added != st.added ||
	    stat(out, &sb) < 0 || (uint64_t)sb.st_size != size + st.added * ADDED_BYTES)
		abort();
	o.output = NULL;
	if (sif_statedb_upgrade(out, &o, &st2, &err) < 0 || st2.added || st2.written)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, n1, n2;
	char *once, *twice;
	int kinds;

	if (size < 2)
		return 0;
	chunk = data[0] < 192 ? (size_t)(data[0] % 64) + 1 : 0;
	kinds = data[1] & 1;
	data += 2;
	size -= 2;
	/* the value decoders on raw bytes, too */
	sexpr_round_trip((const char *)data, size, SIF_XAPI_SET);
	sexpr_round_trip((const char *)data, size, SIF_XAPI_MAP);
	{
		struct sif_strbuf b = SIF_STRBUF_INIT;
		size_t bad;

		(void)sif_xapi_unprotect((const char *)data, size, &b, &bad);
		sif_strbuf_free(&b);
	}
	upgrade_checks(data, size);
	once = reserialise((const char *)data, size, chunk, kinds, &n1);
	if (!once)
		return 0;
	twice = reserialise(once, n1, 0, kinds, &n2);
	if (!twice || n1 != n2 || memcmp(once, twice, n1))
		abort();
	free(once);
	free(twice);
	return 0;
}
