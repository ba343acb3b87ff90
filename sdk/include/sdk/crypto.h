/*
 * crypto.h - AES-128 (AES-NI), AES-128-CMAC (RFC 4493) and AES-128-GCM
 * (NIST SP 800-38D, 96-bit IVs) for enclave code. The same source compiles
 * on the host, where tests/test_sdk_crypto.c checks it against OpenSSL.
 */
#ifndef SDK_CRYPTO_H
#define SDK_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

struct sdk_aes128 {
	uint8_t rk[11][16]; /* round keys */
};

void sdk_aes128_init(struct sdk_aes128 *ctx, const uint8_t key[16]);
void sdk_aes128_encrypt(const struct sdk_aes128 *ctx, const uint8_t in[16], uint8_t out[16]);

void sdk_aes128_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t mac[16]);

void sdk_aes128_gcm_encrypt(const uint8_t key[16], const uint8_t iv[12], const void *aad,
			    size_t aad_len, const void *pt, size_t len, void *ct, uint8_t tag[16]);
/* 0 if the tag verifies (pt written), -1 otherwise (pt zeroed). */
int sdk_aes128_gcm_decrypt(const uint8_t key[16], const uint8_t iv[12], const void *aad,
			   size_t aad_len, const void *ct, size_t len, const uint8_t tag[16],
			   void *pt);

#pragma GCC visibility pop

#endif /* SDK_CRYPTO_H */
