/*
 * sgx2_host.c - the SGX2 ioctls of the Linux driver (RESTRICT_PERMISSIONS,
 * MODIFY_TYPES, REMOVE_PAGES) checked from an ordinary host program: only
 * <asm/sgx.h>, /dev/sgx_enclave and mmap, no sgxemu header. Run as
 *
 *   sgx2_host TESTVECTORS          under `sgxemu run` (SGX2 enumerated)
 *   sgx2_host TESTVECTORS nosgx2   under `sgxemu run --features -sgx2`
 *
 * It builds enclave B of the test vectors (TCS 0x0-0x1fff, code R|X
 * 0x2000-0x3fff, table R 0x4000, data R|W 0x5000-0x8fff, heap R|W 0x9000,
 * SECS.SIZE 0x10000: 0xa000-0xffff is a hole). Enclave B cannot EACCEPT,
 * so only what needs no enclave cooperation is here: the up-front errors
 * in the kernel's order, per-page errors (-EFAULT with the SGX code in
 * `result`, -EPERM), `count`, and that failed calls leave the struct alone.
 * Accepting flows are in the sdk examples (edmm_heap/thread/rx). Prints
 * "ok ..." / "FAIL ..." per check and "RESULT n passed, m failed, k known
 * deviations": KNOWN-DEVIATION lines are the kernel's behaviour that sgxemu
 * does not reproduce yet (a host access to enclave memory: abort-page reads,
 * and the EAUG a host access to the hole causes); they do not fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>

#include "sgx_loader.h"

#define PAGE 0x1000ull
#define SGX_PAGE_NOT_MODIFIABLE 20

static int passed, failed, deviations;

/* Kernel behaviour sgxemu does not reproduce (yet): reported, not failed. */
#define KNOWN(cond, ...)                                  \
	do {                                              \
		if (cond) {                               \
			passed++;                         \
			printf("ok   ");                  \
		} else {                                  \
			deviations++;                     \
			printf("KNOWN-DEVIATION ");       \
		}                                         \
		printf(__VA_ARGS__);                      \
		printf("\n");                             \
	} while (0)

#define CHECK(cond, ...)                                  \
	do {                                              \
		if (cond) {                               \
			passed++;                         \
			printf("ok   ");                  \
		} else {                                  \
			failed++;                         \
			printf("FAIL ");                  \
		}                                         \
		printf(__VA_ARGS__);                      \
		printf("\n");                             \
	} while (0)

struct rp { struct sgx_enclave_restrict_permissions a; int r, e; };
struct mt { struct sgx_enclave_modify_types a; int r, e; };
struct rm { struct sgx_enclave_remove_pages a; int r, e; };

static struct rp restrict_(int fd, uint64_t off, uint64_t len, uint64_t perm, uint64_t result,
			   uint64_t count)
{
	struct rp x = { .a = { off, len, perm, result, count } };

	x.r = ioctl(fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &x.a);
	x.e = x.r ? errno : 0;
	return x;
}

static struct mt modtype(int fd, uint64_t off, uint64_t len, uint64_t type, uint64_t result,
			 uint64_t count)
{
	struct mt x = { .a = { off, len, type, result, count } };

	x.r = ioctl(fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, &x.a);
	x.e = x.r ? errno : 0;
	return x;
}

static struct rm removep(int fd, uint64_t off, uint64_t len, uint64_t count)
{
	struct rm x = { .a = { off, len, count } };

	x.r = ioctl(fd, SGX_IOC_ENCLAVE_REMOVE_PAGES, &x.a);
	x.e = x.r ? errno : 0;
	return x;
}

/* An enclave that is created but never initialized (SIZE 0x10000). */
static int created_only(void)
{
	static uint8_t secs[4096] __attribute__((aligned(4096)));
	struct sgx_enclave_create c;
	uint64_t size = 0x10000, v;
	void *area;
	int fd = open("/dev/sgx_enclave", O_RDWR);

	if (fd < 0)
		return -1;
	area = mmap(NULL, 2 * size, PROT_NONE, MAP_SHARED, fd, 0);
	if (area == MAP_FAILED)
		return -1;
	v = ((uint64_t)(uintptr_t)area + size - 1) & ~(size - 1);
	memset(secs, 0, sizeof(secs));
	memcpy(secs, &size, 8);
	memcpy(secs + 8, &v, 8);
	v = 1;
	memcpy(secs + 16, &v, 4);
	v = 4;
	memcpy(secs + 48, &v, 8);
	v = 3;
	memcpy(secs + 56, &v, 8);
	c.src = (uint64_t)(uintptr_t)secs;
	if (ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &c))
		return -1;
	return fd;
}

static sigjmp_buf jb;
static volatile int got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
	siglongjmp(jb, 1);
}

/* Read a u64 outside enclave mode; the signal number if it faulted. */
static int host_read(uint64_t addr, uint64_t *v)
{
	struct sigaction sa, o1, o2;
	int sig = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGSEGV, &sa, &o1);
	sigaction(SIGBUS, &sa, &o2);
	got_sig = 0;
	if (sigsetjmp(jb, 1) == 0)
		*v = *(volatile uint64_t *)(uintptr_t)addr;
	else
		sig = got_sig;
	sigaction(SIGSEGV, &o1, NULL);
	sigaction(SIGBUS, &o2, NULL);
	return sig;
}

static void without_sgx2(int fd, int ufd)
{
	struct rp a = restrict_(fd, 0, 0, 0, 0, 0);
	struct mt b = modtype(fd, 0, 0, 0, 0, 0);
	struct rm c = removep(fd, 0, 0, 0);

	CHECK(a.r == -1 && a.e == ENODEV, "no SGX2: RESTRICT_PERMISSIONS probe -> ENODEV (got %d/%s)",
	      a.r, strerror(a.e));
	CHECK(b.r == -1 && b.e == ENODEV, "no SGX2: MODIFY_TYPES probe -> ENODEV (got %d/%s)", b.r,
	      strerror(b.e));
	CHECK(c.r == -1 && c.e == ENODEV, "no SGX2: REMOVE_PAGES probe -> ENODEV (got %d/%s)", c.r,
	      strerror(c.e));
	a = restrict_(ufd, 0x5000, PAGE, 1, 7, 9);
	CHECK(a.r == -1 && a.e == ENODEV && a.a.result == 7 && a.a.count == 9,
	      "no SGX2: ENODEV before the INITIALIZED check, struct untouched (got %s, result %llu "
	      "count %llu)", strerror(a.e), (unsigned long long)a.a.result,
	      (unsigned long long)a.a.count);
	b = modtype(fd, 0x8000, PAGE, 4, 0, 0);
	CHECK(b.r == -1 && b.e == ENODEV && b.a.count == 0, "no SGX2: MODIFY_TYPES(TRIM) -> ENODEV");
}

static void with_sgx2(struct sl_encl *e, int ufd)
{
	int fd = e->fd;
	uint64_t v = 0;
	struct rp a;
	struct mt b;
	struct rm c;
	int sig;

	/* Zero-length probes (what the selftests issue first): EINVAL, not 0. */
	a = restrict_(fd, 0, 0, 0, 0, 0);
	b = modtype(fd, 0, 0, 0, 0, 0);
	c = removep(fd, 0, 0, 0);
	CHECK(a.r == -1 && a.e == EINVAL, "RESTRICT probe (all zero) -> EINVAL (got %s)", strerror(a.e));
	CHECK(b.r == -1 && b.e == EINVAL, "MODIFY_TYPES probe -> EINVAL (got %s)", strerror(b.e));
	CHECK(c.r == -1 && c.e == EINVAL, "REMOVE_PAGES probe -> EINVAL (got %s)", strerror(c.e));

	/* Not initialized. */
	a = restrict_(ufd, 0x5000, PAGE, 1, 0, 0);
	b = modtype(ufd, 0x5000, PAGE, 4, 0, 0);
	c = removep(ufd, 0x5000, PAGE, 0);
	CHECK(a.r == -1 && a.e == EINVAL, "uninitialized enclave: RESTRICT -> EINVAL (got %s)",
	      strerror(a.e));
	CHECK(b.r == -1 && b.e == EINVAL, "uninitialized enclave: MODIFY_TYPES -> EINVAL (got %s)",
	      strerror(b.e));
	CHECK(c.r == -1 && c.e == EINVAL, "uninitialized enclave: REMOVE_PAGES -> EINVAL (got %s)",
	      strerror(c.e));

	/* Offset/length rules (step 4). */
	a = restrict_(fd, 0x5001, PAGE, 1, 0, 0);
	CHECK(a.r == -1 && a.e == EINVAL, "RESTRICT offset not 4K aligned -> EINVAL");
	b = modtype(fd, 0x5000, 0x800, 4, 0, 0);
	CHECK(b.r == -1 && b.e == EINVAL, "MODIFY_TYPES length not a 4K multiple -> EINVAL");
	c = removep(fd, 0xf000, 2 * PAGE, 0);
	CHECK(c.r == -1 && c.e == EINVAL, "REMOVE_PAGES range past SECS.SIZE -> EINVAL");
	a = restrict_(fd, 0xfffffffffffff000ull, 2 * PAGE, 1, 0, 0);
	CHECK(a.r == -1 && a.e == EINVAL, "RESTRICT offset+length overflows -> EINVAL");

	/* Per-ioctl argument rules (steps 5-7), each struct left untouched. */
	a = restrict_(fd, 0x5000, PAGE, 8, 0, 0);
	CHECK(a.r == -1 && a.e == EINVAL && a.a.count == 0, "RESTRICT permissions 0x8 -> EINVAL");
	a = restrict_(fd, 0x5000, PAGE, 2, 0, 0);
	CHECK(a.r == -1 && a.e == EINVAL, "RESTRICT W without R -> EINVAL");
	a = restrict_(fd, 0x5000, PAGE, 1, 5, 0);
	CHECK(a.r == -1 && a.e == EINVAL && a.a.result == 5, "RESTRICT result != 0 on input -> EINVAL, "
	      "result kept (got %s, %llu)", strerror(a.e), (unsigned long long)a.a.result);
	a = restrict_(fd, 0x5000, PAGE, 1, 0, 4096);
	CHECK(a.r == -1 && a.e == EINVAL && a.a.count == 4096, "RESTRICT count != 0 on input -> EINVAL");
	b = modtype(fd, 0x5000, PAGE, 0x104, 0, 0);
	CHECK(b.r == -1 && b.e == EINVAL, "MODIFY_TYPES page_type 0x104 -> EINVAL");
	b = modtype(fd, 0x5000, PAGE, 4, 1, 0);
	CHECK(b.r == -1 && b.e == EINVAL, "MODIFY_TYPES result != 0 on input -> EINVAL");
	b = modtype(fd, 0x5000, PAGE, 4, 0, 1);
	CHECK(b.r == -1 && b.e == EINVAL, "MODIFY_TYPES count != 0 on input -> EINVAL");
	b = modtype(fd, 0x5000, PAGE, 2, 0, 0);
	CHECK(b.r == -1 && b.e == EINVAL && b.a.count == 0, "MODIFY_TYPES to PT_REG -> EINVAL");
	c = removep(fd, 0x5000, PAGE, 4096);
	CHECK(c.r == -1 && c.e == EINVAL && c.a.count == 4096, "REMOVE_PAGES count != 0 on input -> EINVAL");

	/* Per-page errors. */
	a = restrict_(fd, 0x0, PAGE, 1, 0, 0);
	CHECK(a.r == -1 && a.e == EINVAL && a.a.count == 0 && a.a.result == 0,
	      "RESTRICT of a TCS page -> EINVAL, count 0 (got %s, count %llu)", strerror(a.e),
	      (unsigned long long)a.a.count);
	c = removep(fd, 0x5000, PAGE, 0);
	CHECK(c.r == -1 && c.e == EPERM && c.a.count == 0,
	      "REMOVE_PAGES of a REG page (not TRIM) -> EPERM, count 0 (got %s, count %llu)",
	      strerror(c.e), (unsigned long long)c.a.count);
	b = modtype(fd, 0x2000, PAGE, 1, 0, 0);
	CHECK(b.r == -1 && b.e == EPERM && b.a.count == 0,
	      "MODIFY_TYPES code page (max prot R|X) to TCS -> EPERM (got %s)", strerror(b.e));
	b = modtype(fd, 0xb000, PAGE, 4, 0, 0);
	CHECK(b.r == -1 && b.e == EFAULT && b.a.count == 0,
	      "MODIFY_TYPES of a hole page (no page) -> EFAULT, count 0 (got %s)", strerror(b.e));
	a = restrict_(fd, 0xb000, PAGE, 1, 0, 0);
	CHECK(a.r == -1 && a.e == EFAULT && a.a.count == 0,
	      "RESTRICT of a hole page -> EFAULT (got %s)", strerror(a.e));

	/* A range that starts on a good page and runs into a bad one: count
	 * says how far it got. */
	a = restrict_(fd, 0x9000, 2 * PAGE, 3, 0, 0);
	CHECK(a.r == -1 && a.e == EFAULT && a.a.count == PAGE && a.a.result == 0,
	      "RESTRICT 0x9000..0xb000 (heap page, hole) -> EFAULT, count 0x1000 (got %d/%s, "
	      "count 0x%llx)", a.r, strerror(a.e), (unsigned long long)a.a.count);

	/* Good calls. */
	a = restrict_(fd, 0x5000, PAGE, 1, 0, 0);
	CHECK(a.r == 0 && a.a.count == PAGE && a.a.result == 0,
	      "RESTRICT data page 0x5000 to R -> 0, count 0x1000 (got %d/%s, count 0x%llx)", a.r,
	      strerror(a.e), (unsigned long long)a.a.count);
	b = modtype(fd, 0x8000, PAGE, 4, 0, 0);
	CHECK(b.r == 0 && b.a.count == PAGE && b.a.result == 0,
	      "MODIFY_TYPES data page 0x8000 to TRIM -> 0, count 0x1000 (got %d/%s)", b.r,
	      strerror(b.e));
	c = removep(fd, 0x8000, PAGE, 0);
	CHECK(c.r == -1 && c.e == EPERM && c.a.count == 0,
	      "REMOVE_PAGES of a TRIM page the enclave did not EACCEPT -> EPERM (got %d/%s)", c.r,
	      strerror(c.e));
	b = modtype(fd, 0x8000, PAGE, 4, 0, 0);
	CHECK(b.r == -1 && b.e == EINVAL && b.a.count == 0,
	      "MODIFY_TYPES TRIM -> TRIM -> EINVAL (got %d/%s)", b.r, strerror(b.e));
	a = restrict_(fd, 0x8000, PAGE, 1, 0, 0);
	CHECK(a.r == -1 && a.e == EINVAL, "RESTRICT of a TRIM page -> EINVAL (got %s)", strerror(a.e));

	/* The hole is mapped: an access outside enclave mode makes the driver
	 * EAUG the page (sgx_vma_fault does not know who accessed it), and a
	 * non-enclave read of an EPC page reads all ones (abort page). The
	 * page is then PENDING: EMODT/EMODPR refuse it with
	 * SGX_PAGE_NOT_MODIFIABLE in `result` and -EFAULT. */
	if (mmap((void *)(uintptr_t)(e->base + 0xa000), 0x6000, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED) {
		CHECK(0, "mmap of the hole 0xa000..0x10000 RW: %s", strerror(errno));
		return;
	}
	sig = host_read(e->base + 0x5000, &v);
	KNOWN(sig == 0 && v == ~0ull, "host read of an enclave data page (0x5000, holding B:DATA:0): abort page, "
	      "all ones (got signal %d, value 0x%llx)", sig, (unsigned long long)v);
	sig = host_read(e->base + 0xc000, &v);
	KNOWN(sig == 0 && v == ~0ull, "host read of the mapped hole at 0xc000: EAUG, then all ones "
	      "(got signal %d, value 0x%llx)", sig, (unsigned long long)v);
	b = modtype(fd, 0xc000, PAGE, 4, 0, 0);
	KNOWN(b.r == -1 && b.e == EFAULT && b.a.result == SGX_PAGE_NOT_MODIFIABLE && b.a.count == 0,
	      "MODIFY_TYPES of that PENDING page -> EFAULT, result 20 (got %d/%s, result %llu)", b.r,
	      strerror(b.e), (unsigned long long)b.a.result);
	a = restrict_(fd, 0xc000, PAGE, 1, 0, 0);
	KNOWN(a.r == -1 && a.e == EFAULT && a.a.result == SGX_PAGE_NOT_MODIFIABLE,
	      "RESTRICT of that PENDING page -> EFAULT, result 20 (got %d/%s, result %llu)", a.r,
	      strerror(a.e), (unsigned long long)a.a.result);
	c = removep(fd, 0xc000, PAGE, 0);
	KNOWN(c.r == -1 && c.e == EPERM, "REMOVE_PAGES of that PENDING (REG) page -> EPERM (got %s)",
	      strerror(c.e));
}

int main(int argc, char **argv)
{
	struct sl_encl e;
	bool nosgx2 = argc > 2 && !strcmp(argv[2], "nosgx2");
	int ufd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: %s TESTVECTORS [nosgx2]\n", argv[0]);
		return 2;
	}
	if (sl_build(&e, argv[1], "elf/encl-b.elf", "sigstruct/encl-b.sigstruct")) {
		CHECK(0, "encl-b built through /dev/sgx_enclave");
		printf("RESULT %d passed, %d failed\n", passed, failed);
		return 1;
	}
	ufd = created_only();
	CHECK(ufd >= 0, "a second enclave, created only (not initialized)");
	if (nosgx2)
		without_sgx2(e.fd, ufd);
	else
		with_sgx2(&e, ufd);
	printf("RESULT %d passed, %d failed, %d known deviations\n", passed, failed, deviations);
	return failed ? 1 : 0;
}
