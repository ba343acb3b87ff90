/*
 * sgxemu.h - the library API of sgxemu.
 *
 * This header exposes the emulated SGX CPU (src/cpu): its configuration
 * (feature set, EPC size, platform secret), CPUID and MSRs, the physical EPC,
 * and the ENCLS leaves. Tests, benchmarks and the sgxemu command use it to
 * drive the platform directly, the way the Linux driver drives real ENCLS.
 *
 * Every leaf reports its outcome the same way: 0 on success, a positive SGX
 * error code (what hardware leaves in RAX), or SGX_LEAF_FAULT | vector with
 * the fault details in *fault (Linux's encls.h folds faults into the return
 * value with the same kind of flag bit). No leaf prints, exits or aborts.
 */
#ifndef SGXEMU_H
#define SGXEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx_arch.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgx_cpu;

/* ---- Feature set (CPUID enumeration) ----------------------------------- */

enum sgx_feature {
	SGX_FEAT_SGX1,      /* CPUID.12.0:EAX[0] */
	SGX_FEAT_SGX2,      /* CPUID.12.0:EAX[1] - needs sgx1 */
	SGX_FEAT_EDECCSSA,  /* CPUID.12.0:EAX[11] - needs sgx1 */
	SGX_FEAT_AEXNOTIFY, /* CPUID.12.1:EAX[10] - needs edeccssa */
	SGX_FEAT_KSS,       /* CPUID.12.1:EAX[7] - needs sgx1 */
	SGX_FEAT_LC,        /* CPUID.7.0:ECX[30] flexible launch control - needs sgx1 */
	SGX_FEAT_COUNT
};

#define SGX_FEATURE_BIT(f) (1u << (f))

/* Name of a feature as the CLI spells it ("sgx1", "aexnotify", ...). */
const char *sgx_feature_name(enum sgx_feature f);

/*
 * Apply a feature spec such as "+sgx2,-aexnotify" (or "sgx1,kss": a bare
 * name means "+") to *features. Removing a feature also removes every
 * feature that depends on it; explicitly adding a feature whose dependency is
 * absent is an error. Returns 0, or -1 with a message in err.
 */
int sgx_features_apply(const char *spec, uint32_t *features, char *err, size_t errlen);

/* The first dependency violated by a feature mask, or -1 if it is consistent. */
int sgx_features_check(uint32_t features, char *err, size_t errlen);

/* ---- Platform configuration -------------------------------------------- */

struct sgx_cpu_config {
	uint64_t epc_size;          /* bytes, multiple of 4096 (default 128 MiB) */
	uint64_t epc_phys_base;     /* physical base reported by CPUID.12.2 */
	uint32_t features;          /* SGX_FEATURE_BIT() mask */
	uint8_t max_enclave_size_64; /* log2, CPUID.12.0:EDX[15:8] (default 36) */
	uint8_t max_enclave_size_32; /* log2, CPUID.12.0:EDX[7:0]  (default 31) */
	uint64_t xfrm_allowed;      /* CPUID.12.1:EDX:ECX (default: host XCR0) */
	uint8_t cpusvn[16];         /* the CPU's security version */
	uint8_t root_key[16];       /* platform root secret for key derivation */
	uint8_t owner_epoch[16];    /* SGXOWNEREPOCH */
};

/* Fill *cfg with the defaults (a random root key; callers that want stable
 * keys set it explicitly). */
void sgx_cpu_config_default(struct sgx_cpu_config *cfg);

/* Create the CPU: its EPC memfd (sparse), its private map of it, the EPCM.
 * Returns 0 or -errno (-EINVAL for a bad config). */
int sgx_cpu_create(const struct sgx_cpu_config *cfg, struct sgx_cpu **out);
void sgx_cpu_destroy(struct sgx_cpu *cpu);
const struct sgx_cpu_config *sgx_cpu_get_config(const struct sgx_cpu *cpu);

/* CPUID as SGX software sees it: leaf 7 (SGX bits only, other bits 0) and
 * leaf 0x12 (all sub-leaves). Other leaves return zeros. */
void sgx_cpuid(const struct sgx_cpu *cpu, uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/* ---- Leaf outcome -------------------------------------------------------- */

#define SGX_LEAF_FAULT 0x40000000

struct sgx_fault {
	uint32_t vector;      /* X86_TRAP_GP, X86_TRAP_PF, X86_TRAP_UD, ... */
	uint32_t error_code;  /* #PF error code (P/W/U/SGX bits); 0 for #GP(0) */
	uint64_t addr;        /* #PF linear address; 0 otherwise */
};

static inline bool sgx_leaf_faulted(int ret) { return (ret & SGX_LEAF_FAULT) != 0; }
static inline int sgx_leaf_vector(int ret) { return ret & 0xff; }

/* ---- MSRs ---------------------------------------------------------------- */

/* RDMSR/WRMSR of IA32_FEATURE_CONTROL and IA32_SGXLEPUBKEYHASH0..3.
 * Unknown MSRs and writes the platform refuses → SGX_LEAF_FAULT|#GP. */
int sgx_rdmsr(struct sgx_cpu *cpu, uint32_t msr, uint64_t *val);
int sgx_wrmsr(struct sgx_cpu *cpu, uint32_t msr, uint64_t val);

/* ---- Physical EPC ------------------------------------------------------- */

uint64_t sgx_epc_nr_frames(const struct sgx_cpu *cpu);
/* In a fork child: a fresh, empty EPC of the same size in place of the one
 * shared with the parent; every EPCM entry becomes invalid. 0 or -errno. */
int sgx_cpu_fork_child(struct sgx_cpu *cpu);
/* The memfd backing the EPC (frame N at file offset N * 4096). */
int sgx_epc_fd(const struct sgx_cpu *cpu);
/* The CPU's own linear address of frame N (like the kernel's direct map):
 * this is the address ENCLS operands use for EPC pages. */
uint64_t sgx_epc_frame_addr(const struct sgx_cpu *cpu, uint64_t frame);
/* Frame number of an EPC linear address, or -1 if it is not EPC. */
int64_t sgx_epc_addr_frame(const struct sgx_cpu *cpu, uint64_t addr);

/* What the EPCM says about a frame (for the os layer, tests and tools;
 * hardware keeps this invisible to software). */
struct sgx_epcm_info {
	bool valid;
	uint8_t type;        /* enum sgx_page_type */
	uint8_t perm;        /* SGX_SECINFO_R/W/X */
	bool blocked, pending, modified, pr;
	uint64_t secs_frame; /* owning SECS frame (meaningless for SECS/VA) */
	uint64_t linaddr;    /* ENCLAVEADDRESS */
};
int sgx_epcm_query(const struct sgx_cpu *cpu, uint64_t frame, struct sgx_epcm_info *info);

/* The SECS's running measurement finalized on a copy (as EINIT would compute
 * it), without changing it. For `sgxemu measure` and tests. Returns 0, or
 * -EINVAL if the frame is not a SECS. */
int sgx_secs_peek_mrenclave(const struct sgx_cpu *cpu, uint64_t secs_frame, uint8_t out[32]);

/* Number of EPC pages owned by the SECS in frame secs_frame. */
uint64_t sgx_secs_nr_children(const struct sgx_cpu *cpu, uint64_t secs_frame);

/* ---- ENCLS --------------------------------------------------------------- */

/*
 * Register-level operands. All addresses are linear addresses in this
 * process; EPC pages are addressed through sgx_epc_frame_addr(). Non-EPC
 * operands (PAGEINFO, SECINFO, source page, SIGSTRUCT, EINITTOKEN) must be
 * mapped readable memory, as in the kernel, which copies user data in
 * before it executes ENCLS.
 */
struct sgx_encls_regs {
	uint64_t rax; /* in: leaf; out: SGX error code for leaves that return one */
	uint64_t rbx;
	uint64_t rcx;
	uint64_t rdx;
};

/* Execute ENCLS leaf regs->rax. Returns as described above; for leaves that
 * return an error code, regs->rax receives it too. */
int sgx_encls(struct sgx_cpu *cpu, struct sgx_encls_regs *regs, struct sgx_fault *fault);

/* Instrumentation: how many times each ENCLS leaf (by number) has been
 * executed on this CPU, faulting and failing executions included. */
void sgx_cpu_get_encls_counts(const struct sgx_cpu *cpu, uint64_t out[16]);
/* Call fn(leaf) at the start of every ENCLS (any leaf number, before its
 * checks), on the executing thread; NULL removes the hook. fn must be
 * async-signal-safe: ENCLS may run inside a signal handler. */
void sgx_cpu_set_trace_hook(struct sgx_cpu *cpu, void (*fn)(uint32_t leaf));

/* The leaves one by one (same contract). */
int sgx_ecreate(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f);
int sgx_eadd(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f);
int sgx_eextend(struct sgx_cpu *cpu, uint64_t secs, uint64_t epc_chunk, struct sgx_fault *f);
int sgx_einit(struct sgx_cpu *cpu, uint64_t sigstruct, uint64_t secs, uint64_t token,
	      struct sgx_fault *f);
int sgx_eremove(struct sgx_cpu *cpu, uint64_t epc_page, struct sgx_fault *f);
int sgx_edbgrd(struct sgx_cpu *cpu, uint64_t *data, uint64_t epc_addr, struct sgx_fault *f);
int sgx_edbgwr(struct sgx_cpu *cpu, uint64_t data, uint64_t epc_addr, struct sgx_fault *f);

/* SGX2 (CPUID.12.0:EAX[1]); without the feature they are #GP like any
 * unsupported leaf. ETRACK is the SGX1 leaf the SGX2 flows need. */
int sgx_eaug(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f);
int sgx_emodpr(struct sgx_cpu *cpu, uint64_t secinfo, uint64_t epc_page, struct sgx_fault *f);
int sgx_emodt(struct sgx_cpu *cpu, uint64_t secinfo, uint64_t epc_page, struct sgx_fault *f);
int sgx_etrack(struct sgx_cpu *cpu, uint64_t secs, struct sgx_fault *f);

/* ---- Crypto helpers shared by the CPU, tools and tests ------------------ */

/* MRSIGNER: SHA-256 of the 384-byte little-endian modulus. */
void sgx_mrsigner(const uint8_t modulus[SGX_MODULUS_SIZE], uint8_t out[32]);

/* Verify a SIGSTRUCT's RSA-3072 signature and Q1/Q2. Returns 0 if valid,
 * SGX_INVALID_SIGNATURE otherwise. On success, padding (if non-NULL)
 * receives the 352-byte PKCS#1 prefix of S^3 mod N. */
int sgx_sigstruct_verify(const struct sgx_sigstruct *sig, uint8_t padding[352]);

/* The EINITTOKEN key the CPU derives for a token (section 7.3 step 15),
 * exposed so that tests can build valid tokens without a launch enclave. */
void sgx_einittoken_key(const struct sgx_cpu *cpu, const struct sgx_einittoken *token,
			uint8_t key[16]);

/* AES-128-CMAC (one-shot). */
void sgx_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t mac[16]);

#ifdef __cplusplus
}
#endif

#endif /* SGXEMU_H */
