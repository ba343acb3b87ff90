/*
 * probe.h - the interface of tests/enclaves/probe.S (see its header for
 * the layout and the ops) for the tests in tests/test_entry_*.c.
 */
#ifndef TESTS_UTIL_PROBE_H
#define TESTS_UTIL_PROBE_H

#include <stdint.h>

#include <asm/sgx.h>

#include "sgxemu/sgx_arch.h"

enum probe_op {
	OP_DUMP = 0,  /* registers at EENTER -> struct probe_dump at RSI */
	OP_UD = 1,    /* ud2 */
	OP_DE = 2,    /* div %r8 with r8 = 0 */
	OP_RO = 3,    /* byte store to the read-only page */
	OP_HOLE = 4,  /* u64 load inside ELRANGE where there is no EPC page */
	OP_GP = 5,    /* hlt */
	OP_BP = 6,    /* int3 */
	OP_SPIN = 7,  /* [RSI+8] := 1, spin until [RSI] != 0 */
	OP_FRAME = 8, /* SSA frame RDX -> struct probe_frame at RSI */
	OP_TCS = 9,   /* byte store to the TCS#1 page */
	OP_XMM = 10,  /* XMM0/XMM15 := RDX, ud2, report them after the resume */
};

/* Enclave offsets. */
#define PROBE_TCS0 0x0000ull      /* NSSA 2 */
#define PROBE_TCS1 0x1000ull      /* NSSA 1 */
#define PROBE_TCS_TARGET 0x1123ull /* OP_TCS writes here */
#define PROBE_CODE 0x2000ull
#define PROBE_GS 0x3000ull        /* read-only page; "GS:PROBE" at 0 */
#define PROBE_RO_TARGET 0x35a8ull /* OP_RO writes here */
#define PROBE_SSA0 0x4000ull
#define PROBE_SSA1 0x6000ull
#define PROBE_FS 0x7000ull        /* "FS:PROBE" at 0 */
#define PROBE_HOLE 0xb468ull      /* OP_HOLE reads here */
#define PROBE_SIZE 0x10000ull     /* SECS.SIZE */

#define PROBE_FS_MAGIC 0x45424f52503a5346ull /* "FS:PROBE" */
#define PROBE_GS_MAGIC 0x45424f52503a5347ull /* "GS:PROBE" */
#define PROBE_RESUMED 0x444d555345522121ull  /* stored by ops 1-6 after the fault */

/* Length of the faulting instruction of ops 1-5 and 9 (what a handler skips). */
#define PROBE_LEN_UD 2
#define PROBE_LEN_DE 3
#define PROBE_LEN_RO 3
#define PROBE_LEN_TCS 3
#define PROBE_LEN_HOLE 3
#define PROBE_LEN_GP 1

struct probe_dump {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t fs0, gs0, base;
};

/* What the handler phase and OP_FRAME copy out of an SSA frame. */
struct probe_frame {
	struct sgx_exinfo exinfo;
	struct sgx_gprsgx gpr;
	uint64_t cssa;            /* RAX at the EENTER that copied it */
	uint64_t xmm0;            /* the frame's saved XMM0 (low half) */
};

_Static_assert(sizeof(struct probe_frame) == 216, "probe_frame");

/*
 * sgx_enter_enclave with R12-R15 (and RBX, RBP) saved around it. The vDSO
 * ABI leaves R12-R15 to the enclave, and after an AEX they hold the
 * synthetic zeros, so C code must not call the vDSO directly on paths
 * that can take an exception (the Linux selftests wrap it the same way).
 */
int probe_enter(unsigned long rdi, unsigned long rsi, unsigned long rdx, unsigned int function,
		unsigned long r8, unsigned long r9, struct sgx_enclave_run *run);

/* The host's FS and GS bases (arch_prctl). */
uint64_t probe_host_fs(void);
uint64_t probe_host_gs(void);

#endif
