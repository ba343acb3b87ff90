/*
 * test_encls_errors.c - the error paths of ECREATE, EADD, EEXTEND, EINIT,
 * EREMOVE, EDBGRD and EDBGWR. Each case builds a small valid enclave, makes
 * one thing wrong, and asserts the exact outcome (error code or fault
 * vector) and that a failed leaf left the EPC frames, their EPCM entries,
 * the running MRENCLAVE and the child count untouched.
 *
 * Expected outcomes and check order follow the fact sheet (sgx-facts.md
 * sections 2-7, 11.5, 11.6, 12). Where the fact sheet leaves room for
 * interpretation, the case says so in a comment ("READING:").
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpuhelp.h"
#include "util/expect_leaf.h"
#include "util/sigsign.h"

#define GP (SGX_LEAF_FAULT | X86_TRAP_GP)
#define PF (SGX_LEAF_FAULT | X86_TRAP_PF)

/* Frames of the standard enclave; 4.. are free. */
#define F_SECS 0
#define F_REG 1
#define F_TCS 2
#define F_FREE 3
#define F_SECS2 5
#define F_REG2 6
#define NSNAP 10

#define ENCL_SIZE 0x4000ull

struct ctx {
	struct sgx_cpu *cpu;
	struct th_encl e;
	struct sgx_sigstruct *sig;  /* 4096-aligned */
	struct sgx_einittoken *tok; /* 512-aligned */
	uint8_t mrenclave[32];
	uint8_t key_mrsigner[32];
	uint8_t page[4096];         /* source of the REG page */
	char key[4096];
};

static struct ctx C;
static struct sgx_fault lf;
static const uint64_t snap_frames[NSNAP] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static void teardown(void)
{
	if (C.cpu)
		sgx_cpu_destroy(C.cpu);
	free(C.sig);
	free(C.tok);
	memset(&C, 0, sizeof(C));
}

TestSuite(encls, .fini = teardown);

/*
 * Run one leaf call, assert its outcome and, if it failed, that the EPC
 * frames 0..NSNAP-1, their EPCM entries, MRENCLAVEs and child counts are
 * unchanged.
 */
#define EXPECT_LEAF(want, call, desc) \
	TH_EXPECT_LEAF(C.cpu, snap_frames, NSNAP, &lf, want, call, desc)

static uint64_t A(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static uint64_t epc(uint64_t frame)
{
	return sgx_epc_frame_addr(C.cpu, frame);
}

static void new_cpu(const char *features)
{
	char err[256];
	const char *dir = th_vectors_dir();

	cr_assert(dir, "SGXEMU_TESTVECTORS is not set: point it at shared/testvectors "
		       "(the tests sign with its test-signing-key.pem)");
	snprintf(C.key, sizeof(C.key), "%s/test-signing-key.pem", dir);
	C.cpu = th_cpu_new(features, err, sizeof(err));
	cr_assert(C.cpu, "cannot create the CPU: %s", err);
	C.sig = th_alloc(4096, sizeof(*C.sig));
	C.tok = th_alloc(512, sizeof(*C.tok));
	{
		uint8_t mod[SGX_MODULUS_SIZE];

		cr_assert_eq(ts_key_modulus(C.key, mod, err, sizeof(err)), 0, "%s", err);
		sgx_mrsigner(mod, C.key_mrsigner);
	}
}

static void resign(void)
{
	char err[256];

	cr_assert_eq(ts_sign(C.sig, C.key, err, sizeof(err)), 0, "signing failed: %s", err);
}

/*
 * The standard enclave: SIZE 0x4000 at 0x4000, SSAFRAMESIZE 1, XFRM 3,
 * ATTRIBUTES attrs, MISCSELECT misc; a measured R|W page (byte i = 3i+1,
 * byte 0x100 xor tweak) at offset 0 in frame 1 and an unmeasured TCS at
 * 0x1000 in frame 2. SIGSTRUCT signed for it (ISVPRODID 7, ISVSVN 3, masks
 * 0); LE-hash MSRs = the test key's MRSIGNER if set_msrs.
 */
static void build(const char *features, uint64_t attrs, uint32_t misc, uint8_t tweak,
		  bool set_msrs)
{
	struct sgx_secs *s;
	int rc;

	new_cpu(features);
	for (int i = 0; i < 4096; i++)
		C.page[i] = (uint8_t)(3 * i + 1);
	C.page[0x100] ^= tweak;
	s = th_secs_template(ENCL_SIZE);
	s->attributes.flags = attrs;
	s->miscselect = misc;
	rc = th_ecreate(&C.e, C.cpu, F_SECS, s, &lf);
	free(s);
	cr_assert_eq(rc, 0, "setup ECREATE: %s", th_outcome(rc, &lf));
	rc = th_eadd(&C.e, F_REG, 0, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W, C.page, &lf);
	cr_assert_eq(rc, 0, "setup EADD REG: %s", th_outcome(rc, &lf));
	rc = th_eextend_page(&C.e, F_REG, &lf);
	cr_assert_eq(rc, 0, "setup EEXTEND: %s", th_outcome(rc, &lf));
	rc = th_eadd(&C.e, F_TCS, 0x1000, SGX_SECINFO_TCS, NULL, &lf);
	cr_assert_eq(rc, 0, "setup EADD TCS: %s", th_outcome(rc, &lf));
	cr_assert_eq(sgx_secs_peek_mrenclave(C.cpu, F_SECS, C.mrenclave), 0);

	ts_sigstruct_init(C.sig, C.mrenclave);
	C.sig->body.isv_prod_id = 7;
	C.sig->body.isv_svn = 3;
	resign();
	if (set_msrs)
		cr_assert_eq(th_set_lehash(C.cpu, C.key_mrsigner), 0, "LE-hash MSR write failed");
}

static void std_build(void)
{
	build(NULL, SGX_ATTR_MODE64BIT, 0, 0, true);
}

static int einit(void)
{
	return sgx_einit(C.cpu, A(C.sig), C.e.secs, A(C.tok), &lf);
}

static void einit_ok(void)
{
	int rc = einit();

	cr_assert_eq(rc, 0, "setup EINIT: %s", th_outcome(rc, &lf));
}

/* ======================= EINIT ======================= */

Test(encls, einit_success_sets_secs_fields)
{
	const struct sgx_secs *secs;

	std_build();
	EXPECT_LEAF(0, einit(), "EINIT of a valid enclave");
	secs = (const void *)(uintptr_t)C.e.secs;
	cr_assert(!memcmp(secs->mrenclave, C.mrenclave, 32), "SECS.MRENCLAVE");
	cr_assert(!memcmp(secs->mrsigner, C.key_mrsigner, 32), "SECS.MRSIGNER");
	cr_assert_eq(secs->isv_prod_id, 7, "SECS.ISVPRODID");
	cr_assert_eq(secs->isv_svn, 3, "SECS.ISVSVN");
	cr_assert_eq(secs->attributes.flags, SGX_ATTR_MODE64BIT | SGX_ATTR_INIT);
}

Test(encls, einit_flipped_signature_bit)
{
	std_build();
	C.sig->signature[100] ^= 0x10;
	EXPECT_LEAF(SGX_INVALID_SIGNATURE, einit(), "EINIT, signature bit flipped");
}

Test(encls, einit_bad_q1)
{
	/* READING: the fact sheet (7.1) recommends treating a wrong Q1/Q2 as
	 * SGX_INVALID_SIGNATURE; hardware behaviour is UNVERIFIED. */
	std_build();
	C.sig->q1[0] ^= 1;
	EXPECT_LEAF(SGX_INVALID_SIGNATURE, einit(), "EINIT, Q1 changed");
}

Test(encls, einit_signed_body_changed_without_resign)
{
	std_build();
	C.sig->body.isv_svn = 4;
	EXPECT_LEAF(SGX_INVALID_SIGNATURE, einit(), "EINIT, signed ISVSVN changed");
}

Test(encls, einit_changed_page_invalid_measurement)
{
	struct sgx_sigstruct *good = th_alloc(4096, sizeof(*good));

	/* SIGSTRUCT for the standard content, enclave built with one byte changed. */
	std_build();
	memcpy(good, C.sig, sizeof(*good));
	teardown();
	build(NULL, SGX_ATTR_MODE64BIT, 0, 0x80, true);
	memcpy(C.sig, good, sizeof(*good));
	free(good);
	EXPECT_LEAF(SGX_INVALID_MEASUREMENT, einit(), "EINIT, page differs from the signed one");
}

Test(encls, einit_attribute_mask_mismatch)
{
	std_build();
	C.sig->body.attributes.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	C.sig->body.attributes_mask.flags = SGX_ATTR_DEBUG;
	resign();
	EXPECT_LEAF(SGX_INVALID_ATTRIBUTE, einit(), "EINIT, SIG wants DEBUG, SECS has none");
}

Test(encls, einit_xfrm_mask_mismatch)
{
	std_build();
	C.sig->body.attributes.xfrm = 0x7;
	C.sig->body.attributes_mask.xfrm = 0x4;
	resign();
	EXPECT_LEAF(SGX_INVALID_ATTRIBUTE, einit(), "EINIT, masked XFRM differs");
}

Test(encls, einit_attribute_mask_match_succeeds)
{
	std_build();
	C.sig->body.attributes.flags = SGX_ATTR_MODE64BIT | 0x100; /* outside the mask */
	C.sig->body.attributes_mask.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	C.sig->body.attributes_mask.xfrm = 0x3;
	resign();
	EXPECT_LEAF(0, einit(), "EINIT, masked attributes equal");
}

Test(encls, einit_miscselect_mask_mismatch)
{
	std_build();
	C.sig->body.miscselect = SGX_MISC_EXINFO;
	C.sig->body.misc_mask = SGX_MISC_EXINFO;
	resign();
	EXPECT_LEAF(SGX_INVALID_ATTRIBUTE, einit(), "EINIT, masked MISCSELECT differs");
}

Test(encls, einit_einittokenkey_signer_not_in_msrs)
{
	/* MSRs keep Intel's hash; EINITTOKENKEY needs the LE signer (step 10),
	 * which comes before the token check (step 14, which would give 16). */
	build(NULL, SGX_ATTR_MODE64BIT | SGX_ATTR_EINITTOKENKEY, 0, 0, false);
	EXPECT_LEAF(SGX_INVALID_ATTRIBUTE, einit(), "EINIT, EINITTOKENKEY from a non-LE signer");
}

Test(encls, einit_einittokenkey_signer_in_msrs)
{
	build(NULL, SGX_ATTR_MODE64BIT | SGX_ATTR_EINITTOKENKEY, 0, 0, true);
	EXPECT_LEAF(0, einit(), "EINIT, EINITTOKENKEY from the LE signer");
}

Test(encls, einit_signer_not_in_msrs_no_token)
{
	build(NULL, SGX_ATTR_MODE64BIT, 0, 0, false);
	EXPECT_LEAF(SGX_INVALID_EINITTOKEN, einit(), "EINIT, foreign signer, token.VALID = 0");
}

/* A token for the standard enclave, MAC'd with the CPU's EINITTOKEN key. */
static void make_token(void)
{
	uint8_t key[16];

	memset(C.tok, 0, sizeof(*C.tok));
	C.tok->valid = 1;
	C.tok->attributes.flags = C.e.attributes;
	C.tok->attributes.xfrm = C.e.xfrm;
	memcpy(C.tok->mrenclave, C.mrenclave, 32);
	memcpy(C.tok->mrsigner, C.key_mrsigner, 32);
	memset(C.tok->keyid, 0x33, sizeof(C.tok->keyid));
	sgx_einittoken_key(C.cpu, C.tok, key);
	sgx_cmac(key, C.tok, 192, C.tok->mac);
}

Test(encls, einit_valid_token_admits_foreign_signer)
{
	const struct sgx_secs *secs;

	build(NULL, SGX_ATTR_MODE64BIT, 0, 0, false);
	make_token();
	EXPECT_LEAF(0, einit(), "EINIT, foreign signer with a valid EINITTOKEN");
	secs = (const void *)(uintptr_t)C.e.secs;
	cr_assert(!memcmp(secs->mrsigner, C.key_mrsigner, 32), "SECS.MRSIGNER");
}

Test(encls, einit_token_mac_flipped)
{
	build(NULL, SGX_ATTR_MODE64BIT, 0, 0, false);
	make_token();
	C.tok->mac[5] ^= 0x01;
	EXPECT_LEAF(SGX_INVALID_EINITTOKEN, einit(), "EINIT, EINITTOKEN MAC bit flipped");
}

Test(encls, einit_token_for_other_enclave)
{
	uint8_t key[16];

	/* Correctly MAC'd token naming another MRENCLAVE: step 15 says
	 * SGX_INVALID_MEASUREMENT. */
	build(NULL, SGX_ATTR_MODE64BIT, 0, 0, false);
	make_token();
	C.tok->mrenclave[0] ^= 1;
	sgx_einittoken_key(C.cpu, C.tok, key);
	sgx_cmac(key, C.tok, 192, C.tok->mac);
	EXPECT_LEAF(SGX_INVALID_MEASUREMENT, einit(), "EINIT, token for another MRENCLAVE");
}

Test(encls, einit_token_attributes_differ)
{
	uint8_t key[16];

	/* READING: step 15 names this SGX_INVALID_EINIT_ATTRIBUTE, not in the
	 * code table; the fact sheet says treat it as 2 (UNVERIFIED). */
	build(NULL, SGX_ATTR_MODE64BIT, 0, 0, false);
	make_token();
	C.tok->attributes.flags |= SGX_ATTR_DEBUG;
	sgx_einittoken_key(C.cpu, C.tok, key);
	sgx_cmac(key, C.tok, 192, C.tok->mac);
	EXPECT_LEAF(SGX_INVALID_ATTRIBUTE, einit(), "EINIT, token ATTRIBUTES differ");
}

Test(encls, einit_bad_header)
{
	std_build();
	C.sig->header.header[0] ^= 1;
	/* Not re-signed: the header check (step 3) precedes the signature (5). */
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, HEADER byte 0 wrong, unsigned");
	resign();
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, HEADER byte 0 wrong, re-signed");
}

Test(encls, einit_bad_header2)
{
	std_build();
	C.sig->header.header2[4] = 0x61;
	resign();
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, HEADER2 wrong");
}

Test(encls, einit_bad_exponent)
{
	std_build();
	C.sig->exponent = 65537;
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, EXPONENT 65537");
}

Test(encls, einit_bad_vendor)
{
	std_build();
	C.sig->header.vendor = 0x1234;
	resign();
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, VENDOR 0x1234");
}

Test(encls, einit_vendor_intel_ok)
{
	std_build();
	C.sig->header.vendor = SGX_SIGSTRUCT_VENDOR_INTEL;
	resign();
	EXPECT_LEAF(0, einit(), "EINIT, VENDOR 0x8086");
}

Test(encls, einit_reserved_header_bytes)
{
	std_build();
	C.sig->header.reserved[10] = 1;
	resign();
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, SIGSTRUCT reserved byte 54 set");
}

Test(encls, einit_isvfamilyid_without_kss)
{
	/* Step 7: ISVFAMILYID != 0 while SECS.ATTRIBUTES.KSS = 0. */
	std_build();
	C.sig->body.isv_family_id[0] = 1;
	resign();
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, ISVFAMILYID without KSS");
}

Test(encls, einit_check_order)
{
	std_build();
	/* Bad signature and bad measurement: signature (5) before measurement (8). */
	C.sig->body.mrenclave[0] ^= 1;
	EXPECT_LEAF(SGX_INVALID_SIGNATURE, einit(), "EINIT, bad signature + bad hash");
	/* Bad measurement and bad attributes: measurement (8) before attributes (11). */
	C.sig->body.attributes_mask.flags = SGX_ATTR_DEBUG;
	C.sig->body.attributes.flags = SGX_ATTR_DEBUG;
	resign();
	EXPECT_LEAF(SGX_INVALID_MEASUREMENT, einit(), "EINIT, bad hash + bad attributes");
	/* Bad attributes and foreign signer: attributes (11) before MSRs (14). */
	C.sig->body.mrenclave[0] ^= 1;
	resign();
	cr_assert_eq(sgx_wrmsr(C.cpu, MSR_IA32_SGXLEPUBKEYHASH0, 0), 0);
	EXPECT_LEAF(SGX_INVALID_ATTRIBUTE, einit(), "EINIT, bad attributes + foreign signer");
	/* Bad header and bad signature: header (3) first. */
	C.sig->exponent = 5;
	C.sig->signature[0] ^= 1;
	EXPECT_LEAF(SGX_INVALID_SIG_STRUCT, einit(), "EINIT, bad exponent + bad signature");
}

Test(encls, einit_twice)
{
	std_build();
	einit_ok();
	EXPECT_LEAF(GP, einit(), "second EINIT");
}

Test(encls, einit_misaligned_operands)
{
	uint8_t *buf = th_alloc(4096, 8192);

	std_build();
	memcpy(buf + 0x800, C.sig, sizeof(*C.sig));
	EXPECT_LEAF(GP, sgx_einit(C.cpu, A(buf + 0x800), C.e.secs, A(C.tok), &lf),
		    "EINIT, SIGSTRUCT not 4K-aligned");
	memcpy(buf + 0x100, C.tok, sizeof(*C.tok));
	EXPECT_LEAF(GP, sgx_einit(C.cpu, A(C.sig), C.e.secs, A(buf + 0x100), &lf),
		    "EINIT, EINITTOKEN not 512-aligned");
	EXPECT_LEAF(GP, sgx_einit(C.cpu, A(C.sig), C.e.secs + 0x800, A(C.tok), &lf),
		    "EINIT, SECS not 4K-aligned");
	free(buf);
}

Test(encls, einit_secs_not_a_secs)
{
	uint8_t *page = th_alloc(4096, 4096);

	std_build();
	EXPECT_LEAF(PF, sgx_einit(C.cpu, A(C.sig), A(page), A(C.tok), &lf),
		    "EINIT, RCX not in the EPC");
	EXPECT_LEAF(PF, sgx_einit(C.cpu, A(C.sig), epc(F_REG), A(C.tok), &lf),
		    "EINIT, RCX is a PT_REG page");
	EXPECT_LEAF(PF, sgx_einit(C.cpu, A(C.sig), epc(F_FREE), A(C.tok), &lf),
		    "EINIT, RCX is an invalid EPC page");
	free(page);
}

/* ======================= EADD ======================= */

struct eadd_args {
	size_t pi_off, si_off, src_off;
	uint64_t linaddr, secs, rcx, flags;
	uint8_t si_reserved0; /* SECINFO byte 8 */
};

static struct eadd_args eadd_std(uint64_t frame, uint64_t offset, uint64_t flags)
{
	struct eadd_args a = {
		.linaddr = C.e.base + offset, .secs = C.e.secs, .rcx = epc(frame), .flags = flags,
	};
	return a;
}

static int eadd_raw(const struct eadd_args *a)
{
	uint8_t *pib = th_alloc(4096, 4096), *sib = th_alloc(4096, 4096);
	uint8_t *src = th_alloc(4096, 8192);
	struct sgx_pageinfo pi;
	struct sgx_secinfo si;
	int rc;

	/* The operands may be deliberately misaligned: build them here and copy
	 * them into place byte-wise. */
	memset(src, 0x5c, 8192);
	memset(&si, 0, sizeof(si));
	si.flags = a->flags;
	si.reserved[0] = a->si_reserved0;
	memcpy(sib + a->si_off, &si, sizeof(si));
	memset(&pi, 0, sizeof(pi));
	pi.addr = a->linaddr;
	pi.contents = A(src + a->src_off);
	pi.metadata = A(sib + a->si_off);
	pi.secs = a->secs;
	memcpy(pib + a->pi_off, &pi, sizeof(pi));
	rc = sgx_eadd(C.cpu, A(pib + a->pi_off), a->rcx, &lf);
	free(pib);
	free(sib);
	free(src);
	return rc;
}

#define REG_RW (SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W)

Test(encls, eadd_control_succeeds)
{
	struct eadd_args a;
	struct sgx_epcm_info info;

	std_build();
	a = eadd_std(F_FREE, 0x2000, REG_RW | SGX_SECINFO_X);
	EXPECT_LEAF(0, eadd_raw(&a), "EADD of a valid page");
	cr_assert_eq(sgx_epcm_query(C.cpu, F_FREE, &info), 0);
	cr_assert(info.valid && info.type == SGX_PT_REG && info.perm == 7 &&
		  info.linaddr == C.e.base + 0x2000 && info.secs_frame == F_SECS,
		  "EPCM after EADD: valid %d type %u perm %u linaddr 0x%llx secs %llu", info.valid,
		  info.type, info.perm, (unsigned long long)info.linaddr,
		  (unsigned long long)info.secs_frame);
	cr_assert_eq(sgx_secs_nr_children(C.cpu, F_SECS), 3);
}

Test(encls, eadd_after_einit)
{
	struct eadd_args a;

	std_build();
	einit_ok();
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD after EINIT");
}

Test(encls, eadd_outside_elrange)
{
	struct eadd_args a;

	std_build();
	a = eadd_std(F_FREE, ENCL_SIZE, REG_RW);
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD at BASEADDR + SIZE");
	a.linaddr = C.e.base - 0x1000;
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD below BASEADDR");
}

Test(encls, eadd_misaligned_operands)
{
	struct eadd_args a;

	std_build();
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.pi_off = 16;
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD, PAGEINFO not 32-aligned");
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.si_off = 32;
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD, SECINFO not 64-aligned");
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.src_off = 0x800;
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD, SRCPGE not 4K-aligned");
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.linaddr += 0x10;
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD, LINADDR not 4K-aligned");
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.rcx += 0x400;
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD, RCX not 4K-aligned");
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.secs += 0x40;
	EXPECT_LEAF(GP, eadd_raw(&a), "EADD, PAGEINFO.SECS not 4K-aligned");
}

Test(encls, eadd_rcx_not_epc)
{
	uint8_t *page = th_alloc(4096, 4096);
	struct eadd_args a;

	std_build();
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.rcx = A(page);
	EXPECT_LEAF(PF, eadd_raw(&a), "EADD, RCX not in the EPC");
	/* READING: #PF(RCX) reports the faulting operand's address. */
	cr_assert_eq(lf.addr, A(page), "#PF address 0x%llx, expected RCX 0x%llx",
		     (unsigned long long)lf.addr, (unsigned long long)A(page));
	free(page);
}

Test(encls, eadd_to_valid_page)
{
	struct eadd_args a;

	std_build();
	a = eadd_std(F_REG, 0x2000, REG_RW);
	EXPECT_LEAF(PF, eadd_raw(&a), "EADD to an already valid EPC page (REG)");
	cr_assert_eq(lf.addr, epc(F_REG), "#PF address 0x%llx, expected RCX",
		     (unsigned long long)lf.addr);
	a = eadd_std(F_SECS, 0x2000, REG_RW);
	EXPECT_LEAF(PF, eadd_raw(&a), "EADD to the enclave's own SECS page");
}

Test(encls, eadd_pageinfo_secs_not_secs)
{
	struct eadd_args a;

	std_build();
	a = eadd_std(F_FREE, 0x2000, REG_RW);
	a.secs = epc(F_REG);
	EXPECT_LEAF(PF, eadd_raw(&a), "EADD, PAGEINFO.SECS is a PT_REG page");
	a.secs = epc(F_FREE + 1);
	EXPECT_LEAF(PF, eadd_raw(&a), "EADD, PAGEINFO.SECS is an invalid EPC page");
}

Test(encls, eadd_bad_page_types)
{
	static const struct {
		uint64_t flags;
		uint8_t res0;
		const char *what;
	} cases[] = {
		{ SGX_PT_SECS << 8 | SGX_SECINFO_R, 0, "PT_SECS" },
		{ SGX_PT_VA << 8, 0, "PT_VA" },
		{ SGX_PT_TRIM << 8, 0, "PT_TRIM" },
		{ SGX_PT_TRIM << 8 | SGX_SECINFO_MODIFIED, 0, "PT_TRIM|MODIFIED" },
		{ 7 << 8 | SGX_SECINFO_R, 0, "page type 7" },
		{ SGX_SECINFO_REG | SGX_SECINFO_W, 0, "PT_REG W without R" },
		{ SGX_SECINFO_REG | SGX_SECINFO_W | SGX_SECINFO_X, 0, "PT_REG WX without R" },
		{ REG_RW | 0x40, 0, "SECINFO.FLAGS bit 6" },
		{ REG_RW | 0x80, 0, "SECINFO.FLAGS bit 7" },
		{ REG_RW | 1ull << 16, 0, "SECINFO.FLAGS bit 16" },
		{ REG_RW | 1ull << 63, 0, "SECINFO.FLAGS bit 63" },
		{ REG_RW, 1, "SECINFO byte 8 (reserved)" },
	};
	char desc[128];

	/* PT_SS_FIRST/REST need CET, which this CPU model does not enumerate:
	 * READING: they are #GP like any other type that is not REG/TCS. */
	std_build();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eadd_args a = eadd_std(F_FREE, 0x2000, cases[i].flags);

		a.si_reserved0 = cases[i].res0;
		snprintf(desc, sizeof(desc), "EADD with SECINFO %s (0x%llx)", cases[i].what,
			 (unsigned long long)cases[i].flags);
		EXPECT_LEAF(GP, eadd_raw(&a), desc);
	}
}

Test(encls, eadd_tcs_fixups_and_perm)
{
	uint8_t src[4096] = { 0 };
	struct sgx_epcm_info info;
	const struct sgx_tcs *tcs;

	std_build();
	src[0] = 1;    /* STATE */
	src[8] = 1;    /* FLAGS.DBGOPTIN */
	src[24] = 3;   /* CSSA */
	src[40] = 0x7; /* AEP */
	src[28] = 1;   /* NSSA kept */
	EXPECT_LEAF(0, th_eadd(&C.e, F_FREE, 0x2000, SGX_SECINFO_TCS | 7, src, &lf),
		    "EADD of a TCS with SECINFO R|W|X and STATE/DBGOPTIN/CSSA/AEP set");
	tcs = (const void *)(uintptr_t)epc(F_FREE);
	cr_assert(tcs->state == 0 && tcs->flags == 0 && tcs->ssa_index == 0 && tcs->exit_addr == 0,
		  "TCS fixups not applied (state %llu flags %llu cssa %u aep %llu)",
		  (unsigned long long)tcs->state, (unsigned long long)tcs->flags, tcs->ssa_index,
		  (unsigned long long)tcs->exit_addr);
	cr_assert_eq(tcs->nr_ssa_frames, 1);
	cr_assert_eq(sgx_epcm_query(C.cpu, F_FREE, &info), 0);
	cr_assert(info.valid && info.type == SGX_PT_TCS && info.perm == 0,
		  "EPCM of a TCS: type %u perm %u", info.type, info.perm);
}

/* ======================= ECREATE ======================= */

static int ecreate_tmpl(struct sgx_secs *s)
{
	int rc = th_ecreate_raw(C.cpu, F_SECS, s, 0, 0, SGX_SECINFO_SECS, &lf);

	free(s);
	return rc;
}

Test(encls, ecreate_control_succeeds)
{
	struct sgx_epcm_info info;

	new_cpu(NULL);
	EXPECT_LEAF(0, ecreate_tmpl(th_secs_template(0x2000)), "ECREATE of a valid SECS");
	cr_assert_eq(sgx_epcm_query(C.cpu, F_SECS, &info), 0);
	cr_assert(info.valid && info.type == SGX_PT_SECS && info.perm == 0);
	cr_assert_eq(sgx_secs_nr_children(C.cpu, F_SECS), 0);
}

Test(encls, ecreate_bad_secs_fields)
{
	struct sgx_secs *s;

	new_cpu(NULL);
	s = th_secs_template(0x3000);
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, SIZE 0x3000 not a power of two");
	s = th_secs_template(0x1000);
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, SIZE 0x1000 < 8192");
	s = th_secs_template(0);
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, SIZE 0");
	s = th_secs_template(0x4000);
	s->base = 0x2000;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, BASEADDR not aligned to SIZE");
	s = th_secs_template(1ull << 36);
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, SIZE = 2^MaxEnclaveSize_64");
	s = th_secs_template(0x2000);
	s->base = 0x0000800000000000ull;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, BASEADDR not canonical");
	s = th_secs_template(0x2000);
	s->attributes.xfrm = 0x1;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, XFRM lacks SSE");
	s = th_secs_template(0x2000);
	s->attributes.xfrm = 0x2;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, XFRM lacks x87");
	s = th_secs_template(0x2000);
	s->attributes.xfrm = 0x3 | 1ull << 63;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, XFRM bit 63");
	s = th_secs_template(0x2000);
	s->attributes.flags |= SGX_ATTR_INIT;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, ATTRIBUTES.INIT set");
	s = th_secs_template(0x2000);
	s->attributes.flags |= 0x8;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, reserved ATTRIBUTES bit 3");
	s = th_secs_template(0x2000);
	s->attributes.flags |= 1ull << 40;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, reserved ATTRIBUTES bit 40");
	s = th_secs_template(0x2000);
	s->attributes.flags |= SGX_ATTR_CET;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, CET attribute without CET");
	s = th_secs_template(0x2000);
	s->miscselect = 0x80000000u;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, unsupported MISCSELECT bit 31");
	s = th_secs_template(0x2000);
	s->ssa_frame_size = 0;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, SSAFRAMESIZE 0");
	s = th_secs_template(0x2000);
	s->reserved4[100] = 1;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, reserved SECS byte 362");
	s = th_secs_template(0x2000);
	s->reserved1[0] = 1;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, reserved SECS byte 33");
	s = th_secs_template(0x2000);
	s->reserved3[31] = 1;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, reserved SECS byte 191");
	s = th_secs_template(0x2000);
	s->cet_attributes = 1;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, CET_ATTRIBUTES without CET");
	s = th_secs_template(0x2000);
	s->cet_leg_bitmap_offset = 0x1000;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, CET_LEG_BITMAP_OFFSET without CET");
	/* Nothing was created by any of these. */
	EXPECT_LEAF(0, ecreate_tmpl(th_secs_template(0x2000)), "ECREATE after the failures");
}

Test(encls, ecreate_ssaframe_vs_xfrm)
{
	struct sgx_secs *s;
	uint64_t xfrm;
	unsigned int a, b, c, d;
	bool fits;

	/* READING: "SSA frame too small" = SSAFRAMESIZE pages cannot hold
	 * GPRSGX (184) + the XSAVE area for XFRM (+ 16 for MISC.EXINFO). With
	 * XFRM = every allowed bit, CPUID.(0xD,0):EBX (size for the enabled
	 * XCR0) decides: if it fits in one page, SSAFRAMESIZE 1 must be
	 * accepted, otherwise refused. */
	new_cpu(NULL);
	xfrm = sgx_cpu_get_config(C.cpu)->xfrm_allowed;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xD), "c"(0));
	fits = b + SGX_SSA_GPRS_SIZE + SGX_SSA_MISC_EXINFO_SIZE <= 4096;
	s = th_secs_template(0x2000);
	s->attributes.xfrm = xfrm;
	s->miscselect = SGX_MISC_EXINFO;
	EXPECT_LEAF(fits ? 0 : GP, ecreate_tmpl(s),
		    fits ? "ECREATE, SSAFRAMESIZE 1, all allowed XFRM (fits)"
			 : "ECREATE, SSAFRAMESIZE 1, all allowed XFRM (too small)");
}

Test(encls, ecreate_pageinfo_fields)
{
	struct sgx_secs *s = th_secs_template(0x2000);

	new_cpu(NULL);
	EXPECT_LEAF(GP, th_ecreate_raw(C.cpu, F_SECS, s, 0x2000, 0, SGX_SECINFO_SECS, &lf),
		    "ECREATE, PAGEINFO.LINADDR non-zero");
	EXPECT_LEAF(GP, th_ecreate_raw(C.cpu, F_SECS, s, 0, epc(F_FREE), SGX_SECINFO_SECS, &lf),
		    "ECREATE, PAGEINFO.SECS non-zero");
	EXPECT_LEAF(GP, th_ecreate_raw(C.cpu, F_SECS, s, 0, 0, SGX_SECINFO_REG | 3, &lf),
		    "ECREATE, SECINFO page type PT_REG");
	EXPECT_LEAF(GP, th_ecreate_raw(C.cpu, F_SECS, s, 0, 0, 1ull << 20, &lf),
		    "ECREATE, SECINFO reserved bit 20");
	EXPECT_LEAF(0, th_ecreate_raw(C.cpu, F_SECS, s, 0, 0, SGX_SECINFO_SECS, &lf),
		    "ECREATE control");
	EXPECT_LEAF(PF, th_ecreate_raw(C.cpu, F_SECS, s, 0, 0, SGX_SECINFO_SECS, &lf),
		    "ECREATE into a valid EPC page");
	free(s);
}

Test(encls, ecreate_kss_fields_without_kss)
{
	struct sgx_secs *s;

	new_cpu("-kss");
	s = th_secs_template(0x2000);
	s->config_id[5] = 1;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, CONFIGID without KSS");
	s = th_secs_template(0x2000);
	s->config_svn = 1;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, CONFIGSVN without KSS");
	s = th_secs_template(0x2000);
	s->attributes.flags |= SGX_ATTR_KSS;
	EXPECT_LEAF(GP, ecreate_tmpl(s), "ECREATE, KSS attribute on a CPU without KSS");
}

Test(encls, ecreate_kss_fields_with_kss)
{
	struct sgx_secs *s;

	new_cpu("+kss");
	s = th_secs_template(0x2000);
	s->attributes.flags |= SGX_ATTR_KSS;
	s->config_id[5] = 1;
	s->config_svn = 2;
	EXPECT_LEAF(0, ecreate_tmpl(s), "ECREATE, KSS enclave with CONFIGID/CONFIGSVN");
}

/* ======================= EEXTEND ======================= */

static void second_enclave(struct th_encl *e2)
{
	struct sgx_secs *s = th_secs_template(0x8000);
	int rc = th_ecreate(e2, C.cpu, F_SECS2, s, &lf);

	free(s);
	cr_assert_eq(rc, 0, "second ECREATE: %s", th_outcome(rc, &lf));
	rc = th_eadd(e2, F_REG2, 0, REG_RW, NULL, &lf);
	cr_assert_eq(rc, 0, "second EADD: %s", th_outcome(rc, &lf));
}

Test(encls, eextend_wrong_secs)
{
	struct th_encl e2;

	std_build();
	second_enclave(&e2);
	EXPECT_LEAF(GP, sgx_eextend(C.cpu, e2.secs, epc(F_REG), &lf),
		    "EEXTEND of enclave 1's page with enclave 2's SECS");
	EXPECT_LEAF(GP, sgx_eextend(C.cpu, C.e.secs, epc(F_REG2), &lf),
		    "EEXTEND of enclave 2's page with enclave 1's SECS");
	EXPECT_LEAF(0, sgx_eextend(C.cpu, e2.secs, epc(F_REG2), &lf), "EEXTEND control");
}

Test(encls, eextend_misaligned)
{
	std_build();
	EXPECT_LEAF(GP, sgx_eextend(C.cpu, C.e.secs, epc(F_REG) + 0x80, &lf),
		    "EEXTEND, chunk at +0x80");
	EXPECT_LEAF(GP, sgx_eextend(C.cpu, C.e.secs, epc(F_REG) + 0x101, &lf),
		    "EEXTEND, chunk at +0x101");
}

Test(encls, eextend_after_einit)
{
	std_build();
	einit_ok();
	EXPECT_LEAF(GP, sgx_eextend(C.cpu, C.e.secs, epc(F_REG), &lf), "EEXTEND after EINIT");
}

Test(encls, eextend_bad_pages)
{
	uint8_t *page = th_alloc(4096, 4096);

	std_build();
	EXPECT_LEAF(PF, sgx_eextend(C.cpu, C.e.secs, A(page), &lf), "EEXTEND of a non-EPC chunk");
	EXPECT_LEAF(PF, sgx_eextend(C.cpu, C.e.secs, epc(F_FREE), &lf),
		    "EEXTEND of an invalid EPC page");
	EXPECT_LEAF(PF, sgx_eextend(C.cpu, C.e.secs, epc(F_SECS), &lf),
		    "EEXTEND of the SECS page itself");
	free(page);
}

/* ======================= EREMOVE ======================= */

Test(encls, eremove)
{
	struct sgx_epcm_info info;

	std_build();
	EXPECT_LEAF(SGX_CHILD_PRESENT, sgx_eremove(C.cpu, epc(F_SECS), &lf),
		    "EREMOVE of a SECS with two children");
	EXPECT_LEAF(0, sgx_eremove(C.cpu, epc(F_REG), &lf), "EREMOVE of the REG child");
	cr_assert_eq(sgx_epcm_query(C.cpu, F_REG, &info), 0);
	cr_assert(!info.valid, "REG page still valid after EREMOVE");
	cr_assert_eq(sgx_secs_nr_children(C.cpu, F_SECS), 1);
	EXPECT_LEAF(SGX_CHILD_PRESENT, sgx_eremove(C.cpu, epc(F_SECS), &lf),
		    "EREMOVE of a SECS with one child");
	EXPECT_LEAF(0, sgx_eremove(C.cpu, epc(F_TCS), &lf), "EREMOVE of the TCS child");
	EXPECT_LEAF(0, sgx_eremove(C.cpu, epc(F_SECS), &lf), "EREMOVE of the childless SECS");
	cr_assert_eq(sgx_epcm_query(C.cpu, F_SECS, &info), 0);
	cr_assert(!info.valid, "SECS still valid after EREMOVE");
	EXPECT_LEAF(0, sgx_eremove(C.cpu, epc(F_FREE), &lf), "EREMOVE of an invalid page");
	EXPECT_LEAF(0, sgx_eremove(C.cpu, epc(F_REG), &lf), "EREMOVE of a removed page");
	/* The frame can be reused. */
	EXPECT_LEAF(0, ecreate_tmpl(th_secs_template(0x2000)), "ECREATE into a freed frame");
}

Test(encls, eremove_operands)
{
	uint8_t *page = th_alloc(4096, 4096);

	std_build();
	EXPECT_LEAF(GP, sgx_eremove(C.cpu, epc(F_REG) + 8, &lf), "EREMOVE, RCX not 4K-aligned");
	EXPECT_LEAF(PF, sgx_eremove(C.cpu, A(page), &lf), "EREMOVE, RCX not in the EPC");
	free(page);
}

/* ======================= EDBGRD / EDBGWR ======================= */

static void debug_build(void)
{
	build(NULL, SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG, 0, 0, true);
}

Test(encls, edbg_non_debug_enclave)
{
	uint64_t v = 0x1111;

	std_build();
	EXPECT_LEAF(GP, sgx_edbgrd(C.cpu, &v, epc(F_REG) + 0x10, &lf), "EDBGRD, non-debug");
	cr_assert_eq(v, 0x1111, "EDBGRD wrote its output although it faulted");
	EXPECT_LEAF(GP, sgx_edbgwr(C.cpu, 0x42, epc(F_REG) + 0x10, &lf), "EDBGWR, non-debug");
	EXPECT_LEAF(GP, sgx_edbgrd(C.cpu, &v, epc(F_TCS) + 0x10, &lf), "EDBGRD TCS, non-debug");
}

Test(encls, edbg_debug_enclave_reg)
{
	uint64_t v = 0, want;
	const uint8_t *epcp;

	debug_build();
	memcpy(&want, C.page + 0x18, 8);
	EXPECT_LEAF(0, sgx_edbgrd(C.cpu, &v, epc(F_REG) + 0x18, &lf), "EDBGRD of a REG page");
	cr_assert_eq(v, want, "EDBGRD read 0x%llx, page holds 0x%llx", (unsigned long long)v,
		     (unsigned long long)want);
	EXPECT_LEAF(0, sgx_edbgwr(C.cpu, 0x0123456789abcdefull, epc(F_REG) + 0xff8, &lf),
		    "EDBGWR of a REG page");
	epcp = (const void *)(uintptr_t)epc(F_REG);
	memcpy(&v, epcp + 0xff8, 8);
	cr_assert_eq(v, 0x0123456789abcdefull, "EDBGWR did not reach the EPC page");
	v = 0;
	EXPECT_LEAF(0, sgx_edbgrd(C.cpu, &v, epc(F_REG) + 0xff8, &lf), "EDBGRD after EDBGWR");
	cr_assert_eq(v, 0x0123456789abcdefull);
	/* Works after EINIT too. */
	einit_ok();
	EXPECT_LEAF(0, sgx_edbgrd(C.cpu, &v, epc(F_REG), &lf), "EDBGRD after EINIT");
}

Test(encls, edbg_misaligned)
{
	uint64_t v;

	debug_build();
	EXPECT_LEAF(GP, sgx_edbgrd(C.cpu, &v, epc(F_REG) + 4, &lf), "EDBGRD at +4");
	EXPECT_LEAF(GP, sgx_edbgwr(C.cpu, 1, epc(F_REG) + 0x21, &lf), "EDBGWR at +0x21");
}

Test(encls, edbg_secs_and_invalid_pages)
{
	uint64_t v;
	uint8_t *page = th_alloc(4096, 4096);

	debug_build();
	EXPECT_LEAF(PF, sgx_edbgrd(C.cpu, &v, epc(F_SECS) + 0x40, &lf), "EDBGRD of the SECS");
	EXPECT_LEAF(PF, sgx_edbgwr(C.cpu, 1, epc(F_SECS) + 0x40, &lf), "EDBGWR of the SECS");
	EXPECT_LEAF(PF, sgx_edbgrd(C.cpu, &v, epc(F_FREE), &lf), "EDBGRD of an invalid page");
	EXPECT_LEAF(PF, sgx_edbgrd(C.cpu, &v, A(page), &lf), "EDBGRD outside the EPC");
	free(page);
}

Test(encls, edbg_tcs)
{
	uint64_t v = 0;
	const struct sgx_tcs *tcs;

	debug_build();
	EXPECT_LEAF(GP, sgx_edbgwr(C.cpu, 0x2000, epc(F_TCS) + 0x10, &lf), "EDBGWR of TCS.OSSA");
	EXPECT_LEAF(GP, sgx_edbgwr(C.cpu, 0, epc(F_TCS), &lf), "EDBGWR of TCS.STATE");
	EXPECT_LEAF(0, sgx_edbgwr(C.cpu, SGX_TCS_DBGOPTIN, epc(F_TCS) + 8, &lf),
		    "EDBGWR of TCS.FLAGS");
	tcs = (const void *)(uintptr_t)epc(F_TCS);
	cr_assert_eq(tcs->flags, SGX_TCS_DBGOPTIN, "TCS.FLAGS after EDBGWR");
	EXPECT_LEAF(0, sgx_edbgrd(C.cpu, &v, epc(F_TCS) + 8, &lf), "EDBGRD of TCS.FLAGS");
	cr_assert_eq(v, SGX_TCS_DBGOPTIN);
}
