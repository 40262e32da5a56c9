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
