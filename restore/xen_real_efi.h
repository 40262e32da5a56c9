/*
 * The real backend's Varstored and vTPM operations (xen_real_efi.c), for
 * its ops table in xen_real.c.  Not public.
 */
#ifndef SIF_RESTORE_XEN_REAL_EFI_H
#define SIF_RESTORE_XEN_REAL_EFI_H

#include "sif/xen.h"

int real_varstored_restore(struct sif_xen *x, uint32_t domid, const void *buf, size_t len,
			   struct sif_err *err);
int real_vtpm_restore(struct sif_xen *x, uint32_t domid, unsigned index, const void *buf,
		      size_t len, enum sif_vtpm_form form, struct sif_err *err);

#endif
