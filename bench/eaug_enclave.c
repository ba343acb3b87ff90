/*
 * eaug_enclave.c - the enclave of bench_eaug (signed with --size 64M: a hole
 * of almost 64 MiB). Ecall 0 (n, dry): walk n fresh pages at the heap's
 * break, EACCEPTing each (the driver EAUGs it on the way: #PF, EAUG,
 * ERESUME, EACCEPT) - or, with dry set, the same loop without the EACCEPT,
 * for the loop's own cost. Ecall 1 gives every accepted page back (not
 * timed).
 */
#include "sdk/enclave.h"

SDK_ELRANGE_SIZE(64ull << 20);

struct eaug_args {
	uint64_t n, dry;
};

static long ecall_accept(void *uargs)
{
	struct eaug_args a;
	volatile uint64_t sink = 0;

	memcpy(&a, uargs, sizeof(a));
	if (a.n * 4096 > sdk_heap_max() - sdk_heap_committed())
		return -1;
	if (a.dry) {
		uint8_t *p = (uint8_t *)sdk_heap_start() + sdk_heap_committed();

		for (uint64_t i = 0; i < a.n; i++)
			sink += (uint64_t)(p + i * 4096);
		return 0;
	}
	return sdk_sbrk((intptr_t)(a.n * 4096)) == (void *)-1 ? -2 : 0;
}

static long ecall_release(void *unused)
{
	(void)unused;
	return sdk_sbrk(-(intptr_t)sdk_heap_committed()) == (void *)-1 ? -1 : 0;
}

SDK_ECALLS(ecall_accept, ecall_release);
