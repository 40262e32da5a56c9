/*
 * db upgrade STATE.DB [--output OUT] [--dry-run] [--backup] [--ignore-xapi]
 * [--target-has-field | --xapi-schema VERSION|FILE]: give every row of a
 * xapi state.db the fields that plugins add to the datamodel (today
 * VDI.suspend_image_format, default legacy), where xapi would write them,
 * changing no other byte; the file is replaced atomically, and only if it
 * is still the file that was read.  Refused unless the xapi that will read
 * the file is known to have the fields (cli/xapi_target.c).
 */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "sif/statedb.h"
#include "statedb_fields.h"
#include "xapi_target.h"

int cmd_db_upgrade(struct cli *cli, struct cli_args *a)
{
	struct edit_cli ec;
	struct sif_statedb_upgrade_opts o;
	struct sif_statedb_upgrade_stats st;
	char fields[512];
	int rc = edit_cli_begin(&ec, cli, a, "db upgrade");

	if (rc)
		return rc;
	if (!cli_flag(a, "target-has-field") &&
	    (rc = cli_xapi_target_has_fields(cli, ec.path, cli_optval(a, "xapi-schema"),
					     ec.fields, ec.nfields)))
		return rc;
	o = (struct sif_statedb_upgrade_opts){
		.fields = ec.fields, .nfields = ec.nfields, .output = ec.output,
		.dry_run = ec.dry_run, .backup = ec.backup, .ignore_xapi = ec.ignore_xapi,
		.kind = registry_kind, .kind_u = ec.ctx,
		.progress = ec.show_progress ? edit_progress : NULL, .progress_u = &ec.pr,
	};
	rc = sif_statedb_upgrade(ec.path, &o, &st, &cli->err);
	edit_progress_end(&ec.pr);
	if (rc < 0)
		return cli_fail_err(cli);
	plugin_fields_text(ec.fields, ec.nfields, fields, sizeof(fields));
	printf("%s: %llu rows in %llu tables, %llu rows to carry %s: %llu %s, %llu already set",
	       ec.path, (unsigned long long)st.rows, (unsigned long long)st.tables,
	       (unsigned long long)st.target_rows, fields, (unsigned long long)st.added,
	       ec.dry_run ? "to add" : "added", (unsigned long long)st.kept);
	edit_cli_summary_end(&ec, st.added != 0, st.backup_path, "already up to date");
	return EXIT_OK;
}

const struct cli_opt db_upgrade_opts[] = {
	{ "output", true, "write the upgraded file here; leave STATE.DB as it is" },
	{ "dry-run", false, "check the file and count what would change; write nothing" },
	{ "backup", false, "keep the original as STATE.DB.bak (in-place upgrade)" },
	{ "ignore-xapi", false, "upgrade in place even while a xapi process uses the directory" },
	{ "target-has-field", false, "the xapi that will read the file has the plugins' fields "
	  "(else its schema must show them)" },
	{ "xapi-schema", true, "the schema of the xapi that will read the file: a version or a "
	  "schema file (default: the file's own version, built in)" },
	{ NULL, false, NULL },
};
