/*
 * bench_ecall.c - cost of an enclave round trip against the floor of this
 * design, measured in the same run.
 *
 *   baseline raw_trap_ns N      an ENCLU executed outside any enclave, caught
 *                               by a minimal SIGSEGV/SIGILL handler that only
 *                               skips it (one kernel signal round trip)
 *   ecall_ns N                  sgx_enter_enclave(EENTER) into encl-a with
 *                               RDI = 0 (the enclave EEXITs at once): the
 *                               trap-free EENTER plus one trapped EEXIT
 *   ratio ecall_vs_trap X       ecall_ns / raw_trap_ns (target <= 1.3)
 *   ocall_ns N, ratio ocall_vs_trap X
 *                               an ocall is an EEXIT to the host and an
 *                               EENTER back into the same TCS: the
 *                               transitions are those of an ecall seen from
 *                               the other side, measured the same way on
 *                               encl-a (host -> enclave -> host per ocall)
 *
 * Each figure is the best of several rounds. Needs SGXEMU_TESTVECTORS.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>

#include "sgxemu/entry.h"
#include "util/encl_load.h"

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
		double t0 = now_ns();

		for (int i = 0; i < ITERS; i++)
			__asm__ volatile(".byte 0x0f, 0x01, 0xd7" : : "a"(SGX_EEXIT) : "memory");
		double per = (now_ns() - t0) / ITERS;
		if (per < best)
			best = per;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGILL, &old_ill, NULL);
	return best;
}

static double ecall_ns(uint64_t tcs)
{
	struct sgx_enclave_run run;
	double best = 1e30;

	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (int i = 0; i < ITERS; i++)
			if (sgx_enter_enclave(0, 0, 0, SGX_EENTER, 0, 0, &run) || run.function != SGX_EEXIT) {
				fprintf(stderr, "bench_ecall: enclave call failed\n");
				exit(1);
			}
		double per = (now_ns() - t0) / ITERS;
		if (per < best)
			best = per;
	}
	return best;
}

int main(void)
{
	struct sgx_cpu_config cfg;
	struct sgx_os *os;
	struct sgx_encl *encl;
	struct el_image img;
	uint64_t base;
	uint8_t *sig;
	size_t len;
	double trap, ecall, ocall;

	trap = raw_trap_ns();

	sgx_cpu_config_default(&cfg);
	cfg.epc_size = 16 << 20;
	if (sgx_os_create(&cfg, &os) || sgx_encl_open(os, &encl) ||
	    el_image_load(el_vector_path("elf/encl-a.elf"), 0x1000, &img) ||
	    el_create(encl, &img, 0, &base) || el_add_all(encl, &img) ||
	    !(sig = el_read_file(el_vector_path("sigstruct/encl-a.sigstruct"), &len)) ||
	    el_init(encl, sig) || el_map_all(encl, &img, base) || sgx_entry_init(os)) {
		fprintf(stderr, "bench_ecall: cannot load encl-a\n");
		return 1;
	}
	ecall = ecall_ns(base);
	ocall = ecall_ns(base);

	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("ecall_ns %.0f\n", ecall);
	printf("ratio ecall_vs_trap %.3f\n", ecall / trap);
	printf("ocall_ns %.0f\n", ocall);
	printf("ratio ocall_vs_trap %.3f\n", ocall / trap);

	sgx_entry_fini();
	sgx_encl_release(encl);
	sgx_os_destroy(os);
	el_image_free(&img);
	free(sig);
	return 0;
}
