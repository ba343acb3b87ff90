/*
 * sigsign.c - see sigsign.h.
 */
#include "sigsign.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

void ts_sigstruct_init(struct sgx_sigstruct *s, const uint8_t mrenclave[32])
{
	static const uint8_t h1[16] = SGX_SIGSTRUCT_HEADER_BYTES;
	static const uint8_t h2[16] = SGX_SIGSTRUCT_HEADER2_BYTES;

	memset(s, 0, sizeof(*s));
	memcpy(s->header.header, h1, 16);
	memcpy(s->header.header2, h2, 16);
	s->body.attributes.flags = SGX_ATTR_MODE64BIT;
	s->body.attributes.xfrm = SGX_XFRM_LEGACY;
	if (mrenclave)
		memcpy(s->body.mrenclave, mrenclave, 32);
}

static void reverse(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t t = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, ERR_error_string(ERR_get_error(), NULL));
	return -1;
}

int ts_sign(struct sgx_sigstruct *s, const char *pem_path, char *err, size_t errlen)
{
	uint8_t msg[256], sig[SGX_MODULUS_SIZE];
	size_t siglen = sizeof(sig);
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	BIGNUM *n = NULL, *e = NULL, *S = NULL, *s2 = NULL, *q1 = NULL, *r = NULL;
	BIGNUM *t = NULL, *q2 = NULL;
	BN_CTX *bctx = NULL;
	FILE *fp;
	int rc = -1;

	fp = fopen(pem_path, "r");
	if (!fp) {
		snprintf(err, errlen, "cannot open %s", pem_path);
		return -1;
	}
	pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!pkey)
		return fail(err, errlen, "PEM_read_PrivateKey");
	if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
		rc = fail(err, errlen, "EVP_PKEY_get_bn_param");
		goto out;
	}
	if (BN_num_bytes(n) != SGX_MODULUS_SIZE || !BN_is_word(e, 3)) {
		snprintf(err, errlen, "key is not RSA-3072 with e = 3");
		goto out;
	}
	BN_bn2lebinpad(n, s->modulus, SGX_MODULUS_SIZE);
	s->exponent = 3;

	memcpy(msg, &s->header, 128);
	memcpy(msg + 128, &s->body, 128);
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1 ||
	    siglen != SGX_MODULUS_SIZE) {
		rc = fail(err, errlen, "EVP_DigestSign");
		goto out;
	}
	S = BN_bin2bn(sig, (int)siglen, NULL);
	reverse(sig, siglen);
	memcpy(s->signature, sig, SGX_MODULUS_SIZE);

	/* Q1 = floor(S^2 / N), Q2 = floor(S * (S^2 mod N) / N). */
	bctx = BN_CTX_new();
	s2 = BN_new();
	q1 = BN_new();
	r = BN_new();
	t = BN_new();
	q2 = BN_new();
	if (!S || !bctx || !s2 || !q1 || !r || !t || !q2 || !BN_sqr(s2, S, bctx) ||
	    !BN_div(q1, r, s2, n, bctx) || !BN_mul(t, S, r, bctx) ||
	    !BN_div(q2, NULL, t, n, bctx) ||
	    BN_bn2lebinpad(q1, s->q1, SGX_MODULUS_SIZE) < 0 ||
	    BN_bn2lebinpad(q2, s->q2, SGX_MODULUS_SIZE) < 0) {
		rc = fail(err, errlen, "Q1/Q2");
		goto out;
	}
	rc = 0;
out:
	BN_free(n);
	BN_free(e);
	BN_free(S);
	BN_free(s2);
	BN_free(q1);
	BN_free(r);
	BN_free(t);
	BN_free(q2);
	BN_CTX_free(bctx);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return rc;
}

int ts_key_modulus(const char *pem_path, uint8_t modulus[SGX_MODULUS_SIZE], char *err,
		   size_t errlen)
{
	EVP_PKEY *pkey;
	BIGNUM *n = NULL;
	FILE *fp = fopen(pem_path, "r");
	int rc = -1;

	if (!fp) {
		snprintf(err, errlen, "cannot open %s", pem_path);
		return -1;
	}
	pkey = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	if (!pkey)
		return fail(err, errlen, "PEM_read_PrivateKey");
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) &&
	    BN_bn2lebinpad(n, modulus, SGX_MODULUS_SIZE) == SGX_MODULUS_SIZE)
		rc = 0;
	else
		snprintf(err, errlen, "cannot get a 3072-bit modulus from %s", pem_path);
	BN_free(n);
	EVP_PKEY_free(pkey);
	return rc;
}
