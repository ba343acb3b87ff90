/*
 * attest enclave, built twice as "A" and "B" (-DENCLAVE_NAME), which gives
 * two different MRENCLAVEs. Local attestation: the verifier hands out its
 * TARGETINFO, the prover EREPORTs to it, and the verifier checks the MAC with
 * its own report key (EGETKEY(REPORT) with the report's KEYID, AES-CMAC).
 */
#include "sdk/enclave.h"

#include "attest.h"

#ifndef ENCLAVE_NAME
#define ENCLAVE_NAME "?"
#endif

static long ecall_targetinfo(void *untrusted)
{
	struct ti_args *u = untrusted;
	struct sgx_targetinfo ti;

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	sdk_self_targetinfo(&ti);
	memcpy(&u->ti, &ti, sizeof(ti));
	return 0;
}

static long ecall_report(void *untrusted)
{
	struct report_args *u = untrusted;
	struct sgx_targetinfo target;
	struct sgx_report r;
	uint8_t data[64];
	char hex[17];

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	memcpy(&target, &u->target, sizeof(target));
	memcpy(data, u->report_data, sizeof(data));
	sdk_ereport(&target, data, &r);
	sdk_hex(hex, target.measurement, 8);
	sdk_printf("enclave %s: EREPORT for target MRENCLAVE %s...\n", ENCLAVE_NAME, hex);
	memcpy(&u->report, &r, sizeof(r));
	return 0;
}

static long ecall_verify(void *untrusted)
{
	struct verify_args *u = untrusted;
	struct sgx_report r;
	char hex[17];
	char text[65];

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	memcpy(&r, &u->report, sizeof(r));
	sdk_hex(hex, r.body.mrenclave, 8);
	memcpy(text, r.body.report_data, 64);
	text[64] = 0;
	if (sdk_verify_report(&r)) {
		sdk_printf("enclave %s: report from MRENCLAVE %s... REJECTED: the CMAC does not "
			   "match under my report key\n", ENCLAVE_NAME, hex);
		return 1;
	}
	sdk_printf("enclave %s: report from MRENCLAVE %s... verified; REPORTDATA \"%s\"\n",
		   ENCLAVE_NAME, hex, text);
	return 0;
}

SDK_ECALLS(ecall_targetinfo, ecall_report, ecall_verify);
