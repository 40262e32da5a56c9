/* Test helpers over the pool DB (dbutil.h); failures fail the running test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "dbutil.h"
#include "expect.h"
#include "testutil.h"

long tu_db_count(struct sif_db *db, const char *sql)
{
	struct sif_stmt *st;
	struct sif_err err;
	long n;

	if (sif_db_prepare(db, sql, &st, &err) < 0)
		fail_msg("%s: %s", sql, err.msg);
	if (sif_stmt_step(st, &err) != SIF_ROW)
		fail_msg("%s: no row", sql);
	n = (long)sif_stmt_int(st, 0);
	sif_stmt_finalize(st);
	return n;
}

void tu_db_text(struct sif_db *db, const char *sql, char out[64])
{
	struct sif_stmt *st;
	struct sif_err err;

	if (sif_db_prepare(db, sql, &st, &err) < 0)
		fail_msg("%s: %s", sql, err.msg);
	if (sif_stmt_step(st, &err) != SIF_ROW)
		fail_msg("%s: no row", sql);
	snprintf(out, 64, "%s", sif_stmt_text(st, 0));
	sif_stmt_finalize(st);
}

void tu_db_exec(struct sif_db *db, const char *fmt, ...)
{
	struct sif_err err;
	va_list ap;
	char *sql;

	va_start(ap, fmt);
	if (vasprintf(&sql, fmt, ap) < 0)
		fail_msg("vasprintf");
	va_end(ap);
	if (sif_db_exec(db, sql, &err) < 0)
		fail_msg("%s: %s", sql, err.msg);
	free(sql);
}

void tu_copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = tu_read_file(from, &len);

	if (!data || tu_write_file(to, data, len) < 0)
		fail_msg("copying %s to %s", from, to);
	free(data);
}

int tu_pool_setup(void **state)
{
	struct tu_pool_fx *fx = calloc(1, sizeof(*fx));

	fx->dir = tu_mkdtemp();
	fx->db = tu_strf("%s/pool.db", fx->dir);
	fx->copy = tu_strf("%s/before.db", fx->dir);
	assert_int_equal(tu_gen_pool(fx->db, "--vms 5 --vdis 12 --suspended 2"), 0);
	*state = fx;
	return 0;
}

int tu_pool_teardown(void **state)
{
	struct tu_pool_fx *fx = *state;

	sif_db_fail_writes_after(-1);
	tu_rmrf(fx->dir);
	free(fx->dir);
	free(fx->db);
	free(fx->copy);
	free(fx);
	return 0;
}

void tu_pool_make(struct tu_pool *p, const char *dir)
{
	struct run_result r;

	p->db = tu_strf("%s/pool.db", dir);
	p->dbarg = tu_strf("--db=%s", p->db);
	p->pdir = tu_plugin_dir((const char *[]){ "suspend_image_format", NULL });
	p->pdirarg = tu_strf("--plugin-dir=%s", p->pdir);
	if (tu_gen_pool(p->db, "--vms 2 --vdis 4 --suspended 1 --seed 3") != 0)
		fail_msg("gen_pool %s", p->db);
	tu_sif(&r, p->dbarg, p->pdirarg, "db", "migrate", NULL);
	tu_expect(&r, 0, NULL, NULL);
	tu_sif(&r, p->dbarg, p->pdirarg, "vm-list", "power-state=Suspended", "--minimal", NULL);
	p->vm = tu_strf("uuid=%.36s", r.out);
	tu_run_free(&r);
	tu_sif(&r, p->dbarg, p->pdirarg, "vdi-list", "type=suspend", "--minimal", NULL);
	p->vdi = tu_strf("uuid=%.36s", r.out);
	tu_run_free(&r);
}

void tu_pool_free(struct tu_pool *p)
{
	tu_rmrf(p->pdir);
	free(p->db);
	free(p->dbarg);
	free(p->pdir);
	free(p->pdirarg);
	free(p->vm);
	free(p->vdi);
}
