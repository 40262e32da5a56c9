/*
 * convert-legacy-stream's messages (see legacy_log.h).  The --verbose
 * lines are Xen 4.17's script's info() lines with its spacing and number
 * formats (Python's "%x" and reprs of bytes and lists), so a log scraper
 * written for the script reads ours.  One difference: with --format libxl
 * the script also prints the decoded physmap of a toolstack chunk; the
 * observer sees lengths only (the converter consumed the payload) and
 * prints the chunk's size line alone.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "legacy_log.h"
#include "sif/strbuf.h"

void legacy_log_open(struct legacy_log *l, bool to_syslog, bool verbose)
{
	memset(l, 0, sizeof(*l));
	l->sl.fd = -1;
	l->verbose = verbose;
	l->to_syslog = to_syslog;
	if (to_syslog)
		cli_syslog_open(&l->sl, LEGACY_LOG_IDENT);
}

void legacy_log_close(struct legacy_log *l)
{
	if (l->to_syslog)
		cli_syslog_close(&l->sl);
	fflush(stdout);
}

static void vsay(struct legacy_log *l, int level, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	if (l->to_syslog)
		cli_syslog_line(&l->sl, level, msg);
	if (level == LOG_ERR)
		fprintf(stderr, "%s: %s\n", LEGACY_LOG_IDENT, msg);
	else if (!l->to_syslog)
		printf("%s\n", msg);
	free(msg);
}

void legacy_log_info(struct legacy_log *l, const char *fmt, ...)
{
	va_list ap;

	if (!l->verbose)
		return;
	va_start(ap, fmt);
	vsay(l, LOG_INFO, fmt, ap);
	va_end(ap);
}

void legacy_log_error(struct legacy_log *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(l, LOG_ERR, fmt, ap);
	va_end(ap);
}

/* --- the observer: one handler per line of the script ------------------- */

#define LOG(ctx, ...) legacy_log_info((struct legacy_log *)(ctx), __VA_ARGS__)

static int on_begin(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	(void)err;
	if (((struct legacy_log *)ctx)->xl)
		LOG(ctx, "Processed xl header");
	LOG(ctx, "P2M Size: 0x%" PRIx64, in->p2m_size);
	return 0;
}

static int on_ext_info(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	(void)err;
	LOG(ctx, "Extended Info: length 0x%" PRIx32, in->ext_total);
	return 0;
}

/* Python's repr() of a 4-byte bytes object: b'vcpu' */
static void bytes_repr(const char id[4], char out[24])
{
	int n = sprintf(out, "b'");

	for (int i = 0; i < 4; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c == '\\' || c == '\'')
			n += sprintf(out + n, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			out[n++] = (char)c;
		else
			n += sprintf(out + n, "\\x%02x", c);
	}
	sprintf(out + n, "'");
}

static int on_ext_block(void *ctx, const struct sif_v1_info *in, const char id[4],
			uint32_t size, struct sif_err *err)
{
	char shown[24];

	(void)err;
	bytes_repr(id, shown);
	LOG(ctx, "  Record type: %s, size 0x%" PRIx32, shown, size);
	if (!memcmp(id, "vcpu", 4))
		LOG(ctx, "    %ubit domain, %u levels", in->guest_width * 8, in->levels);
	else if (!memcmp(id, "xcnt", 4))
		LOG(ctx, "xcnt sz 0x%" PRIx32, in->xsave_len);
	return 0;
}

static int on_p2m_frames(void *ctx, const struct sif_v1_info *in,
			 struct sif_v1_payload *p, struct sif_err *err)
{
	(void)p; (void)err;
	LOG(ctx, "P2M frames: fpp %u, p2m_frame_len %" PRIu64,
	    SIF_V1_PAGE_SIZE / in->guest_width, in->p2m_frames);
	return 0;
}

static int on_chunk(void *ctx, const struct sif_v1_info *in, int32_t id, struct sif_err *err)
{
	(void)in; (void)err;
	LOG(ctx, "Chunk: %" PRId32 " - %s", id, id == 0 ? "end" : sif_v1_chunk_name(id));
	return 0;
}

static int on_chunks_end(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	(void)in; (void)err;
	LOG(ctx, "  End");
	return 0;
}

static int on_marker(void *ctx, const struct sif_v1_info *in, int32_t id, struct sif_err *err)
{
	(void)in; (void)err;
	if (id == SIF_V1_CHUNK_VERIFY_MODE)
		LOG(ctx, "This is a debug stream");
	else if (id == SIF_V1_CHUNK_LAST_CHECKPOINT)
		LOG(ctx, "  Last Checkpoint");
	return 0;
}

static int on_vcpu_info(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	struct sif_strbuf map = SIF_STRBUF_INIT;
	char num[16];

	(void)err;
	for (int32_t id = 0; id <= in->max_vcpu_id; id++) {
		if (!(in->vcpu_online[id / 64] >> (id % 64) & 1))
			continue;
		snprintf(num, sizeof(num), "%s%d", map.len ? ", " : "", id);
		if (sif_strbuf_adds(&map, num) < 0)
			break;
	}
	LOG(ctx, "  Vcpu info: max_id %d, online map [%s]", in->max_vcpu_id, map.p ? map.p : "");
	sif_strbuf_free(&map);
	return 0;
}

static int on_hvm_param(void *ctx, const struct sif_v1_info *in,
			const struct sif_v1_hvm_param *hp, struct sif_err *err)
{
	static const char *const what[] = {
		[3] = "EPT Identity Pagetable", [4] = "VM86 TSS", [8] = "Console pfn",
		[10] = "ACPI ioport location", [11] = "Viridian location",
		[14] = "Generation ID Address", [15] = "Paging ring pfn",
		[16] = "Monitor ring pfn", [17] = "Sharing ring pfn", [19] = "IOREQ server pfn",
	};

	(void)in; (void)err;
	if (hp->chunk == SIF_V1_CHUNK_HVM_NR_IOREQ_SERVER_PAGES)
		LOG(ctx, "  IOREQ server pages: %" PRIu64, hp->value);
	else if (-hp->chunk > 0 && -hp->chunk < (int32_t)(sizeof(what) / sizeof(what[0])) &&
		 what[-hp->chunk])
		LOG(ctx, "  %s: 0x%" PRIx64, what[-hp->chunk], hp->value);
	return 0;
}

static int on_tsc(void *ctx, const struct sif_v1_info *in, const struct sif_v1_tsc *t,
		  struct sif_err *err)
{
	(void)in; (void)err;
	LOG(ctx, "  X86_TSC_INFO: mode %" PRIu32 ", %" PRIu64 " ns, %" PRIu32 " khz, %" PRIu32
	    " incarn", t->mode, t->nsec, t->khz, t->incarnation);
	return 0;
}

static int on_toolstack(void *ctx, const struct sif_v1_info *in,
			struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)err;
	LOG(ctx, "  Toolstack Data: sz 0x%" PRIx64, p->len);
	if (!((struct legacy_log *)ctx)->libxl)
		LOG(ctx, "    Discarding");
	return 0;
}

static int on_unmapped(void *ctx, const struct sif_v1_info *in, struct sif_err *err)
{
	(void)err;
	if (in->unmapped_pfns)
		LOG(ctx, "discarding %" PRIu32 " bogus 'unmapped pfns'", in->unmapped_pfns);
	return 0;
}

static int on_vcpu_basic(void *ctx, const struct sif_v1_info *in, uint32_t id,
			 struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)id; (void)err;
	LOG(ctx, "Got VCPU basic (size 0x%" PRIx64 ")", p->len);
	return 0;
}

static int on_vcpu_ext(void *ctx, const struct sif_v1_info *in, uint32_t id,
		       struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)id; (void)err;
	LOG(ctx, "Got VCPU extd (size 0x%" PRIx64 ")", p->len);
	return 0;
}

static int on_vcpu_xsave(void *ctx, const struct sif_v1_info *in, uint32_t id, uint64_t mask,
			 struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)id; (void)err;
	LOG(ctx, "Got VCPU xsave (mask 0x%" PRIx64 ", size 0x%" PRIx64 ")", mask, p->len);
	return 0;
}

static int on_shared_info(void *ctx, const struct sif_v1_info *in,
			  struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)p; (void)err;
	LOG(ctx, "Got shinfo");
	return 0;
}

static int on_magic_pfns(void *ctx, const struct sif_v1_info *in, const uint64_t pfns[3],
			 struct sif_err *err)
{
	(void)in; (void)err;
	LOG(ctx, "Magic pfns: 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64, pfns[0], pfns[1], pfns[2]);
	return 0;
}

static int on_hvm_context(void *ctx, const struct sif_v1_info *in,
			  struct sif_v1_payload *p, struct sif_err *err)
{
	(void)in; (void)err;
	LOG(ctx, "Got HVM Context (0x%" PRIx64 " bytes)", p->len);
	return 0;
}

static int on_qemu(void *ctx, const struct sif_v1_info *in, struct sif_v1_payload *p,
		   struct sif_err *err)
{
	(void)in; (void)p; (void)err;
	LOG(ctx, "Qemu signature: b'" SIF_V1_QEMU_SIG "'");
	return 0;
}

const struct sif_v1_ops legacy_log_verbose_ops = {
	.begin = on_begin,
	.ext_info = on_ext_info,
	.ext_block = on_ext_block,
	.p2m_frames = on_p2m_frames,
	.chunk = on_chunk,
	.chunks_end = on_chunks_end,
	.marker = on_marker,
	.vcpu_info = on_vcpu_info,
	.hvm_param = on_hvm_param,
	.tsc_info = on_tsc,
	.toolstack = on_toolstack,
	.pv_unmapped = on_unmapped,
	.vcpu_basic = on_vcpu_basic,
	.vcpu_extended = on_vcpu_ext,
	.vcpu_xsave = on_vcpu_xsave,
	.shared_info = on_shared_info,
	.hvm_magic_pfns = on_magic_pfns,
	.hvm_context = on_hvm_context,
	.qemu = on_qemu,
};
