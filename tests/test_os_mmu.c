/*
 * test_os_mmu.c - how an initialized enclave looks in the process: EPC frames
 * at their linear addresses with the effective protection (VMA ∩ EPCM), holes
 * PROT_NONE, and the page-table walk the CPU uses (sgx_os_translate, the
 * documented internal function registered as the CPU's MMU) with its #PF
 * error codes. Uses encl-b (testvectors README, run-time section).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <asm/sgx.h>

#include "os/sgx.h"
#include "sgxemu/os.h"
#include "util/encl_load.h"

#define U X86_PF_USER
#define P X86_PF_PROT
#define W X86_PF_WRITE
#define I X86_PF_INSTR

static struct sgx_os *os;
static struct sgx_encl *encl;
static struct el_image img;
static uint64_t base;

static void setup(void)
{
	struct sgx_cpu_config cfg;
	uint8_t *sig;
	size_t len;

	sgx_cpu_config_default(&cfg);
	cr_assert_eq(sgx_os_create(&cfg, &os), 0);
	cr_assert_eq(sgx_encl_open(os, &encl), 0);
	cr_assert_eq(el_image_load(el_vector_path("elf/encl-b.elf"), 0x1000, &img), 0);
	sig = el_read_file(el_vector_path("sigstruct/encl-b.sigstruct"), &len);
	cr_assert(sig);
	cr_assert_eq(el_create(encl, &img, 0, &base), 0);
	cr_assert_eq(el_add_all(encl, &img), 0);
	cr_assert_eq(el_map_all(encl, &img, base), 0);
	cr_assert_eq(el_init(encl, sig), 0);
	free(sig);
}

static void teardown(void)
{
	sgx_encl_release(encl);
	sgx_os_destroy(os);
	el_image_free(&img);
}

/* The permission field ("r-xs") of the /proc/self/maps line holding addr. */
static const char *maps_perms(uint64_t addr)
{
	static char perms[8];
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	strcpy(perms, "none");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[8];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 && addr >= lo && addr < hi) {
			strcpy(perms, p);
			break;
		}
	}
	if (f)
		fclose(f);
	return perms;
}

static int64_t walk(uint64_t la, unsigned access, uint32_t *code)
{
	struct sgx_fault f = { 0 };
	int64_t r = sgx_os_translate(os, la, access, &f);

	if (r == -1) {
		cr_assert_eq(f.vector, X86_TRAP_PF);
		cr_assert_eq(f.addr, la);
		*code = f.error_code;
	}
	return r;
}

TestSuite(os_mmu, .init = setup, .fini = teardown);

Test(os_mmu, pages_readable_where_epcm_allows)
{
	/* encl-b's first data page: FS:0 of TCS#0 reads "B:DATA:0". */
	cr_assert_eq(*(volatile uint64_t *)(base + 0x5000), 0x303a415441443a42ull);
	/* The R|X byte table at 0x3000: byte i = (167i + 29(i>>8) + 0x5a) & 0xff. */
	for (unsigned i = 0; i < 4096; i += 97)
		cr_assert_eq(*(volatile uint8_t *)(base + 0x3000 + i),
			     (uint8_t)(167 * i + 29 * (i >> 8) + 0x5a));
	cr_assert_str_eq(maps_perms(base + 0x5000), "rw-s");
	cr_assert_str_eq(maps_perms(base + 0x2000), "r-xs");
	cr_assert_str_eq(maps_perms(base + 0x4000), "r--s");
	/* TCS pages: VMA R|W but EPCM no permissions -> not accessible. */
	cr_assert_str_eq(maps_perms(base), "---s");
	cr_assert_str_eq(maps_perms(base + 0x1000), "---s");
	/* Beyond the heap: the probing VMA, a PROT_NONE hole. */
	cr_assert_str_eq(maps_perms(base + 0xa000), "---p");
}

Test(os_mmu, consecutive_pages_on_consecutive_frames)
{
	uint32_t code;
	int64_t first = walk(base + 0x5000, SGX_ACCESS_READ, &code);

	cr_assert_geq(first, 0);
	for (uint64_t i = 1; i < 4; i++)
		cr_assert_eq(walk(base + 0x5000 + i * 0x1000, SGX_ACCESS_READ, &code), first + (int64_t)i);
}

Test(os_mmu, translate_gives_frames_and_page_fault_codes)
{
	struct sgx_epcm_info info;
	uint32_t code = 0;
	int64_t fr;
	int local;

	/* Mapped and allowed: the frame, whose EPCM entry is that page. */
	fr = walk(base + 0x5008, SGX_ACCESS_READ | SGX_ACCESS_WRITE, &code);
	cr_assert_geq(fr, 0);
	cr_assert_eq(sgx_epcm_query(sgx_os_cpu(os), (uint64_t)fr, &info), 0);
	cr_assert_eq(info.linaddr, base + 0x5000);
	/* The TCS page: the VMA allows R|W, the EPCM checks are the CPU's. */
	cr_assert_geq(walk(base, SGX_ACCESS_READ | SGX_ACCESS_WRITE, &code), 0);
	/* VMA forbids the access: present, protection violation. */
	cr_assert_eq(walk(base + 0x2000, SGX_ACCESS_WRITE, &code), -1);
	cr_assert_eq(code, P | U | W);
	cr_assert_eq(walk(base + 0x5000, SGX_ACCESS_EXEC, &code), -1);
	cr_assert_eq(code, P | U | I);
	cr_assert_geq(walk(base + 0x2000, SGX_ACCESS_EXEC, &code), 0);
	/* PROT_NONE VMA inside ELRANGE: not present to the hardware. */
	cr_assert_eq(walk(base + 0xa000, SGX_ACCESS_READ, &code), -1);
	cr_assert_eq(code, U);
	cr_assert_eq(walk(base + 0xa000, SGX_ACCESS_WRITE, &code), -1);
	cr_assert_eq(code, U | W);
	/* A VMA that allows everything over a hole: no EPC page, P=0. */
	cr_assert_eq(sgx_encl_mmap(encl, base + 0xb000, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
				   MAP_SHARED | MAP_FIXED, 0), base + 0xb000);
	cr_assert_eq(walk(base + 0xb000, SGX_ACCESS_WRITE, &code), -1);
	cr_assert_eq(code, U | W);
	cr_assert_eq(walk(base + 0xb010, SGX_ACCESS_EXEC, &code), -1);
	cr_assert_eq(code, U | I);
	/* Inside ELRANGE but no VMA at all. */
	cr_assert_eq(sgx_os_munmap(os, base + 0xc000, 0x1000), 0);
	cr_assert_str_eq(maps_perms(base + 0xc000), "none");
	cr_assert_eq(walk(base + 0xc000, SGX_ACCESS_READ, &code), -1);
	cr_assert_eq(code, U);
	/* Ordinary memory. */
	cr_assert_eq(walk((uint64_t)(uintptr_t)&local, SGX_ACCESS_READ, &code), -2);
	cr_assert_eq(walk(0, SGX_ACCESS_READ, &code), -2);
}

Test(os_mmu, probing_vma_outside_elrange_is_enclave_memory)
{
	uint64_t off, above = base + img.encl_size;
	uint32_t code;

	/* The probe area (2*size) has a part outside ELRANGE, below or above. */
	off = maps_perms(above)[0] != 'n' ? above : base - 0x1000;
	if (!strcmp(maps_perms(off), "none"))
		cr_skip_test("the probe area ends exactly at ELRANGE");
	cr_assert_eq(walk(off, SGX_ACCESS_READ, &code), -1);
	cr_assert_eq(code, U);
}

Test(os_mmu, mprotect_changes_effective_protection)
{
	uint32_t code;

	cr_assert_eq(sgx_os_mprotect(os, base + 0x6000, 0x1000, PROT_READ), 0);
	cr_assert_str_eq(maps_perms(base + 0x6000), "r--s");
	cr_assert_str_eq(maps_perms(base + 0x5000), "rw-s");
	cr_assert_eq(walk(base + 0x6000, SGX_ACCESS_WRITE, &code), -1);
	cr_assert_eq(code, P | U | W);
	cr_assert_geq(walk(base + 0x7000, SGX_ACCESS_WRITE, &code), 0);
	/* More than the page allows. */
	cr_assert_eq(sgx_os_mprotect(os, base + 0x6000, 0x1000, PROT_READ | PROT_EXEC), -EACCES);
	cr_assert_eq(sgx_os_mprotect(os, base + 0x6000, 0x1000, PROT_READ | PROT_WRITE), 0);
	cr_assert_str_eq(maps_perms(base + 0x6000), "rw-s");
	/* Data written through the mapping is the EPC page's data. */
	*(volatile uint64_t *)(base + 0x6000) = 0x1122334455667788ull;
	cr_assert_eq(sgx_os_munmap(os, base + 0x6000, 0x1000), 0);
	cr_assert_eq(sgx_encl_mmap(encl, base + 0x6000, 0x1000, PROT_READ,
				   MAP_SHARED | MAP_FIXED, 0), base + 0x6000);
	cr_assert_eq(*(volatile uint64_t *)(base + 0x6000), 0x1122334455667788ull);
	/* PROT_NONE over a mapped page. */
	cr_assert_eq(sgx_os_mprotect(os, base + 0x5000, 0x1000, PROT_NONE), 0);
	cr_assert_str_eq(maps_perms(base + 0x5000), "---s");
	cr_assert_eq(walk(base + 0x5000, SGX_ACCESS_READ, &code), -1);
	cr_assert_eq(code, U);
}

Test(os_mmu, find_encl_by_elrange)
{
	int local;

	cr_assert_eq(sgx_os_find_encl(os, base), encl);
	cr_assert_eq(sgx_os_find_encl(os, base + img.encl_size - 1), encl);
	cr_assert_null(sgx_os_find_encl(os, base + img.encl_size));
	cr_assert_null(sgx_os_find_encl(os, (uint64_t)(uintptr_t)&local));
	/* Unmapping every VMA keeps the ELRANGE (and the not-present faults). */
	cr_assert_eq(sgx_os_munmap(os, base, img.encl_size), 0);
	cr_assert_eq(sgx_os_find_encl(os, base + 0x5000), encl);
}

Test(os_mmu, release_unmaps_everything)
{
	uint32_t code;
	uint64_t in_use;

	sgx_encl_release(encl);
	cr_assert_str_eq(maps_perms(base + 0x5000), "none");
	cr_assert_eq(walk(base + 0x5000, SGX_ACCESS_READ, &code), -2);
	cr_assert_null(sgx_os_find_encl(os, base));
	sgx_os_epc_usage(os, &in_use, NULL);
	cr_assert_eq(in_use, 0);
	cr_assert_eq(sgx_encl_open(os, &encl), 0); /* for teardown */
}

Test(os_mmu, mmu_is_what_the_cpu_walks)
{
	struct sgx_lp lp = { 0 };
	struct sgx_regs regs = { 0 };
	struct sgx_fault f = { 0 };
	int ret;

	/* EENTER on the code page (not a TCS): the CPU's walk finds the frame
	 * through our MMU, then refuses it in the EPCM check (#PF with SGX). */
	regs.rax = SGX_EENTER;
	regs.rbx = base + 0x2000;
	regs.rcx = 0x1000;
	ret = sgx_enclu(sgx_os_cpu(os), &lp, &regs, &f);
	cr_assert(sgx_leaf_faulted(ret));
	cr_assert_eq(f.vector, X86_TRAP_PF);
	cr_assert(f.error_code & X86_PF_SGX, "error code %#x", f.error_code);
	/* EENTER on an unmapped ELRANGE address: the MMU's not-present #PF. */
	sgx_os_munmap(os, base + 0xd000, 0x1000);
	regs.rbx = base + 0xd000;
	ret = sgx_enclu(sgx_os_cpu(os), &lp, &regs, &f);
	cr_assert(sgx_leaf_faulted(ret));
	cr_assert_eq(f.error_code, U);
	cr_assert_eq(f.addr, base + 0xd000);
}
