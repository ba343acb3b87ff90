/*
 * test_os_vepc.c - /dev/sgx_vepc as the driver implements it: raw EPC
 * mappings, SGX_IOC_VEPC_REMOVE_ALL's argument rule and result, and the
 * EPC frames coming back at release.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <asm/sgx.h>

#include "sgxemu/os.h"

static struct sgx_os *os;

static void setup(void)
{
	struct sgx_cpu_config cfg;

	sgx_cpu_config_default(&cfg);
	cfg.epc_size = 64 * 4096;
	cr_assert_eq(sgx_os_create(&cfg, &os), 0);
}

static void teardown(void)
{
	sgx_os_destroy(os);
}

TestSuite(vepc, .init = setup, .fini = teardown);

Test(vepc, mmap_gives_epc_pages_and_release_returns_them)
{
	struct sgx_vepc *v;
	uint64_t in_use, hw;
	uint64_t addr;

	cr_assert_eq(sgx_vepc_open(os, &v), 0);
	addr = sgx_vepc_mmap(v, 0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	cr_assert(!SGX_IS_ERR(addr), "mmap: %ld", (long)addr);
	sgx_os_epc_usage(os, &in_use, &hw);
	cr_assert_eq(in_use, 4);
	memset((void *)addr, 0xab, 4 * 4096);
	cr_assert_eq(((uint8_t *)addr)[4 * 4096 - 1], 0xab);
	cr_assert_eq(sgx_vepc_ioctl(v, SGX_IOC_VEPC_REMOVE_ALL, 0), 0,
		     "no SECS pages: nothing left to remove");
	sgx_vepc_release(v);
	sgx_os_epc_usage(os, &in_use, NULL);
	cr_assert_eq(in_use, 0);
	munmap((void *)addr, 4 * 4096);
}

Test(vepc, kernel_answers_for_bad_input)
{
	struct sgx_vepc *v;

	cr_assert_eq(sgx_vepc_open(os, &v), 0);
	cr_assert_eq((long)sgx_vepc_mmap(v, 0, 4096, PROT_READ, MAP_PRIVATE, 0), -EINVAL);
	cr_assert_eq(sgx_vepc_ioctl(v, SGX_IOC_VEPC_REMOVE_ALL, 1), -EINVAL, "arg must be 0");
	cr_assert_eq(sgx_vepc_ioctl(v, SGX_IOC_ENCLAVE_CREATE, 0), -ENOTTY);
	sgx_vepc_release(v);
}

Test(vepc, out_of_epc_changes_nothing)
{
	struct sgx_vepc *v;
	uint64_t in_use;

	cr_assert_eq(sgx_vepc_open(os, &v), 0);
	cr_assert_eq((long)sgx_vepc_mmap(v, 0, 65 * 4096, PROT_READ, MAP_SHARED, 0), -ENOMEM);
	sgx_os_epc_usage(os, &in_use, NULL);
	cr_assert_eq(in_use, 0, "a failed mmap gives every frame back");
	sgx_vepc_release(v);
}
