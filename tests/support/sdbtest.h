/*
 * What the state.db tests share (test_statedb.c, test_statedb_downgrade.c):
 * a file written by hand to xapi's rules, the prolog and manifest to put
 * before hand-made tables, the plugin's field as the upgrade sees it, and
 * generated files.
 */
#ifndef SIF_TEST_SDBTEST_H
#define SIF_TEST_SDBTEST_H

#include "sif/io.h"
#include "sif/statedb.h"

/* Written by hand from db_xml.ml, xml_spaces.ml and xmlm.ml. */
extern const char tu_statedb_canonical[];
/* Prolog, <database> and manifest: add tables and "</database>". */
extern const char tu_statedb_head[];
/* VDI.suspend_image_format: legacy | structured | raw, default legacy. */
extern const struct sif_statedb_field tu_sif_field;

/*
 * File operations that fail on purpose (sif_fs_set_ops): tu_which_fails
 * picks 0 write (after tu_fail_countdown more writes, all of them short),
 * 1 fsync, 2 the final rename or exchange.  With no exchange at all, an
 * in-place edit takes the check-then-rename path.
 */
extern int tu_fail_countdown, tu_which_fails;
extern const struct sif_fs_ops tu_flaky_rename_ops, tu_flaky_exchange_ops;

/* build/tests/gen_statedb --vdis N --seed 7 --field FIELD into DIR/NAME;
 * returns the path (caller frees), fails the test otherwise. */
char *tu_gen_statedb(const char *dir, const char *name, unsigned vdis, const char *field);

#endif
