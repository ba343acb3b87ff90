/*
 * entry.c - attaching a platform to the process: installing the trap
 * handlers, keeping the application's own handlers behind them, and the
 * counters.
 *
 * The platform is a process-wide singleton reached through a plain global
 * pointer (never TLS): the trap handlers of every thread need it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "entry/entry.h"

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE (1 << 1)
#endif

struct entry_platform *_Atomic entry_platform;

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000
#endif

/* The kernel's struct sigaction (x86-64). */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

int raw_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct kernel_sigaction k, ko;
	long ret;

	if (act) {
		k.handler = (void *)act->sa_handler;
		k.flags = (unsigned long)act->sa_flags;
		k.restorer = (void *)act->sa_restorer;
		memcpy(&k.mask, &act->sa_mask, sizeof(k.mask));
		if (!(k.flags & SA_RESTORER)) {
			k.flags |= SA_RESTORER;
			k.restorer = (void *)sgx_sigreturn;
		}
	}
	ret = raw_syscall(SYS_rt_sigaction, sig, act ? (long)&k : 0, old ? (long)&ko : 0, 8);
	if (ret == 0 && old) {
		memset(old, 0, sizeof(*old));
		old->sa_handler = (void (*)(int))ko.handler;
		old->sa_flags = (int)ko.flags;
		old->sa_restorer = (void (*)(void))ko.restorer;
		memcpy(&old->sa_mask, &ko.mask, sizeof(ko.mask));
	}
	return (int)ret;
}

/* The signals through which ENCLU and enclave faults reach us. */
static const int fault_signals[] = { SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP };

int entry_install(struct entry_platform *p, int sig, bool onstack)
{
	struct sigaction sa;
	int ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = entry_trap;
	/* SA_ONSTACK: never push a frame on an enclave stack. All signals
	 * blocked: an AEX must not be interrupted halfway. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART | (onstack ? SA_ONSTACK : 0);
	sigfillset(&sa.sa_mask);
	ret = raw_sigaction(sig, &sa, &p->app[sig]);
	if (ret)
		return ret;
	p->owned |= 1ull << sig;
	return 0;
}

int sgx_entry_init(struct sgx_os *os)
{
	struct entry_platform *p, *expected = NULL;
	int ret;

	if (atomic_load(&entry_platform))
		return -EBUSY;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->os = os;
	p->cpu = sgx_os_cpu(os);
	p->fsgsbase = getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE;
	p->altstacks = mmap(NULL, (size_t)ENTRY_MAX_THREADS * ENTRY_ALTSTACK_SIZE,
			    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
	if (p->altstacks == MAP_FAILED) {
		free(p);
		return -ENOMEM;
	}
	if (!atomic_compare_exchange_strong(&entry_platform, &expected, p)) {
		munmap(p->altstacks, (size_t)ENTRY_MAX_THREADS * ENTRY_ALTSTACK_SIZE);
		free(p);
		return -EBUSY;
	}
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++) {
		ret = entry_install(p, fault_signals[i], true);
		if (ret) {
			sgx_entry_fini();
			return ret;
		}
	}
	return 0;
}

void sgx_entry_fini(void)
{
	struct entry_platform *p = atomic_load(&entry_platform);
	stack_t ss = { .ss_flags = SS_DISABLE };
	stack_t cur;

	if (!p)
		return;
	entry_inject_fini(p);
	for (int sig = 1; sig < NSIG && sig < 64; sig++)
		if (p->owned & (1ull << sig))
			raw_sigaction(sig, &p->app[sig], NULL);
	/* Only this thread's alternate stack can be taken down from here;
	 * other threads' slots stay mapped (the mapping is not freed). */
	if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) &&
	    (uint8_t *)cur.ss_sp >= p->altstacks &&
	    (uint8_t *)cur.ss_sp < p->altstacks + (size_t)ENTRY_MAX_THREADS * ENTRY_ALTSTACK_SIZE)
		sigaltstack(&ss, NULL);
	atomic_store(&entry_platform, NULL);
	/* The alternate stacks stay mapped: other threads may still have theirs
	 * registered with the kernel. The platform itself goes; no thread may be
	 * inside a handler or an enclave when fini is called (entry.h). */
	free(p);
}

int sgx_entry_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact)
{
	struct entry_platform *p = atomic_load(&entry_platform);

	if (!p || sig <= 0 || sig >= 64 || !(p->owned & (1ull << sig)))
		return sigaction(sig, act, oldact) < 0 ? -errno : 0;
	if (act && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (oldact)
		*oldact = p->app[sig];
	if (act)
		p->app[sig] = *act;
	return 0;
}

int sgx_entry_own_signal(int sig)
{
	struct entry_platform *p = atomic_load(&entry_platform);

	if (!p)
		return -ENODEV;
	if (sig <= 0 || sig >= 64 || sig == SIGKILL || sig == SIGSTOP)
		return -EINVAL;
	if (p->owned & (1ull << sig))
		return 0;
	return entry_install(p, sig, true);
}

void sgx_entry_get_stats(struct sgx_entry_stats *out)
{
	struct entry_platform *p = atomic_load(&entry_platform);

	memset(out, 0, sizeof(*out));
	if (!p)
		return;
	for (int i = 0; i < 10; i++)
		out->enclu[i] = atomic_load(&p->enclu[i]);
	for (int i = 0; i < 32; i++)
		out->aex_by_vector[i] = atomic_load(&p->aex_by_vector[i]);
	out->aex = atomic_load(&p->aex);
	out->aex_signal = atomic_load(&p->aex_signal);
	out->aex_injected = atomic_load(&p->aex_injected);
	out->single_steps = atomic_load(&p->single_steps);
}
