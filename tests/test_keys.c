/*
 * test_keys.c - EREPORT and EGETKEY (fact sheet 8.1-8.6), driven at the CPU
 * level: enclaves are built with ECREATE/EADD/EEXTEND/EINIT (SIGSTRUCTs signed
 * here with testvectors/test-signing-key.pem, which is also written to the
 * LE-hash MSRs), a table in the test plays the page tables (struct sgx_mmu),
 * and a struct sgx_lp set up as if EENTER had run puts the logical processor
 * in enclave mode. Operands are written straight into the enclave's EPC
 * frames, as enclave code would write them through its mapping.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgxemu/enclu.h"
#include "util/cpuhelp.h"
#include "util/sigsign.h"

#define GP (SGX_LEAF_FAULT | X86_TRAP_GP)
#define PF (SGX_LEAF_FAULT | X86_TRAP_PF)

#define RFLAGS_CF 0x1ull
#define RFLAGS_PF 0x4ull
#define RFLAGS_AF 0x10ull
#define RFLAGS_ZF 0x40ull
#define RFLAGS_SF 0x80ull
#define RFLAGS_OF 0x800ull
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)
#define RFLAGS_IF 0x200ull

/*
 * Every enclave: SIZE 0x8000, four pages added and measured - offsets 0, 1, 2
 * R|W, offset 3 R only; offsets 4..7 are inside ELRANGE but never added
 * (and never mapped). Operand places:
 */
#define ENCL_SIZE 0x8000ull
#define NPAGES 4
#define OFF_KEYREQ 0x0000ull /* KEYREQUEST, 512-aligned */
#define OFF_KEY 0x0800ull    /* 16-byte key output */
#define OFF_TI 0x1000ull     /* TARGETINFO */
#define OFF_RDATA 0x1200ull  /* REPORTDATA */
#define OFF_REPORT 0x2000ull /* REPORT output */
#define OFF_RO 0x3000ull     /* read-only page */
#define OFF_UNMAPPED 0x4000ull

#define START_RIP 0x7000100ull

/* ---- platforms and enclaves ---- */

struct platform {
	struct sgx_cpu *cpu;
	struct th_pt pt;
	uint64_t next_frame;
};

struct encl {
	struct platform *p;
	struct th_encl e;
	uint64_t frames[NPAGES];
	uint8_t mrenclave[32];
	struct sgx_lp lp;
};

/* Build parameters. */
struct spec {
	uint64_t base;
	uint64_t attrs;       /* besides MODE64BIT */
	uint32_t misc;
	uint8_t tweak;        /* changes page 0 content -> MRENCLAVE */
	uint16_t isv_prod_id, isv_svn;
	uint16_t config_svn;  /* KSS enclaves only */
	uint8_t config_id0;   /* CONFIGID[0], KSS enclaves only */
	uint8_t family0;      /* SIGSTRUCT.ISVFAMILYID[0], KSS enclaves only */
};

static char key_path[4096];
static uint8_t key_mrsigner[32];
static struct sgx_fault lf;

static uint64_t A(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void key_setup(void)
{
	const char *dir = th_vectors_dir();
	uint8_t mod[SGX_MODULUS_SIZE];
	char err[256];

	cr_assert(dir, "SGXEMU_TESTVECTORS is not set: point it at shared/testvectors "
		       "(the tests sign with its test-signing-key.pem)");
	snprintf(key_path, sizeof(key_path), "%s/test-signing-key.pem", dir);
	cr_assert_eq(ts_key_modulus(key_path, mod, err, sizeof(err)), 0, "%s", err);
	sgx_mrsigner(mod, key_mrsigner);
}

/* A CPU like th_cpu_new()'s, with the given root key byte, its MMU and the
 * LE-hash MSRs set to the test key's MRSIGNER. */
static void platform_init(struct platform *p, uint8_t root)
{
	struct sgx_cpu_config cfg;
	struct sgx_mmu mmu;
	int rc;

	if (!key_path[0])
		key_setup();
	memset(p, 0, sizeof(*p));
	sgx_cpu_config_default(&cfg);
	memset(cfg.root_key, root, sizeof(cfg.root_key));
	memset(cfg.owner_epoch, 0x17, sizeof(cfg.owner_epoch));
	cfg.epc_size = 4ull << 20;
	rc = sgx_cpu_create(&cfg, &p->cpu);
	cr_assert_eq(rc, 0, "sgx_cpu_create: %d", rc);
	mmu.translate = th_pt_translate;
	mmu.ctx = &p->pt;
	sgx_cpu_set_mmu(p->cpu, &mmu);
	cr_assert_eq(th_set_lehash(p->cpu, key_mrsigner), 0, "LE-hash MSR write failed");
}

static void platform_fini(struct platform *p)
{
	if (p->cpu)
		sgx_cpu_destroy(p->cpu);
	p->cpu = NULL;
}

static void map(struct platform *p, uint64_t la, uint64_t frame)
{
	cr_assert_eq(th_pt_map(&p->pt, la, frame), 0, "page table full");
}

static void build(struct encl *x, struct platform *p, const struct spec *sp)
{
	struct sgx_sigstruct *sig = th_alloc(4096, sizeof(*sig));
	struct sgx_einittoken *tok = th_alloc(512, sizeof(*tok));
	uint8_t *page = th_alloc(4096, 4096);
	uint64_t secs_frame = p->next_frame++;
	struct sgx_secs *s;
	char err[256];
	int rc;

	memset(x, 0, sizeof(*x));
	x->p = p;
	s = th_secs_template(ENCL_SIZE);
	s->base = sp->base;
	s->attributes.flags = SGX_ATTR_MODE64BIT | sp->attrs;
	s->miscselect = sp->misc;
	if (sp->attrs & SGX_ATTR_KSS) {
		s->config_svn = sp->config_svn;
		s->config_id[0] = sp->config_id0;
	}
	rc = th_ecreate(&x->e, p->cpu, secs_frame, s, &lf);
	free(s);
	cr_assert_eq(rc, 0, "ECREATE: %s", th_outcome(rc, &lf));
	for (int i = 0; i < NPAGES; i++) {
		uint64_t perm = i == 3 ? SGX_SECINFO_R : SGX_SECINFO_R | SGX_SECINFO_W;

		memset(page, 0, 4096);
		page[0] = (uint8_t)i;
		if (i == 0)
			page[100] = sp->tweak;
		x->frames[i] = p->next_frame++;
		rc = th_eadd(&x->e, x->frames[i], (uint64_t)i * 4096, SGX_SECINFO_REG | perm, page,
			     &lf);
		cr_assert_eq(rc, 0, "EADD: %s", th_outcome(rc, &lf));
		rc = th_eextend_page(&x->e, x->frames[i], &lf);
		cr_assert_eq(rc, 0, "EEXTEND: %s", th_outcome(rc, &lf));
		map(p, sp->base + (uint64_t)i * 4096, x->frames[i]);
	}
	cr_assert_eq(sgx_secs_peek_mrenclave(p->cpu, secs_frame, x->mrenclave), 0);

	ts_sigstruct_init(sig, x->mrenclave);
	sig->body.isv_prod_id = sp->isv_prod_id;
	sig->body.isv_svn = sp->isv_svn;
	sig->body.miscselect = sp->misc;
	sig->body.attributes.flags = SGX_ATTR_MODE64BIT | sp->attrs;
	if (sp->attrs & SGX_ATTR_KSS)
		sig->body.isv_family_id[0] = sp->family0;
	cr_assert_eq(ts_sign(sig, key_path, err, sizeof(err)), 0, "signing: %s", err);
	rc = sgx_einit(p->cpu, A(sig), x->e.secs, A(tok), &lf);
	cr_assert_eq(rc, 0, "EINIT: %s", th_outcome(rc, &lf));
	free(sig);
	free(tok);
	free(page);

	x->lp.in_enclave = true;
	x->lp.secs_frame = secs_frame;
	x->lp.elrange_base = sp->base;
	x->lp.elrange_size = ENCL_SIZE;
}

/* The enclave's memory at offset off (one of the added pages). */
static void *at(const struct encl *x, uint64_t off)
{
	uint64_t frame = x->frames[off / 4096];

	return (uint8_t *)(uintptr_t)sgx_epc_frame_addr(x->p->cpu, frame) + (off & 0xFFF);
}

static const struct sgx_secs *secs_of(const struct encl *x)
{
	return (const struct sgx_secs *)(uintptr_t)x->e.secs;
}

static void regs_init(struct sgx_regs *r, uint64_t leaf)
{
	memset(r, 0, sizeof(*r));
	r->rax = leaf;
	r->rip = START_RIP;
	r->rflags = RFLAGS_IF | RFLAGS_ARITH;
	r->rsi = 0x5151;
}

static int egetkey_la(struct encl *x, uint64_t req_la, uint64_t out_la, struct sgx_regs *r)
{
	regs_init(r, SGX_EGETKEY);
	r->rbx = req_la;
	r->rcx = out_la;
	memset(&lf, 0, sizeof(lf));
	return sgx_enclu(x->p->cpu, &x->lp, r, &lf);
}

static int ereport_la(struct encl *x, uint64_t ti_la, uint64_t data_la, uint64_t out_la,
		      struct sgx_regs *r)
{
	regs_init(r, SGX_EREPORT);
	r->rbx = ti_la;
	r->rcx = data_la;
	r->rdx = out_la;
	memset(&lf, 0, sizeof(lf));
	return sgx_enclu(x->p->cpu, &x->lp, r, &lf);
}

/* EGETKEY with *req placed at OFF_KEYREQ; key copied to key[] on success. */
static int getkey(struct encl *x, const struct sgx_keyrequest *req, uint8_t key[16])
{
	struct sgx_regs r;
	uint64_t b = x->lp.elrange_base;
	int rc;

	memcpy(at(x, OFF_KEYREQ), req, sizeof(*req));
	memset(at(x, OFF_KEY), 0xEE, 16);
	rc = egetkey_la(x, b + OFF_KEYREQ, b + OFF_KEY, &r);
	cr_assert(!sgx_leaf_faulted(rc), "EGETKEY faulted: %s", th_outcome(rc, &lf));
	cr_assert_eq(r.rip, START_RIP + 3, "EGETKEY must complete (RIP += 3)");
	cr_assert_eq(r.rax, (uint64_t)rc, "RAX must hold the return code");
	cr_assert_eq(r.rflags & RFLAGS_ARITH, rc ? RFLAGS_ZF : 0,
		     "RFLAGS: ZF = error, CF/PF/AF/SF/OF clear (got 0x%llx)",
		     (unsigned long long)r.rflags);
	cr_assert_eq(r.rflags & RFLAGS_IF, RFLAGS_IF, "other RFLAGS bits are kept");
	cr_assert_eq(r.rsi, 0x5151, "other registers are kept");
	if (rc == 0 && key)
		memcpy(key, at(x, OFF_KEY), 16);
	return rc;
}

static void getkey_ok(struct encl *x, const struct sgx_keyrequest *req, uint8_t key[16])
{
	int rc = getkey(x, req, key);

	cr_assert_eq(rc, 0, "EGETKEY(keyname %u): %s", req->keyname, th_outcome(rc, &lf));
}

static void seal_req(struct sgx_keyrequest *req, uint16_t policy)
{
	memset(req, 0, sizeof(*req));
	req->keyname = SGX_KEYNAME_SEAL;
	req->keypolicy = policy;
	req->attribute_mask.flags = ~0ull;
	req->attribute_mask.xfrm = ~0ull;
	req->misc_mask = ~0u;
}

/* EREPORT with the TARGETINFO and REPORTDATA given; the REPORT out. */
static void report(struct encl *x, const struct sgx_targetinfo *ti, const uint8_t data[64],
		   struct sgx_report *out)
{
	struct sgx_regs r;
	uint64_t b = x->lp.elrange_base;
	int rc;

	memcpy(at(x, OFF_TI), ti, sizeof(*ti));
	memcpy(at(x, OFF_RDATA), data, 64);
	rc = ereport_la(x, b + OFF_TI, b + OFF_RDATA, b + OFF_REPORT, &r);
	cr_assert_eq(rc, 0, "EREPORT: %s", th_outcome(rc, &lf));
	cr_assert_eq(r.rip, START_RIP + 3, "EREPORT: RIP += 3");
	cr_assert_eq(r.rax, SGX_EREPORT, "EREPORT leaves RAX alone");
	cr_assert_eq(r.rflags, RFLAGS_IF | RFLAGS_ARITH, "EREPORT leaves RFLAGS alone");
	memcpy(out, at(x, OFF_REPORT), SGX_REPORT_SIZE);
}

static void targetinfo_of(const struct encl *x, struct sgx_targetinfo *ti)
{
	const struct sgx_secs *s = secs_of(x);

	memset(ti, 0, sizeof(*ti));
	memcpy(ti->measurement, s->mrenclave, 32);
	ti->attributes = s->attributes;
	ti->miscselect = s->miscselect;
	ti->config_svn = s->config_svn;
	memcpy(ti->config_id, s->config_id, 64);
}

/* Does `verifier` accept `rep` as made for it? EGETKEY(REPORT) + CMAC. */
static bool verifies(struct encl *verifier, const struct sgx_report *rep)
{
	struct sgx_keyrequest req;
	uint8_t key[16], mac[16];

	memset(&req, 0, sizeof(req));
	req.keyname = SGX_KEYNAME_REPORT;
	memcpy(req.keyid, rep->keyid, 32);
	getkey_ok(verifier, &req, key);
	sgx_cmac(key, &rep->body, sizeof(rep->body), mac);
	return memcmp(mac, rep->mac, 16) == 0;
}

static struct spec spec_at(uint64_t base, uint8_t tweak)
{
	struct spec s = { .base = base, .tweak = tweak, .isv_prod_id = 7, .isv_svn = 3 };

	return s;
}

/* ======================= EGETKEY: SEAL ======================= */

Test(egetkey, seal_key_follows_policy)
{
	struct platform p;
	struct encl a, b, a2;
	struct spec sa = spec_at(0x100000, 0), sb = spec_at(0x200000, 1), sa2 = spec_at(0x300000, 0);
	struct sgx_keyrequest req;
	uint8_t ka[16], kb[16], ka2[16], ka_signer[16], kb_signer[16], k[16];

	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	build(&b, &p, &sb);
	build(&a2, &p, &sa2); /* same content as a, elsewhere: same MRENCLAVE */
	cr_assert(memcmp(a.mrenclave, b.mrenclave, 32), "test setup: a and b must differ");
	cr_assert(!memcmp(a.mrenclave, a2.mrenclave, 32), "test setup: a and a2 must match");

	seal_req(&req, SGX_KEYPOLICY_MRENCLAVE);
	getkey_ok(&a, &req, ka);
	getkey_ok(&b, &req, kb);
	getkey_ok(&a2, &req, ka2);
	cr_assert(memcmp(ka, kb, 16), "MRENCLAVE policy: different enclaves, different keys");
	cr_assert(!memcmp(ka, ka2, 16), "MRENCLAVE policy: same MRENCLAVE, same key");
	getkey_ok(&a, &req, k);
	cr_assert(!memcmp(ka, k, 16), "the same request gives the same key");

	seal_req(&req, SGX_KEYPOLICY_MRSIGNER);
	getkey_ok(&a, &req, ka_signer);
	getkey_ok(&b, &req, kb_signer);
	cr_assert(!memcmp(ka_signer, kb_signer, 16), "MRSIGNER policy: same signer, same key");
	cr_assert(memcmp(ka_signer, ka, 16), "the policy is part of the key");

	/* Every request input that the SEAL column takes changes the key. */
	req.isv_svn = 2;
	getkey_ok(&a, &req, k);
	cr_assert(memcmp(k, ka_signer, 16), "ISVSVN is a key input");
	req.isv_svn = 0;
	req.keyid[31] = 1;
	getkey_ok(&a, &req, k);
	cr_assert(memcmp(k, ka_signer, 16), "KEYID is a key input");
	req.keyid[31] = 0;
	req.cpusvn[0] = 1;
	getkey_ok(&a, &req, k);
	cr_assert(memcmp(k, ka_signer, 16), "CPUSVN is a key input");
	req.cpusvn[0] = 0;
	req.misc_mask = 0;
	getkey_ok(&a, &req, k);
	cr_assert(memcmp(k, ka_signer, 16), "MISCMASK is a key input");
	req.misc_mask = ~0u;
	req.keypolicy |= SGX_KEYPOLICY_NOISVPRODID;
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	{
		struct sgx_regs r;
		int rc = egetkey_la(&a, sa.base + OFF_KEYREQ, sa.base + OFF_KEY, &r);

		cr_assert_eq(rc, GP, "NOISVPRODID is a KSS policy bit (mask 0x3C): %s",
			     th_outcome(rc, &lf));
	}

	/* ISVSVN below the enclave's: allowed (older sealed data). */
	seal_req(&req, SGX_KEYPOLICY_MRSIGNER);
	req.isv_svn = 3;
	getkey_ok(&a, &req, k);

	platform_fini(&p);
}

Test(egetkey, seal_key_attribute_mask)
{
	struct platform p;
	struct encl a, d;
	struct spec sa = spec_at(0x100000, 0), sd = spec_at(0x200000, 0);
	struct sgx_keyrequest req;
	uint8_t ka[16], kd[16];

	/* d differs from a only in DEBUG: MRSIGNER-sealed keys differ, because
	 * INIT|DEBUG are always part of TMP_ATTR, even with a zero mask. */
	sd.attrs = SGX_ATTR_DEBUG;
	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	build(&d, &p, &sd);
	seal_req(&req, SGX_KEYPOLICY_MRSIGNER);
	req.attribute_mask.flags = 0;
	req.attribute_mask.xfrm = 0;
	getkey_ok(&a, &req, ka);
	getkey_ok(&d, &req, kd);
	cr_assert(memcmp(ka, kd, 16), "DEBUG is always in TMP_ATTR");
	platform_fini(&p);
}

Test(egetkey, seal_key_stable_per_platform)
{
	struct platform p1, p2, p3;
	struct encl x1, x2, x3;
	struct spec s = spec_at(0x100000, 5);
	struct sgx_keyrequest req;
	uint8_t k1[16], k2[16], k3[16];

	seal_req(&req, SGX_KEYPOLICY_MRENCLAVE);
	platform_init(&p1, 0x42);
	build(&x1, &p1, &s);
	getkey_ok(&x1, &req, k1);
	platform_fini(&p1);

	/* A second run of the same platform configuration. */
	platform_init(&p2, 0x42);
	build(&x2, &p2, &s);
	getkey_ok(&x2, &req, k2);
	platform_fini(&p2);
	cr_assert(!memcmp(k1, k2, 16), "same root key: same SEAL key across CPU instances");

	platform_init(&p3, 0x43);
	build(&x3, &p3, &s);
	getkey_ok(&x3, &req, k3);
	platform_fini(&p3);
	cr_assert(memcmp(k1, k3, 16), "different root key: different SEAL key");
}

/* ======================= EGETKEY: error codes ======================= */

Test(egetkey, seal_error_codes)
{
	struct platform p;
	struct encl a;
	struct spec sa = spec_at(0x100000, 0);
	const struct sgx_cpu_config *cfg;
	struct sgx_keyrequest req;

	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	cfg = sgx_cpu_get_config(p.cpu);

	seal_req(&req, SGX_KEYPOLICY_MRENCLAVE);
	req.isv_svn = 4; /* the enclave has 3 */
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_ISVSVN, "ISVSVN above the enclave's");
	cr_assert_eq(*(uint8_t *)at(&a, OFF_KEY), 0xEE, "no key is written on an error");

	seal_req(&req, SGX_KEYPOLICY_MRENCLAVE);
	memcpy(req.cpusvn, cfg->cpusvn, 16);
	req.cpusvn[5] = (uint8_t)(cfg->cpusvn[5] + 1);
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_CPUSVN, "CPUSVN newer than the CPU");
	/* CPUSVN is checked before ISVSVN. */
	req.isv_svn = 4;
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_CPUSVN, "CPUSVN before ISVSVN");

	/* The CPU's own CPUSVN is fine. */
	seal_req(&req, SGX_KEYPOLICY_MRENCLAVE);
	memcpy(req.cpusvn, cfg->cpusvn, 16);
	cr_assert_eq(getkey(&a, &req, NULL), 0, "the current CPUSVN");

	seal_req(&req, SGX_KEYPOLICY_MRENCLAVE);
	req.keyname = 5;
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_KEYNAME, "KEYNAME 5");
	req.keyname = 0xFFFF;
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_KEYNAME, "KEYNAME 0xFFFF");
	platform_fini(&p);
}

Test(egetkey, provision_keys_need_the_attribute)
{
	struct platform p;
	struct encl a, pv;
	struct spec sa = spec_at(0x100000, 0), sp = spec_at(0x200000, 0);
	struct sgx_keyrequest req;
	uint8_t k1[16], k2[16], k3[16];

	sp.attrs = SGX_ATTR_PROVISIONKEY;
	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	build(&pv, &p, &sp);

	memset(&req, 0, sizeof(req));
	req.keyname = SGX_KEYNAME_PROVISION;
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_ATTRIBUTE, "PROVISION without attribute");
	req.keyname = SGX_KEYNAME_PROVISION_SEAL;
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_ATTRIBUTE,
		     "PROVISION_SEAL without attribute");
	/* The attribute check comes before the SVN checks. */
	req.isv_svn = 100;
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_ATTRIBUTE, "attribute before ISVSVN");

	req.keyname = SGX_KEYNAME_PROVISION;
	cr_assert_eq(getkey(&pv, &req, NULL), SGX_INVALID_ISVSVN, "PROVISION, ISVSVN too high");
	req.isv_svn = 0;
	getkey_ok(&pv, &req, k1);
	req.keyname = SGX_KEYNAME_PROVISION_SEAL;
	getkey_ok(&pv, &req, k2);
	cr_assert(memcmp(k1, k2, 16), "PROVISION and PROVISION_SEAL keys differ");
	/* PROVISION does not depend on KEYID; PROVISION_SEAL neither. */
	req.keyid[0] = 9;
	getkey_ok(&pv, &req, k3);
	cr_assert(!memcmp(k2, k3, 16), "KEYID is not a PROVISION_SEAL input");
	platform_fini(&p);
}

/* ======================= EGETKEY: EINITTOKEN ======================= */

Test(egetkey, einittoken_key_matches_einit)
{
	struct platform p;
	struct encl le, a, other;
	struct spec sl = spec_at(0x100000, 0), sa = spec_at(0x200000, 3),
		    so = spec_at(0x300000, 4);
	struct sgx_keyrequest req;
	struct sgx_einittoken *tok = th_alloc(512, sizeof(*tok));
	struct sgx_sigstruct *sig = th_alloc(4096, sizeof(*sig));
	struct th_encl te;
	struct sgx_secs *s;
	uint8_t key[16], ref[16];
	char err[256];
	int rc;

	sl.attrs = SGX_ATTR_EINITTOKENKEY;
	sl.misc = SGX_MISC_EXINFO;
	sl.isv_prod_id = 0x20;
	sl.isv_svn = 5;
	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	build(&le, &p, &sl);

	memset(&req, 0, sizeof(req));
	req.keyname = SGX_KEYNAME_EINITTOKEN;
	cr_assert_eq(getkey(&a, &req, NULL), SGX_INVALID_ATTRIBUTE,
		     "EINITTOKEN without EINITTOKENKEY");
	req.isv_svn = 6;
	cr_assert_eq(getkey(&le, &req, NULL), SGX_INVALID_ISVSVN, "EINITTOKEN, ISVSVN too high");

	/* The launch enclave's key... */
	req.isv_svn = 4;
	req.cpusvn[0] = 1;
	req.attribute_mask.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_EINITTOKENKEY;
	req.attribute_mask.xfrm = 0x3;
	req.misc_mask = ~0u;
	memset(req.keyid, 0xA5, 32);
	getkey_ok(&le, &req, key);

	/* ...is what EINIT computes for a token carrying its *LE fields. */
	tok->valid = 1;
	memcpy(tok->cpusvn_le, req.cpusvn, 16);
	tok->isv_prod_id_le = 0x20;
	tok->isv_svn_le = 4;
	tok->masked_attributes_le.flags = SGX_ATTR_INIT | SGX_ATTR_MODE64BIT |
					  SGX_ATTR_EINITTOKENKEY;
	tok->masked_attributes_le.xfrm = 0x3;
	tok->masked_miscselect_le = SGX_MISC_EXINFO;
	memset(tok->keyid, 0xA5, 32);
	sgx_einittoken_key(p.cpu, tok, ref);
	cr_assert(!memcmp(key, ref, 16), "EGETKEY(EINITTOKEN) == sgx_einittoken_key()");

	/* End to end: the LE MACs a token and EINIT accepts it. */
	s = th_secs_template(ENCL_SIZE);
	s->base = so.base;
	rc = th_ecreate(&te, p.cpu, p.next_frame++, s, &lf);
	free(s);
	cr_assert_eq(rc, 0, "ECREATE: %s", th_outcome(rc, &lf));
	rc = th_eadd(&te, p.next_frame++, 0, SGX_SECINFO_REG | SGX_SECINFO_R, NULL, &lf);
	cr_assert_eq(rc, 0, "EADD: %s", th_outcome(rc, &lf));
	cr_assert_eq(sgx_secs_peek_mrenclave(p.cpu, te.secs_frame, other.mrenclave), 0);
	ts_sigstruct_init(sig, other.mrenclave);
	cr_assert_eq(ts_sign(sig, key_path, err, sizeof(err)), 0, "signing: %s", err);
	memcpy(tok->mrenclave, other.mrenclave, 32);
	memcpy(tok->mrsigner, key_mrsigner, 32);
	tok->attributes.flags = SGX_ATTR_MODE64BIT;
	tok->attributes.xfrm = 0x3;
	sgx_cmac(key, tok, 192, tok->mac);
	/* With the wrong MAC first: a token the LE did not make is refused. */
	tok->mac[0] ^= 1;
	rc = sgx_einit(p.cpu, A(sig), te.secs, A(tok), &lf);
	cr_assert_eq(rc, SGX_INVALID_EINITTOKEN, "EINIT, bad token MAC: %s", th_outcome(rc, &lf));
	tok->mac[0] ^= 1;
	/* The token key takes MRSIGNER from the LE-hash MSRs: change them and
	 * the LE's MAC no longer checks. */
	cr_assert_eq(sgx_wrmsr(p.cpu, MSR_IA32_SGXLEPUBKEYHASH0, 1), 0);
	rc = sgx_einit(p.cpu, A(sig), te.secs, A(tok), &lf);
	cr_assert_eq(rc, SGX_INVALID_EINITTOKEN,
		     "the token key depends on the LE-hash MSRs: %s", th_outcome(rc, &lf));
	cr_assert_eq(th_set_lehash(p.cpu, key_mrsigner), 0);
	rc = sgx_einit(p.cpu, A(sig), te.secs, A(tok), &lf);
	cr_assert_eq(rc, 0, "EINIT with the LE's token: %s", th_outcome(rc, &lf));

	free(tok);
	free(sig);
	platform_fini(&p);
}

/* ======================= EGETKEY: faults ======================= */

Test(egetkey, faults)
{
	struct platform p;
	struct encl a, b;
	struct spec sa = spec_at(0x100000, 0), sb = spec_at(0x200000, 1);
	struct sgx_keyrequest req;
	struct sgx_regs r;
	uint64_t base = sa.base;
	int rc;

	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	build(&b, &p, &sb);
	seal_req(&req, SGX_KEYPOLICY_MRENCLAVE);
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	memcpy(at(&a, OFF_KEYREQ + 0x200), &req, sizeof(req));
	memcpy(at(&b, OFF_KEYREQ), &req, sizeof(req));

#define EXPECT_FAULT(want, call, desc)                                                     \
	do {                                                                               \
		rc = (call);                                                               \
		cr_assert_eq(rc, (want), "%s: got %s", (desc), th_outcome(rc, &lf));       \
		cr_assert_eq(r.rip, START_RIP, "%s: a fault leaves RIP", (desc));          \
		cr_assert_eq(r.rax, SGX_EGETKEY, "%s: a fault leaves RAX", (desc));         \
		cr_assert_eq(r.rflags, RFLAGS_IF | RFLAGS_ARITH, "%s: and RFLAGS", (desc)); \
	} while (0)

	/* Alignment. */
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ + 0x100, base + OFF_KEY, &r),
		     "KEYREQUEST not 512-aligned");
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY + 8, &r),
		     "output not 16-aligned");
	/* ELRANGE: b's pages are mapped, but not a's. */
	EXPECT_FAULT(GP, egetkey_la(&a, sb.base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "KEYREQUEST outside ELRANGE");
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, sb.base + OFF_KEY, &r),
		     "output outside ELRANGE");
	EXPECT_FAULT(GP, egetkey_la(&a, base + ENCL_SIZE, base + OFF_KEY, &r),
		     "KEYREQUEST just past ELRANGE");
	/* A page that is inside ELRANGE but not there: #PF. */
	EXPECT_FAULT(PF, egetkey_la(&a, base + OFF_UNMAPPED, base + OFF_KEY, &r),
		     "KEYREQUEST on an unmapped page");
	cr_assert_eq(lf.addr, base + OFF_UNMAPPED);
	/* The page tables map a's address to b's frame: EPCM says no. */
	p.pt.frame[0] = (int64_t)b.frames[0];
	EXPECT_FAULT(PF, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "KEYREQUEST on another enclave's page");
	cr_assert(lf.error_code & X86_PF_SGX, "EPCM #PF carries the SGX bit");
	p.pt.frame[0] = (int64_t)a.frames[0];
	/* Output on a read-only page. */
	EXPECT_FAULT(PF, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_RO, &r),
		     "output on a read-only page");
	cr_assert_eq(lf.addr, base + OFF_RO);
	cr_assert(lf.error_code & X86_PF_WRITE, "a write #PF");

	/* Reserved fields. */
	((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->reserved1 = 1;
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "KEYREQUEST reserved1");
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->reserved2[433] = 1;
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "KEYREQUEST last reserved byte");
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->keypolicy |= 0x40;
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "KEYPOLICY bit 6");
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->keypolicy |= 0x8000;
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "KEYPOLICY bit 15");
	/* Reserved bits #GP even with a bad KEYNAME (checked first). */
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->keypolicy |= 0x100;
	((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->keyname = 77;
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "reserved KEYPOLICY before KEYNAME");
	/* KSS policy bits and CONFIGSVN without KSS. */
	for (uint16_t bit = 0x04; bit <= 0x20; bit <<= 1) {
		memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
		((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->keypolicy |= bit;
		EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
			     "KSS policy bit without KSS");
	}
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	((struct sgx_keyrequest *)at(&a, OFF_KEYREQ))->config_svn = 1;
	EXPECT_FAULT(GP, egetkey_la(&a, base + OFF_KEYREQ, base + OFF_KEY, &r),
		     "CONFIGSVN without KSS");

	/* The operand may sit anywhere suitably aligned, including the
	 * second half of the page, and the output may overlap the request. */
	memcpy(at(&a, OFF_KEYREQ), &req, sizeof(req));
	rc = egetkey_la(&a, base + OFF_KEYREQ + 0x200, base + OFF_KEYREQ + 0x200, &r);
	cr_assert_eq(rc, 0, "overlapping operands: %s", th_outcome(rc, &lf));
	rc = egetkey_la(&a, base + OFF_KEYREQ, base + OFF_TI + 0xFF0, &r);
	cr_assert_eq(rc, 0, "output in another page: %s", th_outcome(rc, &lf));
	cr_assert(!memcmp(at(&a, OFF_KEYREQ + 0x200), at(&a, OFF_TI + 0xFF0), 16),
		  "same request, same key");
#undef EXPECT_FAULT
	platform_fini(&p);
}

/* ======================= EGETKEY: KSS ======================= */

Test(egetkey, kss_policies)
{
	struct platform p;
	struct encl k, k2;
	struct spec sk = spec_at(0x100000, 0), sk2 = spec_at(0x200000, 0);
	struct sgx_keyrequest req;
	uint8_t base_key[16], key[16];

	sk.attrs = sk2.attrs = SGX_ATTR_KSS;
	sk.config_svn = sk2.config_svn = 2;
	sk.config_id0 = 1;
	sk2.config_id0 = 2;
	sk.family0 = 0x33;
	sk2.family0 = 0x33;
	platform_init(&p, 0x42);
	build(&k, &p, &sk);
	build(&k2, &p, &sk2);

	seal_req(&req, SGX_KEYPOLICY_MRSIGNER);
	req.config_svn = 3;
	cr_assert_eq(getkey(&k, &req, NULL), SGX_INVALID_ISVSVN, "CONFIGSVN above the SECS's");
	req.config_svn = 2;
	getkey_ok(&k, &req, base_key);
	getkey_ok(&k2, &req, key);
	cr_assert(!memcmp(base_key, key, 16), "CONFIGID not in the key without policy bit 3");

	req.keypolicy |= SGX_KEYPOLICY_CONFIGID;
	getkey_ok(&k, &req, base_key);
	getkey_ok(&k2, &req, key);
	cr_assert(memcmp(base_key, key, 16), "CONFIGID policy: different CONFIGIDs");

	seal_req(&req, SGX_KEYPOLICY_MRSIGNER | SGX_KEYPOLICY_ISVFAMILYID);
	getkey_ok(&k, &req, base_key);
	getkey_ok(&k2, &req, key);
	cr_assert(!memcmp(base_key, key, 16), "same ISVFAMILYID, same key");
	seal_req(&req, SGX_KEYPOLICY_MRSIGNER);
	getkey_ok(&k, &req, key);
	cr_assert(memcmp(base_key, key, 16), "ISVFAMILYID policy changes the key");
	platform_fini(&p);
}

/* ======================= EREPORT ======================= */

Test(ereport, report_body_and_mac)
{
	struct platform p;
	struct encl a, b;
	struct spec sa = spec_at(0x100000, 0), sb = spec_at(0x200000, 1);
	struct sgx_targetinfo ti;
	struct sgx_report rep, rep2;
	uint8_t data[64];
	const struct sgx_secs *s;

	sa.misc = SGX_MISC_EXINFO;
	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	build(&b, &p, &sb);
	for (int i = 0; i < 64; i++)
		data[i] = (uint8_t)(0x80 + i);

	/* a reports to b. */
	targetinfo_of(&b, &ti);
	report(&a, &ti, data, &rep);
	s = secs_of(&a);
	cr_assert(!memcmp(rep.body.cpusvn, sgx_cpu_get_config(p.cpu)->cpusvn, 16), "CPUSVN");
	cr_assert_eq(rep.body.miscselect, SGX_MISC_EXINFO, "MISCSELECT");
	cr_assert_eq(rep.body.attributes.flags, SGX_ATTR_INIT | SGX_ATTR_MODE64BIT, "ATTRIBUTES");
	cr_assert_eq(rep.body.attributes.xfrm, 3, "XFRM");
	cr_assert(!memcmp(rep.body.mrenclave, a.mrenclave, 32), "MRENCLAVE");
	cr_assert(!memcmp(rep.body.mrsigner, key_mrsigner, 32), "MRSIGNER");
	cr_assert(!memcmp(rep.body.mrenclave, s->mrenclave, 32), "MRENCLAVE = SECS");
	cr_assert_eq(rep.body.isv_prod_id, 7, "ISVPRODID");
	cr_assert_eq(rep.body.isv_svn, 3, "ISVSVN");
	cr_assert(!memcmp(rep.body.report_data, data, 64), "REPORTDATA");
	{
		struct sgx_report_body z;

		memset(&z, 0, sizeof(z));
		cr_assert(!memcmp(rep.body.reserved1, z.reserved1, sizeof(z.reserved1)) &&
			  !memcmp(rep.body.reserved2, z.reserved2, sizeof(z.reserved2)) &&
			  !memcmp(rep.body.reserved3, z.reserved3, sizeof(z.reserved3)) &&
			  !memcmp(rep.body.reserved4, z.reserved4, sizeof(z.reserved4)),
			  "reserved fields zero");
	}

	cr_assert(verifies(&b, &rep), "the target verifies the report");
	cr_assert(!verifies(&a, &rep), "another enclave's report key does not verify");
	rep2 = rep;
	rep2.body.report_data[5] ^= 1;
	cr_assert(!verifies(&b, &rep2), "a tampered REPORTDATA does not verify");
	rep2 = rep;
	rep2.body.isv_svn = 4;
	cr_assert(!verifies(&b, &rep2), "a tampered ISVSVN does not verify");
	rep2 = rep;
	rep2.keyid[0] ^= 1;
	cr_assert(!verifies(&b, &rep2), "the KEYID is a report key input");

	/* The KEYID is per platform: the same in every report. */
	targetinfo_of(&a, &ti);
	report(&a, &ti, data, &rep2);
	cr_assert(!memcmp(rep.keyid, rep2.keyid, 32), "CR_REPORT_KEYID is fixed");
	cr_assert(verifies(&a, &rep2), "a report to oneself verifies");
	cr_assert(!verifies(&b, &rep2), "and not for someone else");

	/* A TARGETINFO without INIT names no initialized enclave. */
	targetinfo_of(&b, &ti);
	ti.attributes.flags &= ~SGX_ATTR_INIT;
	report(&a, &ti, data, &rep2);
	cr_assert(!verifies(&b, &rep2), "TARGETINFO.INIT = 0: the MAC does not verify");

	/* A wrong MISCSELECT in the TARGETINFO likewise. */
	targetinfo_of(&b, &ti);
	ti.miscselect = SGX_MISC_EXINFO;
	report(&a, &ti, data, &rep2);
	cr_assert(!verifies(&b, &rep2), "TARGETINFO.MISCSELECT is a key input");
	platform_fini(&p);
}

Test(ereport, same_platform_config_same_report_key)
{
	struct platform p1, p2;
	struct encl a1, a2;
	struct spec sa = spec_at(0x100000, 0);
	struct sgx_targetinfo ti;
	struct sgx_report r1, r2;
	uint8_t data[64] = { 1 };

	platform_init(&p1, 0x42);
	build(&a1, &p1, &sa);
	targetinfo_of(&a1, &ti);
	report(&a1, &ti, data, &r1);
	platform_fini(&p1);
	platform_init(&p2, 0x42);
	build(&a2, &p2, &sa);
	report(&a2, &ti, data, &r2);
	cr_assert(!memcmp(&r1, &r2, SGX_REPORT_SIZE), "deterministic per platform config");
	platform_fini(&p2);
}

Test(ereport, faults)
{
	struct platform p;
	struct encl a, b;
	struct spec sa = spec_at(0x100000, 0), sb = spec_at(0x200000, 1);
	struct sgx_targetinfo ti;
	struct sgx_regs r;
	uint64_t base = sa.base;
	uint8_t before[SGX_REPORT_SIZE];
	int rc;

	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	build(&b, &p, &sb);
	targetinfo_of(&b, &ti);
	memcpy(at(&a, OFF_TI), &ti, sizeof(ti));
	memcpy(at(&a, OFF_TI + 0x400), &ti, sizeof(ti));
	memset(at(&a, OFF_REPORT), 0xCC, SGX_REPORT_SIZE);
	memcpy(before, at(&a, OFF_REPORT), SGX_REPORT_SIZE);

#define EXPECT_FAULT(want, call, desc)                                                     \
	do {                                                                               \
		rc = (call);                                                               \
		cr_assert_eq(rc, (want), "%s: got %s", (desc), th_outcome(rc, &lf));       \
		cr_assert_eq(r.rip, START_RIP, "%s: a fault leaves RIP", (desc));          \
		cr_assert(!memcmp(before, at(&a, OFF_REPORT), SGX_REPORT_SIZE),            \
			  "%s: nothing written", (desc));                                  \
	} while (0)
#define ER(ti_off, d_off, out_off) \
	ereport_la(&a, base + (ti_off), base + (d_off), base + (out_off), &r)

	EXPECT_FAULT(GP, ER(OFF_TI + 0x100, OFF_RDATA, OFF_REPORT), "TARGETINFO misaligned");
	EXPECT_FAULT(GP, ER(OFF_TI, OFF_RDATA + 0x40, OFF_REPORT), "REPORTDATA misaligned");
	EXPECT_FAULT(GP, ER(OFF_TI, OFF_RDATA, OFF_REPORT + 0x100), "OUTPUTDATA misaligned");
	EXPECT_FAULT(GP, ereport_la(&a, sb.base + OFF_TI, base + OFF_RDATA, base + OFF_REPORT, &r),
		     "TARGETINFO outside ELRANGE");
	EXPECT_FAULT(GP, ereport_la(&a, base + OFF_TI, sb.base + OFF_RDATA, base + OFF_REPORT, &r),
		     "REPORTDATA outside ELRANGE");
	EXPECT_FAULT(GP, ereport_la(&a, base + OFF_TI, base + OFF_RDATA, sb.base + OFF_REPORT, &r),
		     "OUTPUTDATA outside ELRANGE");
	EXPECT_FAULT(GP, ereport_la(&a, base + OFF_TI, base + OFF_RDATA, base - 0x1000, &r),
		     "OUTPUTDATA below ELRANGE");
	EXPECT_FAULT(PF, ER(OFF_UNMAPPED, OFF_RDATA, OFF_REPORT), "TARGETINFO not mapped");
	EXPECT_FAULT(PF, ER(OFF_TI, OFF_UNMAPPED + 0x80, OFF_REPORT), "REPORTDATA not mapped");
	EXPECT_FAULT(PF, ER(OFF_TI, OFF_RDATA, OFF_RO), "OUTPUTDATA read-only");
	cr_assert(lf.error_code & X86_PF_WRITE, "write #PF");
	cr_assert_eq(lf.addr, base + OFF_RO);

	/* TARGETINFO reserved bytes. */
	((struct sgx_targetinfo *)at(&a, OFF_TI))->reserved1 = 1;
	EXPECT_FAULT(GP, ER(OFF_TI, OFF_RDATA, OFF_REPORT), "TARGETINFO reserved1");
	memcpy(at(&a, OFF_TI), &ti, sizeof(ti));
	((struct sgx_targetinfo *)at(&a, OFF_TI))->reserved2[7] = 1;
	EXPECT_FAULT(GP, ER(OFF_TI, OFF_RDATA, OFF_REPORT), "TARGETINFO reserved2");
	memcpy(at(&a, OFF_TI), &ti, sizeof(ti));
	((struct sgx_targetinfo *)at(&a, OFF_TI))->reserved3[383] = 1;
	EXPECT_FAULT(GP, ER(OFF_TI, OFF_RDATA, OFF_REPORT), "TARGETINFO reserved3");
	memcpy(at(&a, OFF_TI), &ti, sizeof(ti));

	/* Inputs may sit on a read-only page; the output may overwrite the
	 * TARGETINFO it was made from. */
	memcpy(at(&a, OFF_RO), &ti, sizeof(ti));
	rc = ER(OFF_RO, OFF_RO + 0x200, OFF_REPORT);
	cr_assert_eq(rc, 0, "EREPORT, inputs read-only: %s", th_outcome(rc, &lf));
	rc = ER(OFF_TI, OFF_RDATA, OFF_REPORT);
	cr_assert_eq(rc, 0, "EREPORT: %s", th_outcome(rc, &lf));
	memcpy(before, at(&a, OFF_REPORT), SGX_REPORT_SIZE);
	rc = ER(OFF_TI + 0x400, OFF_RDATA, OFF_TI + 0x400);
	cr_assert_eq(rc, 0, "EREPORT over its TARGETINFO: %s", th_outcome(rc, &lf));
	cr_assert(!memcmp(before, at(&a, OFF_TI + 0x400), SGX_REPORT_SIZE),
		  "the TARGETINFO is read before the REPORT is written");
#undef ER
#undef EXPECT_FAULT
	platform_fini(&p);
}

Test(enclu_keys, outside_enclave_mode_gp)
{
	struct platform p;
	struct encl a;
	struct spec sa = spec_at(0x100000, 0);
	struct sgx_regs r;
	int rc;

	platform_init(&p, 0x42);
	build(&a, &p, &sa);
	a.lp.in_enclave = false;
	rc = egetkey_la(&a, sa.base + OFF_KEYREQ, sa.base + OFF_KEY, &r);
	cr_assert_eq(rc, GP, "EGETKEY outside an enclave: %s", th_outcome(rc, &lf));
	rc = ereport_la(&a, sa.base + OFF_TI, sa.base + OFF_RDATA, sa.base + OFF_REPORT, &r);
	cr_assert_eq(rc, GP, "EREPORT outside an enclave: %s", th_outcome(rc, &lf));
	platform_fini(&p);
}
