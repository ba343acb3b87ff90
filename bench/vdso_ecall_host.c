/*
 * vdso_ecall_host.c - the enclave round trip as an unmodified SGX program
 * sees it: __vdso_sgx_enter_enclave(EENTER) into encl-a with RDI = 0 (the
 * enclave EEXITs at once). Written against <asm/sgx.h>, /dev/sgx_enclave
 * and the vDSO only; bench_vdso runs it under `sgxemu run`.
 *
 *   vdso_ecall_host TESTVECTORS_DIR
 *
 * Prints "ecall_ns N": the best of 7 rounds of 20000 round trips.
 */
#include <time.h>

#include "sgx_loader.h"

#define ROUNDS 7
#define ITERS 20000
#define EENTER 2
#define EEXIT 4

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static struct sl_encl e;
	vdso_sgx_enter_enclave_t enter;
	struct sgx_enclave_run run;
	uint64_t rec[2] = { 0, 0 };
	double best = 1e30;

	if (argc != 2) {
		fprintf(stderr, "usage: %s TESTVECTORS_DIR\n", argv[0]);
		return 2;
	}
	enter = (vdso_sgx_enter_enclave_t)sl_vdso_sym("__vdso_sgx_enter_enclave");
	if (!enter) {
		fprintf(stderr, "vdso_ecall_host: no __vdso_sgx_enter_enclave in the vDSO\n");
		return 1;
	}
	if (sl_build(&e, argv[1], "elf/encl-a.elf", "sigstruct/encl-a.sigstruct"))
		return 1;
	memset(&run, 0, sizeof(run));
	run.tcs = e.base;
	/* One call that does something: the enclave really ran. */
	if (enter((unsigned long)rec, 0, 0, EENTER, 0, 0, &run) || run.function != EEXIT ||
	    rec[0] != 0x413a554d45584753ull || rec[1] != 1) {
		fprintf(stderr, "vdso_ecall_host: encl-a did not answer as documented\n");
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns(), per;

		for (int i = 0; i < ITERS; i++)
			if (enter(0, 0, 0, EENTER, 0, 0, &run) || run.function != EEXIT) {
				fprintf(stderr, "vdso_ecall_host: enclave call failed\n");
				return 1;
			}
		per = (now_ns() - t0) / ITERS;
		if (per < best)
			best = per;
	}
	printf("ecall_ns %.0f\n", best);
	return 0;
}
