/*
 * entry.h - running enclave code natively: the vDSO entry point and the trap
 * path (src/entry).
 *
 * sgx_entry_init() installs sgxemu's handlers for the signals through which
 * enclave transitions and faults arrive (SIGSEGV, SIGILL, SIGBUS, SIGFPE,
 * SIGTRAP). From then on:
 *  - sgx_enter_enclave() is __vdso_sgx_enter_enclave, with the kernel's exact
 *    ABI (<asm/sgx.h> vdso_sgx_enter_enclave_t);
 *  - ENCLU executed by enclave code (EEXIT, EREPORT, EGETKEY, ...) or by host
 *    code (a raw EENTER/ERESUME) traps and is emulated;
 *  - a fault or an owned signal taken in enclave mode is an AEX, after which
 *    the application's handler (if any) runs as the kernel would run it, with
 *    RIP = AEP.
 * The application's own handlers for these signals keep working: handlers
 * installed before sgx_entry_init() are kept, and later ones are installed
 * with sgx_entry_sigaction() (the interposer of a later layer routes the
 * rt_sigaction system call there).
 */
#ifndef SGXEMU_ENTRY_H
#define SGXEMU_ENTRY_H

#include <signal.h>

#include <asm/sgx.h>

#include "os.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Attach the platform to this process and install the trap handlers.
 * 0 or -errno (-EBUSY if another platform is attached). */
int sgx_entry_init(struct sgx_os *os);
/* Restore the application's handlers and detach the platform. No thread may
 * be in enclave mode or inside a signal handler when this is called. */
void sgx_entry_fini(void);

/* __vdso_sgx_enter_enclave. */
int sgx_enter_enclave(unsigned long rdi, unsigned long rsi, unsigned long rdx,
		      unsigned int function, unsigned long r8, unsigned long r9,
		      struct sgx_enclave_run *run);

/* sigaction() for the application, for signals sgxemu owns. */
int sgx_entry_sigaction(int sig, const struct sigaction *act, struct sigaction *oldact);

/* Route `sig` through sgxemu, so that when it lands in enclave mode it
 * causes an AEX before the application's handler runs. */
int sgx_entry_own_signal(int sig);

/* Counters, for tests and --stats. */
struct sgx_entry_stats {
	uint64_t enclu[10];     /* by leaf */
	uint64_t aex;
	uint64_t aex_by_vector[32];
	uint64_t aex_signal;    /* AEXs caused by signals (interrupts) */
	uint64_t aex_injected;  /* of which sgxemu injected (timers, inject_thread) */
	uint64_t single_steps;  /* #DB AEXs taken while single-stepping */
};
void sgx_entry_get_stats(struct sgx_entry_stats *out);

/* ---- Interrupts on demand (src/entry/inject.c) ----------------------------- */

/* The signal sgxemu injects AEXs with; the application must not use it. */
#define SGX_INJECT_SIGNAL 63

/* An AEX every `usec` microseconds on every thread while it runs enclave
 * code (per-thread timers, armed at each thread's next entry); 0 stops it. */
int sgx_entry_inject_every(uint64_t usec);
/* One AEX on thread `tid` now (if it is in enclave mode when it lands). */
int sgx_entry_inject_thread(int tid);
/* Single-step debug enclaves: TF on entries into TCSs with DBGOPTIN. */
void sgx_entry_single_step(bool on);
/* Called after every AEX with the TCS, the interrupted RIP (from the SSA) and
 * the vector (0xff: an interrupt); `injected` for sgxemu's own. NULL: none.
 * It runs in the trap handler. */
typedef void (*sgx_aex_observer_t)(uint64_t tcs, uint64_t rip, uint32_t vector, bool injected);
void sgx_entry_set_aex_observer(sgx_aex_observer_t fn);

#ifdef __cplusplus
}
#endif

#endif /* SGXEMU_ENTRY_H */
