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

#include <openssl/aes.h>
#include <openssl/crypto.h>

#include "cpu/encls.h"

/*
 * AES-128-CMAC (RFC 4493) on OpenSSL's block cipher. EVP_MAC allocates on
 * every call, and this runs inside trap handlers (EREPORT, EGETKEY), which
 * must not allocate; AES_encrypt works on a caller-owned key schedule.
 */
static void cmac_subkey(uint8_t k[16])
{
	uint8_t carry = k[0] & 0x80;

	for (int i = 0; i < 15; i++)
		k[i] = (uint8_t)(k[i] << 1 | k[i + 1] >> 7);
	k[15] = (uint8_t)(k[15] << 1);
	if (carry)
		k[15] ^= 0x87;
}

void sgx_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t mac[16])
{
	const uint8_t *p = data;
	uint8_t x[16] = { 0 }, k[16] = { 0 }, last[16];
	size_t nblocks = len ? (len + 15) / 16 : 1;
	size_t tail = len - (nblocks - 1) * 16;
	AES_KEY ks;

	AES_set_encrypt_key(key, 128, &ks);
	AES_encrypt(k, k, &ks); /* L = AES(K, 0) */
	cmac_subkey(k);         /* K1 */
	memset(last, 0, sizeof(last));
	memcpy(last, p + (nblocks - 1) * 16, tail);
	if (tail < 16) {
		last[tail] = 0x80;
		cmac_subkey(k); /* K2 */
	}
	for (size_t b = 0; b + 1 < nblocks; b++) {
		for (int i = 0; i < 16; i++)
			x[i] ^= p[16 * b + i];
		AES_encrypt(x, x, &ks);
	}
	for (int i = 0; i < 16; i++)
		x[i] ^= last[i] ^ k[i];
	AES_encrypt(x, mac, &ks);
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(k, sizeof(k));
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
