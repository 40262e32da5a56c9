/*
 * Released migrations are frozen.  A pool DB records the checksum (CRC-32)
 * of every migration it applied and refuses to open when a migration's text
 * differs from the recorded one; so an edit of a released migration, even
 * of a comment in schema/base.sql, would make every existing DB refuse.
 * This test pins each released text: the up SQL of every migration sif
 * ships (schema/, migrations/, the suspend_image_format plugin) and the
 * plugin's down step.  A failure here means: undo the edit and add a new
 * migration; a new migration fails here too until its checksum is pinned at
 * release.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/migrate.h"
#include "testutil.h"

static const struct pin {
	const char *id;
	const char *sql;        /* CRC-32 of the up SQL: what DBs record */
	const char *down;       /* of the down step, or NULL for none */
} pins[] = {
	{ "0000_base", "02f1e062", NULL },
	{ "0001_indexes", "ab8ef820", NULL },
	{ "0002_statedb", "5e0bd004", NULL },
	{ "suspend_image_format/0001_add_field", "22c2d42c", "e6078b1f" },
};
#define NPINS (sizeof(pins) / sizeof(pins[0]))

static void crc(const char *text, char out[16])
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, (const Bytef *)text, (uInt)strlen(text));
	snprintf(out, 16, "%08lx", (unsigned long)c);
}

static const struct pin *pin_of(const char *id)
{
	for (size_t i = 0; i < NPINS; i++)
		if (!strcmp(pins[i].id, id))
			return &pins[i];
	return NULL;
}

static void released_migrations_are_unchanged(void **state)
{
	char *dir = tu_mkdtemp(), *dbp = tu_strf("%s/pins.db", dir);
	const char *pdir = getenv("SIF_PLUGIN_DIR");
	struct sif_migration_status *st;
	struct sif_ctx *ctx;
	struct sif_db *db;
	struct sif_err err;
	size_t n, i, matched = 0;

	(void)state;
	assert_non_null(pdir);
	assert_int_equal(sif_ctx_new(&ctx, &err), 0);
	if (sif_ctx_load_plugin_dir(ctx, pdir, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sif_db_open(dbp, SIF_DB_CREATE, &db, &err), 0);
	assert_int_equal(sif_migrate_status(ctx, db, &st, &n, &err), 0);
	for (i = 0; i < n; i++) {
		const struct sif_migration *m = sif_ctx_migration_at(ctx, i);
		const struct pin *p = pin_of(st[i].id);
		char sum[16];

		if (!p)
			fail_msg("migration %s has no pinned checksum: pin %s once it is released",
				 st[i].id, st[i].checksum);
		/* the checksum a DB records is the CRC-32 of the text */
		crc(m->sql, sum);
		assert_string_equal(sum, st[i].checksum);
		if (strcmp(st[i].checksum, p->sql))
			fail_msg("migration %s was edited after release (checksum %s, released %s): "
				 "every DB that applied it would refuse to open; undo the edit and "
				 "add a new migration", st[i].id, st[i].checksum, p->sql);
		if (!p->down != !m->down)
			fail_msg("migration %s: down step %s, pinned %s", st[i].id,
				 m->down ? "present" : "absent", p->down ? "present" : "absent");
		if (m->down) {
			crc(m->down, sum);
			if (strcmp(sum, p->down))
				fail_msg("migration %s: down step edited after release (%s, released %s)",
					 st[i].id, sum, p->down);
		}
		matched++;
	}
	/* every pinned migration still ships */
	assert_int_equal(matched, NPINS);
	free(st);
	sif_db_close(db);
	sif_ctx_free(ctx);
	tu_rmrf(dir);
	free(dir);
	free(dbp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(released_migrations_are_unchanged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
