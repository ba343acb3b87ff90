/*
 * encls_build.c - the enclave-build leaves ECREATE, EADD and EEXTEND.
 *
 * Each leaf checks its operands in the order of the SDM pseudo-code (fact
 * sheet sections 2-6) and changes nothing until every check has passed, so a
 * failing leaf leaves the EPC, the EPCM and the measurement exactly as they
 * were. Callers hold cpu->lock.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/encls.h"

static bool is_canonical(uint64_t la)
{
	int64_t s = (int64_t)(la << 16) >> 16;

	return (uint64_t)s == la;
}

/*
 * XFRM must be a value XSETBV would accept and one the CPU allows for
 * enclaves (CPUID.12.1:EDX:ECX). The pairing rules are XCR0's.
 */
static bool xfrm_is_legal(const struct sgx_cpu *cpu, uint64_t xfrm)
{
	const uint64_t avx512 = 0xE0, mpx = 0x18, amx = 0x60000;

	if ((xfrm & SGX_XFRM_LEGACY) != SGX_XFRM_LEGACY || (xfrm >> 63))
		return false;
	if (xfrm & ~cpu->cfg.xfrm_allowed)
		return false;
	if ((xfrm & avx512) && ((xfrm & avx512) != avx512 || !(xfrm & 0x4)))
		return false;
	if ((xfrm & mpx) && (xfrm & mpx) != mpx)
		return false;
	if ((xfrm & amx) && (xfrm & amx) != amx)
		return false;
	return true;
}

/* The checks ECREATE applies to the SECS it copies in (all #GP). */
static bool secs_is_valid(const struct sgx_cpu *cpu, const struct sgx_secs *s)
{
	uint64_t attrs = s->attributes.flags;
	uint32_t misc_size = (s->miscselect & SGX_MISC_EXINFO) ? SGX_SSA_MISC_EXINFO_SIZE : 0;
	uint64_t frame_bytes = (uint64_t)s->ssa_frame_size * SGX_PAGE_SIZE;

	if (attrs & ~cpu_allowed_attributes(cpu))
		return false; /* includes INIT, reserved bits and CET */
	if (attrs & SGX_ATTR_MODE64BIT) {
		if (!is_canonical(s->base) ||
		    s->size >= (1ull << cpu->cfg.max_enclave_size_64))
			return false;
	} else {
		if (s->base >= (1ull << 32) || s->size >= (1ull << cpu->cfg.max_enclave_size_32) ||
		    s->base + s->size > (1ull << 32))
			return false;
	}
	if (s->size < 2 * SGX_PAGE_SIZE || (s->size & (s->size - 1)))
		return false;
	if (s->base & (s->size - 1))
		return false;
	if (!xfrm_is_legal(cpu, s->attributes.xfrm))
		return false;
	if (s->miscselect & ~cpu_supported_miscselect(cpu))
		return false;
	if (xsave_size(s->attributes.xfrm) + misc_size + SGX_SSA_GPRS_SIZE > frame_bytes)
		return false;
	/* This CPU has no CET: its fields must be clear. */
	if (s->cet_leg_bitmap_offset || s->cet_attributes)
		return false;
	if (!(attrs & SGX_ATTR_KSS) && (!mem_all_zero(s->config_id, sizeof(s->config_id)) ||
					s->config_svn))
		return false;
	return mem_all_zero(s->reserved1, sizeof(s->reserved1)) &&
	       mem_all_zero(s->reserved2, sizeof(s->reserved2)) &&
	       mem_all_zero(s->reserved3, sizeof(s->reserved3)) &&
	       mem_all_zero(s->reserved4, sizeof(s->reserved4));
}

int __ecreate(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx, struct sgx_fault *f)
{
	struct sgx_pageinfo pi;
	struct sgx_secinfo si;
	struct sgx_secs_hidden *hidden;
	struct sgx_secs *secs, *tmp;
	int64_t frame;

	if (!is_aligned(rbx, 32) || !is_aligned(rcx, SGX_PAGE_SIZE))
		return fault_gp(f);
	frame = epc_frame(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, true);
	memcpy(&pi, (const void *)(uintptr_t)rbx, sizeof(pi));
	if (!is_aligned(pi.contents, SGX_PAGE_SIZE) || !is_aligned(pi.metadata, 64))
		return fault_gp(f);
	if (pi.addr || pi.secs)
		return fault_gp(f);
	memcpy(&si, (const void *)(uintptr_t)pi.metadata, sizeof(si));
	if ((si.flags & SGX_SECINFO_RESERVED_MASK) || !mem_all_zero(si.reserved, sizeof(si.reserved)) ||
	    (si.flags & SGX_SECINFO_PAGE_TYPE_MASK) != SGX_SECINFO_SECS)
		return fault_gp(f);
	if (cpu->epcm[frame].valid)
		return fault_epcm(f, rcx, true);

	/* Check a private copy first: a bad SECS must leave the frame as it was,
	 * and the source may change under us while we look at it. */
	tmp = aligned_alloc(SGX_PAGE_SIZE, sizeof(*tmp));
	hidden = calloc(1, sizeof(*hidden));
	if (!tmp || !hidden) {
		free(tmp);
		free(hidden);
		return fault_gp(f); /* host out of memory: refuse, change nothing */
	}
	memcpy(tmp, (const void *)(uintptr_t)pi.contents, sizeof(*tmp));
	if (!secs_is_valid(cpu, tmp)) {
		free(tmp);
		free(hidden);
		return fault_gp(f);
	}
	secs = secs_page(cpu, frame);
	memcpy(secs, tmp, sizeof(*tmp));
	free(tmp);
	memset(secs->mrenclave, 0, sizeof(secs->mrenclave));
	memset(secs->mrsigner, 0, sizeof(secs->mrsigner));
	secs->isv_prod_id = 0;
	secs->isv_svn = 0;

	measure_ecreate(&hidden->mrenclave, secs->ssa_frame_size, secs->size);
	hidden->eid = cpu->next_eid++;
	free(cpu->hidden[frame]);
	cpu->hidden[frame] = hidden;

	cpu->epcm[frame] = (struct sgx_epcm){
		.valid = 1, .type = SGX_PT_SECS, .perm = 0, .state = 0, .secs = 0, .addr = 0,
	};
	return 0;
}

/* EADD's extra checks on a TCS page it copies in (all #GP). */
static bool tcs_is_valid(const struct sgx_secs *secs, const struct sgx_tcs *tcs)
{
	if (!mem_all_zero(tcs->reserved, sizeof(tcs->reserved)))
		return false;
	if (!(secs->attributes.flags & SGX_ATTR_MODE64BIT) &&
	    ((tcs->fs_limit & 0xFFF) != 0xFFF || (tcs->gs_limit & 0xFFF) != 0xFFF))
		return false;
	return true;
}

int __eadd(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx, struct sgx_fault *f)
{
	struct sgx_pageinfo pi;
	struct sgx_secinfo si;
	struct sgx_secs *secs;
	int64_t frame, secs_frame;
	uint64_t type, perm;
	void *page;

	if (!is_aligned(rbx, 32) || !is_aligned(rcx, SGX_PAGE_SIZE))
		return fault_gp(f);
	frame = epc_frame(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, true);
	memcpy(&pi, (const void *)(uintptr_t)rbx, sizeof(pi));
	if (!is_aligned(pi.contents, SGX_PAGE_SIZE) || !is_aligned(pi.metadata, 64) ||
	    !is_aligned(pi.addr, SGX_PAGE_SIZE) || !is_aligned(pi.secs, SGX_PAGE_SIZE))
		return fault_gp(f);
	if (epc_frame(cpu, pi.secs) < 0)
		return fault_epcm(f, pi.secs, true);
	memcpy(&si, (const void *)(uintptr_t)pi.metadata, sizeof(si));
	type = (si.flags & SGX_SECINFO_PAGE_TYPE_MASK) >> SGX_SECINFO_PAGE_TYPE_SHIFT;
	perm = si.flags & SGX_SECINFO_PERMISSION_MASK;
	if ((si.flags & SGX_SECINFO_RESERVED_MASK) || !mem_all_zero(si.reserved, sizeof(si.reserved)))
		return fault_gp(f);
	if (type != SGX_PT_REG && type != SGX_PT_TCS)
		return fault_gp(f);
	if (type == SGX_PT_REG && (perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R))
		return fault_gp(f);
	if (cpu->epcm[frame].valid)
		return fault_epcm(f, rcx, true);
	secs_frame = secs_frame_of(cpu, pi.secs);
	if (secs_frame < 0)
		return fault_epcm(f, pi.secs, true);
	secs = secs_page(cpu, secs_frame);
	if (secs->attributes.flags & SGX_ATTR_INIT)
		return fault_gp(f);
	if (pi.addr < secs->base || pi.addr - secs->base >= secs->size)
		return fault_gp(f);
	if (type == SGX_PT_TCS &&
	    !tcs_is_valid(secs, (const struct sgx_tcs *)(uintptr_t)pi.contents))
		return fault_gp(f);

	/* All checks passed: commit. */
	page = frame_ptr(cpu, frame);
	memcpy(page, (const void *)(uintptr_t)pi.contents, SGX_PAGE_SIZE);
	if (type == SGX_PT_TCS) {
		struct sgx_tcs *tcs = page;

		/* The CPU owns these fields; they are hashed as fixed up. */
		tcs->state = SGX_TCS_STATE_INACTIVE;
		tcs->flags &= ~SGX_TCS_DBGOPTIN;
		tcs->ssa_index = 0;
		tcs->exit_addr = 0;
		perm = 0;
		si.flags &= ~SGX_SECINFO_PERMISSION_MASK;
	}
	measure_eadd(&cpu->hidden[secs_frame]->mrenclave, pi.addr - secs->base, si.flags);
	cpu->hidden[secs_frame]->nr_children++;
	cpu->epcm[frame] = (struct sgx_epcm){
		.valid = 1, .type = (uint8_t)type, .perm = (uint8_t)perm, .state = 0,
		.secs = (uint32_t)secs_frame, .addr = pi.addr,
	};
	return 0;
}

int __eextend(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx, struct sgx_fault *f)
{
	const struct sgx_epcm *e;
	struct sgx_secs *secs;
	int64_t frame, secs_frame;

	if (!is_aligned(rbx, SGX_PAGE_SIZE) || !is_aligned(rcx, 256))
		return fault_gp(f);
	if (epc_frame(cpu, rbx) < 0)
		return fault_epcm(f, rbx, true);
	frame = epc_frame(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, false);
	e = &cpu->epcm[frame];
	if (!e->valid || (e->type != SGX_PT_REG && e->type != SGX_PT_TCS))
		return fault_epcm(f, rcx, false);
	secs_frame = secs_frame_of(cpu, rbx);
	if (secs_frame < 0 || e->secs != (uint64_t)secs_frame)
		return fault_gp(f);
	secs = secs_page(cpu, secs_frame);
	if (secs->attributes.flags & SGX_ATTR_INIT)
		return fault_gp(f);

	measure_eextend(&cpu->hidden[secs_frame]->mrenclave,
			e->addr - secs->base + (rcx & 0xFFF),
			(const uint8_t *)frame_ptr(cpu, frame) + (rcx & 0xFFF));
	return 0;
}
