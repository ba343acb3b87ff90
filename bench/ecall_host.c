/*
 * ecall_host.c - the sdk half of bench_ecall: an unmodified SGX host
 * program (it knows only the Linux SGX interface, through sdk/host), run by
 * bench_ecall under `sgxemu run`. Loads bench/ocall_enclave.c and prints
 *
 *   ecall_ns N    an empty ecall through the sdk (vDSO EENTER without a trap,
 *                 the enclave's runtime, EEXIT)
 *   ocall_ns N    one empty ocall from inside an ecall: EEXIT to the host,
 *                 the host's ocall function, EENTER back, the runtime
 *                 resuming the ecall
 *
 * each the best of several rounds. OCALL_ENCLAVE (the build path of the
 * enclave without .elf/.sig) comes from the Makefile; argv[1] overrides it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sdk/host.h"

#define ROUNDS 7
#define ITERS 20000
#define N_OCALLS 1000

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long empty_ocall(void *args)
{
	(void)args;
	return 0;
}

/* Best time per call of `iters` calls of ecall `number` with `arg`. */
static double time_ecall(struct sdk_enclave *e, unsigned long number, long arg, int iters)
{
	double best = 1e30;
	long ret;
	int r;

	for (int round = 0; round < ROUNDS; round++) {
		double t0 = now_ns(), per;

		for (int i = 0; i < iters; i++) {
			r = sdk_ecall(e, 0, number, (void *)arg, &ret);
			if (r) {
				fprintf(stderr, "ecall_host: ecall %lu: %s\n", number,
					sdk_strerror(r));
				exit(1);
			}
		}
		per = (now_ns() - t0) / iters;
		if (per < best)
			best = per;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const sdk_ocall_fn ocalls[] = { empty_ocall };
	const char *base = argc > 1 ? argv[1] : OCALL_ENCLAVE;
	char elf[4096], sig[4096], err[512];
	struct sdk_platform *p;
	struct sdk_enclave *e;
	double ecall, with_ocalls;

	snprintf(elf, sizeof(elf), "%s.elf", base);
	snprintf(sig, sizeof(sig), "%s.sig", base);
	if (sdk_platform_init(&p, err, sizeof(err)) ||
	    sdk_enclave_load(p, elf, sig, &e, err, sizeof(err))) {
		fprintf(stderr, "ecall_host: %s\n", err);
		return 1;
	}
	sdk_enclave_set_ocalls(e, ocalls, 1);

	ecall = time_ecall(e, 0, 0, ITERS);
	with_ocalls = time_ecall(e, 1, N_OCALLS, ITERS / N_OCALLS * 10);
	printf("ecall_ns %.0f\n", ecall);
	printf("ocall_ns %.0f\n", (with_ocalls - ecall) / N_OCALLS);

	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return 0;
}
