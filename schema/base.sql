-- Base schema of the sif pool DB (migration 0000_base).
-- One table per xapi class, one TEXT column per field, holding values in
-- xapi's string encoding (maps and sets as S-expressions, bools as
-- true/false, refs as OpaqueRef:...).  _ref is the row's reference.
-- lib/datamodel_core.c describes the same fields; keep both in step.

CREATE TABLE pool (
	_ref TEXT PRIMARY KEY NOT NULL,
	uuid TEXT NOT NULL UNIQUE,
	name_label TEXT NOT NULL DEFAULT '',
	name_description TEXT NOT NULL DEFAULT '',
	master TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	default_SR TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	suspend_image_SR TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	other_config TEXT NOT NULL DEFAULT '()'
);

CREATE TABLE host (
	_ref TEXT PRIMARY KEY NOT NULL,
	uuid TEXT NOT NULL UNIQUE,
	name__label TEXT NOT NULL DEFAULT '',
	name__description TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	software_version TEXT NOT NULL DEFAULT '()',
	API_version__major TEXT NOT NULL DEFAULT '0',
	API_version__minor TEXT NOT NULL DEFAULT '0',
	API_version__vendor TEXT NOT NULL DEFAULT '',
	enabled TEXT NOT NULL DEFAULT 'true',
	suspend_image_sr TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	other_config TEXT NOT NULL DEFAULT '()'
);

CREATE TABLE SR (
	_ref TEXT PRIMARY KEY NOT NULL,
	uuid TEXT NOT NULL UNIQUE,
	name__label TEXT NOT NULL DEFAULT '',
	name__description TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL DEFAULT '',
	shared TEXT NOT NULL DEFAULT 'false',
	physical_size TEXT NOT NULL DEFAULT '0',
	physical_utilisation TEXT NOT NULL DEFAULT '0',
	other_config TEXT NOT NULL DEFAULT '()',
	sm_config TEXT NOT NULL DEFAULT '()'
);

CREATE TABLE VDI (
	_ref TEXT PRIMARY KEY NOT NULL,
	uuid TEXT NOT NULL UNIQUE,
	name__label TEXT NOT NULL DEFAULT '',
	name__description TEXT NOT NULL DEFAULT '',
	SR TEXT NOT NULL,
	type TEXT NOT NULL CHECK (type IN ('system', 'user', 'ephemeral', 'suspend',
		'crashdump', 'ha_statefile', 'metadata', 'redo_log', 'rrd',
		'pvs_cache', 'cbt_metadata')),
	virtual_size TEXT NOT NULL,
	physical_utilisation TEXT NOT NULL DEFAULT '0',
	read_only TEXT NOT NULL DEFAULT 'false',
	sharable TEXT NOT NULL DEFAULT 'false',
	managed TEXT NOT NULL DEFAULT 'true',
	missing TEXT NOT NULL DEFAULT 'false',
	is_a_snapshot TEXT NOT NULL DEFAULT 'false',
	snapshot_of TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	location TEXT NOT NULL DEFAULT '',
	on_boot TEXT NOT NULL DEFAULT 'persist' CHECK (on_boot IN ('reset', 'persist')),
	other_config TEXT NOT NULL DEFAULT '()',
	sm_config TEXT NOT NULL DEFAULT '()',
	xenstore_data TEXT NOT NULL DEFAULT '()',
	tags TEXT NOT NULL DEFAULT '()'
);

CREATE TABLE VBD (
	_ref TEXT PRIMARY KEY NOT NULL,
	uuid TEXT NOT NULL UNIQUE,
	VM TEXT NOT NULL,
	VDI TEXT NOT NULL,
	device TEXT NOT NULL DEFAULT '',
	userdevice TEXT NOT NULL DEFAULT '',
	mode TEXT NOT NULL CHECK (mode IN ('RO', 'RW')),
	type TEXT NOT NULL CHECK (type IN ('CD', 'Disk', 'Floppy')),
	bootable TEXT NOT NULL DEFAULT 'false',
	currently_attached TEXT NOT NULL DEFAULT 'false',
	empty TEXT NOT NULL DEFAULT 'false',
	other_config TEXT NOT NULL DEFAULT '()'
);

CREATE TABLE VM (
	_ref TEXT PRIMARY KEY NOT NULL,
	uuid TEXT NOT NULL UNIQUE,
	name__label TEXT NOT NULL DEFAULT '',
	name__description TEXT NOT NULL DEFAULT '',
	power_state TEXT NOT NULL DEFAULT 'Halted'
		CHECK (power_state IN ('Halted', 'Paused', 'Running', 'Suspended')),
	suspend_VDI TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	suspend_SR TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	resident_on TEXT NOT NULL DEFAULT 'OpaqueRef:NULL',
	platform TEXT NOT NULL DEFAULT '()',
	other_config TEXT NOT NULL DEFAULT '()',
	domarch TEXT NOT NULL DEFAULT '',
	is_control_domain TEXT NOT NULL DEFAULT 'false',
	is_a_template TEXT NOT NULL DEFAULT 'false',
	HVM__boot_policy TEXT NOT NULL DEFAULT '',
	domain_type TEXT NOT NULL DEFAULT 'unspecified'
		CHECK (domain_type IN ('hvm', 'pv', 'pv_in_pvh', 'pvh', 'unspecified')),
	memory__static_max TEXT NOT NULL DEFAULT '0',
	VCPUs__max TEXT NOT NULL DEFAULT '1'
);
