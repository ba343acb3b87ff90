/*
 * signer.h - SIGSTRUCT signing with an RSA-3072, e=3 key (fact sheet 7.1):
 * key loading and checking, the PKCS#1 v1.5 / SHA-256 signature over bytes
 * 0..127 || 900..1027, Q1/Q2, all through libcrypto.
 */
#ifndef SGXEMU_TOOLS_SIGNER_H
#define SGXEMU_TOOLS_SIGNER_H

#include <stddef.h>

#include <openssl/evp.h>

#include <sgxemu/sgx_arch.h>

/* Read a PEM private key (PKCS#1 or PKCS#8) and check that it is RSA,
 * 3072 bits, exponent 3. Returns the key, or NULL with a message in err. */
EVP_PKEY *signer_load_key(const char *path, char *err, size_t errlen);

/* Fill MODULUS, EXPONENT, SIGNATURE, Q1 and Q2 of sig (every signed field
 * must already be set). Returns 0, or -1 with a message in err. */
int signer_sign(EVP_PKEY *key, struct sgx_sigstruct *sig, char *err, size_t errlen);

#endif /* SGXEMU_TOOLS_SIGNER_H */
