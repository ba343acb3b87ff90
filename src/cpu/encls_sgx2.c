/*
 * encls_sgx2.c - the OS half of SGX2 dynamic memory management: EAUG,
 * EMODPR and EMODT (fact sheet 10.1-10.3), and ETRACK (11.4), the SGX1 leaf
 * those flows need before the enclave may EACCEPT a restriction.
 *
 * EPCM state machine (the enclave half, EACCEPT/EACCEPTCOPY/EMODPE, is in
 * enclu_sgx2.c):
 *   (invalid) --EAUG--> REG+PENDING --EACCEPT(COPY)--> REG
 *   REG --EMODPR--> REG+PR (perms only shrink) --ETRACK, EACCEPT--> REG
 *   REG --EMODT--> TCS|TRIM+MODIFIED --ETRACK, EACCEPT--> TCS|TRIM
 *   TCS --EMODT--> TRIM+MODIFIED;  TRIM --EREMOVE--> (invalid)
 *
 * The ETRACK model. Hardware may only let an enclave accept a restriction
 * once no logical processor can still hold a TLB entry made under the old
 * EPCM values: ETRACK starts a tracking cycle that ends when every thread
 * inside the enclave at that moment has left it (the OS forces them out
 * with an IPI). sgxemu keeps no TLB, and the OS layer's IPI equivalent
 * forces those threads out synchronously, so an ETRACK cycle completes the
 * moment ETRACK executes. What remains observable is the ordering: a change
 * made after the last ETRACK is not tracked yet. So every SECS has an epoch
 * (struct sgx_secs_hidden.track_epoch) that ETRACK increments, EMODPR and
 * EMODT stamp the page with the current epoch (cpu->epcm_track, a side
 * array beside the EPCM so struct sgx_epcm stays 16 bytes), and EACCEPT of
 * a PR/MODIFIED page whose stamp still equals the epoch is SGX_NOT_TRACKED.
 * Because a cycle is never left running, ETRACK never returns
 * SGX_PREV_TRK_INCMPL.
 *
 * Leaves run one at a time under cpu->lock, so SGX_EPC_PAGE_CONFLICT and
 * the "page in use" #GPs never happen. Each leaf checks in SDM order and
 * commits only when every check has passed.
 */
#include <string.h>

#include "cpu/encls.h"

static bool secinfo_reserved_clear(const struct sgx_secinfo *si)
{
	return !(si->flags & SGX_SECINFO_RESERVED_MASK) &&
	       mem_all_zero(si->reserved, sizeof(si->reserved));
}

static uint8_t secinfo_type(const struct sgx_secinfo *si)
{
	return (uint8_t)((si->flags & SGX_SECINFO_PAGE_TYPE_MASK) >> SGX_SECINFO_PAGE_TYPE_SHIFT);
}

static bool enclave_initialized(const struct sgx_cpu *cpu, uint64_t secs_frame)
{
	return secs_page(cpu, secs_frame)->attributes.flags & SGX_ATTR_INIT;
}

/* The change just made to `frame` needs an ETRACK before EACCEPT. */
static void stamp_untracked(struct sgx_cpu *cpu, uint64_t frame)
{
	cpu->epcm_track[frame] = cpu->hidden[cpu->epcm[frame].secs]->track_epoch;
}

/* EAUG's checks on PAGEINFO and the target (all before any state changes);
 * on success the SECS frame. */
static int eaug_checks(struct sgx_cpu *cpu, const struct sgx_pageinfo *pi, uint64_t rcx,
		       int64_t frame, int64_t *secs_frame, struct sgx_fault *f)
{
	const struct sgx_secs *secs;

	if (pi->metadata && !is_aligned(pi->metadata, 64))
		return fault_gp(f);
	if (!is_aligned(pi->addr, SGX_PAGE_SIZE) || !is_aligned(pi->secs, SGX_PAGE_SIZE))
		return fault_gp(f);
	if (pi->contents)
		return fault_gp(f);
	if (epc_frame(cpu, pi->secs) < 0)
		return fault_epcm(f, pi->secs, false);
	if (cpu->epcm[frame].valid)
		return fault_epcm(f, rcx, true);
	/* A SECINFO may only name a CET shadow-stack type; this CPU has no
	 * CET, so no SECINFO is acceptable. */
	if (pi->metadata)
		return fault_gp(f);
	*secs_frame = secs_frame_of(cpu, pi->secs);
	if (*secs_frame < 0)
		return fault_epcm(f, pi->secs, false);
	if (!enclave_initialized(cpu, *secs_frame))
		return fault_gp(f);
	secs = secs_page(cpu, *secs_frame);
	if (pi->addr < secs->base || pi->addr - secs->base >= secs->size)
		return fault_gp(f);
	return 0;
}

int __eaug(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx, struct sgx_fault *f)
{
	struct sgx_pageinfo pi;
	int64_t frame, secs_frame = -1;
	int ret;

	if (!is_aligned(rbx, 32) || !is_aligned(rcx, SGX_PAGE_SIZE))
		return fault_gp(f);
	frame = epc_frame(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, true);
	memcpy(&pi, (const void *)(uintptr_t)rbx, sizeof(pi));
	ret = eaug_checks(cpu, &pi, rcx, frame, &secs_frame, f);
	if (ret)
		return ret;

	memset(frame_ptr(cpu, frame), 0, SGX_PAGE_SIZE);
	cpu->hidden[secs_frame]->nr_children++;
	cpu->epcm[frame] = (struct sgx_epcm){
		.valid = 1, .type = SGX_PT_REG, .perm = SGX_SECINFO_R | SGX_SECINFO_W,
		.state = EPCM_PENDING, .secs = (uint32_t)secs_frame, .addr = pi.addr,
	};
	return 0;
}

/* Operand checks EMODPR and EMODT share: RBX 64-aligned SECINFO with its
 * reserved bits clear, RCX a 4K-aligned EPC page. */
static int emod_operands(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx,
			 struct sgx_secinfo *si, int64_t *frame, struct sgx_fault *f)
{
	if (!is_aligned(rbx, 64) || !is_aligned(rcx, SGX_PAGE_SIZE))
		return fault_gp(f);
	*frame = epc_frame(cpu, rcx);
	if (*frame < 0)
		return fault_epcm(f, rcx, false);
	memcpy(si, (const void *)(uintptr_t)rbx, sizeof(*si));
	if (!secinfo_reserved_clear(si))
		return fault_gp(f);
	return 0;
}

int __emodpr(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx, struct sgx_fault *f)
{
	struct sgx_secinfo si;
	struct sgx_epcm *e;
	int64_t frame;
	int ret = emod_operands(cpu, rbx, rcx, &si, &frame, f);

	if (ret)
		return ret;
	if ((si.flags & SGX_SECINFO_W) && !(si.flags & SGX_SECINFO_R))
		return fault_gp(f);
	e = &cpu->epcm[frame];
	if (!e->valid)
		return fault_epcm(f, rcx, false);
	if (e->state & (EPCM_PENDING | EPCM_MODIFIED))
		return SGX_PAGE_NOT_MODIFIABLE;
	if (e->type != SGX_PT_REG)
		return fault_epcm(f, rcx, false);
	if (!enclave_initialized(cpu, e->secs))
		return fault_gp(f);

	e->state |= EPCM_PR;
	e->perm &= (uint8_t)(si.flags & SGX_SECINFO_PERMISSION_MASK);
	stamp_untracked(cpu, (uint64_t)frame);
	return 0;
}

/* The type changes EMODT allows (no CET: no shadow-stack types). */
static bool emodt_allowed(uint8_t from, uint8_t to)
{
	return from == SGX_PT_REG || (from == SGX_PT_TCS && to == SGX_PT_TRIM);
}

int __emodt(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx, struct sgx_fault *f)
{
	struct sgx_secinfo si;
	struct sgx_epcm *e;
	int64_t frame;
	uint8_t type;
	int ret = emod_operands(cpu, rbx, rcx, &si, &frame, f);

	if (ret)
		return ret;
	type = secinfo_type(&si);
	if (type != SGX_PT_TCS && type != SGX_PT_TRIM)
		return fault_gp(f);
	e = &cpu->epcm[frame];
	if (!e->valid)
		return fault_epcm(f, rcx, false);
	if (!emodt_allowed(e->type, type))
		return fault_epcm(f, rcx, false);
	if (e->state & (EPCM_PENDING | EPCM_MODIFIED))
		return SGX_PAGE_NOT_MODIFIABLE;
	if (!enclave_initialized(cpu, e->secs))
		return fault_gp(f);

	e->state = (uint8_t)((e->state & ~EPCM_PR) | EPCM_MODIFIED);
	e->perm = 0;
	e->type = type;
	stamp_untracked(cpu, (uint64_t)frame);
	return 0;
}

int __etrack(struct sgx_cpu *cpu, uint64_t rcx, struct sgx_fault *f)
{
	int64_t frame;

	if (!is_aligned(rcx, SGX_PAGE_SIZE))
		return fault_gp(f);
	if (epc_frame(cpu, rcx) < 0)
		return fault_epcm(f, rcx, false);
	frame = secs_frame_of(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, false);
	/* The cycle starts and, in this model, completes here (header). */
	cpu->hidden[frame]->track_epoch++;
	return 0;
}
