/* Rendering input bytes inside error messages ("found ..."). lib/ only. */
#ifndef SIF_PRINTABLE_INT_H
#define SIF_PRINTABLE_INT_H

#include <stddef.h>

/* Up to n bytes of p into out (NUL terminated): printable ASCII as is,
 * everything else, backslash and double quote as \xNN. */
void sif_printable(const unsigned char *p, size_t n, char *out, size_t outsz);

#endif
