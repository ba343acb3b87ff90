/*
 * test_os_ioctl.c - the emulated driver's ioctls and mmap rules against the
 * Linux driver's answers (fact sheet 14.3, 14.4), building the test-vector
 * enclaves encl-a and encl-b through the uAPI.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/sgx.h>

#include "os/encl.h"
#include "sgxemu/os.h"
#include "util/encl_load.h"

static struct sgx_os *os;
static struct sgx_encl *encl;
static struct el_image img;
static uint8_t *sig;
static uint64_t base;
static uint64_t usage_at_start;

static uint32_t features_off; /* features a suite removes from the default */

static void setup_os(void)
{
	struct sgx_cpu_config cfg;

	sgx_cpu_config_default(&cfg);
	cfg.features &= ~features_off;
	cr_assert_eq(sgx_os_create(&cfg, &os), 0);
	sgx_os_epc_usage(os, &usage_at_start, NULL);
	cr_assert_eq(sgx_encl_open(os, &encl), 0);
}

static void load(const char *name)
{
	char rel[64];
	size_t len;

	snprintf(rel, sizeof(rel), "elf/%s.elf", name);
	cr_assert_eq(el_image_load(el_vector_path(rel), 0x1000, &img), 0);
	snprintf(rel, sizeof(rel), "sigstruct/%s.sigstruct", name);
	sig = el_read_file(el_vector_path(rel), &len);
	cr_assert(sig && len == sizeof(struct sgx_sigstruct), "cannot read %s", rel);
}

static void setup_a(void)
{
	setup_os();
	load("encl-a");
}

/* The platform of SGX1 hardware. */
static void setup_a_sgx1(void)
{
	features_off = SGX_FEATURE_BIT(SGX_FEAT_SGX2);
	setup_a();
}

static void teardown(void)
{
	uint64_t now;

	if (encl)
		sgx_encl_release(encl);
	encl = NULL;
	sgx_os_epc_usage(os, &now, NULL);
	cr_expect_eq(now, usage_at_start, "EPC frames leaked: %lu", (unsigned long)now);
	sgx_os_destroy(os);
	el_image_free(&img);
	free(sig);
	sig = NULL;
}

/* CREATE + ADD_PAGES + map, ready for INIT. */
static void build(uint64_t extra_attrs)
{
	cr_assert_eq(el_create(encl, &img, extra_attrs, &base), 0);
	cr_assert_eq(el_add_all(encl, &img), 0);
	cr_assert_eq(el_map_all(encl, &img, base), 0);
}

static void check_mrenclave(const char *elf_rel)
{
	uint8_t want[32];
	uint64_t secs_frame;
	const struct sgx_secs *secs;

	cr_assert_eq(el_expected_mrenclave(elf_rel, want), 0);
	cr_assert_eq(sgx_encl_secs(encl, &secs_frame, NULL, NULL), 0);
	secs = (const struct sgx_secs *)(uintptr_t)sgx_epc_frame_addr(sgx_os_cpu(os), secs_frame);
	cr_assert_arr_eq(secs->mrenclave, want, 32);
	cr_assert(secs->attributes.flags & SGX_ATTR_INIT);
}

static long add_pages(struct sgx_enclave_add_pages *a)
{
	return sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)a);
}

TestSuite(os_ioctl, .init = setup_a, .fini = teardown);

Test(os_ioctl, builds_encl_a)
{
	uint64_t in_use, high;

	build(0);
	cr_assert_eq(el_init(encl, sig), 0);
	check_mrenclave("elf/encl-a.elf");
	sgx_os_epc_usage(os, &in_use, &high);
	/* SECS + TCS + code + data + heap */
	cr_assert_eq(in_use - usage_at_start, 5);
	cr_assert_geq(high, in_use);
}

Test(os_ioctl, builds_encl_b)
{
	/* The suite's setup loaded encl-a: swap in encl-b. */
	el_image_free(&img);
	free(sig);
	load("encl-b");
	build(0);
	cr_assert_eq(el_init(encl, sig), 0);
	check_mrenclave("elf/encl-b.elf");
}

Test(os_ioctl, unknown_commands_are_enotty)
{
	cr_assert_eq(sgx_encl_ioctl(encl, 0xdeadbeef, 0), -ENOTTY);
	cr_assert_eq(sgx_encl_ioctl(encl, _IOW(SGX_MAGIC, 0x20, struct sgx_enclave_init), 0),
		     -ENOTTY);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_VEPC_REMOVE_ALL, 0), -ENOTTY);
}

Test(os_ioctl, concurrent_ioctl_is_ebusy)
{
	/* White box: another ioctl "running" holds the per-enclave flag. */
	atomic_fetch_or(&encl->flags, SGX_ENCL_IOCTL);
	cr_assert_eq(sgx_encl_ioctl(encl, 0xdeadbeef, 0), -EBUSY);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_CREATE, 0), -EBUSY);
	atomic_fetch_and(&encl->flags, ~SGX_ENCL_IOCTL);
	cr_assert_eq(sgx_encl_ioctl(encl, 0xdeadbeef, 0), -ENOTTY);
}

Test(os_ioctl, create_errors)
{
	struct sgx_enclave_create c = { 0 };
	struct sgx_secs *secs = aligned_alloc(4096, 4096);
	uint64_t b;

	/* Unreadable argument or SECS: -EFAULT, never a crash. */
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_CREATE, 0), -EFAULT);
	c.src = 0x10;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&c), -EFAULT);
	/* SIZE not a power of two: the driver's own check. */
	memset(secs, 0, 4096);
	secs->size = 0x3000;
	secs->base = 0x40000000;
	secs->ssa_frame_size = 1;
	secs->attributes.flags = SGX_ATTR_MODE64BIT;
	secs->attributes.xfrm = 3;
	c.src = (uint64_t)(uintptr_t)secs;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&c), -EINVAL);
	/* Everything else is the CPU's: ECREATE #GP -> -EIO. */
	secs->size = 0x4000;
	secs->ssa_frame_size = 0;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&c), -EIO);
	free(secs);
	/* A good one, then a second CREATE. */
	cr_assert_eq(el_create(encl, &img, 0, &b), 0);
	cr_assert_eq(el_create(encl, &img, 0, &b), -EINVAL);
}

Test(os_ioctl, add_pages_state_errors)
{
	struct sgx_enclave_add_pages a = { 0 };

	/* Before CREATE. */
	cr_assert_eq(add_pages(&a), -EINVAL);
	build(0);
	cr_assert_eq(el_init(encl, sig), 0);
	/* After INIT, whatever the arguments. */
	cr_assert_eq(add_pages(&a), -EINVAL);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_ADD_PAGES, 0), -EINVAL);
	/* INIT twice. */
	cr_assert_eq(el_init(encl, sig), -EINVAL);
}

Test(os_ioctl, add_pages_argument_errors_leave_count)
{
	struct sgx_secinfo secinfo = { .flags = SGX_SECINFO_REG | SGX_SECINFO_R };
	struct sgx_enclave_add_pages a;
	const struct sgx_enclave_add_pages good = {
		.src = (uint64_t)(uintptr_t)img.src, .offset = 0x3000, .length = 0x1000,
		.secinfo = (uint64_t)(uintptr_t)&secinfo, .flags = 0, .count = 0x55,
	};
	uint64_t b;

	cr_assert_eq(el_create(encl, &img, 0, &b), 0);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_ADD_PAGES, 8), -EFAULT);
	a = good, a.src += 8;
	cr_assert_eq(add_pages(&a), -EINVAL);
	cr_assert_eq(a.count, 0x55);
	a = good, a.offset = 0x3008;
	cr_assert_eq(add_pages(&a), -EINVAL);
	a = good, a.length = 0;
	cr_assert_eq(add_pages(&a), -EINVAL);
	a = good, a.length = 0x800;
	cr_assert_eq(add_pages(&a), -EINVAL);
	a = good, a.length = 0x2000; /* offset + length - 4096 >= SIZE */
	cr_assert_eq(add_pages(&a), -EINVAL);
	a = good, a.offset = ~0xfffull; /* overflow */
	cr_assert_eq(add_pages(&a), -EINVAL);
	a = good, a.secinfo = 64;
	cr_assert_eq(add_pages(&a), -EFAULT);
	cr_assert_eq(a.count, 0x55);
}

Test(os_ioctl, add_pages_bad_secinfo_is_einval)
{
	static const uint64_t bad[] = {
		SGX_SECINFO_REG | SGX_SECINFO_W,                 /* W without R */
		SGX_SECINFO_REG | SGX_SECINFO_W | SGX_SECINFO_X,
		SGX_SECINFO_TCS | SGX_SECINFO_R,                 /* TCS with perms */
		SGX_SECINFO_TCS | SGX_SECINFO_R | SGX_SECINFO_W,
		SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_PENDING, /* bits 7:3 */
		SGX_SECINFO_REG | SGX_SECINFO_R | 0x80,
		SGX_SECINFO_REG | SGX_SECINFO_R | (1ull << 16),  /* bits 63:16 */
		SGX_SECINFO_SECS,                                /* types */
		SGX_SECINFO_TRIM,
		3ull << 8,                                       /* PT_VA */
	};
	struct sgx_secinfo secinfo;
	struct sgx_enclave_add_pages a = {
		.src = (uint64_t)(uintptr_t)img.src, .offset = 0x3000, .length = 0x1000,
		.secinfo = (uint64_t)(uintptr_t)&secinfo, .count = 0x77,
	};
	uint64_t b;

	cr_assert_eq(el_create(encl, &img, 0, &b), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&secinfo, 0, sizeof(secinfo));
		secinfo.flags = bad[i];
		cr_assert_eq(add_pages(&a), -EINVAL, "flags %#lx", (unsigned long)bad[i]);
		cr_assert_eq(a.count, 0x77);
	}
	/* A reserved byte. */
	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = SGX_SECINFO_REG | SGX_SECINFO_R;
	secinfo.reserved[55] = 1;
	cr_assert_eq(add_pages(&a), -EINVAL);
	cr_assert_eq(a.count, 0x77);
	/* And the same page with a good SECINFO goes in. */
	secinfo.reserved[55] = 0;
	cr_assert_eq(add_pages(&a), 0);
	cr_assert_eq(a.count, 0x1000);
}

Test(os_ioctl, add_pages_loop_errors_write_count)
{
	struct sgx_secinfo secinfo = { .flags = SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W };
	struct sgx_enclave_add_pages a = {
		.src = (uint64_t)(uintptr_t)img.src, .offset = 0x2000, .length = 0x1000,
		.secinfo = (uint64_t)(uintptr_t)&secinfo, .flags = SGX_PAGE_MEASURE,
	};
	uint8_t *two = mmap(NULL, 0x2000, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t b;

	cr_assert_neq(two, MAP_FAILED);
	cr_assert_eq(el_create(encl, &img, 0, &b), 0);
	cr_assert_eq(add_pages(&a), 0);
	cr_assert_eq(a.count, 0x1000);
	/* Page already present: -EBUSY at once, count 0 written back. */
	a.count = 0x99;
	cr_assert_eq(add_pages(&a), -EBUSY);
	cr_assert_eq(a.count, 0);
	/* Unreadable source for the second page: -EFAULT with partial count. */
	munmap(two + 0x1000, 0x1000);
	a.src = (uint64_t)(uintptr_t)two, a.offset = 0x0, a.length = 0x2000, a.count = 0x99;
	cr_assert_eq(add_pages(&a), -EFAULT);
	cr_assert_eq(a.count, 0x1000);
	/* -EBUSY after the pages before it went in (0x1000 new, 0x2000 present). */
	a.src = (uint64_t)(uintptr_t)img.src, a.offset = 0x1000, a.count = 0x99;
	cr_assert_eq(add_pages(&a), -EBUSY);
	cr_assert_eq(a.count, 0x1000);
	munmap(two, 0x1000);
}

Test(os_ioctl, init_with_bad_signature_is_eperm)
{
	build(0);
	((struct sgx_sigstruct *)sig)->signature[17] ^= 1;
	cr_assert_eq(el_init(encl, sig), -EPERM);
	((struct sgx_sigstruct *)sig)->signature[17] ^= 1;
	cr_assert_eq(el_init(encl, sig), 0);
}

Test(os_ioctl, init_argument_errors)
{
	struct sgx_sigstruct *s = (struct sgx_sigstruct *)sig;
	uint32_t vendor = s->header.vendor;

	/* Before CREATE. */
	cr_assert_eq(el_init(encl, sig), -EINVAL);
	build(0);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_INIT, 0), -EFAULT);
	cr_assert_eq(el_init(encl, (void *)0x20), -EFAULT);
	s->header.vendor = 0x1234;
	cr_assert_eq(el_init(encl, sig), -EINVAL);
	s->header.vendor = vendor;
	/* Reserved attribute bit that the mask covers: -EINVAL before EINIT. */
	s->body.attributes.flags |= 1ull << 8;
	s->body.attributes_mask.flags |= 1ull << 8;
	cr_assert_eq(el_init(encl, sig), -EINVAL);
	s->body.attributes.flags &= ~(1ull << 8);
	s->body.attributes_mask.flags &= ~(1ull << 8);
	/* MISCSELECT bit 1 is reserved by Linux. */
	s->body.miscselect = 2, s->body.misc_mask = 2;
	cr_assert_eq(el_init(encl, sig), -EINVAL);
	s->body.miscselect = 0, s->body.misc_mask = 0;
	/* XFRM bit 63 is never allowed. */
	s->body.attributes.xfrm |= 1ull << 63;
	s->body.attributes_mask.xfrm |= 1ull << 63;
	cr_assert_eq(el_init(encl, sig), -EINVAL);
	s->body.attributes.xfrm &= ~(1ull << 63);
	s->body.attributes_mask.xfrm &= ~(1ull << 63);
	/* Any other change breaks the signature: EINIT error -> -EPERM. */
	s->body.isv_svn++;
	cr_assert_eq(el_init(encl, sig), -EPERM);
	s->body.isv_svn--;
	cr_assert_eq(el_init(encl, sig), 0);
}

Test(os_ioctl, provisionkey_needs_provision_fd)
{
	int fd = sgx_os_open_provision(os);
	int other = open("/dev/null", O_RDONLY);
	struct sgx_enclave_provision p;

	cr_assert_geq(fd, 0);
	cr_assert_geq(other, 0);
	build(SGX_ATTR_PROVISIONKEY);
	cr_assert_eq(el_init(encl, sig), -EACCES);
	p.fd = (uint64_t)other;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)&p), -EINVAL);
	p.fd = 1ull << 32;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)&p), -EINVAL);
	p.fd = 9999;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)&p), -EINVAL);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_PROVISION, 0), -EFAULT);
	cr_assert_eq(el_init(encl, sig), -EACCES);
	p.fd = (uint64_t)fd;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)&p), 0);
	/* Past the driver's check; the SIGSTRUCT masks no attribute, so EINIT
	 * accepts the enclave. */
	cr_assert_eq(el_init(encl, sig), 0);
	close(fd);
	close(other);
}

Test(os_ioctl, provision_works_before_create)
{
	int fd = sgx_os_open_provision(os);
	struct sgx_enclave_provision p = { .fd = (uint64_t)fd };

	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_PROVISION, (unsigned long)&p), 0);
	close(fd);
}

Test(os_ioctl_sgx1, sgx2_ioctls_are_enodev, .init = setup_a_sgx1, .fini = teardown)
{
	struct sgx_enclave_restrict_permissions rp = { 0 };
	struct sgx_enclave_modify_types mt = { 0 };
	struct sgx_enclave_remove_pages rm = { 0 };

	/* Checked first: even an uncreated enclave and a bad pointer. */
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, 0), -ENODEV);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_MODIFY_TYPES, 0), -ENODEV);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_REMOVE_PAGES, 0), -ENODEV);
	build(0);
	cr_assert_eq(el_init(encl, sig), 0);
	rp.length = mt.length = rm.length = 0x1000;
	rp.count = 5;
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS,
				    (unsigned long)&rp), -ENODEV);
	cr_assert_eq(rp.count, 5);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_MODIFY_TYPES, (unsigned long)&mt),
		     -ENODEV);
	cr_assert_eq(sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_REMOVE_PAGES, (unsigned long)&rm),
		     -ENODEV);
}

Test(os_ioctl, mmap_rules)
{
	uint64_t a;

	cr_assert_eq(sgx_encl_mmap(encl, 0, 0x1000, PROT_READ, MAP_PRIVATE, 0), (uint64_t)-EINVAL);
	cr_assert_eq(sgx_encl_mmap(encl, 0, 0, PROT_READ, MAP_SHARED, 0), (uint64_t)-EINVAL);
	build(0);
	/* More than the pages allow: W over the R|X code page, X over data. */
	a = sgx_encl_mmap(encl, base + 0x1000, 0x1000, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, (uint64_t)-EACCES);
	a = sgx_encl_mmap(encl, base + 0x2000, 0x1000, PROT_READ | PROT_EXEC,
			  MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, (uint64_t)-EACCES);
	/* A range that covers the TCS (max R|W) and the code page (R|X). */
	a = sgx_encl_mmap(encl, base, 0x2000, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, base);
	cr_assert_eq(sgx_os_mprotect(os, base + 0x1000, 0x1000, PROT_READ | PROT_WRITE), -EACCES);
	cr_assert_eq(sgx_os_mprotect(os, base + 0x1000, 0x1000, PROT_READ | PROT_EXEC), 0);
	/* Before INIT, outside ELRANGE is fine (the probing area). */
	a = sgx_encl_mmap(encl, base + img.encl_size, 0x1000, PROT_READ,
			  MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, base + img.encl_size);
	cr_assert_eq(el_init(encl, sig), 0);
	/* After INIT: only inside ELRANGE. */
	a = sgx_encl_mmap(encl, base + img.encl_size, 0x1000, PROT_READ,
			  MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, (uint64_t)-EACCES);
	a = sgx_encl_mmap(encl, base - 0x1000, 0x2000, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, (uint64_t)-EACCES);
	a = sgx_encl_mmap(encl, 0, 0x1000, PROT_READ, MAP_SHARED, 0);
	cr_assert_eq(a, (uint64_t)-EACCES);
	/* mprotect of a VMA left outside ELRANGE now fails the same check. */
	cr_assert_eq(sgx_os_mprotect(os, base + img.encl_size, 0x1000, PROT_NONE), -EACCES);
	/* Inside ELRANGE it still works. */
	a = sgx_encl_mmap(encl, base + 0x2000, 0x1000, PROT_READ, MAP_SHARED | MAP_FIXED, 0);
	cr_assert_eq(a, base + 0x2000);
}

Test(os_ioctl, release_returns_every_frame)
{
	uint64_t now, high;
	struct sgx_encl *second;

	build(0);
	cr_assert_eq(el_init(encl, sig), 0);
	cr_assert_eq(sgx_encl_open(os, &second), 0);
	sgx_encl_release(second);
	sgx_encl_release(encl);
	encl = NULL;
	sgx_os_epc_usage(os, &now, &high);
	cr_assert_eq(now, usage_at_start);
	cr_assert_geq(high, usage_at_start + 5);
}

/* Several os in one process, each building and dropping enclaves. */
static void *build_in_own_os(void *arg)
{
	struct sgx_cpu_config cfg;
	struct sgx_os *o;
	struct sgx_encl *e;
	uint64_t b, now;
	long ok = 1;

	(void)arg;
	sgx_cpu_config_default(&cfg);
	if (sgx_os_create(&cfg, &o))
		return NULL;
	for (int i = 0; i < 3 && ok; i++) {
		ok = sgx_encl_open(o, &e) == 0 && el_create(e, &img, 0, &b) == 0 &&
		     el_add_all(e, &img) == 0 && el_map_all(e, &img, b) == 0 && el_init(e, sig) == 0;
		sgx_encl_release(e);
	}
	sgx_os_epc_usage(o, &now, NULL);
	ok = ok && now == 0;
	sgx_os_destroy(o);
	return (void *)ok;
}

Test(os_ioctl, several_os_in_threads)
{
	pthread_t t[3];
	void *r;

	for (int i = 0; i < 3; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, build_in_own_os, NULL), 0);
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &r);
		cr_expect_eq((long)r, 1);
	}
}
