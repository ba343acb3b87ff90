/*
 * test_sgx2_isa.c - SGX2 at the instruction level (fact sheet 10, 11.4,
 * 11.5): EAUG, EMODPR, EMODT and ETRACK through sgx_encls(), EACCEPT,
 * EACCEPTCOPY and EMODPE through sgx_enclu() on a logical processor put in
 * enclave mode by hand (as test_keys.c does), with a table in the test
 * playing the page tables.
 *
 * Every leaf call goes through EXPECT_LEAF: the exact outcome, and for a
 * failed leaf that the EPC frames, their EPCM entries, MRENCLAVEs and child
 * counts did not change. Every ENCLU call also checks the register
 * conventions (RAX/ZF/RIP on completion, nothing on a fault).
 *
 * The CPU model's ETRACK completes its cycle at once (see
 * src/cpu/encls_sgx2.c), so "not tracked" means "no ETRACK since the change".
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgxemu/enclu.h"
#include "util/cpuhelp.h"
#include "util/expect_leaf.h"
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

#define R SGX_SECINFO_R
#define W SGX_SECINFO_W
#define X SGX_SECINFO_X

/*
 * The enclave: SIZE 0x10000 at BASE. Offsets and the frames behind them:
 * 0x0000 OPS (RW, the enclave's SECINFOs), 0x1000 DATA (RW, what the OS
 * restricts/retypes), 0x2000 TCS, 0x3000 SSA of that TCS, 0x4000 SSA2 (for
 * a TCS made with EMODT), 0x5000 SRC (RW, EACCEPTCOPY source), 0x6000 RO
 * (R only). 0x8000.. are holes for EAUG; frames 8 and 9 are free.
 */
#define BASE 0x100000ull
#define ENCL_SIZE 0x10000ull
#define OFF_OPS 0x0000ull
#define OFF_DATA 0x1000ull
#define OFF_TCS 0x2000ull
#define OFF_SSA 0x3000ull
#define OFF_SSA2 0x4000ull
#define OFF_SRC 0x5000ull
#define OFF_RO 0x6000ull
#define OFF_HOLE 0x8000ull
#define OFF_HOLE2 0x9000ull

#define F_SECS 0
#define F_OPS 1
#define F_DATA 2
#define F_TCS 3
#define F_SSA 4
#define F_SSA2 5
#define F_SRC 6
#define F_RO 7
#define F_AUG 8
#define F_AUG2 9
#define NSNAP 12

#define START_RIP 0x7000100ull
#define AEP 0x7000200ull
#define ENTRY_OFF 0x5000ull

/* ---- the platform ---- */

struct ctx {
	struct sgx_cpu *cpu;
	struct th_pt pt;
	struct th_encl e;
	struct sgx_lp lp;  /* in enclave mode, as after EENTER */
	char key[4096];
	uint8_t key_mrsigner[32];
};

static struct ctx C;
static struct sgx_fault lf;
/* Every frame in use but OPS: the enclave writes its SECINFO there inside
 * the leaf call expressions, after the "before" snapshot. */
static const uint64_t snap_frames[NSNAP] = { 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

static void teardown(void)
{
	if (C.cpu)
		sgx_cpu_destroy(C.cpu);
	memset(&C, 0, sizeof(C));
}

TestSuite(sgx2, .fini = teardown);

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

static void *frame_mem(uint64_t frame)
{
	return (void *)(uintptr_t)epc(frame);
}

static void map(uint64_t la, uint64_t frame)
{
	cr_assert_eq(th_pt_map(&C.pt, la, frame), 0, "page table full");
}

static void new_cpu(bool sgx2)
{
	struct sgx_cpu_config cfg;
	struct sgx_mmu mmu = { .translate = th_pt_translate, .ctx = &C.pt };
	const char *dir = th_vectors_dir();
	uint8_t mod[SGX_MODULUS_SIZE];
	char err[256];
	int rc;

	cr_assert(dir, "SGXEMU_TESTVECTORS is not set: point it at shared/testvectors "
		       "(the tests sign with its test-signing-key.pem)");
	snprintf(C.key, sizeof(C.key), "%s/test-signing-key.pem", dir);
	cr_assert_eq(ts_key_modulus(C.key, mod, err, sizeof(err)), 0, "%s", err);
	sgx_mrsigner(mod, C.key_mrsigner);

	sgx_cpu_config_default(&cfg);
	memset(cfg.root_key, 0x42, sizeof(cfg.root_key));
	cfg.epc_size = 4ull << 20;
	if (sgx2)
		cfg.features |= SGX_FEATURE_BIT(SGX_FEAT_SGX2);
	else
		cfg.features &= ~SGX_FEATURE_BIT(SGX_FEAT_SGX2);
	rc = sgx_cpu_create(&cfg, &C.cpu);
	cr_assert_eq(rc, 0, "sgx_cpu_create: %d", rc);
	sgx_cpu_set_mmu(C.cpu, &mmu);
	cr_assert_eq(th_set_lehash(C.cpu, C.key_mrsigner), 0, "LE-hash MSR write failed");
}

static void add(uint64_t frame, uint64_t off, uint64_t flags, const void *src)
{
	int rc = th_eadd(&C.e, frame, off, flags, src, &lf);

	cr_assert_eq(rc, 0, "setup EADD at 0x%llx: %s", (unsigned long long)off,
		     th_outcome(rc, &lf));
	map(BASE + off, frame);
}

static void einit(void)
{
	struct sgx_sigstruct *sig = th_alloc(4096, sizeof(*sig));
	struct sgx_einittoken *tok = th_alloc(512, sizeof(*tok));
	uint8_t mr[32];
	char err[256];
	int rc;

	cr_assert_eq(sgx_secs_peek_mrenclave(C.cpu, F_SECS, mr), 0);
	ts_sigstruct_init(sig, mr);
	cr_assert_eq(ts_sign(sig, C.key, err, sizeof(err)), 0, "signing: %s", err);
	rc = sgx_einit(C.cpu, A(sig), C.e.secs, A(tok), &lf);
	cr_assert_eq(rc, 0, "setup EINIT: %s", th_outcome(rc, &lf));
	free(sig);
	free(tok);
}

/* The standard enclave (layout above), initialized if `init`. */
static void build(bool sgx2, bool init)
{
	struct sgx_tcs *tcs = th_alloc(4096, sizeof(*tcs));
	uint8_t *page = th_alloc(4096, 4096);
	struct sgx_secs *s;
	int rc;

	new_cpu(sgx2);
	s = th_secs_template(ENCL_SIZE);
	s->base = BASE;
	rc = th_ecreate(&C.e, C.cpu, F_SECS, s, &lf);
	free(s);
	cr_assert_eq(rc, 0, "setup ECREATE: %s", th_outcome(rc, &lf));
	add(F_OPS, OFF_OPS, SGX_SECINFO_REG | R | W, NULL);
	memset(page, 0xD1, 4096);
	add(F_DATA, OFF_DATA, SGX_SECINFO_REG | R | W, page);
	tcs->ssa_offset = OFF_SSA;
	tcs->nr_ssa_frames = 1;
	tcs->entry_offset = ENTRY_OFF;
	add(F_TCS, OFF_TCS, SGX_SECINFO_TCS, tcs);
	add(F_SSA, OFF_SSA, SGX_SECINFO_REG | R | W, NULL);
	add(F_SSA2, OFF_SSA2, SGX_SECINFO_REG | R | W, NULL);
	for (int i = 0; i < 4096; i++)
		page[i] = (uint8_t)(7 * i + 3);
	add(F_SRC, OFF_SRC, SGX_SECINFO_REG | R | W, page);
	add(F_RO, OFF_RO, SGX_SECINFO_REG | R, NULL);
	free(tcs);
	free(page);
	if (init)
		einit();

	C.lp.in_enclave = true;
	C.lp.secs_frame = F_SECS;
	C.lp.tcs_la = BASE + OFF_TCS;
	C.lp.tcs_frame = F_TCS;
	C.lp.elrange_base = BASE;
	C.lp.elrange_size = ENCL_SIZE;
}

static void std_build(void)
{
	build(true, true);
}

static struct sgx_epcm_info epcm(uint64_t frame)
{
	struct sgx_epcm_info i;

	cr_assert_eq(sgx_epcm_query(C.cpu, frame, &i), 0);
	return i;
}

/* ---- ENCLS operands ---- */

static int eaug_raw(uint64_t frame, uint64_t linaddr, uint64_t srcpge, uint64_t secinfo,
		    uint64_t secs)
{
	struct sgx_pageinfo *pi = th_alloc(32, sizeof(*pi));
	int rc;

	pi->addr = linaddr;
	pi->contents = srcpge;
	pi->metadata = secinfo;
	pi->secs = secs;
	rc = sgx_eaug(C.cpu, A(pi), epc(frame), &lf);
	free(pi);
	return rc;
}

static int eaug(uint64_t frame, uint64_t off)
{
	return eaug_raw(frame, BASE + off, 0, 0, C.e.secs);
}

/* EMODPR/EMODT with a SECINFO of the given flags (and reserved byte 8). */
static int emod(uint32_t leaf, uint64_t flags, uint8_t reserved0, uint64_t frame)
{
	struct sgx_secinfo *si = th_alloc(64, sizeof(*si));
	int rc;

	si->flags = flags;
	si->reserved[0] = reserved0;
	rc = leaf == SGX_EMODPR ? sgx_emodpr(C.cpu, A(si), epc(frame), &lf)
				: sgx_emodt(C.cpu, A(si), epc(frame), &lf);
	free(si);
	return rc;
}

static int emodpr(uint64_t flags, uint64_t frame)
{
	return emod(SGX_EMODPR, flags, 0, frame);
}

static int emodt(uint64_t flags, uint64_t frame)
{
	return emod(SGX_EMODT, flags, 0, frame);
}

static int etrack(void)
{
	return sgx_etrack(C.cpu, C.e.secs, &lf);
}

/* ---- ENCLU from inside the enclave ---- */

/* A SECINFO written by the enclave into its OPS page, slot n; its address. */
static uint64_t secinfo_at(unsigned n, uint64_t flags)
{
	struct sgx_secinfo *si = (struct sgx_secinfo *)((uint8_t *)frame_mem(F_OPS) + 64 * n);

	memset(si, 0, sizeof(*si));
	si->flags = flags;
	return BASE + OFF_OPS + 64 * n;
}

/*
 * ENCLU leaf on the in-enclave logical processor, checking the register
 * conventions: a fault leaves the registers alone; a completed leaf steps
 * over the ENCLU, and the error-code leaves set RAX = code, ZF = error,
 * CF/PF/AF/SF/OF = 0 (EMODPE leaves RAX and RFLAGS alone).
 */
static int enclu(uint32_t leaf, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
	struct sgx_regs r, in;
	int rc;

	memset(&r, 0, sizeof(r));
	r.rax = leaf;
	r.rbx = rbx;
	r.rcx = rcx;
	r.rdx = rdx;
	r.rsi = 0x5151;
	r.rip = START_RIP;
	r.rflags = RFLAGS_IF | RFLAGS_ARITH;
	in = r;
	rc = sgx_enclu(C.cpu, &C.lp, &r, &lf);
	if (sgx_leaf_faulted(rc)) {
		cr_assert(!memcmp(&r, &in, sizeof(r)), "leaf %u faulted but changed registers",
			  leaf);
		return rc;
	}
	cr_assert_eq(r.rip, START_RIP + 3, "leaf %u completed: RIP += 3", leaf);
	cr_assert_eq(r.rsi, 0x5151, "other registers are kept");
	if (leaf == SGX_EMODPE) {
		cr_assert_eq(r.rax, SGX_EMODPE, "EMODPE leaves RAX alone");
		cr_assert_eq(r.rflags, in.rflags, "EMODPE leaves RFLAGS alone");
		return rc;
	}
	cr_assert_eq(r.rax, (uint64_t)rc, "leaf %u: RAX must hold the code", leaf);
	cr_assert_eq(r.rflags & RFLAGS_ARITH, rc ? RFLAGS_ZF : 0,
		     "leaf %u: ZF = error, CF/PF/AF/SF/OF clear (rflags 0x%llx)", leaf,
		     (unsigned long long)r.rflags);
	cr_assert(r.rflags & RFLAGS_IF, "other RFLAGS bits are kept");
	return rc;
}

static int eaccept(uint64_t flags, uint64_t off)
{
	return enclu(SGX_EACCEPT, secinfo_at(0, flags), BASE + off, 0);
}

static int eacceptcopy(uint64_t flags, uint64_t dst_off, uint64_t src_off)
{
	return enclu(SGX_EACCEPTCOPY, secinfo_at(1, flags), BASE + dst_off, BASE + src_off);
}

static int emodpe(uint64_t flags, uint64_t off)
{
	return enclu(SGX_EMODPE, secinfo_at(2, flags), BASE + off, 0);
}

/* The architectural result of an enclave access: 0 allowed, else the #PF. */
static int access_at(uint64_t off, unsigned access, struct sgx_fault *f)
{
	memset(f, 0, sizeof(*f));
	return sgx_enclave_access_fault(C.cpu, &C.lp, BASE + off, access, f);
}

static void expect_epcm_refuses(uint64_t off, unsigned access, const char *what)
{
	struct sgx_fault f;
	int rc = access_at(off, access, &f);

	cr_assert_eq(rc, 1, "%s: the access must fault", what);
	cr_assert_eq(f.vector, X86_TRAP_PF, "%s: #PF", what);
	cr_assert(f.error_code & X86_PF_SGX, "%s: #PF with the SGX bit (ec 0x%x)", what,
		  f.error_code);
	cr_assert_eq(f.addr, BASE + off, "%s: #PF address", what);
}

static void expect_access_ok(uint64_t off, unsigned access, const char *what)
{
	struct sgx_fault f;

	cr_assert_eq(access_at(off, access, &f), 0, "%s: the access must be allowed", what);
}

/* ======================= EAUG ======================= */

Test(sgx2, eaug_before_einit_gp)
{
	build(true, false);
	map(BASE + OFF_HOLE, F_AUG);
	EXPECT_LEAF(GP, eaug(F_AUG, OFF_HOLE), "EAUG into an uninitialized enclave");
}

Test(sgx2, eaug_outside_elrange_gp)
{
	std_build();
	EXPECT_LEAF(GP, eaug(F_AUG, ENCL_SIZE), "EAUG at BASE+SIZE");
	EXPECT_LEAF(GP, eaug_raw(F_AUG, BASE - 0x1000, 0, 0, C.e.secs), "EAUG below BASE");
}

Test(sgx2, eaug_operand_gps)
{
	uint64_t si = A(th_alloc(64, 64)), pi = A(th_alloc(64, 64));

	std_build();
	EXPECT_LEAF(GP, eaug_raw(F_AUG, BASE + OFF_HOLE, A(frame_mem(F_SRC)), 0, C.e.secs),
		    "EAUG with SRCPGE != 0");
	EXPECT_LEAF(GP, eaug_raw(F_AUG, BASE + OFF_HOLE, 0, si, C.e.secs),
		    "EAUG with a SECINFO (no CET on this CPU)");
	EXPECT_LEAF(GP, eaug_raw(F_AUG, BASE + OFF_HOLE + 8, 0, 0, C.e.secs),
		    "EAUG, LINADDR not 4K-aligned");
	EXPECT_LEAF(GP, eaug_raw(F_AUG, BASE + OFF_HOLE, 0, 0, C.e.secs + 64),
		    "EAUG, SECS not 4K-aligned");
	EXPECT_LEAF(GP, sgx_eaug(C.cpu, pi + 8, epc(F_AUG), &lf), "EAUG, PAGEINFO not 32-aligned");
	free((void *)(uintptr_t)si);
	free((void *)(uintptr_t)pi);
}

Test(sgx2, eaug_page_faults)
{
	std_build();
	EXPECT_LEAF(PF, eaug(F_DATA, OFF_HOLE), "EAUG onto a valid EPC page");
	cr_assert_eq(lf.addr, epc(F_DATA));
	cr_assert(lf.error_code & X86_PF_SGX);
	EXPECT_LEAF(PF, eaug_raw(F_AUG, BASE + OFF_HOLE, 0, 0, epc(F_DATA)),
		    "EAUG with PAGEINFO.SECS a REG page");
	cr_assert_eq(lf.addr, epc(F_DATA));
}

Test(sgx2, eaug_then_eaccept)
{
	uint64_t children;
	struct sgx_epcm_info i;
	uint8_t zero[4096] = { 0 };

	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	memset(frame_mem(F_AUG), 0xAB, 4096); /* stale bytes EAUG must clear */
	children = sgx_secs_nr_children(C.cpu, F_SECS);
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG into a hole");
	i = epcm(F_AUG);
	cr_assert(i.valid && i.pending && !i.modified && !i.pr);
	cr_assert_eq(i.type, SGX_PT_REG);
	cr_assert_eq(i.perm, R | W);
	cr_assert_eq(i.linaddr, BASE + OFF_HOLE);
	cr_assert_eq(i.secs_frame, F_SECS);
	cr_assert(!memcmp(frame_mem(F_AUG), zero, 4096), "EAUG zeroes the page");
	cr_assert_eq(sgx_secs_nr_children(C.cpu, F_SECS), children + 1);

	expect_epcm_refuses(OFF_HOLE, SGX_ACCESS_READ, "read of a PENDING page");
	expect_epcm_refuses(OFF_HOLE + 0x10, SGX_ACCESS_WRITE, "write to a PENDING page");

	EXPECT_LEAF(0, eaccept(SGX_SECINFO_REG | R | W | SGX_SECINFO_PENDING, OFF_HOLE),
		    "EACCEPT(0x20B) after EAUG");
	i = epcm(F_AUG);
	cr_assert(i.valid && !i.pending && !i.modified && !i.pr);
	cr_assert_eq(i.perm, R | W);
	expect_access_ok(OFF_HOLE, SGX_ACCESS_READ | SGX_ACCESS_WRITE, "accepted page");
	expect_epcm_refuses(OFF_HOLE, SGX_ACCESS_EXEC, "exec of an RW page");
}

Test(sgx2, eaccept_mismatch)
{
	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	map(BASE + OFF_HOLE2, F_AUG); /* an alias: right frame, wrong address */
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eaccept(SGX_SECINFO_REG | R | SGX_SECINFO_PENDING, OFF_HOLE),
		    "EACCEPT, R only for an RW page");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eaccept(SGX_SECINFO_REG | R | W | X | SGX_SECINFO_PENDING, OFF_HOLE),
		    "EACCEPT, RWX for an RW page");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eaccept(SGX_SECINFO_REG | R | W | SGX_SECINFO_PR, OFF_HOLE),
		    "EACCEPT, PR instead of PENDING");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eaccept(SGX_SECINFO_REG | R | W | SGX_SECINFO_PENDING, OFF_HOLE2),
		    "EACCEPT at an address the page was not added at");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eaccept(SGX_SECINFO_REG | R | W | SGX_SECINFO_PENDING, OFF_DATA),
		    "EACCEPT of a page that is not pending");
	cr_assert(epcm(F_AUG).pending, "still pending after the failures");
}

Test(sgx2, eaccept_faults)
{
	const uint64_t ok = SGX_SECINFO_REG | R | W | SGX_SECINFO_PENDING;

	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG");
	EXPECT_LEAF(GP, enclu(SGX_EACCEPT, secinfo_at(0, ok) + 8, BASE + OFF_HOLE, 0),
		    "EACCEPT, SECINFO not 64-aligned");
	EXPECT_LEAF(GP, enclu(SGX_EACCEPT, BASE + ENCL_SIZE, BASE + OFF_HOLE, 0),
		    "EACCEPT, SECINFO outside ELRANGE");
	EXPECT_LEAF(0, emodpr(0, F_SRC), "EMODPR of SRC to no access");
	EXPECT_LEAF(PF, enclu(SGX_EACCEPT, BASE + OFF_SRC, BASE + OFF_HOLE, 0),
		    "EACCEPT, SECINFO on an unreadable page");
	cr_assert(lf.error_code & X86_PF_SGX);
	EXPECT_LEAF(PF, enclu(SGX_EACCEPT, BASE + OFF_TCS, BASE + OFF_HOLE, 0),
		    "EACCEPT, SECINFO on the TCS");
	cr_assert(lf.error_code & X86_PF_SGX);
	EXPECT_LEAF(PF, enclu(SGX_EACCEPT, BASE + OFF_HOLE, BASE + OFF_HOLE, 0),
		    "EACCEPT, SECINFO on a PENDING page");
	EXPECT_LEAF(PF, enclu(SGX_EACCEPT, BASE + 0xA000, BASE + OFF_HOLE, 0),
		    "EACCEPT, SECINFO unmapped");
	cr_assert_eq(lf.error_code & X86_PF_SGX, 0, "a page-table #PF has no SGX bit");
	secinfo_at(0, ok);
	((uint8_t *)frame_mem(F_OPS))[8] = 1; /* SECINFO byte 8: reserved */
	EXPECT_LEAF(GP, enclu(SGX_EACCEPT, BASE + OFF_OPS, BASE + OFF_HOLE, 0),
		    "EACCEPT, SECINFO reserved byte set");
	EXPECT_LEAF(GP, eaccept(ok | 0x10000, OFF_HOLE), "EACCEPT, SECINFO reserved flag bit");
	EXPECT_LEAF(GP, eaccept(ok, OFF_HOLE + 0x10), "EACCEPT, target not 4K-aligned");
	EXPECT_LEAF(GP, eaccept(ok, ENCL_SIZE), "EACCEPT, target outside ELRANGE");
	EXPECT_LEAF(GP, eaccept(SGX_SECINFO_REG | R | W, OFF_HOLE),
		    "EACCEPT, REG without PENDING or PR");
	EXPECT_LEAF(GP, eaccept(ok | SGX_SECINFO_MODIFIED, OFF_HOLE), "EACCEPT, REG with MODIFIED");
	EXPECT_LEAF(GP, eaccept(SGX_SECINFO_TRIM, OFF_HOLE), "EACCEPT, TRIM without MODIFIED");
	EXPECT_LEAF(GP, eaccept(SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED | SGX_SECINFO_PR, OFF_HOLE),
		    "EACCEPT, TRIM with PR");
	EXPECT_LEAF(GP, eaccept((uint64_t)SGX_PT_VA << 8 | SGX_SECINFO_MODIFIED, OFF_HOLE),
		    "EACCEPT, PT_VA");
	EXPECT_LEAF(PF, eaccept(ok, 0xB000), "EACCEPT, target unmapped");
	cr_assert_eq(lf.error_code & X86_PF_SGX, 0, "a page-table #PF has no SGX bit");
	map(BASE + OFF_HOLE2, F_AUG2);
	EXPECT_LEAF(PF, eaccept(ok, OFF_HOLE2), "EACCEPT, target an invalid EPC page");
	cr_assert(lf.error_code & X86_PF_SGX);
	cr_assert_eq(lf.addr, BASE + OFF_HOLE2);
	map(BASE + 0xC000, F_SECS);
	EXPECT_LEAF(PF, eaccept(ok, 0xC000), "EACCEPT, target the SECS");
	EXPECT_LEAF(0, eaccept(ok, OFF_HOLE), "EACCEPT after all that");
}

/* ======================= EMODPR + ETRACK ======================= */

Test(sgx2, emodpr_etrack_eaccept)
{
	const uint64_t pr_r = SGX_SECINFO_REG | R | SGX_SECINFO_PR; /* 0x221 */
	struct sgx_epcm_info i;

	std_build();
	EXPECT_LEAF(0, emodpr(R, F_DATA), "EMODPR to R");
	i = epcm(F_DATA);
	cr_assert(i.pr && !i.pending && !i.modified);
	cr_assert_eq(i.perm, R, "EMODPR restricts at once");
	/* A PR page stays usable with its restricted permissions. */
	expect_access_ok(OFF_DATA, SGX_ACCESS_READ, "read of a PR page");
	expect_epcm_refuses(OFF_DATA, SGX_ACCESS_WRITE, "write to a page restricted to R");

	EXPECT_LEAF(SGX_NOT_TRACKED, eaccept(pr_r, OFF_DATA), "EACCEPT(0x221) before ETRACK");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH, eaccept(SGX_SECINFO_REG | R | W | SGX_SECINFO_PR,
							  OFF_DATA),
		    "EACCEPT(0x223): mismatch is reported before tracking");
	EXPECT_LEAF(0, etrack(), "ETRACK");
	EXPECT_LEAF(0, eaccept(pr_r, OFF_DATA), "EACCEPT(0x221) after ETRACK");
	i = epcm(F_DATA);
	cr_assert(!i.pr && !i.pending && !i.modified);
	cr_assert_eq(i.perm, R);
	expect_access_ok(OFF_DATA, SGX_ACCESS_READ, "read after accept");
	expect_epcm_refuses(OFF_DATA, SGX_ACCESS_WRITE, "write after accepting R");
}

Test(sgx2, emodpr_after_etrack_needs_another)
{
	std_build();
	EXPECT_LEAF(0, etrack(), "ETRACK with nothing to track");
	EXPECT_LEAF(0, emodpr(R, F_DATA), "EMODPR after that ETRACK");
	EXPECT_LEAF(SGX_NOT_TRACKED, eaccept(SGX_SECINFO_REG | R | SGX_SECINFO_PR, OFF_DATA),
		    "an ETRACK older than the change does not count");
	EXPECT_LEAF(0, etrack(), "ETRACK");
	EXPECT_LEAF(0, emodpr(R, F_SRC), "EMODPR of another page");
	EXPECT_LEAF(0, eaccept(SGX_SECINFO_REG | R | SGX_SECINFO_PR, OFF_DATA),
		    "tracked change accepted while a newer one is not tracked");
	EXPECT_LEAF(SGX_NOT_TRACKED, eaccept(SGX_SECINFO_REG | R | SGX_SECINFO_PR, OFF_SRC),
		    "the newer change");
}

Test(sgx2, emodpr_errors)
{
	uint8_t *si = th_alloc(64, 128);

	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG");
	EXPECT_LEAF(SGX_PAGE_NOT_MODIFIABLE, emodpr(R, F_AUG), "EMODPR of a PENDING page");
	EXPECT_LEAF(PF, emodpr(R, F_TCS), "EMODPR of a TCS");
	cr_assert_eq(lf.addr, epc(F_TCS));
	EXPECT_LEAF(PF, emodpr(R, F_SECS), "EMODPR of a SECS");
	EXPECT_LEAF(PF, emodpr(R, F_AUG2), "EMODPR of an invalid page");
	EXPECT_LEAF(GP, emodpr(W, F_DATA), "EMODPR to W without R");
	EXPECT_LEAF(GP, emodpr(R | 0x40, F_DATA), "EMODPR, reserved flag bit 6");
	EXPECT_LEAF(GP, emod(SGX_EMODPR, R, 1, F_DATA), "EMODPR, reserved SECINFO byte");
	si[32] = R;
	EXPECT_LEAF(GP, sgx_emodpr(C.cpu, A(si) + 32, epc(F_DATA), &lf),
		    "EMODPR, SECINFO not 64-aligned");
	free(si);
	EXPECT_LEAF(0, emodpr(R, F_DATA), "EMODPR");
	EXPECT_LEAF(0, emodpr(R, F_DATA), "EMODPR twice is allowed (PR is not MODIFIED)");
}

Test(sgx2, emodpr_before_einit_gp)
{
	build(true, false);
	EXPECT_LEAF(GP, emodpr(R, F_DATA), "EMODPR in an uninitialized enclave");
	EXPECT_LEAF(GP, emodt(SGX_SECINFO_TRIM, F_DATA), "EMODT in an uninitialized enclave");
}

/* ======================= EMODT ======================= */

Test(sgx2, emodt_trim_eaccept_eremove)
{
	const uint64_t trim_mod = SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED; /* 0x410 */
	uint64_t children;
	struct sgx_epcm_info i;

	std_build();
	EXPECT_LEAF(0, emodpr(R, F_DATA), "EMODPR first (EMODT clears PR)");
	EXPECT_LEAF(0, emodt(SGX_SECINFO_TRIM, F_DATA), "EMODT REG -> TRIM");
	i = epcm(F_DATA);
	cr_assert(i.modified && !i.pr && !i.pending);
	cr_assert_eq(i.type, SGX_PT_TRIM);
	cr_assert_eq(i.perm, 0);
	expect_epcm_refuses(OFF_DATA, SGX_ACCESS_READ, "read of a MODIFIED page");
	/* Linux's "EACCEPT done?" probe (fact sheet 10.7). */
	EXPECT_LEAF(SGX_PAGE_NOT_MODIFIABLE, emodpr(R | W | X, F_DATA), "EMODPR before EACCEPT");
	EXPECT_LEAF(PF, emodt(SGX_SECINFO_TRIM, F_DATA), "EMODT TRIM -> TRIM");
	EXPECT_LEAF(SGX_NOT_TRACKED, eaccept(trim_mod, OFF_DATA), "EACCEPT(0x410) before ETRACK");
	EXPECT_LEAF(0, etrack(), "ETRACK");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eaccept(SGX_SECINFO_TCS | SGX_SECINFO_MODIFIED, OFF_DATA),
		    "EACCEPT as TCS of a TRIM page");
	EXPECT_LEAF(0, eaccept(trim_mod, OFF_DATA), "EACCEPT(0x410)");
	i = epcm(F_DATA);
	cr_assert(i.valid && !i.modified && i.type == SGX_PT_TRIM);
	EXPECT_LEAF(PF, emodpr(R | W | X, F_DATA), "EMODPR after EACCEPT");

	children = sgx_secs_nr_children(C.cpu, F_SECS);
	EXPECT_LEAF(0, sgx_eremove(C.cpu, epc(F_DATA), &lf), "EREMOVE of the trimmed page");
	cr_assert(!epcm(F_DATA).valid, "the frame is free");
	cr_assert_eq(sgx_secs_nr_children(C.cpu, F_SECS), children - 1);
	map(BASE + OFF_HOLE, F_DATA);
	EXPECT_LEAF(0, eaug(F_DATA, OFF_HOLE), "the frame can be EAUG'd again");
}

/* EREMOVE of a TRIM page while a thread is inside: only once accepted. */
Test(sgx2, eremove_trim_with_thread_inside)
{
	struct sgx_lp lp2;
	struct sgx_regs r;
	int rc;

	std_build();
	memset(&lp2, 0, sizeof(lp2));
	memset(&r, 0, sizeof(r));
	r.rax = SGX_EENTER;
	r.rbx = BASE + OFF_TCS;
	r.rcx = AEP;
	r.rip = START_RIP;
	rc = sgx_enclu(C.cpu, &lp2, &r, &lf);
	cr_assert_eq(rc, 0, "EENTER: %s", th_outcome(rc, &lf));

	EXPECT_LEAF(0, emodt(SGX_SECINFO_TRIM, F_DATA), "EMODT REG -> TRIM");
	EXPECT_LEAF(0, etrack(), "ETRACK");
	EXPECT_LEAF(SGX_ENCLAVE_ACT, sgx_eremove(C.cpu, epc(F_DATA), &lf),
		    "EREMOVE of a TRIM page not yet accepted, thread inside");
	EXPECT_LEAF(0, eaccept(SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED, OFF_DATA), "EACCEPT");
	EXPECT_LEAF(0, sgx_eremove(C.cpu, epc(F_DATA), &lf),
		    "EREMOVE of an accepted TRIM page, thread inside");
	EXPECT_LEAF(SGX_ENCLAVE_ACT, sgx_eremove(C.cpu, epc(F_SRC), &lf),
		    "EREMOVE of a REG page, thread inside");
}

/* The fields of a TCS the enclave writes into a REG page before EMODT. */
static void prepare_tcs(uint64_t frame, uint32_t nssa)
{
	struct sgx_tcs *t = frame_mem(frame);

	memset(t, 0, sizeof(*t));
	t->ssa_offset = OFF_SSA2;
	t->nr_ssa_frames = nssa;
	t->entry_offset = ENTRY_OFF;
}

Test(sgx2, emodt_tcs_eaccept_eenter)
{
	const uint64_t tcs_mod = SGX_SECINFO_TCS | SGX_SECINFO_MODIFIED; /* 0x110 */
	struct sgx_lp lp2;
	struct sgx_regs r;
	struct sgx_epcm_info i;
	int rc;

	std_build();
	prepare_tcs(F_DATA, 1);
	EXPECT_LEAF(0, emodt(SGX_SECINFO_TCS, F_DATA), "EMODT REG -> TCS");
	i = epcm(F_DATA);
	cr_assert(i.modified && i.type == SGX_PT_TCS && i.perm == 0);
	EXPECT_LEAF(0, etrack(), "ETRACK");
	EXPECT_LEAF(0, eaccept(tcs_mod, OFF_DATA), "EACCEPT(0x110)");
	i = epcm(F_DATA);
	cr_assert(!i.modified && i.type == SGX_PT_TCS);

	memset(&lp2, 0, sizeof(lp2));
	memset(&r, 0, sizeof(r));
	r.rax = SGX_EENTER;
	r.rbx = BASE + OFF_DATA;
	r.rcx = AEP;
	r.rip = START_RIP;
	rc = sgx_enclu(C.cpu, &lp2, &r, &lf);
	cr_assert_eq(rc, 0, "EENTER on the new TCS: %s", th_outcome(rc, &lf));
	cr_assert(lp2.in_enclave);
	cr_assert_eq(lp2.tcs_frame, F_DATA);
	cr_assert_eq(r.rip, BASE + ENTRY_OFF);
	cr_assert_eq(r.rcx, START_RIP + 3);
	r.rax = SGX_EEXIT;
	r.rbx = START_RIP + 3;
	cr_assert_eq(sgx_enclu(C.cpu, &lp2, &r, &lf), 0, "EEXIT");

	EXPECT_LEAF(PF, emodpr(R, F_DATA), "EMODPR of the new TCS");
	EXPECT_LEAF(0, emodt(SGX_SECINFO_TRIM, F_DATA), "EMODT TCS -> TRIM");
}

Test(sgx2, eaccept_tcs_contents_gp)
{
	const uint64_t tcs_mod = SGX_SECINFO_TCS | SGX_SECINFO_MODIFIED;

	std_build();
	prepare_tcs(F_DATA, 0); /* CSSA 0 is not below NSSA 0 */
	EXPECT_LEAF(0, emodt(SGX_SECINFO_TCS, F_DATA), "EMODT REG -> TCS");
	EXPECT_LEAF(0, etrack(), "ETRACK");
	EXPECT_LEAF(GP, eaccept(tcs_mod, OFF_DATA), "EACCEPT of a TCS with NSSA 0");
	((struct sgx_tcs *)frame_mem(F_DATA))->nr_ssa_frames = 1;
	((struct sgx_tcs *)frame_mem(F_DATA))->reserved[100] = 1;
	EXPECT_LEAF(GP, eaccept(tcs_mod, OFF_DATA), "EACCEPT of a TCS with reserved bytes");
	((struct sgx_tcs *)frame_mem(F_DATA))->reserved[100] = 0;
	((struct sgx_tcs *)frame_mem(F_DATA))->flags = SGX_TCS_DBGOPTIN;
	EXPECT_LEAF(GP, eaccept(tcs_mod, OFF_DATA), "EACCEPT of a TCS with DBGOPTIN");
	((struct sgx_tcs *)frame_mem(F_DATA))->flags = 0;
	((struct sgx_tcs *)frame_mem(F_DATA))->exit_addr = AEP;
	EXPECT_LEAF(GP, eaccept(tcs_mod, OFF_DATA), "EACCEPT of a TCS with AEP set");
	((struct sgx_tcs *)frame_mem(F_DATA))->exit_addr = 0;
	((struct sgx_tcs *)frame_mem(F_DATA))->state = SGX_TCS_STATE_ACTIVE;
	EXPECT_LEAF(GP, eaccept(tcs_mod, OFF_DATA), "EACCEPT of a TCS with STATE set");
	((struct sgx_tcs *)frame_mem(F_DATA))->state = 0;
	EXPECT_LEAF(0, eaccept(tcs_mod, OFF_DATA), "EACCEPT of the fixed TCS");
}

Test(sgx2, emodt_errors)
{
	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	EXPECT_LEAF(0, emodt(SGX_SECINFO_TRIM, F_DATA), "EMODT REG -> TRIM");
	EXPECT_LEAF(PF, emodt(SGX_SECINFO_TCS, F_DATA), "EMODT TRIM -> TCS");
	EXPECT_LEAF(GP, emodt(SGX_SECINFO_REG | R, F_SRC), "EMODT to REG");
	EXPECT_LEAF(GP, emodt((uint64_t)SGX_PT_SECS << 8, F_SRC), "EMODT to SECS");
	EXPECT_LEAF(GP, emodt(SGX_SECINFO_TRIM | 0x80, F_SRC), "EMODT, reserved flag bit 7");
	EXPECT_LEAF(GP, emod(SGX_EMODT, SGX_SECINFO_TRIM, 1, F_SRC), "EMODT, reserved byte");
	EXPECT_LEAF(PF, emodt(SGX_SECINFO_TRIM, F_AUG), "EMODT of an invalid page");
	EXPECT_LEAF(PF, emodt(SGX_SECINFO_TRIM, F_SECS), "EMODT of a SECS");
	EXPECT_LEAF(PF, emodt(SGX_SECINFO_TCS, F_TCS), "EMODT TCS -> TCS");
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG");
	EXPECT_LEAF(SGX_PAGE_NOT_MODIFIABLE, emodt(SGX_SECINFO_TRIM, F_AUG),
		    "EMODT of a PENDING page");
}

/* ======================= ETRACK ======================= */

Test(sgx2, etrack_errors)
{
	std_build();
	EXPECT_LEAF(GP, sgx_etrack(C.cpu, C.e.secs + 8, &lf), "ETRACK, SECS not 4K-aligned");
	EXPECT_LEAF(PF, sgx_etrack(C.cpu, epc(F_DATA), &lf), "ETRACK of a REG page");
	EXPECT_LEAF(PF, sgx_etrack(C.cpu, epc(F_AUG), &lf), "ETRACK of an invalid page");
	EXPECT_LEAF(PF, sgx_etrack(C.cpu, A(frame_mem(0)) - 0x1000, &lf), "ETRACK outside EPC");
	{
		struct sgx_encls_regs r = { .rax = SGX_ETRACK, .rcx = C.e.secs };

		cr_assert_eq(sgx_encls(C.cpu, &r, &lf), 0);
		cr_assert_eq(r.rax, 0, "ETRACK reports 0 in RAX");
	}
}

/* ======================= EMODPE ======================= */

Test(sgx2, emodpe_extends)
{
	std_build();
	expect_epcm_refuses(OFF_RO, SGX_ACCESS_WRITE, "write to the R page");
	EXPECT_LEAF(0, emodpe(R | W, OFF_RO), "EMODPE +W");
	cr_assert_eq(epcm(F_RO).perm, R | W);
	expect_access_ok(OFF_RO, SGX_ACCESS_WRITE, "write after EMODPE");
	EXPECT_LEAF(0, emodpe(X, OFF_RO), "EMODPE +X");
	cr_assert_eq(epcm(F_RO).perm, R | W | X);
	EXPECT_LEAF(0, emodpe(0, OFF_RO), "EMODPE of nothing keeps the permissions");
	cr_assert_eq(epcm(F_RO).perm, R | W | X);
}

Test(sgx2, emodpe_errors)
{
	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG");
	EXPECT_LEAF(GP, emodpe(W, OFF_RO), "EMODPE, W without R");
	EXPECT_LEAF(GP, emodpe(R | 0x10000, OFF_RO), "EMODPE, reserved bit");
	EXPECT_LEAF(GP, emodpe(R, OFF_RO + 0x40), "EMODPE, target not aligned");
	EXPECT_LEAF(GP, emodpe(R, ENCL_SIZE), "EMODPE, target outside ELRANGE");
	EXPECT_LEAF(PF, emodpe(R | W | X, OFF_HOLE), "EMODPE of a PENDING page");
	EXPECT_LEAF(PF, emodpe(R | W | X, OFF_TCS), "EMODPE of a TCS");
	EXPECT_LEAF(PF, emodpe(R | W | X, 0xB000), "EMODPE of an unmapped page");
}

/* ======================= EACCEPTCOPY ======================= */

Test(sgx2, eacceptcopy_copies)
{
	struct sgx_epcm_info i;

	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG");
	EXPECT_LEAF(0, eacceptcopy(SGX_SECINFO_REG | R | X, OFF_HOLE, OFF_SRC),
		    "EACCEPTCOPY as R|X");
	cr_assert(!memcmp(frame_mem(F_AUG), frame_mem(F_SRC), 4096), "the page was copied");
	i = epcm(F_AUG);
	cr_assert(!i.pending && !i.modified && !i.pr);
	cr_assert_eq(i.perm, R | X);
	expect_access_ok(OFF_HOLE, SGX_ACCESS_EXEC, "exec of the copied page");
	expect_epcm_refuses(OFF_HOLE, SGX_ACCESS_WRITE, "write to the copied R|X page");
}

Test(sgx2, eacceptcopy_errors)
{
	std_build();
	map(BASE + OFF_HOLE, F_AUG);
	map(BASE + OFF_HOLE2, F_AUG2);
	EXPECT_LEAF(0, eaug(F_AUG, OFF_HOLE), "EAUG");
	EXPECT_LEAF(0, eaug(F_AUG2, OFF_HOLE2), "EAUG");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eacceptcopy(SGX_SECINFO_REG | R | W, OFF_DATA, OFF_SRC),
		    "EACCEPTCOPY onto a page that is not pending");
	EXPECT_LEAF(GP, eacceptcopy(SGX_SECINFO_REG | W, OFF_HOLE, OFF_SRC),
		    "EACCEPTCOPY, W without R");
	EXPECT_LEAF(GP, eacceptcopy(SGX_SECINFO_TCS, OFF_HOLE, OFF_SRC), "EACCEPTCOPY as TCS");
	EXPECT_LEAF(GP, eacceptcopy(SGX_SECINFO_REG | R | 0x40, OFF_HOLE, OFF_SRC),
		    "EACCEPTCOPY, reserved bit");
	EXPECT_LEAF(GP, eacceptcopy(SGX_SECINFO_REG | R, OFF_HOLE, ENCL_SIZE),
		    "EACCEPTCOPY, source outside ELRANGE");
	EXPECT_LEAF(PF, eacceptcopy(SGX_SECINFO_REG | R, OFF_HOLE, OFF_HOLE2),
		    "EACCEPTCOPY from a PENDING page");
	EXPECT_LEAF(PF, eacceptcopy(SGX_SECINFO_REG | R, OFF_HOLE, OFF_TCS),
		    "EACCEPTCOPY from the TCS");
	EXPECT_LEAF(PF, eacceptcopy(SGX_SECINFO_REG | R, 0xB000, OFF_SRC),
		    "EACCEPTCOPY to an unmapped page");
	EXPECT_LEAF(0, eacceptcopy(SGX_SECINFO_REG | R, OFF_HOLE, OFF_SRC), "EACCEPTCOPY");
	EXPECT_LEAF(SGX_PAGE_ATTRIBUTES_MISMATCH,
		    eacceptcopy(SGX_SECINFO_REG | R, OFF_HOLE, OFF_SRC),
		    "EACCEPTCOPY twice");
}

/* ======================= without SGX2 ======================= */

Test(sgx2, sgx2_disabled_is_gp)
{
	build(false, true);
	map(BASE + OFF_HOLE, F_AUG);
	EXPECT_LEAF(GP, eaug(F_AUG, OFF_HOLE), "EAUG without SGX2");
	EXPECT_LEAF(GP, emodpr(R, F_DATA), "EMODPR without SGX2");
	EXPECT_LEAF(GP, emodt(SGX_SECINFO_TRIM, F_DATA), "EMODT without SGX2");
	EXPECT_LEAF(GP, eaccept(SGX_SECINFO_REG | R | W | SGX_SECINFO_PENDING, OFF_DATA),
		    "EACCEPT without SGX2");
	EXPECT_LEAF(GP, emodpe(R | W, OFF_RO), "EMODPE without SGX2");
	EXPECT_LEAF(GP, eacceptcopy(SGX_SECINFO_REG | R, OFF_HOLE, OFF_SRC),
		    "EACCEPTCOPY without SGX2");
	EXPECT_LEAF(0, etrack(), "ETRACK is an SGX1 leaf");
}
