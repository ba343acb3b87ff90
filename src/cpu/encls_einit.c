/*
 * encls_einit.c - EINIT: SIGSTRUCT checks, launch control, finalization.
 *
 * The order of the checks decides which error software sees, so it follows
 * fact sheet section 7.3 step by step. The running measurement is finalized
 * on a copy: a failed EINIT leaves the SECS exactly as it was.
 */
#include <string.h>

#include "cpu/encls.h"

/* Step 3: the fixed fields. HEADER bytes 12..15 may carry the SDK's TYPE
 * bit 31 (UNVERIFIED: real hardware loads SDK-signed enclaves with it). */
static bool sigstruct_fixed_fields_ok(const struct sgx_sigstruct *sig)
{
	static const uint8_t header[16] = SGX_SIGSTRUCT_HEADER_BYTES;
	static const uint8_t header2[16] = SGX_SIGSTRUCT_HEADER2_BYTES;
	uint32_t type;

	memcpy(&type, sig->header.header + 12, 4);
	if (memcmp(sig->header.header, header, 12) || (type != 0 && type != 0x80000000u))
		return false;
	if (sig->header.vendor != 0 && sig->header.vendor != SGX_SIGSTRUCT_VENDOR_INTEL)
		return false;
	if (memcmp(sig->header.header2, header2, 16) || sig->exponent != 3)
		return false;
	/* Reserved space, including the CET fields of a CPU without CET. */
	return mem_all_zero(sig->header.reserved, sizeof(sig->header.reserved)) &&
	       !sig->body.cet_attributes && !sig->body.cet_attributes_mask &&
	       mem_all_zero(sig->body.reserved1, sizeof(sig->body.reserved1)) &&
	       mem_all_zero(sig->body.reserved2, sizeof(sig->body.reserved2)) &&
	       mem_all_zero(sig->reserved, sizeof(sig->reserved));
}

static void lehash_bytes(const struct sgx_cpu *cpu, uint8_t out[32])
{
	for (int i = 0; i < 4; i++)
		for (int b = 0; b < 8; b++)
			out[8 * i + b] = (uint8_t)(cpu->lepubkeyhash[i] >> (8 * b));
}

/* Step 15: a token whose VALID bit is set. */
static int check_einittoken(struct sgx_cpu *cpu, const struct sgx_einittoken *tok,
			    const struct sgx_secs *secs, const uint8_t mrenclave[32],
			    const uint8_t mrsigner[32])
{
	uint8_t key[16], mac[16];

	if ((tok->masked_attributes_le.flags & SGX_ATTR_DEBUG) &&
	    !(secs->attributes.flags & SGX_ATTR_DEBUG))
		return SGX_INVALID_EINITTOKEN;
	if ((tok->valid & ~1u) || !mem_all_zero(tok->reserved1, sizeof(tok->reserved1)) ||
	    !mem_all_zero(tok->reserved2, sizeof(tok->reserved2)) ||
	    !mem_all_zero(tok->reserved3, sizeof(tok->reserved3)) ||
	    !mem_all_zero(tok->reserved4, sizeof(tok->reserved4)))
		return SGX_INVALID_EINITTOKEN;
	if (!cpusvn_ok(cpu, tok->cpusvn_le))
		return SGX_INVALID_CPUSVN;
	sgx_einittoken_key(cpu, tok, key);
	sgx_cmac(key, tok, 192, mac);
	if (memcmp(mac, tok->mac, sizeof(mac)))
		return SGX_INVALID_EINITTOKEN;
	if (memcmp(tok->mrenclave, mrenclave, 32) || memcmp(tok->mrsigner, mrsigner, 32))
		return SGX_INVALID_MEASUREMENT;
	/* The pseudo-code's SGX_INVALID_EINIT_ATTRIBUTE is not in the code table;
	 * SGX_INVALID_ATTRIBUTE is the plausible value (UNVERIFIED). */
	if (memcmp(&tok->attributes, &secs->attributes, sizeof(tok->attributes)))
		return SGX_INVALID_ATTRIBUTE;
	return 0;
}

int __einit(struct sgx_cpu *cpu, uint64_t rbx, uint64_t rcx, uint64_t rdx, struct sgx_fault *f)
{
	struct sgx_sigstruct sig;
	struct sgx_einittoken tok;
	struct sgx_secs_hidden *hidden;
	struct sgx_secs *secs;
	uint8_t padding[352], mrenclave[32], mrsigner[32], lehash[32];
	struct sgx_attributes masked_secs, masked_sig;
	SHA256_CTX final;
	int64_t frame;
	int ret;

	/* 1-2: alignment, EPC, copy in. */
	if (!is_aligned(rbx, SGX_PAGE_SIZE) || !is_aligned(rcx, SGX_PAGE_SIZE) ||
	    !is_aligned(rdx, 512))
		return fault_gp(f);
	frame = epc_frame(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, true);
	memcpy(&sig, (const void *)(uintptr_t)rbx, sizeof(sig));
	memcpy(&tok, (const void *)(uintptr_t)rdx, SGX_EINITTOKEN_SIZE);

	/* 3, 5: the SIGSTRUCT itself. */
	if (!sigstruct_fixed_fields_ok(&sig))
		return SGX_INVALID_SIG_STRUCT;
	if (sgx_sigstruct_verify(&sig, padding))
		return SGX_INVALID_SIGNATURE;

	/* 6: the SECS. */
	if (secs_frame_of(cpu, rcx) < 0)
		return fault_epcm(f, rcx, true);
	secs = secs_page(cpu, frame);
	hidden = cpu->hidden[frame];
	if (secs->attributes.flags & SGX_ATTR_INIT)
		return fault_gp(f);

	/* 7: KSS identity fields need a KSS enclave. */
	if (!(secs->attributes.flags & SGX_ATTR_KSS) &&
	    (!mem_all_zero(sig.body.isv_family_id, 16) || !mem_all_zero(sig.body.isv_ext_prod_id, 16)))
		return SGX_INVALID_SIG_STRUCT;

	/* 8-9: measurement and signer. */
	final = hidden->mrenclave;
	SHA256_Final(mrenclave, &final);
	if (memcmp(mrenclave, sig.body.mrenclave, 32))
		return SGX_INVALID_MEASUREMENT;
	sgx_mrsigner(sig.modulus, mrsigner);
	lehash_bytes(cpu, lehash);

	/* 10-12: attributes. */
	if ((secs->attributes.flags & SGX_ATTR_EINITTOKENKEY) && memcmp(mrsigner, lehash, 32))
		return SGX_INVALID_ATTRIBUTE;
	masked_secs.flags = secs->attributes.flags & sig.body.attributes_mask.flags;
	masked_secs.xfrm = secs->attributes.xfrm & sig.body.attributes_mask.xfrm;
	masked_sig.flags = sig.body.attributes.flags & sig.body.attributes_mask.flags;
	masked_sig.xfrm = sig.body.attributes.xfrm & sig.body.attributes_mask.xfrm;
	if (memcmp(&masked_secs, &masked_sig, sizeof(masked_secs)))
		return SGX_INVALID_ATTRIBUTE;
	if ((secs->miscselect & sig.body.misc_mask) !=
	    (sig.body.miscselect & sig.body.misc_mask))
		return SGX_INVALID_ATTRIBUTE;

	/* 14-15: launch control. */
	if (!(tok.valid & 1)) {
		if (memcmp(mrsigner, lehash, 32))
			return SGX_INVALID_EINITTOKEN;
	} else {
		ret = check_einittoken(cpu, &tok, secs, mrenclave, mrsigner);
		if (ret)
			return ret;
	}

	/* 16: commit. */
	memcpy(secs->mrenclave, mrenclave, 32);
	memcpy(secs->mrsigner, mrsigner, 32);
	secs->isv_prod_id = sig.body.isv_prod_id;
	secs->isv_svn = sig.body.isv_svn;
	memcpy(hidden->isv_family_id, sig.body.isv_family_id, 16);
	memcpy(hidden->isv_ext_prod_id, sig.body.isv_ext_prod_id, 16);
	memcpy(hidden->padding, padding, sizeof(padding));
	secs->attributes.flags |= SGX_ATTR_INIT;
	return 0;
}
