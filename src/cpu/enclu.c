/*
 * enclu.c - ENCLU dispatch and the enclave transitions: EENTER, ERESUME,
 * EEXIT, and the Asynchronous Enclave Exit (fact sheet sections 1.3, 5, 9).
 *
 * The CPU reaches the TCS and SSA frames through the OS's page tables
 * (cpu->mmu) and then checks them against the EPCM, as hardware does. All
 * state a leaf changes is written only after every check has passed. These
 * functions run inside the entry layer's trap handlers: no allocation, no
 * I/O.
 */
#include <string.h>

#include "cpu/encls.h"

#define RFLAGS_CF 0x1ull
#define RFLAGS_PF 0x4ull
#define RFLAGS_AF 0x10ull
#define RFLAGS_ZF 0x40ull
#define RFLAGS_SF 0x80ull
#define RFLAGS_TF 0x100ull
#define RFLAGS_DF 0x400ull
#define RFLAGS_OF 0x800ull
#define RFLAGS_NT 0x4000ull
#define RFLAGS_RF 0x10000ull
#define RFLAGS_AC 0x40000ull
#define RFLAGS_ID 0x200000ull
/* What ERESUME restores from the SSA; the rest (IF, IOPL, ...) stays. */
#define RFLAGS_RESTORED (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
			 RFLAGS_DF | RFLAGS_OF | RFLAGS_NT | RFLAGS_AC | RFLAGS_ID | RFLAGS_RF)
/* What an AEX clears in the synthetic state. */
#define RFLAGS_AEX_CLEARED (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
			    RFLAGS_OF | RFLAGS_RF)

static bool is_canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

int enclave_page(struct sgx_cpu *cpu, uint64_t secs_frame, uint64_t la, unsigned access,
		 uint8_t type, uint64_t *frame_out, struct sgx_fault *f)
{
	uint32_t err = X86_PF_PROT | X86_PF_USER | X86_PF_SGX |
		       ((access & SGX_ACCESS_WRITE) ? X86_PF_WRITE : 0) |
		       ((access & SGX_ACCESS_EXEC) ? X86_PF_INSTR : 0);
	uint64_t page = la & ~(uint64_t)0xFFF;
	const struct sgx_epcm *e;
	int64_t frame;

	if (!cpu->mmu.translate)
		return fault_pf(f, la, err & ~(X86_PF_PROT | X86_PF_SGX));
	frame = cpu->mmu.translate(cpu->mmu.ctx, la, access, f);
	if (frame == -1)
		return SGX_LEAF_FAULT | X86_TRAP_PF;
	if (frame < 0 || (uint64_t)frame >= cpu->nr_frames)
		return fault_pf(f, la, err);
	e = &cpu->epcm[frame];
	if (!e->valid || e->type != type || e->secs != secs_frame || e->addr != page ||
	    (e->state & (EPCM_BLOCKED | EPCM_PENDING | EPCM_MODIFIED)))
		return fault_pf(f, la, err);
	if (type == SGX_PT_REG &&
	    (((access & SGX_ACCESS_READ) && !(e->perm & SGX_SECINFO_R)) ||
	     ((access & SGX_ACCESS_WRITE) && !(e->perm & SGX_SECINFO_W)) ||
	     ((access & SGX_ACCESS_EXEC) && !(e->perm & SGX_SECINFO_X))))
		return fault_pf(f, la, err);
	*frame_out = (uint64_t)frame;
	return 0;
}

/* An SSA frame as the CPU sees it after checking its pages. */
struct ssa_frame {
	uint64_t la;               /* linear address of the frame */
	uint8_t *xsave;            /* first page (XSAVE area at offset 0) */
	struct sgx_gprsgx *gpr;    /* GPRSGX, in the frame's last page */
	struct sgx_exinfo *exinfo; /* MISC.EXINFO, just below GPRSGX */
};

/*
 * Check the pages of SSA frame `index` that hardware checks - every page of
 * the XSAVE area and the page holding GPRSGX - and locate them.
 */
static int ssa_frame_get(struct sgx_cpu *cpu, uint64_t secs_frame, const struct sgx_tcs *tcs,
			 uint32_t index, struct ssa_frame *out, struct sgx_fault *f)
{
	const struct sgx_secs *secs = secs_page(cpu, secs_frame);
	uint64_t frame_size = (uint64_t)secs->ssa_frame_size * SGX_PAGE_SIZE;
	uint64_t la = secs->base + tcs->ssa_offset + index * frame_size;
	uint64_t xsave_end = la + xsave_size(secs->attributes.xfrm);
	uint64_t gpr_la = la + frame_size - SGX_SSA_GPRS_SIZE;
	uint64_t frame = 0, first = 0;
	int ret;

	for (uint64_t p = la; p < xsave_end; p += SGX_PAGE_SIZE) {
		ret = enclave_page(cpu, secs_frame, p, SGX_ACCESS_READ | SGX_ACCESS_WRITE,
				   SGX_PT_REG, &frame, f);
		if (ret)
			return ret;
		if (p == la)
			first = frame;
	}
	ret = enclave_page(cpu, secs_frame, gpr_la, SGX_ACCESS_READ | SGX_ACCESS_WRITE,
			   SGX_PT_REG, &frame, f);
	if (ret)
		return ret;
	out->la = la;
	out->xsave = frame_ptr(cpu, first);
	out->gpr = (struct sgx_gprsgx *)((uint8_t *)frame_ptr(cpu, frame) + (gpr_la & 0xFFF));
	out->exinfo = (struct sgx_exinfo *)((uint8_t *)out->gpr - sizeof(struct sgx_exinfo));
	return 0;
}

/* Checks EENTER and ERESUME share (fact sheet 9.1, 9.4). On success the TCS,
 * its frame and its SECS frame are returned. */
static int tcs_enter_checks(struct sgx_cpu *cpu, const struct sgx_regs *regs,
			    struct sgx_tcs **tcs_out, uint64_t *tcs_frame_out,
			    uint64_t *secs_frame_out, struct sgx_fault *f)
{
	uint64_t tcs_la = regs->rbx, frame;
	const struct sgx_epcm *e;
	struct sgx_secs *secs;
	struct sgx_tcs *tcs;
	int64_t t;

	if (!is_aligned(tcs_la, SGX_PAGE_SIZE))
		return fault_gp(f);
	if (!cpu->mmu.translate)
		return fault_pf(f, tcs_la, X86_PF_USER);
	t = cpu->mmu.translate(cpu->mmu.ctx, tcs_la, SGX_ACCESS_READ, f);
	if (t == -1)
		return SGX_LEAF_FAULT | X86_TRAP_PF;
	if (!is_canonical(regs->rcx))
		return fault_gp(f);
	if (t < 0 || (uint64_t)t >= cpu->nr_frames)
		return fault_pf(f, tcs_la, X86_PF_PROT | X86_PF_WRITE | X86_PF_USER | X86_PF_SGX);
	frame = (uint64_t)t;
	e = &cpu->epcm[frame];
	if (!e->valid || e->type != SGX_PT_TCS || e->addr != tcs_la ||
	    (e->state & (EPCM_BLOCKED | EPCM_PENDING | EPCM_MODIFIED)))
		return fault_pf(f, tcs_la, X86_PF_PROT | X86_PF_WRITE | X86_PF_USER | X86_PF_SGX);
	tcs = frame_ptr(cpu, frame);
	secs = secs_page(cpu, e->secs);
	if (!is_aligned(tcs->ssa_offset, SGX_PAGE_SIZE) ||
	    !is_aligned(tcs->fs_offset, SGX_PAGE_SIZE) ||
	    !is_aligned(tcs->gs_offset, SGX_PAGE_SIZE) || (tcs->flags & SGX_TCS_FLAGS_RESERVED))
		return fault_gp(f);
	/* Initialized, 64-bit (the only mode this CPU runs enclaves in), and an
	 * XFRM the host's XCR0 can hold. */
	if (!(secs->attributes.flags & SGX_ATTR_INIT) ||
	    !(secs->attributes.flags & SGX_ATTR_MODE64BIT) ||
	    (secs->attributes.xfrm & ~cpu->cfg.xfrm_allowed))
		return fault_gp(f);
	if (!(tcs->flags & SGX_TCS_DBGOPTIN) &&
	    !(tcs->flags & SGX_TCS_AEXNOTIFY) != !(secs->attributes.flags & SGX_ATTR_AEXNOTIFY))
		return fault_gp(f);
	*tcs_out = tcs;
	*tcs_frame_out = frame;
	*secs_frame_out = e->secs;
	return 0;
}

/* The last EENTER/ERESUME checks, on the target addresses. */
static int entry_target_checks(const struct sgx_secs *secs, const struct sgx_tcs *tcs,
			       struct sgx_fault *f)
{
	if (!is_canonical(secs->base + tcs->entry_offset) ||
	    !is_canonical(secs->base + tcs->fs_offset) ||
	    !is_canonical(secs->base + tcs->gs_offset))
		return fault_gp(f);
	return 0;
}

/* TCS.STATE: INACTIVE -> ACTIVE, atomically: one logical processor per TCS. */
static bool tcs_claim(struct sgx_tcs *tcs)
{
	uint64_t expected = SGX_TCS_STATE_INACTIVE;

	return __atomic_compare_exchange_n(&tcs->state, &expected, SGX_TCS_STATE_ACTIVE, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void lp_enter(struct sgx_cpu *cpu, struct sgx_lp *lp, const struct sgx_regs *regs,
		     uint64_t secs_frame, uint64_t tcs_frame)
{
	const struct sgx_secs *secs = secs_page(cpu, secs_frame);

	lp->in_enclave = true;
	lp->secs_frame = secs_frame;
	lp->tcs_la = regs->rbx;
	lp->tcs_frame = tcs_frame;
	lp->host_fsbase = regs->fsbase;
	lp->host_gsbase = regs->gsbase;
	lp->elrange_base = secs->base;
	lp->elrange_size = secs->size;
	__atomic_add_fetch(&cpu->hidden[secs_frame]->threads_active, 1, __ATOMIC_RELAXED);
}

/* Entering at frame CSSA: EENTER, and ERESUME of a TCS that asked for
 * AEX notification (fact sheet 9.4, the TMP_NOTIFY branch). */
static int enter_at_cssa(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
			 struct sgx_tcs *tcs, uint64_t tcs_frame, uint64_t secs_frame,
			 struct sgx_fault *f)
{
	const struct sgx_secs *secs = secs_page(cpu, secs_frame);
	struct ssa_frame ssa;
	int ret;

	if (tcs->ssa_index >= tcs->nr_ssa_frames)
		return fault_gp(f);
	ret = ssa_frame_get(cpu, secs_frame, tcs, tcs->ssa_index, &ssa, f);
	if (ret)
		return ret;
	ret = entry_target_checks(secs, tcs, f);
	if (ret)
		return ret;
	if (!tcs_claim(tcs))
		return fault_gp(f);

	tcs->exit_addr = regs->rcx;
	ssa.gpr->ursp = regs->rsp;
	ssa.gpr->urbp = regs->rbp;
	lp_enter(cpu, lp, regs, secs_frame, tcs_frame);
	regs->rcx = regs->rip + 3; /* the instruction after ENCLU */
	regs->rip = secs->base + tcs->entry_offset;
	regs->rax = tcs->ssa_index;
	regs->fsbase = secs->base + tcs->fs_offset;
	regs->gsbase = secs->base + tcs->gs_offset;
	if (!(tcs->flags & SGX_TCS_DBGOPTIN))
		regs->rflags &= ~RFLAGS_TF;
	return 0;
}

static int eenter(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
		  struct sgx_fault *f)
{
	uint64_t tcs_frame, secs_frame;
	struct sgx_tcs *tcs;
	int ret = tcs_enter_checks(cpu, regs, &tcs, &tcs_frame, &secs_frame, f);

	if (ret)
		return ret;
	return enter_at_cssa(cpu, lp, regs, tcs, tcs_frame, secs_frame, f);
}

/*
 * Copy the register state of an XSAVE image: the x87/SSE part of the legacy
 * region (bytes 0..415; 416..511 belong to software - the kernel keeps its
 * signal-frame metadata there) and the extended components after the
 * 64-byte header. The header's XSTATE_BV is merged by the callers.
 */
static void xstate_copy(uint8_t *dst, const uint8_t *src, uint32_t size)
{
	memcpy(dst, src, 416);
	if (size > 576)
		memcpy(dst + 576, src + 576, size - 576);
}

/* XRSTOR's checks on the saved image: XSTATE_BV within XFRM, XCOMP_BV and
 * the reserved header bytes zero (bytes 520..535 of the frame). */
static bool xsave_header_ok(const uint8_t *xsave, uint64_t xfrm)
{
	uint64_t xstate_bv;

	memcpy(&xstate_bv, xsave + 512, 8);
	for (int i = 520; i < 536; i++)
		if (xsave[i])
			return false;
	return (xstate_bv & ~xfrm) == 0;
}

static int eresume(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
		   struct sgx_fault *f)
{
	uint64_t tcs_frame, secs_frame;
	const struct sgx_secs *secs;
	struct sgx_tcs *tcs;
	struct ssa_frame ssa;
	struct sgx_gprsgx g;
	uint32_t xsize;
	int ret = tcs_enter_checks(cpu, regs, &tcs, &tcs_frame, &secs_frame, f);

	if (ret)
		return ret;
	secs = secs_page(cpu, secs_frame);
	if (tcs->ssa_index == 0)
		return fault_gp(f);
	ret = ssa_frame_get(cpu, secs_frame, tcs, tcs->ssa_index - 1, &ssa, f);
	if (ret)
		return ret;
	if ((tcs->flags & SGX_TCS_AEXNOTIFY) && (ssa.gpr->aexnotify & 1))
		return enter_at_cssa(cpu, lp, regs, tcs, tcs_frame, secs_frame, f);

	ret = entry_target_checks(secs, tcs, f);
	if (ret)
		return ret;
	if (!xsave_header_ok(ssa.xsave, secs->attributes.xfrm))
		return fault_gp(f);
	if (!tcs_claim(tcs))
		return fault_gp(f);

	g = *ssa.gpr;
	tcs->exit_addr = regs->rcx;
	tcs->ssa_index--;
	lp_enter(cpu, lp, regs, secs_frame, tcs_frame);
	regs->rax = g.rax; regs->rcx = g.rcx; regs->rdx = g.rdx; regs->rbx = g.rbx;
	regs->rsp = g.rsp; regs->rbp = g.rbp; regs->rsi = g.rsi; regs->rdi = g.rdi;
	regs->r8 = g.r8; regs->r9 = g.r9; regs->r10 = g.r10; regs->r11 = g.r11;
	regs->r12 = g.r12; regs->r13 = g.r13; regs->r14 = g.r14; regs->r15 = g.r15;
	regs->rip = g.rip;
	regs->rflags = (regs->rflags & ~RFLAGS_RESTORED) | (g.rflags & RFLAGS_RESTORED);
	if (!(tcs->flags & SGX_TCS_DBGOPTIN))
		regs->rflags &= ~RFLAGS_TF;
	regs->fsbase = g.fsbase;
	regs->gsbase = g.gsbase;
	if (regs->xsave) {
		/* XRSTOR with RFBM = XFRM: components in XFRM come from the SSA. */
		xsize = xsave_size(secs->attributes.xfrm);
		if (xsize > regs->xsave_size)
			xsize = regs->xsave_size;
		xstate_copy(regs->xsave, ssa.xsave, xsize);
		{
			uint64_t bv_host, bv_ssa, xfrm = secs->attributes.xfrm;

			memcpy(&bv_host, (uint8_t *)regs->xsave + 512, 8);
			memcpy(&bv_ssa, ssa.xsave + 512, 8);
			bv_host = (bv_host & ~xfrm) | (bv_ssa & xfrm);
			memcpy((uint8_t *)regs->xsave + 512, &bv_host, 8);
		}
	}
	return 0;
}

static void lp_leave(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_tcs *tcs)
{
	__atomic_store_n(&tcs->state, SGX_TCS_STATE_INACTIVE, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&cpu->hidden[lp->secs_frame]->threads_active, 1, __ATOMIC_RELAXED);
	lp->in_enclave = false;
}

static int eexit(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
		 struct sgx_fault *f)
{
	struct sgx_tcs *tcs = frame_ptr(cpu, lp->tcs_frame);

	if (!is_canonical(regs->rbx))
		return fault_gp(f);
	regs->rip = regs->rbx;
	regs->rcx = tcs->exit_addr;
	regs->fsbase = lp->host_fsbase;
	regs->gsbase = lp->host_gsbase;
	lp_leave(cpu, lp, tcs);
	return 0;
}

/* EXITINFO for an event (fact sheet 5.3). */
static uint32_t exitinfo(const struct sgx_secs *secs, const struct sgx_aex_event *ev)
{
	bool exinfo = secs->miscselect & SGX_MISC_EXINFO;

	if (!ev->exception)
		return 0;
	switch (ev->vector) {
	case X86_TRAP_DE:
	case X86_TRAP_DB:
	case X86_TRAP_BR:
	case X86_TRAP_UD:
	case X86_TRAP_MF:
	case X86_TRAP_AC:
	case X86_TRAP_XM:
		break;
	case X86_TRAP_BP:
		return SGX_EXITINFO_VALID | SGX_EXITINFO_TYPE_SW << 8 | ev->vector;
	case X86_TRAP_GP:
	case X86_TRAP_PF:
		if (exinfo)
			break;
		return 0;
	default:
		return 0;
	}
	return SGX_EXITINFO_VALID | SGX_EXITINFO_TYPE_HW << 8 | ev->vector;
}

/* The XSAVE image after an AEX: x87/SSE in their INIT values except FCW,
 * FSW, MXCSR as Table 40-1 gives them, every other XFRM component INIT. */
static void load_synthetic_xstate(uint8_t *xsave, uint64_t xfrm, uint32_t vector)
{
	uint16_t fcw = vector == X86_TRAP_MF ? 0x037E : 0x037F;
	uint16_t fsw = vector == X86_TRAP_MF ? 0x8081 : 0x0000;
	/* The old SDM says 0x1FB0 for non-#XM exits, most likely a typo for
	 * the INIT value 0x1F80, which is what we write (UNVERIFIED). */
	uint32_t mxcsr = vector == X86_TRAP_XM ? 0x1F01 : 0x1F80;
	uint64_t bv;

	memset(xsave, 0, 24);          /* FCW FSW FTW FOP FIP FDP */
	memcpy(xsave + 0, &fcw, 2);
	memcpy(xsave + 2, &fsw, 2);
	memcpy(xsave + 24, &mxcsr, 4); /* MXCSR_MASK at 28 is kept */
	memset(xsave + 32, 0, 512 - 32 - 96); /* ST0-7, XMM0-15; bytes 416.. are software's */
	memcpy(&bv, xsave + 512, 8);
	bv = (bv & ~xfrm) | SGX_XFRM_LEGACY;
	memcpy(xsave + 512, &bv, 8);
}

void sgx_aex(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
	     const struct sgx_aex_event *ev)
{
	const struct sgx_secs *secs = secs_page(cpu, lp->secs_frame);
	struct sgx_tcs *tcs = frame_ptr(cpu, lp->tcs_frame);
	uint64_t xfrm = secs->attributes.xfrm;
	struct ssa_frame ssa;
	struct sgx_gprsgx *g;
	struct sgx_fault f;

	sgx_lock(&cpu->lock);
	/* EENTER/ERESUME checked this frame; only a concurrent change of its
	 * pages by the OS could make this fail, and then there is nowhere to
	 * save to: the exit still happens, the context is lost. */
	if (ssa_frame_get(cpu, lp->secs_frame, tcs, tcs->ssa_index, &ssa, &f) == 0) {
		g = ssa.gpr;
		g->rax = regs->rax; g->rcx = regs->rcx; g->rdx = regs->rdx; g->rbx = regs->rbx;
		g->rsp = regs->rsp; g->rbp = regs->rbp; g->rsi = regs->rsi; g->rdi = regs->rdi;
		g->r8 = regs->r8; g->r9 = regs->r9; g->r10 = regs->r10; g->r11 = regs->r11;
		g->r12 = regs->r12; g->r13 = regs->r13; g->r14 = regs->r14; g->r15 = regs->r15;
		g->rflags = regs->rflags & ~RFLAGS_TF;
		g->rip = regs->rip;
		g->fsbase = regs->fsbase;
		g->gsbase = regs->gsbase;
		g->exitinfo = exitinfo(secs, ev);
		if ((secs->miscselect & SGX_MISC_EXINFO) && ev->exception &&
		    (ev->vector == X86_TRAP_PF || ev->vector == X86_TRAP_GP)) {
			ssa.exinfo->maddr = ev->vector == X86_TRAP_PF ? ev->addr : 0;
			ssa.exinfo->errcd = ev->error_code;
			ssa.exinfo->reserved = 0;
		}
		if (regs->xsave) {
			uint32_t xsize = xsave_size(xfrm);
			uint64_t bv;

			if (xsize > regs->xsave_size)
				xsize = regs->xsave_size;
			xstate_copy(ssa.xsave, regs->xsave, xsize);
			memcpy(&bv, regs->xsave + 512, 8);
			bv &= xfrm;
			memcpy(ssa.xsave + 512, &bv, 8);
			memset(ssa.xsave + 520, 0, 16);
			load_synthetic_xstate(regs->xsave, xfrm, ev->exception ? ev->vector : 0xFF);
		}
		regs->rsp = g->ursp;
		regs->rbp = g->urbp;
	}
	tcs->ssa_index++;
	regs->rax = SGX_ERESUME;
	regs->rbx = lp->tcs_la;
	regs->rcx = tcs->exit_addr;
	regs->rdx = regs->rsi = regs->rdi = 0;
	regs->r8 = regs->r9 = regs->r10 = regs->r11 = 0;
	regs->r12 = regs->r13 = regs->r14 = regs->r15 = 0;
	regs->rip = tcs->exit_addr;
	regs->rflags &= ~RFLAGS_AEX_CLEARED;
	regs->fsbase = lp->host_fsbase;
	regs->gsbase = lp->host_gsbase;
	lp_leave(cpu, lp, tcs);
	sgx_unlock(&cpu->lock);
}

static bool enclu_leaf_supported(const struct sgx_cpu *cpu, uint32_t leaf)
{
	switch (leaf) {
	case SGX_EREPORT:
	case SGX_EGETKEY:
	case SGX_EENTER:
	case SGX_ERESUME:
	case SGX_EEXIT:
		return true;
	case SGX_EDECCSSA:
		return cpu_has(cpu, SGX_FEAT_EDECCSSA);
	case SGX_EACCEPT:
	case SGX_EMODPE:
	case SGX_EACCEPTCOPY:
		return cpu_has(cpu, SGX_FEAT_SGX2);
	default:
		return false;
	}
}

int sgx_enclu(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
	      struct sgx_fault *f)
{
	uint32_t leaf = (uint32_t)regs->rax;
	bool inside_only = leaf != SGX_EENTER && leaf != SGX_ERESUME;
	int ret;

	if (!cpu_has(cpu, SGX_FEAT_SGX1)) {
		f->vector = X86_TRAP_UD;
		f->error_code = 0;
		f->addr = 0;
		return SGX_LEAF_FAULT | X86_TRAP_UD;
	}
	if (!enclu_leaf_supported(cpu, leaf) || inside_only != lp->in_enclave)
		return fault_gp(f);

	sgx_lock(&cpu->lock);
	switch (leaf) {
	case SGX_EENTER:
		ret = eenter(cpu, lp, regs, f);
		break;
	case SGX_ERESUME:
		ret = eresume(cpu, lp, regs, f);
		break;
	case SGX_EEXIT:
		ret = eexit(cpu, lp, regs, f);
		break;
	case SGX_EREPORT:
		ret = __ereport(cpu, lp, regs, f);
		break;
	case SGX_EGETKEY:
		ret = __egetkey(cpu, lp, regs, f);
		break;
	case SGX_EACCEPT:
		ret = __eaccept(cpu, lp, regs, f);
		break;
	case SGX_EMODPE:
		ret = __emodpe(cpu, lp, regs, f);
		break;
	case SGX_EACCEPTCOPY:
		ret = __eacceptcopy(cpu, lp, regs, f);
		break;
	default: /* SGX_EDECCSSA */
		ret = __edeccssa(cpu, lp, regs, f);
		break;
	}
	sgx_unlock(&cpu->lock);
	return ret;
}

int __edeccssa(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs,
	       struct sgx_fault *f)
{
	struct sgx_tcs *tcs = frame_ptr(cpu, lp->tcs_frame);
	struct ssa_frame ssa;
	int ret;

	if (tcs->ssa_index == 0)
		return fault_gp(f);
	ret = ssa_frame_get(cpu, lp->secs_frame, tcs, tcs->ssa_index - 1, &ssa, f);
	if (ret)
		return ret;
	tcs->ssa_index--;
	regs->rip += 3;
	return 0;
}

int sgx_enclave_fetch(struct sgx_cpu *cpu, const struct sgx_lp *lp, uint64_t la, void *buf,
		      size_t len)
{
	struct sgx_fault f;
	int64_t frame;

	if (!cpu->mmu.translate || (la & 0xFFF) + len > SGX_PAGE_SIZE)
		return -1;
	frame = cpu->mmu.translate(cpu->mmu.ctx, la, SGX_ACCESS_EXEC, &f);
	if (frame < 0 || (uint64_t)frame >= cpu->nr_frames || !cpu->epcm[frame].valid ||
	    cpu->epcm[frame].secs != lp->secs_frame)
		return -1;
	memcpy(buf, (uint8_t *)frame_ptr(cpu, frame) + (la & 0xFFF), len);
	return 0;
}

int sgx_enclave_access_fault(struct sgx_cpu *cpu, const struct sgx_lp *lp, uint64_t la,
			     unsigned access, struct sgx_fault *f)
{
	uint64_t frame;
	int ret;

	if (!sgx_lp_in_elrange(lp, la))
		return -1;
	sgx_lock(&cpu->lock);
	ret = enclave_page(cpu, lp->secs_frame, la, access, SGX_PT_REG, &frame, f);
	sgx_unlock(&cpu->lock);
	return ret ? 1 : 0;
}

bool sgx_lp_debug_optin(struct sgx_cpu *cpu, const struct sgx_lp *lp)
{
	const struct sgx_tcs *tcs = frame_ptr(cpu, lp->tcs_frame);

	return lp->in_enclave && (tcs->flags & SGX_TCS_DBGOPTIN) &&
	       (secs_page(cpu, lp->secs_frame)->attributes.flags & SGX_ATTR_DEBUG);
}
