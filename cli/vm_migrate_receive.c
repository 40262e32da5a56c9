/*
 * vm-migrate-receive --from-host UUID --stream PATH|- [--vm UUID]
 *                    [--dry-run] [--json]:
 * restore an incoming live migration.  The sending host's Xen version
 * (its software_version) decides, through the plugins, whether the stream
 * is a legacy one (Xen < 4.5: converted) or framed v2.  The pool DB is not
 * changed: the migration's bookkeeping is the toolstack's.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "vm_common.h"

int cmd_vm_migrate_receive(struct cli *cli, struct cli_args *a)
{
	const char *host = cli_optval(a, "from-host"), *path = cli_optval(a, "stream");
	const char *vm = cli_optval(a, "vm"), *backend;
	bool dry = cli_flag(a, "dry-run");
	struct sif_restore_plan plan = { 0 };
	struct sif_domain_restore r = { 0 };
	struct sif_v2_summary verified = { 0 };
	struct vm_spec vs = { 0 };
	struct sif_xen *xen = NULL;
	int fd = -1, rc;

	if (!host || !path)
		return cli_usage_error(cli, a->cmd, "needs --from-host UUID and --stream PATH|-");
	if (cli_optval(a, "image") || cli_flag(a, "trust-image"))
		return cli_usage_error(cli, a->cmd, "--image and --trust-image are for vm-resume");
	if ((rc = parse_width(cli, a, &r.v1_width)) != EXIT_OK)
		return rc;
	rc = EXIT_FAIL;
	if (!cli_db(cli, CLI_DB_READ) ||
	    sif_restore_plan_make(cli->ctx, cli->db, SIF_RESTORE_MIGRATE_RECEIVE, vm, host,
				  &plan, &cli->err) < 0)
		goto fail;
	if (vm) {
		if (vm_spec_load(cli, vm, &vs) < 0)
			goto fail;
		r.spec = vs.spec;
	} else {
		r.spec.name = "incoming";
	}
	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		sif_errno(&cli->err, SIF_ENOTFOUND, "stream %s", path);
		goto fail;
	}
	if (!(xen = cli_xen(cli, a, dry, &verified, &backend)))
		goto fail;
	r.platformdata = &plan.platformdata;
	r.stream_fd = fd;
	r.stream_name = strcmp(path, "-") ? path : "stdin";
	r.xen = xen;
	if (sif_domain_restore_run(&r, &cli->err) < 0)
		goto fail;
	print_restore(cli, &plan, &r, backend, dry, &verified, cli_flag(a, "json"));
	rc = EXIT_OK;
	goto out;
fail:
	rc = cli_fail_err(cli);
out:
	if (fd > 0)
		close(fd);
	sif_xen_close(xen);
	vm_spec_free(&vs);
	sif_restore_plan_free(&plan);
	return rc;
}
