/*
 * test_sdk_crypto.c - the sdk's enclave-side AES-128, AES-CMAC and AES-GCM
 * (sdk/enclave/crypto.c, compiled here for the host) against OpenSSL and the
 * published RFC 4493 / GCM test vectors.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../sdk/enclave/crypto.c"

static void unhex(const char *h, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(sscanf(h + 2 * i, "%2hhx", &out[i]), 1);
}

static void ossl_aes_block(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL));
	EVP_CIPHER_CTX_set_padding(c, 0);
	cr_assert(EVP_EncryptUpdate(c, out, &n, in, 16));
	cr_assert_eq(n, 16);
	EVP_CIPHER_CTX_free(c);
}

static void ossl_cmac(const uint8_t key[16], const uint8_t *d, size_t len, uint8_t mac[16])
{
	EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(m);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, "AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t n = 0;

	cr_assert(EVP_MAC_init(c, key, 16, params));
	cr_assert(EVP_MAC_update(c, d, len));
	cr_assert(EVP_MAC_final(c, mac, &n, 16));
	cr_assert_eq(n, 16);
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
}

static void ossl_gcm(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
		     size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, key, iv));
	if (aad_len)
		cr_assert(EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len));
	if (len)
		cr_assert(EVP_EncryptUpdate(c, ct, &n, pt, (int)len));
	cr_assert(EVP_EncryptFinal_ex(c, ct + (len ? n : 0), &n));
	cr_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag));
	EVP_CIPHER_CTX_free(c);
}

Test(sdk_crypto, aes128_fips197)
{
	uint8_t key[16], pt[16], want[16], out[16];
	struct sdk_aes128 ctx;

	unhex("000102030405060708090a0b0c0d0e0f", key, 16);
	unhex("00112233445566778899aabbccddeeff", pt, 16);
	unhex("69c4e0d86a7b0430d8cdb78070b4c55a", want, 16);
	sdk_aes128_init(&ctx, key);
	sdk_aes128_encrypt(&ctx, pt, out);
	cr_assert_arr_eq(out, want, 16);
}

Test(sdk_crypto, aes128_random_vs_openssl)
{
	for (int i = 0; i < 200; i++) {
		uint8_t key[16], in[16], a[16], b[16];
		struct sdk_aes128 ctx;

		cr_assert(RAND_bytes(key, 16) == 1 && RAND_bytes(in, 16) == 1);
		sdk_aes128_init(&ctx, key);
		sdk_aes128_encrypt(&ctx, in, a);
		ossl_aes_block(key, in, b);
		cr_assert_arr_eq(a, b, 16, "block %d", i);
	}
}

Test(sdk_crypto, cmac_rfc4493)
{
	static const struct {
		size_t len;
		const char *mac;
	} v[] = {
		{ 0, "bb1d6929e95937287fa37d129b756746" },
		{ 16, "070a16b46b4d4144f79bdd9dd04a287c" },
		{ 40, "dfa66747de9ae63030ca32611497c827" },
		{ 64, "51f0bebf7e3b9d92fc49741779363cfe" },
	};
	uint8_t key[16], msg[64], want[16], mac[16];

	unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
	      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710", msg, 64);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex(v[i].mac, want, 16);
		sdk_aes128_cmac(key, msg, v[i].len, mac);
		cr_assert_arr_eq(mac, want, 16, "length %zu", v[i].len);
	}
}

Test(sdk_crypto, cmac_all_lengths_vs_openssl)
{
	uint8_t key[16], msg[200], a[16], b[16];

	cr_assert(RAND_bytes(key, 16) == 1 && RAND_bytes(msg, sizeof(msg)) == 1);
	for (size_t len = 0; len <= sizeof(msg); len++) {
		sdk_aes128_cmac(key, msg, len, a);
		ossl_cmac(key, msg, len, b);
		cr_assert_arr_eq(a, b, 16, "length %zu", len);
	}
}

Test(sdk_crypto, gcm_nist_test_case_4)
{
	/* The GCM specification's test case 4 (AES-128, 60-byte plaintext, AAD). */
	uint8_t key[16], iv[12], pt[60], aad[20], want_ct[60], want_tag[16], ct[60], tag[16];
	uint8_t back[60];

	unhex("feffe9928665731c6d6a8f9467308308", key, 16);
	unhex("cafebabefacedbaddecaf888", iv, 12);
	unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39", pt, 60);
	unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, 20);
	unhex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	      "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091", want_ct, 60);
	unhex("5bc94fbc3221a5db94fae95ae7121a47", want_tag, 16);
	sdk_aes128_gcm_encrypt(key, iv, aad, sizeof(aad), pt, sizeof(pt), ct, tag);
	cr_assert_arr_eq(ct, want_ct, 60);
	cr_assert_arr_eq(tag, want_tag, 16);
	cr_assert_eq(sdk_aes128_gcm_decrypt(key, iv, aad, sizeof(aad), ct, sizeof(ct), tag, back), 0);
	cr_assert_arr_eq(back, pt, 60);
}

Test(sdk_crypto, gcm_random_vs_openssl_and_tamper)
{
	uint8_t key[16], iv[12], aad[40], pt[300], ct1[300], ct2[300], back[300], t1[16], t2[16];

	for (int i = 0; i < 60; i++) {
		size_t len = (size_t)i * 5, aad_len = (size_t)i % 41;

		cr_assert(RAND_bytes(key, 16) == 1 && RAND_bytes(iv, 12) == 1);
		cr_assert(RAND_bytes(aad, sizeof(aad)) == 1 && RAND_bytes(pt, sizeof(pt)) == 1);
		sdk_aes128_gcm_encrypt(key, iv, aad, aad_len, pt, len, ct1, t1);
		ossl_gcm(key, iv, aad, aad_len, pt, len, ct2, t2);
		cr_assert_arr_eq(ct1, ct2, len, "len %zu aad %zu", len, aad_len);
		cr_assert_arr_eq(t1, t2, 16, "len %zu aad %zu", len, aad_len);
		cr_assert_eq(sdk_aes128_gcm_decrypt(key, iv, aad, aad_len, ct1, len, t1, back), 0);
		cr_assert_arr_eq(back, pt, len);
		if (len) {
			ct1[len / 2] ^= 1;
			cr_assert_eq(sdk_aes128_gcm_decrypt(key, iv, aad, aad_len, ct1, len, t1, back),
				     -1);
		}
		t1[0] ^= 0x80;
		ct1[len / 2] ^= len ? 1 : 0;
		cr_assert_eq(sdk_aes128_gcm_decrypt(key, iv, aad, aad_len, ct1, len, t1, back), -1);
	}
}
