/*
 * lock.h - the lock of sgxemu's shared state (CPU, driver).
 *
 * Not a pthread mutex: glibc takes private mutexes without atomic
 * instructions while it believes the process has a single thread, and
 * threads made with a raw clone() (Go, Gramine, test programs) never tell it
 * otherwise - two such threads then both "own" a mutex. This lock is a plain
 * atomic exchange, whatever libc thinks. It spins briefly, then yields.
 * Critical sections are short (one leaf, one ioctl step) and never taken by
 * a signal handler on top of a holder of the same lock: the trap path runs
 * only on code that does not hold it (enclave code, or application code at a
 * system call or ENCLU).
 */
#ifndef SGXEMU_COMMON_LOCK_H
#define SGXEMU_COMMON_LOCK_H

#include <sched.h>
#include <stdatomic.h>

struct sgx_lock {
	atomic_int held;
};

static inline void sgx_lock_init(struct sgx_lock *l)
{
	atomic_store_explicit(&l->held, 0, memory_order_relaxed);
}

static inline void sgx_lock(struct sgx_lock *l)
{
	unsigned spins = 0;

	while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire)) {
		while (atomic_load_explicit(&l->held, memory_order_relaxed)) {
			if (++spins < 1000)
				__builtin_ia32_pause();
			else
				sched_yield();
		}
	}
}

static inline void sgx_unlock(struct sgx_lock *l)
{
	atomic_store_explicit(&l->held, 0, memory_order_release);
}

#endif /* SGXEMU_COMMON_LOCK_H */
