/* The column kinds the state.db fuzz targets check: a stand-in for xapi's
 * schema by name (maps: *config*, *platform*; sets: tags, VBDs). */
#ifndef SIF_FUZZ_STATEDB_KINDS_H
#define SIF_FUZZ_STATEDB_KINDS_H

#include <string.h>

#include "sif/xapi_value.h"

static enum sif_xapi_kind kind_by_name(void *u, const char *table, const char *column)
{
	(void)u; (void)table;
	if (strstr(column, "config") || strstr(column, "platform"))
		return SIF_XAPI_MAP;
	if (!strcmp(column, "tags") || !strcmp(column, "VBDs"))
		return SIF_XAPI_SET;
	return SIF_XAPI_STRING;
}

#endif
