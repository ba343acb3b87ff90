/*
 * keys.c - key derivation and CMAC.
 *
 * Every key the CPU derives (EINITTOKEN, REPORT, SEAL, PROVISION...) is
 * AES-128-CMAC under the platform root key over a struct sgx_keydep holding
 * the KEYDEPENDENCIES of fact sheet section 8.6. Hardware's derivation and
 * fuse values are secret and not architectural; what software can observe -
 * which inputs change a key, and that the same platform and identity give the
 * same key every time - is what this reproduces.
 */
#include <string.h>

#include <openssl/evp.h>

#include "cpu/encls.h"

void sgx_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t mac[16])
{
	EVP_MAC *alg = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = alg ? EVP_MAC_CTX_new(alg) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string("cipher", "AES-128-CBC", 0),
		OSSL_PARAM_END,
	};
	size_t out = 0;

	memset(mac, 0, 16);
	if (ctx && EVP_MAC_init(ctx, key, 16, params) && EVP_MAC_update(ctx, data, len))
		EVP_MAC_final(ctx, mac, &out, 16);
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(alg);
}

/* The "seal key fuses": a per-platform secret distinct from the root key. */
void seal_key_fuses(const struct sgx_cpu *cpu, uint8_t out[16])
{
	static const char label[] = "sgxemu seal key fuses";

	sgx_cmac(cpu->cfg.root_key, label, sizeof(label), out);
}

void derive_key(const struct sgx_cpu *cpu, const struct sgx_keydep *dep, uint8_t key[16])
{
	sgx_cmac(cpu->cfg.root_key, dep, sizeof(*dep), key);
}

/*
 * CPUSVN ordering is model-specific and unpublished. sgxemu treats CPUSVN as
 * 16 independent component SVNs: a request is acceptable when no component
 * exceeds the CPU's.
 */
bool cpusvn_ok(const struct sgx_cpu *cpu, const uint8_t req[16])
{
	for (int i = 0; i < 16; i++)
		if (req[i] > cpu->cfg.cpusvn[i])
			return false;
	return true;
}

/* EINITTOKEN key as EINIT recomputes it: the token's *LE fields, the LE-hash
 * MSRs as MRSIGNER, hard-coded padding (fact sheet 7.3 step 15, 8.6). */
void sgx_einittoken_key(const struct sgx_cpu *cpu, const struct sgx_einittoken *token,
			uint8_t key[16])
{
	struct sgx_keydep dep;

	memset(&dep, 0, sizeof(dep));
	dep.keyname = SGX_KEYNAME_EINITTOKEN;
	dep.isv_prod_id = token->isv_prod_id_le;
	dep.isv_svn = token->isv_svn_le;
	memcpy(dep.owner_epoch, cpu->cfg.owner_epoch, 16);
	dep.attributes = token->masked_attributes_le;
	for (int i = 0; i < 4; i++)
		for (int b = 0; b < 8; b++)
			dep.mrsigner[8 * i + b] = (uint8_t)(cpu->lepubkeyhash[i] >> (8 * b));
	memcpy(dep.keyid, token->keyid, 32);
	seal_key_fuses(cpu, dep.seal_key_fuses);
	memcpy(dep.cpusvn, token->cpusvn_le, 16);
	memcpy(dep.padding, sgx_pkcs1_sha256_prefix, 352);
	dep.miscselect = token->masked_miscselect_le;
	derive_key(cpu, &dep, key);
}
