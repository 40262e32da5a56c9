/*
 * The core datamodel: the xapi classes sif keeps in its pool DB and the
 * fields of each, named and typed as xapi's datamodel has them.  This table
 * and schema/base.sql describe the same columns; tests/test_datamodel.c
 * checks that they agree.  Fields added by plugins are not here.
 */
#include "sif/datamodel.h"

#define BASE "0000_base"
#define RW SIF_FIELD_ADMIN_SETTABLE
#define RO 0u

static const char *const vdi_type_values[] = {
	"system", "user", "ephemeral", "suspend", "crashdump", "ha_statefile",
	"metadata", "redo_log", "rrd", "pvs_cache", "cbt_metadata", NULL
};
static const char *const on_boot_values[] = { "reset", "persist", NULL };
static const char *const power_state_values[] = {
	"Halted", "Paused", "Running", "Suspended", NULL
};
static const char *const domain_type_values[] = {
	"hvm", "pv", "pv_in_pvh", "pvh", "unspecified", NULL
};
static const char *const vbd_mode_values[] = { "RO", "RW", NULL };
static const char *const vbd_type_values[] = { "CD", "Disk", "Floppy", NULL };

const struct sif_class sif_core_classes[] = {
	{ "pool", "The pool: a set of hosts sharing storage and a database" },
	{ "host", "A physical host running Xen" },
	{ "SR", "A storage repository" },
	{ "VDI", "A virtual disk image; suspend images live on VDIs of type suspend" },
	{ "VBD", "A virtual block device connecting a VM to a VDI" },
	{ "VM", "A virtual machine" },
	{ NULL, NULL },
};

#define F(c, n, t, def, fl, doc) \
	{ c, n, t, NULL, NULL, def, BASE, fl, doc }
#define E(c, n, vals, def, fl, doc) \
	{ c, n, SIF_FT_ENUM, vals, NULL, def, BASE, fl, doc }
#define R(c, n, to, def, fl, doc) \
	{ c, n, SIF_FT_REF, NULL, to, def, BASE, fl, doc }
#define NAMES(c) \
	F(c, "uuid", SIF_FT_STRING, NULL, RO, "Unique identifier"), \
	F(c, "name__label", SIF_FT_STRING, "", RW, "A human-readable name"), \
	F(c, "name__description", SIF_FT_STRING, "", RW, "A notes field")

const struct sif_field sif_core_fields[] = {
	/* xapi's pool has plain name_label / name_description, no namespace */
	F("pool", "uuid", SIF_FT_STRING, NULL, RO, "Unique identifier"),
	F("pool", "name_label", SIF_FT_STRING, "", RW, "A human-readable name"),
	F("pool", "name_description", SIF_FT_STRING, "", RW, "A notes field"),
	R("pool", "master", "host", SIF_NULL_REF, RO, "The host that is pool master"),
	R("pool", "default_SR", "SR", SIF_NULL_REF, RW, "Default SR for new VDIs"),
	R("pool", "suspend_image_SR", "SR", SIF_NULL_REF, RW,
	  "SR where suspend images are written"),
	F("pool", "other_config", SIF_FT_MAP, "()", RW, "Additional configuration"),

	NAMES("host"),
	F("host", "address", SIF_FT_STRING, "", RO, "The host's management address"),
	F("host", "software_version", SIF_FT_MAP, "()", RO,
	  "Versions of the software on the host (keys such as xen, product_version)"),
	F("host", "API_version__major", SIF_FT_INT, "0", RO, "Major API version"),
	F("host", "API_version__minor", SIF_FT_INT, "0", RO, "Minor API version"),
	F("host", "API_version__vendor", SIF_FT_STRING, "", RO, "API vendor"),
	F("host", "enabled", SIF_FT_BOOL, "true", RO, "Whether VMs may start here"),
	R("host", "suspend_image_sr", "SR", SIF_NULL_REF, RW,
	  "SR where this host writes suspend images"),
	F("host", "other_config", SIF_FT_MAP, "()", RW, "Additional configuration"),

	NAMES("SR"),
	F("SR", "type", SIF_FT_STRING, "", RO, "Storage driver type (lvm, ext, nfs, ...)"),
	F("SR", "content_type", SIF_FT_STRING, "", RO, "What the SR holds"),
	F("SR", "shared", SIF_FT_BOOL, "false", RW, "Whether all hosts see the SR"),
	F("SR", "physical_size", SIF_FT_INT, "0", RO, "Total size in bytes"),
	F("SR", "physical_utilisation", SIF_FT_INT, "0", RO, "Bytes in use"),
	F("SR", "other_config", SIF_FT_MAP, "()", RW, "Additional configuration"),
	F("SR", "sm_config", SIF_FT_MAP, "()", RO, "Storage-driver data"),

	NAMES("VDI"),
	R("VDI", "SR", "SR", NULL, RO, "The SR the VDI is in"),
	E("VDI", "type", vdi_type_values, NULL, RO, "What the VDI is used for"),
	F("VDI", "virtual_size", SIF_FT_INT, NULL, RO, "Size seen by the guest, in bytes"),
	F("VDI", "physical_utilisation", SIF_FT_INT, "0", RO, "Bytes used on the SR"),
	F("VDI", "read_only", SIF_FT_BOOL, "false", RO, "Whether the VDI is read-only"),
	F("VDI", "sharable", SIF_FT_BOOL, "false", RO, "Whether several VMs may attach it"),
	F("VDI", "managed", SIF_FT_BOOL, "true", RO, "Whether xapi manages it"),
	F("VDI", "missing", SIF_FT_BOOL, "false", RO, "Whether the SR scan lost it"),
	F("VDI", "is_a_snapshot", SIF_FT_BOOL, "false", RO, "Whether it is a snapshot"),
	R("VDI", "snapshot_of", "VDI", SIF_NULL_REF, RO, "The VDI it is a snapshot of"),
	F("VDI", "location", SIF_FT_STRING, "", RO, "Location on the SR"),
	E("VDI", "on_boot", on_boot_values, "persist", RO, "What happens to it at VM start"),
	F("VDI", "other_config", SIF_FT_MAP, "()", RW, "Additional configuration"),
	F("VDI", "sm_config", SIF_FT_MAP, "()", RO, "Storage-driver data"),
	F("VDI", "xenstore_data", SIF_FT_MAP, "()", RW,
	  "Data written to xenstore for the backend"),
	F("VDI", "tags", SIF_FT_SET, "()", RW, "User tags"),

	F("VBD", "uuid", SIF_FT_STRING, NULL, RO, "Unique identifier"),
	R("VBD", "VM", "VM", NULL, RO, "The VM the device belongs to"),
	R("VBD", "VDI", "VDI", NULL, RO, "The VDI behind the device"),
	F("VBD", "device", SIF_FT_STRING, "", RO, "Device name in the guest (xvda)"),
	F("VBD", "userdevice", SIF_FT_STRING, "", RW, "Device number (0, 1, ...)"),
	E("VBD", "mode", vbd_mode_values, NULL, RW, "Read-only or read-write"),
	E("VBD", "type", vbd_type_values, NULL, RW, "Disk, CD or floppy"),
	F("VBD", "bootable", SIF_FT_BOOL, "false", RW, "Whether the VM boots from it"),
	F("VBD", "currently_attached", SIF_FT_BOOL, "false", RO, "Whether it is plugged"),
	F("VBD", "empty", SIF_FT_BOOL, "false", RO, "Whether a CD drive is empty"),
	F("VBD", "other_config", SIF_FT_MAP, "()", RW, "Additional configuration"),

	NAMES("VM"),
	E("VM", "power_state", power_state_values, "Halted", RO, "Current power state"),
	R("VM", "suspend_VDI", "VDI", SIF_NULL_REF, RO,
	  "The VDI holding the suspend image, when Suspended"),
	R("VM", "suspend_SR", "SR", SIF_NULL_REF, RW, "SR for the VM's suspend image"),
	R("VM", "resident_on", "host", SIF_NULL_REF, RO, "The host the VM runs on"),
	F("VM", "platform", SIF_FT_MAP, "()", RW,
	  "Platform settings (acpi, apic, viridian, ...)"),
	F("VM", "other_config", SIF_FT_MAP, "()", RW, "Additional configuration"),
	F("VM", "domarch", SIF_FT_STRING, "", RO, "Domain architecture (x86_32, x86_64)"),
	F("VM", "is_control_domain", SIF_FT_BOOL, "false", RO, "Whether this is dom0"),
	F("VM", "is_a_template", SIF_FT_BOOL, "false", RW, "Whether it is a template"),
	F("VM", "HVM__boot_policy", SIF_FT_STRING, "", RW,
	  "HVM boot policy; empty for PV guests"),
	E("VM", "domain_type", domain_type_values, "unspecified", RW,
	  "Virtualisation mode"),
	F("VM", "memory__static_max", SIF_FT_INT, "0", RW, "Maximum memory in bytes"),
	F("VM", "VCPUs__max", SIF_FT_INT, "1", RW, "Maximum number of vCPUs"),
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL, 0, NULL },
};
