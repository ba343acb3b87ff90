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

/*
 * AEX-Notify (entry.S only), in the upper half of the page. The copy of an
 * interrupted context is what the restore sequence reads: a notification
 * that interrupts that sequence finds it intact and starts over.
 */
#define TD_SSA0        0x800 /* linear address of this TCS's SSA frame 0 */
#define TD_EXC_HANDLED 0x808 /* 1 from an exception phase that asked to resume
			      * until the notifying ERESUME that follows it */
#define TD_N_FRAME     0x810 /* the frame the copy came from (re-armed) */
#define TD_N_GPR       0x840 /* RAX..R15, RFLAGS, RIP (GPRSGX order) */
#define TD_N_XSAVE     0x900 /* x87/SSE: 576 bytes (XFRM 3), 64-aligned */

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
