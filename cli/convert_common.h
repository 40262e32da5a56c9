/*
 * What vdi-convert and pool-convert-legacy share: --to, the lock on the
 * directory that receives converted images, the check of an output path.
 */
#ifndef SIF_CLI_CONVERT_COMMON_H
#define SIF_CLI_CONVERT_COMMON_H

#include "cli.h"
#include "sif/image.h"

/*
 * --to raw (the default: the framed records on the file itself, the only
 * layout today's xenopsd reads, facts/xenopsd.md §1) | structured (those
 * records in an ext2 filesystem); EXIT_USAGE on anything else.
 */
#define CONVERT_TO_HELP "raw (default: the records as today's xenopsd reads them) or " \
	"structured (ext2 holding suspend-image)"
int convert_parse_to(struct cli *cli, struct cli_args *a, enum sif_image_format *to);

/*
 * Lock the directory that receives images (flock on the directory itself,
 * so no lock file is left behind): one converting run per directory, and
 * a run's clean-up never takes what another run is writing.  Waits up to
 * ten seconds for a run that is ending.  Returns the fd to keep open.
 */
int convert_lock_dir(const char *dir, struct sif_err *err);

/*
 * An output path vdi-convert may write: not a VDI's image, and if it exists
 * a suspend image nothing uses (the leftover of an interrupted conversion),
 * never anything else.
 */
int convert_check_out(struct sif_db *db, const char *path, struct sif_err *err);



/* Remove a new image that failed, unless a VDI points at it (someone else's doing). */
void convert_discard(struct sif_db *db, const char *path);

/* One VDI's outcome, as the summary table and --json show it. */
struct convert_row {
	char vdi[37];
	char *vm;                       /* NULL: no VM suspended on it */
	const char *status;             /* converted, verified (dry run), failed, nothing-to-do */
	const char *from, *to, *container;
	bool libxc_legacy_record;       /* from a structured or raw image's Libxc_legacy record */
	char *original, *image;         /* image: the new one */
	char *error;
	bool hvm_known, hvm;
	uint64_t in_bytes, out_bytes;
	double seconds;
};

struct json_object;
struct json_object *convert_row_json(const struct convert_row *r);
void convert_row_free(struct convert_row *r);

#endif
