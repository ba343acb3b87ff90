/*
 * hello enclave: ecall 0 greets the caller by name (copied in from the
 * untrusted argument struct), asks the host for a number through a user
 * ocall, prints through the runtime's print ocall, and returns a value.
 */
#include "sdk/enclave.h"

struct hello_args {
	char name[32];
	long answer; /* out */
};

#define OCALL_GET_NUMBER (SDK_OCALL_USER + 0)

static long ecall_hello(void *untrusted)
{
	struct hello_args *u = untrusted;
	char name[32];
	struct sgx_report self;
	char mr[65];
	long n;

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	memcpy(name, u->name, sizeof(name));
	name[sizeof(name) - 1] = 0;

	sdk_self_report(&self);
	sdk_hex(mr, self.body.mrenclave, 8);
	sdk_printf("enclave: hello, %s! (running at base %p, MRENCLAVE %s...)\n", name,
		   (void *)sdk_enclave_base(), mr);
	n = sdk_ocall_raw(OCALL_GET_NUMBER, NULL);
	sdk_printf("enclave: the host's number is %ld; returning %ld * 2\n", n, n);
	u->answer = n * 2;
	return n * 2;
}

SDK_ECALLS(ecall_hello);
