/*
 * seal host:
 *   host [-2] seal FILE mrenclave|mrsigner TEXT   seal TEXT into FILE
 *   host [-2] unseal FILE                         print what FILE holds
 * -2 uses the second build of the enclave (other MRENCLAVE, same signer).
 * Seal keys derive from the platform's root key: run it as
 * `sgxemu run --platform-key FILE -- host ...` with the same FILE each time
 * (or on one SGX machine) and a blob sealed in one run unseals in the next.
 * Exit status 2 when the enclave refuses to unseal.
 */
#include "../common.h"
#include "sgxemu/sgx_arch.h"

#include "seal.h"

static void usage(void)
{
	ex_die("usage: host [-2] seal FILE mrenclave|mrsigner TEXT\n"
	       "       host [-2] unseal FILE");
}

int main(int argc, char **argv)
{
	const char *which = "enclave";
	struct sdk_platform *p;
	struct sdk_enclave *e;
	char mr[65];
	long ret = -1;
	int r, i = 1;

	if (i < argc && !strcmp(argv[i], "-2")) {
		which = "enclave2";
		i++;
	}
	if (argc - i < 2)
		usage();
	p = ex_platform();
	e = ex_load(p, which);
	ex_hex(mr, sdk_enclave_mrenclave(e), 8);
	printf("host:    loaded %s.elf (MRENCLAVE %s...)\n", which, mr);
	fflush(stdout);

	if (!strcmp(argv[i], "seal") && argc - i == 4) {
		struct seal_args a;
		size_t cap;

		memset(&a, 0, sizeof(a));
		a.text = argv[i + 3];
		a.text_len = (uint32_t)strlen(a.text);
		if (!strcmp(argv[i + 2], "mrenclave"))
			a.keypolicy = SGX_KEYPOLICY_MRENCLAVE;
		else if (!strcmp(argv[i + 2], "mrsigner"))
			a.keypolicy = SGX_KEYPOLICY_MRSIGNER;
		else
			usage();
		cap = sizeof(struct seal_blob) + a.text_len;
		a.blob = malloc(cap);
		a.blob_cap = (uint32_t)cap;
		r = sdk_ecall(e, 0, ECALL_SEAL, &a, &ret);
		if (r || ret)
			ex_die("seal failed: %s, enclave returned %ld", sdk_strerror(r), ret);
		if (sdk_write_file(argv[i + 1], a.blob, a.blob_len))
			ex_die("%s: %s", argv[i + 1], strerror(errno));
		printf("host:    wrote %u-byte sealed blob to %s\n", a.blob_len, argv[i + 1]);
		free(a.blob);
	} else if (!strcmp(argv[i], "unseal") && argc - i == 2) {
		struct unseal_args a;
		size_t len;

		memset(&a, 0, sizeof(a));
		a.blob = sdk_read_file(argv[i + 1], &len);
		if (!a.blob)
			ex_die("%s: %s", argv[i + 1], strerror(errno));
		a.blob_len = (uint32_t)len;
		a.text_cap = SEAL_MAX_TEXT;
		a.text = calloc(1, SEAL_MAX_TEXT + 1);
		r = sdk_ecall(e, 0, ECALL_UNSEAL, &a, &ret);
		if (r)
			ex_die("unseal: %s", sdk_strerror(r));
		if (ret) {
			printf("host:    the enclave refused to unseal %s\n", argv[i + 1]);
			return 2;
		}
		printf("host:    unsealed text: \"%.*s\"\n", (int)a.text_len, a.text);
		free((void *)a.blob);
		free(a.text);
	} else {
		usage();
	}
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return 0;
}
