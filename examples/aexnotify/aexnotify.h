/*
 * aexnotify.h - shared by the aexnotify enclave and host: the ecall's
 * argument struct and the checksum both sides compute (the host's copy is
 * the reference for the enclave's, which runs while AEXs keep arriving).
 */
#ifndef EXAMPLES_AEXNOTIFY_H
#define EXAMPLES_AEXNOTIFY_H

#include <stddef.h>
#include <stdint.h>

#define AEXN_BUF_SIZE (64u << 10)

struct aexn_args {
	uint64_t seed;
	uint32_t rounds;
	uint32_t pad;
	uint64_t checksum;      /* out */
	uint64_t notifications; /* out: calls of the enclave's hook */
	uint64_t restarts;      /* out: of those, inside the runtime's restore */
};

/* xorshift64* bytes from seed. */
static inline void aexn_fill(uint8_t *buf, size_t n, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		buf[i] = (uint8_t)((x * 0x2545f4914f6cdd1dull) >> 56);
	}
}

/*
 * rounds passes over buf (n a multiple of 16): a two-lane vector mix (SSE
 * registers) and a scalar FNV-1a, so a context restored wrongly after an
 * AEX would show in either part.
 */
static inline uint64_t aexn_checksum(const uint8_t *buf, size_t n, uint32_t rounds)
{
	typedef uint64_t v2 __attribute__((vector_size(16)));
	const v2 k = { 0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full };
	v2 acc = { 0x243f6a8885a308d3ull, 0x13198a2e03707344ull };
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t r = 0; r < rounds; r++) {
		for (size_t i = 0; i < n; i += 16) {
			v2 x;

			__builtin_memcpy(&x, buf + i, sizeof(x));
			acc = (acc ^ x) * k;
			acc ^= acc >> 29;
			h = (h ^ buf[i] ^ r) * 0x100000001b3ull;
		}
	}
	return acc[0] ^ (acc[1] << 1) ^ h;
}

#endif
