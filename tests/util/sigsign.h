/*
 * sigsign.h - build and sign SIGSTRUCTs in tests (fact sheet 7.1), with
 * OpenSSL and a PEM RSA-3072 key of public exponent 3.
 */
#ifndef TESTS_UTIL_SIGSIGN_H
#define TESTS_UTIL_SIGSIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sgxemu/sgxemu.h"

/* Zero *s and fill the defaults of the Linux selftest signer: HEADER,
 * HEADER2, ATTRIBUTES MODE64BIT / XFRM 3, masks 0, ENCLAVEHASH. */
void ts_sigstruct_init(struct sgx_sigstruct *s, const uint8_t mrenclave[32]);

/* Fill MODULUS, EXPONENT (3), SIGNATURE (PKCS#1 v1.5 SHA-256 over bytes
 * 0..127 || 900..1027, little-endian), Q1 and Q2 with the key in pem_path.
 * Returns 0, or -1 with a message in err. */
int ts_sign(struct sgx_sigstruct *s, const char *pem_path, char *err, size_t errlen);

/* The 384-byte little-endian modulus of the key in pem_path. */
int ts_key_modulus(const char *pem_path, uint8_t modulus[SGX_MODULUS_SIZE], char *err,
		   size_t errlen);

#endif
