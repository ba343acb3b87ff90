/*
 * bench_aex.c - the cost of one interrupt in enclave mode, with and without
 * AEX-Notify, against the raw trap of this design.
 *
 *   baseline raw_trap_ns N      an ENCLU executed outside any enclave, caught
 *                               by a minimal SIGSEGV/SIGILL handler that only
 *                               skips it (one kernel signal round trip);
 *                               measured first, before the platform exists.
 *   aex_eresume_ns N            one injected AEX + the ERESUME back
 *   ratio aex_eresume_vs_trap X
 *   aex_notify_ns N             one injected AEX + the notifying ERESUME
 *                               (EENTER at CSSA 1) + the handler + EDECCSSA +
 *                               the handler's own restore of the context
 *   ratio aex_notify_vs_trap X
 *
 * Method: tests/enclaves/notify.S op 2 runs a fixed loop (LOOP_ITERS
 * iterations, no memory traffic beyond one stack slot) on TCS#0 of an
 * enclave with ATTRIBUTES.AEXNOTIFY, on a fresh thread each time:
 *   t_base   without interrupts,
 *   t_plain  with sgx_entry_inject_every(PERIOD_US), the frame byte clear
 *            (every AEX is followed by a plain ERESUME),
 *   t_notify the same with the frame byte set (the notification path).
 * The cost of one AEX round trip is (t - t_base) / (AEXs counted by
 * sgx_entry_get_stats during the run). This counts everything an interrupt
 * costs the enclave thread: the timer signal's delivery, the AEX emulation,
 * the return to the AEP, the trapping ERESUME and (notify) the handler,
 * which itself may take plain AEXs. Each figure is the best of ROUNDS.
 * Run from the repository root (the test enclave is
 * build/tests/enclaves/notify.elf unless $SGXEMU_TEST_ENCLAVES says
 * otherwise; $SGXEMU_TESTVECTORS has the signing key).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "raw_trap.h"

#include "encl_run.h"
#include "probe.h"

#define ROUNDS 5
#define TRAP_ITERS 20000
#define LOOP_ITERS 20000000ull
#define PERIOD_US 100
#define OP_LOOP 2

static struct er_enclave E;

struct job {
	uint64_t arm;
	uint64_t out[3];
	double ns;
	int ret;
	unsigned function;
};

static void *loop_thread(void *arg)
{
	struct job *j = arg;
	struct sgx_enclave_run run;
	double t0;

	memset(&run, 0, sizeof(run));
	run.tcs = E.base; /* TCS#0 */
	t0 = bench_now_ns();
	j->ret = probe_enter(OP_LOOP, (unsigned long)j->out, LOOP_ITERS, SGX_EENTER, j->arm, 0,
			     &run);
	j->ns = bench_now_ns() - t0;
	j->function = run.function;
	return NULL;
}

/* One run of the loop on a new thread; returns its time, *aex the AEXs. */
static int run_once(uint64_t arm, uint64_t period, struct job *j, uint64_t *aex)
{
	struct sgx_entry_stats s0, s1;
	pthread_t th;

	memset(j, 0, sizeof(*j));
	j->arm = arm;
	sgx_entry_get_stats(&s0);
	if (sgx_entry_inject_every(period))
		return -1;
	if (pthread_create(&th, NULL, loop_thread, j))
		return -1;
	pthread_join(th, NULL);
	sgx_entry_inject_every(0);
	sgx_entry_get_stats(&s1);
	*aex = s1.aex - s0.aex;
	if (j->ret || j->function != SGX_EEXIT) {
		fprintf(stderr, "bench_aex: the loop did not finish (ret %d, function %u)\n", j->ret,
			j->function);
		return -1;
	}
	return 0;
}

int main(void)
{
	double trap = bench_raw_trap_ns(ROUNDS, TRAP_ITERS), base = 1e30, plain = 1e30, notify = 1e30;
	uint64_t ref[3], aex, aex_plain = 0, aex_notify = 0;
	struct job j;

	if (er_setup_attrs("notify", SGX_MISC_EXINFO, SGX_ATTR_AEXNOTIFY, NULL, &E))
		return 1;
	for (int r = 0; r < ROUNDS; r++) {
		if (run_once(1, 0, &j, &aex))
			return 1;
		if (j.ns < base)
			base = j.ns;
		memcpy(ref, j.out, sizeof(ref));
	}
	for (int r = 0; r < ROUNDS; r++) {
		double per;

		if (run_once(0, PERIOD_US, &j, &aex) || !aex || memcmp(ref, j.out, sizeof(ref)))
			return fprintf(stderr, "bench_aex: plain run wrong\n"), 1;
		per = (j.ns - base) / (double)aex;
		if (per < plain) {
			plain = per;
			aex_plain = aex;
		}
		if (run_once(1, PERIOD_US, &j, &aex) || !aex || memcmp(ref, j.out, sizeof(ref)))
			return fprintf(stderr, "bench_aex: notify run wrong\n"), 1;
		per = (j.ns - base) / (double)aex;
		if (per < notify) {
			notify = per;
			aex_notify = aex;
		}
	}
	er_teardown(&E);
	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("loop_ns %.0f (aexs per run: plain %llu, notify %llu; period %d us)\n", base,
	       (unsigned long long)aex_plain, (unsigned long long)aex_notify, PERIOD_US);
	printf("aex_eresume_ns %.0f\n", plain);
	printf("ratio aex_eresume_vs_trap %.2f\n", plain / trap);
	printf("aex_notify_ns %.0f\n", notify);
	printf("ratio aex_notify_vs_trap %.2f\n", notify / trap);
	return 0;
}
