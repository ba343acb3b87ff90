/*
 * sgx_host.c - an SGX host program written only against the Linux SGX
 * interface: <asm/sgx.h>, /dev/sgx_enclave, and __vdso_sgx_enter_enclave
 * found by parsing the vDSO by hand. It knows nothing of sgxemu; the tests
 * run it under `sgxemu run`.
 *
 *   sgx_host TESTVECTORS_DIR
 *
 * Loads elf/encl-b.elf (segment convention of the testvectors README) with
 * sigstruct/encl-b.sigstruct, runs every operation of encl-b through both
 * TCSs by the vDSO and by a raw ENCLU, checks the results the README
 * documents, then checks that each bad input gets the kernel's answer.
 * Prints one "ok ..." or "FAIL ..." line per check and "RESULT n passed, m
 * failed" at the end; exits non-zero on any failure.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asm/sgx.h>

#define SGX_SECINFO_TCS_FLAGS 0x100
#define EENTER_LEAF 2

static int passed, failed;

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

/* ---- files and the ELF ------------------------------------------------------- */

static uint8_t *read_file(const char *dir, const char *rel, size_t *len)
{
	char path[4096];
	struct stat st;
	uint8_t *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		exit(2);
	}
	buf = malloc((size_t)st.st_size);
	if (!buf || read(fd, buf, (size_t)st.st_size) != st.st_size) {
		perror(path);
		exit(2);
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

struct segment {
	uint64_t offset, size, flags;
	int prot;
	const uint8_t *data; /* file bytes, padded to size */
};

struct image {
	struct segment seg[8];
	int nr;
	uint64_t encl_size;
};

static void load_elf(const uint8_t *elf, size_t len, struct image *img)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	uint64_t first = 0, end = 0;

	memset(img, 0, sizeof(*img));
	for (int i = 0; i < eh->e_phnum && img->nr < 7; i++) {
		const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff + (size_t)i * eh->e_phentsize);
		struct segment *s = &img->seg[img->nr];
		uint8_t *data;

		if (ph->p_type != PT_LOAD)
			continue;
		if (img->nr == 0)
			first = ph->p_offset & ~0xfffull;
		s->offset = (ph->p_offset & ~0xfffull) - first;
		s->size = (ph->p_filesz + 0xfff) & ~0xfffull;
		s->prot = ((ph->p_flags & PF_R) ? PROT_READ : 0) | ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
			  ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
		s->flags = img->nr == 0 ? SGX_SECINFO_TCS_FLAGS : 0x200 |
			   ((ph->p_flags & PF_R) ? 1 : 0) | ((ph->p_flags & PF_W) ? 2 : 0) |
			   ((ph->p_flags & PF_X) ? 4 : 0);
		data = aligned_alloc(4096, s->size);
		memset(data, 0, s->size);
		memcpy(data, elf + (ph->p_offset & ~0xfffull),
		       len - (ph->p_offset & ~0xfffull) < s->size ? len - (ph->p_offset & ~0xfffull)
								  : s->size);
		s->data = data;
		end = s->offset + s->size;
		img->nr++;
	}
	/* the heap: 4096 bytes after the last segment, added but not measured */
	img->seg[img->nr] = (struct segment){ end, 4096, 0x203, PROT_READ | PROT_WRITE, NULL };
	img->seg[img->nr].data = aligned_alloc(4096, 4096);
	memset((void *)img->seg[img->nr].data, 0, 4096);
	img->nr++;
	end += 4096;
	img->encl_size = 0x1000;
	while (img->encl_size < end)
		img->encl_size <<= 1;
}

/* ---- the vDSO, parsed by hand as the Linux selftests do ---------------------- */

static void *vdso_sym(const char *want)
{
	const uint8_t *base = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const void *)base;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const Elf32_Word *hash = NULL;
	uint64_t load = 0;

	if (!base)
		return NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff + (size_t)i * eh->e_phentsize);

		if (ph->p_type == PT_LOAD && !load)
			load = (uint64_t)base + ph->p_offset - ph->p_vaddr;
		if (ph->p_type == PT_DYNAMIC)
			dyn = (const void *)(base + ph->p_offset);
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const void *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const void *)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const void *)(load + dyn->d_un.d_ptr);
	}
	if (!sym || !str || !hash)
		return NULL;
	for (Elf32_Word i = 0; i < hash[1]; i++)
		if (sym[i].st_shndx != SHN_UNDEF && !strcmp(str + sym[i].st_name, want))
			return (void *)(load + sym[i].st_value);
	return NULL;
}

/* ---- building the enclave ------------------------------------------------------ */

struct encl {
	int fd;
	uint64_t base, size;
	struct image img;
};

static long create(struct encl *e)
{
	struct sgx_secs_page { uint64_t size, base; uint32_t ssa, misc; uint8_t rest[4096 - 24]; };
	static struct sgx_secs_page secs __attribute__((aligned(4096)));
	struct sgx_enclave_create c;
	void *area;

	area = mmap(NULL, 2 * e->img.encl_size, PROT_NONE, MAP_SHARED, e->fd, 0);
	if (area == MAP_FAILED)
		return -errno;
	e->size = e->img.encl_size;
	e->base = ((uint64_t)area + e->size - 1) & ~(e->size - 1);
	memset(&secs, 0, sizeof(secs));
	secs.size = e->size;
	secs.base = e->base;
	secs.ssa = 1;
	memcpy(secs.rest + 24, &(uint64_t){ 0x4 }, 8); /* ATTRIBUTES at 48 = 24 + 24 */
	memcpy(secs.rest + 32, &(uint64_t){ 0x3 }, 8); /* XFRM at 56 */
	c.src = (uint64_t)&secs;
	return ioctl(e->fd, SGX_IOC_ENCLAVE_CREATE, &c) ? -errno : 0;
}

static long add_segment(struct encl *e, const struct segment *s, bool measure)
{
	static uint64_t secinfo[8] __attribute__((aligned(64)));
	struct sgx_enclave_add_pages a = {
		.src = (uint64_t)s->data, .offset = s->offset, .length = s->size,
		.secinfo = (uint64_t)secinfo, .flags = measure ? SGX_PAGE_MEASURE : 0,
	};

	memset(secinfo, 0, sizeof(secinfo));
	secinfo[0] = s->flags;
	return ioctl(e->fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a) ? -errno : (long)a.count;
}

static long init(struct encl *e, const uint8_t *sigstruct)
{
	static uint8_t sig[4096] __attribute__((aligned(4096)));
	struct sgx_enclave_init i = { .sigstruct = (uint64_t)sig };

	memcpy(sig, sigstruct, 1808);
	return ioctl(e->fd, SGX_IOC_ENCLAVE_INIT, &i) ? -errno : 0;
}

static int build(struct encl *e, const char *dir, const uint8_t *sigstruct)
{
	size_t len;
	uint8_t *elf = read_file(dir, "elf/encl-b.elf", &len);

	load_elf(elf, len, &e->img);
	e->fd = open("/dev/sgx_enclave", O_RDWR);
	if (e->fd < 0 || create(e))
		return -1;
	for (int i = 0; i < e->img.nr; i++)
		if (add_segment(e, &e->img.seg[i], i < e->img.nr - 1) != (long)e->img.seg[i].size)
			return -1;
	if (init(e, sigstruct))
		return -1;
	for (int i = 0; i < e->img.nr; i++)
		if (mmap((void *)(e->base + e->img.seg[i].offset), e->img.seg[i].size,
			 e->img.seg[i].prot, MAP_SHARED | MAP_FIXED, e->fd, 0) == MAP_FAILED)
			return -1;
	return 0;
}

/* ---- running it ---------------------------------------------------------------- */

struct record {
	uint64_t op, arg, result, tcs;
};

static vdso_sgx_enter_enclave_t enter;

static int call_vdso(uint64_t tcs, struct record *r)
{
	struct sgx_enclave_run run;

	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	if (enter((unsigned long)r, 0, 0, EENTER_LEAF, 0, 0, &run) || run.function != 4)
		return -1;
	return 0;
}
static void call_raw(uint64_t tcs, struct record *r)
{
	uint64_t rax = 2, rbx = tcs;

	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "1: .byte 0x0f, 0x01, 0xd7\n\t"
			 : "+a"(rax), "+b"(rbx)
			 : "D"(r)
			 : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
}

static uint64_t expected(int op, uint64_t arg, int tcs, uint64_t *slot)
{
	uint64_t old;

	switch (op) {
	case 0: {
		uint64_t i = arg & 0xfff;
		return (167 * i + 29 * (i >> 8) + 0x5a) & 0xff;
	}
	case 1:
		return arg == 1 ? 0x77073096 : ~0ull; /* only entry 1 is documented */
	case 2:
		return 0xe6595b70;
	case 3:
		old = *slot;
		*slot = arg;
		return old;
	case 4:
		return tcs == 0 ? 0x303a415441443a42 : 0x0404040503020100;
	case 5:
		return tcs == 0 ? 0x0404040503020100 : 0x303a415441443a42;
	default:
		return ~0ull;
	}
}

/* encl-b's per-TCS swap slots, as the enclave keeps them across calls. */
static uint64_t slot[2] = { 0x0123456789abcdef, 0xfedcba9876543210 };

static void run_ops(struct encl *e, bool raw)
{
	static const uint64_t args[] = { 0, 1, 0x777, 0xfff };

	for (int tcs = 0; tcs < 2; tcs++)
		for (int op = 0; op <= 6; op++)
			for (size_t k = 0; k < (op == 0 || op == 3 ? 4 : 1); k++) {
				struct record r = { op, op == 1 ? 1 : args[k], 0, 99 };
				uint64_t want, arg = r.arg;
				int ok = 0;

				if (raw) {
					call_raw(e->base + 0x1000 * tcs, &r);
					ok = 1;
				} else {
					ok = call_vdso(e->base + 0x1000 * tcs, &r) == 0;
				}
				want = expected(op, arg, tcs, &slot[tcs]);
				CHECK(ok && r.result == want && r.tcs == (uint64_t)tcs,
				      "%s TCS#%d op %d arg 0x%llx -> 0x%llx (want 0x%llx), tcs %llu",
				      raw ? "raw ENCLU" : "vDSO", tcs, op, (unsigned long long)arg,
				      (unsigned long long)r.result, (unsigned long long)want,
				      (unsigned long long)r.tcs);
			}
}

/* ---- bad inputs ------------------------------------------------------------- */

static void bad_inputs(const char *dir, struct encl *e, const uint8_t *sigstruct)
{
	struct sgx_enclave_create c = { 0 };
	struct encl f = { 0 };
	uint8_t bad[1808];
	int nullfd = open("/dev/null", O_RDWR);

	CHECK(ioctl(nullfd, SGX_IOC_ENCLAVE_CREATE, &c) == -1 && errno == ENOTTY,
	      "ioctl on a non-enclave fd -> ENOTTY (errno %d)", errno);
	CHECK(add_segment(e, &e->img.seg[1], true) == -EINVAL, "ADD_PAGES after INIT -> EINVAL");
	CHECK(ioctl(e->fd, SGX_IOC_ENCLAVE_CREATE, &c) == -1 && errno == EINVAL,
	      "second CREATE -> EINVAL (errno %d)", errno);
	CHECK(mmap((void *)(e->base + e->img.seg[1].offset), 4096, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_FIXED, e->fd, 0) == MAP_FAILED && errno == EACCES,
	      "mmap RW over an RX page -> EACCES (errno %d)", errno);
	CHECK(mmap((void *)(e->base + e->size), 4096, PROT_READ, MAP_SHARED | MAP_FIXED, e->fd, 0) ==
			      MAP_FAILED && errno == EACCES,
	      "mmap outside ELRANGE after INIT -> EACCES (errno %d)", errno);
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, e->fd, 0) == MAP_FAILED && errno == EINVAL,
	      "mmap MAP_PRIVATE -> EINVAL (errno %d)", errno);

	/* A second enclave for the pre-INIT checks. */
	{
		size_t len;
		uint8_t *elf = read_file(dir, "elf/encl-b.elf", &len);
		struct segment s;

		load_elf(elf, len, &f.img);
		f.fd = open("/dev/sgx_enclave", O_RDWR);
		CHECK(f.fd >= 0 && create(&f) == 0, "second enclave created");
		s = f.img.seg[1];
		s.offset += 1;
		CHECK(add_segment(&f, &s, true) == -EINVAL, "ADD_PAGES unaligned offset -> EINVAL");
		s = f.img.seg[1];
		s.size = 100;
		CHECK(add_segment(&f, &s, true) == -EINVAL, "ADD_PAGES unaligned length -> EINVAL");
		for (int i = 0; i < f.img.nr; i++)
			add_segment(&f, &f.img.seg[i], i < f.img.nr - 1);
		memcpy(bad, sigstruct, sizeof(bad));
		bad[516] ^= 1; /* a signature bit */
		CHECK(init(&f, bad) == -EPERM, "INIT with a bad signature -> EPERM");
		CHECK(init(&f, sigstruct) == 0, "INIT with the right SIGSTRUCT afterwards -> 0");
		free(elf);
	}
	close(nullfd);
}

static sigjmp_buf jb;
static volatile void *fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	siglongjmp(jb, 1);
}

int main(int argc, char **argv)
{
	struct encl e;
	size_t len;
	uint8_t *sigstruct;
	struct sigaction sa;
	pid_t pid;
	int status;

	if (argc != 2) {
		fprintf(stderr, "usage: %s TESTVECTORS_DIR\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigstruct = read_file(argv[1], "sigstruct/encl-b.sigstruct", &len);
	enter = (vdso_sgx_enter_enclave_t)vdso_sym("__vdso_sgx_enter_enclave");
	CHECK(enter != NULL, "__vdso_sgx_enter_enclave found in the vDSO");
	CHECK(build(&e, argv[1], sigstruct) == 0, "encl-b built through /dev/sgx_enclave");
	if (failed)
		goto out;
	run_ops(&e, false);
	run_ops(&e, true);
	bad_inputs(argv[1], &e, sigstruct);

	/* The program's own SIGSEGV handler still sees its own faults. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(jb, 1)) {
		volatile int *volatile bad_ptr = (int *)16;

		*bad_ptr = 1;
	}
	CHECK(fault_addr == (void *)16, "own SIGSEGV handler got its fault at %p", fault_addr);

	/* fork: the child runs under the same platform, the parent's enclave is
	 * not usable there, as on Linux. */
	pid = fork();
	if (pid == 0) {
		struct sgx_enclave_run run;
		struct record r = { 2, 0, 0, 0 };

		memset(&run, 0, sizeof(run));
		run.tcs = e.base;
		_exit(enter((unsigned long)&r, 0, 0, 2, 0, 0, &run) == 0 && run.function == 4 ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "an enclave created before fork is not usable in the child");
	run_ops(&e, false); /* and still is in the parent */
out:
	printf("RESULT %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
