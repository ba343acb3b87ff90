/*
 * attest host: load enclaves A and B; B's TARGETINFO goes to A, A's REPORT
 * goes to B, B verifies it. Then a report with one REPORTDATA bit flipped,
 * and the genuine report given to the wrong verifier (A), must both fail.
 */
#include "../common.h"

#include "attest.h"

static long verify(struct sdk_enclave *e, const struct sgx_report *r)
{
	static struct verify_args v;
	long ret = -1;
	int rc;

	v.report = *r;
	rc = sdk_ecall(e, 0, ECALL_VERIFY, &v, &ret);
	if (rc)
		ex_die("verify: %s", sdk_strerror(rc));
	return ret;
}

int main(void)
{
	static struct ti_args ti;
	static struct report_args ra;
	struct sdk_platform *p = ex_platform();
	struct sdk_enclave *a = ex_load(p, "enclave_a"), *b = ex_load(p, "enclave_b");
	struct sgx_report tampered;
	char ha[65], hb[65];
	long ret = -1;
	int fails = 0;

	ex_hex(ha, sdk_enclave_mrenclave(a), 8);
	ex_hex(hb, sdk_enclave_mrenclave(b), 8);
	printf("host:    enclave A MRENCLAVE %s..., enclave B MRENCLAVE %s...\n", ha, hb);
	fflush(stdout);

	if (sdk_ecall(b, 0, ECALL_TARGETINFO, &ti, &ret) || ret)
		ex_die("B: targetinfo failed");
	printf("host:    got B's TARGETINFO; asking A for a report targeted at B\n");
	fflush(stdout);
	ra.target = ti.ti;
	snprintf((char *)ra.report_data, sizeof(ra.report_data), "hello B, this is A");
	if (sdk_ecall(a, 0, ECALL_REPORT, &ra, &ret) || ret)
		ex_die("A: report failed");
	if (memcmp(ra.report.body.mrenclave, sdk_enclave_mrenclave(a), 32))
		ex_die("the report does not carry A's MRENCLAVE");
	printf("host:    the report carries A's MRENCLAVE (matches A's SIGSTRUCT)\n");

	printf("host:    1) genuine report -> B\n");
	fflush(stdout);
	fails += verify(b, &ra.report) != 0;
	tampered = ra.report;
	tampered.body.report_data[0] ^= 0x20;
	printf("host:    2) report with one REPORTDATA bit flipped -> B\n");
	fflush(stdout);
	fails += verify(b, &tampered) != 1;
	printf("host:    3) genuine report -> A (not its target)\n");
	fflush(stdout);
	fails += verify(a, &ra.report) != 1;
	printf("host:    %s\n", fails ? "FAILED" : "attestation behaves: 1 accepted, 2 rejected");
	sdk_enclave_unload(a);
	sdk_enclave_unload(b);
	sdk_platform_fini(p);
	return fails ? 1 : 0;
}
