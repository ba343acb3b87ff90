/*
 * measure.c - the MRENCLAVE block stream (fact sheet section 6).
 *
 * MRENCLAVE is SHA-256 over 64-byte blocks: one for ECREATE, one per EADD,
 * and a header block plus the four data blocks of every EEXTENDed 256-byte
 * chunk. The leaves feed these blocks into the SECS's running hash; EINIT
 * finalizes it. Fields are little-endian and, in the ECREATE block,
 * deliberately unaligned (SIZE sits right after the 32-bit SSAFRAMESIZE).
 */
#include <string.h>

#include "cpu/cpu.h"

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void measure_ecreate(SHA256_CTX *ctx, uint32_t ssa_frame_size, uint64_t size)
{
	uint8_t block[64] = "ECREATE";

	put_le64(block + 8, ssa_frame_size); /* a u32: bytes 12..15 are SIZE's */
	put_le64(block + 12, size);
	/* Bytes 20..27: CET_LEG_BITMAP_OFFSET on CET-IBT parts; this CPU has no CET. */
	SHA256_Init(ctx);
	SHA256_Update(ctx, block, sizeof(block));
}

void measure_eadd(SHA256_CTX *ctx, uint64_t offset, uint64_t secinfo_flags)
{
	uint8_t block[64] = "EADD";

	put_le64(block + 8, offset);
	put_le64(block + 16, secinfo_flags); /* then 40 zero bytes of SECINFO */
	SHA256_Update(ctx, block, sizeof(block));
}

void measure_eextend(SHA256_CTX *ctx, uint64_t offset, const uint8_t chunk[256])
{
	uint8_t header[64] = "EEXTEND";

	put_le64(header + 8, offset);
	SHA256_Update(ctx, header, sizeof(header));
	SHA256_Update(ctx, chunk, 256);
}
