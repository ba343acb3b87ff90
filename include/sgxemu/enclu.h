/*
 * enclu.h - the CPU side of running enclave code: ENCLU leaves and AEX.
 *
 * The CPU reaches enclave linear addresses through page tables that belong
 * to the OS, exactly as hardware does: the os layer (the driver) registers an
 * MMU with the CPU, and every ENCLU operand, TCS and SSA access goes through
 * it, then through the EPCM checks. The per-thread "logical processor" state
 * (enclave mode, current TCS, saved outside FS/GS) belongs to the entry layer,
 * which passes it in; the CPU keeps no per-thread state of its own.
 *
 * Leaves operate on a register file (struct sgx_regs): on input it holds the
 * state at the ENCLU instruction (RIP = the ENCLU), on success it holds the
 * state after the leaf. On a fault it is left unchanged and *f describes the
 * fault, as for ENCLS.
 */
#ifndef SGXEMU_ENCLU_H
#define SGXEMU_ENCLU_H

#include "sgxemu.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Access kinds for sgx_mmu.translate. */
#define SGX_ACCESS_READ 0x1u
#define SGX_ACCESS_WRITE 0x2u
#define SGX_ACCESS_EXEC 0x4u

struct sgx_mmu {
	/*
	 * Walk the page tables for a user-mode access to `la`. Returns the EPC
	 * frame mapped there (>= 0); -1 with *f = #PF (error code with the
	 * P/W/U/I bits the page tables give, addr = la) when the page tables do
	 * not allow the access or nothing is mapped; -2 when `la` maps ordinary
	 * (non-EPC) memory. Must be async-signal-safe: it runs in trap handlers.
	 */
	int64_t (*translate)(void *ctx, uint64_t la, unsigned access, struct sgx_fault *f);
	/*
	 * The OS's page-fault handler for an enclave address (Linux's
	 * sgx_vma_fault), called for a fault the page tables raised: it may
	 * EAUG a page into a mapped hole of an initialized SGX2 enclave, and it
	 * brings the host mapping of a page up to date after its EPCM entry
	 * changed (EACCEPT, EMODPE, EMODPR...). Returns 0 when the access
	 * should be retried, -1 when the fault stands (SIGBUS in Linux terms).
	 * NULL: no such handler. Runs in trap handlers.
	 */
	int (*fault)(void *ctx, uint64_t la, unsigned access);
	void *ctx;
};

/* The OS's page-fault handler (sgx_mmu.fault), or -1 if there is none. */
int sgx_cpu_os_fault(struct sgx_cpu *cpu, uint64_t la, unsigned access);

/* Install the page tables the CPU walks (NULL: no enclave memory mapped). */
void sgx_cpu_set_mmu(struct sgx_cpu *cpu, const struct sgx_mmu *mmu);

/* The architectural register file ENCLU and AEX read and write. */
struct sgx_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t fsbase, gsbase;
	/* The thread's XSAVE image (standard, non-compacted format, 64-byte
	 * aligned, as in a signal frame), or NULL when the caller does not
	 * expose extended state (then AEX/ERESUME leave it alone). */
	void *xsave;
	uint32_t xsave_size;
};

/* One logical processor (a host thread), owned by the entry layer. */
struct sgx_lp {
	bool in_enclave;
	uint64_t secs_frame;      /* CR_ACTIVE_SECS */
	uint64_t tcs_la;          /* linear address of the current TCS */
	uint64_t tcs_frame;
	uint64_t host_fsbase;     /* outside FS/GS bases saved at entry */
	uint64_t host_gsbase;
	uint64_t elrange_base, elrange_size;
};

/* Execute ENCLU leaf regs->rax on logical processor lp. */
int sgx_enclu(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
	      struct sgx_fault *f);

/* What caused an asynchronous exit. */
struct sgx_aex_event {
	bool exception;       /* false: interrupt/signal (EXITINFO not valid) */
	uint32_t vector;      /* exception vector */
	uint32_t error_code;  /* #PF/#GP error code */
	uint64_t addr;        /* #PF: full faulting linear address */
};

/*
 * Asynchronous Enclave Exit on lp (which must be in enclave mode): save regs
 * into the current SSA frame (GPRSGX, XSAVE area, EXITINFO, MISC.EXINFO),
 * CSSA += 1, then load the synthetic state into regs (RIP = AEP, RAX = 3,
 * RBX = TCS, RCX = AEP, ...) with the outside FS/GS bases. Cannot fail.
 */
void sgx_aex(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
	     const struct sgx_aex_event *ev);

/*
 * Read `len` bytes of enclave code or data at `la` (within one page) through
 * the EPC, for decoding instructions: the page must be mapped and belong to
 * lp's enclave; execute-only pages are readable this way. 0 or -1.
 */
int sgx_enclave_fetch(struct sgx_cpu *cpu, const struct sgx_lp *lp, uint64_t la, void *buf,
		      size_t len);

/*
 * The architectural outcome of an access by enclave code to `la` that the
 * host refused. Returns 0 if the page tables and the EPCM both allow it now
 * (retry), 1 with *f = the #PF hardware raises (SGX bit set when the EPCM
 * refused), or -1 if `la` is outside ELRANGE (ordinary memory: the host's
 * fault stands).
 */
int sgx_enclave_access_fault(struct sgx_cpu *cpu, const struct sgx_lp *lp, uint64_t la,
			     unsigned access, struct sgx_fault *f);

/* Would a debugger be allowed to single-step lp's current TCS (debug
 * enclave, TCS.FLAGS.DBGOPTIN)? */
bool sgx_lp_debug_optin(struct sgx_cpu *cpu, const struct sgx_lp *lp);

/* Is `la` inside the ELRANGE of the enclave lp is executing? */
static inline bool sgx_lp_in_elrange(const struct sgx_lp *lp, uint64_t la)
{
	return lp->in_enclave && la - lp->elrange_base < lp->elrange_size;
}

#ifdef __cplusplus
}
#endif

#endif /* SGXEMU_ENCLU_H */
