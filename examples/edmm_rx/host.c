/*
 * edmm_rx host: the enclave's code is loaded writable; the enclave has the
 * host take W away (the sdk serves its RESTRICT_PERMISSIONS ocall) and then
 * shows that a write to its code faults (error code 0x8007, reported to its
 * own exception handler) where it went through before.
 */
#include "../common.h"

static void on_exception(struct sdk_enclave *e, unsigned tcs, unsigned vector, unsigned code,
			 uint64_t addr, void *user)
{
	(void)user;
	printf("host:    AEX on TCS %u: vector %u, error code 0x%x, enclave offset 0x%llx\n", tcs,
	       vector, code, (unsigned long long)(addr - sdk_enclave_base(e)));
	fflush(stdout);
}

int main(void)
{
	struct sdk_platform *p = ex_platform();
	struct sdk_enclave *e = ex_load(p, "enclave");
	long before = -1, pages = -1, after = -1;
	int rc, bad = 0;

	sdk_enclave_set_exception_cb(e, on_exception, NULL);
	if ((rc = sdk_ecall(e, 0, 1, NULL, &before)))
		ex_die("poke: %s", sdk_strerror(rc));
	printf("host:    write to code before: %s\n", before ? "FAULTED (unexpected)" : "went through");
	if ((rc = sdk_ecall(e, 0, 0, NULL, &pages)) || pages <= 0)
		ex_die("protect: %s (%ld)", sdk_strerror(rc), pages);
	if ((rc = sdk_ecall(e, 0, 1, NULL, &after)))
		ex_die("poke: %s", sdk_strerror(rc));
	printf("host:    write to code after the restriction: error code 0x%lx %s\n", after,
	       after == 0x8007 ? "(expected 0x8007): ok" : "(expected 0x8007): MISMATCH");
	bad = before != 0 || after != 0x8007;
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return bad;
}
