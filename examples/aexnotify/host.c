/*
 * aexnotify host:  host [plain] [ROUNDS]
 * Runs the enclave's checksum ecall (enclave.elf, or enclave_plain.elf with
 * `plain`) and checks the result against its own computation. Meant to run
 * as `sgxemu run --aex-every 50 --stats -- host`: the injected interrupts
 * are AEXs in the middle of the loop; the enclave built with AEX-Notify
 * sees each one through its hook, the plain build sees none, and both get
 * the same checksum. Exit status 0 when the checksum matches.
 */
#include "../common.h"

#include "aexnotify.h"

#define SIG_ATTRIBUTES 928 /* SIGSTRUCT.ATTRIBUTES.FLAGS */
#define ATTR_AEXNOTIFY 0x400ull

int main(int argc, char **argv)
{
	const char *which = "enclave";
	struct sdk_platform *p;
	struct sdk_enclave *e;
	struct aexn_args a;
	uint8_t *ref = malloc(AEXN_BUF_SIZE), *sig;
	uint64_t attributes = 0, want;
	char signame[64];
	size_t siglen;
	long ret = -1;
	int r, i = 1;

	if (i < argc && !strcmp(argv[i], "plain")) {
		which = "enclave_plain";
		i++;
	}
	memset(&a, 0, sizeof(a));
	a.seed = 0x5eed;
	a.rounds = i < argc ? (uint32_t)strtoul(argv[i], NULL, 0) : 200;
	if (!ref || !a.rounds)
		ex_die("usage: host [plain] [ROUNDS > 0]");

	snprintf(signame, sizeof(signame), "%s.sig", which);
	sig = sdk_read_file(ex_path(signame), &siglen);
	if (!sig || siglen < SIG_ATTRIBUTES + 8)
		ex_die("%s: cannot read the SIGSTRUCT", signame);
	memcpy(&attributes, sig + SIG_ATTRIBUTES, sizeof(attributes));
	free(sig);
	p = ex_platform();
	e = ex_load(p, which);
	printf("host:    loaded %s.elf (SIGSTRUCT ATTRIBUTES 0x%llx: AEX-Notify %s)\n", which,
	       (unsigned long long)attributes, attributes & ATTR_AEXNOTIFY ? "on" : "off");
	printf("host:    ecall 0: checksum of %u KiB x %u rounds inside the enclave\n",
	       AEXN_BUF_SIZE >> 10, a.rounds);
	fflush(stdout);

	r = sdk_ecall(e, 0, 0, &a, &ret);
	if (r)
		ex_die("ecall: %s", sdk_strerror(r));
	aexn_fill(ref, AEXN_BUF_SIZE, a.seed);
	want = aexn_checksum(ref, AEXN_BUF_SIZE, a.rounds);
	printf("host:    enclave checksum 0x%016llx, host 0x%016llx: %s\n",
	       (unsigned long long)a.checksum, (unsigned long long)want,
	       a.checksum == want ? "result OK" : "MISMATCH");
	printf("host:    notifications seen by the enclave's hook: %llu (%llu inside the "
	       "runtime's restore sequence)\n", (unsigned long long)a.notifications,
	       (unsigned long long)a.restarts);
	fflush(stdout);
	free(ref);
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return a.checksum == want && ret == (long)a.notifications ? 0 : 1;
}
