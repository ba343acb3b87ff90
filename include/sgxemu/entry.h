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
};
void sgx_entry_get_stats(struct sgx_entry_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* SGXEMU_ENTRY_H */
