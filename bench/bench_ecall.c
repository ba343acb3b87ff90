/*
 * bench_ecall.c - enclave round trips against the floor of this design,
 * measured in the same run.
 *
 *   baseline raw_trap_ns N    an ENCLU executed outside any enclave, caught by
 *                             a minimal SIGSEGV/SIGILL handler that only skips
 *                             it: one kernel signal round trip, measured here,
 *                             natively (no sgxemu in this process). Every
 *                             bench ratio of the project is against this.
 *   ecall_ns N                an empty ecall through the sdk
 *   ratio ecall_vs_trap X     target <= 1.3
 *   ocall_ns N                one empty ocall from inside an ecall
 *   ratio ocall_vs_trap X
 *
 * The ecall and ocall figures come from build/bench/ecall_host, an
 * unmodified SGX program run as `build/sgxemu run -- ecall_host` (or, when
 * there is no sgxemu binary, with LD_PRELOAD=libsgxemu-preload.so, which is
 * what run does); it prints its `ecall_ns N` and `ocall_ns N` lines into a
 * pipe. SGXEMU_BIN, ECALL_HOST and PRELOAD_LIB (build paths) come from the
 * Makefile. Each figure is the best of several rounds.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "raw_trap.h"
#include "run_host.h"

#define ROUNDS 7
#define ITERS 20000

/* Run ecall_host under sgxemu; read its two figures from a pipe. */
static int run_host(double *ecall, double *ocall)
{
	char out[4096];

	if (bench_run_host("bench_ecall", SGXEMU_BIN, PRELOAD_LIB, ECALL_HOST, out, sizeof(out)))
		return -1;
	if (bench_host_value(out, "ecall_ns", ecall) || bench_host_value(out, "ocall_ns", ocall)) {
		fprintf(stderr, "bench_ecall: no ecall_ns/ocall_ns lines from ecall_host\n");
		return -1;
	}
	return 0;
}

int main(void)
{
	double trap, ecall, ocall;

	trap = bench_raw_trap_ns(ROUNDS, ITERS);
	if (run_host(&ecall, &ocall))
		return 1;
	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("ecall_ns %.0f\n", ecall);
	printf("ratio ecall_vs_trap %.3f\n", ecall / trap);
	printf("ocall_ns %.0f\n", ocall);
	printf("ratio ocall_vs_trap %.3f\n", ocall / trap);
	return 0;
}
