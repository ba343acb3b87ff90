/*
 * bench_ecall.c - enclave round trips against the floor of this design,
 * measured in the same run.
 *
 *   baseline raw_trap_ns N    an ENCLU executed outside any enclave, caught by
 *                             a minimal SIGSEGV/SIGILL handler that only skips
 *                             it: one kernel signal round trip. Every bench
 *                             ratio of the project is against this.
 *   ecall_ns N                an empty ecall through the sdk (vDSO EENTER
 *                             without a trap, the enclave's runtime, EEXIT)
 *   ratio ecall_vs_trap X     target <= 1.3
 *   ocall_ns N                one empty ocall from inside an ecall: EEXIT to
 *                             the host, the host's ocall function, EENTER
 *                             back, the runtime resuming the ecall
 *   ratio ocall_vs_trap X
 *
 * Each figure is the best of several rounds.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "sdk/host.h"

#define ROUNDS 7
#define ITERS 20000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void skip_enclu(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 3;
}

static double raw_trap_ns(void)
{
	struct sigaction sa, old_segv, old_ill;
	double best = 1e30;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = skip_enclu;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGILL, &sa, &old_ill);
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns(), per;

		for (int i = 0; i < ITERS; i++)
			__asm__ volatile(".byte 0x0f, 0x01, 0xd7" : : "a"(4 /* EEXIT */) : "memory");
		per = (now_ns() - t0) / ITERS;
		if (per < best)
			best = per;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGILL, &old_ill, NULL);
	return best;
}

static long empty_ocall(void *args)
{
	(void)args;
	return 0;
}

static void die(const char *what, int r)
{
	fprintf(stderr, "bench_ecall: %s: %s\n", what, sdk_strerror(r));
	exit(1);
}

/* Best per-call time of `iters` calls of ecall `number` with `arg`, divided
 * by `per_call` operations each. */
static double time_ecall(struct sdk_enclave *e, unsigned long number, long arg, int iters,
			 long ops)
{
	double best = 1e30;
	long ret;
	int r;

	for (int round = 0; round < ROUNDS; round++) {
		double t0 = now_ns(), per;

		for (int i = 0; i < iters; i++)
			if ((r = sdk_ecall(e, 0, number, (void *)arg, &ret)))
				die("ecall", r);
		per = (now_ns() - t0) / ((double)iters * ops);
		if (per < best)
			best = per;
	}
	return best;
}

int main(void)
{
	static const sdk_ocall_fn ocalls[] = { empty_ocall };
	const long n_ocalls = 1000;
	struct sdk_platform *p;
	struct sdk_enclave *e;
	double trap, ecall, ecall_with_ocalls, ocall;
	char err[256];

	trap = raw_trap_ns();
	if (sdk_platform_init(false, &p, err, sizeof(err)) ||
	    sdk_enclave_load(p, OCALL_ENCLAVE ".elf", OCALL_ENCLAVE ".sig", &e, err, sizeof(err))) {
		fprintf(stderr, "bench_ecall: %s\n", err);
		return 1;
	}
	sdk_enclave_set_ocalls(e, ocalls, 1);

	ecall = time_ecall(e, 0, 0, ITERS, 1);
	ecall_with_ocalls = time_ecall(e, 1, n_ocalls, ITERS / n_ocalls * 10, 1);
	ocall = (ecall_with_ocalls - ecall) / n_ocalls;

	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("ecall_ns %.0f\n", ecall);
	printf("ratio ecall_vs_trap %.3f\n", ecall / trap);
	printf("ocall_ns %.0f\n", ocall);
	printf("ratio ocall_vs_trap %.3f\n", ocall / trap);

	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return 0;
}
