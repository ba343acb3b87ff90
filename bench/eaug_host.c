/*
 * eaug_host.c - the sdk half of bench_eaug: an unmodified SGX host program
 * run by bench_eaug under `sgxemu run`. Prints
 *
 *   eaug_fault_ns N   one demand-added page: the enclave EACCEPTs a page of
 *                     the hole nobody added yet; the access faults, the
 *                     driver EAUGs the page, the enclave resumes and the
 *                     EACCEPT completes. Per page, from one ecall over
 *                     PAGES pages minus the same ecall with the EACCEPTs
 *                     left out, best of ROUNDS.
 *
 * EAUG_ENCLAVE (build path without .elf/.sig) comes from the Makefile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sdk/host.h"

#define ROUNDS 7
#define PAGES 4096u /* 16 MiB per round */

struct eaug_args {
	uint64_t n, dry;
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double timed(struct sdk_enclave *e, uint64_t dry)
{
	struct eaug_args a = { PAGES, dry };
	double t0, t;
	long ret = -1;
	int r;

	t0 = now_ns();
	r = sdk_ecall(e, 0, 0, &a, &ret);
	t = now_ns() - t0;
	if (r || ret) {
		fprintf(stderr, "eaug_host: accept ecall: %s (%ld)\n", sdk_strerror(r), ret);
		exit(1);
	}
	if ((r = sdk_ecall(e, 0, 1, NULL, &ret)) || ret) {
		fprintf(stderr, "eaug_host: release ecall: %s (%ld)\n", sdk_strerror(r), ret);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	struct sdk_load_opts opts = { .elrange_size = 64ull << 20 };
	const char *base = argc > 1 ? argv[1] : EAUG_ENCLAVE;
	char elf[4096], sig[4096], err[512];
	struct sdk_platform *p;
	struct sdk_enclave *e;
	double best = 1e30, dry = 1e30;

	snprintf(elf, sizeof(elf), "%s.elf", base);
	snprintf(sig, sizeof(sig), "%s.sig", base);
	if (sdk_platform_init(&p, err, sizeof(err)) ||
	    sdk_enclave_load_ex(p, elf, sig, &opts, &e, err, sizeof(err))) {
		fprintf(stderr, "eaug_host: %s\n", err);
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		double t = timed(e, 0), d = timed(e, 1);

		if (t < best)
			best = t;
		if (d < dry)
			dry = d;
	}
	printf("eaug_fault_ns %.0f\n", (best - dry) / PAGES);
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return 0;
}
