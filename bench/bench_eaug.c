/*
 * bench_eaug.c - the cost of one demand-added page against the floor of
 * this design, measured in the same run.
 *
 *   baseline raw_trap_ns N       an ENCLU executed outside any enclave, caught
 *                                by a minimal handler that only skips it,
 *                                measured here natively before anything else
 *                                (as in bench_ecall)
 *   eaug_fault_ns N              one page of an enclave's ELRANGE hole made
 *                                usable by EACCEPT alone: #PF, the driver's
 *                                EAUG, ERESUME, the EACCEPT (from eaug_host,
 *                                an unmodified SGX program run as
 *                                `sgxemu run -- eaug_host`, through a pipe)
 *   ratio eaug_fault_vs_trap X
 *
 * SGXEMU_BIN, EAUG_HOST and PRELOAD_LIB come from the Makefile.
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

/* Run eaug_host under sgxemu; read its figure from a pipe. */
static int run_host(double *eaug)
{
	char out[4096];

	if (bench_run_host("bench_eaug", SGXEMU_BIN, PRELOAD_LIB, EAUG_HOST, out, sizeof(out)))
		return -1;
	if (bench_host_value(out, "eaug_fault_ns", eaug)) {
		fprintf(stderr, "bench_eaug: no eaug_fault_ns line from eaug_host\n");
		return -1;
	}
	return 0;
}

int main(void)
{
	double trap, eaug;

	trap = bench_raw_trap_ns(ROUNDS, ITERS);
	if (run_host(&eaug))
		return 1;
	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("eaug_fault_ns %.0f\n", eaug);
	printf("ratio eaug_fault_vs_trap %.3f\n", eaug / trap);
	return 0;
}
