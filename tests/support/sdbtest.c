/* Shared state.db test material (sdbtest.h). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "sdbtest.h"
#include "testutil.h"

/* One line, no final newline, tables and columns in byte order, preamble
 * unprotected. */
const char tu_statedb_canonical[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<database><manifest><pair key=\"schema_major_vsn\" value=\"5\"/>"
	"<pair key=\"schema_minor_vsn\" value=\"909\"/>"
	"<pair key=\"generation_count\" value=\"42\"/></manifest>"
	"<table name=\"SR\"><row ref=\"OpaqueRef:a1\" __ctime=\"1\" __mtime=\"2\" "
	"_ref=\"OpaqueRef:a1\" name__label=\"local%.storage\" "
	"other_config=\"(('k'%.'v%%'))\" uuid=\"u1\"/></table>"
	"<table name=\"VDI\"><row ref=\"OpaqueRef:b1\" __ctime=\"3\" __mtime=\"4\" "
	"SR=\"OpaqueRef:a1\" _ref=\"OpaqueRef:b1\" "
	"name__label=\"&lt;x&gt;%.&amp;%.&quot;q&quot;%.'s'%t%n%r\" "
	"other_config=\"(('it\\'s'%.'a\\\\b')%.('%.'%.''))\" sm_config=\"()\" "
	"storage_lock=\"false\" tags=\"('t1'%.'t2')\" type=\"user\" uuid=\"u2\"/>"
	"<row ref=\"OpaqueRef:b2\" __ctime=\"5\" __mtime=\"5\" SR=\"OpaqueRef:a1\" "
	"_ref=\"OpaqueRef:b2\" name__label=\"\" other_config=\"()\" sm_config=\"()\" "
	"storage_lock=\"true\" tags=\"()\" type=\"suspend\" uuid=\"u3\"/></table>"
	"<table name=\"VM\"/><table name=\"session\"/></database>";

const char tu_statedb_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<database><manifest>"
	"<pair key=\"schema_major_vsn\" value=\"5\"/><pair key=\"schema_minor_vsn\" "
	"value=\"909\"/><pair key=\"generation_count\" value=\"7\"/></manifest>";

static const char *const formats[] = { "legacy", "structured", "raw", NULL };

const struct sif_statedb_field tu_sif_field = {
	.table = "VDI", .column = "suspend_image_format", .default_value = "legacy",
	.allowed = formats,
};

char *tu_gen_statedb(const char *dir, const char *name, unsigned vdis, const char *field)
{
	char *g = tu_build_path("tests/gen_statedb"), *p = tu_strf("%s/%s", dir, name);
	struct run_result r;

	tu_sh(&r, "'%s' --vdis %u --seed 7 --field %s -o '%s'", g, vdis, field, p);
	if (r.status)
		fail_msg("gen_statedb: %s", r.err);
	tu_run_free(&r);
	free(g);
	return p;
}

int tu_fail_countdown, tu_which_fails;

static ssize_t flaky_write(int fd, const void *b, size_t n)
{
	if (tu_which_fails == 0 && tu_fail_countdown-- <= 0) {
		errno = ENOSPC;
		return -1;
	}
	return write(fd, b, n > 4096 ? 4096 : n);   /* short writes too */
}

static int flaky_fsync(int fd)
{
	if (tu_which_fails == 1) {
		errno = EIO;
		return -1;
	}
	return fsync(fd);
}

static int flaky_rename(const char *a, const char *b)
{
	if (tu_which_fails == 2) {
		errno = EXDEV;
		return -1;
	}
	return rename(a, b);
}

static int flaky_exchange(const char *a, const char *b)
{
	if (tu_which_fails == 2) {
		errno = EIO;
		return -1;
	}
	return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

const struct sif_fs_ops tu_flaky_rename_ops = { flaky_write, flaky_fsync, flaky_rename, NULL };
const struct sif_fs_ops tu_flaky_exchange_ops = {
	flaky_write, flaky_fsync, flaky_rename, flaky_exchange,
};
