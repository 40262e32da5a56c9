/*
 * libFuzzer target: xapi's S-expression reader (sets and maps).  Whatever
 * parses must format back to text that parses to the same list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sif/sexpr.h"

static void round_trip(const char *text, int map)
{
	struct sif_strlist a, b;
	struct sif_err err;
	char *s;

	if ((map ? sif_sexpr_parse_map(text, &a, &err) : sif_sexpr_parse_set(text, &a, &err)) < 0)
		return;
	s = map ? sif_sexpr_format_map(&a) : sif_sexpr_format_set(&a);
	if (!s || (map ? sif_sexpr_parse_map(s, &b, &err) : sif_sexpr_parse_set(s, &b, &err)) < 0)
		abort();
	if (a.n != b.n)
		abort();
	for (size_t i = 0; i < a.n; i++)
		if (strcmp(a.keys[i], b.keys[i]) || (map && strcmp(a.vals[i], b.vals[i])))
			abort();
	free(s);
	sif_strlist_free(&a);
	sif_strlist_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	round_trip(text, 0);
	round_trip(text, 1);
	free(text);
	return 0;
}
