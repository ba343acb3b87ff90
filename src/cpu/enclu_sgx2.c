/*
 * enclu_sgx2.c - the enclave half of SGX2 dynamic memory management:
 * EACCEPT (ENCLU 5), EMODPE (6) and EACCEPTCOPY (7), fact sheet 10.4-10.6.
 *
 * The OS proposes a change with EAUG/EMODPR/EMODT (encls_sgx2.c); it takes
 * effect for the enclave only once the enclave accepts it, so the OS cannot
 * silently add, restrict or retype enclave memory. EACCEPT also enforces the
 * ETRACK ordering (SGX_NOT_TRACKED; the model is in encls_sgx2.c).
 *
 * Conventions of the error-code leaves (as __egetkey): once the operands
 * pass their fault checks the instruction completes - RAX = code, ZF = 1 on
 * error, CF/PF/AF/SF/OF = 0, RIP past the ENCLU; a fault changes nothing.
 * All run with cpu->lock held and lp in enclave mode (enclu.c).
 */
#include <string.h>

#include "cpu/encls.h"

#define RFLAGS_CF 0x1ull
#define RFLAGS_PF 0x4ull
#define RFLAGS_AF 0x10ull
#define RFLAGS_ZF 0x40ull
#define RFLAGS_SF 0x80ull
#define RFLAGS_OF 0x800ull
#define RFLAGS_STATUS (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

#define ENCLU_INSN_LEN 3

/* An error-code leaf completes: report `code` and step over the ENCLU. */
static int complete(struct sgx_regs *regs, int code)
{
	regs->rflags &= ~RFLAGS_STATUS;
	if (code)
		regs->rflags |= RFLAGS_ZF;
	regs->rax = (uint64_t)code;
	regs->rip += ENCLU_INSN_LEN;
	return code;
}

/* The #PF an EPCM refusal of an access to `la` raises (as enclave_page). */
static int epcm_fault(struct sgx_fault *f, uint64_t la, unsigned access)
{
	return fault_pf(f, la, X86_PF_PROT | X86_PF_USER | X86_PF_SGX |
				       ((access & SGX_ACCESS_WRITE) ? X86_PF_WRITE : 0));
}

/*
 * The EPC frame behind a target page, through the page tables only: these
 * leaves operate on pages enclave_page() refuses (PENDING, MODIFIED, TCS,
 * TRIM), so each one checks the EPCM entry itself.
 */
static int target_frame(struct sgx_cpu *cpu, uint64_t la, unsigned access, uint64_t *out,
			struct sgx_fault *f)
{
	int64_t frame;

	if (!cpu->mmu.translate)
		return fault_pf(f, la, X86_PF_USER | ((access & SGX_ACCESS_WRITE) ? X86_PF_WRITE : 0));
	frame = cpu->mmu.translate(cpu->mmu.ctx, la, access, f);
	if (frame == -1)
		return SGX_LEAF_FAULT | X86_TRAP_PF;
	if (frame < 0 || (uint64_t)frame >= cpu->nr_frames)
		return epcm_fault(f, la, access);
	*out = (uint64_t)frame;
	return 0;
}

/* The SECINFO operand at RBX: a readable, ordinary page of this enclave at
 * its own address (every check is a #PF from enclave_page). */
static int read_secinfo(struct sgx_cpu *cpu, const struct sgx_lp *lp, uint64_t la,
			struct sgx_secinfo *si, struct sgx_fault *f)
{
	uint64_t frame;
	int ret = enclave_page(cpu, lp->secs_frame, la, SGX_ACCESS_READ, SGX_PT_REG, &frame, f);

	if (ret)
		return ret;
	memcpy(si, (const uint8_t *)frame_ptr(cpu, frame) + (la & 0xFFF), sizeof(*si));
	return 0;
}

static bool secinfo_reserved_clear(const struct sgx_secinfo *si)
{
	return !(si->flags & SGX_SECINFO_RESERVED_MASK) &&
	       mem_all_zero(si->reserved, sizeof(si->reserved));
}

static uint8_t secinfo_type(uint64_t flags)
{
	return (uint8_t)((flags & SGX_SECINFO_PAGE_TYPE_MASK) >> SGX_SECINFO_PAGE_TYPE_SHIFT);
}

static bool w_without_r(uint64_t flags)
{
	return (flags & SGX_SECINFO_W) && !(flags & SGX_SECINFO_R);
}

/* The SECINFO combinations EACCEPT accepts (no CET: no shadow-stack). */
static bool eaccept_combination_ok(uint64_t flags)
{
	bool pending = flags & SGX_SECINFO_PENDING, modified = flags & SGX_SECINFO_MODIFIED;
	bool pr = flags & SGX_SECINFO_PR;

	switch (secinfo_type(flags)) {
	case SGX_PT_REG:
		return (pr || pending) && !modified;
	case SGX_PT_TCS:
	case SGX_PT_TRIM:
		return !pending && modified && !pr;
	default:
		return false;
	}
}

/* Does the EPCM entry differ from what the enclave says it accepts? PR is
 * not compared: the SECINFO's PR bit only selects the legal combination. */
static bool eaccept_mismatch(const struct sgx_epcm *e, uint64_t la, uint64_t flags)
{
	bool pending = flags & SGX_SECINFO_PENDING, modified = flags & SGX_SECINFO_MODIFIED;

	return e->addr != la || !(e->state & EPCM_PENDING) != !pending ||
	       !(e->state & EPCM_MODIFIED) != !modified ||
	       e->perm != (flags & SGX_SECINFO_PERMISSION_MASK) || e->type != secinfo_type(flags);
}

/* What a TCS must look like before the enclave takes it as one (all #GP). */
static bool eaccept_tcs_ok(const struct sgx_secs *secs, const struct sgx_tcs *tcs)
{
	if (!mem_all_zero(tcs->reserved, sizeof(tcs->reserved)))
		return false;
	if (!(secs->attributes.flags & SGX_ATTR_MODE64BIT) &&
	    ((tcs->fs_limit & 0xFFF) != 0xFFF || (tcs->gs_limit & 0xFFF) != 0xFFF))
		return false;
	return !(tcs->flags & SGX_TCS_DBGOPTIN) && tcs->ssa_index < tcs->nr_ssa_frames &&
	       tcs->exit_addr == 0 && tcs->state == SGX_TCS_STATE_INACTIVE;
}

/* EACCEPT's checks up to and including the target's EPCM #PFs. */
static int eaccept_operands(struct sgx_cpu *cpu, const struct sgx_lp *lp,
			    const struct sgx_regs *regs, struct sgx_secinfo *si, uint64_t *frame,
			    struct sgx_fault *f)
{
	uint64_t rbx = regs->rbx, rcx = regs->rcx;
	const struct sgx_epcm *e;
	int ret;

	if (!is_aligned(rbx, 64) || !sgx_lp_in_elrange(lp, rbx))
		return fault_gp(f);
	ret = read_secinfo(cpu, lp, rbx, si, f);
	if (ret)
		return ret;
	if (!secinfo_reserved_clear(si))
		return fault_gp(f);
	if (!is_aligned(rcx, SGX_PAGE_SIZE) || !sgx_lp_in_elrange(lp, rcx))
		return fault_gp(f);
	ret = target_frame(cpu, rcx, SGX_ACCESS_READ, frame, f);
	if (ret)
		return ret;
	if (!eaccept_combination_ok(si->flags))
		return fault_gp(f);
	e = &cpu->epcm[*frame];
	if (!e->valid || (e->state & EPCM_BLOCKED) || e->secs != lp->secs_frame ||
	    (e->type != SGX_PT_REG && e->type != SGX_PT_TCS && e->type != SGX_PT_TRIM))
		return epcm_fault(f, rcx, SGX_ACCESS_READ);
	return 0;
}

int __eaccept(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f)
{
	struct sgx_secinfo si;
	struct sgx_epcm *e;
	uint64_t frame;
	int ret = eaccept_operands(cpu, lp, regs, &si, &frame, f);

	if (ret)
		return ret;
	e = &cpu->epcm[frame];
	if (eaccept_mismatch(e, regs->rcx, si.flags))
		return complete(regs, SGX_PAGE_ATTRIBUTES_MISMATCH);
	if (epcm_untracked(cpu, frame))
		return complete(regs, SGX_NOT_TRACKED);
	if (e->type == SGX_PT_TCS &&
	    !eaccept_tcs_ok(secs_page(cpu, e->secs), frame_ptr(cpu, frame)))
		return fault_gp(f);

	e->state &= (uint8_t)~(EPCM_PENDING | EPCM_MODIFIED | EPCM_PR);
	return complete(regs, 0);
}

/* EACCEPTCOPY's destination: the fresh EAUG'd page of this enclave at RCX,
 * still PENDING, with EAUG's default RW permissions. */
static bool acceptcopy_dest_ok(const struct sgx_epcm *e, const struct sgx_lp *lp, uint64_t la)
{
	return e->valid && (e->state & EPCM_PENDING) && !(e->state & EPCM_MODIFIED) &&
	       e->type == SGX_PT_REG && e->perm == (SGX_SECINFO_R | SGX_SECINFO_W) &&
	       e->secs == lp->secs_frame && e->addr == la;
}

int __eacceptcopy(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
		  struct sgx_fault *f)
{
	uint64_t rbx = regs->rbx, rcx = regs->rcx, rdx = regs->rdx;
	uint64_t dst, src, si_frame;
	struct sgx_secinfo si;
	struct sgx_epcm *e;
	int ret;

	if (!is_aligned(rbx, 64) || !is_aligned(rcx, SGX_PAGE_SIZE) ||
	    !is_aligned(rdx, SGX_PAGE_SIZE))
		return fault_gp(f);
	if (!sgx_lp_in_elrange(lp, rbx) || !sgx_lp_in_elrange(lp, rcx) ||
	    !sgx_lp_in_elrange(lp, rdx))
		return fault_gp(f);
	ret = enclave_page(cpu, lp->secs_frame, rbx, SGX_ACCESS_READ, SGX_PT_REG, &si_frame, f);
	if (ret)
		return ret;
	ret = target_frame(cpu, rcx, SGX_ACCESS_WRITE, &dst, f);
	if (ret)
		return ret;
	memcpy(&si, (const uint8_t *)frame_ptr(cpu, si_frame) + (rbx & 0xFFF), sizeof(si));
	if (!secinfo_reserved_clear(&si) || w_without_r(si.flags) ||
	    secinfo_type(si.flags) != SGX_PT_REG)
		return fault_gp(f);
	ret = enclave_page(cpu, lp->secs_frame, rdx, SGX_ACCESS_READ, SGX_PT_REG, &src, f);
	if (ret)
		return ret;
	e = &cpu->epcm[dst];
	if (!acceptcopy_dest_ok(e, lp, rcx))
		return complete(regs, SGX_PAGE_ATTRIBUTES_MISMATCH);

	/* memmove: a source that is the destination itself was refused above
	 * (it is PENDING), but the copy must not depend on that. */
	memmove(frame_ptr(cpu, dst), frame_ptr(cpu, src), SGX_PAGE_SIZE);
	e->perm = (uint8_t)(si.flags & SGX_SECINFO_PERMISSION_MASK);
	e->state &= (uint8_t)~EPCM_PENDING;
	return complete(regs, 0);
}

int __emodpe(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f)
{
	uint64_t rbx = regs->rbx, rcx = regs->rcx, frame;
	struct sgx_secinfo si;
	struct sgx_epcm *e;
	int ret;

	if (!is_aligned(rbx, 64) || !is_aligned(rcx, SGX_PAGE_SIZE))
		return fault_gp(f);
	if (!sgx_lp_in_elrange(lp, rbx) || !sgx_lp_in_elrange(lp, rcx))
		return fault_gp(f);
	ret = read_secinfo(cpu, lp, rbx, &si, f);
	if (ret)
		return ret;
	ret = target_frame(cpu, rcx, SGX_ACCESS_READ, &frame, f);
	if (ret)
		return ret;
	if (!secinfo_reserved_clear(&si) || w_without_r(si.flags))
		return fault_gp(f);
	e = &cpu->epcm[frame];
	if (!e->valid || e->type != SGX_PT_REG || e->secs != lp->secs_frame || e->addr != rcx ||
	    (e->state & (EPCM_PENDING | EPCM_MODIFIED | EPCM_BLOCKED)))
		return epcm_fault(f, rcx, SGX_ACCESS_READ);

	/* No error code: RAX and RFLAGS stay as they were. */
	e->perm |= (uint8_t)(si.flags & SGX_SECINFO_PERMISSION_MASK);
	regs->rip += ENCLU_INSN_LEN;
	return 0;
}
