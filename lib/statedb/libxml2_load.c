/*
 * Loading libxml2 on first use (libxml2_load.h).  Thread-safe: the first
 * caller loads, the others wait for it.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "libxml2_load.h"

#define SONAME "libxml2.so.2"

static struct sif_libxml2 lib;
static char failure[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

#define SYM(field, name) \
	do { \
		if (!(*(void **)&lib.field = dlsym(h, name))) { \
			snprintf(failure, sizeof(failure), "%s has no %s", SONAME, name); \
			return; \
		} \
	} while (0)

static void load(void)
{
	void *h = dlopen(SONAME, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(failure, sizeof(failure), "cannot load %s (Debian package libxml2): %s",
			 SONAME, dlerror());
		return;
	}
	SYM(CreatePushParserCtxt, "xmlCreatePushParserCtxt");
	SYM(CtxtUseOptions, "xmlCtxtUseOptions");
	SYM(ParseChunk, "xmlParseChunk");
	SYM(StopParser, "xmlStopParser");
	SYM(ByteConsumed, "xmlByteConsumed");
	SYM(FreeParserCtxt, "xmlFreeParserCtxt");
	SYM(DictLookup, "xmlDictLookup");
	SYM(SetGenericErrorFunc, "xmlSetGenericErrorFunc");
	SYM(GenericError, "__xmlGenericError");
	SYM(GenericErrorContext, "__xmlGenericErrorContext");
}

const struct sif_libxml2 *sif_libxml2(struct sif_err *err)
{
	pthread_once(&once, load);
	if (failure[0]) {
		sif_errf(err, SIF_EIO, "%s", failure);
		return NULL;
	}
	return &lib;
}
