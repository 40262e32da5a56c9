/*
 * libFuzzer target: `db check` (the raw ref scan, the schema lookups and
 * the per-type value checks over the state.db reader).
 *
 * Input: byte 0 picks the schema (the manifest's own, built in; 5.909;
 * 5.603; 5.909 with a plugin's enum column added), byte 1 is unused (the
 * state.db seeds carry two control bytes), the rest is the file.
 * Properties: no crash or leak; the check either judges the file or fails
 * with a message; its error count is the number of error findings; every
 * finding names a kind and says something; a file the reader accepts whole
 * gets no finding that the file is unreadable, unless comments or
 * processing instructions (which the raw scan does not model as the parser
 * does) are in it; judging twice gives the same findings.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/statedb.h"
#include "sif/statedb_check.h"
#include "sif/xapi_schema.h"

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

static const char *const formats[] = { "legacy", "structured", "raw", NULL };

static bool same(const struct sif_statedb_check *a, const struct sif_statedb_check *b)
{
	if (a->nfindings != b->nfindings || a->errors != b->errors || a->rows != b->rows)
		return false;
	for (size_t i = 0; i < a->nfindings; i++)
		if (a->findings[i].kind != b->findings[i].kind ||
		    a->findings[i].count != b->findings[i].count ||
		    strcmp(a->findings[i].detail, b->findings[i].detail))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sif_statedb_check_opts o = { 0 };
	struct sif_statedb_check *r = NULL, *r2 = NULL;
	struct sif_xapi_schema *s = NULL;
	struct sif_err err;
	size_t i, errors = 0;
	int fd, rc;
	bool file_finding = false;

	if (size < 2)
		return 0;
	if (!path[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(path, sizeof(path), "%s/fuzz-check.XXXXXX", t ? t : "/tmp");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
		atexit(remove_file);
	}
	switch (data[0] % 4) {
	case 1:
	case 3:
		if (sif_xapi_schema_builtin(&s, 5, 909, &err) < 0)
			abort();
		if (data[0] % 4 == 3 &&
		    sif_xapi_schema_add_column(s, "VDI", "suspend_image_format", formats,
					       "legacy", &err) < 0)
			abort();
		break;
	case 2:
		if (sif_xapi_schema_builtin(&s, 5, 603, &err) < 0)
			abort();
		break;
	}
	o.schema = s;
	data += 2;
	size -= 2;
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
	rc = sif_statedb_check(path, &o, &r, &err);
	if (rc < 0) {
		if (!err.msg[0] || err.code == SIF_EINTERNAL)
			abort();
		goto out;
	}
	for (i = 0; i < r->nfindings; i++) {
		const struct sif_check_finding *f = &r->findings[i];

		if (!f->detail[0] || !strcmp(sif_check_kind_name(f->kind), "?") || !f->count)
			abort();
		errors += f->error;
		file_finding |= f->kind == SIF_CHECK_FILE;
	}
	if (errors != r->errors)
		abort();
	if (file_finding && !memmem(data, size, "<!", 2) && !memmem(data, size, "<?", 2) &&
	    sif_statedb_read_mem("fuzz.db", data, size, 0, NULL, NULL, &err) == 0)
		abort();
	if (sif_statedb_check(path, &o, &r2, &err) < 0 || !same(r, r2))
		abort();
out:
	sif_statedb_check_free(r);
	sif_statedb_check_free(r2);
	sif_xapi_schema_free(s);
	return 0;
}
