/*
 * The state.db writer: the bytes xapi's Db_xml.To writes through Xmlm with
 * its default output (prolog and a newline, no indentation, no final
 * newline, `<x/>` for an element without children, attribute values in
 * double quotes).  Column values are whitespace-protected; the row preamble
 * (ref, __ctime, __mtime) and manifest pairs are not, as in xapi.
 *
 * Output is buffered and goes through sif_write_exact, so an atomic file and
 * injected write failures work unchanged.  Not here: ordering.  The caller
 * gives tables, rows and attributes in the order to write (xapi's order is
 * byte order of table names, of refs, and of column names).
 */
#include <stdlib.h>
#include <string.h>

#include "sif/io.h"
#include "sif/statedb.h"
#include "sif/strbuf.h"

#define OUT_BUF (1u << 20)

struct sif_statedb_writer {
	int fd;
	const char *name;
	struct sif_strbuf out, val;
	uint64_t written;
	bool start_pending;     /* a <table ...> whose '>' or '/>' is not yet written */
	bool in_table;
};

int sif_statedb_writer_new(struct sif_statedb_writer **wp, int fd, const char *name,
			   struct sif_err *err)
{
	struct sif_statedb_writer *w = calloc(1, sizeof(*w));

	if (!w || sif_strbuf_grow(&w->out, OUT_BUF) < 0) {
		free(w);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	w->fd = fd;
	w->name = name;
	*wp = w;
	return 0;
}

void sif_statedb_writer_free(struct sif_statedb_writer *w)
{
	if (!w)
		return;
	sif_strbuf_free(&w->out);
	sif_strbuf_free(&w->val);
	free(w);
}

uint64_t sif_statedb_writer_bytes(const struct sif_statedb_writer *w)
{
	return w->written + w->out.len;
}

static int flush(struct sif_statedb_writer *w, struct sif_err *err)
{
	if (!w->out.len)
		return 0;
	if (sif_write_exact(w->fd, w->out.p, w->out.len, w->name, err) < 0)
		return -1;
	w->written += w->out.len;
	sif_strbuf_reset(&w->out);
	return 0;
}

static int put(struct sif_statedb_writer *w, const char *s, size_t n,
	       struct sif_err *err)
{
	if (sif_strbuf_add(&w->out, s, n) < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	return w->out.len >= OUT_BUF ? flush(w, err) : 0;
}

static int puts_(struct sif_statedb_writer *w, const char *s, struct sif_err *err)
{
	return put(w, s, strlen(s), err);
}

/* Element and attribute names: what xapi's names are made of. */
static bool valid_name(const char *s)
{
	const char *p;

	if (!*s || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.')
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.'))
			return false;
	return true;
}

/* Xmlm's escaping alone (manifest pairs, the row preamble: xapi does not
 * protect them).  The value must be UTF-8 XML characters: it came from a
 * parsed file or from sif, and anything else would make an unreadable file. */
static int escape_only(struct sif_strbuf *out, const char *v, size_t len, size_t *bad)
{
	size_t i, run = 0;

	if (sif_xml_check_chars(v, len, bad) < 0)
		return -1;
	for (i = 0; i < len; i++) {
		const char *esc = v[i] == '&' ? "&amp;" : v[i] == '<' ? "&lt;" :
				  v[i] == '>' ? "&gt;" : v[i] == '"' ? "&quot;" : NULL;

		if (!esc)
			continue;
		if (sif_strbuf_add(out, v + run, i - run) < 0 || sif_strbuf_adds(out, esc) < 0)
			return -2;
		run = i + 1;
	}
	return sif_strbuf_add(out, v + run, len - run) < 0 ? -2 : 0;
}

/* ` name="value"`: protected (columns) or only escaped (preamble, pairs). */
static int attr(struct sif_statedb_writer *w, const char *name, const char *value,
		size_t len, bool protect, struct sif_err *err)
{
	size_t bad = 0;
	int rc;

	if (!valid_name(name))
		return sif_errf(err, SIF_EUSAGE, "%s: '%s' is not a state.db attribute name",
				w->name, name);
	sif_strbuf_reset(&w->val);
	rc = protect ? sif_xapi_encode_attr(value, len, &w->val, &bad) :
		escape_only(&w->val, value, len, &bad);
	if (rc == -1)
		return sif_errf(err, SIF_EFORMAT,
				"%s: attribute %s: byte %zu of the value is not a UTF-8 "
				"XML character", w->name, name, bad);
	if (rc < 0)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	if (puts_(w, " ", err) < 0 || puts_(w, name, err) < 0 || puts_(w, "=\"", err) < 0 ||
	    put(w, w->val.p ? w->val.p : "", w->val.len, err) < 0 || puts_(w, "\"", err) < 0)
		return -1;
	return 0;
}

int sif_statedb_write_begin(struct sif_statedb_writer *w,
			    const struct sif_statedb_attr *pairs, size_t npairs,
			    struct sif_err *err)
{
	size_t i;

	if (puts_(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<database><manifest", err) < 0)
		return -1;
	if (!npairs)
		return puts_(w, "/>", err);
	if (puts_(w, ">", err) < 0)
		return -1;
	for (i = 0; i < npairs; i++) {
		if (puts_(w, "<pair", err) < 0 ||
		    attr(w, "key", pairs[i].name, strlen(pairs[i].name), false, err) < 0 ||
		    attr(w, "value", pairs[i].value, pairs[i].len, false, err) < 0 ||
		    puts_(w, "/>", err) < 0)
			return -1;
	}
	return puts_(w, "</manifest>", err);
}

int sif_statedb_write_table_begin(struct sif_statedb_writer *w, const char *name,
				  struct sif_err *err)
{
	if (w->in_table)
		return sif_errf(err, SIF_EUSAGE, "%s: table %s begun inside another",
				w->name, name);
	if (puts_(w, "<table", err) < 0 || attr(w, "name", name, strlen(name), false, err) < 0)
		return -1;
	w->in_table = w->start_pending = true;
	return 0;
}

static bool preamble(const char *name)
{
	return !strcmp(name, "ref") || !strcmp(name, "__ctime") || !strcmp(name, "__mtime");
}

int sif_statedb_write_row(struct sif_statedb_writer *w,
			  const struct sif_statedb_attr *attrs, size_t n,
			  struct sif_err *err)
{
	size_t i;

	if (!w->in_table)
		return sif_errf(err, SIF_EUSAGE, "%s: row outside a table", w->name);
	if (w->start_pending && puts_(w, ">", err) < 0)
		return -1;
	w->start_pending = false;
	if (puts_(w, "<row", err) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (attr(w, attrs[i].name, attrs[i].value, attrs[i].len,
			 !preamble(attrs[i].name), err) < 0)
			return -1;
	return puts_(w, "/>", err);
}

int sif_statedb_write_table_end(struct sif_statedb_writer *w, struct sif_err *err)
{
	if (!w->in_table)
		return sif_errf(err, SIF_EUSAGE, "%s: no table to end", w->name);
	w->in_table = false;
	if (w->start_pending) {
		w->start_pending = false;
		return puts_(w, "/>", err);
	}
	return puts_(w, "</table>", err);
}

int sif_statedb_write_end(struct sif_statedb_writer *w, struct sif_err *err)
{
	if (w->in_table)
		return sif_errf(err, SIF_EUSAGE, "%s: database ended inside a table", w->name);
	if (puts_(w, "</database>", err) < 0)
		return -1;
	return flush(w, err);
}
