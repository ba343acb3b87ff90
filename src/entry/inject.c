/*
 * inject.c - interrupts on demand: periodic AEXs from per-thread timers,
 * one AEX sent to a thread, and single-stepping of debug enclaves.
 *
 * Injected events take exactly the path real ones take: the injection
 * signal lands while the thread runs enclave code, the trap handler turns
 * it into an AEX (EXITINFO not valid, as for an interrupt), and the return
 * to the AEP ERESUMEs. Outside enclave mode the signal is ignored. The
 * application never sees the injection signal (SGX_INJECT_SIGNAL, which it
 * must therefore not use itself).
 *
 * Single-stepping plays the debugger of a debug enclave: on entries into a
 * TCS with FLAGS.DBGOPTIN in an enclave with ATTRIBUTES.DEBUG it sets
 * RFLAGS.TF, so every enclave instruction ends in a #DB AEX - the SGX-Step
 * attacker's view. The CPU itself clears TF on entries into opted-out TCSs.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "entry/entry.h"

int sgx_entry_inject_every(uint64_t usec)
{
	struct entry_platform *p = atomic_load(&entry_platform);
	int ret;

	if (!p)
		return -ENODEV;
	if (usec && !(p->owned & (1ull << SGX_INJECT_SIGNAL))) {
		ret = entry_install(p, SGX_INJECT_SIGNAL, true);
		if (ret)
			return ret;
	}
	atomic_store(&p->inject_usec, usec);
	return 0;
}

int sgx_entry_inject_thread(int tid)
{
	struct entry_platform *p = atomic_load(&entry_platform);
	int ret;

	if (!p)
		return -ENODEV;
	if (!(p->owned & (1ull << SGX_INJECT_SIGNAL))) {
		ret = entry_install(p, SGX_INJECT_SIGNAL, true);
		if (ret)
			return ret;
	}
	{
		struct entry_thread *t = thread_find(p, tid);

		if (t)
			atomic_store(&t->inject_pending, true);
	}
	return (int)raw_syscall(SYS_tgkill, raw_syscall(SYS_getpid, 0, 0, 0, 0), tid,
				SGX_INJECT_SIGNAL, 0);
}

void sgx_entry_single_step(bool on)
{
	struct entry_platform *p = atomic_load(&entry_platform);

	if (p)
		atomic_store(&p->single_step, on);
}

void sgx_entry_set_aex_observer(sgx_aex_observer_t fn)
{
	struct entry_platform *p = atomic_load(&entry_platform);

	if (p)
		p->observer = fn;
}

/*
 * Called on every entry into enclave mode (EENTER, ERESUME), with the state
 * the thread will run the enclave with. Arms the thread's periodic timer the
 * first time, and sets TF when single-stepping an opted-in debug TCS.
 */
void entry_inject_on_entry(struct entry_platform *p, struct entry_thread *t,
			   struct sgx_regs *regs)
{
	uint64_t usec = atomic_load(&p->inject_usec);

	if (usec != t->timer_usec && (usec || t->timer_created)) {
		struct sigevent ev;
		struct itimerspec its;
		int id;

		if (!t->timer_created) {
			memset(&ev, 0, sizeof(ev));
			ev.sigev_notify = SIGEV_THREAD_ID;
			ev.sigev_signo = SGX_INJECT_SIGNAL;
			ev._sigev_un._tid = atomic_load(&t->tid);
			if (raw_syscall(SYS_timer_create, CLOCK_MONOTONIC, (long)&ev, (long)&id, 0))
				return;
			t->timer_id = id;
			t->timer_created = true;
		}
		/* usec 0 disarms the timer. */
		its.it_value.tv_sec = its.it_interval.tv_sec = (time_t)(usec / 1000000);
		its.it_value.tv_nsec = its.it_interval.tv_nsec = (long)(usec % 1000000) * 1000;
		raw_syscall(SYS_timer_settime, t->timer_id, 0, (long)&its, 0);
		t->timer_usec = usec;
	}
	if (atomic_load(&p->single_step) && sgx_lp_debug_optin(p->cpu, &t->lp))
		regs->rflags |= 0x100; /* TF */
}

bool entry_inject_wanted(struct entry_platform *p, struct entry_thread *t, const siginfo_t *si)
{
	if (t && atomic_exchange(&t->inject_pending, false))
		return true;
	/* A tick of a timer armed before injection was switched off. */
	return si->si_code == SI_TIMER && atomic_load(&p->inject_usec) != 0;
}

void entry_inject_fini(struct entry_platform *p)
{
	for (unsigned i = 0; i < ENTRY_MAX_THREADS; i++)
		if (p->threads[i].timer_created) {
			raw_syscall(SYS_timer_delete, p->threads[i].timer_id, 0, 0, 0);
			p->threads[i].timer_created = false;
		}
}
