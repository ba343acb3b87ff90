/*
 * test_entry_enter.c - entering and leaving enclaves through the vDSO ABI
 * (fact sheet 9.1, 9.2, 14.7) with tests/enclaves/probe.S: the EENTER
 * register contract, EEXIT, the vDSO's input checks, the user handler, and
 * a raw ENCLU[EENTER] issued by host code.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "util/encl_run.h"
#include "util/probe.h"

static struct er_enclave E;
static uint64_t host_fs, host_gs;

static void setup(void)
{
	cr_assert_eq(er_setup("probe", SGX_MISC_EXINFO, &E), 0);
	host_fs = probe_host_fs();
	host_gs = probe_host_gs();
}

static void teardown(void)
{
	er_teardown(&E);
}

TestSuite(entry_enter, .init = setup, .fini = teardown);

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

/* Inside sgx_enter_enclave, right after an ENCLU instruction. */
static void assert_after_enclu_in_vdso(uint64_t rcx)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)rcx;

	cr_assert(rcx > (uint64_t)(uintptr_t)sgx_enter_enclave &&
		  rcx < (uint64_t)(uintptr_t)sgx_enter_enclave + 0x400,
		  "RCX %#lx is not inside sgx_enter_enclave", (unsigned long)rcx);
	cr_assert(p[-3] == 0x0f && p[-2] == 0x01 && p[-1] == 0xd7,
		  "RCX does not follow an ENCLU");
}

/*
 * vdso_call_regs(in, function, run): call sgx_enter_enclave with every
 * pass-through register (RDI RSI RDX R8-R15) loaded from `in`, and record
 * the RSP just before the call (at which the 7th argument, run, sits).
 */
struct call_regs {
	uint64_t rdi, rsi, rdx, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp_at_call;
};
int vdso_call_regs(struct call_regs *in, unsigned int function, struct sgx_enclave_run *run);
__asm__(
	"	.text\n"
	"	.globl	vdso_call_regs\n"
	"	.type	vdso_call_regs, @function\n"
	"vdso_call_regs:\n"
	"	push	%rbp\n"
	"	push	%rbx\n"
	"	push	%r12\n"
	"	push	%r13\n"
	"	push	%r14\n"
	"	push	%r15\n"
	"	mov	%rdi, %rbx\n"		/* sgx_enter_enclave keeps RBX */
	"	mov	%esi, %ecx\n"
	"	push	%rdx\n"			/* run: the 7th argument, RSP 16-aligned */
	"	mov	%rsp, 88(%rbx)\n"
	"	mov	0(%rbx), %rdi\n"
	"	mov	8(%rbx), %rsi\n"
	"	mov	16(%rbx), %rdx\n"
	"	mov	24(%rbx), %r8\n"
	"	mov	32(%rbx), %r9\n"
	"	mov	40(%rbx), %r10\n"
	"	mov	48(%rbx), %r11\n"
	"	mov	56(%rbx), %r12\n"
	"	mov	64(%rbx), %r13\n"
	"	mov	72(%rbx), %r14\n"
	"	mov	80(%rbx), %r15\n"
	"	call	sgx_enter_enclave@PLT\n"
	"	add	$8, %rsp\n"
	"	pop	%r15\n"
	"	pop	%r14\n"
	"	pop	%r13\n"
	"	pop	%r12\n"
	"	pop	%rbx\n"
	"	pop	%rbp\n"
	"	ret\n"
	"	.size	vdso_call_regs, . - vdso_call_regs\n");

Test(entry_enter, eenter_register_contract)
{
	struct probe_dump d;
	struct sgx_enclave_run run;
	struct call_regs in = {
		.rdi = OP_DUMP, .rsi = (uint64_t)(uintptr_t)&d, .rdx = 0xd0d0d0d0d0d0d0d0,
		.r8 = 0x0808080808080808, .r9 = 0x0909090909090909, .r10 = 0x1010101010101010,
		.r11 = 0x1111111111111111, .r12 = 0x1212121212121212, .r13 = 0x1313131313131313,
		.r14 = 0x1414141414141414, .r15 = 0x1515151515151515,
	};
	int ret;

	memset(&d, 0xee, sizeof(d));
	run_init(&run, PROBE_TCS0);
	/* EEXIT writes run->function only: the exception fields keep these. */
	run.exception_vector = 0x77;
	run.exception_error_code = 0x6666;
	run.exception_addr = 0x5555;
	run.user_data = 0x1234;
	ret = vdso_call_regs(&in, SGX_EENTER, &run);
	cr_assert_eq(ret, 0);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(run.exception_vector, 0x77);
	cr_assert_eq(run.exception_error_code, 0x6666);
	cr_assert_eq(run.exception_addr, 0x5555);
	cr_assert_eq(run.user_data, 0x1234);
	cr_assert_eq(run.tcs, E.base + PROBE_TCS0);

	cr_assert_eq(d.rax, 0, "RAX = CSSA");
	cr_assert_eq(d.rbx, E.base + PROBE_TCS0, "RBX = TCS");
	assert_after_enclu_in_vdso(d.rcx);
	cr_assert_eq(d.rdx, in.rdx);
	cr_assert_eq(d.rsi, in.rsi);
	cr_assert_eq(d.rdi, in.rdi);
	cr_assert_eq(d.r8, in.r8);
	cr_assert_eq(d.r9, in.r9);
	cr_assert_eq(d.r10, in.r10);
	cr_assert_eq(d.r11, in.r11);
	cr_assert_eq(d.r12, in.r12);
	cr_assert_eq(d.r13, in.r13);
	cr_assert_eq(d.r14, in.r14);
	cr_assert_eq(d.r15, in.r15);
	/* The vDSO pushes RBP (and sets RBP to it) and RBX after the return
	 * address: at its ENCLU, RSP = caller's RSP - 24, RBP = RSP + 8. */
	cr_assert_eq(d.rsp, in.rsp_at_call - 24, "RSP %#lx, call at %#lx", (unsigned long)d.rsp,
		     (unsigned long)in.rsp_at_call);
	cr_assert_eq(d.rbp, in.rsp_at_call - 16);
	cr_assert_eq(d.fs0, PROBE_FS_MAGIC, "FS base = BASEADDR + OFSBASE");
	cr_assert_eq(d.gs0, PROBE_GS_MAGIC, "GS base = BASEADDR + OGSBASE");
	cr_assert_eq(d.base, E.base);
	assert_host_fsgs();
}

Test(entry_enter, second_tcs)
{
	struct probe_dump d;
	struct sgx_enclave_run run;

	run_init(&run, PROBE_TCS1);
	cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(d.rax, 0);
	cr_assert_eq(d.rbx, E.base + PROBE_TCS1);
	cr_assert_eq(d.fs0, PROBE_FS_MAGIC);
	cr_assert_eq(d.gs0, PROBE_GS_MAGIC);
	assert_host_fsgs();
}

Test(entry_enter, repeated_entries_and_counters)
{
	struct sgx_entry_stats before, after;
	struct probe_dump d;
	struct sgx_enclave_run run;

	sgx_entry_get_stats(&before);
	for (int i = 0; i < 5; i++) {
		run_init(&run, i & 1 ? PROBE_TCS1 : PROBE_TCS0);
		cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0,
					       &run), 0);
		cr_assert_eq(run.function, SGX_EEXIT);
		cr_assert_eq(d.rax, 0, "CSSA stays 0 across EEXIT");
	}
	sgx_entry_get_stats(&after);
	cr_assert_eq(after.enclu[SGX_EENTER] - before.enclu[SGX_EENTER], 5);
	cr_assert_eq(after.enclu[SGX_EEXIT] - before.enclu[SGX_EEXIT], 5);
	cr_assert_eq(after.aex, before.aex);
	assert_host_fsgs();
}

Test(entry_enter, vdso_rejects_bad_function)
{
	static const unsigned int bad[] = { 0, 1, SGX_EEXIT, 5, 9, 0x80000002u, 0xffffffffu };
	struct probe_dump d;
	struct sgx_enclave_run run;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_init(&run, PROBE_TCS0);
		run.function = 0xabcd;
		cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, bad[i], 0, 0, &run),
			     -EINVAL, "function %#x", bad[i]);
		cr_assert_eq(run.function, 0xabcd, "run untouched on -EINVAL");
	}
	assert_host_fsgs();
}

Test(entry_enter, vdso_rejects_reserved_bytes)
{
	struct probe_dump d;
	struct sgx_enclave_run run;
	struct sgx_entry_stats before, after;

	sgx_entry_get_stats(&before);
	for (size_t i = 0; i < sizeof(run.reserved); i += 37) {
		run_init(&run, PROBE_TCS0);
		run.reserved[i] = 1;
		cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0,
					       &run), -EINVAL, "reserved[%zu]", i);
	}
	run_init(&run, PROBE_TCS0);
	run.reserved[sizeof(run.reserved) - 1] = 0x80;
	cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0, &run),
		     -EINVAL, "last reserved byte");
	sgx_entry_get_stats(&after);
	cr_assert_eq(after.enclu[SGX_EENTER], before.enclu[SGX_EENTER], "nothing entered");
	/* user_data is not reserved. */
	run_init(&run, PROBE_TCS0);
	run.user_data = ~0ull;
	cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT);
}

/* ---- user handler --------------------------------------------------------- */

static struct {
	int calls;
	long rdi, rsi, rdx, rsp, r8, r9;
	struct sgx_enclave_run *run;
	uint32_t function;
	int ret[4];
} H;

static int record_handler(long rdi, long rsi, long rdx, long rsp, long r8, long r9,
			  struct sgx_enclave_run *run)
{
	int n = H.calls++;

	H.rdi = rdi; H.rsi = rsi; H.rdx = rdx; H.rsp = rsp; H.r8 = r8; H.r9 = r9;
	H.run = run;
	H.function = run->function;
	return H.ret[n < 4 ? n : 3];
}

Test(entry_enter, user_handler_after_eexit)
{
	struct probe_dump d;
	struct sgx_enclave_run run;
	int ret;

	memset(&H, 0, sizeof(H));
	H.ret[0] = -7;
	run_init(&run, PROBE_TCS0);
	run.user_handler = (uint64_t)(uintptr_t)record_handler;
	run.user_data = 0xfeed;
	ret = sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0xdd, SGX_EENTER, 0x88, 0x99, &run);
	cr_assert_eq(ret, -7, "handler's value <= 0 is returned");
	cr_assert_eq(H.calls, 1);
	cr_assert_eq(H.function, SGX_EEXIT);
	cr_assert_eq(H.run, &run);
	/* The live registers at EEXIT: the probe leaves these untouched. */
	cr_assert_eq(H.rdi, OP_DUMP);
	cr_assert_eq(H.rsi, (long)&d);
	cr_assert_eq(H.rdx, 0xdd);
	cr_assert_eq(H.r8, 0x88);
	cr_assert_eq(H.r9, 0x99);
	cr_assert_eq((uint64_t)H.rsp, d.rsp, "rsp at exit = the enclave's RSP");
	cr_assert_eq(run.user_data, 0xfeed);
	assert_host_fsgs();
}

Test(entry_enter, user_handler_returns_zero)
{
	struct probe_dump d;
	struct sgx_enclave_run run;

	memset(&H, 0, sizeof(H));
	run_init(&run, PROBE_TCS0);
	run.user_handler = (uint64_t)(uintptr_t)record_handler;
	cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0, &run), 0);
	cr_assert_eq(H.calls, 1);
}

/*
 * A handler that re-enters must itself load the registers the enclave
 * receives: the vDSO re-runs ENCLU with whatever the handler left in RDI,
 * RSI, RDX, R8, R9 (caller-saved, so a C handler leaves garbage). This one
 * returns EENTER with RDI = OP_DUMP, RSI = reenter_buf twice, then -3.
 */
int reenter_calls;
void *reenter_buf;
int reenter_handler(long rdi, long rsi, long rdx, long rsp, long r8, long r9,
		    struct sgx_enclave_run *run);
__asm__(
	"	.text\n"
	"	.globl	reenter_handler\n"
	"	.type	reenter_handler, @function\n"
	"reenter_handler:\n"
	"	incl	reenter_calls(%rip)\n"
	"	cmpl	$3, reenter_calls(%rip)\n"
	"	jae	1f\n"
	"	xor	%edi, %edi\n"
	"	mov	reenter_buf(%rip), %rsi\n"
	"	mov	$2, %eax\n"
	"	ret\n"
	"1:	mov	$-3, %eax\n"
	"	ret\n"
	"	.size	reenter_handler, . - reenter_handler\n");

Test(entry_enter, user_handler_positive_reenters)
{
	struct probe_dump d;
	struct sgx_enclave_run run;
	struct sgx_entry_stats before, after;
	int ret;

	reenter_calls = 0;
	reenter_buf = &d;
	run_init(&run, PROBE_TCS0);
	run.user_handler = (uint64_t)(uintptr_t)reenter_handler;
	sgx_entry_get_stats(&before);
	ret = sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0, &run);
	sgx_entry_get_stats(&after);
	cr_assert_eq(ret, -3, "ret %d after %d handler calls", ret, reenter_calls);
	cr_assert_eq(reenter_calls, 3);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(after.enclu[SGX_EENTER] - before.enclu[SGX_EENTER], 3);
	cr_assert_eq(after.enclu[SGX_EEXIT] - before.enclu[SGX_EEXIT], 3);
	assert_after_enclu_in_vdso(d.rcx);
	cr_assert_eq(d.rbx, E.base + PROBE_TCS0);
	cr_assert_eq(d.rax, 0);
	assert_host_fsgs();
}

Test(entry_enter, user_handler_invalid_leaf)
{
	struct probe_dump d;
	struct sgx_enclave_run run;

	memset(&H, 0, sizeof(H));
	H.ret[0] = 5;
	run_init(&run, PROBE_TCS0);
	run.user_handler = (uint64_t)(uintptr_t)record_handler;
	cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0, &run),
		     -EINVAL, "leaf 5 from the handler");
	cr_assert_eq(H.calls, 1);
}

/* ---- raw ENCLU[EENTER] from host code ------------------------------------ */

/*
 * raw_eenter(tcs, op, buf, &rcx): RAX = 2, RBX = tcs, RCX = raw_aep, RDI =
 * op, RSI = buf, ENCLU. The enclave EEXITs to the RCX it got (raw_after);
 * the RCX EEXIT leaves (the AEP) is stored to *rcx_out. raw_aep is an
 * ENCLU too, as in the vDSO.
 */
int raw_eenter(uint64_t tcs, uint64_t op, void *buf, uint64_t *rcx_out);
extern const char raw_enclu[], raw_after[], raw_aep[];
__asm__(
	"	.text\n"
	"	.globl	raw_eenter, raw_enclu, raw_after, raw_aep\n"
	"	.type	raw_eenter, @function\n"
	"raw_eenter:\n"
	"	push	%rbx\n"
	"	push	%rbp\n"
	"	push	%r12\n"
	"	mov	%rcx, %r12\n"
	"	mov	%rdi, %rbx\n"
	"	mov	%rsi, %rdi\n"
	"	mov	%rdx, %rsi\n"
	"	lea	raw_aep(%rip), %rcx\n"
	"	mov	$2, %eax\n"
	"raw_enclu:\n"
	"	.byte	0x0f, 0x01, 0xd7\n"
	"raw_after:\n"
	"	mov	%rcx, (%r12)\n"
	"	xor	%eax, %eax\n"
	"	pop	%r12\n"
	"	pop	%rbp\n"
	"	pop	%rbx\n"
	"	ret\n"
	"raw_aep:\n"
	"	.byte	0x0f, 0x01, 0xd7\n"
	"	ud2\n"
	"	.size	raw_eenter, . - raw_eenter\n");

Test(entry_enter, raw_enclu_eenter_from_host_code)
{
	struct probe_dump d;
	struct sgx_entry_stats before, after;
	uint64_t rcx = 0;

	memset(&d, 0xee, sizeof(d));
	sgx_entry_get_stats(&before);
	cr_assert_eq(raw_eenter(E.base + PROBE_TCS0, OP_DUMP, &d, &rcx), 0);
	sgx_entry_get_stats(&after);
	cr_assert_eq(d.rax, 0);
	cr_assert_eq(d.rbx, E.base + PROBE_TCS0);
	cr_assert_eq(d.rcx, (uint64_t)(uintptr_t)raw_after, "RCX = the address after ENCLU");
	cr_assert_eq(d.rdi, OP_DUMP);
	cr_assert_eq(d.rsi, (uint64_t)(uintptr_t)&d);
	cr_assert_eq(d.fs0, PROBE_FS_MAGIC);
	cr_assert_eq(d.gs0, PROBE_GS_MAGIC);
	cr_assert_eq(rcx, (uint64_t)(uintptr_t)raw_aep, "EEXIT leaves RCX = AEP");
	cr_assert_eq(after.enclu[SGX_EENTER] - before.enclu[SGX_EENTER], 1);
	cr_assert_eq(after.enclu[SGX_EEXIT] - before.enclu[SGX_EEXIT], 1);
	/* And the vDSO still works after it. */
	{
		struct sgx_enclave_run run;

		run_init(&run, PROBE_TCS0);
		cr_assert_eq(sgx_enter_enclave(OP_DUMP, (unsigned long)&d, 0, SGX_EENTER, 0, 0,
					       &run), 0);
		cr_assert_eq(run.function, SGX_EEXIT);
	}
	assert_host_fsgs();
}

/* A fault in an enclave entered with a foreign AEP is no vDSO business: the
 * application's handler gets the signal at that AEP with the synthetic
 * state. */
static sigjmp_buf jb;
static struct {
	int sig, calls;
	uint64_t rip, rax, rbx, rcx;
} S;

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)si;
	S.sig = sig;
	S.calls++;
	S.rip = uc->uc_mcontext.gregs[REG_RIP];
	S.rax = uc->uc_mcontext.gregs[REG_RAX];
	S.rbx = uc->uc_mcontext.gregs[REG_RBX];
	S.rcx = uc->uc_mcontext.gregs[REG_RCX];
	siglongjmp(jb, 1);
}

Test(entry_enter, raw_eenter_fault_goes_to_app_handler_at_aep)
{
	struct sigaction sa;
	struct probe_frame fr;
	struct sgx_enclave_run run;
	uint64_t rcx = 0;

	memset(&S, 0, sizeof(S));
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	cr_assert_eq(sgx_entry_sigaction(SIGILL, &sa, NULL), 0);
	if (sigsetjmp(jb, 1) == 0) {
		raw_eenter(E.base + PROBE_TCS0, OP_UD, NULL, &rcx);
		cr_assert_fail("the #UD did not reach the application's handler");
	}
	cr_assert_eq(S.calls, 1);
	cr_assert_eq(S.sig, SIGILL);
	cr_assert_eq(S.rip, (uint64_t)(uintptr_t)raw_aep, "RIP = AEP");
	cr_assert_eq(S.rax, SGX_ERESUME);
	cr_assert_eq(S.rbx, E.base + PROBE_TCS0);
	cr_assert_eq(S.rcx, (uint64_t)(uintptr_t)raw_aep);
	assert_host_fsgs();
	/* The AEX went to SSA frame 0. */
	memset(&fr, 0, sizeof(fr));
	run_init(&run, PROBE_TCS0);
	cr_assert_eq(sgx_enter_enclave(0, (unsigned long)&fr, 0, SGX_EENTER, 0, 0, &run), 0);
	cr_assert_eq(run.function, SGX_EEXIT);
	cr_assert_eq(fr.cssa, 1);
	cr_assert_eq(fr.gpr.exitinfo, SGX_EXITINFO_VALID | SGX_EXITINFO_TYPE_HW << 8 | X86_TRAP_UD);
	cr_assert_eq(fr.gpr.rdi, OP_UD);
	cr_assert_eq(fr.gpr.rcx, (uint64_t)(uintptr_t)raw_after);
}
