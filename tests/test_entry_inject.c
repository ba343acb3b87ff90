/*
 * test_entry_inject.c - interrupts on demand: periodic AEXs from per-thread
 * timers and one AEX sent to a thread land while enclave code runs, take the
 * AEX path (EXITINFO not valid), are invisible to the application, and the
 * enclave computes the same result as without them.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/encl_run.h"
#include "util/probe.h"

static struct er_enclave E;

static void setup(void)
{
	cr_assert_eq(er_setup("probe", SGX_MISC_EXINFO, &E), 0);
}

static void teardown(void)
{
	er_teardown(&E);
}

TestSuite(entry_inject, .init = setup, .fini = teardown);

/* op 7: [RSI+8] := 1 once inside, then spin until [RSI] != 0. */
static volatile uint64_t spin[2];
static volatile int spinner_tid;
static int spin_ret = -1;
static struct sgx_enclave_run spin_run;

static void *spinner(void *arg)
{
	(void)arg;
	spinner_tid = (int)syscall(SYS_gettid);
	memset(&spin_run, 0, sizeof(spin_run));
	spin_run.tcs = E.base + PROBE_TCS0;
	spin_ret = probe_enter(OP_SPIN, (unsigned long)spin, 0, SGX_EENTER, 0, 0, &spin_run);
	return NULL;
}

static struct {
	int calls, injected;
	uint64_t rip;
	uint32_t vector;
} O;

static void observer(uint64_t tcs, uint64_t rip, uint32_t vector, bool injected)
{
	(void)tcs;
	O.calls++;
	O.injected += injected;
	O.rip = rip;
	O.vector = vector;
}

static void run_spinner_for(useconds_t us)
{
	pthread_t th;

	spin[0] = spin[1] = 0;
	cr_assert_eq(pthread_create(&th, NULL, spinner, NULL), 0);
	while (!spin[1])
		usleep(100);
	usleep(us);
	spin[0] = 1;
	pthread_join(th, NULL);
	cr_assert_eq(spin_ret, 0);
	cr_assert_eq(spin_run.function, SGX_EEXIT, "the enclave finished normally");
}

Test(entry_inject, periodic_timer_aexs_are_transparent)
{
	struct sgx_entry_stats st;
	uint64_t in_use0, in_use1;

	sgx_os_epc_usage(E.os, &in_use0, NULL);
	sgx_entry_set_aex_observer(observer);
	cr_assert_eq(sgx_entry_inject_every(100), 0);
	run_spinner_for(50000);
	sgx_entry_inject_every(0);
	sgx_entry_get_stats(&st);
	cr_assert_gt(st.aex_injected, 5, "only %lu injected AEXs in 50 ms",
		     (unsigned long)st.aex_injected);
	cr_assert_eq(st.aex, st.aex_injected, "every AEX was an injected one");
	cr_assert_eq(st.aex_signal, 0, "nothing reached the application");
	cr_assert_eq(O.calls, (int)st.aex);
	cr_assert_eq(O.injected, O.calls);
	cr_assert_eq(O.vector, 0xff, "an interrupt: no vector");
	cr_assert(O.rip - (E.base + PROBE_CODE) < 0x1000, "interrupted RIP %#lx in the code page",
		  (unsigned long)O.rip);
	sgx_os_epc_usage(E.os, &in_use1, NULL);
	cr_assert_eq(in_use0, in_use1);
}

Test(entry_inject, one_aex_to_one_thread)
{
	struct sgx_entry_stats st;
	pthread_t th;

	spin[0] = spin[1] = 0;
	cr_assert_eq(pthread_create(&th, NULL, spinner, NULL), 0);
	while (!spin[1])
		usleep(100);
	cr_assert_eq(sgx_entry_inject_thread(spinner_tid), 0);
	usleep(20000);
	spin[0] = 1;
	pthread_join(th, NULL);
	cr_assert_eq(spin_ret, 0);
	sgx_entry_get_stats(&st);
	cr_assert_eq(st.aex_injected, 1);
	cr_assert_eq(st.aex, 1);
}

Test(entry_inject, injection_outside_enclave_mode_is_ignored)
{
	struct sgx_entry_stats st;

	cr_assert_eq(sgx_entry_inject_thread((int)syscall(SYS_gettid)), 0);
	usleep(1000);
	sgx_entry_get_stats(&st);
	cr_assert_eq(st.aex, 0);
}

Test(entry_inject, stopping_injection_stops_the_timers)
{
	struct sgx_entry_stats before, after;

	cr_assert_eq(sgx_entry_inject_every(100), 0);
	run_spinner_for(20000);
	cr_assert_eq(sgx_entry_inject_every(0), 0);
	/* The spinner thread's timer was armed: a fresh entry on a new thread
	 * disarms nothing of it, but its ticks must no longer interrupt. */
	sgx_entry_get_stats(&before);
	run_spinner_for(20000);
	sgx_entry_get_stats(&after);
	cr_assert_eq(after.aex_injected, before.aex_injected,
		     "%lu AEXs injected after injection was switched off",
		     (unsigned long)(after.aex_injected - before.aex_injected));
	/* Teardown detaches the platform; no late tick may kill the process. */
}
