/*
 * test_aexnotify.c - AEX-Notify and EDECCSSA (fact sheet 3.1, 4, 5.2,
 * 9.1, 9.4, 9.5) with tests/enclaves/notify.S: a notification is an
 * ERESUME that enters at OENTRY with RAX = CSSA, only when the SECS
 * attribute, TCS.FLAGS.AEXNOTIFY and the frame's AEXNOTIFY byte are all
 * set; the enclave's handler pops the frame with EDECCSSA and resumes the
 * interrupted context itself. Also: the EENTER consistency rule, EDECCSSA
 * at CSSA 0, SSA exhaustion, a platform without the feature, injected
 * interrupts under notification, and single-stepping a notifying TCS.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "os/encl.h"
#include "util/encl_run.h"
#include "util/probe.h"

#define TCS0 0x0000ull /* FLAGS.AEXNOTIFY, NSSA 3 */
#define TCS1 0x1000ull /* FLAGS 0, NSSA 3 */
#define CODE 0x2000ull

enum { OP_DUMP_ = 0, OP_UD_ = 1, OP_LOOP = 2, OP_EDEC = 3, OP_UDS = 4 };
#define MODE_SKIP_UD 1
#define MODE_EXHAUST 2
#define EXITINFO_UD 0x80000306u

/* The first 256 bytes of a TCS's data page (notify.S D_*). */
struct notify_data {
	uint64_t count, mode, self, ssa, exit, hrsp, hrbp, pframe;
	uint64_t last_rax, last_rcx, last_exitinfo, last_rip, restarts, entry_rax, pad[2];
	uint64_t raxlog[8];
	uint64_t pad2[8];
};
_Static_assert(sizeof(struct notify_data) == 256, "notify_data");

static struct er_enclave E;

static void setup_notify(void)
{
	cr_assert_eq(er_setup_attrs("notify", SGX_MISC_EXINFO, SGX_ATTR_AEXNOTIFY, NULL, &E), 0);
}

static void setup_plain(void)
{
	cr_assert_eq(er_setup_attrs("notify", SGX_MISC_EXINFO, 0, NULL, &E), 0);
}

static void teardown(void)
{
	sgx_entry_single_step(false);
	sgx_entry_set_aex_observer(NULL);
	sgx_entry_inject_every(0);
	er_teardown(&E);
}

TestSuite(aexnotify, .init = setup_notify, .fini = teardown);
TestSuite(aexnotify_noattr, .init = setup_plain, .fini = teardown);
TestSuite(aexnotify_platform, .fini = teardown);

static int enter(uint64_t tcs, unsigned leaf, uint64_t rdi, void *rsi, uint64_t rdx, uint64_t r8,
		 struct sgx_enclave_run *run)
{
	memset(run, 0, sizeof(*run));
	run->tcs = E.base + tcs;
	return probe_enter(rdi, (unsigned long)rsi, rdx, leaf, r8, 0, run);
}

static void expect(const struct sgx_enclave_run *run, unsigned function, unsigned vector)
{
	cr_assert_eq(run->function, function, "function %u (vector %u), expected %u", run->function,
		     run->exception_vector, function);
	if (function != SGX_EEXIT)
		cr_assert_eq(run->exception_vector, vector, "vector %u, expected %u",
			     run->exception_vector, vector);
}

static void dump(uint64_t tcs, struct notify_data *d)
{
	struct sgx_enclave_run run;

	memset(d, 0xcc, sizeof(*d));
	cr_assert_eq(enter(tcs, SGX_EENTER, OP_DUMP_, d, 0, 0, &run), 0);
	expect(&run, SGX_EEXIT, 0);
}

/* The exception phase (frame byte clear): skip `skip` bytes at the saved RIP. */
static void exception_phase(uint64_t tcs, uint64_t skip, struct probe_frame *fr)
{
	struct sgx_enclave_run run;

	memset(fr, 0xcc, sizeof(*fr));
	cr_assert_eq(enter(tcs, SGX_EENTER, 0, fr, skip, 0, &run), 0);
	expect(&run, SGX_EEXIT, 0);
}

/* ---- delivery ----------------------------------------------------------------- */

Test(aexnotify, notification_enters_at_cssa_and_edeccssa_pops)
{
	struct sgx_enclave_run run;
	struct notify_data d;
	uint64_t marker = 0;

	cr_assert_eq(enter(TCS0, SGX_EENTER, OP_UD_, &marker, MODE_SKIP_UD, 1, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	/* ERESUME -> the handler at CSSA 1: skip, EDECCSSA, resume; the
	 * second ud2 saves into frame 0 again (CSSA was decremented). */
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_EEXIT, 0);
	cr_assert_eq(marker, PROBE_RESUMED);
	dump(TCS0, &d);
	cr_assert_eq(d.count, 2);
	cr_assert_eq(d.raxlog[0], 1, "RAX at the notify entry = CSSA = 1");
	cr_assert_eq(d.raxlog[1], 1, "second notification also at CSSA 1");
	cr_assert_eq(d.entry_rax, 0, "CSSA 0 after the handlers' EDECCSSA");
	cr_assert_eq(d.last_exitinfo, EXITINFO_UD);
	cr_assert_eq(d.last_rcx, d.exit, "RCX at the notify entry = the address after ENCLU");
	cr_assert(d.last_rip - (E.base + CODE) < 0x1000);
}

Test(aexnotify, no_notification_when_the_frame_byte_is_clear)
{
	struct sgx_enclave_run run;
	struct probe_frame fr;
	struct notify_data d;
	uint64_t marker = 0;

	cr_assert_eq(enter(TCS0, SGX_EENTER, OP_UD_, &marker, MODE_SKIP_UD, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	/* A plain ERESUME: the same ud2 again. */
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	exception_phase(TCS0, 2, &fr);
	cr_assert_eq(fr.cssa, 1);
	cr_assert_eq(fr.gpr.exitinfo, EXITINFO_UD);
	cr_assert_eq(fr.gpr.aexnotify, 0);
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	exception_phase(TCS0, 2, &fr);
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_EEXIT, 0);
	cr_assert_eq(marker, PROBE_RESUMED);
	dump(TCS0, &d);
	cr_assert_eq(d.count, 0);
}

Test(aexnotify, attribute_without_tcs_flag_eenter_gp)
{
	struct sgx_enclave_run run;

	cr_assert_eq(enter(TCS1, SGX_EENTER, OP_DUMP_, NULL, 0, 0, &run), 0);
	expect(&run, SGX_EENTER, X86_TRAP_GP);
	cr_assert_eq(run.exception_error_code, 0);
}

Test(aexnotify_noattr, tcs_flag_without_attribute_eenter_gp)
{
	struct sgx_enclave_run run;

	cr_assert_eq(enter(TCS0, SGX_EENTER, OP_DUMP_, NULL, 0, 0, &run), 0);
	expect(&run, SGX_EENTER, X86_TRAP_GP);
}

Test(aexnotify_noattr, frame_byte_without_tcs_flag_is_ignored)
{
	struct sgx_enclave_run run;
	struct notify_data d;
	uint64_t marker = 0;

	/* TCS#1 (no flag) in an enclave without the attribute: the byte alone
	 * does nothing. */
	cr_assert_eq(enter(TCS1, SGX_EENTER, OP_UD_, &marker, MODE_SKIP_UD, 1, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	cr_assert_eq(enter(TCS1, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	/* EENTER at CSSA 1 with the byte set runs notify.S's handler path
	 * (an EENTER, not a notification): it skips the ud2 and resumes. */
	cr_assert_eq(enter(TCS1, SGX_EENTER, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	cr_assert_eq(enter(TCS1, SGX_EENTER, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_EEXIT, 0);
	cr_assert_eq(marker, PROBE_RESUMED);
	dump(TCS1, &d);
	cr_assert_eq(d.count, 2, "only the two EENTERs reached the handler");
	cr_assert_eq(d.entry_rax, 0);
}

/* ---- EDECCSSA and the SSA ---------------------------------------------------- */

Test(aexnotify, edeccssa_at_cssa_zero_is_gp)
{
	struct sgx_enclave_run run;
	struct probe_frame fr;
	uint64_t marker = 0;

	cr_assert_eq(enter(TCS0, SGX_EENTER, OP_EDEC, &marker, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_GP);
	cr_assert_eq(run.exception_error_code, 0);
	exception_phase(TCS0, 3, &fr);
	cr_assert_eq(fr.cssa, 1, "the #GP was an AEX into frame 0");
	cr_assert_eq(fr.gpr.exitinfo, 0x80000300u | X86_TRAP_GP);
	cr_assert_eq(fr.exinfo.errcd, 0);
	cr_assert_eq(fr.exinfo.maddr, 0);
	cr_assert_eq(E.img.src[fr.gpr.rip - 3 - E.base], 0x0f, "RIP %#lx (offset %#lx, before the skip) at the ENCLU",
		     (unsigned long)fr.gpr.rip, (unsigned long)(fr.gpr.rip - E.base));
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_EEXIT, 0);
	cr_assert_eq(marker, PROBE_RESUMED);
}

Test(aexnotify, ssa_exhaustion_without_edeccssa)
{
	struct sgx_enclave_run run;
	uint64_t marker = 0;

	/* ud2 at CSSA 0 -> CSSA 1; notification at 1 arms frame 1 and faults
	 * -> CSSA 2; notification at 2 arms frame 2 and faults -> CSSA 3: that
	 * AEX is fine, but the notifying ERESUME needs CSSA < NSSA. */
	cr_assert_eq(enter(TCS0, SGX_EENTER, OP_UD_, &marker, MODE_EXHAUST, 1, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_UD);
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_GP);
	/* And again: nothing changed. EENTER needs CSSA < NSSA too. */
	cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_ERESUME, X86_TRAP_GP);
	cr_assert_eq(enter(TCS0, SGX_EENTER, 0, NULL, 0, 0, &run), 0);
	expect(&run, SGX_EENTER, X86_TRAP_GP);
	cr_assert_eq(marker, 0);
}

Test(aexnotify_platform, create_without_the_feature_fails)
{
	cr_assert_eq(er_setup_attrs("notify", 0, SGX_ATTR_AEXNOTIFY, "-aexnotify", &E), -1);
	cr_assert_str_eq(E.last_step, "create");
	cr_assert_eq(E.last_ret, -EIO, "CREATE gave %ld", E.last_ret);
}

Test(aexnotify_platform, feature_off_plain_enclave_still_runs)
{
	struct notify_data d;

	cr_assert_eq(er_setup_attrs("notify", 0, 0, "-aexnotify", &E), 0);
	dump(TCS1, &d);
	cr_assert_eq(d.entry_rax, 0);
}

/* ---- interrupts -------------------------------------------------------------------- */

struct loop_out {
	uint64_t v[3];
};

static void run_loop(uint64_t iters, uint64_t arm, struct loop_out *o)
{
	struct sgx_enclave_run run;

	memset(o, 0, sizeof(*o));
	cr_assert_eq(enter(TCS0, SGX_EENTER, OP_LOOP, o, iters, arm, &run), 0);
	expect(&run, SGX_EEXIT, 0);
}

#define LOOP_ITERS 20000000ull

/* Injection runs on a thread of its own: sgx_entry_inject_every(0) does not
 * stop a timer already armed for a thread, and one left on the test's main
 * thread would fire after teardown (SIGRTMAX, default action: terminate). */
static struct {
	uint64_t arm;
	struct loop_out *o;
	int ret;
	struct sgx_enclave_run run;
} T;

static void *loop_thread(void *arg)
{
	(void)arg;
	memset(T.o, 0, sizeof(*T.o));
	T.ret = enter(TCS0, SGX_EENTER, OP_LOOP, T.o, LOOP_ITERS, T.arm, &T.run);
	return NULL;
}

static void run_loop_thread(uint64_t arm, struct loop_out *o)
{
	pthread_t th;

	T.arm = arm;
	T.o = o;
	cr_assert_eq(sgx_entry_inject_every(50), 0);
	cr_assert_eq(pthread_create(&th, NULL, loop_thread, NULL), 0);
	pthread_join(th, NULL);
	sgx_entry_inject_every(0);
	cr_assert_eq(T.ret, 0);
	expect(&T.run, SGX_EEXIT, 0);
}

Test(aexnotify, injected_interrupts_are_notified_and_transparent)
{
	struct loop_out ref, got, plain;
	struct sgx_entry_stats st0, st1, st2;
	struct notify_data d0, d1;

	run_loop(LOOP_ITERS, 1, &ref);
	dump(TCS0, &d0);
	cr_assert_eq(d0.count, 0);
	sgx_entry_get_stats(&st0);
	cr_assert_eq(st0.aex, 0);

	run_loop_thread(1, &got);
	sgx_entry_get_stats(&st1);
	dump(TCS0, &d1);
	cr_assert_eq(memcmp(&ref, &got, sizeof(ref)), 0, "result changed under injection");
	cr_assert_gt(st1.aex_injected, 0);
	cr_assert_gt(d1.count, 0, "no notification");
	cr_assert_leq(d1.count, st1.aex_injected);
	cr_assert_eq(st1.aex_signal, 0);
	cr_log_info("notify loop: %lu injected AEXs, %lu notifications, %lu restarts",
		    (unsigned long)st1.aex_injected, (unsigned long)d1.count,
		    (unsigned long)d1.restarts);

	/* Not armed: plain AEXs, same result, no notification. */
	run_loop_thread(0, &plain);
	sgx_entry_get_stats(&st2);
	dump(TCS0, &d0);
	cr_assert_eq(memcmp(&ref, &plain, sizeof(ref)), 0);
	cr_assert_gt(st2.aex_injected, st1.aex_injected);
	cr_assert_eq(d0.count, d1.count);
}

Test(aexnotify, many_notifications_never_exhaust_the_ssa)
{
	struct sgx_enclave_run run;
	struct notify_data d;
	uint64_t marker = 0;
	int n = 0;

	cr_assert_eq(enter(TCS0, SGX_EENTER, OP_UDS, &marker, 100, 1, &run), 0);
	while (run.function == SGX_ERESUME && run.exception_vector == X86_TRAP_UD && n < 1000) {
		cr_assert_eq(enter(TCS0, SGX_ERESUME, 0, NULL, 0, 0, &run), 0);
		n++;
	}
	expect(&run, SGX_EEXIT, 0);
	cr_assert_eq(n, 100);
	dump(TCS0, &d);
	cr_assert_eq(d.count, 100);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(d.raxlog[i], 1);
	cr_assert_eq(d.entry_rax, 0);
}

/* ---- single-stepping ---------------------------------------------------------------- */

static struct {
	uint64_t lo, hi;       /* the loop body */
	uint64_t hlo, hhi;     /* notify.S's handler and restore sequence */
	uint64_t in_loop, in_handler, other, steps, limit;
	uint64_t loop_rips[64];
	unsigned distinct;
} S;

static void step_observer(uint64_t tcs, uint64_t rip, uint32_t vector, bool injected)
{
	(void)tcs;
	(void)injected;
	if (vector != X86_TRAP_DB)
		return;
	S.steps++;
	if (rip >= S.lo && rip < S.hi) {
		unsigned i;

		S.in_loop++;
		for (i = 0; i < S.distinct; i++)
			if (S.loop_rips[i] == rip)
				break;
		if (i == S.distinct && S.distinct < 64)
			S.loop_rips[S.distinct++] = rip;
	} else if (rip >= S.hlo && rip < S.hhi) {
		S.in_handler++;
	} else {
		S.other++;
	}
	if (S.steps == S.limit)
		sgx_entry_single_step(false); /* the "debugger" gives up */
}

/* DBGOPTIN | AEXNOTIFY on TCS#0 through EDBGWR, as a debugger would. */
static void opt_in(void)
{
	uint64_t e = sgx_encl_page(E.encl, E.base + TCS0), v = 0;
	struct sgx_cpu *cpu = sgx_os_cpu(E.os);
	uint64_t a = sgx_epc_frame_addr(cpu, sgx_page_frame(e)) + 8;
	struct sgx_fault f;

	cr_assert_neq(e, 0);
	cr_assert_eq(sgx_edbgrd(cpu, &v, a, &f), 0);
	cr_assert_eq(v, SGX_TCS_AEXNOTIFY, "FLAGS after EADD %#lx", (unsigned long)v);
	cr_assert_eq(sgx_edbgwr(cpu, SGX_TCS_AEXNOTIFY | SGX_TCS_DBGOPTIN, a, &f), 0);
}

static void setup_debug(void)
{
	const uint64_t *sym;

	cr_assert_eq(er_setup_attrs("notify", SGX_MISC_EXINFO, SGX_ATTR_AEXNOTIFY | SGX_ATTR_DEBUG,
				    NULL, &E), 0);
	opt_in();
	/* notify.S starts its code page with the offsets of four labels. */
	sym = (const uint64_t *)(E.img.src + CODE);
	memset(&S, 0, sizeof(S));
	S.lo = E.base + sym[0];
	S.hi = E.base + sym[1];
	S.hlo = E.base + sym[2];
	S.hhi = E.base + sym[3];
}

TestSuite(aexnotify_step, .init = setup_debug, .fini = teardown);

Test(aexnotify_step, without_notify_every_loop_instruction_is_seen)
{
	struct loop_out ref, got;

	run_loop(100, 0, &ref);
	S.limit = ~0ull;
	sgx_entry_set_aex_observer(step_observer);
	sgx_entry_single_step(true);
	run_loop(100, 0, &got);
	sgx_entry_single_step(false);
	cr_assert_eq(memcmp(&ref, &got, sizeof(ref)), 0);
	cr_log_info("no notify: %lu steps, %lu in the loop (%u distinct RIPs), %lu in the handler",
		    (unsigned long)S.steps, (unsigned long)S.in_loop, S.distinct,
		    (unsigned long)S.in_handler);
	cr_assert_geq(S.in_loop, 100 * 12, "every instruction of every iteration");
	cr_assert_eq(S.distinct, 12, "the 12 instructions of the loop body");
	cr_assert_eq(S.in_handler, 0);
}

Test(aexnotify_step, with_notify_only_the_handler_is_seen)
{
	struct loop_out ref, got;
	struct notify_data d;

	run_loop(100, 1, &ref);
	S.limit = 3000;
	sgx_entry_set_aex_observer(step_observer);
	sgx_entry_single_step(true);
	run_loop(100, 1, &got);
	sgx_entry_single_step(false);
	cr_assert_eq(memcmp(&ref, &got, sizeof(ref)), 0, "the loop finished correctly once "
							"stepping stopped");
	dump(TCS0, &d);
	cr_log_info("notify: %lu steps, %lu in the loop (%u distinct), %lu in the handler, "
		    "%lu elsewhere; %lu notifications, %lu restarts",
		    (unsigned long)S.steps, (unsigned long)S.in_loop, S.distinct,
		    (unsigned long)S.in_handler, (unsigned long)S.other, (unsigned long)d.count,
		    (unsigned long)d.restarts);
	cr_assert_eq(S.steps, S.limit);
	cr_assert_eq(S.in_loop, 0, "no loop instruction was single-stepped");
	cr_assert_gt(S.in_handler, S.steps / 2);
	cr_assert_gt(d.count, 10);
}
