/*
 * encls.h - the ENCLS leaf bodies (src/cpu only).
 *
 * The double-underscore functions run with cpu->lock held; the public
 * sgx_*() wrappers in encls.c take the lock and dispatch.
 */
#ifndef SGXEMU_CPU_ENCLS_H
#define SGXEMU_CPU_ENCLS_H

#include "cpu/cpu.h"

int __ecreate(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f);
int __eadd(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f);
int __eextend(struct sgx_cpu *cpu, uint64_t secs, uint64_t chunk, struct sgx_fault *f);
int __einit(struct sgx_cpu *cpu, uint64_t sigstruct, uint64_t secs, uint64_t token,
	    struct sgx_fault *f);
int __eremove(struct sgx_cpu *cpu, uint64_t epc_page, struct sgx_fault *f);
int __edbgrd(struct sgx_cpu *cpu, uint64_t *data, uint64_t epc_addr, struct sgx_fault *f);
int __edbgwr(struct sgx_cpu *cpu, uint64_t data, uint64_t epc_addr, struct sgx_fault *f);

/* SGX2 and ETRACK (encls_sgx2.c). */
int __eaug(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f);
int __emodpr(struct sgx_cpu *cpu, uint64_t secinfo, uint64_t epc_page, struct sgx_fault *f);
int __emodt(struct sgx_cpu *cpu, uint64_t secinfo, uint64_t epc_page, struct sgx_fault *f);
int __etrack(struct sgx_cpu *cpu, uint64_t secs, struct sgx_fault *f);

/* Is the EMODPR/EMODT change on `frame` still waiting for an ETRACK of its
 * enclave? (The tracking model is described in encls_sgx2.c.) */
static inline bool epcm_untracked(const struct sgx_cpu *cpu, uint64_t frame)
{
	const struct sgx_epcm *e = &cpu->epcm[frame];

	return (e->state & (EPCM_PR | EPCM_MODIFIED)) &&
	       cpu->epcm_track[frame] == cpu->hidden[e->secs]->track_epoch;
}

/* ENCLU leaf bodies (enclu.c, enclu_keys.c, enclu_sgx2.c); cpu->lock held, lp in enclave
 * mode. On success they advance regs->rip past the ENCLU themselves. */
int __ereport(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f);
int __egetkey(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f);
int __edeccssa(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f);
/* SGX2 (enclu_sgx2.c). */
int __eaccept(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f);
int __eacceptcopy(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
		  struct sgx_fault *f);
int __emodpe(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f);

/*
 * An access by enclave code (or by the CPU for it) to `la`: walk the page
 * tables, then check the EPCM - a VALID page of `type` owned by the enclave
 * of secs_frame, at ENCLAVEADDRESS la, not BLOCKED/PENDING/MODIFIED, and (for
 * PT_REG) with the R/W/X permissions `access` needs. Returns 0 with the frame,
 * or a #PF (SGX bit set for EPCM failures).
 */
int enclave_page(struct sgx_cpu *cpu, uint64_t secs_frame, uint64_t la, unsigned access,
		 uint8_t type, uint64_t *frame_out, struct sgx_fault *f);

/*
 * Key derivation (keys.c). KEYDEPENDENCIES of fact sheet 8.6, serialized in
 * this fixed order; a key is AES-128-CMAC(platform root key, struct). The
 * derivation function itself is not architectural; only its inputs are.
 */
struct sgx_keydep {
	uint16_t keyname;
	uint16_t keypolicy;
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t reserved[6];
	uint8_t owner_epoch[16];
	struct sgx_attributes attributes;
	struct sgx_attributes attributes_mask;
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
	uint8_t keyid[32];
	uint8_t seal_key_fuses[16];
	uint8_t cpusvn[16];
	uint8_t padding[352];
	uint32_t miscselect;
	uint32_t misc_mask;
	uint8_t config_id[64];
	uint8_t isv_family_id[16];
	uint8_t isv_ext_prod_id[16];
};
void derive_key(const struct sgx_cpu *cpu, const struct sgx_keydep *dep, uint8_t key[16]);
/* The per-platform SEAL_KEY_FUSES value every derivation uses. */
void seal_key_fuses(const struct sgx_cpu *cpu, uint8_t out[16]);
/* Is `req` no newer than the CPU's CPUSVN? */
bool cpusvn_ok(const struct sgx_cpu *cpu, const uint8_t req[16]);

#endif /* SGXEMU_CPU_ENCLS_H */
