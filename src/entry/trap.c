/*
 * trap.c - the trap path: ENCLU emulation, AEX, and event delivery.
 *
 * Every signal sgxemu owns arrives in entry_trap(). The first thing it does,
 * before any code that might touch TLS (errno, the stack protector), is to
 * find the thread's state by thread id and, if the thread was in enclave
 * mode, put the host's FS/GS bases back. Then:
 *
 *   ENCLU at RIP (#GP with SI_KERNEL on CPUs that decode it, #UD elsewhere)
 *       -> emulate the leaf in RAX on the interrupted register state;
 *   any other fault or owned signal while in enclave mode
 *       -> AEX: the enclave's state goes to the SSA, the synthetic state
 *          (RIP = AEP) replaces it, and the event is then delivered the way
 *          the kernel would deliver it at the AEP: redirected into the vDSO
 *          (exception fixup) when the AEP is ours, else to the
 *          application's handler;
 *   anything else -> the application's handler, as if sgxemu weren't there.
 *
 * Register state moves between the signal frame and struct sgx_regs; the
 * frame's XSAVE image is the thread's extended state, so AEX and ERESUME
 * save and restore it through the frame. FS/GS bases are not part of the
 * frame (sigreturn does not restore them), so the handler writes them last.
 */
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "entry/entry.h"

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif

/* Linux's signal-frame XSAVE metadata, in bytes 464.. of the legacy area. */
#ifndef FP_XSTATE_MAGIC1
#define FP_XSTATE_MAGIC1 0x46505853u
#endif

struct fast_eenter_frame {
	uint64_t tcs, aep, ursp, urbp, rip;
	uint64_t out_rip, out_rax, out_rcx;
	uint64_t vector, error_code, addr;
	uint64_t pad[3];
};

_Static_assert(sizeof(struct fast_eenter_frame) == 112, "vdso.S FR_SIZE");

static void regs_from_uc(struct sgx_regs *r, const ucontext_t *uc, uint64_t fs, uint64_t gs)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *fp = (const uint8_t *)uc->uc_mcontext.fpregs;
	uint32_t magic = 0, size = 0;

	r->rax = g[REG_RAX]; r->rcx = g[REG_RCX]; r->rdx = g[REG_RDX]; r->rbx = g[REG_RBX];
	r->rsp = g[REG_RSP]; r->rbp = g[REG_RBP]; r->rsi = g[REG_RSI]; r->rdi = g[REG_RDI];
	r->r8 = g[REG_R8]; r->r9 = g[REG_R9]; r->r10 = g[REG_R10]; r->r11 = g[REG_R11];
	r->r12 = g[REG_R12]; r->r13 = g[REG_R13]; r->r14 = g[REG_R14]; r->r15 = g[REG_R15];
	r->rip = g[REG_RIP];
	r->rflags = g[REG_EFL];
	r->fsbase = fs;
	r->gsbase = gs;
	r->xsave = NULL;
	r->xsave_size = 0;
	if (fp) {
		memcpy(&magic, fp + 464, 4);
		memcpy(&size, fp + 480, 4); /* fx_sw_bytes.xstate_size (magic1 464, extended_size 468, xfeatures 472) */
		if (magic == FP_XSTATE_MAGIC1 && size >= 576) {
			r->xsave = (void *)fp;
			r->xsave_size = size;
		}
	}
}

static void regs_to_uc(ucontext_t *uc, const struct sgx_regs *r)
{
	greg_t *g = uc->uc_mcontext.gregs;

	g[REG_RAX] = r->rax; g[REG_RCX] = r->rcx; g[REG_RDX] = r->rdx; g[REG_RBX] = r->rbx;
	g[REG_RSP] = r->rsp; g[REG_RBP] = r->rbp; g[REG_RSI] = r->rsi; g[REG_RDI] = r->rdi;
	g[REG_R8] = r->r8; g[REG_R9] = r->r9; g[REG_R10] = r->r10; g[REG_R11] = r->r11;
	g[REG_R12] = r->r12; g[REG_R13] = r->r13; g[REG_R14] = r->r14; g[REG_R15] = r->r15;
	g[REG_RIP] = r->rip;
	g[REG_EFL] = r->rflags;
}

/* ---- delivery to the application ----------------------------------------- */

static bool default_is_ignore(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP;
}

/*
 * Take the default action for sig: make it SIG_DFL and send it to ourselves;
 * it stays pending until sigreturn unblocks it, then the kernel acts.
 */
static void take_default_action(int sig)
{
	struct sigaction dfl;

	if (default_is_ignore(sig))
		return;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	raw_sigaction(sig, &dfl, NULL);
	raw_syscall(SYS_tgkill, raw_syscall(SYS_getpid, 0, 0, 0, 0), raw_gettid(), sig, 0);
}

void entry_set_sigmask(const sigset_t *set)
{
	raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, (long)set, 0, 8);
}

/*
 * The kernel's rt_sigframe on x86-64: what RSP points at when a handler
 * starts. ucontext is the kernel's (8-byte sigset), so it is spelled out.
 */
struct kernel_rt_sigframe {
	uint64_t pretcode;     /* the handler's return address: sa_restorer */
	uint64_t uc_flags;
	uint64_t uc_link;
	stack_t uc_stack;
	mcontext_t uc_mcontext;
	uint64_t uc_sigmask;
	siginfo_t info;
};

_Static_assert(offsetof(struct kernel_rt_sigframe, uc_mcontext) == 48, "sigcontext");
_Static_assert(offsetof(struct kernel_rt_sigframe, info) == 312, "siginfo");

/* The application's alternate stack: the one it set through the
 * interposer, or (library mode) the kernel's unless it is sgxemu's. */
static bool app_altstack(struct entry_platform *p, struct entry_thread *t, stack_t *ss)
{
	if (p->syscall_hook) {
		if (!t || !t->app_ss_on)
			return false;
		*ss = t->app_ss;
		return true;
	}
	if (raw_syscall(SYS_sigaltstack, 0, (long)ss, 0, 0) || (ss->ss_flags & SS_DISABLE))
		return false;
	return !((uint8_t *)ss->ss_sp >= p->altstacks &&
		 (uint8_t *)ss->ss_sp < p->altstacks + (size_t)ENTRY_MAX_THREADS * ENTRY_ALTSTACK_SIZE);
}

/*
 * Make the return from this handler enter the application's handler exactly
 * as the kernel would have entered it: a signal frame on the stack the kernel
 * would choose (the application's alternate stack only with SA_ONSTACK, else
 * below the interrupted RSP's red zone - after an AEX that is URSP, the
 * untrusted stack), the application's restorer as return address, the
 * handler's mask. Its rt_sigreturn then restores the interrupted context.
 */
static void push_app_frame(struct entry_platform *p, struct entry_thread *t, int sig,
			   const siginfo_t *si, ucontext_t *uc, const struct sigaction *a)
{
	greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *fp_src = (const uint8_t *)uc->uc_mcontext.fpregs;
	uint64_t sp = (uint64_t)g[REG_RSP], top, here = (uint64_t)(uintptr_t)&sp;
	uint32_t magic = 0, fp_size = 512;
	struct kernel_rt_sigframe *k;
	stack_t ss, cur;
	sigset_t mask;
	uint64_t m;

	if ((a->sa_flags & SA_ONSTACK) && app_altstack(p, t, &ss) &&
	    sp - (uint64_t)(uintptr_t)ss.ss_sp >= ss.ss_size)
		top = (uint64_t)(uintptr_t)ss.ss_sp + ss.ss_size;
	else
		top = sp - 128;
	/* Never below our own live frame, when we run on that same stack. */
	if (here < top && top - here < ENTRY_ALTSTACK_SIZE + (1u << 20))
		top = here - 1024;
	if (fp_src) {
		memcpy(&magic, fp_src + 464, 4);
		if (magic == FP_XSTATE_MAGIC1)
			memcpy(&fp_size, fp_src + 468, 4); /* extended_size: xstate + MAGIC2 */
	}
	sp = (top - fp_size) & ~63ull;
	if (fp_src)
		memcpy((void *)(uintptr_t)sp, fp_src, fp_size);
	k = (struct kernel_rt_sigframe *)(uintptr_t)((((sp - sizeof(*k)) & ~15ull)) - 8);

	memset(k, 0, sizeof(*k));
	k->pretcode = (a->sa_flags & SA_RESTORER) ? (uint64_t)(uintptr_t)a->sa_restorer
						  : (uint64_t)(uintptr_t)sgx_sigreturn;
	k->uc_flags = uc->uc_flags;
	if (raw_syscall(SYS_sigaltstack, 0, (long)&cur, 0, 0) == 0) {
		cur.ss_flags &= ~SS_ONSTACK;
		k->uc_stack = cur;
	}
	k->uc_mcontext = uc->uc_mcontext;
	k->uc_mcontext.fpregs = fp_src ? (fpregset_t)(uintptr_t)sp : NULL;
	memcpy(&k->uc_sigmask, &uc->uc_sigmask, 8);
	k->info = *si;

	/* The handler runs with the interrupted mask, sa_mask and (unless
	 * SA_NODEFER) the signal itself blocked; SIGSYS stays deliverable. */
	sigorset(&mask, &uc->uc_sigmask, &a->sa_mask);
	if (!(a->sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	sigdelset(&mask, SIGSYS);
	memcpy(&m, &mask, 8);
	memcpy(&uc->uc_sigmask, &m, 8);

	g[REG_RIP] = (greg_t)(uintptr_t)a->sa_sigaction;
	g[REG_RSP] = (greg_t)(uintptr_t)k;
	g[REG_RDI] = sig;
	g[REG_RSI] = (greg_t)(uintptr_t)&k->info;
	g[REG_RDX] = (greg_t)(uintptr_t)&k->uc_flags;
	g[REG_RAX] = 0;
	g[REG_EFL] &= ~(greg_t)(0x400 | 0x10000 | 0x100); /* DF, RF, TF */
}

/* Run the application's disposition for sig, as the kernel would. */
void entry_deliver_to_app(struct entry_platform *p, struct entry_thread *t, int sig,
			  siginfo_t *si, ucontext_t *uc)
{
	struct sigaction *a = &p->app[sig];
	struct sigaction act;

	if (a->sa_handler == SIG_DFL ||
	    (a->sa_handler == SIG_IGN && is_fault_signal(sig) && si->si_code > 0)) {
		/* The kernel forces a fault signal through even if ignored. */
		take_default_action(sig);
		return;
	}
	if (a->sa_handler == SIG_IGN)
		return;
	act = *a;
	if (a->sa_flags & SA_RESETHAND)
		a->sa_handler = SIG_DFL;
	push_app_frame(p, t, sig, si, uc, &act);
}

/* The signal and siginfo the kernel would produce for a fault. */
static int signal_for_fault(const struct sgx_fault *f, siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	switch (f->vector) {
	case X86_TRAP_PF:
		si->si_signo = SIGSEGV;
		si->si_code = (f->error_code & X86_PF_PROT) ? SEGV_ACCERR : SEGV_MAPERR;
		si->si_addr = (void *)(uintptr_t)f->addr;
		break;
	case X86_TRAP_UD:
		si->si_signo = SIGILL;
		si->si_code = ILL_ILLOPN;
		break;
	case X86_TRAP_DE:
		si->si_signo = SIGFPE;
		si->si_code = FPE_INTDIV;
		break;
	case X86_TRAP_DB:
	case X86_TRAP_BP:
		si->si_signo = SIGTRAP;
		si->si_code = TRAP_BRKPT;
		break;
	case X86_TRAP_AC:
		si->si_signo = SIGBUS;
		si->si_code = BUS_ADRALN;
		break;
	default: /* #GP and everything the kernel reports as SIGSEGV/SI_KERNEL */
		si->si_signo = SIGSEGV;
		si->si_code = SI_KERNEL;
		break;
	}
	return si->si_signo;
}

/*
 * Deliver a fault raised at the current RIP of uc (an ENCLU that faulted, or
 * the AEP after an AEX). The vDSO's fixup applies to faults at its ENCLU and
 * AEP, except #DB and #BP, which are always signals.
 */
static void deliver_fault(struct entry_platform *p, struct entry_thread *t, ucontext_t *uc,
			  const struct sgx_fault *f,
			  siginfo_t *orig)
{
	greg_t *g = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)g[REG_RIP];
	siginfo_t si;
	int sig;

	entry_trace(TRACE_FAULT, f->vector, f->addr);
	if ((rip == (uint64_t)(uintptr_t)sgx_vdso_aep ||
	     rip == (uint64_t)(uintptr_t)sgx_vdso_enclu) &&
	    f->vector != X86_TRAP_DB && f->vector != X86_TRAP_BP) {
		g[REG_RIP] = (greg_t)(uintptr_t)sgx_vdso_handle_exception;
		g[REG_RDI] = f->vector;
		g[REG_RSI] = f->error_code & 0xffff;
		g[REG_RDX] = f->vector == X86_TRAP_PF ? f->addr : 0;
		return;
	}
	sig = signal_for_fault(f, &si);
	if (orig && orig->si_signo == sig) {
		si = *orig;
		if (sig == SIGSEGV && f->vector == X86_TRAP_PF)
			si.si_addr = (void *)(uintptr_t)f->addr;
	}
	g[REG_TRAPNO] = f->vector;
	g[REG_ERR] = f->error_code;
	if (f->vector == X86_TRAP_PF)
		uc->uc_mcontext.gregs[REG_CR2] = (greg_t)f->addr;
	entry_deliver_to_app(p, t, sig, &si, uc);
}

/* ---- ENCLU ---------------------------------------------------------------- */

/* Read len bytes of code at la: through the EPC for enclave addresses (the
 * page may be execute-only), with a checked copy elsewhere. */
static bool read_code(struct entry_platform *p, struct entry_thread *t, uint64_t la,
		      uint8_t *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)la, len };

	if (t && sgx_lp_in_elrange(&t->lp, la))
		return sgx_enclave_fetch(p->cpu, &t->lp, la, buf, len) == 0;
	return sgx_syscall6(SYS_process_vm_readv, raw_syscall(SYS_getpid, 0, 0, 0, 0),
			    (long)&local, 1, (long)&remote, 1, 0) == (long)len;
}

static bool is_enclu_at(struct entry_platform *p, struct entry_thread *t, int sig,
			const siginfo_t *si, uint64_t rip)
{
	static const uint8_t enclu[3] = { 0x0f, 0x01, 0xd7 };
	uint8_t insn[3];

	if (!(sig == SIGSEGV && si->si_code == SI_KERNEL) && sig != SIGILL)
		return false;
	return read_code(p, t, rip, insn, sizeof(insn)) && !memcmp(insn, enclu, 3);
}

/* CPUID (0F A2) under faulting raises #GP like ENCLU does here. */
static bool is_cpuid_at(struct entry_platform *p, struct entry_thread *t, int sig,
			const siginfo_t *si, uint64_t rip)
{
	uint8_t insn[2];

	if (!(sig == SIGSEGV && si->si_code == SI_KERNEL))
		return false;
	return read_code(p, t, rip, insn, sizeof(insn)) && insn[0] == 0x0f && insn[1] == 0xa2;
}

static void aex_and_deliver(struct entry_platform *p, struct entry_thread *t, int sig,
			    siginfo_t *si, ucontext_t *uc, struct sgx_regs *regs,
			    const struct sgx_aex_event *ev)
{
	struct sgx_fault f = { ev->vector, ev->error_code, ev->addr };
	uint64_t rip = regs->rip, tcs = t->lp.tcs_la;
	bool injected = sig == SGX_INJECT_SIGNAL && !ev->exception;
	bool stepped = ev->exception && ev->vector == X86_TRAP_DB &&
		       atomic_load(&p->single_step) && si && si->si_code == TRAP_TRACE;

	sgx_aex(p->cpu, &t->lp, regs, ev);
	if (stepped)
		regs->rflags &= ~0x100ull; /* the "debugger" takes TF back for the host */
	regs_to_uc(uc, regs);
	atomic_fetch_add(&p->aex, 1);
	entry_trace(TRACE_AEX, ev->exception ? ev->vector : TRACE_AEX_SIGNAL, ev->addr);
	if (p->observer)
		p->observer(tcs, rip, ev->exception ? ev->vector : 0xff, injected || stepped);
	if (injected || stepped) {
		/* sgxemu's own interrupt: nothing for the application; the
		 * return to the AEP ERESUMEs. */
		atomic_fetch_add(injected ? &p->aex_injected : &p->single_steps, 1);
		if (stepped)
			atomic_fetch_add(&p->aex_by_vector[X86_TRAP_DB], 1);
		return;
	}
	if (!ev->exception) {
		atomic_fetch_add(&p->aex_signal, 1);
		entry_deliver_to_app(p, t, sig, si, uc);
		return;
	}
	atomic_fetch_add(&p->aex_by_vector[ev->vector & 31], 1);
	/* The OS sees CR2 with bits 11:0 cleared (only SSA's MADDR keeps them). */
	if (ev->vector == X86_TRAP_PF)
		f.addr &= ~0xFFFull;
	deliver_fault(p, t, uc, &f, si);
}

static void handle_enclu(struct entry_platform *p, struct entry_thread *t, int sig,
			 siginfo_t *si, ucontext_t *uc, struct sgx_regs *regs)
{
	bool was_inside = t->lp.in_enclave;
	uint32_t leaf = (uint32_t)regs->rax;
	struct sgx_regs saved = *regs;
	struct sgx_fault f;
	int ret;

	if (leaf < 10)
		atomic_fetch_add(&p->enclu[leaf], 1);
	entry_trace(TRACE_ENCLU, leaf, regs->rbx);
	ret = sgx_enclu(p->cpu, &t->lp, regs, &f);
	if (!sgx_leaf_faulted(ret)) {
		if (!was_inside && t->lp.in_enclave)
			entry_inject_on_entry(p, t, regs);
		if (was_inside && !t->lp.in_enclave && atomic_load(&p->single_step))
			regs->rflags &= ~0x100ull; /* EEXIT: the "debugger" takes TF back */
		regs_to_uc(uc, regs);
		return;
	}
	*regs = saved;
	if (was_inside && f.vector == X86_TRAP_PF &&
	    !(f.error_code & (X86_PF_PROT | X86_PF_SGX)) &&
	    sgx_lp_in_elrange(&t->lp, f.addr) &&
	    sgx_cpu_os_fault(p->cpu, f.addr, (f.error_code & X86_PF_WRITE) ? SGX_ACCESS_WRITE
									 : SGX_ACCESS_READ) == 0) {
		/* The driver supplied the page (EACCEPT of an unbacked page EAUGs
		 * it transparently): execute the ENCLU again. */
		regs_to_uc(uc, regs);
		return;
	}
	if (was_inside) {
		/* A leaf that faults inside the enclave is an exception there. */
		struct sgx_aex_event ev = { true, f.vector, f.error_code, f.addr };

		aex_and_deliver(p, t, sig, si, uc, regs, &ev);
		return;
	}
	deliver_fault(p, t, uc, &f, NULL);
}

/* ---- faults and signals in enclave mode ----------------------------------- */

static unsigned pf_access(uint64_t err)
{
	if (err & X86_PF_INSTR)
		return SGX_ACCESS_EXEC;
	return (err & X86_PF_WRITE) ? SGX_ACCESS_WRITE : SGX_ACCESS_READ;
}

/*
 * Turn a host signal that landed in enclave mode into the architectural
 * event. Returns false when there is nothing to deliver: a page fault the
 * page tables and the EPCM both allow now (the mapping changed under us).
 */
static bool classify_event(struct entry_platform *p, struct entry_thread *t, int sig,
			   const siginfo_t *si, const ucontext_t *uc, struct sgx_aex_event *ev)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	struct sgx_fault f;

	memset(ev, 0, sizeof(*ev));
	if (!is_fault_signal(sig) || si->si_code <= 0) {
		ev->exception = false; /* an interrupt: EXITINFO not valid */
		return true;
	}
	ev->exception = true;
	ev->vector = (uint32_t)g[REG_TRAPNO];
	ev->error_code = (uint32_t)g[REG_ERR];
	if (sig == SIGBUS && ev->vector != X86_TRAP_AC) {
		/* The host could not supply a page: a not-present #PF. */
		ev->vector = X86_TRAP_PF;
		ev->error_code = X86_PF_USER | ((uint32_t)g[REG_ERR] & X86_PF_WRITE);
	}
	if (ev->vector == X86_TRAP_PF) {
		unsigned access = pf_access(g[REG_ERR]);

		ev->addr = (uint64_t)(uintptr_t)si->si_addr;
		switch (sgx_enclave_access_fault(p->cpu, &t->lp, ev->addr, access, &f)) {
		case 0:
			/* Page tables and EPCM allow it: the host mapping is
			 * behind an EPCM change (EACCEPT, EMODPE...). The
			 * driver brings it up to date; then retry. */
			if (sgx_cpu_os_fault(p->cpu, ev->addr, access) == 0)
				return false;
			ev->error_code = X86_PF_PROT | X86_PF_USER | X86_PF_SGX |
					 (access == SGX_ACCESS_WRITE ? X86_PF_WRITE : 0) |
					 (access == SGX_ACCESS_EXEC ? X86_PF_INSTR : 0);
			break;
		case 1:
			/* Not present in the page tables: the driver's fault
			 * path may supply a page (EAUG on an SGX2 enclave). */
			if (!(f.error_code & (X86_PF_PROT | X86_PF_SGX)) &&
			    sgx_cpu_os_fault(p->cpu, ev->addr, access) == 0)
				return false;
			ev->error_code = f.error_code;
			break;
		default: /* ordinary memory: the host's error code stands */
			break;
		}
	}
	return true;
}

/* ---- the handler ---------------------------------------------------------- */

/*
 * An asynchronous signal that lands while sgxemu itself emulates an enclave
 * entry (the thread is marked in enclave mode, but RIP is not yet in
 * ELRANGE: the CPU lock may be held, FS may already be the enclave's) is
 * held back, as hardware holds an interrupt until the instruction boundary:
 * blocked in the interrupted context, sent again, and unblocked at the
 * thread's next trap (EEXIT, AEX), where it is delivered as usual.
 */
static void defer_signal(struct entry_thread *t, int sig, ucontext_t *uc)
{
	sigaddset(&uc->uc_sigmask, sig);
	t->deferred |= 1ull << (sig - 1);
	raw_syscall(SYS_tgkill, raw_syscall(SYS_getpid, 0, 0, 0, 0), raw_gettid(), sig, 0);
}

static void release_deferred(struct entry_thread *t, ucontext_t *uc)
{
	for (int sig = 1; t->deferred && sig < 64; sig++)
		if (t->deferred & (1ull << (sig - 1))) {
			sigdelset(&uc->uc_sigmask, sig);
			t->deferred &= ~(1ull << (sig - 1));
		}
}

/*
 * Everything after the preamble: FS/GS are the host's, the dispatch selector
 * is ALLOW. fs/gs are the bases at the moment of the event.
 */
static void trap_dispatch(struct entry_platform *p, struct entry_thread *t, int sig,
			  siginfo_t *si, ucontext_t *uc, uint64_t fs, uint64_t gs)
{
	struct sgx_regs regs;
	struct sgx_aex_event ev;
	bool in_enclave, mid_enclu;

	regs_from_uc(&regs, uc, fs, gs);
	/* Enclave code runs only inside ELRANGE; anywhere else the thread is
	 * in sgxemu's own emulation of an entry. */
	in_enclave = t && t->lp.in_enclave && sgx_lp_in_elrange(&t->lp, regs.rip);
	mid_enclu = t && t->lp.in_enclave && !in_enclave;
	if (t && !mid_enclu)
		release_deferred(t, uc);
	if (mid_enclu && (!is_fault_signal(sig) || si->si_code <= 0) && sig != SIGSYS) {
		if (sig != SGX_INJECT_SIGNAL)
			defer_signal(t, sig, uc);
		fsgs_write(p, fs, gs);
		return;
	}
	if (sig == SIGSYS && si->si_code == SYS_USER_DISPATCH) {
		if (in_enclave) {
			/* SYSCALL is illegal in enclave mode: #UD at the
			 * instruction, not after it. */
			regs.rip -= 2;
			ev = (struct sgx_aex_event){ true, X86_TRAP_UD, 0, 0 };
			aex_and_deliver(p, t, SIGILL, NULL, uc, &regs, &ev);
			return;
		}
		if (p->syscall_hook && t) {
			p->syscall_hook(p, t, uc);
			return;
		}
	}
	if (p->cpuid_faulting && is_cpuid_at(p, t, sig, si, regs.rip)) {
		if (in_enclave) {
			ev = (struct sgx_aex_event){ true, X86_TRAP_UD, 0, 0 };
			aex_and_deliver(p, t, SIGILL, NULL, uc, &regs, &ev);
			return;
		}
		uint32_t r[4];

		entry_emulate_cpuid(p, (uint32_t)regs.rax, (uint32_t)regs.rcx, r);
		uc->uc_mcontext.gregs[REG_RAX] = r[0];
		uc->uc_mcontext.gregs[REG_RBX] = r[1];
		uc->uc_mcontext.gregs[REG_RCX] = r[2];
		uc->uc_mcontext.gregs[REG_RDX] = r[3];
		uc->uc_mcontext.gregs[REG_RIP] += 2;
		return;
	}
	if (is_enclu_at(p, t, sig, si, regs.rip)) {
		if (!t)
			t = thread_get(p, raw_gettid());
		if (t) {
			handle_enclu(p, t, sig, si, uc, &regs);
			if (t->lp.in_enclave)
				fsgs_write(p, regs.fsbase, regs.gsbase);
			return;
		}
	}
	if (mid_enclu) {
		/* A fault in sgxemu's own code: the application's (or the
		 * default) disposition, with the bases it had. */
		entry_deliver_to_app(p, t, sig, si, uc);
		fsgs_write(p, fs, gs);
		return;
	}
	if (sig == SGX_INJECT_SIGNAL && (!in_enclave || !entry_inject_wanted(p, t, si))) {
		/* An injected interrupt outside enclave mode, or one nobody
		 * wants any more: nothing happens. */
		if (in_enclave)
			fsgs_write(p, fs, gs);
		return;
	}
	if (in_enclave) {
		if (!classify_event(p, t, sig, si, uc, &ev)) {
			fsgs_write(p, fs, gs); /* retry the access in the enclave */
			return;
		}
		aex_and_deliver(p, t, sig, si, uc, &regs, &ev);
		return;
	}
	entry_deliver_to_app(p, t, sig, si, uc);
}

void entry_trap(int sig, siginfo_t *si, void *ctx)
{
	struct entry_platform *p = atomic_load(&entry_platform);
	struct entry_thread *t;
	struct entry_thread *tt;
	uint64_t fs, gs;
	char prev = SUD_ALLOW;

	if (!p)
		return;
	fs = fsgs_read_fs(p);
	gs = fsgs_read_gs(p);
	t = thread_find(p, raw_gettid());
	if (t && t->lp.in_enclave)
		fsgs_write(p, t->lp.host_fsbase, t->lp.host_gsbase);
	/* From here on C code may use TLS and make system calls. */
	if (t) {
		prev = t->sud_selector;
		t->sud_selector = SUD_ALLOW;
	}
	trap_dispatch(p, t, sig, si, ctx, fs, gs);
	/* The thread may have changed under us: a fork child returns here as a
	 * new thread, with a slot of its own. */
	tt = thread_find(p, raw_gettid());
	if (tt && tt == t)
		tt->sud_selector = prev;
	else if (tt && tt->sud_on)
		tt->sud_selector = SUD_BLOCK;
}

/* ---- the vDSO's EENTER ---------------------------------------------------- */

/* Called by vdso.S in host context. Returns 0 with the enclave's entry state
 * in fr (FS/GS already loaded: nothing after that may touch TLS), 1 with the
 * fault, or 2: take the trapping ENCLU instead. */
__attribute__((visibility("hidden"))) int sgx_entry_fast_eenter(struct fast_eenter_frame *fr);

int sgx_entry_fast_eenter(struct fast_eenter_frame *fr)
{
	struct entry_platform *p = atomic_load(&entry_platform);
	struct entry_thread *t;
	struct sgx_regs regs;
	struct sgx_fault f = { X86_TRAP_GP, 0, 0 };
	int ret;

	if (!p || !(t = thread_get(p, raw_gettid())))
		goto fault;
	/* Single-stepping needs TF in the entered context: the trap path sets
	 * it through the signal frame. */
	if (atomic_load(&p->single_step))
		return 2;
	memset(&regs, 0, sizeof(regs));
	regs.rax = SGX_EENTER;
	regs.rbx = fr->tcs;
	regs.rcx = fr->aep;
	regs.rsp = fr->ursp;
	regs.rbp = fr->urbp;
	regs.rip = fr->rip;
	regs.fsbase = fsgs_read_fs(p);
	regs.gsbase = fsgs_read_gs(p);
	atomic_fetch_add(&p->enclu[SGX_EENTER], 1);
	entry_trace(TRACE_ENCLU, SGX_EENTER, fr->tcs);
	ret = sgx_enclu(p->cpu, &t->lp, &regs, &f);
	if (ret)
		goto fault;
	entry_inject_on_entry(p, t, &regs);
	fr->out_rip = regs.rip;
	fr->out_rax = regs.rax;
	fr->out_rcx = regs.rcx;
	fsgs_write(p, regs.fsbase, regs.gsbase);
	return 0;
fault:
	fr->vector = f.vector;
	fr->error_code = f.error_code;
	fr->addr = f.addr;
	return 1;
}
