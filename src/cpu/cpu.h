/*
 * cpu.h - internal state of the emulated SGX CPU (src/cpu only).
 *
 * The CPU owns the physical EPC (one memfd, mapped once privately like the
 * kernel's direct map), the EPCM (one entry per 4 KiB frame), the hidden part
 * of every SECS (running measurement, EID, PADDING, child count) and the
 * model-specific registers. Nothing here knows about signals, files or
 * ioctls: the os layer drives the leaves as the Linux driver drives ENCLS.
 */
#ifndef SGXEMU_CPU_H
#define SGXEMU_CPU_H

#include "common/lock.h"
#include <stdatomic.h>

#include <openssl/sha.h>

#include "sgxemu/enclu.h"
#include "sgxemu/sgxemu.h"

/* EPCM state bits (struct sgx_epcm.state). */
#define EPCM_BLOCKED 0x1
#define EPCM_PENDING 0x2
#define EPCM_MODIFIED 0x4
#define EPCM_PR 0x8

struct sgx_epcm {
	uint8_t valid;
	uint8_t type;   /* enum sgx_page_type */
	uint8_t perm;   /* SGX_SECINFO_R | W | X */
	uint8_t state;  /* EPCM_* */
	uint32_t secs;  /* frame of the owning SECS */
	uint64_t addr;  /* ENCLAVEADDRESS */
};

/*
 * Hidden SECS fields. Hardware keeps these inside the SECS page at
 * implementation-specific places; we keep them beside it, one slot per
 * frame, valid while the frame holds a PT_SECS page.
 */
struct sgx_secs_hidden {
	SHA256_CTX mrenclave;   /* running measurement (copyable: peeks and
				   failed EINITs leave it untouched) */
	uint64_t eid;
	uint64_t nr_children;   /* EPC pages owned by this enclave */
	uint32_t threads_active; /* logical processors in the enclave */
	uint32_t track_epoch;   /* ETRACKs executed (encls_sgx2.c, the model) */
	uint8_t padding[352];   /* PKCS#1 prefix of the SIGSTRUCT, set by EINIT */
	uint8_t isv_family_id[16];
	uint8_t isv_ext_prod_id[16];
};

struct sgx_cpu {
	struct sgx_cpu_config cfg;
	int epc_fd;
	uint8_t *epc;           /* private map of the whole EPC */
	uint64_t nr_frames;
	struct sgx_epcm *epcm;  /* nr_frames entries (sparse anonymous map) */
	/* Per frame: the owner's track_epoch when EMODPR/EMODT last changed
	 * it; meaningful only while the entry has PR or MODIFIED set. */
	uint32_t *epcm_track;
	struct sgx_secs_hidden **hidden; /* per frame, only for PT_SECS frames */

	uint64_t feature_control;
	uint64_t lepubkeyhash[4];
	uint64_t next_eid;

	/* The page tables the CPU walks for enclave linear addresses. */
	struct sgx_mmu mmu;

	/* ENCLS leaves run one at a time: the EPCM "in use by another
	 * instruction" states never become visible to software. */
	struct sgx_lock lock;

	/* Instrumentation: ENCLS executions by leaf number (faulting and
	 * failing ones included), and a hook told of each one. */
	_Atomic uint64_t encls[16];
	void (*_Atomic trace_hook)(uint32_t leaf);
};

/* ---- helpers shared by the leaves (epc.c) ---- */

static inline bool is_aligned(uint64_t v, uint64_t a) { return (v & (a - 1)) == 0; }

/* Reserved fields must be zero: the check every leaf makes. */
static inline bool mem_all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/* Frame of an EPC linear address, or -1. */
int64_t epc_frame(const struct sgx_cpu *cpu, uint64_t la);
static inline void *frame_ptr(const struct sgx_cpu *cpu, uint64_t frame)
{
	return cpu->epc + frame * SGX_PAGE_SIZE;
}

/* Fault constructors: fill *f and return SGX_LEAF_FAULT | vector. */
int fault_gp(struct sgx_fault *f);
int fault_pf(struct sgx_fault *f, uint64_t addr, uint32_t error_code);
/* #PF raised by ENCLS for an EPC/EPCM condition on `addr`: P | SGX, and W
 * when the leaf writes the page. UNVERIFIED: the SDM gives no error code for
 * ENCLS-raised #PFs; this mirrors what KVM injects for EPCM faults. */
int fault_epcm(struct sgx_fault *f, uint64_t addr, bool write);

/* SECS frame of an EPC address that must be a valid PT_SECS page, else -1. */
int64_t secs_frame_of(const struct sgx_cpu *cpu, uint64_t la);
static inline struct sgx_secs *secs_page(const struct sgx_cpu *cpu, uint64_t frame)
{
	return frame_ptr(cpu, frame);
}

/* Features. */
static inline bool cpu_has(const struct sgx_cpu *cpu, enum sgx_feature f)
{
	return (cpu->cfg.features & SGX_FEATURE_BIT(f)) != 0;
}
/* SECS.ATTRIBUTES.FLAGS bits this CPU allows (CPUID.12.1 EBX:EAX). */
uint64_t cpu_allowed_attributes(const struct sgx_cpu *cpu);
/* MISCSELECT bits this CPU supports (CPUID.12.0 EBX). */
uint32_t cpu_supported_miscselect(const struct sgx_cpu *cpu);
/* XSAVE area size for an XFRM (non-compacted format), from CPUID.0xD. */
uint32_t xsave_size(uint64_t xfrm);

/* Measurement blocks (measure.c). */
void measure_ecreate(SHA256_CTX *ctx, uint32_t ssa_frame_size, uint64_t size);
void measure_eadd(SHA256_CTX *ctx, uint64_t offset, uint64_t secinfo_flags);
void measure_eextend(SHA256_CTX *ctx, uint64_t offset, const uint8_t chunk[256]);

/* The fixed 352-byte PKCS#1 v1.5 / SHA-256 prefix (sigstruct.c). */
extern const uint8_t sgx_pkcs1_sha256_prefix[352];

#endif /* SGXEMU_CPU_H */
