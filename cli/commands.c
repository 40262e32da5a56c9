/*
 * The command table: names, handlers, argument shapes and the one-line
 * summaries that `sif --help` prints.  Keep it sorted by name.
 */
#include "cli.h"
#include "commands.h"

const struct cli_opt json_opts[] = {
	{ "json", false, "output as JSON" },
	{ NULL, false, NULL },
};

const struct cli_opt image_scan_opts[] = {
	{ "json", false, "output as JSON" },
	{ "width", true, "toolstack width of a v1 (legacy) stream: 32 or 64 (default: detect)" },
	{ NULL, false, NULL },
};

const struct cli_cmd cli_commands[] = {
	{ "convert-legacy-stream", cmd_convert_legacy_stream, CMD_RAW_ARGS, 0, -1, NULL,
	  "-i IN -o OUT -w 32|64 -g pv|hvm [-f libxc|libxl] [-x] [--skip-qemu] [--syslog] [-v]",
	  "drop-in for Xen's convert-legacy-stream as xenopsd runs it (IN/OUT: fd or path); "
	  "also installed under that name" },
	{ "datamodel", cmd_datamodel, 0, 0, 1, json_opts, "[CLASS] [--json]",
	  "classes and fields of the datamodel (core and plugins) with types and docs" },
	{ "db check", cmd_db_check, 0, 1, 1, db_check_opts,
	  "STATE.DB [--xapi-schema VERSION|FILE] [--with-plugins] [--json]",
	  "will this xapi load this state.db, and is it sound? (exit 1 if not)" },
	{ "db downgrade", cmd_db_downgrade, 0, 1, 1, db_downgrade_opts,
	  "STATE.DB [--output OUT] [--dry-run] [--backup] [--force] [--ignore-xapi]",
	  "remove the plugins' fields from a xapi state.db: the exact inverse of db upgrade" },
	{ "db export", cmd_db_export, 0, 1, 1, NULL, "STATE.DB",
	  "write the pool DB as a xapi state.db (byte-identical to an imported one)" },
	{ "db import", cmd_db_import, 0, 1, 1, db_import_opts, "STATE.DB [--replace]",
	  "load a xapi state.db into the pool DB, keeping what sif does not model" },
	{ "db init", cmd_db_init, 0, 0, 0, NULL, "",
	  "create a new pool database at the current schema" },
	{ "db migrate", cmd_db_migrate, 0, 0, 0, db_migrate_opts,
	  "[--dry-run] [--down PLUGIN [--force]]",
	  "apply pending migrations (core and plugins), each in its own transaction" },
	{ "db upgrade", cmd_db_upgrade, 0, 1, 1, db_upgrade_opts,
	  "STATE.DB [--output OUT] [--dry-run] [--backup] [--ignore-xapi] "
	  "[--target-has-field | --xapi-schema VERSION|FILE]",
	  "add the plugins' fields to a xapi state.db in place, changing no other byte" },
	{ "db version", cmd_db_version, 0, 0, 0, json_opts, "[--json]",
	  "sif version and the state of every migration in the database" },
	{ "host-list", cmd_host_list, CMD_KV, 0, 0, obj_list_opts,
	  "[params=a,b|all] [FIELD=VALUE ...] [--minimal] [--json]", "list hosts" },
	{ "image convert", cmd_image_convert, 0, 2, 2, image_convert_opts,
	  "IN OUT [--width 32|64] [--guest-type pv|hvm] [--format libxc|libxl] "
	  "[--skip-qemu] [--xl] [--to stream|raw|structured]",
	  "convert a legacy (libxc v1) stream or image to a v2 stream or image" },
	{ "image inspect", cmd_image_inspect, 0, 1, 1, image_scan_opts, "PATH [--json] [--width 32|64]",
	  "show the container, format and every record of a suspend image" },
	{ "image verify", cmd_image_verify, 0, 1, 1, image_scan_opts, "PATH [--json] [--width 32|64]",
	  "check a whole suspend image to its last byte (exit 1 with offset and reason)" },
	{ "image wrap", cmd_image_wrap, 0, 1, 1, image_wrap_opts,
	  "--format raw|structured --libxc STREAM|XLFILE [--qemu FILE] [--xenops-vm STR] OUT",
	  "build a raw or structured (ext2) suspend image from a migration stream or an xl save file" },
	{ "plugin remove", cmd_plugin_remove, 0, 1, 1, plugin_remove_opts,
	  "NAME [--dry-run] [--force]",
	  "undo a plugin's migrations in the pool DB (newest first, one transaction)" },
	{ "plugin-list", cmd_plugin_list, 0, 0, 0, json_opts, "[--json]",
	  "loaded plugins with the fields, migrations and hooks they add" },
	{ "pool-convert-legacy", cmd_pool_convert_legacy, 0, 0, 0, pool_convert_opts,
	  "--out-dir DIR [--jobs N] [--to raw|structured] [--dry-run] [--remove-originals] [--json]",
	  "convert every suspend VDI that needs the legacy path (marked legacy, or structured or "
	  "raw holding a Libxc_legacy record), N at a time, each committed on its own" },
	{ "vdi-check", cmd_vdi_check, CMD_KV, 0, 0, vdi_check_opts,
	  "uuid=UUID --image PATH [--fix]",
	  "compare a VDI's suspend_image_format with what its image holds (--fix corrects it)" },
	{ "vdi-convert", cmd_vdi_convert, CMD_KV, 0, 0, vdi_convert_opts,
	  "uuid=UUID --out PATH [--to raw|structured] [--dry-run] [--json]",
	  "convert a suspend VDI's legacy image to a v2 image and point the VDI at it" },
	{ "vdi-list", cmd_vdi_list, CMD_KV, 0, 0, obj_list_opts,
	  "[params=a,b|all] [FIELD=VALUE ...] [--minimal] [--json]", "list VDIs" },
	{ "vdi-param-get", cmd_vdi_param_get, CMD_KV, 0, 0, param_get_opts,
	  "uuid=UUID param-name=FIELD [param-key=KEY] [--json]", "print one field of a VDI" },
	{ "vdi-param-set", cmd_vdi_param_set, CMD_KV, 0, 0, NULL,
	  "uuid=UUID FIELD=VALUE [MAPFIELD:KEY=VALUE ...]",
	  "set admin-settable fields of a VDI (all or none)" },
	{ "vm-list", cmd_vm_list, CMD_KV, 0, 0, obj_list_opts,
	  "[params=a,b|all] [FIELD=VALUE ...] [--minimal] [--json]", "list VMs" },
	{ "vm-migrate-receive", cmd_vm_migrate_receive, 0, 0, 0, vm_restore_opts,
	  "--from-host UUID --stream PATH|- [--vm UUID] [--dry-run] [--json]",
	  "restore an incoming migration; a sender older than Xen 4.5 means a legacy stream" },
	{ "vm-param-get", cmd_vm_param_get, CMD_KV, 0, 0, param_get_opts,
	  "uuid=UUID param-name=FIELD [param-key=KEY] [--json]", "print one field of a VM" },
	{ "vm-resume", cmd_vm_resume, CMD_KV, 0, 0, vm_restore_opts,
	  "uuid=UUID [--image PATH] [--dry-run] [--trust-image] [--json]",
	  "resume a suspended VM on the path its suspend image needs (legacy: converted)" },
	{ "vm-suspend", cmd_vm_suspend, CMD_KV, 0, 0, vm_suspend_opts,
	  "uuid=UUID --image PATH [--sr UUID] [--vdi UUID]",
	  "suspend a VM to a raw image and record it (suspend-image-format=raw)" },
	{ 0 }
};
