/* Assertions on a command's result (expect.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "expect.h"

void tu_expect(struct run_result *r, int status, const char *out, const char *err)
{
	if (r->status != status || (out && !strstr(r->out, out)) || (err && !strstr(r->err, err)))
		fail_msg("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant out '%s' err '%s'",
			 r->status, status, r->out, r->err, out ? out : "", err ? err : "");
	tu_run_free(r);
}
