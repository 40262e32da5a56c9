/*
 * libxml2, loaded when a state.db is first read rather than at every start
 * of sif: with ICU and libstdc++ behind it, linking it costs every process
 * about 2.8 MiB of resident memory and half a millisecond, which the image
 * commands (< 4 MiB) cannot spare.  The functions keep their prototypes from
 * Debian's libxml2-dev headers.  lib/ only.
 */
#ifndef SIF_LIBXML2_LOAD_H
#define SIF_LIBXML2_LOAD_H

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "sif/err.h"

struct sif_libxml2 {
	__typeof__(xmlCreatePushParserCtxt) *CreatePushParserCtxt;
	__typeof__(xmlCtxtUseOptions) *CtxtUseOptions;
	__typeof__(xmlParseChunk) *ParseChunk;
	__typeof__(xmlStopParser) *StopParser;
	__typeof__(xmlByteConsumed) *ByteConsumed;
	__typeof__(xmlFreeParserCtxt) *FreeParserCtxt;
	__typeof__(xmlDictLookup) *DictLookup;
	__typeof__(xmlSetGenericErrorFunc) *SetGenericErrorFunc;
	/* what the xmlGenericError / xmlGenericErrorContext macros read */
	__typeof__(__xmlGenericError) *GenericError;
	__typeof__(__xmlGenericErrorContext) *GenericErrorContext;
};

/* The loaded library (once per process), or NULL with err saying why. */
const struct sif_libxml2 *sif_libxml2(struct sif_err *err);

#endif
