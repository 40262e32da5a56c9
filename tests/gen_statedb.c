/*
 * gen_statedb: write a realistic xapi state.db, deterministic by seed.
 *
 *   gen_statedb [--vdis N] [--seed S] [--field none|legacy|mixed|mixed-legacy]
 *               [--no-hostile] [-o FILE]
 *
 * Every table of xapi's schema 5.909 with its real columns (tests/support/
 * xapi_schema.h), in xapi's byte order, with `_ref`; empty tables (xapi's
 * non-persistent ones and some others); a pool of hosts and SRs sized to N
 * VDIs; VMs with VBDs, snapshots, templates, control domains, suspended VMs
 * whose suspend_VDI is a VDI of type suspend; hostile values (entities,
 * `]]>`, quotes, backslashes, unicode, tabs and newlines, spaces at the
 * ends, `%`, empty strings) in strings, sets and maps.
 *
 * --field adds VDI.suspend_image_format: `legacy` on every VDI, `mixed`
 * (every third VDI `structured`, the next `raw`, the others none) or
 * `mixed-legacy` (mixed, with `legacy` where mixed has none: what
 * `sif db upgrade` must make of a mixed file).
 *
 * Streaming: a row is computed from (seed, table, index) alone, refs are
 * generated already in byte order, so memory does not depend on N.
 * The bytes are written by libsif's state.db writer.  Not a test by itself:
 * tests compare its output with what sif makes of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sif/statedb.h"
#include "sif/strbuf.h"
#include "sif/xapi_schema.h"
#include "sif/xapi_value.h"
#include "xapi_schema.h"

#define NTABLES (sizeof(xapi_tables) / sizeof(xapi_tables[0]))
#define MAX_COLS 128

enum field_mode { F_NONE, F_LEGACY, F_MIXED, F_MIXED_LEGACY };

/* Columns whose values follow the pool's structure rather than their type. */
enum col_id {
	C_GENERIC = 0,
	C_REF_COPY, C_UUID, C_NAME_LABEL, C_NAME_DESC, C_OTHER_CONFIG, C_TAGS,
	/* VDI */
	C_VDI_SR, C_VDI_VBDS, C_VDI_TYPE, C_VDI_SNAP, C_VDI_SNAP_OF, C_VDI_SNAPS,
	C_VDI_SNAP_TIME, C_VDI_VSIZE, C_VDI_PSIZE, C_VDI_RO, C_VDI_SM_CONFIG,
	C_VDI_LOCATION, C_VDI_TOOLS, C_VDI_MANAGED, C_VDI_XENSTORE, C_VDI_SIF,
	/* VM */
	C_VM_POWER, C_VM_SUSPEND_VDI, C_VM_SUSPEND_SR, C_VM_RESIDENT, C_VM_VBDS,
	C_VM_CONTROL, C_VM_TEMPLATE, C_VM_SNAP, C_VM_SNAP_OF, C_VM_SNAPS,
	C_VM_PLATFORM, C_VM_MEM, C_VM_VCPUS, C_VM_DOMTYPE, C_VM_HVM_POLICY,
	C_VM_HVM_PARAMS, C_VM_LAST_BOOTED, C_VM_METRICS, C_VM_GUEST_METRICS,
	C_VM_DOMID, C_VM_DOMARCH, C_VM_VIFS, C_VM_CONSOLES, C_VM_PV_ARGS,
	/* VBD */
	C_VBD_VM, C_VBD_VDI, C_VBD_TYPE, C_VBD_MODE, C_VBD_EMPTY, C_VBD_DEVICE,
	C_VBD_USERDEVICE, C_VBD_ATTACHED, C_VBD_BOOTABLE,
	/* SR, host, pool */
	C_SR_VDIS, C_SR_TYPE, C_SR_PBDS, C_SR_SHARED, C_SR_CONTENT,
	C_HOST_RESIDENT, C_HOST_SOFTWARE, C_HOST_API_MAJOR, C_HOST_API_MINOR,
	C_HOST_CONTROL, C_HOST_PBDS, C_HOST_METRICS, C_HOST_ADDRESS, C_HOST_HOSTNAME,
	C_POOL_MASTER, C_POOL_DEFAULT_SR, C_POOL_SUSPEND_SR,
	/* rows pointing back to a VM or host by index */
	C_PER_VM, C_PER_HOST, C_PBD_HOST, C_PBD_SR,
};

struct colmap {
	const char *table, *column;
	enum col_id id;
};

static const struct colmap colmap[] = {
	{ "*", "_ref", C_REF_COPY }, { "*", "uuid", C_UUID },
	{ "*", "name__label", C_NAME_LABEL }, { "*", "name__description", C_NAME_DESC },
	{ "*", "other_config", C_OTHER_CONFIG }, { "*", "tags", C_TAGS },
	{ "VDI", "SR", C_VDI_SR }, { "VDI", "VBDs", C_VDI_VBDS },
	{ "VDI", "type", C_VDI_TYPE }, { "VDI", "is_a_snapshot", C_VDI_SNAP },
	{ "VDI", "snapshot_of", C_VDI_SNAP_OF }, { "VDI", "snapshots", C_VDI_SNAPS },
	{ "VDI", "snapshot_time", C_VDI_SNAP_TIME }, { "VDI", "virtual_size", C_VDI_VSIZE },
	{ "VDI", "physical_utilisation", C_VDI_PSIZE }, { "VDI", "read_only", C_VDI_RO },
	{ "VDI", "sm_config", C_VDI_SM_CONFIG }, { "VDI", "location", C_VDI_LOCATION },
	{ "VDI", "is_tools_iso", C_VDI_TOOLS }, { "VDI", "managed", C_VDI_MANAGED },
	{ "VDI", "xenstore_data", C_VDI_XENSTORE },
	{ "VDI", "suspend_image_format", C_VDI_SIF },
	{ "VM", "power_state", C_VM_POWER }, { "VM", "suspend_VDI", C_VM_SUSPEND_VDI },
	{ "VM", "suspend_SR", C_VM_SUSPEND_SR }, { "VM", "resident_on", C_VM_RESIDENT },
	{ "VM", "VBDs", C_VM_VBDS }, { "VM", "is_control_domain", C_VM_CONTROL },
	{ "VM", "is_a_template", C_VM_TEMPLATE }, { "VM", "is_a_snapshot", C_VM_SNAP },
	{ "VM", "snapshot_of", C_VM_SNAP_OF }, { "VM", "snapshots", C_VM_SNAPS },
	{ "VM", "platform", C_VM_PLATFORM },
	{ "VM", "memory__static_max", C_VM_MEM }, { "VM", "memory__dynamic_max", C_VM_MEM },
	{ "VM", "memory__dynamic_min", C_VM_MEM }, { "VM", "memory__static_min", C_VM_MEM },
	{ "VM", "memory__target", C_VM_MEM },
	{ "VM", "VCPUs__max", C_VM_VCPUS }, { "VM", "VCPUs__at_startup", C_VM_VCPUS },
	{ "VM", "domain_type", C_VM_DOMTYPE }, { "VM", "HVM__boot_policy", C_VM_HVM_POLICY },
	{ "VM", "HVM__boot_params", C_VM_HVM_PARAMS },
	{ "VM", "last_booted_record", C_VM_LAST_BOOTED },
	{ "VM", "metrics", C_VM_METRICS }, { "VM", "guest_metrics", C_VM_GUEST_METRICS },
	{ "VM", "domid", C_VM_DOMID }, { "VM", "domarch", C_VM_DOMARCH },
	{ "VM", "VIFs", C_VM_VIFS }, { "VM", "consoles", C_VM_CONSOLES },
	{ "VM", "PV__args", C_VM_PV_ARGS },
	{ "VBD", "VM", C_VBD_VM }, { "VBD", "VDI", C_VBD_VDI }, { "VBD", "type", C_VBD_TYPE },
	{ "VBD", "mode", C_VBD_MODE }, { "VBD", "empty", C_VBD_EMPTY },
	{ "VBD", "device", C_VBD_DEVICE }, { "VBD", "userdevice", C_VBD_USERDEVICE },
	{ "VBD", "currently_attached", C_VBD_ATTACHED }, { "VBD", "bootable", C_VBD_BOOTABLE },
	{ "SR", "VDIs", C_SR_VDIS }, { "SR", "type", C_SR_TYPE }, { "SR", "PBDs", C_SR_PBDS },
	{ "SR", "shared", C_SR_SHARED }, { "SR", "content_type", C_SR_CONTENT },
	{ "host", "resident_VMs", C_HOST_RESIDENT },
	{ "host", "software_version", C_HOST_SOFTWARE },
	{ "host", "API_version__major", C_HOST_API_MAJOR },
	{ "host", "API_version__minor", C_HOST_API_MINOR },
	{ "host", "control_domain", C_HOST_CONTROL }, { "host", "PBDs", C_HOST_PBDS },
	{ "host", "metrics", C_HOST_METRICS }, { "host", "address", C_HOST_ADDRESS },
	{ "host", "hostname", C_HOST_HOSTNAME },
	{ "pool", "master", C_POOL_MASTER }, { "pool", "default_SR", C_POOL_DEFAULT_SR },
	{ "pool", "suspend_image_SR", C_POOL_SUSPEND_SR },
	{ "VM_metrics", "uuid", C_UUID }, { "VIF", "VM", C_PER_VM }, { "console", "VM", C_PER_VM },
	{ "host_metrics", "uuid", C_UUID }, { "host_cpu", "host", C_PER_HOST },
	{ "PIF", "host", C_PER_HOST }, { "Certificate", "host", C_PER_HOST },
	{ "PBD", "host", C_PBD_HOST }, { "PBD", "SR", C_PBD_SR },
};

struct col {
	char name[96];
	char kind;              /* s i b f d r S M e */
	const char *enums;      /* "a|b|c" for e */
	size_t enums_len;
	enum col_id id;
	const struct sif_xs_type *ty;   /* xapi's type (sets' elements, enums), NULL if none */
};

struct table {
	const struct xapi_table_def *def;
	unsigned ord;           /* position in xapi_tables: part of every hash */
	struct col cols[MAX_COLS];
	int ncols;
	uint64_t nrows;
};

struct gen {
	uint64_t seed, nvdi, nvm, nvbd, nhost, nsr;
	enum field_mode field;
	bool hostile;
	struct table tables[NTABLES];
	struct table *vdi, *vm, *vbd, *sr, *host, *pool, *vm_metrics, *vm_guest_metrics,
		*host_metrics, *pbd, *vif, *console;
	struct sif_strbuf vals[MAX_COLS + 3], tmp;
	struct sif_xapi_schema *schema; /* the built-in 5.909: element types of sets and maps */
	char refbuf[MAX_COLS + 3][64];
};

/* --- deterministic values ---------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t h(const struct gen *g, const struct table *t, uint64_t i, uint64_t salt)
{
	return mix(mix(mix(g->seed) ^ (t ? t->ord + 1 : 0)) ^ mix(i) ^ mix(salt * 7919));
}

/*
 * The ref of row i of t: its first 8 hex digits grow with i, so a table's
 * refs come out in byte order (as xapi writes rows), and any row can name
 * any other row from (table, index) alone.
 */
static void make_ref(const struct gen *g, const struct table *t, uint64_t i, char *out)
{
	uint64_t a = t->nrows ? (i << 32) / t->nrows : 0, r = h(g, t, i, 1), s = h(g, t, i, 2);

	snprintf(out, 64, "OpaqueRef:%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64
		 "-%012" PRIx64, a, r & 0xffff, (r >> 16) & 0xfff,
		 0x8000 | ((r >> 28) & 0x3fff), (uint64_t)(s & 0xffffffffffffull));
}

static void make_uuid(const struct gen *g, const struct table *t, uint64_t i, char *out)
{
	uint64_t r = h(g, t, i, 3), s = h(g, t, i, 4);

	snprintf(out, 64, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
		 r >> 32, r & 0xffff, (r >> 16) & 0xfff, 0x8000 | (s >> 50),
		 (uint64_t)(s & 0xffffffffffffull));
}

static const char *const hostile[] = {
	"<b>&amp; \"quoted\" 'single' </b>",
	"]]> and <![CDATA[ not really ]]>",
	"tab\there, newline\nthere, crlf\r\n, end",
	"  spaces at both ends  ",
	"",
	"100% sure: %. %_ %% %t are not escapes here",
	"back\\slash and 'quotes' (parens) ;semicolon",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xc3\xa9\xc3\xa8 \xc3\xb1 \xf0\x9f\x99\x82 \xe2\x82\xac",
	"a&b<c>d\"e'f",
	" ",
	"\t\n",
	"OpaqueRef:NULL",
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static bool hostile_row(const struct gen *g, uint64_t i)
{
	return g->hostile && i % 7 == 3;
}

static const char *pick_hostile(const struct gen *g, const struct table *t, uint64_t i,
				uint64_t salt)
{
	return hostile[h(g, t, i, salt) % NHOSTILE];
}

static int add(struct sif_strbuf *b, const char *s)
{
	return sif_strbuf_adds(b, s);
}

static int addf(struct sif_strbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int addf(struct sif_strbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return sif_strbuf_add(b, tmp, (size_t)n);
}

/* Sets and maps, built incrementally as SExpr.string_of writes them. */
static int set_add(struct sif_strbuf *b, bool *first, const char *s)
{
	if (!*first && sif_strbuf_addc(b, ' ') < 0)
		return -1;
	*first = false;
	return sif_sexpr_atom(b, s, strlen(s));
}

static int map_add(struct sif_strbuf *b, bool *first, const char *k, const char *v)
{
	if ((!*first && sif_strbuf_addc(b, ' ') < 0) || sif_strbuf_addc(b, '(') < 0 ||
	    sif_sexpr_atom(b, k, strlen(k)) < 0 || sif_strbuf_addc(b, ' ') < 0 ||
	    sif_sexpr_atom(b, v, strlen(v)) < 0 || sif_strbuf_addc(b, ')') < 0)
		return -1;
	*first = false;
	return 0;
}

/* A set of the refs of rows [from, to) of t stepping by `step`. */
static int ref_set(const struct gen *g, const struct table *t, uint64_t from, uint64_t to,
		   uint64_t step, struct sif_strbuf *b)
{
	bool first = true;
	char ref[64];
	uint64_t i;

	if (sif_strbuf_addc(b, '(') < 0)
		return -1;
	for (i = from; i < to && i < t->nrows; i += step) {
		make_ref(g, t, i, ref);
		if (set_add(b, &first, ref) < 0)
			return -1;
	}
	return sif_strbuf_addc(b, ')');
}

static int one_ref_set(const struct gen *g, const struct table *t, uint64_t i,
		       struct sif_strbuf *b)
{
	return ref_set(g, t, i, i + 1, 1, b);
}

static int put_ref(const struct gen *g, const struct table *t, uint64_t i,
		   struct sif_strbuf *b)
{
	char ref[64];

	if (!t || i >= t->nrows)
		return add(b, "OpaqueRef:NULL");
	make_ref(g, t, i, ref);
	return add(b, ref);
}

static int put_uuid(const struct gen *g, const struct table *t, uint64_t i,
		    struct sif_strbuf *b)
{
	char u[64];

	make_uuid(g, t, i, u);
	return add(b, u);
}

static int put_datetime(uint64_t x, struct sif_strbuf *b)
{
	/* Date.to_rfc3339 as xapi writes it: YYYYMMDDTHH:MM:SSZ */
	return addf(b, "20%02u%02u%02uT%02u:%02u:%02uZ", (unsigned)(x % 25),
		    (unsigned)(1 + (x >> 8) % 12), (unsigned)(1 + (x >> 12) % 28),
		    (unsigned)((x >> 20) % 24), (unsigned)((x >> 26) % 60),
		    (unsigned)((x >> 32) % 60));
}

static struct table *find_opt(struct gen *g, const char *name);

/* Elements whose values the type constrains (enums, refs), rather than strings. */
static bool typed_elems(const struct sif_xs_type *ty)
{
	return ty && (ty->kind == SIF_XS_ENUM || ty->kind == SIF_XS_REF);
}

/* Element k of a set or map of type ty, into out (false: none to give). */
static bool typed_elem(const struct gen *g, const struct sif_xs_type *ty, uint64_t k,
		       char out[64])
{
	struct table *t;

	switch (ty->kind) {
	case SIF_XS_ENUM:
		if (k >= ty->en->n)
			return false;
		snprintf(out, 64, "%s", ty->en->values[k]);
		return true;
	case SIF_XS_REF:
		t = find_opt((struct gen *)g, ty->target);
		if (!t || k >= t->nrows)
			return false;
		make_ref(g, t, k, out);
		return true;
	case SIF_XS_INT:
		snprintf(out, 64, "%u", (unsigned)k + 1);
		return true;
	default:
		snprintf(out, 64, "%s", k ? "second" : "first");
		return true;
	}
}

/* A set or map whose elements are enums or refs: valid ones, as xapi keeps them. */
static int typed_set_map(const struct gen *g, const struct table *t, const struct col *c,
			 uint64_t i, uint64_t x, struct sif_strbuf *b)
{
	bool first = true;
	char k[64], v[64];
	uint64_t e;

	(void)t;
	(void)i;
	if (sif_strbuf_addc(b, '(') < 0)
		return -1;
	for (e = 0; x % 4 == 1 && e < 2; e++) {
		if (!typed_elem(g, c->ty->a, e, k))
			break;
		if (c->ty->kind == SIF_XS_MAP) {
			if (!typed_elem(g, c->ty->b, e, v))
				break;
			if (map_add(b, &first, k, v) < 0)
				return -1;
		} else if (set_add(b, &first, k) < 0) {
			return -1;
		}
	}
	return sif_strbuf_addc(b, ')');
}

/* A value from the column's type alone. */
static int generic(const struct gen *g, const struct table *t, const struct col *c,
		   uint64_t i, struct sif_strbuf *b)
{
	uint64_t x = h(g, t, i, (uint64_t)(c - t->cols) + 100);
	bool first = true;

	switch (c->kind) {
	case 'i': return addf(b, "%" PRIu64, x % 5 ? x % 100000 : 0);
	case 'b': return add(b, x & 1 ? "true" : "false");
	case 'f': return add(b, x & 1 ? "1" : "0.25");
	case 'd': return x % 3 ? put_datetime(x, b) : add(b, "19700101T00:00:00Z");
	case 'r': return add(b, "OpaqueRef:NULL");
	case 'e':
		if (c->ty && c->ty->kind == SIF_XS_ENUM)
			return add(b, c->ty->en->values[0]);
		return sif_strbuf_add(b, c->enums, strcspn(c->enums, "|"));
	case 'S':
		if (c->ty && typed_elems(c->ty->a))
			return typed_set_map(g, t, c, i, x, b);
		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		if (x % 4 == 1 && (set_add(b, &first, "first") < 0 ||
				   set_add(b, &first, hostile_row(g, i) ?
					   pick_hostile(g, t, i, 5) : "second") < 0))
			return -1;
		return sif_strbuf_addc(b, ')');
	case 'M':
		if (c->ty && (typed_elems(c->ty->a) || typed_elems(c->ty->b)))
			return typed_set_map(g, t, c, i, x, b);
		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		if (x % 3 == 1 && map_add(b, &first, "key", "value") < 0)
			return -1;
		if (hostile_row(g, i) &&
		    map_add(b, &first, pick_hostile(g, t, i, 6)[0] ? pick_hostile(g, t, i, 6) : "k",
			    pick_hostile(g, t, i, 7)) < 0)
			return -1;
		return sif_strbuf_addc(b, ')');
	default:
		if (hostile_row(g, i) && x % 2)
			return add(b, pick_hostile(g, t, i, (uint64_t)(c - t->cols)));
		return x % 3 ? addf(b, "%s-%" PRIu64, c->name, x % 1000) : 0;
	}
}

/* --- the pool's structure ---------------------------------------------- */
/*
 * VDI i has role i % 20: 0 a suspend image (of VM i/4), 2 and 3 snapshots
 * of VDI i-1 and i-2, 19 a tools ISO, the rest disks.  VBD i belongs to VM
 * i/4 and plugs VDI i if that is a disk, else it is an empty CD drive.
 * VM k < hosts is host k's control domain; otherwise k%5 == 0 is Suspended
 * (suspend_VDI = VDI 4k), 1 and 2 Running, 23 a template, 24 a snapshot of
 * VM k-1.  SR j holds VDIs i with i % SRs == j; SRs below the host count are
 * local, the others shared.
 */
static unsigned vdi_role(uint64_t i)
{
	return (unsigned)(i % 20);
}

static bool vdi_is_disk(uint64_t i)
{
	unsigned r = vdi_role(i);

	return r != 0 && r != 2 && r != 3 && r != 19;
}

static bool vm_is_dom0(const struct gen *g, uint64_t k)
{
	return k < g->nhost;
}

static bool vm_suspended(const struct gen *g, uint64_t k)
{
	return !vm_is_dom0(g, k) && k % 5 == 0 && 4 * k < g->nvdi && vdi_role(4 * k) == 0;
}

static bool vm_running(const struct gen *g, uint64_t k)
{
	return vm_is_dom0(g, k) || (k % 25 != 23 && k % 25 != 24 && (k % 5 == 1 || k % 5 == 2));
}

static int vdi_value(struct gen *g, const struct col *c, uint64_t i, struct sif_strbuf *b)
{
	unsigned role = vdi_role(i);
	uint64_t x = h(g, g->vdi, i, 9);
	bool first = true;

	switch (c->id) {
	case C_VDI_SR: return put_ref(g, g->sr, i % g->nsr, b);
	case C_VDI_VBDS: return vdi_is_disk(i) ? one_ref_set(g, g->vbd, i, b) : add(b, "()");
	case C_VDI_TYPE: return add(b, role == 0 ? "suspend" : "user");
	case C_VDI_SNAP: return add(b, role == 2 || role == 3 ? "true" : "false");
	case C_VDI_SNAP_OF:
		if (role == 2 || role == 3)
			return put_ref(g, g->vdi, i - (role - 1), b);
		return add(b, "OpaqueRef:NULL");
	case C_VDI_SNAPS: return role == 1 ? ref_set(g, g->vdi, i + 1, i + 3, 1, b) : add(b, "()");
	case C_VDI_SNAP_TIME:
		return role == 2 || role == 3 ? put_datetime(x, b) : add(b, "19700101T00:00:00Z");
	case C_VDI_VSIZE:
		return addf(b, "%" PRIu64, role == 0 ? (uint64_t)4 << 30 : (x % 64 + 1) << 30);
	case C_VDI_PSIZE: return addf(b, "%" PRIu64, (x % 1000) << 20);
	case C_VDI_RO: return add(b, role == 19 || role == 2 || role == 3 ? "true" : "false");
	case C_VDI_TOOLS: return add(b, role == 19 ? "true" : "false");
	case C_VDI_MANAGED: return add(b, "true");
	case C_VDI_LOCATION: return put_uuid(g, g->vdi, i, b);
	case C_VDI_SM_CONFIG:
		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		if (role == 0) {
			char vm[64];

			make_uuid(g, g->vm, i / 4, vm);
			if (map_add(b, &first, "vmhint", vm) < 0 ||
			    map_add(b, &first, "initial_allocation", "5046796288") < 0)
				return -1;
		} else if (map_add(b, &first, "vdi_type", x & 1 ? "vhd" : "aio") < 0) {
			return -1;
		}
		return sif_strbuf_addc(b, ')');
	case C_VDI_XENSTORE:
		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		if (role == 4 && (map_add(b, &first, "scsi/0x12/0x80", "AIAAEjFiYmM= ") < 0 ||
				  map_add(b, &first, "vdi-uuid", "x") < 0))
			return -1;
		return sif_strbuf_addc(b, ')');
	case C_NAME_LABEL:
		if (hostile_row(g, i))
			return add(b, pick_hostile(g, g->vdi, i, 11));
		if (role == 0)
			return add(b, "Suspend image");
		return addf(b, "%s %" PRIu64, role == 19 ? "guest-tools.iso" : "disk", i);
	case C_VDI_SIF: {
		static const char *const v[] = { NULL, "structured", "raw" };
		const char *s = g->field == F_LEGACY ? "legacy" : v[i % 3];

		if (!s && g->field == F_MIXED_LEGACY)
			s = "legacy";
		return s ? add(b, s) : 1;   /* 1: no such attribute in this row */
	}
	default: return 2;
	}
}

static int vm_value(struct gen *g, const struct col *c, uint64_t k, struct sif_strbuf *b)
{
	uint64_t x = h(g, g->vm, k, 12);
	bool first = true;

	switch (c->id) {
	case C_VM_POWER:
		return add(b, vm_suspended(g, k) ? "Suspended" : vm_running(g, k) ? "Running" : "Halted");
	case C_VM_SUSPEND_VDI:
		return vm_suspended(g, k) ? put_ref(g, g->vdi, 4 * k, b) : add(b, "OpaqueRef:NULL");
	case C_VM_SUSPEND_SR:
		return vm_suspended(g, k) ? put_ref(g, g->sr, (4 * k) % g->nsr, b) :
			add(b, "OpaqueRef:NULL");
	case C_VM_RESIDENT:
		return vm_running(g, k) ? put_ref(g, g->host, vm_is_dom0(g, k) ? k : k % g->nhost, b) :
			add(b, "OpaqueRef:NULL");
	case C_VM_VBDS: return ref_set(g, g->vbd, 4 * k, 4 * k + 4, 1, b);
	case C_VM_CONTROL: return add(b, vm_is_dom0(g, k) ? "true" : "false");
	case C_VM_TEMPLATE: return add(b, !vm_is_dom0(g, k) && k % 25 == 23 ? "true" : "false");
	case C_VM_SNAP: return add(b, !vm_is_dom0(g, k) && k % 25 == 24 ? "true" : "false");
	case C_VM_SNAP_OF:
		return !vm_is_dom0(g, k) && k % 25 == 24 ? put_ref(g, g->vm, k - 1, b) :
			add(b, "OpaqueRef:NULL");
	case C_VM_SNAPS:
		return k % 25 == 23 && k + 1 < g->nvm ? one_ref_set(g, g->vm, k + 1, b) : add(b, "()");
	case C_VM_PLATFORM:
		if (sif_strbuf_addc(b, '(') < 0 || map_add(b, &first, "acpi", "1") < 0 ||
		    map_add(b, &first, "apic", "true") < 0 || map_add(b, &first, "nx", "true") < 0 ||
		    map_add(b, &first, "pae", "true") < 0 ||
		    map_add(b, &first, "viridian", x & 1 ? "true" : "false") < 0 ||
		    (hostile_row(g, k) && map_add(b, &first, "device-model", "qemu-upstream-compat") < 0))
			return -1;
		return sif_strbuf_addc(b, ')');
	case C_VM_MEM: return addf(b, "%" PRIu64, vm_is_dom0(g, k) ? (uint64_t)4 << 30 : (x % 16 + 1) << 30);
	case C_VM_VCPUS: return addf(b, "%" PRIu64, 1 + x % 8);
	case C_VM_DOMTYPE: return add(b, x % 4 ? "hvm" : "pv");
	case C_VM_HVM_POLICY: return add(b, x % 4 ? "BIOS order" : "");
	case C_VM_HVM_PARAMS:
		if (sif_strbuf_addc(b, '(') < 0 || (x % 4 && map_add(b, &first, "order", "dc") < 0))
			return -1;
		return sif_strbuf_addc(b, ')');
	case C_VM_LAST_BOOTED:
		if (!vm_running(g, k) && !vm_suspended(g, k))
			return 0;
		/* xapi keeps a whole record here: long, quoted, full of spaces */
		return addf(b, "('%" PRIu64 "' ('uuid' '%016" PRIx64 "') ('name_label' 'vm %" PRIu64
			    "') ('power_state' 'Running') ('memory_static_max' '%" PRIu64
			    "') ('platform' (('acpi' '1') ('apic' 'true') ('nx' 'true'))) "
			    "('other_config' (('base_template_name' 'Debian Bookworm 12') "
			    "('install-methods' 'cdrom,nfs,http,ftp') ('mac_seed' '%08" PRIx64
			    "'))) ('PV_args' '') ('HVM_boot_params' (('order' 'dc'))))",
			    k, x, k, (x % 16 + 1) << 30, x >> 32);
	case C_VM_METRICS: return put_ref(g, g->vm_metrics, k, b);
	case C_VM_GUEST_METRICS:
		return vm_running(g, k) ? put_ref(g, g->vm_guest_metrics, k / 2, b) :
			add(b, "OpaqueRef:NULL");
	case C_VM_DOMID: return addf(b, "%" PRId64, vm_running(g, k) ? (int64_t)(k % 32000) : -1);
	case C_VM_DOMARCH: return add(b, vm_running(g, k) ? "x64" : "");
	case C_VM_VIFS: return one_ref_set(g, g->vif, k, b);
	case C_VM_CONSOLES: return one_ref_set(g, g->console, k, b);
	case C_VM_PV_ARGS: return add(b, x % 4 ? "" : "console=hvc0 root=/dev/xvda1  quiet");
	case C_NAME_LABEL:
		if (hostile_row(g, k))
			return add(b, pick_hostile(g, g->vm, k, 13));
		return vm_is_dom0(g, k) ? addf(b, "Control domain on host: host%" PRIu64, k) :
			addf(b, "vm %" PRIu64, k);
	default: return 2;
	}
}

static int vbd_value(struct gen *g, const struct col *c, uint64_t i, struct sif_strbuf *b)
{
	bool disk = vdi_is_disk(i);

	switch (c->id) {
	case C_VBD_VM: return put_ref(g, g->vm, i / 4, b);
	case C_VBD_VDI: return disk ? put_ref(g, g->vdi, i, b) : add(b, "OpaqueRef:NULL");
	case C_VBD_TYPE: return add(b, disk ? "Disk" : "CD");
	case C_VBD_MODE: return add(b, disk ? "RW" : "RO");
	case C_VBD_EMPTY: return add(b, disk ? "false" : "true");
	case C_VBD_DEVICE: return vm_running(g, i / 4) ? addf(b, "xvd%c", (int)('a' + i % 4)) : 0;
	case C_VBD_USERDEVICE: return addf(b, "%" PRIu64, i % 4);
	case C_VBD_ATTACHED: return add(b, vm_running(g, i / 4) ? "true" : "false");
	case C_VBD_BOOTABLE: return add(b, i % 4 == 0 ? "true" : "false");
	default: return 2;
	}
}

static int sr_value(struct gen *g, const struct col *c, uint64_t j, struct sif_strbuf *b)
{
	bool local = j < g->nhost;

	switch (c->id) {
	case C_SR_VDIS: return ref_set(g, g->vdi, j, g->nvdi, g->nsr, b);
	case C_SR_TYPE: return add(b, local ? "ext" : j % 2 ? "nfs" : "lvmoiscsi");
	case C_SR_SHARED: return add(b, local ? "false" : "true");
	case C_SR_CONTENT: return add(b, local ? "user" : "");
	case C_SR_PBDS:
		if (local)
			return ref_set(g, g->pbd, j, j + 1, 1, b);
		return ref_set(g, g->pbd, g->nhost + (j - g->nhost) * g->nhost,
			       g->nhost + (j - g->nhost + 1) * g->nhost, 1, b);
	case C_NAME_LABEL:
		return local ? addf(b, "Local storage on host%" PRIu64, j) : addf(b, "Shared SR %" PRIu64, j);
	default: return 2;
	}
}

/* PBD p: the first `hosts` are the local SRs' (p -> host p, SR p), then each
 * shared SR has one per host. */
static int pbd_value(struct gen *g, const struct col *c, uint64_t p, struct sif_strbuf *b)
{
	uint64_t host = p < g->nhost ? p : (p - g->nhost) % g->nhost;
	uint64_t sr = p < g->nhost ? p : g->nhost + (p - g->nhost) / g->nhost;

	switch (c->id) {
	case C_PBD_HOST: return put_ref(g, g->host, host, b);
	case C_PBD_SR: return put_ref(g, g->sr, sr, b);
	default: return 2;
	}
}

static int host_value(struct gen *g, const struct col *c, uint64_t j, struct sif_strbuf *b)
{
	bool first = true;
	uint64_t k;

	switch (c->id) {
	case C_HOST_RESIDENT:
		/* dom0 (VM j) and the running VMs placed on host j */
		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		for (k = 0; k < g->nvm; k += k < g->nhost ? 1 : 1) {
			char ref[64];

			if (!vm_running(g, k) || (vm_is_dom0(g, k) ? k : k % g->nhost) != j)
				continue;
			make_ref(g, g->vm, k, ref);
			if (set_add(b, &first, ref) < 0)
				return -1;
		}
		return sif_strbuf_addc(b, ')');
	case C_HOST_SOFTWARE:
		if (sif_strbuf_addc(b, '(') < 0 ||
		    map_add(b, &first, "product_version", j % 2 ? "8.4.0" : "7.1.2") < 0 ||
		    map_add(b, &first, "xapi", j % 2 ? "25.6" : "1.20") < 0 ||
		    map_add(b, &first, "xen", j % 2 ? "4.17.4-3" : "4.13.5-9.38") < 0 ||
		    map_add(b, &first, "date", "2024-05-01") < 0)
			return -1;
		return sif_strbuf_addc(b, ')');
	case C_HOST_API_MAJOR: return add(b, "2");
	case C_HOST_API_MINOR: return add(b, j % 2 ? "21" : "16");
	case C_HOST_CONTROL: return put_ref(g, g->vm, j, b);
	case C_HOST_PBDS: {
		uint64_t s;

		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		for (s = 0; s < g->pbd->nrows; s++) {
			char ref[64];
			uint64_t host = s < g->nhost ? s : (s - g->nhost) % g->nhost;

			if (host != j)
				continue;
			make_ref(g, g->pbd, s, ref);
			if (set_add(b, &first, ref) < 0)
				return -1;
		}
		return sif_strbuf_addc(b, ')');
	}
	case C_HOST_METRICS: return put_ref(g, g->host_metrics, j, b);
	case C_HOST_ADDRESS: return addf(b, "10.0.%u.%u", (unsigned)(j / 250), (unsigned)(j % 250 + 1));
	case C_HOST_HOSTNAME: case C_NAME_LABEL: return addf(b, "host%" PRIu64, j);
	default: return 2;
	}
}

static int pool_value(struct gen *g, const struct col *c, uint64_t i, struct sif_strbuf *b)
{
	(void)i;
	switch (c->id) {
	case C_POOL_MASTER: return put_ref(g, g->host, 0, b);
	case C_POOL_DEFAULT_SR: case C_POOL_SUSPEND_SR: return put_ref(g, g->sr, g->nhost, b);
	default: return 2;
	}
}

/* Fill b with the value of column c of row i; 1 if the row has no such column. */
static int value(struct gen *g, struct table *t, const struct col *c, uint64_t i,
		 struct sif_strbuf *b)
{
	int rc = 2;

	if (t == g->vdi)
		rc = vdi_value(g, c, i, b);
	else if (t == g->vm)
		rc = vm_value(g, c, i, b);
	else if (t == g->vbd)
		rc = vbd_value(g, c, i, b);
	else if (t == g->sr)
		rc = sr_value(g, c, i, b);
	else if (t == g->host)
		rc = host_value(g, c, i, b);
	else if (t == g->pool)
		rc = pool_value(g, c, i, b);
	else if (t == g->pbd)
		rc = pbd_value(g, c, i, b);
	if (rc != 2)
		return rc;
	switch (c->id) {
	case C_UUID: return put_uuid(g, t, i, b);
	case C_PER_VM: return put_ref(g, g->vm, i, b);
	case C_PER_HOST: return put_ref(g, g->host, i % g->nhost, b);
	case C_OTHER_CONFIG: {
		bool first = true;

		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		if (i % 3 == 0 && map_add(b, &first, "XenCenter.CustomFields.owner", "ops team") < 0)
			return -1;
		if (hostile_row(g, i) &&
		    (map_add(b, &first, "it's", "a \"map\" with \\ and 'quotes'") < 0 ||
		     map_add(b, &first, pick_hostile(g, t, i, 14)[0] ?
			     pick_hostile(g, t, i, 14) : "empty-value", "") < 0))
			return -1;
		return sif_strbuf_addc(b, ')');
	}
	case C_TAGS: {
		bool first = true;

		if (sif_strbuf_addc(b, '(') < 0)
			return -1;
		if (i % 5 == 0 && set_add(b, &first, "production") < 0)
			return -1;
		if (hostile_row(g, i) && set_add(b, &first, pick_hostile(g, t, i, 15)) < 0)
			return -1;
		return sif_strbuf_addc(b, ')');
	}
	case C_NAME_LABEL:
		if (hostile_row(g, i))
			return add(b, pick_hostile(g, t, i, 16));
		return addf(b, "%s %" PRIu64, t->def->name, i);
	case C_NAME_DESC:
		return i % 4 ? 0 : add(b, hostile_row(g, i) ? pick_hostile(g, t, i, 17) :
				       "Created by XenCenter");
	default:
		return generic(g, t, c, i, b);
	}
}

/* --- tables ------------------------------------------------------------ */

static int cmp_col(const void *a, const void *b)
{
	return strcmp(((const struct col *)a)->name, ((const struct col *)b)->name);
}

static enum col_id lookup_id(const char *table, const char *column)
{
	size_t i;

	for (i = 0; i < sizeof(colmap) / sizeof(colmap[0]); i++)
		if ((!strcmp(colmap[i].table, table)) && !strcmp(colmap[i].column, column))
			return colmap[i].id;
	for (i = 0; i < sizeof(colmap) / sizeof(colmap[0]); i++)
		if (!strcmp(colmap[i].table, "*") && !strcmp(colmap[i].column, column))
			return colmap[i].id;
	return C_GENERIC;
}

static void add_col(struct table *t, const char *name, size_t len, char kind,
		    const char *enums, size_t enums_len)
{
	struct col *c = &t->cols[t->ncols++];

	if (t->ncols > MAX_COLS || len >= sizeof(c->name)) {
		fprintf(stderr, "gen_statedb: table %s: too many or too long columns\n",
			t->def->name);
		exit(1);
	}
	memcpy(c->name, name, len);
	c->name[len] = '\0';
	c->kind = kind;
	c->enums = enums;
	c->enums_len = enums_len;
	c->id = lookup_id(t->def->name, c->name);
}

static void parse_cols(struct table *t, bool with_sif)
{
	const char *p = t->def->cols;

	add_col(t, "_ref", 4, 's', NULL, 0);
	while (*p) {
		const char *colon = strchr(p, ':'), *end = strchr(p, ' ');

		if (!colon || !end) {
			fprintf(stderr, "gen_statedb: bad schema entry in %s\n", t->def->name);
			exit(1);
		}
		add_col(t, p, (size_t)(colon - p), colon[1],
			colon[1] == 'e' ? colon + 3 : NULL,
			colon[1] == 'e' ? (size_t)(end - colon - 3) : 0);
		p = end + 1;
	}
	if (with_sif)
		add_col(t, "suspend_image_format", 20, 'e', "legacy|structured|raw", 21);
	qsort(t->cols, (size_t)t->ncols, sizeof(t->cols[0]), cmp_col);
}

static struct table *find_opt(struct gen *g, const char *name)
{
	size_t i;

	for (i = 0; i < NTABLES; i++)
		if (!strcmp(g->tables[i].def->name, name))
			return &g->tables[i];
	return NULL;
}

static struct table *find(struct gen *g, const char *name)
{
	size_t i;

	for (i = 0; i < NTABLES; i++)
		if (!strcmp(g->tables[i].def->name, name))
			return &g->tables[i];
	fprintf(stderr, "gen_statedb: no table %s in the schema\n", name);
	exit(1);
}

static void setup(struct gen *g)
{
	size_t i;

	g->nvm = (g->nvdi + 3) / 4;
	g->nvbd = g->nvdi;
	g->nhost = 1 + g->nvdi / 4000;
	if (g->nhost > 64)
		g->nhost = 64;
	g->nsr = g->nhost + 2 + g->nvdi / 1000;
	for (i = 0; i < NTABLES; i++) {
		struct table *t = &g->tables[i];

		t->def = &xapi_tables[i];
		t->ord = (unsigned)i;
		parse_cols(t, g->field != F_NONE && !strcmp(t->def->name, "VDI"));
		{
			const struct sif_xs_table *xt = sif_xapi_schema_table(g->schema,
									     t->def->name);

			for (int c = 0; xt && c < t->ncols; c++) {
				const struct sif_xs_column *xc =
					sif_xapi_schema_column(xt, t->cols[c].name);

				t->cols[c].ty = xc ? xc->type : NULL;
			}
		}
		/* some tables the registry does not model: a few rows, or none */
		t->nrows = !t->def->persist ? 0 : i % 3 == 0 ? 0 : 2;
	}
	g->vdi = find(g, "VDI");
	g->vm = find(g, "VM");
	g->vbd = find(g, "VBD");
	g->sr = find(g, "SR");
	g->host = find(g, "host");
	g->pool = find(g, "pool");
	g->pbd = find(g, "PBD");
	g->vm_metrics = find(g, "VM_metrics");
	g->vm_guest_metrics = find(g, "VM_guest_metrics");
	g->host_metrics = find(g, "host_metrics");
	g->vif = find(g, "VIF");
	g->console = find(g, "console");
	g->vdi->nrows = g->nvdi;
	g->vm->nrows = g->nvm;
	g->vbd->nrows = g->nvbd;
	g->sr->nrows = g->nsr;
	g->host->nrows = g->nhost;
	g->pool->nrows = 1;
	g->pbd->nrows = g->nhost + (g->nsr - g->nhost) * g->nhost;
	g->vm_metrics->nrows = g->nvm;
	g->vm_guest_metrics->nrows = (g->nvm + 1) / 2;
	g->host_metrics->nrows = g->nhost;
	g->vif->nrows = g->nvm;
	g->console->nrows = g->nvm;
	find(g, "host_cpu")->nrows = 4 * g->nhost;
	find(g, "PIF")->nrows = 2 * g->nhost;
	find(g, "PIF_metrics")->nrows = 2 * g->nhost;
	find(g, "network")->nrows = 3;
	find(g, "SM")->nrows = 6;
	find(g, "Certificate")->nrows = g->nhost;
	find(g, "VM_appliance")->nrows = 0;
}

static int write_table(struct gen *g, struct table *t, struct sif_statedb_writer *w,
		       struct sif_err *err)
{
	struct sif_statedb_attr attrs[MAX_COLS + 3];
	uint64_t i;
	int c;

	if (sif_statedb_write_table_begin(w, t->def->name, err) < 0)
		return -1;
	for (i = 0; i < t->nrows; i++) {
		uint64_t ct = 1 + h(g, t, i, 20) % 100000, mt = ct + h(g, t, i, 21) % 1000;
		size_t n = 0;

		make_ref(g, t, i, g->refbuf[0]);
		snprintf(g->refbuf[1], 64, "%" PRIu64, ct);
		snprintf(g->refbuf[2], 64, "%" PRIu64, mt);
		attrs[n++] = (struct sif_statedb_attr){ "ref", g->refbuf[0], strlen(g->refbuf[0]) };
		attrs[n++] = (struct sif_statedb_attr){ "__ctime", g->refbuf[1], strlen(g->refbuf[1]) };
		attrs[n++] = (struct sif_statedb_attr){ "__mtime", g->refbuf[2], strlen(g->refbuf[2]) };
		for (c = 0; c < t->ncols; c++) {
			struct sif_strbuf *b = &g->vals[c];
			int rc;

			sif_strbuf_reset(b);
			rc = t->cols[c].id == C_REF_COPY ? add(b, g->refbuf[0]) :
				value(g, t, &t->cols[c], i, b);
			if (rc < 0)
				return sif_errf(err, SIF_ENOMEM, "out of memory");
			if (rc == 1)
				continue;
			attrs[n++] = (struct sif_statedb_attr){ t->cols[c].name, b->p ? b->p : "", b->len };
		}
		if (sif_statedb_write_row(w, attrs, n, err) < 0)
			return -1;
	}
	return sif_statedb_write_table_end(w, err);
}

static void usage(void)
{
	fputs("usage: gen_statedb [--vdis N] [--seed S] "
	      "[--field none|legacy|mixed|mixed-legacy] [--no-hostile] [-o FILE]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct gen g = { .seed = 1, .nvdi = 10, .hostile = true };
	char gen_count[32];
	struct sif_statedb_attr pairs[3] = {
		{ "schema_major_vsn", "5", 1 }, { "schema_minor_vsn", "909", 3 },
		{ "generation_count", gen_count, 0 },
	};
	struct sif_statedb_writer *w = NULL;
	struct sif_err err = { 0 };
	const char *out = NULL;
	int i, fd = 1;
	size_t t;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--vdis") && i + 1 < argc) {
			g.nvdi = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--seed") && i + 1 < argc) {
			g.seed = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--field") && i + 1 < argc) {
			const char *m = argv[++i];

			g.field = !strcmp(m, "none") ? F_NONE : !strcmp(m, "legacy") ? F_LEGACY :
				!strcmp(m, "mixed") ? F_MIXED : !strcmp(m, "mixed-legacy") ?
				F_MIXED_LEGACY : (usage(), F_NONE);
		} else if (!strcmp(a, "--no-hostile")) {
			g.hostile = false;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			out = argv[++i];
		} else {
			usage();
		}
	}
	if (g.nvdi < 1 || g.nvdi > 100000000)
		usage();
	if (sif_xapi_schema_builtin(&g.schema, 5, 909, &err) < 0) {
		fprintf(stderr, "gen_statedb: %s\n", err.msg);
		return 1;
	}
	setup(&g);
	snprintf(gen_count, sizeof(gen_count), "%" PRIu64, 100000 + g.nvdi * 3);
	pairs[2].len = strlen(gen_count);
	if (out && (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		fprintf(stderr, "gen_statedb: %s: %s\n", out, strerror(errno));
		return 1;
	}
	if (sif_statedb_writer_new(&w, fd, out ? out : "stdout", &err) < 0 ||
	    sif_statedb_write_begin(w, pairs, 3, &err) < 0)
		goto fail;
	for (t = 0; t < NTABLES; t++)
		if (write_table(&g, &g.tables[t], w, &err) < 0)
			goto fail;
	if (sif_statedb_write_end(w, &err) < 0)
		goto fail;
	sif_statedb_writer_free(w);
	if (out && close(fd) < 0) {
		fprintf(stderr, "gen_statedb: %s: %s\n", out, strerror(errno));
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "gen_statedb: %s\n", err.msg);
	sif_statedb_writer_free(w);
	return 1;
}
