/*
 * test_entry_aex.c - exceptions and signals in enclave mode (fact sheet 5,
 * 9.3, 9.4, 14.7) with tests/enclaves/probe.S: SSA contents after an AEX,
 * the vDSO's exception report, the two-phase handler flow (EENTER at
 * CSSA 1, fix the SSA, ERESUME), CSSA/NSSA limits, a busy TCS, signals,
 * the application's own handlers, and repetition without leaks.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "util/encl_run.h"
#include "util/probe.h"

static struct er_enclave E;
static uint64_t host_fs, host_gs;

static void setup_exinfo(void)
{
	cr_assert_eq(er_setup("probe", SGX_MISC_EXINFO, &E), 0);
	host_fs = probe_host_fs();
	host_gs = probe_host_gs();
}

static void setup_plain(void)
{
	cr_assert_eq(er_setup("probe", 0, &E), 0);
	host_fs = probe_host_fs();
	host_gs = probe_host_gs();
}

static void teardown(void)
{
	er_teardown(&E);
}

TestSuite(entry_aex, .init = setup_exinfo, .fini = teardown);
TestSuite(entry_aex_nomisc, .init = setup_plain, .fini = teardown);

#define EXITINFO_HW(v) (SGX_EXITINFO_VALID | SGX_EXITINFO_TYPE_HW << 8 | (v))

static void assert_host_fsgs(void)
{
	cr_assert_eq(probe_host_fs(), host_fs, "host FS base changed");
	cr_assert_eq(probe_host_gs(), host_gs, "host GS base changed");
}

static void run_init(struct sgx_enclave_run *run, uint64_t tcs_off)
{
	memset(run, 0, sizeof(*run));
	run->tcs = E.base + tcs_off;
}

static int enter(uint64_t tcs_off, unsigned int leaf, uint64_t rdi, void *rsi, uint64_t rdx,
		 struct sgx_enclave_run *run)
{
	run_init(run, tcs_off);
	return probe_enter(rdi, (unsigned long)rsi, rdx, leaf, 0, 0, run);
}

/* The handler phase: EENTER at CSSA >= 1 copies frame CSSA-1 and adds
 * `skip` to its RIP. */
static void handler_phase(uint64_t tcs_off, uint64_t skip, struct probe_frame *fr)
{
	struct sgx_enclave_run run;

	memset(fr, 0xcc, sizeof(*fr));
	cr_assert_eq(enter(tcs_off, SGX_EENTER, 0, fr, skip, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT, "handler phase: function %u vector %u",
		     run.function, run.exception_vector);
}

/* The code bytes at an enclave address, from the ELF image. */
static const uint8_t *code_at(uint64_t la)
{
	cr_assert(la >= E.base + PROBE_CODE && la < E.base + PROBE_CODE + 0x1000,
		  "RIP %#lx outside the code page", (unsigned long)la);
	return E.img.src + (la - E.base);
}

/* Fields every AEX frame of the probe has: what the op received at EENTER
 * through the vDSO and the enclave's FS/GS. */
static void assert_frame_common(const struct probe_frame *fr, uint64_t op, const void *rsi)
{
	cr_assert_eq(fr->gpr.rdi, op);
	cr_assert_eq(fr->gpr.rsi, (uint64_t)(uintptr_t)rsi, "RSI %#lx, passed %p",
		     (unsigned long)fr->gpr.rsi, rsi);
	cr_assert_eq(fr->gpr.rbx, E.base + PROBE_TCS0, "RBX still the TCS at the fault");
	cr_assert(fr->gpr.rcx > (uint64_t)(uintptr_t)sgx_enter_enclave &&
		  fr->gpr.rcx < (uint64_t)(uintptr_t)sgx_enter_enclave + 0x400);
	cr_assert_eq(fr->gpr.rsp, fr->gpr.ursp, "the probe runs on the untrusted stack");
	cr_assert_eq(fr->gpr.rbp, fr->gpr.urbp);
	cr_assert_eq(fr->gpr.fsbase, E.base + PROBE_FS);
	cr_assert_eq(fr->gpr.gsbase, E.base + PROBE_GS);
	cr_assert_eq(fr->gpr.rflags & 0x100, 0, "TF saved as 0");
	cr_assert_eq(fr->cssa, 1, "the handler phase is entered with RAX = CSSA = 1");
}

struct fault_case {
	uint64_t op;
	uint32_t vector, error_code;
	uint64_t run_addr;         /* expected run.exception_addr */
	uint32_t exitinfo;
	uint64_t maddr;
	uint32_t errcd;            /* EXINFO */
	const uint8_t *insn;
	size_t len;
};

/*
 * op faults: check run, the SSA frame, that an ERESUME without a fix
 * faults again the same way, then skip the instruction and ERESUME to the
 * end (RESUMED, EEXIT, CSSA back to 0).
 */
static void check_fault(const struct fault_case *c)
{
	struct sgx_entry_stats before, after;
	struct sgx_enclave_run run;
	struct probe_frame fr;
	struct probe_dump d;
	uint64_t marker = 0;
	const uint8_t *code;

	sgx_entry_get_stats(&before);
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, c->op, &marker, 0, &run), 0);
	cr_assert_eq(run.function, SGX_ERESUME, "function %u", run.function);
	cr_assert_eq(run.exception_vector, c->vector, "vector %u", run.exception_vector);
	cr_assert_eq(run.exception_error_code, c->error_code & 0xffff, "error %#x",
		     run.exception_error_code);
	cr_assert_eq(run.exception_addr, c->run_addr, "addr %#lx",
		     (unsigned long)run.exception_addr);
	cr_assert_eq(marker, 0);
	assert_host_fsgs();
	sgx_entry_get_stats(&after);
	cr_assert_eq(after.aex - before.aex, 1);
	cr_assert_eq(after.aex_by_vector[c->vector] - before.aex_by_vector[c->vector], 1);

	handler_phase(PROBE_TCS0, 0, &fr);
	assert_frame_common(&fr, c->op, &marker);
	cr_assert_eq(fr.gpr.exitinfo, c->exitinfo, "EXITINFO %#x", fr.gpr.exitinfo);
	cr_assert_eq(fr.exinfo.maddr, c->maddr, "MADDR %#lx", (unsigned long)fr.exinfo.maddr);
	cr_assert_eq(fr.exinfo.errcd, c->errcd, "ERRCD %#x", fr.exinfo.errcd);
	code = code_at(fr.gpr.rip);
	cr_assert(!memcmp(code, c->insn, c->len), "SSA.RIP is not the faulting instruction");

	/* Unfixed: the same fault again. */
	cr_assert_eq(enter(PROBE_TCS0, SGX_ERESUME, 0, NULL, 0, &run), 0);
	cr_assert_eq(run.function, SGX_ERESUME);
	cr_assert_eq(run.exception_vector, c->vector);
	cr_assert_eq(marker, 0);

	/* Skip it and resume: the op runs to its end. */
	handler_phase(PROBE_TCS0, c->len, &fr);
	cr_assert_eq(code_at(fr.gpr.rip - c->len), code, "same RIP as the first time");
	cr_assert_eq(enter(PROBE_TCS0, SGX_ERESUME, 0, NULL, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT, "function %u vector %u", run.function,
		     run.exception_vector);
	cr_assert_eq(marker, PROBE_RESUMED);
	/* CSSA is 0 again: the next EENTER is an ordinary one. */
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
	cr_assert_eq(d.rax, 0);
	assert_host_fsgs();
}

static const uint8_t I_UD[] = { 0x0f, 0x0b }, I_DE[] = { 0x49, 0xf7, 0xf0 },
		     I_RO[] = { 0xc6, 0x00, 0x01 }, I_LOAD[] = { 0x48, 0x8b, 0x00 },
		     I_HLT[] = { 0xf4 };

Test(entry_aex, ud)
{
	struct fault_case c = { OP_UD, X86_TRAP_UD, 0, 0, EXITINFO_HW(X86_TRAP_UD), 0, 0,
				I_UD, PROBE_LEN_UD };
	check_fault(&c);
}

Test(entry_aex, divide_error)
{
	struct fault_case c = { OP_DE, X86_TRAP_DE, 0, 0, EXITINFO_HW(X86_TRAP_DE), 0, 0,
				I_DE, PROBE_LEN_DE };
	check_fault(&c);
}

Test(entry_aex, write_to_read_only_page)
{
	/* The page is mapped PROT_READ (its maximum protection): the page
	 * tables refuse the write before the EPCM is consulted, P|W|U. */
	struct fault_case c = { OP_RO, X86_TRAP_PF, 0x7, E.base + PROBE_GS,
				EXITINFO_HW(X86_TRAP_PF), E.base + PROBE_RO_TARGET, 0x7,
				I_RO, PROBE_LEN_RO };
	check_fault(&c);
}

Test(entry_aex, epcm_write_to_tcs_page)
{
	/* TCS pages are mapped read/write, but the EPCM refuses any access
	 * by enclave code to a non-PT_REG page: P|W|U|SGX. */
	struct fault_case c = { OP_TCS, X86_TRAP_PF, 0x8007, E.base + PROBE_TCS1,
				EXITINFO_HW(X86_TRAP_PF), E.base + PROBE_TCS_TARGET, 0x8007,
				I_RO, PROBE_LEN_TCS };
	check_fault(&c);
}

Test(entry_aex, read_of_elrange_page_without_epc)
{
	/* No PTE behind the PROT_NONE part of the enclave's mapping: a
	 * not-present user read, P = W = 0, U = 1. */
	struct fault_case c = { OP_HOLE, X86_TRAP_PF, 0x4, E.base + (PROBE_HOLE & ~0xfffull),
				EXITINFO_HW(X86_TRAP_PF), E.base + PROBE_HOLE, 0x4,
				I_LOAD, PROBE_LEN_HOLE };
	check_fault(&c);
}

Test(entry_aex, general_protection)
{
	struct fault_case c = { OP_GP, X86_TRAP_GP, 0, 0, EXITINFO_HW(X86_TRAP_GP), 0, 0,
				I_HLT, PROBE_LEN_GP };
	check_fault(&c);
}

/* Without MISCSELECT.EXINFO, #PF and #GP are not reported (EXITINFO 0) and
 * MISC.EXINFO is not written; #UD still is. */
static void check_unreported(uint64_t op, uint32_t vector, uint32_t exitinfo)
{
	struct sgx_enclave_run run;
	struct probe_frame fr;
	uint64_t marker = 0;

	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, op, &marker, 0, &run), 0);
	cr_assert_eq(run.function, SGX_ERESUME);
	cr_assert_eq(run.exception_vector, vector);
	handler_phase(PROBE_TCS0, 0, &fr);
	cr_assert_eq(fr.gpr.exitinfo, exitinfo, "EXITINFO %#x", fr.gpr.exitinfo);
	cr_assert_eq(fr.exinfo.maddr, 0, "EXINFO written without MISCSELECT.EXINFO");
	cr_assert_eq(fr.exinfo.errcd, 0);
	assert_host_fsgs();
}

Test(entry_aex_nomisc, pf_not_reported)
{
	check_unreported(OP_RO, X86_TRAP_PF, 0);
}

Test(entry_aex_nomisc, gp_not_reported)
{
	check_unreported(OP_GP, X86_TRAP_GP, 0);
}

Test(entry_aex_nomisc, ud_reported)
{
	check_unreported(OP_UD, X86_TRAP_UD, EXITINFO_HW(X86_TRAP_UD));
}

/* ---- CSSA and NSSA ---------------------------------------------------------- */

Test(entry_aex, nssa_exhausted_eenter_faults)
{
	struct sgx_enclave_run run;
	uint64_t marker = 0;

	/* TCS#1 has NSSA 1: after one AEX, CSSA = NSSA. */
	cr_assert_eq(enter(PROBE_TCS1, SGX_EENTER, OP_UD, &marker, 0, &run), 0);
	cr_assert_eq(run.function, SGX_ERESUME);
	cr_assert_eq(run.exception_vector, X86_TRAP_UD);
	cr_assert_eq(enter(PROBE_TCS1, SGX_EENTER, 0, &marker, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EENTER, "the EENTER itself faulted");
	cr_assert_eq(run.exception_vector, X86_TRAP_GP);
	cr_assert_eq(run.exception_error_code, 0);
	cr_assert_eq(run.exception_addr, 0);
	/* The TCS is not left busy: ERESUME still works (and faults again). */
	cr_assert_eq(enter(PROBE_TCS1, SGX_ERESUME, 0, NULL, 0, &run), 0);
	cr_assert_eq(run.function, SGX_ERESUME);
	cr_assert_eq(run.exception_vector, X86_TRAP_UD);
	/* TCS#0 is unaffected. */
	{
		struct probe_dump d;

		cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
		cr_assert_eq(run.function, SGX_EEXIT);
		cr_assert_eq(d.rax, 0);
	}
	assert_host_fsgs();
}

Test(entry_aex, eresume_with_cssa_zero_faults)
{
	struct sgx_enclave_run run;

	cr_assert_eq(enter(PROBE_TCS0, SGX_ERESUME, 0, NULL, 0, &run), 0);
	cr_assert_eq(run.function, SGX_ERESUME);
	cr_assert_eq(run.exception_vector, X86_TRAP_GP);
	cr_assert_eq(run.exception_error_code, 0);
	cr_assert_eq(run.exception_addr, 0);
	/* Nothing changed: EENTER works. */
	{
		struct probe_dump d;

		cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
		cr_assert_eq(run.function, SGX_EEXIT);
		cr_assert_eq(d.rax, 0);
	}
	assert_host_fsgs();
}

Test(entry_aex, cssa_counts_nested_frames)
{
	struct sgx_enclave_run run;
	struct probe_frame fr;
	uint64_t marker = 0;

	/* Two AEXs without a resume in between would need a fault in the
	 * handler phase; the probe has none, so: AEX (CSSA 1), handler phase
	 * sees 1, ERESUME (CSSA 0), AEX again (CSSA 1). */
	for (int i = 0; i < 3; i++) {
		if (i == 0)
			cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_UD, &marker, 0, &run), 0);
		else
			cr_assert_eq(enter(PROBE_TCS0, SGX_ERESUME, 0, NULL, 0, &run), 0);
		cr_assert_eq(run.function, SGX_ERESUME);
		handler_phase(PROBE_TCS0, 0, &fr);
		cr_assert_eq(fr.cssa, 1);
		cr_assert_eq(fr.gpr.exitinfo, EXITINFO_HW(X86_TRAP_UD));
	}
}

/* ---- a TCS in use, and a signal AEX --------------------------------------- */

struct spinner {
	pthread_t th;
	uint64_t tcs_off;
	volatile uint64_t flag[2]; /* [0]: stop; [1]: set by the enclave when inside */
	struct sgx_enclave_run run;
	int ret;
	uint64_t fs_before, fs_after, gs_before, gs_after;
};

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	s->fs_before = probe_host_fs();
	s->gs_before = probe_host_gs();
	s->ret = enter(s->tcs_off, SGX_EENTER, OP_SPIN, (void *)s->flag, 0, &s->run);
	s->fs_after = probe_host_fs();
	s->gs_after = probe_host_gs();
	return NULL;
}

static void spinner_start(struct spinner *s, uint64_t tcs_off)
{
	memset(s, 0, sizeof(*s));
	s->tcs_off = tcs_off;
	cr_assert_eq(pthread_create(&s->th, NULL, spin_thread, s), 0);
	while (!__atomic_load_n(&s->flag[1], __ATOMIC_ACQUIRE))
		sched_yield();
}

static void spinner_join(struct spinner *s)
{
	__atomic_store_n(&s->flag[0], 1, __ATOMIC_RELEASE);
	cr_assert_eq(pthread_join(s->th, NULL), 0);
	cr_assert_eq(s->ret, 0);
	cr_assert_eq(s->run.function, SGX_EEXIT);
	cr_assert_eq(s->fs_after, s->fs_before, "spinner's FS base");
	cr_assert_eq(s->gs_after, s->gs_before, "spinner's GS base");
}

Test(entry_aex, tcs_in_use_faults)
{
	struct spinner s;
	struct sgx_enclave_run run;
	struct probe_dump d;

	spinner_start(&s, PROBE_TCS0);
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EENTER);
	cr_assert_eq(run.exception_vector, X86_TRAP_GP);
	cr_assert_eq(run.exception_error_code, 0);
	cr_assert_eq(run.exception_addr, 0);
	/* The other TCS is free: two threads in the enclave at once. */
	cr_assert_eq(enter(PROBE_TCS1, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(d.rbx, E.base + PROBE_TCS1);
	spinner_join(&s);
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT);
	assert_host_fsgs();
}

static struct {
	int calls, sig;
	uint64_t rip, rax, rbx, rcx, rdi, rsi;
	volatile uint64_t *flag;
} U;

static void on_usr1(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)si;
	U.calls++;
	U.sig = sig;
	U.rip = uc->uc_mcontext.gregs[REG_RIP];
	U.rax = uc->uc_mcontext.gregs[REG_RAX];
	U.rbx = uc->uc_mcontext.gregs[REG_RBX];
	U.rcx = uc->uc_mcontext.gregs[REG_RCX];
	U.rdi = uc->uc_mcontext.gregs[REG_RDI];
	U.rsi = uc->uc_mcontext.gregs[REG_RSI];
	if (U.flag)
		*U.flag = 1;
}

Test(entry_aex, signal_causes_aex_and_resumes)
{
	struct sgx_entry_stats before, after;
	struct sigaction sa;
	struct spinner s;
	struct sgx_enclave_run run;
	struct probe_frame fr;

	memset(&U, 0, sizeof(U));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sgx_entry_own_signal(SIGUSR1), 0);
	cr_assert_eq(sgx_entry_sigaction(SIGUSR1, &sa, NULL), 0);
	sgx_entry_get_stats(&before);
	spinner_start(&s, PROBE_TCS0);
	U.flag = &s.flag[0];
	cr_assert_eq(pthread_kill(s.th, SIGUSR1), 0);
	cr_assert_eq(pthread_join(s.th, NULL), 0);
	cr_assert_eq(s.ret, 0);
	cr_assert_eq(s.run.function, SGX_EEXIT, "ERESUMEd after the handler, then EEXIT");
	cr_assert_eq(s.fs_after, s.fs_before);
	cr_assert_eq(s.gs_after, s.gs_before);
	sgx_entry_get_stats(&after);
	cr_assert_eq(after.aex_signal - before.aex_signal, 1);
	cr_assert_eq(after.aex - before.aex, 1);
	cr_assert_eq(after.enclu[SGX_ERESUME] - before.enclu[SGX_ERESUME], 1);

	/* The handler ran at the AEP with the synthetic state. */
	cr_assert_eq(U.calls, 1);
	cr_assert_eq(U.sig, SIGUSR1);
	cr_assert(U.rip > (uint64_t)(uintptr_t)sgx_enter_enclave &&
		  U.rip < (uint64_t)(uintptr_t)sgx_enter_enclave + 0x400, "RIP = AEP");
	cr_assert_eq(U.rcx, U.rip, "RCX = AEP");
	cr_assert_eq(U.rax, SGX_ERESUME);
	cr_assert_eq(U.rbx, E.base + PROBE_TCS0);
	cr_assert_eq(U.rdi, 0);
	cr_assert_eq(U.rsi, 0);

	/* Frame 0 still holds the interrupted context: not an exception. */
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_FRAME, &fr, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(fr.cssa, 0);
	cr_assert_eq(fr.gpr.exitinfo, 0, "EXITINFO %#x", fr.gpr.exitinfo);
	cr_assert_eq(fr.exinfo.maddr, 0);
	cr_assert_eq(fr.exinfo.errcd, 0);
	cr_assert_eq(fr.gpr.rdi, OP_SPIN);
	cr_assert_eq(fr.gpr.rsi, (uint64_t)(uintptr_t)s.flag);
	cr_assert_eq(fr.gpr.fsbase, E.base + PROBE_FS);
	cr_assert_eq(fr.gpr.gsbase, E.base + PROBE_GS);
	(void)code_at(fr.gpr.rip);
	assert_host_fsgs();
}

/* ---- #BP: always a signal, never the vDSO's fixup ------------------------- */

static struct {
	int calls, sig;
	uint64_t rip, rax, rbx, rcx;
} T;

static void on_sigtrap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)si;
	T.calls++;
	T.sig = sig;
	T.rip = uc->uc_mcontext.gregs[REG_RIP];
	T.rax = uc->uc_mcontext.gregs[REG_RAX];
	T.rbx = uc->uc_mcontext.gregs[REG_RBX];
	T.rcx = uc->uc_mcontext.gregs[REG_RCX];
}

Test(entry_aex, int3_is_sigtrap_at_aep)
{
	struct sgx_enclave_run run;
	struct sigaction sa;
	struct probe_frame fr;
	uint64_t marker = 0;

	memset(&T, 0, sizeof(T));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigtrap;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sgx_entry_sigaction(SIGTRAP, &sa, NULL), 0);
	run_init(&run, PROBE_TCS0);
	cr_assert_eq(probe_enter(OP_BP, (unsigned long)&marker, 0, SGX_EENTER, 0, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT, "resumed after the SIGTRAP handler");
	cr_assert_eq(run.exception_vector, 0, "no fixup for #BP");
	cr_assert_eq(marker, PROBE_RESUMED);
	cr_assert_eq(T.calls, 1);
	cr_assert_eq(T.sig, SIGTRAP);
	cr_assert(T.rip > (uint64_t)(uintptr_t)sgx_enter_enclave &&
		  T.rip < (uint64_t)(uintptr_t)sgx_enter_enclave + 0x400, "RIP = AEP");
	cr_assert_eq(T.rcx, T.rip);
	cr_assert_eq(T.rax, SGX_ERESUME);
	cr_assert_eq(T.rbx, E.base + PROBE_TCS0);
	/* The frame: a software exception, RIP after the INT3. */
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_FRAME, &fr, 0, &run), 0);
	cr_assert_eq(fr.gpr.exitinfo, SGX_EXITINFO_VALID | SGX_EXITINFO_TYPE_SW << 8 | X86_TRAP_BP,
		     "EXITINFO %#x", fr.gpr.exitinfo);
	cr_assert_eq(code_at(fr.gpr.rip - 1)[0], 0xcc);
	assert_host_fsgs();
}

/* ---- the user handler on the exception path ------------------------------- */

static struct {
	int calls;
	long rdi, rsi, rdx, rsp, r8, r9;
	uint32_t function[4];
	struct probe_frame fr;
	uint64_t skip;
} X;

static int two_phase_handler(long rdi, long rsi, long rdx, long rsp, long r8, long r9,
			     struct sgx_enclave_run *run)
{
	int n = X.calls++;

	if (n < 4)
		X.function[n] = run->function;
	if (run->function != SGX_ERESUME)
		return 0;
	X.rdi = rdi; X.rsi = rsi; X.rdx = rdx; X.rsp = rsp; X.r8 = r8; X.r9 = r9;
	/* Phase two: let the enclave's handler skip the instruction, then
	 * tell the vDSO to ERESUME. */
	handler_phase(PROBE_TCS0, X.skip, &X.fr);
	return SGX_ERESUME;
}

static void check_two_phase(uint64_t op, uint64_t skip, long vector, long error_code,
			    long addr)
{
	struct sgx_enclave_run run;
	uint64_t marker = 0;
	int ret;

	memset(&X, 0, sizeof(X));
	X.skip = skip;
	run_init(&run, PROBE_TCS0);
	run.user_handler = (uint64_t)(uintptr_t)two_phase_handler;
	ret = probe_enter(op, (unsigned long)&marker, 0x1d, SGX_EENTER, 0x88, 0x99, &run);
	cr_assert_eq(ret, 0);
	cr_assert_eq(X.calls, 2);
	cr_assert_eq(X.function[0], SGX_ERESUME);
	cr_assert_eq(X.function[1], SGX_EEXIT);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(marker, PROBE_RESUMED);
	/* Exception path: the fixup's registers, AEX-zeroed R8/R9, URSP. */
	cr_assert_eq(X.rdi, vector);
	cr_assert_eq(X.rsi, error_code);
	cr_assert_eq(X.rdx, addr);
	cr_assert_eq(X.r8, 0);
	cr_assert_eq(X.r9, 0);
	cr_assert_eq((uint64_t)X.rsp, X.fr.gpr.ursp, "rsp at exit = URSP");
	cr_assert_eq(X.fr.cssa, 1);
	cr_assert_eq(X.fr.gpr.rdx, 0x1d);
	cr_assert_eq(X.fr.gpr.r9, 0x99);
	assert_host_fsgs();
}

Test(entry_aex, user_handler_two_phase_ud)
{
	check_two_phase(OP_UD, PROBE_LEN_UD, X86_TRAP_UD, 0, 0);
}

Test(entry_aex, user_handler_two_phase_pf)
{
	check_two_phase(OP_TCS, PROBE_LEN_TCS, X86_TRAP_PF, 0x8007, (long)(E.base + PROBE_TCS1));
}

/* ---- the application's SIGSEGV handler for host faults -------------------- */

static sigjmp_buf jb;
static struct {
	int calls;
	void *addr;
} V;

static void on_sigsegv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	V.calls++;
	V.addr = si->si_addr;
	siglongjmp(jb, 1);
}

static void enclave_activity(void)
{
	struct sgx_enclave_run run;
	struct probe_frame fr;
	struct probe_dump d;
	uint64_t marker = 0;

	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_RO, &marker, 0, &run), 0);
	cr_assert_eq(run.exception_vector, X86_TRAP_PF);
	handler_phase(PROBE_TCS0, PROBE_LEN_RO, &fr);
	cr_assert_eq(enter(PROBE_TCS0, SGX_ERESUME, 0, NULL, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(marker, PROBE_RESUMED);
}

static void null_deref(void)
{
	uintptr_t p = 0, v;

	memset(&V, 0, sizeof(V));
	if (sigsetjmp(jb, 1) == 0) {
		/* In assembly: UBSan would stop a C null dereference first. */
		__asm__ volatile("mov (%1), %0" : "=r"(v) : "r"(p) : "memory");
		(void)v;
		cr_assert_fail("no SIGSEGV");
	}
	cr_assert_eq(V.calls, 1);
	cr_assert_null(V.addr);
}

static void setup_app_handler_first(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsegv;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sigaction(SIGSEGV, &sa, NULL), 0);
	setup_exinfo();
}

Test(entry_aex_app_first, app_sigsegv_handler_installed_before_init,
     .init = setup_app_handler_first, .fini = teardown)
{
	struct sigaction cur;

	/* sgxemu's handler is in front of it ... */
	cr_assert_eq(sigaction(SIGSEGV, NULL, &cur), 0);
	cr_assert_neq(cur.sa_sigaction, on_sigsegv);
	/* ... and keeps it for host faults. */
	enclave_activity();
	null_deref();
	enclave_activity();
	null_deref();
	assert_host_fsgs();
}

Test(entry_aex, app_sigsegv_handler_via_entry_sigaction)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsegv;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sgx_entry_sigaction(SIGSEGV, &sa, &old), 0);
	enclave_activity();
	null_deref();
	cr_assert_eq(sgx_entry_sigaction(SIGSEGV, NULL, &old), 0);
	cr_assert_eq(old.sa_sigaction, on_sigsegv);
	assert_host_fsgs();
}

/* ---- repetition ------------------------------------------------------------- */

Test(entry_aex, ten_thousand_enter_exit)
{
	uint64_t used0, used1, hw;
	struct sgx_entry_stats before, after;
	struct sgx_enclave_run run;
	struct probe_dump d;

	sgx_os_epc_usage(E.os, &used0, &hw);
	sgx_entry_get_stats(&before);
	for (int i = 0; i < 10000; i++) {
		run_init(&run, i & 1 ? PROBE_TCS1 : PROBE_TCS0);
		if (probe_enter(OP_DUMP, (unsigned long)&d, (unsigned long)i, SGX_EENTER, 0, 0, &run) || run.function != SGX_EEXIT || d.rdx != (uint64_t)i)
			cr_assert_fail("iteration %d: function %u", i, run.function);
	}
	sgx_entry_get_stats(&after);
	sgx_os_epc_usage(E.os, &used1, &hw);
	cr_assert_eq(used1, used0);
	cr_assert_eq(after.enclu[SGX_EENTER] - before.enclu[SGX_EENTER], 10000);
	cr_assert_eq(after.enclu[SGX_EEXIT] - before.enclu[SGX_EEXIT], 10000);
	assert_host_fsgs();
}

Test(entry_aex, thousand_aex_with_handler_and_eresume)
{
	uint64_t used0, used1, hw;
	struct sgx_entry_stats before, after;
	struct sgx_enclave_run run;
	struct probe_frame fr;
	struct probe_dump d;
	uint64_t marker;

	sgx_os_epc_usage(E.os, &used0, &hw);
	sgx_entry_get_stats(&before);
	for (int i = 0; i < 1000; i++) {
		marker = 0;
		if (enter(PROBE_TCS0, SGX_EENTER, OP_UD, &marker, 0, &run) ||
		    run.function != SGX_ERESUME || run.exception_vector != X86_TRAP_UD)
			cr_assert_fail("iteration %d: AEX expected: function %u vector %u", i,
				       run.function, run.exception_vector);
		if (enter(PROBE_TCS0, SGX_EENTER, 0, &fr, PROBE_LEN_UD, &run) ||
		    run.function != SGX_EEXIT || fr.cssa != 1)
			cr_assert_fail("iteration %d: handler phase", i);
		if (enter(PROBE_TCS0, SGX_ERESUME, 0, NULL, 0, &run) ||
		    run.function != SGX_EEXIT || marker != PROBE_RESUMED)
			cr_assert_fail("iteration %d: ERESUME", i);
	}
	sgx_entry_get_stats(&after);
	sgx_os_epc_usage(E.os, &used1, &hw);
	cr_assert_eq(used1, used0);
	cr_assert_eq(after.aex - before.aex, 1000);
	cr_assert_eq(after.aex_by_vector[X86_TRAP_UD] - before.aex_by_vector[X86_TRAP_UD], 1000);
	cr_assert_eq(after.enclu[SGX_ERESUME] - before.enclu[SGX_ERESUME], 1000);
	cr_assert_eq(enter(PROBE_TCS0, SGX_EENTER, OP_DUMP, &d, 0, &run), 0);
	cr_assert_eq(d.rax, 0, "CSSA back at 0");
	assert_host_fsgs();
}

/* ---- extended state across AEX and ERESUME --------------------------------- */

static int xmm_handler(long rdi, long rsi, long rdx, long rsp, long r8, long r9,
		       struct sgx_enclave_run *run)
{
	(void)rdi; (void)rsi; (void)rdx; (void)rsp; (void)r8; (void)r9;
	if (run->function != SGX_ERESUME)
		return 0;
	X.calls++;
	/* The host clobbers XMM0 between the AEX and the ERESUME, as any host
	 * code may; ERESUME must bring the enclave's value back. */
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0" ::: "xmm0");
	handler_phase(PROBE_TCS0, PROBE_LEN_UD, &X.fr);
	return SGX_ERESUME;
}

Test(entry_aex, xmm_state_saved_in_ssa_and_restored_by_eresume)
{
	const uint64_t pattern = 0x5eed5a1ef00dcafeull;
	struct sgx_enclave_run run;
	uint64_t out[3] = { 0, 0, 0 };

	memset(&X, 0, sizeof(X));
	run_init(&run, PROBE_TCS0);
	run.user_handler = (uint64_t)(uintptr_t)xmm_handler;
	cr_assert_eq(probe_enter(OP_XMM, (unsigned long)out, pattern, SGX_EENTER, 0, 0, &run), 0);
	cr_assert_eq(X.calls, 1);
	cr_assert_eq(X.fr.xmm0, pattern, "SSA XSAVE area XMM0 %#lx", (unsigned long)X.fr.xmm0);
	cr_assert_eq(out[0], PROBE_RESUMED);
	cr_assert_eq(out[1], pattern, "XMM0 after ERESUME %#lx", (unsigned long)out[1]);
	cr_assert_eq(out[2], pattern, "XMM15 after ERESUME %#lx", (unsigned long)out[2]);
}
