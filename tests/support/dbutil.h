/* Test helpers over the pool DB's narrow interface (sif/db.h). */
#ifndef SIF_TEST_DBUTIL_H
#define SIF_TEST_DBUTIL_H

#include "sif/db.h"

/* The integer in the first column of the first row of sql (fails the test otherwise). */
long tu_db_count(struct sif_db *db, const char *sql);
/* The text of the first column of the first row into out[64]. */
void tu_db_text(struct sif_db *db, const char *sql, char out[64]);
/* Run SQL (printf-style), failing the test on error. */
void tu_db_exec(struct sif_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Byte copy of a file (fails the test otherwise). */
void tu_copy_file(const char *from, const char *to);

/* cmocka fixture: a pool from before any plugin (gen_pool: base schema and
 * core migrations, 5 VMs, 12 VDIs, 2 suspended) at db in a scratch dir,
 * and a path for a copy of it; *state is the struct tu_pool_fx. */
struct tu_pool_fx {
	char *dir, *db, *copy;
};
int tu_pool_setup(void **state);
int tu_pool_teardown(void **state);

/*
 * A generated pool DB in dir (2 VMs, one Suspended with its suspend VDI),
 * migrated with the suspend_image_format plugin, and the arguments that
 * point the sif binary at it: dbarg "--db=..", pdirarg "--plugin-dir=..",
 * vm "uuid=<the suspended VM>", vdi "uuid=<its suspend VDI>".
 */
struct tu_pool {
	char *db, *dbarg, *pdir, *pdirarg, *vm, *vdi;
};
void tu_pool_make(struct tu_pool *p, const char *dir);
void tu_pool_free(struct tu_pool *p);

#endif
