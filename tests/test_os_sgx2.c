/*
 * test_os_sgx2.c - the driver's SGX2 side against the Linux driver (fact
 * sheet 14.3, 14.5, 10.7): SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, _MODIFY_TYPES
 * and _REMOVE_PAGES with their ordered up-front checks, count/result and the
 * copy back; the page-fault hook (EAUG into holes, host mapping refreshed
 * after EPCM changes); and SGX1 behaviour when the CPU lacks SGX2.
 *
 * The enclave is encl-a (TCS 0x0, code 0x1000 R|X, data 0x2000 RW, heap
 * 0x3000 RW) created with SIZE 0x8000, so that 0x4000..0x7FFF is a hole,
 * mapped RW, signed here. Enclave code cannot run in this test: the
 * enclave's EACCEPT is executed with sgx_enclu() on a logical processor put
 * in enclave mode by hand (as test_keys.c does), with its SECINFO operand in
 * the data page.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <asm/sgx.h>

#include "os/encl.h"
#include "sgxemu/os.h"
#include "util/encl_load.h"
#include "util/sigsign.h"

#define PAGE 0x1000ull
#define ENCL_SIZE 0x8000ull
#define OFF_TCS 0x0000ull
#define OFF_CODE 0x1000ull
#define OFF_DATA 0x2000ull
#define OFF_HEAP 0x3000ull
#define OFF_HOLE 0x4000ull   /* 0x4000..0x7FFF: no pages, mapped RW */
#define OFF_SECINFO 0x2040ull /* EACCEPT's SECINFO operand, in the data page */

#define RP SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS
#define MT SGX_IOC_ENCLAVE_MODIFY_TYPES
#define RM SGX_IOC_ENCLAVE_REMOVE_PAGES

static struct sgx_os *os;
static struct sgx_encl *encl;
static struct el_image img;
static uint64_t base;

static void setup_with(uint32_t features_on, uint32_t features_off, uint64_t epc_size)
{
	struct sgx_cpu_config cfg;

	sgx_cpu_config_default(&cfg);
	cfg.features |= features_on;
	cfg.features &= ~features_off;
	if (epc_size)
		cfg.epc_size = epc_size;
	cr_assert_eq(sgx_os_create(&cfg, &os), 0);
	cr_assert_eq(sgx_encl_open(os, &encl), 0);
	cr_assert_eq(el_image_load(el_vector_path("elf/encl-a.elf"), PAGE, &img), 0);
	img.encl_size = ENCL_SIZE;
}

static void setup(void)
{
	setup_with(SGX_FEATURE_BIT(SGX_FEAT_SGX2), 0, 0);
}

static void setup_sgx1(void)
{
	setup_with(0, SGX_FEATURE_BIT(SGX_FEAT_SGX2), 0);
}

/* SECS + 4 pages + one spare frame. */
static void setup_small_epc(void)
{
	setup_with(SGX_FEATURE_BIT(SGX_FEAT_SGX2), 0, 6 * PAGE);
}

static void teardown(void)
{
	uint64_t now;

	if (encl)
		sgx_encl_release(encl);
	encl = NULL;
	sgx_os_epc_usage(os, &now, NULL);
	cr_expect_eq(now, 0, "EPC frames leaked: %lu", (unsigned long)now);
	sgx_os_destroy(os);
	el_image_free(&img);
}

/* CREATE, ADD_PAGES, map the segments and the hole. */
static void build(void)
{
	uint64_t a;

	cr_assert_eq(el_create(encl, &img, 0, &base), 0);
	cr_assert_eq(el_add_all(encl, &img), 0);
	cr_assert_eq(el_map_all(encl, &img, base), 0);
	a = sgx_encl_mmap(encl, base + OFF_HOLE, ENCL_SIZE - OFF_HOLE, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, base + OFF_HOLE);
}

static void init(void)
{
	struct sgx_sigstruct *sig = aligned_alloc(PAGE, PAGE);
	uint8_t mrenclave[32];
	uint64_t secs_frame;
	char err[256];

	cr_assert_not_null(sig);
	cr_assert_eq(sgx_encl_secs(encl, &secs_frame, NULL, NULL), 0);
	cr_assert_eq(sgx_secs_peek_mrenclave(sgx_os_cpu(os), secs_frame, mrenclave), 0);
	ts_sigstruct_init(sig, mrenclave);
	cr_assert_eq(ts_sign(sig, el_vector_path("test-signing-key.pem"), err, sizeof(err)), 0,
		     "sign: %s", err);
	cr_assert_eq(el_init(encl, sig), 0);
	free(sig);
}

static void build_init(void)
{
	build();
	init();
}

static long ioc(unsigned int cmd, void *arg)
{
	return sgx_encl_ioctl(encl, cmd, (unsigned long)arg);
}

static uint64_t in_use(void)
{
	uint64_t n;

	sgx_os_epc_usage(os, &n, NULL);
	return n;
}

/* White box: the driver's record of the page at off. */
static uint64_t entry_at(uint64_t off)
{
	return sgx_encl_page(encl, base + off);
}

/* What the EPCM says about the page at off (which must exist). */
static struct sgx_epcm_info epcm_at(uint64_t off)
{
	struct sgx_epcm_info info;
	uint64_t e = entry_at(off);

	cr_assert(e & SGX_PAGE_PRESENT, "no page at offset 0x%lx", (unsigned long)off);
	cr_assert_eq(sgx_epcm_query(sgx_os_cpu(os), sgx_page_frame(e), &info), 0);
	return info;
}

/* The host's protection of the page at off, "rwxs"-style, from /proc/self/maps. */
static void host_prot(uint64_t off, char out[5])
{
	uint64_t la = base + off, lo, hi;
	char line[512], perms[8];
	FILE *f = fopen("/proc/self/maps", "r");

	strcpy(out, "????");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && la >= lo && la < hi) {
			memcpy(out, perms, 4);
			out[4] = 0;
			break;
		}
	}
	fclose(f);
}

#define assert_host_prot(off, want)                                                      \
	do {                                                                             \
		char p_[5];                                                              \
		host_prot((off), p_);                                                    \
		cr_assert_str_eq(p_, (want), "host mapping at 0x%lx: %s, want %s",     \
				 (unsigned long)(off), p_, (want));                      \
	} while (0)

/* The enclave executes EACCEPT(secinfo flags, page at off); returns its
 * outcome (RAX, or a fault). */
static int eaccept(uint64_t off, uint64_t flags)
{
	struct sgx_secinfo *si;
	struct sgx_regs regs;
	struct sgx_fault f;
	struct sgx_lp lp;
	uint64_t secs_frame;

	cr_assert_eq(sgx_encl_secs(encl, &secs_frame, NULL, NULL), 0);
	/* The data page is RW in the EPCM: write the operand as enclave code
	 * would, straight into its frame. */
	si = (struct sgx_secinfo *)(uintptr_t)(sgx_epc_frame_addr(sgx_os_cpu(os),
								  sgx_page_frame(entry_at(OFF_DATA))) +
					      (OFF_SECINFO & 0xFFF));
	memset(si, 0, sizeof(*si));
	si->flags = flags;
	memset(&lp, 0, sizeof(lp));
	lp.in_enclave = true;
	lp.secs_frame = secs_frame;
	lp.elrange_base = base;
	lp.elrange_size = ENCL_SIZE;
	memset(&regs, 0, sizeof(regs));
	regs.rax = SGX_EACCEPT;
	regs.rbx = base + OFF_SECINFO;
	regs.rcx = base + off;
	regs.rip = base + OFF_CODE;
	memset(&f, 0, sizeof(f));
	return sgx_enclu(sgx_os_cpu(os), &lp, &regs, &f);
}

/* The driver's page-fault hook, as the trap path reaches it. */
static int fault(uint64_t off, unsigned access)
{
	return sgx_cpu_os_fault(sgx_os_cpu(os), base + off, access);
}

TestSuite(os_sgx2, .init = setup, .fini = teardown);

/* ---- the ordered up-front checks ------------------------------------------ */

Test(os_sgx2, zero_length_probes)
{
	struct sgx_enclave_restrict_permissions rp = { 0 };
	struct sgx_enclave_modify_types mt = { 0 };
	struct sgx_enclave_remove_pages rm = { 0 };

	/* Not even created, then created, then initialized: always -EINVAL. */
	cr_assert_eq(ioc(RP, &rp), -EINVAL);
	cr_assert_eq(ioc(MT, &mt), -EINVAL);
	cr_assert_eq(ioc(RM, &rm), -EINVAL);
	build();
	cr_assert_eq(ioc(RP, &rp), -EINVAL);
	cr_assert_eq(ioc(MT, &mt), -EINVAL);
	cr_assert_eq(ioc(RM, &rm), -EINVAL);
	init();
	cr_assert_eq(ioc(RP, &rp), -EINVAL);
	cr_assert_eq(ioc(MT, &mt), -EINVAL);
	cr_assert_eq(ioc(RM, &rm), -EINVAL);
}

Test(os_sgx2, step0_another_ioctl_running_is_ebusy)
{
	build_init();
	/* White box: another ioctl "running" holds the per-enclave flag. */
	atomic_fetch_or(&encl->flags, SGX_ENCL_IOCTL);
	cr_assert_eq(ioc(RP, NULL), -EBUSY);
	cr_assert_eq(ioc(MT, NULL), -EBUSY);
	cr_assert_eq(ioc(RM, NULL), -EBUSY);
	atomic_fetch_and(&encl->flags, ~SGX_ENCL_IOCTL);
	cr_assert_eq(ioc(RP, NULL), -EFAULT);
}

Test(os_sgx2, step2_not_initialized_before_the_copy)
{
	struct sgx_enclave_restrict_permissions rp = {
		.offset = OFF_DATA, .length = PAGE, .permissions = SGX_SECINFO_R, .count = 7,
		.result = 9,
	};
	struct sgx_enclave_restrict_permissions keep = rp;

	/* A bad pointer is not even looked at. */
	cr_assert_eq(ioc(RP, NULL), -EINVAL);
	cr_assert_eq(ioc(MT, NULL), -EINVAL);
	cr_assert_eq(ioc(RM, NULL), -EINVAL);
	build();
	cr_assert_eq(ioc(RP, (void *)1), -EINVAL);
	cr_assert_eq(ioc(RP, &rp), -EINVAL);
	cr_assert_eq(memcmp(&rp, &keep, sizeof(rp)), 0, "struct untouched");
}

Test(os_sgx2, step3_copy_from_user_is_efault)
{
	void *gone;

	build_init();
	gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(gone, MAP_FAILED);
	munmap(gone, PAGE);
	cr_assert_eq(ioc(RP, NULL), -EFAULT);
	cr_assert_eq(ioc(MT, NULL), -EFAULT);
	cr_assert_eq(ioc(RM, NULL), -EFAULT);
	cr_assert_eq(ioc(RP, gone), -EFAULT);
	cr_assert_eq(ioc(MT, gone), -EFAULT);
	cr_assert_eq(ioc(RM, gone), -EFAULT);
}

/* Step 4 for all three ioctls, with the later fields invalid as well. */
Test(os_sgx2, step4_offset_length_rules_leave_struct_untouched)
{
	static const struct {
		uint64_t offset, length;
	} bad[] = {
		{ OFF_DATA + 8, PAGE },    /* offset not aligned */
		{ OFF_DATA, 0 },           /* length 0 */
		{ OFF_DATA, PAGE + 1 },    /* not a multiple of 4K */
		{ OFF_DATA, 0x800 },
		{ ~0xFFFull, 0x2000 },     /* offset + length overflows */
		{ 0, ENCL_SIZE + PAGE },   /* beyond SIZE */
		{ ENCL_SIZE, PAGE },
		{ ENCL_SIZE - PAGE, 0x2000 },
	};

	build_init();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sgx_enclave_restrict_permissions rp = {
			bad[i].offset, bad[i].length, 0x8 | SGX_SECINFO_W, 0x55, 0x77,
		};
		struct sgx_enclave_modify_types mt = {
			bad[i].offset, bad[i].length, 0x100, 0x55, 0x77,
		};
		struct sgx_enclave_remove_pages rm = { bad[i].offset, bad[i].length, 0x77 };
		struct sgx_enclave_restrict_permissions rp0 = rp;
		struct sgx_enclave_modify_types mt0 = mt;
		struct sgx_enclave_remove_pages rm0 = rm;

		cr_assert_eq(ioc(RP, &rp), -EINVAL, "case %zu", i);
		cr_assert_eq(ioc(MT, &mt), -EINVAL, "case %zu", i);
		cr_assert_eq(ioc(RM, &rm), -EINVAL, "case %zu", i);
		cr_assert_eq(memcmp(&rp, &rp0, sizeof(rp)), 0, "case %zu: RP struct untouched", i);
		cr_assert_eq(memcmp(&mt, &mt0, sizeof(mt)), 0, "case %zu: MT struct untouched", i);
		cr_assert_eq(memcmp(&rm, &rm0, sizeof(rm)), 0, "case %zu: RM struct untouched", i);
	}
	/* The last page of ELRANGE is a valid range (it is a hole: -EFAULT). */
	{
		struct sgx_enclave_restrict_permissions rp = { ENCL_SIZE - PAGE, PAGE,
							       SGX_SECINFO_R, 0, 0 };

		cr_assert_eq(ioc(RP, &rp), -EFAULT);
		cr_assert_eq(rp.count, 0);
	}
}

Test(os_sgx2, restrict_field_checks)
{
	/* Steps 5, 6, 7; a page that would otherwise work (data). */
	struct sgx_enclave_restrict_permissions cases[] = {
		{ OFF_DATA, PAGE, 0x8, 0, 0 },                          /* step 5 */
		{ OFF_DATA, PAGE, ~0ull, 0, 0 },
		{ OFF_DATA, PAGE, SGX_SECINFO_W, 0, 0 },                /* step 6 */
		{ OFF_DATA, PAGE, SGX_SECINFO_W | SGX_SECINFO_X, 0, 0 },
		{ OFF_DATA, PAGE, SGX_SECINFO_R, 1, 0 },                /* step 7 */
		{ OFF_DATA, PAGE, SGX_SECINFO_R, 0, PAGE },
	};

	build_init();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sgx_enclave_restrict_permissions rp = cases[i];

		cr_assert_eq(ioc(RP, &rp), -EINVAL, "case %zu", i);
		cr_assert_eq(memcmp(&rp, &cases[i], sizeof(rp)), 0, "case %zu: untouched", i);
	}
	/* Nothing changed in the EPCM. */
	cr_assert_eq(epcm_at(OFF_DATA).perm, SGX_SECINFO_R | SGX_SECINFO_W);
	cr_assert(!epcm_at(OFF_DATA).pr);
}

Test(os_sgx2, modify_types_field_checks)
{
	struct sgx_enclave_modify_types cases[] = {
		{ OFF_HEAP, PAGE, 0x100 | SGX_PT_TRIM, 0, 0 },  /* step 5 */
		{ OFF_HEAP, PAGE, SGX_PT_TRIM, 1, 0 },          /* step 6 */
		{ OFF_HEAP, PAGE, SGX_PT_TRIM, 0, PAGE },
		{ OFF_HEAP, PAGE, SGX_PT_REG, 0, 0 },           /* step 7 */
		{ OFF_HEAP, PAGE, SGX_PT_SECS, 0, 0 },
		{ OFF_HEAP, PAGE, SGX_PT_VA, 0, 0 },
		{ OFF_HEAP, PAGE, SGX_PT_SS_FIRST, 0, 0 },
	};

	build_init();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sgx_enclave_modify_types mt = cases[i];

		cr_assert_eq(ioc(MT, &mt), -EINVAL, "case %zu", i);
		cr_assert_eq(memcmp(&mt, &cases[i], sizeof(mt)), 0, "case %zu: untouched", i);
	}
	cr_assert_eq(epcm_at(OFF_HEAP).type, SGX_PT_REG);
	cr_assert(!epcm_at(OFF_HEAP).modified);
}

Test(os_sgx2, remove_pages_count_must_be_zero)
{
	struct sgx_enclave_remove_pages rm = { OFF_HEAP, PAGE, 1 };

	build_init();
	cr_assert_eq(ioc(RM, &rm), -EINVAL);
	cr_assert_eq(rm.count, 1, "untouched");
}

/* ---- without SGX2 ---------------------------------------------------------- */

Test(os_sgx2_without, like_sgx1_hardware, .init = setup_sgx1, .fini = teardown)
{
	struct sgx_enclave_restrict_permissions rp = { 0 };
	struct sgx_enclave_modify_types mt = { 0 };
	struct sgx_enclave_remove_pages rm = { 0 };
	uint64_t before;

	/* Zero-length probes and bad pointers, before and after INIT. */
	cr_assert_eq(ioc(RP, &rp), -ENODEV);
	cr_assert_eq(ioc(MT, &mt), -ENODEV);
	cr_assert_eq(ioc(RM, &rm), -ENODEV);
	cr_assert_eq(ioc(RP, NULL), -ENODEV);
	build_init();
	cr_assert_eq(ioc(RP, &rp), -ENODEV);
	cr_assert_eq(ioc(MT, &mt), -ENODEV);
	cr_assert_eq(ioc(RM, &rm), -ENODEV);
	rp = (struct sgx_enclave_restrict_permissions){ OFF_DATA, PAGE, SGX_SECINFO_R, 3, 4 };
	cr_assert_eq(ioc(RP, &rp), -ENODEV);
	cr_assert_eq(rp.result, 3);
	cr_assert_eq(rp.count, 4);
	/* No EAUG: a hole stays a hole (SIGBUS). */
	before = in_use();
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), -1);
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_READ), -1);
	cr_assert_eq(in_use(), before);
	cr_assert_eq(entry_at(OFF_HOLE), 0);
	/* Existing pages are still refreshed. */
	cr_assert_eq(fault(OFF_DATA, SGX_ACCESS_WRITE), 0);
}

/* ---- RESTRICT_PERMISSIONS ------------------------------------------------------ */

Test(os_sgx2, restrict_whole_range)
{
	struct sgx_enclave_restrict_permissions rp = { OFF_DATA, 0x2000, SGX_SECINFO_R, 0, 0 };

	build_init();
	assert_host_prot(OFF_DATA, "rw-s");
	cr_assert_eq(ioc(RP, &rp), 0);
	cr_assert_eq(rp.count, 0x2000);
	cr_assert_eq(rp.result, 0);
	for (uint64_t off = OFF_DATA; off < OFF_HEAP + PAGE; off += PAGE) {
		struct sgx_epcm_info i = epcm_at(off);

		cr_assert_eq(i.perm, SGX_SECINFO_R);
		cr_assert(i.pr);
		/* vm_max_prot_bits unchanged. */
		cr_assert_eq(sgx_page_max_prot(entry_at(off)), PROT_READ | PROT_WRITE);
		/* The host mapping follows the EPCM. */
		assert_host_prot(off, "r--s");
	}
	/* mmap/mprotect still vet against the old maximum. */
	cr_assert_eq(sgx_os_mprotect(os, base + OFF_DATA, PAGE, PROT_READ | PROT_WRITE), 0);
	assert_host_prot(OFF_DATA, "r--s");
	/* A write now faults for good; a read is allowed. */
	cr_assert_eq(fault(OFF_DATA, SGX_ACCESS_WRITE), -1);
	cr_assert_eq(fault(OFF_DATA, SGX_ACCESS_READ), 0);
	/* The enclave accepts the restriction (EACCEPT R|REG|PR). */
	cr_assert_eq(eaccept(OFF_HEAP, SGX_SECINFO_R | SGX_SECINFO_REG | SGX_SECINFO_PR), 0);
	cr_assert(!epcm_at(OFF_HEAP).pr);
}

Test(os_sgx2, restrict_tcs_is_einval)
{
	struct sgx_enclave_restrict_permissions rp = { OFF_TCS, 0x2000, SGX_SECINFO_R, 0, 0 };

	build_init();
	cr_assert_eq(ioc(RP, &rp), -EINVAL);
	cr_assert_eq(rp.count, 0);
	cr_assert_eq(rp.result, 0);
	cr_assert_eq(epcm_at(OFF_CODE).perm, SGX_SECINFO_R | SGX_SECINFO_X);
}

Test(os_sgx2, restrict_hole_is_efault)
{
	struct sgx_enclave_restrict_permissions rp = { OFF_HEAP, 0x2000, SGX_SECINFO_R, 0, 0 };

	build_init();
	/* Heap done, then the hole. */
	cr_assert_eq(ioc(RP, &rp), -EFAULT);
	cr_assert_eq(rp.count, PAGE);
	cr_assert_eq(rp.result, 0);
}

Test(os_sgx2, restrict_partial_success_on_pending_page)
{
	struct sgx_enclave_restrict_permissions rp = { OFF_HEAP, 0x2000, SGX_SECINFO_R, 0, 0 };

	build_init();
	/* 0x4000 becomes a PENDING page through the fault path. */
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), 0);
	cr_assert(epcm_at(OFF_HOLE).pending);
	cr_assert_eq(ioc(RP, &rp), -EFAULT);
	cr_assert_eq(rp.result, SGX_PAGE_NOT_MODIFIABLE);
	cr_assert_eq(rp.count, PAGE);
	cr_assert_eq(epcm_at(OFF_HEAP).perm, SGX_SECINFO_R);
	cr_assert_eq(epcm_at(OFF_HOLE).perm, SGX_SECINFO_R | SGX_SECINFO_W);
}

Test(os_sgx2, copy_back_failure_is_efault)
{
	struct sgx_enclave_restrict_permissions *rp;

	build_init();
	rp = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(rp, MAP_FAILED);
	*rp = (struct sgx_enclave_restrict_permissions){ OFF_DATA, PAGE, SGX_SECINFO_R, 0, 0 };
	cr_assert_eq(mprotect(rp, PAGE, PROT_READ), 0);
	/* The work is done; only the copy back fails. */
	cr_assert_eq(ioc(RP, rp), -EFAULT);
	cr_assert_eq(epcm_at(OFF_DATA).perm, SGX_SECINFO_R);
	cr_assert_eq(rp->count, 0);
	munmap(rp, PAGE);
}

/* ---- MODIFY_TYPES ------------------------------------------------------------ */

Test(os_sgx2, modify_to_trim)
{
	struct sgx_enclave_modify_types mt = { OFF_DATA, 0x2000, SGX_PT_TRIM, 0, 0 };

	build_init();
	cr_assert_eq(ioc(MT, &mt), 0);
	cr_assert_eq(mt.count, 0x2000);
	cr_assert_eq(mt.result, 0);
	for (uint64_t off = OFF_DATA; off < OFF_HEAP + PAGE; off += PAGE) {
		struct sgx_epcm_info i = epcm_at(off);

		cr_assert_eq(i.type, SGX_PT_TRIM);
		cr_assert(i.modified);
		cr_assert_eq(sgx_page_type(entry_at(off)), SGX_PT_TRIM, "new type recorded");
		assert_host_prot(off, "---s");
	}
	/* A TRIM page is no REG page any more: no TCS, no restriction. */
	mt = (struct sgx_enclave_modify_types){ OFF_HEAP, PAGE, SGX_PT_TCS, 0, 0 };
	cr_assert_eq(ioc(MT, &mt), -EINVAL);
	cr_assert_eq(mt.count, 0);
	{
		struct sgx_enclave_restrict_permissions rp = { OFF_HEAP, PAGE, SGX_SECINFO_R,
							       0, 0 };

		cr_assert_eq(ioc(RP, &rp), -EINVAL);
	}
}

Test(os_sgx2, modify_tcs_to_trim)
{
	struct sgx_enclave_modify_types mt = { OFF_TCS, PAGE, SGX_PT_TRIM, 0, 0 };

	build_init();
	cr_assert_eq(ioc(MT, &mt), 0);
	cr_assert_eq(epcm_at(OFF_TCS).type, SGX_PT_TRIM);
	/* TCS -> TCS is not a transition. */
	mt = (struct sgx_enclave_modify_types){ OFF_TCS, PAGE, SGX_PT_TCS, 0, 0 };
	cr_assert_eq(ioc(MT, &mt), -EINVAL);
}

Test(os_sgx2, modify_reg_to_tcs)
{
	struct sgx_enclave_modify_types mt = { OFF_CODE, 0x2000, SGX_PT_TCS, 0, 0 };

	build_init();
	/* The code page's max protection is R|X: no RW TCS there. */
	cr_assert_eq(ioc(MT, &mt), -EPERM);
	cr_assert_eq(mt.count, 0);
	cr_assert_eq(sgx_page_max_prot(entry_at(OFF_CODE)), PROT_READ | PROT_EXEC);
	cr_assert_eq(epcm_at(OFF_CODE).type, SGX_PT_REG);
	/* The heap page (RW) becomes a TCS with max prot RW. */
	mt = (struct sgx_enclave_modify_types){ OFF_HEAP, PAGE, SGX_PT_TCS, 0, 0 };
	cr_assert_eq(ioc(MT, &mt), 0);
	cr_assert_eq(mt.count, PAGE);
	cr_assert_eq(epcm_at(OFF_HEAP).type, SGX_PT_TCS);
	cr_assert_eq(sgx_page_type(entry_at(OFF_HEAP)), SGX_PT_TCS);
	cr_assert_eq(sgx_page_max_prot(entry_at(OFF_HEAP)), PROT_READ | PROT_WRITE);
	assert_host_prot(OFF_HEAP, "---s");
}

Test(os_sgx2, modify_pending_page_reports_result)
{
	struct sgx_enclave_modify_types mt = { OFF_HOLE, PAGE, SGX_PT_TCS, 0, 0 };

	build_init();
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_READ), 0);
	cr_assert_eq(ioc(MT, &mt), -EFAULT);
	cr_assert_eq(mt.result, SGX_PAGE_NOT_MODIFIABLE);
	cr_assert_eq(mt.count, 0);
	/* The maximum protection changed for the TCS is restored. */
	cr_assert_eq(sgx_page_max_prot(entry_at(OFF_HOLE)), PROT_READ | PROT_WRITE | PROT_EXEC);
	cr_assert_eq(sgx_page_type(entry_at(OFF_HOLE)), SGX_PT_REG);
}

/* ---- REMOVE_PAGES ------------------------------------------------------------ */

Test(os_sgx2, remove_needs_trim)
{
	struct sgx_enclave_remove_pages rm = { OFF_DATA, 0x2000, 0 };

	build_init();
	cr_assert_eq(ioc(RM, &rm), -EPERM);
	cr_assert_eq(rm.count, 0);
	cr_assert(entry_at(OFF_DATA) & SGX_PAGE_PRESENT);
}

Test(os_sgx2, remove_flow)
{
	struct sgx_enclave_modify_types mt = { OFF_HEAP, PAGE, SGX_PT_TRIM, 0, 0 };
	struct sgx_enclave_remove_pages rm = { OFF_HEAP, PAGE, 0 };
	uint64_t before;

	build_init();
	cr_assert_eq(ioc(MT, &mt), 0);
	/* Trimmed but not accepted by the enclave: EMODPR answers
	 * SGX_PAGE_NOT_MODIFIABLE instead of #PF. */
	cr_assert_eq(ioc(RM, &rm), -EPERM);
	cr_assert_eq(rm.count, 0);
	cr_assert(entry_at(OFF_HEAP) & SGX_PAGE_PRESENT);
	/* The enclave accepts the trim. */
	cr_assert_eq(eaccept(OFF_HEAP, SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED), 0);
	before = in_use();
	rm.count = 0;
	cr_assert_eq(ioc(RM, &rm), 0);
	cr_assert_eq(rm.count, PAGE);
	cr_assert_eq(in_use(), before - 1, "the frame is freed");
	cr_assert_eq(entry_at(OFF_HEAP), 0, "dropped from the page array");
	assert_host_prot(OFF_HEAP, "---p");
	/* Gone: a second removal finds no page. */
	rm.count = 0;
	cr_assert_eq(ioc(RM, &rm), -EFAULT);
	cr_assert_eq(rm.count, 0);
	/* And the address is a hole again: the fault path EAUGs a new page. */
	cr_assert_eq(fault(OFF_HEAP, SGX_ACCESS_WRITE), 0);
	cr_assert(epcm_at(OFF_HEAP).pending);
}

Test(os_sgx2, remove_partial)
{
	struct sgx_enclave_modify_types mt = { OFF_HEAP, PAGE, SGX_PT_TRIM, 0, 0 };
	struct sgx_enclave_remove_pages rm = { OFF_HEAP, 0x2000, 0 };

	build_init();
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), 0);
	cr_assert_eq(ioc(MT, &mt), 0);
	cr_assert_eq(eaccept(OFF_HEAP, SGX_SECINFO_TRIM | SGX_SECINFO_MODIFIED), 0);
	/* The heap page goes, the EAUG'd page after it (REG) stops the loop. */
	cr_assert_eq(ioc(RM, &rm), -EPERM);
	cr_assert_eq(rm.count, PAGE);
	cr_assert_eq(entry_at(OFF_HEAP), 0);
	cr_assert(entry_at(OFF_HOLE) & SGX_PAGE_PRESENT);
}

/* ---- the page-fault hook -------------------------------------------------------- */

Test(os_sgx2, fault_eaugs_into_a_hole)
{
	uint64_t before, e;
	struct sgx_epcm_info i;
	uint64_t secs_frame;

	build_init();
	cr_assert_eq(sgx_encl_secs(encl, &secs_frame, NULL, NULL), 0);
	before = in_use();
	cr_assert_eq(fault(OFF_HOLE + 0x123, SGX_ACCESS_WRITE), 0);
	cr_assert_eq(in_use(), before + 1);
	e = entry_at(OFF_HOLE);
	cr_assert(e & SGX_PAGE_PRESENT);
	cr_assert_eq(sgx_page_max_prot(e), PROT_READ | PROT_WRITE | PROT_EXEC);
	cr_assert_eq(sgx_page_type(e), SGX_PT_REG);
	i = epcm_at(OFF_HOLE);
	cr_assert(i.valid && i.pending && !i.modified);
	cr_assert_eq(i.type, SGX_PT_REG);
	cr_assert_eq(i.perm, SGX_SECINFO_R | SGX_SECINFO_W);
	cr_assert_eq(i.linaddr, base + OFF_HOLE);
	cr_assert_eq(i.secs_frame, secs_frame);
	/* Mapped, but without access until EACCEPT. */
	assert_host_prot(OFF_HOLE, "---s");
	/* Faulting again changes nothing (hardware: #PF with the SGX bit). */
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), -1);
	cr_assert_eq(in_use(), before + 1);
	/* The enclave accepts it: the next fault brings the mapping up to date. */
	cr_assert_eq(eaccept(OFF_HOLE, SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_REG |
					       SGX_SECINFO_PENDING), 0);
	assert_host_prot(OFF_HOLE, "---s");
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), 0);
	assert_host_prot(OFF_HOLE, "rw-s");
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_READ), 0);
	/* The VMA is RW and the EPCM has no X. */
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_EXEC), -1);
	/* A neighbouring hole gets the next frame. */
	cr_assert_eq(fault(OFF_HOLE + PAGE, SGX_ACCESS_READ), 0);
	cr_assert_eq(sgx_page_frame(entry_at(OFF_HOLE + PAGE)), sgx_page_frame(e) + 1);
}

Test(os_sgx2, fault_refuses_before_init)
{
	uint64_t before;

	build();
	before = in_use();
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), -1);
	cr_assert_eq(in_use(), before);
	cr_assert_eq(entry_at(OFF_HOLE), 0);
}

Test(os_sgx2, fault_outside_vmas_or_against_the_vma)
{
	uint64_t before;

	build_init();
	before = in_use();
	/* Not an enclave VMA at all. */
	cr_assert_eq(sgx_cpu_os_fault(sgx_os_cpu(os), (uint64_t)(uintptr_t)&before,
				      SGX_ACCESS_READ), -1);
	/* A read-only VMA over the hole: a write is an access error, no EAUG. */
	cr_assert_eq(sgx_os_mprotect(os, base + OFF_HOLE, PAGE, PROT_READ), 0);
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), -1);
	cr_assert_eq(in_use(), before);
	/* PROT_NONE: nothing either. */
	cr_assert_eq(sgx_os_mprotect(os, base + OFF_HOLE, PAGE, PROT_NONE), 0);
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_READ), -1);
	cr_assert_eq(in_use(), before);
	/* Unmapped hole. */
	cr_assert_eq(sgx_os_munmap(os, base + OFF_HOLE, PAGE), 0);
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_READ), -1);
	cr_assert_eq(in_use(), before);
	/* Existing pages: code is R|X in a R|X VMA. */
	cr_assert_eq(fault(OFF_CODE, SGX_ACCESS_EXEC), 0);
	cr_assert_eq(fault(OFF_CODE, SGX_ACCESS_WRITE), -1);
	/* A TCS is never accessible. */
	cr_assert_eq(fault(OFF_TCS, SGX_ACCESS_READ), -1);
}

Test(os_sgx2_small, fault_epc_exhausted, .init = setup_small_epc, .fini = teardown)
{
	build_init();
	cr_assert_eq(in_use(), 5);
	cr_assert_eq(fault(OFF_HOLE, SGX_ACCESS_WRITE), 0);
	cr_assert_eq(in_use(), 6);
	cr_assert_eq(fault(OFF_HOLE + PAGE, SGX_ACCESS_WRITE), -1);
	cr_assert_eq(entry_at(OFF_HOLE + PAGE), 0);
	cr_assert_eq(in_use(), 6);
}
