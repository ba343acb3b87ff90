/*
 * crypto.c - see sdk/crypto.h. AES rounds use AES-NI; GHASH uses the plain
 * bitwise GF(2^128) multiplication of SP 800-38D Algorithm 1 (slow, small,
 * and easy to check; sealing handles small blobs). No table lookups indexed
 * by secret data.
 */
#pragma GCC push_options
#pragma GCC target("aes,sse2")

#include <stdbool.h>
#include <string.h>
#include <wmmintrin.h>

#include "sdk/crypto.h"

/* ---- AES-128 ------------------------------------------------------------------ */

static __m128i expand_step(__m128i key, __m128i assist)
{
	assist = _mm_shuffle_epi32(assist, 0xff);
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
	return _mm_xor_si128(key, assist);
}

void sdk_aes128_init(struct sdk_aes128 *ctx, const uint8_t key[16])
{
	__m128i k[11];

	k[0] = _mm_loadu_si128((const __m128i *)key);
	/* The round constant is an immediate operand: one line per round. */
	k[1] = expand_step(k[0], _mm_aeskeygenassist_si128(k[0], 0x01));
	k[2] = expand_step(k[1], _mm_aeskeygenassist_si128(k[1], 0x02));
	k[3] = expand_step(k[2], _mm_aeskeygenassist_si128(k[2], 0x04));
	k[4] = expand_step(k[3], _mm_aeskeygenassist_si128(k[3], 0x08));
	k[5] = expand_step(k[4], _mm_aeskeygenassist_si128(k[4], 0x10));
	k[6] = expand_step(k[5], _mm_aeskeygenassist_si128(k[5], 0x20));
	k[7] = expand_step(k[6], _mm_aeskeygenassist_si128(k[6], 0x40));
	k[8] = expand_step(k[7], _mm_aeskeygenassist_si128(k[7], 0x80));
	k[9] = expand_step(k[8], _mm_aeskeygenassist_si128(k[8], 0x1b));
	k[10] = expand_step(k[9], _mm_aeskeygenassist_si128(k[9], 0x36));
	for (int i = 0; i < 11; i++)
		_mm_storeu_si128((__m128i *)ctx->rk[i], k[i]);
}

void sdk_aes128_encrypt(const struct sdk_aes128 *ctx, const uint8_t in[16], uint8_t out[16])
{
	__m128i x = _mm_loadu_si128((const __m128i *)in);

	x = _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)ctx->rk[0]));
	for (int i = 1; i < 10; i++)
		x = _mm_aesenc_si128(x, _mm_loadu_si128((const __m128i *)ctx->rk[i]));
	x = _mm_aesenclast_si128(x, _mm_loadu_si128((const __m128i *)ctx->rk[10]));
	_mm_storeu_si128((__m128i *)out, x);
}

static void wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* ---- CMAC ----------------------------------------------------------------------- */

/* Multiply by x in GF(2^128), CMAC's big-endian convention (R = 0x87). */
static void cmac_double(const uint8_t in[16], uint8_t out[16])
{
	uint8_t carry = in[0] >> 7;

	for (int i = 0; i < 15; i++)
		out[i] = (uint8_t)(in[i] << 1 | in[i + 1] >> 7);
	out[15] = (uint8_t)(in[15] << 1) ^ (uint8_t)(0x87 & -carry);
}

void sdk_aes128_cmac(const uint8_t key[16], const void *data, size_t len, uint8_t mac[16])
{
	const uint8_t *p = data;
	struct sdk_aes128 aes;
	uint8_t l[16] = { 0 }, k1[16], k2[16], x[16] = { 0 }, last[16];
	size_t nblocks = (len + 15) / 16;
	bool complete;

	sdk_aes128_init(&aes, key);
	sdk_aes128_encrypt(&aes, l, l);
	cmac_double(l, k1);
	cmac_double(k1, k2);
	if (nblocks == 0) {
		nblocks = 1;
		complete = false;
	} else {
		complete = len % 16 == 0;
	}
	for (size_t b = 0; b + 1 < nblocks; b++) {
		for (int i = 0; i < 16; i++)
			x[i] ^= p[16 * b + i];
		sdk_aes128_encrypt(&aes, x, x);
	}
	/* The last block: whole → XOR K1; partial → pad 10* and XOR K2. */
	memset(last, 0, sizeof(last));
	{
		size_t off = 16 * (nblocks - 1), rem = len - off;

		for (size_t i = 0; i < rem && i < 16; i++)
			last[i] = p[off + i];
		if (complete) {
			for (int i = 0; i < 16; i++)
				last[i] ^= k1[i];
		} else {
			last[rem] = 0x80;
			for (int i = 0; i < 16; i++)
				last[i] ^= k2[i];
		}
	}
	for (int i = 0; i < 16; i++)
		x[i] ^= last[i];
	sdk_aes128_encrypt(&aes, x, mac);
	wipe(&aes, sizeof(aes));
	wipe(l, 16);
	wipe(k1, 16);
	wipe(k2, 16);
	wipe(x, 16);
	wipe(last, 16);
}

/* ---- GCM ------------------------------------------------------------------------ */

struct u128 {
	uint64_t hi, lo; /* big-endian halves: bit 0 of the spec is the MSB of hi */
};

static struct u128 load_be(const uint8_t b[16])
{
	struct u128 v = { 0, 0 };

	for (int i = 0; i < 8; i++) {
		v.hi = v.hi << 8 | b[i];
		v.lo = v.lo << 8 | b[8 + i];
	}
	return v;
}

static void store_be(uint8_t b[16], struct u128 v)
{
	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)v.hi;
		b[8 + i] = (uint8_t)v.lo;
		v.hi >>= 8;
		v.lo >>= 8;
	}
}

/* Z = X * Y in GF(2^128) (SP 800-38D Algorithm 1), constant time. */
static struct u128 gf_mul(struct u128 x, struct u128 y)
{
	struct u128 z = { 0, 0 }, v = y;

	for (int i = 0; i < 128; i++) {
		uint64_t bit = i < 64 ? x.hi >> (63 - i) : x.lo >> (127 - i);
		uint64_t mask = -(bit & 1), lsb;

		z.hi ^= v.hi & mask;
		z.lo ^= v.lo & mask;
		lsb = -(v.lo & 1);
		v.lo = v.lo >> 1 | v.hi << 63;
		v.hi = (v.hi >> 1) ^ (0xe100000000000000ull & lsb);
	}
	return z;
}

struct ghash {
	struct u128 h, y;
};

static void ghash_update(struct ghash *g, const uint8_t *p, size_t len)
{
	while (len) {
		uint8_t block[16] = { 0 };
		size_t n = len < 16 ? len : 16;
		struct u128 b;

		memcpy(block, p, n);
		b = load_be(block);
		g->y.hi ^= b.hi;
		g->y.lo ^= b.lo;
		g->y = gf_mul(g->y, g->h);
		p += n;
		len -= n;
	}
}

static void inc32(uint8_t ctr[16])
{
	for (int i = 15; i >= 12; i--)
		if (++ctr[i])
			break;
}

/* Shared part: CTR over in → out from inc32(J0), GHASH of aad and the
 * ciphertext, tag = E(J0) ^ GHASH. */
static void gcm(const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad, size_t aad_len,
		const uint8_t *in, size_t len, uint8_t *out, bool encrypting, uint8_t tag[16])
{
	struct sdk_aes128 aes;
	struct ghash g;
	uint8_t j0[16], ctr[16], ks[16], h[16] = { 0 }, lens[16];

	sdk_aes128_init(&aes, key);
	sdk_aes128_encrypt(&aes, h, h);
	g.h = load_be(h);
	g.y.hi = g.y.lo = 0;
	memcpy(j0, iv, 12);
	j0[12] = j0[13] = j0[14] = 0;
	j0[15] = 1;
	ghash_update(&g, aad, aad_len);
	if (!encrypting)
		ghash_update(&g, in, len);
	memcpy(ctr, j0, 16);
	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;

		inc32(ctr);
		sdk_aes128_encrypt(&aes, ctr, ks);
		for (size_t i = 0; i < n; i++)
			out[off + i] = in[off + i] ^ ks[i];
	}
	if (encrypting)
		ghash_update(&g, out, len);
	store_be(lens, (struct u128){ (uint64_t)aad_len * 8, (uint64_t)len * 8 });
	ghash_update(&g, lens, 16);
	store_be(tag, g.y);
	sdk_aes128_encrypt(&aes, j0, ks);
	for (int i = 0; i < 16; i++)
		tag[i] ^= ks[i];
	wipe(&aes, sizeof(aes));
	wipe(&g, sizeof(g));
	wipe(ks, 16);
	wipe(h, 16);
}

void sdk_aes128_gcm_encrypt(const uint8_t key[16], const uint8_t iv[12], const void *aad,
			    size_t aad_len, const void *pt, size_t len, void *ct, uint8_t tag[16])
{
	gcm(key, iv, aad, aad_len, pt, len, ct, true, tag);
}

int sdk_aes128_gcm_decrypt(const uint8_t key[16], const uint8_t iv[12], const void *aad,
			   size_t aad_len, const void *ct, size_t len, const uint8_t tag[16],
			   void *pt)
{
	uint8_t want[16], d = 0;

	gcm(key, iv, aad, aad_len, ct, len, pt, false, want);
	for (int i = 0; i < 16; i++)
		d |= want[i] ^ tag[i];
	if (d) {
		wipe(pt, len);
		return -1;
	}
	return 0;
}

#pragma GCC pop_options
