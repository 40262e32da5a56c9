/* Handlers of the command table (cli/commands.c), one file each. */
#ifndef SIF_CLI_COMMANDS_H
#define SIF_CLI_COMMANDS_H

#include "cli.h"

int cmd_convert_legacy_stream(struct cli *cli, struct cli_args *a);
int cmd_datamodel(struct cli *cli, struct cli_args *a);
int cmd_db_check(struct cli *cli, struct cli_args *a);
int cmd_db_downgrade(struct cli *cli, struct cli_args *a);
int cmd_db_export(struct cli *cli, struct cli_args *a);
int cmd_db_import(struct cli *cli, struct cli_args *a);
int cmd_db_init(struct cli *cli, struct cli_args *a);
int cmd_db_migrate(struct cli *cli, struct cli_args *a);
int cmd_db_upgrade(struct cli *cli, struct cli_args *a);
int cmd_db_version(struct cli *cli, struct cli_args *a);
int cmd_host_list(struct cli *cli, struct cli_args *a);
int cmd_image_convert(struct cli *cli, struct cli_args *a);
int cmd_image_inspect(struct cli *cli, struct cli_args *a);
int cmd_image_verify(struct cli *cli, struct cli_args *a);
int cmd_image_wrap(struct cli *cli, struct cli_args *a);
int cmd_plugin_list(struct cli *cli, struct cli_args *a);
int cmd_plugin_remove(struct cli *cli, struct cli_args *a);
int cmd_pool_convert_legacy(struct cli *cli, struct cli_args *a);
int cmd_vdi_check(struct cli *cli, struct cli_args *a);
int cmd_vdi_convert(struct cli *cli, struct cli_args *a);
int cmd_vdi_list(struct cli *cli, struct cli_args *a);
int cmd_vdi_param_get(struct cli *cli, struct cli_args *a);
int cmd_vdi_param_set(struct cli *cli, struct cli_args *a);
int cmd_vm_list(struct cli *cli, struct cli_args *a);
int cmd_vm_migrate_receive(struct cli *cli, struct cli_args *a);
int cmd_vm_param_get(struct cli *cli, struct cli_args *a);
int cmd_vm_resume(struct cli *cli, struct cli_args *a);
int cmd_vm_suspend(struct cli *cli, struct cli_args *a);

/* plugin remove, also run by db migrate --down NAME */
int plugin_remove_run(struct cli *cli, const char *name, bool dry, bool force);

/* Option tables shared by several commands. */
extern const struct cli_opt db_check_opts[];
extern const struct cli_opt db_downgrade_opts[];
extern const struct cli_opt db_import_opts[];
extern const struct cli_opt db_migrate_opts[];
extern const struct cli_opt db_upgrade_opts[];
extern const struct cli_opt image_convert_opts[];
extern const struct cli_opt image_scan_opts[];
extern const struct cli_opt image_wrap_opts[];
extern const struct cli_opt json_opts[];
extern const struct cli_opt obj_list_opts[];
extern const struct cli_opt param_get_opts[];
extern const struct cli_opt plugin_remove_opts[];
extern const struct cli_opt pool_convert_opts[];
extern const struct cli_opt vm_restore_opts[];
extern const struct cli_opt vm_suspend_opts[];
extern const struct cli_opt vdi_check_opts[];
extern const struct cli_opt vdi_convert_opts[];

#endif
