/*
 * raw_trap.h - the baseline every sgxemu benchmark ratio is taken against:
 * an ENCLU (bytes 0f 01 d7) executed outside any enclave, caught by a
 * minimal SIGSEGV/SIGILL handler that only skips it. It is one kernel signal
 * round trip, the floor of a design that emulates ENCLU by trapping it.
 * Measured natively, in the benchmark's own process, before anything of
 * sgxemu is installed; the best of `rounds` rounds of `iters` traps.
 */
#ifndef SGXEMU_BENCH_RAW_TRAP_H
#define SGXEMU_BENCH_RAW_TRAP_H

#include <signal.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

static inline double bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench_skip_enclu(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 3;
}

static inline double bench_raw_trap_ns(int rounds, int iters)
{
	struct sigaction sa, old_segv, old_ill;
	double best = 1e30;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = bench_skip_enclu;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGILL, &sa, &old_ill);
	for (int r = 0; r < rounds; r++) {
		double t0 = bench_now_ns(), per;

		for (int i = 0; i < iters; i++)
			__asm__ volatile(".byte 0x0f, 0x01, 0xd7" : : "a"(4 /* EEXIT */) : "memory");
		per = (bench_now_ns() - t0) / iters;
		if (per < best)
			best = per;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGILL, &old_ill, NULL);
	return best;
}

#endif /* SGXEMU_BENCH_RAW_TRAP_H */
