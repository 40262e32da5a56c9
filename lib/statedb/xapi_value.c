/*
 * xapi's whitespace protection and Xmlm's attribute escaping (see
 * sif/xapi_value.h).  Byte-exact with ocaml/database/xml_spaces.ml and
 * xmlm.ml `out_data`; stricter than them on malformed input.
 */
#include <stdint.h>
#include <string.h>

#include "sif/xapi_value.h"

/* The byte a `%X` escape stands for; 0 if X is not an escape letter.
 * `%_` (two spaces) is handled by the callers. */
static char unescape_letter(char x)
{
	switch (x) {
	case '.': return ' ';
	case 't': return '\t';
	case 'n': return '\n';
	case 'r': return '\r';
	case '%': return '%';
	default: return 0;
	}
}

int sif_xapi_check_protected(const char *in, size_t n, size_t *bad)
{
	const char *p = in, *end = in + n;

	while ((p = memchr(p, '%', (size_t)(end - p)))) {
		if (p + 1 >= end || (!unescape_letter(p[1]) && p[1] != '_')) {
			if (bad)
				*bad = (size_t)(p - in);
			return -1;
		}
		p += 2;
	}
	return 0;
}

int sif_xapi_unprotect(const char *in, size_t n, struct sif_strbuf *out, size_t *bad)
{
	const char *p = in, *end = in + n, *pct;

	if (sif_xapi_check_protected(in, n, bad) < 0)
		return -1;
	if (sif_strbuf_grow(out, n) < 0)
		return -2;
	while ((pct = memchr(p, '%', (size_t)(end - p)))) {
		if (sif_strbuf_add(out, p, (size_t)(pct - p)) < 0)
			return -2;
		if (pct[1] == '_') {
			/* CA-268761: before 2017 two spaces were written `%_` */
			if (sif_strbuf_add(out, "  ", 2) < 0)
				return -2;
		} else if (sif_strbuf_addc(out, unescape_letter(pct[1])) < 0) {
			return -2;
		}
		p = pct + 2;
	}
	return sif_strbuf_add(out, p, (size_t)(end - p)) < 0 ? -2 : 0;
}

bool sif_xapi_protected_equals(const char *in, size_t n, const char *plain,
			       size_t plain_n)
{
	size_t i = 0, j = 0;

	while (i < n) {
		if (in[i] != '%') {
			if (j >= plain_n || plain[j] != in[i])
				return false;
			i++, j++;
		} else if (i + 1 < n && in[i + 1] == '_') {
			if (j + 2 > plain_n || plain[j] != ' ' || plain[j + 1] != ' ')
				return false;
			i += 2, j += 2;
		} else {
			char c = i + 1 < n ? unescape_letter(in[i + 1]) : 0;

			if (!c || j >= plain_n || plain[j] != c)
				return false;
			i += 2, j++;
		}
	}
	return j == plain_n;
}

/*
 * Length of the UTF-8 sequence at s (at most n bytes) if it encodes an XML
 * 1.0 Char at or above U+0080, else 0.
 */
static size_t xml_utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;       /* overlong or beyond Unicode */
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;       /* surrogates and the two non-characters XML excludes */
	return len;
}

int sif_xml_check_chars(const char *in, size_t n, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, l;

	while (i < n) {
		if (s[i] >= 0x20 && s[i] < 0x80) {
			i++;
		} else if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++;
		} else if (s[i] >= 0x80 && (l = xml_utf8_len(s + i, n - i))) {
			i += l;
		} else {
			if (bad)
				*bad = i;
			return -1;
		}
	}
	return 0;
}

int sif_xapi_encode_attr(const char *in, size_t n, struct sif_strbuf *out, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, run = 0, l;

	if (sif_strbuf_grow(out, n) < 0)
		return -2;
	/* Copy runs of plain bytes at once; most values have no escape at all. */
	while (i < n) {
		const char *esc = NULL;
		unsigned char c = s[i];

		if (c >= 0x80) {
			if (!(l = xml_utf8_len(s + i, n - i))) {
				if (bad)
					*bad = i;
				return -1;
			}
			i += l;
			continue;
		}
		switch (c) {
		case ' ': esc = "%."; break;
		case '\t': esc = "%t"; break;
		case '\n': esc = "%n"; break;
		case '\r': esc = "%r"; break;
		case '%': esc = "%%"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '&': esc = "&amp;"; break;
		case '"': esc = "&quot;"; break;
		default:
			/* Xmlm writes U+FFFD for characters XML cannot carry. */
			if (c < 0x20)
				esc = "\xef\xbf\xbd";
		}
		if (!esc) {
			i++;
			continue;
		}
		if (sif_strbuf_add(out, in + run, i - run) < 0 ||
		    sif_strbuf_adds(out, esc) < 0)
			return -2;
		run = ++i;
	}
	return sif_strbuf_add(out, in + run, n - run) < 0 ? -2 : 0;
}
