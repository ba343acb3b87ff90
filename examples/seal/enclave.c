/*
 * seal enclave: seal a text with a key from EGETKEY(SEAL) under the MRENCLAVE
 * or MRSIGNER policy (AES-128-GCM), and unseal it again. Built twice: the
 * second build (-DSEAL_VARIANT=2) differs in one constant, hence in
 * MRENCLAVE, but has the same signer.
 */
#include "sdk/crypto.h"
#include "sdk/enclave.h"

#include "seal.h"

#ifndef SEAL_VARIANT
#define SEAL_VARIANT 1
#endif

#if SEAL_VARIANT == 1
static const char variant[] = "seal enclave v1";
#else
static const char variant[] = "seal enclave v2";
#endif

static int rdrand64(uint64_t *v)
{
	for (int i = 0; i < 100; i++) {
		unsigned char ok;

		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok) : : "cc");
		if (ok)
			return 0;
	}
	return -1;
}

static int random_bytes(uint8_t *p, size_t n)
{
	while (n) {
		uint64_t v;
		size_t k = n < 8 ? n : 8;

		if (rdrand64(&v))
			return -1;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
	return 0;
}

/* The seal key for the blob's policy, KEYID, ISVSVN and CPUSVN. */
static int seal_key(const struct seal_blob *h, uint8_t key[16])
{
	struct sgx_keyrequest req;

	memset(&req, 0, sizeof(req));
	req.keyname = SGX_KEYNAME_SEAL;
	req.keypolicy = h->keypolicy;
	req.isv_svn = h->isvsvn;
	memcpy(req.cpusvn, h->cpusvn, sizeof(req.cpusvn));
	req.attribute_mask.flags = SGX_ATTR_INIT | SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT;
	memcpy(req.keyid, h->keyid, sizeof(req.keyid));
	return sdk_egetkey(&req, key);
}

static long ecall_seal(void *untrusted)
{
	struct seal_args *u = untrusted, a;
	static uint8_t text[SEAL_MAX_TEXT];
	static uint8_t out[sizeof(struct seal_blob) + SEAL_MAX_TEXT];
	struct seal_blob *b = (struct seal_blob *)out;
	struct sgx_report self;
	uint8_t key[16];
	int r;

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	memcpy(&a, u, sizeof(a));
	if (a.text_len > SEAL_MAX_TEXT || !sdk_is_outside_enclave(a.text, a.text_len) ||
	    !sdk_is_outside_enclave(a.blob, a.blob_cap) ||
	    a.blob_cap < sizeof(*b) + a.text_len ||
	    (a.keypolicy != SGX_KEYPOLICY_MRENCLAVE && a.keypolicy != SGX_KEYPOLICY_MRSIGNER))
		return -1;
	memcpy(text, a.text, a.text_len);

	sdk_self_report(&self);
	memset(b, 0, sizeof(*b));
	memcpy(b->magic, SEAL_MAGIC, 8);
	b->keypolicy = a.keypolicy;
	b->isvsvn = self.body.isv_svn;
	b->len = a.text_len;
	memcpy(b->cpusvn, self.body.cpusvn, 16);
	if (random_bytes(b->keyid, sizeof(b->keyid)) || random_bytes(b->iv, sizeof(b->iv)))
		return -2;
	r = seal_key(b, key);
	if (r) {
		sdk_printf("enclave (%s): EGETKEY failed: %d\n", variant, r);
		return -3;
	}
	sdk_aes128_gcm_encrypt(key, b->iv, b, __builtin_offsetof(struct seal_blob, tag), text,
			       a.text_len, b->data, b->tag);
	sdk_memzero(key, sizeof(key));
	sdk_memzero(text, sizeof(text));
	sdk_printf("enclave (%s): sealed %u bytes under the %s policy\n", variant, a.text_len,
		   a.keypolicy == SGX_KEYPOLICY_MRENCLAVE ? "MRENCLAVE" : "MRSIGNER");
	memcpy(a.blob, b, sizeof(*b) + a.text_len);
	u->blob_len = (uint32_t)(sizeof(*b) + a.text_len);
	return 0;
}

static long ecall_unseal(void *untrusted)
{
	struct unseal_args *u = untrusted, a;
	static uint8_t in[sizeof(struct seal_blob) + SEAL_MAX_TEXT];
	static uint8_t text[SEAL_MAX_TEXT];
	struct seal_blob *b = (struct seal_blob *)in;
	uint8_t key[16];
	int r;

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	memcpy(&a, u, sizeof(a));
	if (a.blob_len < sizeof(*b) || a.blob_len > sizeof(in) ||
	    !sdk_is_outside_enclave(a.blob, a.blob_len) ||
	    !sdk_is_outside_enclave(a.text, a.text_cap))
		return -1;
	memcpy(in, a.blob, a.blob_len);
	if (memcmp(b->magic, SEAL_MAGIC, 8) || b->len != a.blob_len - sizeof(*b) ||
	    b->len > a.text_cap)
		return -1;
	r = seal_key(b, key);
	if (r) {
		sdk_printf("enclave (%s): EGETKEY refused the request: SGX error %d\n", variant, r);
		return -3;
	}
	r = sdk_aes128_gcm_decrypt(key, b->iv, b, __builtin_offsetof(struct seal_blob, tag),
				   b->data, b->len, b->tag, text);
	sdk_memzero(key, sizeof(key));
	if (r) {
		sdk_printf("enclave (%s): unseal FAILED: the GCM tag does not verify "
			   "(this enclave derives a different %s seal key)\n", variant,
			   b->keypolicy == SGX_KEYPOLICY_MRENCLAVE ? "MRENCLAVE" : "MRSIGNER");
		return -4;
	}
	sdk_printf("enclave (%s): unsealed %u bytes (%s policy)\n", variant, b->len,
		   b->keypolicy == SGX_KEYPOLICY_MRENCLAVE ? "MRENCLAVE" : "MRSIGNER");
	memcpy(a.text, text, b->len);
	sdk_memzero(text, b->len);
	u->text_len = b->len;
	return 0;
}

SDK_ECALLS(ecall_seal, ecall_unseal);
