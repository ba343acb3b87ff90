/*
 * edmm_thread host: the enclave was built with one TCS. It asks for a
 * second one at run time (the sdk serves its MODIFY_TYPES(TCS) ocall); a
 * new host thread then enters the new TCS and its result is checked, as is
 * a run on the built-in TCS next to it.
 */
#include <pthread.h>

#include "../common.h"
#include "edmm_thread.h"

struct job {
	struct sdk_enclave *e;
	uint64_t tcs_offset;
	struct thread_args a;
	int rc;
	long ret;
};

static void *worker(void *arg)
{
	struct job *j = arg;

	j->rc = sdk_ecall_tcs(j->e, j->tcs_offset, ECALL_WORK, &j->a, &j->ret);
	return NULL;
}

int main(void)
{
	struct sdk_load_opts opts = { .elrange_size = THREAD_ELRANGE };
	struct sdk_platform *p = ex_platform();
	struct sdk_enclave *e;
	struct thread_args add = { 0 };
	struct job jobs[2];
	pthread_t th[2];
	uint64_t want = 0;
	char err[512];
	long ret = -1;
	int rc, bad = 0;

	if (sdk_enclave_load_ex(p, ex_path("enclave.elf"), ex_path("enclave.sig"), &opts, &e, err,
				sizeof(err)))
		ex_die("loading enclave.elf: %s", err);
	printf("host:    enclave loaded with %u TCS; asking it for another one\n",
	       sdk_enclave_nr_tcs(e));
	fflush(stdout);
	if ((rc = sdk_ecall(e, 0, ECALL_ADD_THREAD, &add, &ret)) || ret)
		ex_die("add thread: %s (enclave returned %ld)", sdk_strerror(rc), ret);
	printf("host:    new TCS at offset 0x%llx; entering it from a new host thread\n",
	       (unsigned long long)add.tcs_offset);
	fflush(stdout);

	for (int i = 0; i < 2; i++) {
		jobs[i] = (struct job){ .e = e, .tcs_offset = i ? add.tcs_offset : 0,
					.a = { .n = 100000u + (unsigned)i } };
		if (pthread_create(&th[i], NULL, worker, &jobs[i]))
			ex_die("pthread_create failed");
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		bool ok;

		want = 0;
		for (uint64_t k = 0; k < jobs[i].a.n; k++)
			want += k * k;
		ok = !jobs[i].rc && !jobs[i].ret && jobs[i].a.sum == want;
		printf("host:    %s TCS (offset 0x%llx): %s, sum %llu, expected %llu: %s\n",
		       i ? "added" : "built-in", (unsigned long long)jobs[i].tcs_offset,
		       sdk_strerror(jobs[i].rc), (unsigned long long)jobs[i].a.sum,
		       (unsigned long long)want, ok ? "ok" : "MISMATCH");
		bad += !ok;
	}
	/* Once more on the added TCS, from this thread: it is reusable. */
	jobs[1].a.n = 1000;
	rc = sdk_ecall_tcs(e, add.tcs_offset, ECALL_WORK, &jobs[1].a, &ret);
	printf("host:    second call on the added TCS: %s, sum %llu: %s\n", sdk_strerror(rc),
	       (unsigned long long)jobs[1].a.sum,
	       !rc && !ret && jobs[1].a.sum == 332833500ull ? "ok" : "MISMATCH");
	bad += rc || ret || jobs[1].a.sum != 332833500ull;
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return bad ? 1 : 0;
}
