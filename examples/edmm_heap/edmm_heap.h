/*
 * edmm_heap.h - shared by the edmm_heap host and enclave. The enclave is
 * signed with `sgxemu sign --size 128M` (Makefile): SECS.SIZE 128 MiB, of
 * which the image uses a few hundred KiB; the rest is the dynamic heap.
 */
#ifndef EDMM_HEAP_H
#define EDMM_HEAP_H

#include <stdint.h>

#define HEAP_ELRANGE (128ull << 20)

enum { ECALL_INFO, ECALL_CYCLES, ECALL_TOUCH };

struct heap_args {
	uint64_t mib, cycles, quiet;                  /* in */
	uint64_t heap_max, peak, committed, accepted, trimmed; /* out */
	uint64_t errcd[2];                            /* ECALL_TOUCH: #PF error codes seen */
};

#endif
