/*
 * gen_pool: a sample pool database at the schema *before* any plugin
 * migration (base schema + core migrations), for tests, benchmarks and the
 * demo.  Deterministic by seed.
 *
 *   gen_pool [--seed N] [--vms N] [--vdis N] [--suspended N]
 *            [--suspend-image PATH ...] OUT.db
 *
 * Hosts: a current one (Xen 4.17), one still on XenServer 6.5 (Xen
 * 4.4.1-xs...: pre-4.5, the rolling-upgrade case) and one more.  Every VM
 * has a disk VDI and VBD; the first --suspended VMs are Suspended with a
 * suspend VDI; the remaining VDIs up to --vdis are unattached user disks
 * and snapshots.  Each --suspend-image PATH becomes the location of the next
 * suspended VM's suspend VDI.  Prints the uuids of the suspended VMs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/ctx.h"
#include "sif/db.h"
#include "sif/migrate.h"

static uint64_t rng;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void uuid(char out[37])
{
	uint64_t a = next(), b = next();

	snprintf(out, 37, "%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-%04" PRIx32 "-%012" PRIx64,
		 (uint32_t)(a >> 32), (uint32_t)(a >> 16) & 0xffff,
		 (uint32_t)a & 0xfff, (uint32_t)((b >> 48) & 0x3fff) | 0x8000,
		 (uint64_t)(b & 0xffffffffffffULL));
}

static void ref(char out[48])
{
	char u[37];

	uuid(u);
	snprintf(out, 48, "OpaqueRef:%s", u);
}

static struct sif_db *db;
static struct sif_err err;

static void die(void)
{
	fprintf(stderr, "gen_pool: %s\n", err.msg);
	exit(1);
}

/* INSERT with every value bound; n columns named in cols (comma list). */
static void insert(const char *table, const char *cols, int n, const char *const *vals)
{
	char sql[1024], marks[256] = "";
	struct sif_stmt *st;

	for (int i = 0; i < n; i++)
		snprintf(marks + strlen(marks), sizeof(marks) - strlen(marks), "%s?%d",
			 i ? ", " : "", i + 1);
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s) VALUES (%s)", table, cols, marks);
	if (sif_db_prepare(db, sql, &st, &err) < 0)
		die();
	for (int i = 0; i < n; i++)
		if (sif_stmt_bind_text(st, i + 1, vals[i], &err) < 0)
			die();
	if (sif_stmt_step(st, &err) < 0)
		die();
	sif_stmt_finalize(st);
}

static void vdi(char r[48], const char *sr, const char *type, const char *label,
		const char *size, const char *snap_of, const char *location)
{
	char u[37];

	ref(r);
	uuid(u);
	insert("VDI", "_ref, uuid, name__label, SR, type, virtual_size, is_a_snapshot, "
	       "snapshot_of, other_config, sm_config, location", 11,
	       (const char *[]){ r, u, label, sr, type, size, snap_of ? "true" : "false",
				 snap_of ? snap_of : "OpaqueRef:NULL", "()",
				 !strcmp(type, "suspend") ? "(('vmhint' 'x'))" : "()",
				 location ? location : "" });
}

int main(int argc, char **argv)
{
	long vms = 10, vdis = 20, suspended = 4, i;
	uint64_t seed = 1;
	struct sif_ctx *ctx;
	char pool[48], hosts[3][48], srs[2][48], u[37], label[64];
	const char *out = NULL, **images = calloc((size_t)argc, sizeof(*images));
	int c, nimages = 0;

	for (c = 1; c < argc; c++) {
		if (!strcmp(argv[c], "--seed") && c + 1 < argc)
			seed = strtoull(argv[++c], NULL, 0);
		else if (!strcmp(argv[c], "--vms") && c + 1 < argc)
			vms = strtol(argv[++c], NULL, 0);
		else if (!strcmp(argv[c], "--vdis") && c + 1 < argc)
			vdis = strtol(argv[++c], NULL, 0);
		else if (!strcmp(argv[c], "--suspended") && c + 1 < argc)
			suspended = strtol(argv[++c], NULL, 0);
		else if (!strcmp(argv[c], "--suspend-image") && c + 1 < argc && images)
			images[nimages++] = argv[++c];
		else if (argv[c][0] != '-' && !out)
			out = argv[c];
		else
			break;
	}
	if (c < argc || !out || vms < 0 || suspended > vms || vdis < vms + suspended ||
	    nimages > suspended) {
		fprintf(stderr, "usage: gen_pool [--seed N] [--vms N] [--vdis N >= vms+suspended] "
			"[--suspended N <= vms] [--suspend-image PATH (at most one per suspended VM)] "
			"OUT.db\n");
		return 2;
	}
	rng = seed;
	unlink(out);
	if (sif_ctx_new(&ctx, &err) < 0 || sif_db_open(out, SIF_DB_CREATE, &db, &err) < 0 ||
	    sif_migrate(ctx, db, false, NULL, NULL, NULL, &err) < 0 ||
	    sif_db_exec(db, "PRAGMA synchronous=OFF", &err) < 0 || sif_db_begin(db, &err) < 0)
		die();

	ref(pool);
	for (i = 0; i < 3; i++)
		ref(hosts[i]);
	for (i = 0; i < 2; i++)
		ref(srs[i]);
	uuid(u);
	insert("pool", "_ref, uuid, name_label, master, default_SR, suspend_image_SR", 6,
	       (const char *[]){ pool, u, "sample pool", hosts[0], srs[0], srs[0] });
	static const char *const sw[3] = {
		"(('product_version' '8.2.1') ('xen' '4.17.3-4') ('xapi' '1.249'))",
		"(('product_version' '6.5.0') ('xen' '4.4.1-xs131111') ('xapi' '1.9'))",
		"(('product_version' '8.2.1') ('xen' '4.17.3-4') ('xapi' '1.249'))",
	};
	for (i = 0; i < 3; i++) {
		char name[32];

		uuid(u);
		snprintf(name, sizeof(name), "host%ld", i);
		insert("host", "_ref, uuid, name__label, software_version, API_version__major, "
		       "API_version__minor", 6,
		       (const char *[]){ hosts[i], u, name, sw[i], "2", i == 1 ? "3" : "21" });
	}
	for (i = 0; i < 2; i++) {
		uuid(u);
		insert("SR", "_ref, uuid, name__label, type, shared", 5,
		       (const char *[]){ srs[i], u, i ? "Local storage" : "Shared LVM",
					 i ? "ext" : "lvm", i ? "false" : "true" });
	}
	long made = 0;
	for (i = 0; i < vms; i++) {
		char vm[48], disk[48], sus[48], vbd[48], vm_uuid[37];
		int is_susp = i < suspended, hvm = i % 3 == 2;

		ref(vm);
		snprintf(label, sizeof(label), "vm%ld disk", i);
		vdi(disk, srs[i % 2], "user", label, "10737418240", NULL, NULL);
		made++;
		if (is_susp) {
			snprintf(label, sizeof(label), "Suspend image");
			vdi(sus, srs[0], "suspend", label, "4294967296", NULL,
			    i < nimages ? images[i] : NULL);
			made++;
		}
		uuid(vm_uuid);
		snprintf(label, sizeof(label), "vm%ld", i);
		insert("VM", "_ref, uuid, name__label, power_state, suspend_VDI, resident_on, "
		       "domarch, HVM__boot_policy, domain_type, platform, memory__static_max", 11,
		       (const char *[]){ vm, vm_uuid, label, is_susp ? "Suspended" : i % 2 ? "Running" : "Halted",
					 is_susp ? sus : "OpaqueRef:NULL",
					 !is_susp && i % 2 ? hosts[i % 3] : "OpaqueRef:NULL",
					 hvm ? "" : "x86_64", hvm ? "BIOS order" : "",
					 hvm ? "hvm" : "pv",
					 hvm ? "(('acpi' '1') ('apic' 'true') ('viridian' 'true'))" : "()",
					 "4294967296" });
		ref(vbd);
		uuid(u);
		insert("VBD", "_ref, uuid, VM, VDI, device, userdevice, mode, type, bootable", 9,
		       (const char *[]){ vbd, u, vm, disk, "xvda", "0", "RW", "Disk", "true" });
		if (is_susp)
			printf("%s\n", vm_uuid);
	}
	for (i = 0; made < vdis; i++, made++) {
		char r[48], prev[48];

		snprintf(label, sizeof(label), "%s %ld", i % 4 == 3 ? "snapshot" : "data disk", i);
		vdi(r, srs[i % 2], "user", label, "2147483648", i % 4 == 3 ? prev : NULL, NULL);
		memcpy(prev, r, sizeof(prev));
	}
	if (sif_db_commit(db, &err) < 0)
		die();
	sif_db_close(db);
	sif_ctx_free(ctx);
	free(images);
	return 0;
}
