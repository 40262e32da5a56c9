/*
 * libFuzzer target: the xapi schema file reader (`db check --xapi-schema
 * FILE`, `db upgrade --xapi-schema FILE`: a file an admin names).
 *
 * Input: byte 0 picks the version asked for (any the file holds, 5.909,
 * 5.602, or one no file describes), the rest is the file's text.
 * Properties: no crash or leak; a refusal leaves no schema and says why;
 * an accepted schema has a table, finds every table and column it lists by
 * name, and takes a plugin's column on a table it has (or says why not).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sif/xapi_schema.h"

static const char *const formats[] = { "legacy", "structured", "raw", NULL };

static void check(const struct sif_xapi_schema *s)
{
	size_t nt = sif_xapi_schema_ntables(s);

	if (!nt)
		abort();
	for (size_t i = 0; i < nt; i++) {
		const struct sif_xs_table *t = sif_xapi_schema_table_at(s, i);

		if (!t || !t->name || sif_xapi_schema_table(s, t->name) != t)
			abort();
		for (size_t c = 0; c < t->ncols; c++)
			if (!t->cols[c].name || !t->cols[c].type_text ||
			    sif_xapi_schema_column(t, t->cols[c].name) != &t->cols[c])
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long want[][2] = { { -1, -1 }, { 5, 909 }, { 5, 602 }, { 4, 1 } };
	struct sif_xapi_schema *s = (struct sif_xapi_schema *)1;
	struct sif_err err;
	long major, minor;
	int rc;

	if (size < 1)
		return 0;
	major = want[data[0] % 4][0];
	minor = want[data[0] % 4][1];
	rc = sif_xapi_schema_parse(&s, "fuzz", (const char *)data + 1, size - 1, major, minor,
				   &err);
	if (rc < 0) {
		if (s || !err.msg[0])
			abort();
		return 0;
	}
	if (rc != 0 || !s)
		abort();
	check(s);
	{
		const struct sif_xs_table *t = sif_xapi_schema_table_at(s, 0);
		char *table = strdup(t->name);

		if (!table)
			abort();
		/* a column the table may already have: refused with a reason, or added */
		if (sif_xapi_schema_add_column(s, table, "suspend_image_format", formats, "legacy",
					       &err) < 0) {
			if (!err.msg[0])
				abort();
		} else if (!sif_xapi_schema_column(sif_xapi_schema_table(s, table),
						   "suspend_image_format")) {
			abort();
		}
		free(table);
	}
	check(s);
	sif_xapi_schema_free(s);
	return 0;
}
