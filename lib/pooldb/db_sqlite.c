/*
 * The pool DB on SQLite: the only file of sif that calls sqlite3_*.
 *
 * Also holds the test seam for I/O failures: every connection goes through
 * a thin VFS ("sif") over the default one that can be told to fail file
 * writes after a count, so tests can prove a failed migration or update
 * leaves the database as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "sif/db.h"

struct sif_db {
	sqlite3 *h;
	char *path;
};

struct sif_stmt {
	sqlite3_stmt *h;
	struct sif_db *db;
};

/* --- fault-injecting VFS ------------------------------------------------ */

static long writes_left = -1;       /* -1: never fail */
static sqlite3_vfs fault_vfs;
static sqlite3_vfs *base_vfs;

struct fault_file {
	sqlite3_file base;              /* must be first */
	sqlite3_file *real;             /* allocated right after this struct */
};

static int ff_close(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods ? ff->real->pMethods->xClose(ff->real) : SQLITE_OK;
}
static int ff_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xRead(ff->real, b, n, o);
}
static int ff_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	struct fault_file *ff = (struct fault_file *)f;

	if (writes_left == 0)
		return SQLITE_IOERR_WRITE;
	if (writes_left > 0)
		writes_left--;
	return ff->real->pMethods->xWrite(ff->real, b, n, o);
}
static int ff_truncate(sqlite3_file *f, sqlite3_int64 s)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xTruncate(ff->real, s);
}
static int ff_sync(sqlite3_file *f, int fl)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xSync(ff->real, fl);
}
static int ff_size(sqlite3_file *f, sqlite3_int64 *s)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xFileSize(ff->real, s);
}
static int ff_lock(sqlite3_file *f, int l)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xLock(ff->real, l);
}
static int ff_unlock(sqlite3_file *f, int l)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xUnlock(ff->real, l);
}
static int ff_check(sqlite3_file *f, int *r)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xCheckReservedLock(ff->real, r);
}
static int ff_fcntl(sqlite3_file *f, int op, void *a)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xFileControl(ff->real, op, a);
}
static int ff_sector(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xSectorSize(ff->real);
}
static int ff_devchar(sqlite3_file *f)
{
	struct fault_file *ff = (struct fault_file *)f;

	return ff->real->pMethods->xDeviceCharacteristics(ff->real);
}

/* Version 1 methods: no WAL shared memory, no mmap; the DB uses a rollback journal. */
static const sqlite3_io_methods fault_methods = {
	1, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_size, ff_lock,
	ff_unlock, ff_check, ff_fcntl, ff_sector, ff_devchar,
	NULL, NULL, NULL, NULL, NULL, NULL,
};

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
		   int flags, int *out_flags)
{
	struct fault_file *ff = (struct fault_file *)f;
	int rc;

	(void)vfs;
	ff->real = (sqlite3_file *)(ff + 1);
	memset(ff->real, 0, (size_t)base_vfs->szOsFile);
	rc = base_vfs->xOpen(base_vfs, name, ff->real, flags, out_flags);
	f->pMethods = rc == SQLITE_OK ? &fault_methods : NULL;
	return rc;
}

#define FWD(name, ...) base_vfs->name(base_vfs, __VA_ARGS__)
static int fv_delete(sqlite3_vfs *v, const char *n, int s) { (void)v; return FWD(xDelete, n, s); }
static int fv_access(sqlite3_vfs *v, const char *n, int f, int *r) { (void)v; return FWD(xAccess, n, f, r); }
static int fv_full(sqlite3_vfs *v, const char *n, int s, char *o) { (void)v; return FWD(xFullPathname, n, s, o); }
static void *fv_dlopen(sqlite3_vfs *v, const char *n) { (void)v; return FWD(xDlOpen, n); }
static void fv_dlerror(sqlite3_vfs *v, int n, char *m) { (void)v; FWD(xDlError, n, m); }
static void (*fv_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return FWD(xDlSym, h, s); }
static void fv_dlclose(sqlite3_vfs *v, void *h) { (void)v; FWD(xDlClose, h); }
static int fv_random(sqlite3_vfs *v, int n, char *o) { (void)v; return FWD(xRandomness, n, o); }
static int fv_sleep(sqlite3_vfs *v, int us) { (void)v; return FWD(xSleep, us); }
static int fv_time(sqlite3_vfs *v, double *t) { (void)v; return FWD(xCurrentTime, t); }
static int fv_lasterr(sqlite3_vfs *v, int n, char *m) { (void)v; return FWD(xGetLastError, n, m); }

static int register_vfs(struct sif_err *err)
{
	if (base_vfs)
		return 0;
	base_vfs = sqlite3_vfs_find(NULL);
	if (!base_vfs)
		return sif_errf(err, SIF_EIO, "SQLite has no default VFS");
	fault_vfs = (sqlite3_vfs){
		.iVersion = 1,
		.szOsFile = (int)sizeof(struct fault_file) + base_vfs->szOsFile,
		.mxPathname = base_vfs->mxPathname,
		.zName = "sif",
		.xOpen = fv_open, .xDelete = fv_delete, .xAccess = fv_access,
		.xFullPathname = fv_full, .xDlOpen = fv_dlopen,
		.xDlError = fv_dlerror, .xDlSym = fv_dlsym, .xDlClose = fv_dlclose,
		.xRandomness = fv_random, .xSleep = fv_sleep,
		.xCurrentTime = fv_time, .xGetLastError = fv_lasterr,
	};
	if (sqlite3_vfs_register(&fault_vfs, 0) != SQLITE_OK)
		return sif_errf(err, SIF_EIO, "cannot register the sif SQLite VFS");
	return 0;
}

void sif_db_fail_writes_after(long n)
{
	writes_left = n;
}

/* --- connections ------------------------------------------------------- */

static int db_error(struct sif_db *db, struct sif_err *err, const char *what)
{
	int code = sqlite3_extended_errcode(db->h);
	enum sif_code c = SIF_EIO;

	if ((code & 0xff) == SQLITE_CONSTRAINT)
		c = SIF_EREFUSED;
	else if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT)
		c = SIF_EFORMAT;
	return sif_errf(err, c, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

/*
 * A new pool DB is made 0600 before SQLite sees it: SQLite would create it
 * 0644 less the umask, and gives its journal the database file's mode, so
 * a private file keeps the journal private too.
 */
static int create_private(const char *path, struct sif_err *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == EEXIST ? 0 :
			sif_errno(err, SIF_EIO, "%s: cannot create pool database", path);
	if (fchmod(fd, 0600) < 0) {
		sif_errno(err, SIF_EIO, "%s: setting mode 0600", path);
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

int sif_db_make_private(struct sif_db *db, unsigned *was, struct sif_err *err)
{
	static const char *const side[] = { "", "-journal", "-wal", NULL };
	struct stat st;
	int i;

	*was = 0;
	for (i = 0; side[i]; i++) {
		char *p;

		if (asprintf(&p, "%s%s", db->path, side[i]) < 0)
			return sif_errf(err, SIF_ENOMEM, "out of memory");
		if (stat(p, &st) < 0 || !(st.st_mode & 077)) {
			free(p);
			continue;
		}
		if (!i)
			*was = st.st_mode & 07777;
		if (chmod(p, st.st_mode & 07700) < 0) {
			sif_errno(err, SIF_EIO, "%s: making it private", p);
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

int sif_db_open(const char *path, unsigned flags, struct sif_db **out,
		struct sif_err *err)
{
	struct sif_db *db;
	int oflags = SQLITE_OPEN_NOMUTEX;

	*out = NULL;
	if (register_vfs(err) < 0)
		return -1;
	if (flags & SIF_DB_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE;
	if (flags & SIF_DB_CREATE) {
		oflags |= SQLITE_OPEN_CREATE;
		if (create_private(path, err) < 0)
			return -1;
	}
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	}
	if (sqlite3_open_v2(path, &db->h, oflags, "sif") != SQLITE_OK) {
		if (!db->h) {
			sif_errf(err, SIF_ENOMEM, "%s: out of memory", path);
		} else {
			sif_errf(err, (flags & SIF_DB_CREATE) ? SIF_EIO : SIF_ENOTFOUND,
				 "%s: cannot open pool database: %s", path,
				 sqlite3_errmsg(db->h));
		}
		sif_db_close(db);
		return -1;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 5000);
	/* The first read tells a non-database file apart. */
	if (sif_db_exec(db, "PRAGMA foreign_keys=OFF; SELECT count(*) FROM sqlite_master;",
			err) < 0) {
		/*
		 * A writer killed inside a transaction left a hot journal: only a
		 * read-write connection may roll it back (SQLite does so on its
		 * first read), after which the read-only open succeeds.
		 */
		bool hot = (flags & SIF_DB_READONLY) &&
			   sqlite3_extended_errcode(db->h) == SQLITE_READONLY_ROLLBACK;
		struct sif_db *rw;

		sif_db_close(db);
		if (!hot || sif_db_open(path, flags & ~SIF_DB_READONLY, &rw, NULL) < 0)
			return -1;
		sif_db_close(rw);
		return sif_db_open(path, flags, out, err);
	}
	*out = db;
	return 0;
}

void sif_db_close(struct sif_db *db)
{
	if (!db)
		return;
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

const char *sif_db_path(const struct sif_db *db)
{
	return db->path;
}

int sif_db_exec(struct sif_db *db, const char *sql, struct sif_err *err)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db, err, "SQL failed");
	return 0;
}

int sif_db_begin(struct sif_db *db, struct sif_err *err)
{
	return sif_db_exec(db, "BEGIN IMMEDIATE", err);
}

int sif_db_commit(struct sif_db *db, struct sif_err *err)
{
	return sif_db_exec(db, "COMMIT", err);
}

void sif_db_rollback(struct sif_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int64_t sif_db_changes(struct sif_db *db)
{
	return sqlite3_changes64(db->h);
}

/* --- statements -------------------------------------------------------- */

int sif_db_prepare(struct sif_db *db, const char *sql, struct sif_stmt **out,
		   struct sif_err *err)
{
	struct sif_stmt *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return sif_errf(err, SIF_ENOMEM, "out of memory");
	st->db = db;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st->h, NULL) != SQLITE_OK) {
		free(st);
		return db_error(db, err, "preparing statement");
	}
	*out = st;
	return 0;
}

int sif_stmt_bind_text(struct sif_stmt *st, int idx, const char *v, struct sif_err *err)
{
	if (sqlite3_bind_text(st->h, idx, v, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		return db_error(st->db, err, "binding a parameter");
	return 0;
}

int sif_stmt_bind_int(struct sif_stmt *st, int idx, int64_t v, struct sif_err *err)
{
	if (sqlite3_bind_int64(st->h, idx, v) != SQLITE_OK)
		return db_error(st->db, err, "binding a parameter");
	return 0;
}

int sif_stmt_bind_null(struct sif_stmt *st, int idx, struct sif_err *err)
{
	if (sqlite3_bind_null(st->h, idx) != SQLITE_OK)
		return db_error(st->db, err, "binding a parameter");
	return 0;
}

int sif_stmt_step(struct sif_stmt *st, struct sif_err *err)
{
	int rc = sqlite3_step(st->h);

	if (rc == SQLITE_ROW)
		return SIF_ROW;
	if (rc == SQLITE_DONE)
		return SIF_DONE;
	return db_error(st->db, err, "SQL failed");
}

int sif_stmt_reset(struct sif_stmt *st, struct sif_err *err)
{
	sqlite3_clear_bindings(st->h);
	if (sqlite3_reset(st->h) != SQLITE_OK)
		return db_error(st->db, err, "resetting statement");
	return 0;
}

int sif_stmt_ncols(struct sif_stmt *st)
{
	return sqlite3_column_count(st->h);
}

const char *sif_stmt_col_name(struct sif_stmt *st, int i)
{
	return sqlite3_column_name(st->h, i);
}

const char *sif_stmt_text(struct sif_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st->h, i);
}

int64_t sif_stmt_int(struct sif_stmt *st, int i)
{
	return sqlite3_column_int64(st->h, i);
}

void sif_stmt_finalize(struct sif_stmt *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->h);
	free(st);
}

int sif_db_has_table(struct sif_db *db, const char *table, bool *has,
		     struct sif_err *err)
{
	struct sif_stmt *st;
	int rc;

	if (sif_db_prepare(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?1",
			   &st, err) < 0)
		return -1;
	rc = sif_stmt_bind_text(st, 1, table, err);
	if (rc == 0)
		rc = sif_stmt_step(st, err);
	sif_stmt_finalize(st);
	if (rc < 0)
		return -1;
	*has = rc == SIF_ROW;
	return 0;
}

int sif_db_has_column(struct sif_db *db, const char *table, const char *column,
		      bool *has, struct sif_err *err)
{
	struct sif_stmt *st;
	int rc;

	if (sif_db_prepare(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name=?2",
			   &st, err) < 0)
		return -1;
	rc = sif_stmt_bind_text(st, 1, table, err);
	if (rc == 0)
		rc = sif_stmt_bind_text(st, 2, column, err);
	if (rc == 0)
		rc = sif_stmt_step(st, err);
	sif_stmt_finalize(st);
	if (rc < 0)
		return -1;
	*has = rc == SIF_ROW;
	return 0;
}
