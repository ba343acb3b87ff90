/*
 * enclave_build.h - build an enclave image on the emulated CPU exactly as a
 * loader drives hardware (ECREATE, then EADD + 16 x EEXTEND per measured
 * page), and read back the resulting MRENCLAVE.
 *
 * Used by `sgxemu measure` and `sgxemu sign`; `run` can reuse
 * enclave_build_on() with a CPU it keeps.
 */
#ifndef SGXEMU_TOOLS_ENCLAVE_BUILD_H
#define SGXEMU_TOOLS_ENCLAVE_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <sgxemu/sgxemu.h>

#include "elf_image.h"

struct enclave_build {
	uint64_t secs_frame;  /* EPC frame of the SECS */
	uint64_t base;        /* SECS.BASEADDR */
	uint64_t size;        /* SECS.SIZE */
	uint64_t next_frame;  /* first EPC frame not used by the build */
};

/*
 * ECREATE + EADD/EEXTEND every page of img on cpu, taking EPC frames
 * sequentially from first_frame (the SECS first). base is SECS.BASEADDR
 * (naturally aligned to img->encl_size). Returns 0, or -1 with the failing
 * leaf, page and code/fault in err.
 */
int enclave_build_on(struct sgx_cpu *cpu, const struct elf_image *img, uint64_t first_frame,
		     uint64_t base, struct enclave_build *out, char *err, size_t errlen);

/* Build img on a private, right-sized CPU and return its MRENCLAVE. */
int enclave_measure(const struct elf_image *img, uint8_t mrenclave[32], char *err,
		    size_t errlen);

#endif /* SGXEMU_TOOLS_ENCLAVE_BUILD_H */
