/*
 * convert-legacy-stream: a drop-in for Xen's script of that name, as
 * xenopsd runs it to restore a legacy suspend image:
 *
 *   convert-legacy-stream --in FD --out FD --width 32 --skip-qemu
 *                         --guest-type pv|hvm --syslog --verbose
 *
 * The same options (optparse's rules: short and long forms, unique long
 * prefixes, -iFD, --in=FD), the same exit statuses (0; 1 for a missing
 * required option, a bad stream or an I/O error; 2 for a chunk no v2
 * stream can carry and for a usage error) and the same messages on the
 * same channels (legacy_log.c).  Where it differs, on purpose: the input
 * is read exactly to the end of the libxc stream and no further, so that
 * xenopsd reads the HVM qemu record from the same fd next (the script's
 * buffered reads swallow it); bytes after the stream are not an error;
 * an output path is replaced only by a complete stream.
 *
 * Reached as `sif convert-legacy-stream ...` or through a link named
 * convert-legacy-stream (sif.c dispatches on argv[0]); `make install` puts
 * one in $PREFIX/libexec/sif/ for xenopsd.conf's convert-legacy-stream=.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "legacy_log.h"
#include "output.h"
#include "sif/convert.h"

/* --- options, as optparse parses them ----------------------------------- */

enum { O_IN, O_OUT, O_WIDTH, O_GUEST, O_FORMAT, O_VERBOSE, O_XL, O_SKIP_QEMU, O_SYSLOG,
       O_HELP, O_VERSION, O_COUNT };

struct lopt {
	char short_name;        /* 0: long only */
	const char *long_name;
	const char *metavar;    /* NULL: a flag */
	const char *const *choices;
	const char *help;
};

static const char *const width_choices[] = { "32", "64", NULL };
static const char *const guest_choices[] = { "pv", "hvm", NULL };
static const char *const format_choices[] = { "libxc", "libxl", NULL };

static const struct lopt lopts[O_COUNT] = {
	[O_VERSION] = { 0, "version", NULL, NULL, "show program's version number and exit" },
	[O_HELP] = { 'h', "help", NULL, NULL, "show this help message and exit" },
	[O_IN] = { 'i', "in", "<FD or FILE>", NULL, "Legacy input to convert" },
	[O_OUT] = { 'o', "out", "<FD or FILE>", NULL, "v2 (or later) format output" },
	[O_WIDTH] = { 'w', "width", "<32/64>", width_choices, "Legacy toolstack bitness" },
	[O_GUEST] = { 'g', "guest-type", "<pv/hvm>", guest_choices, "Type of guest in stream" },
	[O_FORMAT] = { 'f', "format", "<libxc|libxl>", format_choices,
		       "Desired format of the outgoing stream (defaults to libxc)" },
	[O_VERBOSE] = { 'v', "verbose", NULL, NULL, "Summarise stream contents" },
	[O_XL] = { 'x', "xl", NULL, NULL, "Is an `xl` header present in the stream? (default no)" },
	[O_SKIP_QEMU] = { 0, "skip-qemu", NULL, NULL, "Skip processing of the qemu tail? (default no)" },
	[O_SYSLOG] = { 0, "syslog", NULL, NULL, "Log to syslog instead of stdout" },
};

/* The order of the script's help. */
static const int help_order[] = { O_VERSION, O_HELP, O_IN, O_OUT, O_WIDTH, O_GUEST, O_FORMAT,
				  O_VERBOSE, O_XL, O_SKIP_QEMU, O_SYSLOG };

struct parsed {
	const char *prog;
	const char *val[O_COUNT];   /* NULL, "" for a flag, or the value */
};

static void usage_line(const struct parsed *p, FILE *to)
{
	fprintf(to, "Usage: %s [options] -i INPUT -o OUTPUT -w WIDTH -g GUEST\n", p->prog);
}

/* optparse's layout: help from column 24, wrapped at 78. */
static void help_text(const char *text, FILE *to)
{
	size_t col = 0;

	while (*text) {
		size_t w = strcspn(text, " ");

		if (col && col + 1 + w > 54) {
			fprintf(to, "\n%24s", "");
			col = 0;
		} else if (col) {
			fputc(' ', to);
			col++;
		}
		fprintf(to, "%.*s", (int)w, text);
		col += w;
		text += w;
		text += strspn(text, " ");
	}
	fputc('\n', to);
}

static void print_help(const struct parsed *p, FILE *to)
{
	usage_line(p, to);
	fputs("\nConvert a legacy stream to a v2 (or later) stream\n"
	      "(sif's drop-in for Xen's convert-legacy-stream: reads exactly to the end of\n"
	      "the libxc stream, so the caller reads on from the same fd)\n\nOptions:\n", to);
	for (size_t i = 0; i < sizeof(help_order) / sizeof(help_order[0]); i++) {
		const struct lopt *o = &lopts[help_order[i]];
		char head[96];
		int n = 0;

		if (o->short_name)
			n += snprintf(head + n, sizeof(head) - (size_t)n, "-%c%s%s, ", o->short_name,
				      o->metavar ? " " : "", o->metavar ? o->metavar : "");
		snprintf(head + n, sizeof(head) - (size_t)n, "--%s%s%s", o->long_name,
			 o->metavar ? "=" : "", o->metavar ? o->metavar : "");
		if (strlen(head) <= 20)
			fprintf(to, "  %-20s  ", head);
		else
			fprintf(to, "  %s\n%24s", head, "");
		help_text(o->help, to);
	}
}

static int usage_error(const struct parsed *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int usage_error(const struct parsed *p, const char *fmt, ...)
{
	va_list ap;

	usage_line(p, stderr);
	fprintf(stderr, "\n%s: error: ", p->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* A long name or a unique prefix of one (optparse's abbreviations). */
static int match_long(const struct parsed *p, const char *name, size_t len, int *which)
{
	int found = -1, hits = 0;
	char list[256] = "";

	for (int i = 0; i < O_COUNT; i++) {
		if (strncmp(lopts[i].long_name, name, len))
			continue;
		if (strlen(lopts[i].long_name) == len) {
			*which = i;
			return EXIT_OK;
		}
		found = i;
		hits++;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s--%s",
			 hits > 1 ? ", " : "", lopts[i].long_name);
	}
	if (hits == 1) {
		*which = found;
		return EXIT_OK;
	}
	if (hits > 1)
		return usage_error(p, "ambiguous option: --%.*s (%s?)", (int)len, name, list);
	return usage_error(p, "no such option: --%.*s", (int)len, name);
}

static int match_short(char c)
{
	for (int i = 0; i < O_COUNT; i++)
		if (lopts[i].short_name && lopts[i].short_name == c)
			return i;
	return -1;
}

/* Store a value, checking choices; `shown` is the option as the user wrote it. */
static int take(struct parsed *p, int which, const char *shown, const char *value)
{
	const struct lopt *o = &lopts[which];

	if (o->choices) {
		size_t i;

		for (i = 0; o->choices[i] && strcmp(o->choices[i], value); i++)
			;
		if (!o->choices[i]) {
			char list[64] = "";

			for (i = 0; o->choices[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s'%s'",
					 i ? ", " : "", o->choices[i]);
			return usage_error(p, "option %s: invalid choice: '%s' (choose from %s)",
					   shown, value, list);
		}
	}
	p->val[which] = value;
	return EXIT_OK;
}

/* -1: keep going; else the exit status (help and version exit at once, 0). */
static int act(struct parsed *p, int which)
{
	if (which == O_HELP) {
		print_help(p, stdout);
		return EXIT_OK;
	}
	if (which == O_VERSION) {
		/* The script's __version__ (its own --version crashes on Python 3). */
		printf("1 (sif %s)\n", SIF_VERSION);
		return EXIT_OK;
	}
	p->val[which] = "";
	return -1;
}

static int parse_long(struct parsed *p, int argc, char **argv, int *i)
{
	char *arg = argv[*i] + 2, shown[64];
	size_t len = strcspn(arg, "=");
	int which = 0, rc;

	if ((rc = match_long(p, arg, len, &which)) != EXIT_OK)
		return rc;
	snprintf(shown, sizeof(shown), "--%s", lopts[which].long_name);
	if (!lopts[which].metavar) {
		if (arg[len] == '=')
			return usage_error(p, "%s option does not take a value", shown);
		return act(p, which);
	}
	if (arg[len] == '=')
		rc = take(p, which, shown, arg + len + 1);
	else if (*i + 1 < argc)
		rc = take(p, which, shown, argv[++*i]);
	else
		return usage_error(p, "%s option requires 1 argument", shown);
	return rc == EXIT_OK ? -1 : rc;
}

static int parse_short(struct parsed *p, int argc, char **argv, int *i)
{
	char *arg = argv[*i];

	for (size_t k = 1; arg[k]; k++) {
		int which = match_short(arg[k]), rc;
		char shown[3] = { '-', arg[k], 0 };

		if (which < 0)
			return usage_error(p, "no such option: %s", shown);
		if (!lopts[which].metavar) {
			if ((rc = act(p, which)) >= 0)
				return rc;
			continue;
		}
		if (arg[k + 1])
			rc = take(p, which, shown, arg + k + 1);
		else if (*i + 1 < argc)
			rc = take(p, which, shown, argv[++*i]);
		else
			return usage_error(p, "%s option requires 1 argument", shown);
		return rc == EXIT_OK ? -1 : rc;
	}
	return -1;
}

/* -1 when the conversion should run; else the exit status. */
static int parse_args(struct parsed *p, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		int rc = -1;

		if (!strcmp(argv[i], "--"))
			break;
		if (!strncmp(argv[i], "--", 2))
			rc = parse_long(p, argc, argv, &i);
		else if (argv[i][0] == '-' && argv[i][1])
			rc = parse_short(p, argc, argv, &i);
		/* other arguments are ignored, as the script ignores them */
		if (rc >= 0)
			return rc;
	}
	if (!p->val[O_IN] || !p->val[O_OUT] || !p->val[O_WIDTH] || !p->val[O_GUEST]) {
		print_help(p, stderr);
		return EXIT_FAIL;
	}
	return -1;
}

/* --- input and output: a decimal fd number, else a path ------------------ */

/* Python's int(s, 10): blanks around, a sign, digits with single '_' between. */
static bool decimal_fd(const char *s, long *fd)
{
	char digits[32];
	size_t n = 0;
	bool neg = false;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s) || (*s == '_' && isdigit((unsigned char)s[1])); s++)
		if (*s != '_' && n < sizeof(digits) - 1)
			digits[n++] = *s;
	while (isspace((unsigned char)*s))
		s++;
	if (*s || n >= sizeof(digits) - 1)
		return false;
	digits[n] = '\0';
	*fd = strtol(digits, NULL, 10) * (neg ? -1 : 1);
	/* the script takes -1 for "not a number" and opens a file named "-1" */
	return *fd != -1;
}

struct endpoint {
	int fd;
	char name[64];
	bool opened;                /* a path we opened (and close) */
	struct cli_output out;      /* --out PATH */
};

/* 1: v is an fd (checked open, taken), 0: a path, -1: a bad fd. */
static int take_fd(const char *v, const char *opt, const char *role, struct endpoint *e,
		   struct sif_err *err)
{
	long fd;

	if (!decimal_fd(v, &fd))
		return 0;
	if (fd < 0 || fd > INT32_MAX || fcntl((int)fd, F_GETFD) < 0)
		return sif_errf(err, SIF_EIO, "%s %s: not an open file descriptor", opt, v);
	e->fd = (int)fd;
	snprintf(e->name, sizeof(e->name), "%s fd %ld", role, fd);
	return 1;
}

static int open_in(const char *v, struct endpoint *e, struct sif_err *err)
{
	int r = take_fd(v, "--in", "input", e, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	e->fd = open(v, O_RDONLY | O_CLOEXEC);
	if (e->fd < 0)
		return sif_errno(err, SIF_EIO, "--in %s: open", v);
	e->opened = true;
	snprintf(e->name, sizeof(e->name), "%.60s", v);
	return 0;
}

static int open_out(const char *v, struct endpoint *e, struct sif_err *err)
{
	int r = take_fd(v, "--out", "output", e, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	/* "-" is a file name to the script, not stdout */
	if (cli_output_open(strcmp(v, "-") ? v : "./-", &e->out, err) < 0)
		return -1;
	e->opened = true;
	e->fd = e->out.fd;
	snprintf(e->name, sizeof(e->name), "%.60s", v);
	return 0;
}

/* --- the run --------------------------------------------------------------- */

static void set_opts(const struct parsed *p, struct legacy_log *log, struct sif_convert_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->width = p->val[O_WIDTH][0] == '3' ? 32 : 64;
	o->guest = !strcmp(p->val[O_GUEST], "pv") ? SIF_V1_PV : SIF_V1_HVM;
	o->format = p->val[O_FORMAT] && !strcmp(p->val[O_FORMAT], "libxl") ? SIF_CONVERT_LIBXL
									     : SIF_CONVERT_LIBXC;
	o->skip_qemu = p->val[O_SKIP_QEMU] != NULL;
	o->input = p->val[O_XL] ? SIF_CONVERT_IN_XL : SIF_CONVERT_IN_V1;
	log->libxl = o->format == SIF_CONVERT_LIBXL;
	log->xl = o->input == SIF_CONVERT_IN_XL;
	if (log->verbose) {
		o->observer = &legacy_log_verbose_ops;
		o->observer_ctx = log;
	}
}

static int run(const struct parsed *p, struct legacy_log *log, struct sif_err *err)
{
	struct endpoint in = { .fd = -1 }, out = { .fd = -1 };
	struct sif_convert_opts o;
	struct sif_convert_result res;
	int rc = -1;

	set_opts(p, log, &o);
	if (open_in(p->val[O_IN], &in, err) < 0 || open_out(p->val[O_OUT], &out, err) < 0)
		goto out;
	/* xenopsd's pipe into emu-manager: 1 GiB in half the time (bench/RESULTS.md) */
	cli_output_widen_pipe(out.fd);
	if (sif_convert_fd(in.fd, in.name, out.fd, out.name, &o, &res, err) < 0)
		goto out;
	if (out.opened && cli_output_close(&out.out, true, err) < 0) {
		out.opened = false;
		goto out;
	}
	out.opened = false;
	rc = 0;
out:
	if (out.opened)
		cli_output_close(&out.out, false, NULL);
	if (in.opened)
		close(in.fd);
	return rc;
}

int cmd_convert_legacy_stream(struct cli *cli, struct cli_args *a)
{
	const char *base = strrchr(cli->argv0, '/');
	struct parsed p = { .prog = "sif convert-legacy-stream" };
	struct legacy_log log;
	int rc;

	base = base ? base + 1 : cli->argv0;
	if (!strcmp(base, LEGACY_LOG_IDENT))
		p.prog = LEGACY_LOG_IDENT;
	if ((rc = parse_args(&p, a->npos, a->pos)) >= 0)
		return rc;
	/* A reader that goes away is a write error (exit 1), not a signal. */
	signal(SIGPIPE, SIG_IGN);
	legacy_log_open(&log, p.val[O_SYSLOG] != NULL, p.val[O_VERBOSE] != NULL);
	rc = run(&p, &log, &cli->err);
	if (rc < 0)
		legacy_log_error(&log, "%s", cli->err.msg);
	legacy_log_close(&log);
	if (rc == 0)
		return EXIT_OK;
	/* the script's RuntimeError ("Please fix me"): valid input it cannot carry */
	return cli->err.code == SIF_EREFUSED ? EXIT_USAGE : EXIT_FAIL;
}
