/*
 * signer.c - sign a SIGSTRUCT with libcrypto (see signer.h).
 *
 * OpenSSL works with big-endian integers; SIGSTRUCT stores MODULUS,
 * SIGNATURE, Q1 and Q2 little-endian, hence the *lebin* conversions.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "signer.h"

/* Never prompt for a passphrase: encrypted keys are refused. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static void ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256];

	if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
		snprintf(err, errlen, "%s (%s)", what, buf);
	} else {
		snprintf(err, errlen, "%s", what);
	}
	ERR_clear_error();
}

EVP_PKEY *signer_load_key(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *key;
	BIGNUM *e = NULL;
	BIO *bio;
	int bits;

	bio = BIO_new_file(path, "r");
	if (!bio) {
		ssl_error(err, errlen, "cannot open the key file");
		snprintf(err + strlen(err), errlen - strlen(err), ": %s", path);
		return NULL;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
	BIO_free(bio);
	if (!key) {
		char what[512];

		snprintf(what, sizeof(what),
			 "%s: no PEM private key found (not PEM, encrypted, or corrupt)", path);
		ssl_error(err, errlen, what);
		return NULL;
	}
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
		snprintf(err, errlen, "%s: not an RSA key (SGX needs RSA-3072 with exponent 3)",
			 path);
		goto fail;
	}
	bits = EVP_PKEY_get_bits(key);
	if (bits != 3072) {
		snprintf(err, errlen,
			 "%s: RSA key is %d bits, SGX needs a 3072-bit key with exponent 3", path,
			 bits);
		goto fail;
	}
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e)) {
		ssl_error(err, errlen, "cannot read the public exponent");
		goto fail;
	}
	if (!BN_is_word(e, 3)) {
		char *dec = BN_bn2dec(e);

		snprintf(err, errlen,
			 "%s: RSA public exponent is %s, SGX needs exponent 3", path,
			 dec ? dec : "not 3");
		OPENSSL_free(dec);
		goto fail;
	}
	BN_free(e);
	return key;
fail:
	BN_free(e);
	EVP_PKEY_free(key);
	return NULL;
}

/* Q1 = floor(S^2 / N), Q2 = floor(S * (S^2 mod N) / N), 384 bytes LE each. */
static int compute_q1_q2(struct sgx_sigstruct *sig, char *err, size_t errlen)
{
	BIGNUM *s, *n, *t, *q1, *r, *q2;
	BN_CTX *ctx = BN_CTX_new();
	int ret = -1;

	s = BN_lebin2bn(sig->signature, SGX_MODULUS_SIZE, NULL);
	n = BN_lebin2bn(sig->modulus, SGX_MODULUS_SIZE, NULL);
	t = BN_new();
	q1 = BN_new();
	r = BN_new();
	q2 = BN_new();
	if (!ctx || !s || !n || !t || !q1 || !r || !q2) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!BN_sqr(t, s, ctx) || !BN_div(q1, r, t, n, ctx) ||
	    !BN_mul(t, s, r, ctx) || !BN_div(q2, NULL, t, n, ctx)) {
		ssl_error(err, errlen, "Q1/Q2 computation failed");
		goto out;
	}
	if (BN_bn2lebinpad(q1, sig->q1, SGX_MODULUS_SIZE) != SGX_MODULUS_SIZE ||
	    BN_bn2lebinpad(q2, sig->q2, SGX_MODULUS_SIZE) != SGX_MODULUS_SIZE) {
		snprintf(err, errlen, "Q1/Q2 do not fit in 384 bytes");
		goto out;
	}
	ret = 0;
out:
	BN_free(s);
	BN_free(n);
	BN_free(t);
	BN_free(q1);
	BN_free(r);
	BN_free(q2);
	BN_CTX_free(ctx);
	return ret;
}

int signer_sign(EVP_PKEY *key, struct sgx_sigstruct *sig, char *err, size_t errlen)
{
	uint8_t msg[256], be[SGX_MODULUS_SIZE];
	size_t siglen = sizeof(be);
	EVP_MD_CTX *md;
	BIGNUM *n = NULL;
	int ret = -1;

	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    BN_bn2lebinpad(n, sig->modulus, SGX_MODULUS_SIZE) != SGX_MODULUS_SIZE) {
		ssl_error(err, errlen, "cannot read the RSA modulus");
		BN_free(n);
		return -1;
	}
	BN_free(n);
	sig->exponent = 3;

	memcpy(msg, &sig->header, sizeof(sig->header));
	memcpy(msg + sizeof(sig->header), &sig->body, sizeof(sig->body));

	md = EVP_MD_CTX_new();
	if (!md) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* RSA keys default to PKCS#1 v1.5 padding. */
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, be, &siglen, msg, sizeof(msg)) != 1) {
		ssl_error(err, errlen, "RSA signing failed");
		goto out;
	}
	if (siglen != SGX_MODULUS_SIZE) {
		snprintf(err, errlen, "unexpected signature length %zu", siglen);
		goto out;
	}
	for (size_t i = 0; i < SGX_MODULUS_SIZE; i++)
		sig->signature[i] = be[SGX_MODULUS_SIZE - 1 - i];
	ret = compute_q1_q2(sig, err, errlen);
out:
	EVP_MD_CTX_free(md);
	return ret;
}
