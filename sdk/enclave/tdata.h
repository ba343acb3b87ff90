/*
 * tdata.h - per-TCS runtime data. Each TCS's FS base (TCS.OFSBASE) points at
 * its own page of it, so the runtime reaches it with %fs:OFFSET from both C
 * and assembly. Offsets are shared with entry.S.
 */
#ifndef SDK_ENCLAVE_TDATA_H
#define SDK_ENCLAVE_TDATA_H

#define TD_SELF      0   /* linear address of this struct */
#define TD_INDEX     8   /* TCS index */
#define TD_HOST_RSP  16  /* host RSP/RBP at the ecall's EENTER */
#define TD_HOST_RBP  24
#define TD_EXIT      32  /* EEXIT target: RCX at the latest EENTER (phase 0) */
#define TD_IN_OCALL  40  /* 1 while the TCS is parked in an ocall */
#define TD_ENCL_RSP  48  /* enclave RSP while parked */
#define TD_USP       56  /* untrusted stack cursor for sdk_ocalloc */
#define TD_X_RSP     64  /* host RSP/RBP/EEXIT target of the exception phase */
#define TD_X_RBP     72
#define TD_X_EXIT    80

#ifndef __ASSEMBLER__
#include <stdint.h>

struct sdk_tdata {
	uint64_t self, index, host_rsp, host_rbp, exit, in_ocall, encl_rsp, usp;
	uint64_t x_rsp, x_rbp, x_exit;
};

_Static_assert(__builtin_offsetof(struct sdk_tdata, x_exit) == TD_X_EXIT, "tdata layout");

static inline struct sdk_tdata *sdk_tdata(void)
{
	struct sdk_tdata *t;

	__asm__ volatile("mov %%fs:0, %0" : "=r"(t));
	return t;
}
#endif

#endif /* SDK_ENCLAVE_TDATA_H */
