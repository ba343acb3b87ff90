/*
 * sigstruct.c - SIGSTRUCT signature checking and MRSIGNER (section 7.1).
 *
 * The signed message is bytes 0..127 and 900..1027 of the SIGSTRUCT; the
 * signature is RSA-3072 with e = 3, PKCS#1 v1.5 over SHA-256, every big
 * number stored little-endian. Hardware reduces S^3 mod N with the helper
 * values Q1 and Q2; a SIGSTRUCT whose Q1/Q2 are wrong cannot verify there, so
 * we recompute them and reject a mismatch as SGX_INVALID_SIGNATURE
 * (UNVERIFIED: the exact hardware behaviour for a bad Q1/Q2 is not
 * published, but it cannot verify the signature without them).
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/sha.h>

#include "cpu/cpu.h"

/* 00 01, 330 x FF, 00, then the DER DigestInfo prefix for SHA-256. */
const uint8_t sgx_pkcs1_sha256_prefix[352] = {
	0x00, 0x01,
	[2 ... 331] = 0xff,
	[332] = 0x00,
	[333] = 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

void sgx_mrsigner(const uint8_t modulus[SGX_MODULUS_SIZE], uint8_t out[32])
{
	SHA256(modulus, SGX_MODULUS_SIZE, out);
}

static BIGNUM *bn_from_le(const uint8_t *le, size_t len)
{
	return BN_lebin2bn(le, (int)len, NULL);
}

/* Does the 384-byte LE value `stored` equal bn? */
static bool bn_equals_le(const BIGNUM *bn, const uint8_t *stored)
{
	uint8_t buf[SGX_MODULUS_SIZE];

	if (BN_num_bytes(bn) > (int)SGX_MODULUS_SIZE)
		return false;
	if (BN_bn2lebinpad(bn, buf, sizeof(buf)) < 0)
		return false;
	return memcmp(buf, stored, sizeof(buf)) == 0;
}

int sgx_sigstruct_verify(const struct sgx_sigstruct *sig, uint8_t padding[352])
{
	const uint8_t *raw = (const uint8_t *)sig;
	uint8_t digest[32], em[SGX_MODULUS_SIZE];
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *n = NULL, *s = NULL, *s2 = NULL, *q1 = NULL, *rem = NULL, *t = NULL,
	       *q2 = NULL, *em_bn = NULL;
	int ret = SGX_INVALID_SIGNATURE;
	SHA256_CTX sha;

	if (!ctx)
		return SGX_INVALID_SIGNATURE;
	BN_CTX_start(ctx);
	n = bn_from_le(sig->modulus, SGX_MODULUS_SIZE);
	s = bn_from_le(sig->signature, SGX_MODULUS_SIZE);
	s2 = BN_CTX_get(ctx);
	q1 = BN_CTX_get(ctx);
	rem = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	q2 = BN_CTX_get(ctx);
	em_bn = BN_CTX_get(ctx);
	if (!n || !s || !em_bn || BN_is_zero(n) || BN_cmp(s, n) >= 0)
		goto out;

	/* Q1 = floor(S^2 / N), rem = S^2 mod N; Q2 = floor(S * rem / N), and
	 * S * rem mod N = S^3 mod N is the encoded message. */
	if (!BN_sqr(s2, s, ctx) || !BN_div(q1, rem, s2, n, ctx) ||
	    !BN_mul(t, s, rem, ctx) || !BN_div(q2, em_bn, t, n, ctx))
		goto out;
	if (!bn_equals_le(q1, sig->q1) || !bn_equals_le(q2, sig->q2))
		goto out;
	if (BN_bn2binpad(em_bn, em, sizeof(em)) < 0)
		goto out;

	SHA256_Init(&sha);
	SHA256_Update(&sha, raw, 128);
	SHA256_Update(&sha, raw + 900, 128);
	SHA256_Final(digest, &sha);
	if (memcmp(em, sgx_pkcs1_sha256_prefix, 352) || memcmp(em + 352, digest, 32))
		goto out;
	if (padding)
		memcpy(padding, em, 352);
	ret = 0;
out:
	BN_free(n);
	BN_free(s);
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return ret;
}
