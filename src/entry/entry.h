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

struct entry_thread {
	_Atomic int tid;           /* 0: free; never reset to 0 once used */
	struct sgx_lp lp;
	void *altstack;            /* sgxemu's alternate signal stack for it */
};

struct entry_platform {
	struct sgx_os *os;
	struct sgx_cpu *cpu;
	bool fsgsbase;             /* WRFSBASE/WRGSBASE usable at CPL3 */
	struct sigaction app[NSIG];/* the application's handlers */
	uint64_t owned;            /* bit n: sgxemu owns signal n */
	uint8_t *altstacks;        /* ENTRY_MAX_THREADS stacks, NORESERVE */
	struct entry_thread threads[ENTRY_MAX_THREADS];
	_Atomic uint64_t enclu[10], aex, aex_by_vector[32], aex_signal;
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

/* trap.c */
void entry_trap(int sig, siginfo_t *si, void *uc);

#endif /* SGXEMU_ENTRY_INTERNAL_H */
