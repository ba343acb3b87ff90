/*
 * enclu.c - EREPORT and EGETKEY for enclave code. The leaves want their
 * operands inside the enclave and aligned (TARGETINFO, KEYREQUEST and REPORT
 * to 512 bytes, REPORTDATA to 128, the key to 16), so the wrappers copy
 * through aligned buffers on the enclave stack.
 */
#include "sdk/crypto.h"
#include "sdk/enclave.h"

void sdk_ereport(const struct sgx_targetinfo *ti, const uint8_t report_data[64],
		 struct sgx_report *out)
{
	struct sgx_targetinfo t;
	struct sgx_report r;
	uint8_t rd[64] __attribute__((aligned(128)));

	memcpy(&t, ti, sizeof(t));
	if (report_data)
		memcpy(rd, report_data, sizeof(rd));
	else
		memset(rd, 0, sizeof(rd));
	__asm__ volatile("enclu"
			 :
			 : "a"((uint64_t)SGX_EREPORT), "b"(&t), "c"(rd), "d"(&r)
			 : "memory");
	memcpy(out, &r, sizeof(r));
}

int sdk_egetkey(const struct sgx_keyrequest *req, uint8_t key[16])
{
	struct sgx_keyrequest kr;
	uint8_t k[16] __attribute__((aligned(16)));
	uint64_t rax = SGX_EGETKEY;

	memcpy(&kr, req, sizeof(kr));
	__asm__ volatile("enclu" : "+a"(rax) : "b"(&kr), "c"(k) : "memory", "cc");
	if (rax == 0)
		memcpy(key, k, 16);
	sdk_memzero(k, sizeof(k));
	return (int)rax;
}

void sdk_self_report(struct sgx_report *out)
{
	struct sgx_targetinfo zero;

	memset(&zero, 0, sizeof(zero));
	sdk_ereport(&zero, NULL, out);
}

void sdk_self_targetinfo(struct sgx_targetinfo *out)
{
	struct sgx_report r;

	sdk_self_report(&r);
	memset(out, 0, sizeof(*out));
	memcpy(out->measurement, r.body.mrenclave, 32);
	out->attributes = r.body.attributes;
	out->cet_attributes = r.body.cet_attributes;
	out->config_svn = r.body.config_svn;
	out->miscselect = r.body.miscselect;
	memcpy(out->config_id, r.body.config_id, sizeof(out->config_id));
}

int sdk_verify_report(const struct sgx_report *r)
{
	struct sgx_keyrequest req;
	uint8_t key[16], mac[16];
	int ret;

	memset(&req, 0, sizeof(req));
	req.keyname = SGX_KEYNAME_REPORT;
	memcpy(req.keyid, r->keyid, sizeof(req.keyid));
	if (sdk_egetkey(&req, key) != 0)
		return -1;
	sdk_aes128_cmac(key, &r->body, sizeof(r->body), mac);
	sdk_memzero(key, sizeof(key));
	ret = sdk_ct_memcmp(mac, r->mac, sizeof(mac)) ? -1 : 0;
	return ret;
}
