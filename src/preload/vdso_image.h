/*
 * vdso_image.h - a synthetic vDSO image for processes whose kernel has no
 * SGX (internal to src/preload).
 *
 * Programs find __vdso_sgx_enter_enclave by parsing the ELF image at
 * getauxval(AT_SYSINFO_EHDR), by hand or through the dynamic loader. Where
 * the kernel's vDSO lacks the symbol, sgxemu points AT_SYSINFO_EHDR at an
 * image built here: an ELF64 x86-64 shared object that holds no code, only
 * dynamic symbol tables, whose symbols resolve to the real vDSO's functions
 * and to extra ones (sgx_enter_enclave as __vdso_sgx_enter_enclave).
 *
 * Addresses: a symbol's st_value is (target - image base) modulo 2^64, so
 * image base + st_value, computed as loaders do in unsigned 64-bit
 * arithmetic, wraps around to the target even when the target lies below
 * the image. SHN_ABS and undefined symbols keep their values.
 */
#ifndef SGXEMU_PRELOAD_VDSO_IMAGE_H
#define SGXEMU_PRELOAD_VDSO_IMAGE_H

#include <stddef.h>

#define SGX_VDSO_SONAME		"linux-vdso.so.1"
#define SGX_VDSO_VERSION	"LINUX_2.6"

/* A symbol to add: a global function at `addr`, with version `version`
 * (NULL: SGX_VDSO_VERSION). It replaces any real vDSO symbol of the same
 * name. */
struct sgx_vdso_extra {
	const char *name;
	const void *addr;
	const char *version;
};

/*
 * Build the image in a fresh anonymous mapping, read-only once built.
 * real_vdso: the mapped real vDSO (its ELF header), or NULL for an image
 * with the extras only. On success returns 0 and sets *image_out (page
 * aligned) and *size_out (the mapping's length, a multiple of the page
 * size); release with sgx_vdso_image_free().
 * Errors: -EINVAL (bad arguments: NULL out pointers, an extra without name
 * or address, two extras of one name), -EFAULT (real_vdso, or a range its
 * headers claim, is not mapped), -ENOEXEC (real_vdso is not a well-formed
 * ELF64 x86-64 shared object with dynamic symbols), -E2BIG (absurd sizes),
 * -ENOMEM.
 */
int sgx_vdso_image_build(const void *real_vdso, const struct sgx_vdso_extra *extra,
			 size_t nextra, void **image_out, size_t *size_out);

void sgx_vdso_image_free(void *image, size_t size);

/*
 * Reference lookup in a mapped vDSO-like image (ours or the kernel's), the
 * way the Linux SGX selftests' parser does it: DT_HASH for the symbol, then
 * DT_VERSYM/DT_VERDEF for the version. `version` NULL accepts any version;
 * otherwise the symbol must carry a (non-base) version definition of that
 * name. Only defined, non-local symbols are found.
 * 0 and *addr set; -ENOENT; -ENOTSUP (no DT_HASH); the errors of
 * sgx_vdso_image_build() for a malformed image.
 */
int sgx_vdso_lookup(const void *image, const char *name, const char *version, void **addr);

#endif /* SGXEMU_PRELOAD_VDSO_IMAGE_H */
