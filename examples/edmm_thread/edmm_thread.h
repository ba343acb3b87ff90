/*
 * edmm_thread.h - shared by the edmm_thread host and enclave. Signed with
 * `sgxemu sign --size 2M` (Makefile): the added thread's pages come from
 * the hole above the image.
 */
#ifndef EDMM_THREAD_H
#define EDMM_THREAD_H

#include <stdint.h>

#define THREAD_ELRANGE (2ull << 20)

enum { ECALL_ADD_THREAD, ECALL_WORK };

struct thread_args {
	uint64_t tcs_offset;   /* ECALL_ADD_THREAD: out */
	uint64_t n, sum;       /* ECALL_WORK: sum of i*i for i < n */
	uint64_t tcs_index;    /* ECALL_WORK: the runtime's index of the thread */
	uint64_t fs_offset;    /* ECALL_WORK: its data page (FS base) */
};

#endif
