/*
 * exception host: run the faulting ecall. The sdk's exit handler takes each
 * AEX (run.function == ERESUME with the exception fields set), enters the
 * enclave's handler phase on the same TCS, and ERESUMEs when the handler
 * says so; the callback below just shows each exception as the host sees it.
 */
#include "../common.h"

static void on_exception(struct sdk_enclave *e, unsigned tcs, unsigned vector, unsigned error,
			 uint64_t addr, void *user)
{
	(void)e;
	(void)user;
	printf("host:    AEX on TCS %u: vector %u, error code 0x%x, address 0x%llx -> "
	       "entering the enclave's handler\n", tcs, vector, error, (unsigned long long)addr);
	fflush(stdout);
}

int main(void)
{
	struct sdk_platform *p = ex_platform();
	struct sdk_enclave *e = ex_load(p, "enclave");
	long ret = 0;
	int r;

	sdk_enclave_set_exception_cb(e, on_exception, NULL);
	r = sdk_ecall(e, 0, 0, NULL, &ret);
	if (r) {
		struct sdk_ecall_error err;

		sdk_last_error(e, 0, &err);
		ex_die("ecall: %s (vector %u, info 0x%llx)", sdk_strerror(r), err.vector,
		       (unsigned long long)err.info);
	}
	printf("host:    ecall returned %ld: %s\n", ret,
	       ret == 3 ? "all three exceptions were handled inside the enclave" : "FAILED");
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return ret == 3 ? 0 : 1;
}
