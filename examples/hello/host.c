/*
 * hello host: load the enclave, call ecall 0 with a name, serve its ocall.
 */
#include "../common.h"

struct hello_args {
	char name[32];
	long answer;
};

static long ocall_get_number(void *args)
{
	(void)args;
	printf("host:    ocall get_number -> 21\n");
	return 21;
}

int main(int argc, char **argv)
{
	static const sdk_ocall_fn ocalls[] = { ocall_get_number };
	struct hello_args a;
	struct sdk_platform *p = ex_platform();
	struct sdk_enclave *e = ex_load(p, "enclave");
	long ret = 0;
	int r;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", argc > 1 ? argv[1] : "world");
	sdk_enclave_set_ocalls(e, ocalls, 1);
	char mr[65];

	ex_hex(mr, sdk_enclave_mrenclave(e), 8);
	printf("host:    enclave loaded at 0x%llx with %u TCS (SIGSTRUCT MRENCLAVE %s...); "
	       "calling ecall 0\n", (unsigned long long)sdk_enclave_base(e), sdk_enclave_nr_tcs(e),
	       mr);
	fflush(stdout);
	r = sdk_ecall(e, 0, 0, &a, &ret);
	if (r)
		ex_die("ecall: %s", sdk_strerror(r));
	printf("host:    ecall returned %ld (answer field %ld)\n", ret, a.answer);
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return ret == 42 ? 0 : 1;
}
