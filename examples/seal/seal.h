/* seal.h - the sealed blob and the ecall argument structs of the seal example. */
#ifndef EXAMPLES_SEAL_H
#define EXAMPLES_SEAL_H

#include <stdint.h>

#define SEAL_MAGIC "SDKSEAL1"

/* Everything before `tag` is authenticated (AES-GCM AAD); the ciphertext
 * follows the header. */
struct seal_blob {
	char magic[8];
	uint16_t keypolicy;  /* SGX_KEYPOLICY_MRENCLAVE or _MRSIGNER */
	uint16_t isvsvn;
	uint32_t len;        /* plaintext bytes */
	uint8_t cpusvn[16];
	uint8_t keyid[32];
	uint8_t iv[12];
	uint8_t tag[16];
	uint8_t data[];
};

struct seal_args {
	const char *text;     /* in: untrusted */
	uint32_t text_len;
	uint16_t keypolicy;
	void *blob;           /* out: untrusted buffer */
	uint32_t blob_cap;
	uint32_t blob_len;    /* out */
};

struct unseal_args {
	const void *blob;     /* in: untrusted */
	uint32_t blob_len;
	char *text;           /* out: untrusted */
	uint32_t text_cap;
	uint32_t text_len;    /* out */
};

#define ECALL_SEAL 0
#define ECALL_UNSEAL 1

#define SEAL_MAX_TEXT 4096

#endif
