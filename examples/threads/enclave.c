/*
 * threads enclave (4 TCSs): ecall 0 counts the primes in [lo, hi) on the
 * calling thread's TCS and stack, adds them to a counter shared by all
 * threads (atomically), and reports which TCS it ran on; ecall 1 returns the
 * shared total.
 */
#include "sdk/enclave.h"
#include "../../sdk/enclave/tdata.h"

struct range_args {
	uint64_t lo, hi;
	uint64_t count;     /* out */
	uint64_t tcs_index; /* out */
};

static uint64_t total;

static bool is_prime(uint64_t n)
{
	if (n < 2)
		return false;
	for (uint64_t d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static long ecall_count_primes(void *untrusted)
{
	struct range_args *u = untrusted;
	uint64_t lo, hi, n = 0;

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	lo = u->lo;
	hi = u->hi;
	for (uint64_t i = lo; i < hi; i++)
		n += is_prime(i);
	__atomic_fetch_add(&total, n, __ATOMIC_RELAXED);
	u->count = n;
	u->tcs_index = sdk_tdata()->index;
	sdk_printf("enclave: TCS %lu counted %lu primes in [%lu, %lu)\n", sdk_tdata()->index, n,
		   lo, hi);
	return 0;
}

static long ecall_total(void *unused)
{
	(void)unused;
	return (long)__atomic_load_n(&total, __ATOMIC_RELAXED);
}

SDK_ECALLS(ecall_count_primes, ecall_total);
