/*
 * libFuzzer target: the state.db downgrade, and the upgrade as its inverse.
 *
 * Input: byte 0 picks the fields (VDI.suspend_image_format alone, or with
 * a VM column whose default needs escaping), byte 1 whether sets and maps
 * are checked; the rest is the file.
 * Properties: the downgrade never crashes nor loses track of a row's bytes
 * (no internal error); a dry run and a forced run agree on what goes; a
 * refusal (values other than the default, unforced) writes nothing; the
 * forced result D holds no such column (a second downgrade finds nothing)
 * and is accepted by the upgrade, and downgrading the upgrade of D gives
 * back D byte for byte.  So a file without the columns (D = input) comes
 * back exactly from upgrade-then-downgrade.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sif/statedb.h"
#include "sif/statedb_downgrade.h"
#include "fuzz_statedb_kinds.h"

static const char *const formats[] = { "legacy", "structured", "raw", NULL };
static const struct sif_statedb_field fields[] = {
	{ .table = "VDI", .column = "suspend_image_format", .default_value = "legacy",
	  .allowed = formats },
	{ .table = "VM", .column = "b", .default_value = "x y" },
};

static char workdir[64], in[96], down[96], up[96], back[96];

static void remove_workdir(void)
{
	unlink(in);
	unlink(down);
	unlink(up);
	unlink(back);
	rmdir(workdir);
}

static void put(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size || close(fd) < 0)
		abort();
}

static char *slurp(const char *path, size_t *n)
{
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0)
		abort();
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size)
		abort();
	close(fd);
	*n = (size_t)st.st_size;
	return buf;
}

static bool holds(const char *path, const uint8_t *data, size_t size)
{
	size_t n;
	char *x = slurp(path, &n);
	bool eq = n == size && (!size || !memcmp(x, data, n));

	free(x);
	return eq;
}

static bool same_file(const char *a, const char *b)
{
	size_t na, nb;
	char *x = slurp(a, &na), *y = slurp(b, &nb);
	bool eq = na == nb && !memcmp(x, y, na);

	free(x);
	free(y);
	return eq;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sif_statedb_downgrade_opts d = { .fields = fields, .ignore_xapi = true };
	struct sif_statedb_upgrade_opts u = { .fields = fields, .ignore_xapi = true };
	struct sif_statedb_downgrade_stats dry, st;
	struct sif_statedb_upgrade_stats ust;
	struct sif_err err;

	if (size < 2)
		return 0;
	d.nfields = u.nfields = data[0] & 1 ? 2 : 1;
	if (data[1] & 1)
		d.kind = u.kind = kind_by_name;
	data += 2;
	size -= 2;
	if (!workdir[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(workdir, sizeof(workdir), "%s/fuzz-down.XXXXXX", t ? t : "/tmp");
		if (!mkdtemp(workdir))
			abort();
		snprintf(in, sizeof(in), "%s/in.db", workdir);
		snprintf(down, sizeof(down), "%s/down.db", workdir);
		snprintf(up, sizeof(up), "%s/up.db", workdir);
		snprintf(back, sizeof(back), "%s/back.db", workdir);
		atexit(remove_workdir);
	}
	put(in, data, size);
	d.dry_run = true;
	if (sif_statedb_downgrade(in, &d, &dry, &err) < 0) {
		if (err.code == SIF_EINTERNAL)
			abort();
		return 0;
	}
	d.dry_run = false;
	/* unforced: refused exactly when a value is not the default, in place */
	if (sif_statedb_downgrade(in, &d, &st, &err) < 0) {
		if (!dry.lost || err.code != SIF_EREFUSED || st.written || !holds(in, data, size))
			abort();
	} else if (dry.lost || st.removed != dry.removed) {
		abort();
	}
	put(in, data, size);
	d.force = true;
	d.output = down;
	if (sif_statedb_downgrade(in, &d, &st, &err) < 0 || st.removed != dry.removed ||
	    st.lost != dry.lost)
		abort();
	if (!dry.removed && !same_file(in, down))
		abort();
	/* D has none of the columns */
	d.output = NULL;
	d.force = false;
	if (sif_statedb_downgrade(down, &d, &st, &err) < 0 || st.removed || st.written)
		abort();
	/* upgrade(D) is accepted, and downgrade(upgrade(D)) == D */
	u.output = up;
	if (sif_statedb_upgrade(down, &u, &ust, &err) < 0)
		abort();
	d.output = back;
	if (sif_statedb_downgrade(up, &d, &st, &err) < 0 || st.removed != ust.added || st.lost ||
	    !same_file(back, down))
		abort();
	return 0;
}
