/*
 * entry.h - internal state of the entry layer (src/entry only).
 *
 * One platform per process (the trap handlers are process-wide), found
 * through a plain global pointer. Per-thread state lives in a fixed table
 * keyed by thread id and is claimed lazily on a thread's first entry or
 * trap: a signal handler must find it without TLS (FS may hold the
 * enclave's base when a signal lands) and without allocating.
 */
#ifndef SGXEMU_ENTRY_INTERNAL_H
#define SGXEMU_ENTRY_INTERNAL_H

#include <signal.h>
#include <stdatomic.h>
#include <ucontext.h>

#include "sgxemu/entry.h"

#define ENTRY_MAX_THREADS 1024
#define ENTRY_ALTSTACK_SIZE (64 * 1024)

/* Syscall User Dispatch selector values (linux/prctl.h). */
#define SUD_ALLOW 0
#define SUD_BLOCK 1

struct entry_thread {
	_Atomic int tid;           /* 0: free; never reset to 0 once used */
	struct sgx_lp lp;
	void *altstack;            /* sgxemu's alternate signal stack for it */
	/* The thread's dispatch selector (its address is given to the kernel
	 * when dispatch is switched on for the thread): BLOCK while the
	 * application runs, ALLOW while sgxemu's own code does. */
	volatile char sud_selector;
	bool sud_on;
	/* The alternate stack as the application set it (sigaltstack is
	 * virtualized under the interposer); sgxemu's is in place otherwise. */
	stack_t app_ss;
	bool app_ss_on;
	/* Its injection timer (inject.c): created once, armed with timer_usec
	 * (0: disarmed); inject_pending: a one-shot AEX was asked for. */
	uint64_t deferred;         /* signals held back mid-ENCLU (bit sig-1) */
	bool timer_created;
	uint64_t timer_usec;
	int timer_id;
	atomic_bool inject_pending;
};

struct entry_platform;
/* Emulates the system call that raised a Syscall User Dispatch SIGSYS
 * (src/preload). Runs in the handler: host FS, selector ALLOW, all signals
 * blocked. */
typedef void (*entry_syscall_hook_t)(struct entry_platform *p, struct entry_thread *t,
				     ucontext_t *uc);

struct entry_platform {
	struct sgx_os *os;
	struct sgx_cpu *cpu;
	bool fsgsbase;             /* WRFSBASE/WRGSBASE usable at CPL3 */
	bool cpuid_faulting;       /* CPUID traps, and we answer it */
	struct sigaction app[NSIG];/* the application's handlers */
	uint64_t owned;            /* bit n: sgxemu owns signal n */
	entry_syscall_hook_t syscall_hook;
	_Atomic uint64_t inject_usec;
	_Atomic bool single_step;
	sgx_aex_observer_t observer;
	uint8_t *altstacks;        /* ENTRY_MAX_THREADS stacks, NORESERVE */
	struct entry_thread threads[ENTRY_MAX_THREADS];
	_Atomic uint64_t enclu[10], aex, aex_by_vector[32], aex_signal, aex_injected, single_steps;
};

extern struct entry_platform *_Atomic entry_platform;

/* The vDSO's labels (vdso.S). */
__attribute__((visibility("hidden"))) extern const char sgx_vdso_aep[], sgx_vdso_enclu[], sgx_vdso_after_enclu[],
	sgx_vdso_handle_exception[];

/* thread.c */
struct entry_thread *thread_find(struct entry_platform *p, int tid);
struct entry_thread *thread_get(struct entry_platform *p, int tid);

/* Raw system calls and FS/GS access that touch neither errno nor TLS. All of
 * sgxemu's system calls go through sgx_syscall6 (syscall.S), the region
 * Syscall User Dispatch always lets through. */
long sgx_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
	__attribute__((visibility("hidden")));
void sgx_sigreturn(void) __attribute__((visibility("hidden")));
extern const char __start_sgxemu_allowed[], __stop_sgxemu_allowed[];

static inline long raw_syscall(long nr, long a1, long a2, long a3, long a4)
{
	return sgx_syscall6(nr, a1, a2, a3, a4, 0, 0);
}

/* rt_sigaction with sgxemu's restorer (libc's lies outside the allowed
 * region). Returns 0 or -errno. */
int raw_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

int raw_gettid(void);
uint64_t fsgs_read_fs(const struct entry_platform *p);
uint64_t fsgs_read_gs(const struct entry_platform *p);
void fsgs_write(const struct entry_platform *p, uint64_t fs, uint64_t gs);

/* inject.c */
void entry_inject_on_entry(struct entry_platform *p, struct entry_thread *t,
			   struct sgx_regs *regs);
/* Is this arrival of SGX_INJECT_SIGNAL an interrupt sgxemu still wants? */
bool entry_inject_wanted(struct entry_platform *p, struct entry_thread *t, const siginfo_t *si);
/* Delete every thread's injection timer (at fini). */
void entry_inject_fini(struct entry_platform *p);

/* cpuid.c */
bool entry_cpuid_faulting_enable(struct entry_platform *p);
void entry_emulate_cpuid(struct entry_platform *p, uint32_t leaf, uint32_t sub, uint32_t r[4]);

/* trap.c */
void entry_trap(int sig, siginfo_t *si, void *uc);
/* Run the application's disposition for sig (its handler with the masks the
 * kernel would apply, selector BLOCK meanwhile; or the default action). */
void entry_deliver_to_app(struct entry_platform *p, struct entry_thread *t, int sig,
			  siginfo_t *si, ucontext_t *uc);
/* Set the thread's signal mask (raw). */
void entry_set_sigmask(const sigset_t *set);

/* trace.c: a record of SGX events for `sgxemu run --trace` and the counts
 * behind --stats. entry_trace() is async-signal-safe and touches no TLS:
 * it may run in any handler, and with the enclave's FS loaded. */
enum trace_kind {
	TRACE_ENCLS = 1, /* code: leaf */
	TRACE_ENCLU,     /* code: leaf; arg: RBX */
	TRACE_AEX,       /* code: vector, or TRACE_AEX_SIGNAL; arg: #PF address */
	TRACE_FAULT,     /* code: vector delivered to the application or the vDSO */
	TRACE_IOCTL,     /* code: ioctl nr & 0xff; arg: result */
	TRACE_KINDS
};
#define TRACE_AEX_SIGNAL 255

void entry_trace(enum trace_kind kind, uint32_t code, uint64_t arg);
/* Start recording (a fixed buffer; events past its end are dropped and
 * counted); path, created now if absent, receives the record at
 * entry_trace_write(). 0 or -errno. */
int entry_trace_enable(const char *path);
/* Add this process's events to the file as Chrome trace-event JSON
 * ({"traceEvents":[...]}, for Perfetto or chrome://tracing). Processes
 * sharing the file append under flock(). */
void entry_trace_write(void);
/* Events of a kind seen so far (counted whether recording or not), and
 * events dropped for want of space. */
uint64_t entry_trace_count(enum trace_kind kind);
uint64_t entry_trace_dropped(void);
/* Names for output: NULL when the number has none. */
const char *entry_encls_name(uint32_t leaf);
const char *entry_enclu_name(uint32_t leaf);
const char *entry_vector_name(uint32_t vector);

/* entry.c: install sgxemu's handler for sig (SA_ONSTACK unless onstack is
 * false), keeping the previous action as the application's. */
int entry_install(struct entry_platform *p, int sig, bool onstack);

#endif /* SGXEMU_ENTRY_INTERNAL_H */
