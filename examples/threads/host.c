/*
 * threads host: one host thread per TCS, all inside the enclave at once,
 * each counting primes in its own range; the per-thread results and the
 * enclave's shared total are checked against the host's own count.
 */
#include <pthread.h>

#include "../common.h"

#define RANGE 200000ull

struct range_args {
	uint64_t lo, hi;
	uint64_t count;
	uint64_t tcs_index;
};

struct job {
	struct sdk_enclave *e;
	unsigned tcs;
	struct range_args a;
	int rc;
	long ret;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	j->rc = sdk_ecall(j->e, j->tcs, 0, &j->a, &j->ret);
	return NULL;
}

static uint64_t host_count(uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	for (uint64_t i = lo; i < hi; i++) {
		bool p = i >= 2;

		for (uint64_t d = 2; p && d * d <= i; d++)
			p = i % d != 0;
		n += p;
	}
	return n;
}

int main(void)
{
	struct sdk_platform *p = ex_platform();
	struct sdk_enclave *e = ex_load(p, "enclave");
	unsigned n = sdk_enclave_nr_tcs(e), bad = 0;
	struct job *jobs = calloc(n, sizeof(*jobs));
	pthread_t *th = calloc(n, sizeof(*th));
	uint64_t sum = 0;
	long total = -1;

	printf("host:    enclave has %u TCSs; starting %u threads\n", n, n);
	fflush(stdout);
	for (unsigned i = 0; i < n; i++) {
		jobs[i] = (struct job){ .e = e, .tcs = i, .a = { i * RANGE, (i + 1) * RANGE, 0, 0 } };
		if (pthread_create(&th[i], NULL, worker, &jobs[i]))
			ex_die("pthread_create failed");
	}
	for (unsigned i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (unsigned i = 0; i < n; i++) {
		uint64_t want = host_count(jobs[i].a.lo, jobs[i].a.hi);
		bool ok = !jobs[i].rc && !jobs[i].ret && jobs[i].a.count == want &&
			  jobs[i].a.tcs_index == i;

		printf("host:    thread %u: %s, %llu primes (host count %llu) %s\n", i,
		       sdk_strerror(jobs[i].rc), (unsigned long long)jobs[i].a.count,
		       (unsigned long long)want, ok ? "ok" : "MISMATCH");
		bad += !ok;
		sum += want;
	}
	if (sdk_ecall(e, 0, 1, NULL, &total))
		ex_die("total: ecall failed");
	printf("host:    enclave's shared total %ld, expected %llu: %s\n", total,
	       (unsigned long long)sum, (uint64_t)total == sum ? "ok" : "MISMATCH");
	bad += (uint64_t)total != sum;
	free(jobs);
	free(th);
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return bad ? 1 : 0;
}
