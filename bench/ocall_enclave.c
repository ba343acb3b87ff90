/*
 * ocall_enclave.c - the enclave of bench_ecall: ecall 0 returns at once,
 * ecall 1 makes N empty ocalls (N in the argument) and returns.
 */
#include "sdk/enclave.h"

static long ecall_empty(void *untrusted)
{
	(void)untrusted;
	return 0;
}

static long ecall_ocalls(void *untrusted)
{
	long n = (long)(uintptr_t)untrusted;

	for (long i = 0; i < n; i++)
		sdk_ocall_raw(SDK_OCALL_USER + 0, NULL);
	return n;
}

SDK_ECALLS(ecall_empty, ecall_ocalls);
