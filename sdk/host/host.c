/*
 * host.c - see sdk/host.h.
 *
 * Only the Linux SGX interface is used: /dev/sgx_enclave and its
 * SGX_IOC_ENCLAVE_* ioctls (<asm/sgx.h>), mmap of the enclave fd under the
 * kernel's rules, and __vdso_sgx_enter_enclave, found by parsing the vDSO by
 * hand. The same program runs on an SGX machine or under `sgxemu run`.
 *
 * Loading follows the segment convention of shared/testvectors/README.md
 * (the one `sgxemu sign` measures): PT_LOAD segments in order, the first
 * (R|W) made of TCS pages, enclave offsets from file offsets, page contents
 * from the file, then an unmeasured 4 KiB heap; SECS.SIZE is 4 KiB doubled
 * until it holds all that, SSAFRAMESIZE 1. ATTRIBUTES, XFRM and MISCSELECT
 * come from the SIGSTRUCT, as a loader does on hardware.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/sgx.h>

#include "sdk/host.h"

#define PAGE 4096ull
#define HEAP PAGE          /* `sgxemu sign`'s default --heap */
#define MAX_SEGS 16
#define MAX_EXCEPTIONS 100000 /* per ecall: a handler that never makes progress */

#define SGX_DEVICE "/dev/sgx_enclave"
#define NO_VDSO_MSG                                                                  \
	"no __vdso_sgx_enter_enclave in the vDSO: run under `sgxemu run` or on an SGX " \
	"machine"

/* ENCLU leaves as the vDSO reports them in run->function. */
#define LEAF_EENTER 2
#define LEAF_ERESUME 3
#define LEAF_EEXIT 4

/* SECINFO.FLAGS (SDM 38.11) */
#define SECINFO_R 0x1ull
#define SECINFO_W 0x2ull
#define SECINFO_X 0x4ull
#define SECINFO_TCS (1ull << 8)  /* PT_TCS */
#define SECINFO_REG (2ull << 8)  /* PT_REG */

/* SIGSTRUCT (SDM 38.14): 1808 bytes; the fields the loader reads. */
#define SIGSTRUCT_SIZE 1808
#define SIG_MISCSELECT 900  /* u32 */
#define SIG_ATTRIBUTES 928  /* u64 flags, u64 xfrm */
#define SIG_ENCLAVEHASH 960 /* 32 bytes */

/* SECS (SDM 38.7): one page; the fields ECREATE needs from the loader. */
#define SECS_SIZE 0          /* u64 */
#define SECS_BASE 8          /* u64 */
#define SECS_SSAFRAMESIZE 16 /* u32 */
#define SECS_MISCSELECT 20   /* u32 */
#define SECS_ATTRIBUTES 48   /* u64 flags, u64 xfrm */
#define ATTR_INIT 0x1ull     /* set by EINIT, never by the loader */

struct sdk_platform {
	vdso_sgx_enter_enclave_t enter;
};

/* exit.S calls __vdso_sgx_enter_enclave through this. */
vdso_sgx_enter_enclave_t sdk_host_vdso_enter __attribute__((visibility("hidden")));

struct seg {
	uint64_t off, size, secinfo;
	int prot;
	bool measure;
};

struct sdk_enclave {
	struct sdk_platform *p;
	int fd;
	void *area;             /* the reservation: 2 * size bytes */
	uint64_t base, size;
	uint64_t hole;          /* end of the loaded image: the SGX2 hole starts here */
	unsigned ntcs;
	uint8_t mrenclave[32];
	const sdk_ocall_fn *ocalls;
	size_t nocalls;
	sdk_exception_cb exc_cb;
	void *exc_user;
	struct sdk_ecall_error *last; /* per TCS */
};

/* One ecall in progress; exit.S reads next_rdi/next_rsi at offsets 0/8. */
struct call_ctx {
	uint64_t next_rdi, next_rsi;
	struct sdk_enclave *e;
	unsigned tcs;
	int status;
	long retval;
	bool in_handler;
	unsigned nexc;
	struct sdk_ecall_error err;
};

_Static_assert(offsetof(struct call_ctx, next_rsi) == 8, "exit.S");
_Static_assert(offsetof(struct sgx_enclave_run, user_data) == 32, "exit.S");

/* exit.S */
int sdk_host_exit_handler(long rdi, long rsi, long rdx, long rsp, long r8, long r9,
			  struct sgx_enclave_run *run);
int sdk_host_enter(unsigned long rdi, unsigned long rsi, unsigned long rdx,
		   unsigned int function, unsigned long r8, unsigned long r9,
		   struct sgx_enclave_run *run);
int sdk_host_on_exit(uint64_t rdi, uint64_t rsi, uint64_t rdx, struct sgx_enclave_run *run);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ---- the vDSO ----------------------------------------------------------------- */

/* The SysV ELF hash (DT_HASH buckets, Verdef.vd_hash). */
static uint32_t elf_hash(const char *name)
{
	uint32_t h = 0, g;

	for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
		h = (h << 4) + *s;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/*
 * The address of `name`@`version` in the vDSO the kernel mapped into this
 * process (AT_SYSINFO_EHDR), or NULL. Looked up as the dynamic linker
 * would: the dynamic section through PT_DYNAMIC, the symbol through the
 * DT_HASH buckets, and its version through DT_VERSYM/DT_VERDEF (a symbol
 * without version information matches any version).
 */
static void *vdso_sym(const char *name, const char *version)
{
	const uint8_t *base = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *symtab = NULL;
	const char *strtab = NULL;
	const Elf32_Word *hash = NULL, *bucket, *chain;
	const Elf64_Half *versym = NULL;
	const Elf64_Verdef *verdef = NULL;
	uintptr_t load = 0;
	bool have_load = false;
	uint32_t h, nbucket;

	if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph =
			(const Elf64_Phdr *)(base + eh->e_phoff + (size_t)i * eh->e_phentsize);

		if (ph->p_type == PT_LOAD && !have_load) {
			load = (uintptr_t)base + ph->p_offset - ph->p_vaddr;
			have_load = true;
		} else if (ph->p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph->p_offset);
		}
	}
	if (!have_load || !dyn)
		return NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(load + dyn->d_un.d_ptr);

		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = p; break;
		case DT_STRTAB: strtab = p; break;
		case DT_HASH: hash = p; break;
		case DT_VERSYM: versym = p; break;
		case DT_VERDEF: verdef = p; break;
		default: break;
		}
	}
	if (!symtab || !strtab || !hash)
		return NULL;
	if (!verdef)
		versym = NULL;
	nbucket = hash[0];
	bucket = &hash[2];
	chain = &hash[2 + nbucket];
	if (!nbucket)
		return NULL;
	h = elf_hash(name);
	for (Elf32_Word i = bucket[h % nbucket]; i != STN_UNDEF; i = chain[i]) {
		const Elf64_Sym *sym = &symtab[i];
		unsigned type = ELF64_ST_TYPE(sym->st_info), bind = ELF64_ST_BIND(sym->st_info);

		if (type != STT_FUNC && type != STT_NOTYPE)
			continue;
		if (bind != STB_GLOBAL && bind != STB_WEAK)
			continue;
		if (sym->st_shndx == SHN_UNDEF || strcmp(strtab + sym->st_name, name))
			continue;
		if (versym) {
			Elf64_Half ndx = versym[i] & 0x7fff;
			const Elf64_Verdef *vd = verdef;
			bool match = true; /* no definition of that index: unversioned */

			for (;;) {
				if (!(vd->vd_flags & VER_FLG_BASE) && (vd->vd_ndx & 0x7fff) == ndx) {
					const Elf64_Verdaux *aux = (const Elf64_Verdaux *)
						((const uint8_t *)vd + vd->vd_aux);

					match = vd->vd_hash == elf_hash(version) &&
						!strcmp(strtab + aux->vda_name, version);
					break;
				}
				if (!vd->vd_next)
					break;
				vd = (const Elf64_Verdef *)((const uint8_t *)vd + vd->vd_next);
			}
			if (!match)
				continue;
		}
		return (void *)(load + sym->st_value);
	}
	return NULL;
}

/* ---- platform --------------------------------------------------------------- */

int sdk_platform_init(struct sdk_platform **out, char *err, size_t errlen)
{
	vdso_sgx_enter_enclave_t enter;
	struct sdk_platform *p;
	int fd;

	enter = (vdso_sgx_enter_enclave_t)vdso_sym("__vdso_sgx_enter_enclave", "LINUX_2.6");
	if (!enter)
		return fail(err, errlen, NO_VDSO_MSG);
	fd = open(SGX_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", SGX_DEVICE, strerror(errno));
	close(fd);
	p = calloc(1, sizeof(*p));
	if (!p)
		return fail(err, errlen, "out of memory");
	p->enter = enter;
	sdk_host_vdso_enter = enter;
	*out = p;
	return 0;
}

void sdk_platform_fini(struct sdk_platform *p)
{
	free(p);
}

/* ---- files ------------------------------------------------------------------- */

void *sdk_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
			errno = EIO;
		}
		if (data) {
			data[n] = 0;
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

int sdk_write_file(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(tmp, "wb");
	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		unlink(tmp);
		return -1;
	}
	return rename(tmp, path);
}

/* ---- loading ----------------------------------------------------------------- */

static uint64_t secinfo_of(uint32_t flags, int *prot)
{
	uint64_t s = SECINFO_REG;

	*prot = 0;
	if (flags & PF_R) {
		s |= SECINFO_R;
		*prot |= PROT_READ;
	}
	if (flags & PF_W) {
		s |= SECINFO_W;
		*prot |= PROT_WRITE;
	}
	if (flags & PF_X) {
		s |= SECINFO_X;
		*prot |= PROT_EXEC;
	}
	return s;
}

/* Segments of the ELF per the convention; *first = file offset of page 0. */
static int parse_elf(const uint8_t *file, size_t len, struct seg *segs, int *nseg,
		     uint64_t *first, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
	uint64_t end = 0;
	int n = 0;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len)
		return fail(err, errlen, "not an ELF64 little-endian file");
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff) + i;
		struct seg *s = &segs[n];

		if (ph->p_type != PT_LOAD)
			continue;
		if (n == MAX_SEGS - 1)
			return fail(err, errlen, "too many PT_LOAD segments");
		if (ph->p_flags & ~(uint32_t)(PF_R | PF_W | PF_X))
			return fail(err, errlen, "PT_LOAD %d has unknown flags 0x%x", n,
				    ph->p_flags);
		if (n == 0) {
			if (ph->p_flags != (PF_R | PF_W))
				return fail(err, errlen, "the first PT_LOAD (TCS pages) must be R|W");
			*first = ph->p_offset & ~(PAGE - 1);
		}
		if ((ph->p_offset & ~(PAGE - 1)) < *first + end)
			return fail(err, errlen, "PT_LOAD %d overlaps the previous one", n);
		s->off = (ph->p_offset & ~(PAGE - 1)) - *first;
		s->size = (ph->p_filesz + PAGE - 1) & ~(PAGE - 1);
		s->secinfo = n == 0 ? SECINFO_TCS : secinfo_of(ph->p_flags, &s->prot);
		if (n == 0)
			s->prot = PROT_READ | PROT_WRITE;
		s->measure = true;
		end = s->off + s->size;
		n++;
	}
	if (n < 2)
		return fail(err, errlen, "no TCS and code segments");
	segs[n] = (struct seg){ end, HEAP, SECINFO_REG | SECINFO_R | SECINFO_W,
				PROT_READ | PROT_WRITE, false };
	*nseg = n + 1;
	return 0;
}

static int load_image(const char *path, struct seg *segs, int *nseg, uint8_t **img,
		      uint64_t *img_size, char *err, size_t errlen)
{
	size_t len;
	uint8_t *file = sdk_read_file(path, &len);
	uint64_t first = 0;

	if (!file)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (parse_elf(file, len, segs, nseg, &first, err, errlen)) {
		free(file);
		return -1;
	}
	*img_size = segs[*nseg - 1].off + segs[*nseg - 1].size;
	*img = aligned_alloc(PAGE, *img_size);
	if (!*img) {
		free(file);
		return fail(err, errlen, "out of memory");
	}
	memset(*img, 0, *img_size);
	for (int i = 0; i < *nseg - 1; i++) {
		uint64_t from = first + segs[i].off, n = segs[i].size;

		if (from < len)
			memcpy(*img + segs[i].off, file + from, from + n <= len ? n : len - from);
	}
	free(file);
	return 0;
}

/* ioctl, retried when a signal interrupted it before it did anything. */
static int sgx_ioctl(int fd, unsigned long cmd, void *arg)
{
	int r;

	do
		r = ioctl(fd, cmd, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

static int create(struct sdk_enclave *e, const uint8_t *sig, char *err, size_t errlen)
{
	struct sgx_enclave_create create;
	uint8_t *secs;
	int r;

	secs = aligned_alloc(PAGE, PAGE);
	if (!secs)
		return fail(err, errlen, "out of memory");
	memset(secs, 0, PAGE);
	put64(secs + SECS_SIZE, e->size);
	put64(secs + SECS_BASE, e->base);
	put32(secs + SECS_SSAFRAMESIZE, 1);
	put32(secs + SECS_MISCSELECT, get32(sig + SIG_MISCSELECT));
	put64(secs + SECS_ATTRIBUTES, get64(sig + SIG_ATTRIBUTES) & ~ATTR_INIT);
	put64(secs + SECS_ATTRIBUTES + 8, get64(sig + SIG_ATTRIBUTES + 8));
	create.src = (uint64_t)(uintptr_t)secs;
	r = sgx_ioctl(e->fd, SGX_IOC_ENCLAVE_CREATE, &create);
	free(secs);
	if (r)
		return fail(err, errlen, "SGX_IOC_ENCLAVE_CREATE: %s", strerror(errno));
	return 0;
}

/* One segment; the driver may stop early (a pending signal): go on from
 * where it stopped. */
static int add_pages(struct sdk_enclave *e, const struct seg *s, const uint8_t *img, char *err,
		     size_t errlen)
{
	uint64_t secinfo[8] __attribute__((aligned(64))) = { s->secinfo }; /* SECINFO */
	uint64_t done = 0;

	while (done < s->size) {
		struct sgx_enclave_add_pages add = {
			.src = (uint64_t)(uintptr_t)(img + s->off + done),
			.offset = s->off + done,
			.length = s->size - done,
			.secinfo = (uint64_t)(uintptr_t)secinfo,
			.flags = s->measure ? SGX_PAGE_MEASURE : 0,
		};

		if (sgx_ioctl(e->fd, SGX_IOC_ENCLAVE_ADD_PAGES, &add) && !add.count)
			return fail(err, errlen, "SGX_IOC_ENCLAVE_ADD_PAGES at 0x%llx: %s",
				    (unsigned long long)(s->off + done), strerror(errno));
		if (!add.count || add.count % PAGE)
			return fail(err, errlen, "SGX_IOC_ENCLAVE_ADD_PAGES at 0x%llx: count %llu",
				    (unsigned long long)(s->off + done),
				    (unsigned long long)add.count);
		done += add.count;
	}
	return 0;
}

static int build(struct sdk_enclave *e, const uint8_t *sig, const struct seg *segs, int nseg,
		 const uint8_t *img, uint64_t img_size, uint64_t want_size, char *err,
		 size_t errlen)
{
	struct sgx_enclave_init init;
	void *area;

	for (e->size = PAGE; e->size < img_size; e->size <<= 1)
		;
	if (want_size) {
		if (want_size < e->size || (want_size & (want_size - 1)))
			return fail(err, errlen, "ELRANGE size 0x%llx: not a power of two >= 0x%llx",
				    (unsigned long long)want_size, (unsigned long long)e->size);
		e->size = want_size;
	}
	e->hole = img_size;
	/* Reserve twice the size and use the naturally aligned half. */
	area = mmap(NULL, 2 * e->size, PROT_NONE, MAP_SHARED, e->fd, 0);
	if (area == MAP_FAILED)
		return fail(err, errlen, "mmap of the enclave range: %s", strerror(errno));
	e->area = area;
	e->base = ((uint64_t)(uintptr_t)area + e->size - 1) & ~(e->size - 1);

	if (create(e, sig, err, errlen))
		return -1;
	for (int i = 0; i < nseg; i++)
		if (add_pages(e, &segs[i], img, err, errlen))
			return -1;

	memset(&init, 0, sizeof(init));
	init.sigstruct = (uint64_t)(uintptr_t)sig;
	if (sgx_ioctl(e->fd, SGX_IOC_ENCLAVE_INIT, &init))
		return fail(err, errlen, "SGX_IOC_ENCLAVE_INIT: %s%s", strerror(errno),
			    errno == EPERM ? " (EINIT refused the SIGSTRUCT: is it for "
					     "this build of the enclave?)" : "");

	for (int i = 0; i < nseg; i++) {
		void *want = (void *)(uintptr_t)(e->base + segs[i].off);

		if (mmap(want, segs[i].size, segs[i].prot, MAP_SHARED | MAP_FIXED, e->fd, 0) !=
		    want)
			return fail(err, errlen, "mmap of segment %d: %s", i, strerror(errno));
	}
	/* The hole: no pages yet, so no max-protection limit (SGX2 EAUGs there). */
	if (e->hole < e->size) {
		void *want = (void *)(uintptr_t)(e->base + e->hole);

		if (mmap(want, e->size - e->hole, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 e->fd, 0) != want)
			return fail(err, errlen, "mmap of the ELRANGE hole: %s", strerror(errno));
	}
	e->ntcs = (unsigned)(segs[0].size / PAGE);
	return 0;
}

int sdk_enclave_load(struct sdk_platform *p, const char *elf_path, const char *sig_path,
		     struct sdk_enclave **out, char *err, size_t errlen)
{
	return sdk_enclave_load_ex(p, elf_path, sig_path, NULL, out, err, errlen);
}

int sdk_enclave_load_ex(struct sdk_platform *p, const char *elf_path, const char *sig_path,
			const struct sdk_load_opts *opts, struct sdk_enclave **out, char *err,
			size_t errlen)
{
	struct seg segs[MAX_SEGS];
	struct sdk_enclave *e;
	uint8_t *img = NULL, *sig, *sigbytes;
	uint64_t img_size = 0;
	size_t siglen;
	int nseg = 0, r;

	sigbytes = sdk_read_file(sig_path, &siglen);
	if (!sigbytes)
		return fail(err, errlen, "%s: %s", sig_path, strerror(errno));
	if (siglen != SIGSTRUCT_SIZE) {
		free(sigbytes);
		return fail(err, errlen, "%s: %zu bytes, a SIGSTRUCT has %d", sig_path, siglen,
			    SIGSTRUCT_SIZE);
	}
	/* The driver wants the SIGSTRUCT within one page. */
	sig = aligned_alloc(PAGE, PAGE);
	if (!sig) {
		free(sigbytes);
		return fail(err, errlen, "out of memory");
	}
	memcpy(sig, sigbytes, SIGSTRUCT_SIZE);
	free(sigbytes);
	if (load_image(elf_path, segs, &nseg, &img, &img_size, err, errlen)) {
		free(sig);
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(img);
		free(sig);
		return fail(err, errlen, "out of memory");
	}
	e->p = p;
	e->area = MAP_FAILED;
	memcpy(e->mrenclave, sig + SIG_ENCLAVEHASH, 32);
	e->fd = open(SGX_DEVICE, O_RDWR | O_CLOEXEC);
	if (e->fd < 0) {
		r = fail(err, errlen, "%s: %s", SGX_DEVICE, strerror(errno));
	} else if ((r = build(e, sig, segs, nseg, img, img_size,
				opts ? opts->elrange_size : 0, err, errlen)) == 0) {
		e->last = calloc(e->ntcs, sizeof(*e->last));
		if (!e->last)
			r = fail(err, errlen, "out of memory");
	}
	free(img);
	free(sig);
	if (r) {
		sdk_enclave_unload(e);
		return -1;
	}
	*out = e;
	return 0;
}

/* Unmapping every page and closing the fd releases the enclave. */
void sdk_enclave_unload(struct sdk_enclave *e)
{
	if (!e)
		return;
	if (e->area != MAP_FAILED)
		munmap(e->area, 2 * e->size);
	if (e->fd >= 0)
		close(e->fd);
	free(e->last);
	free(e);
}

void sdk_enclave_set_ocalls(struct sdk_enclave *e, const sdk_ocall_fn *table, size_t n)
{
	e->ocalls = table;
	e->nocalls = n;
}

void sdk_enclave_set_exception_cb(struct sdk_enclave *e, sdk_exception_cb cb, void *user)
{
	e->exc_cb = cb;
	e->exc_user = user;
}

unsigned sdk_enclave_nr_tcs(const struct sdk_enclave *e)
{
	return e->ntcs;
}

uint64_t sdk_enclave_base(const struct sdk_enclave *e)
{
	return e->base;
}

int sdk_enclave_fd(const struct sdk_enclave *e)
{
	return e->fd;
}

uint64_t sdk_enclave_size(const struct sdk_enclave *e)
{
	return e->size;
}

uint64_t sdk_enclave_hole(const struct sdk_enclave *e)
{
	return e->hole;
}

const uint8_t *sdk_enclave_mrenclave(const struct sdk_enclave *e)
{
	return e->mrenclave;
}

/* ---- running ----------------------------------------------------------------- */

const char *sdk_strerror(int code)
{
	switch (code) {
	case SDK_OK:
		return "success";
	case SDK_E_ENTER:
		return "could not enter the enclave";
	case SDK_E_UNHANDLED:
		return "unhandled exception in the enclave";
	case SDK_E_ENCLAVE:
		return "the enclave refused the call";
	case SDK_E_PROTOCOL:
		return "enclave/host protocol error";
	case SDK_E_TCS:
		return "no such TCS";
	default:
		return "unknown error";
	}
}

static long run_ocall(struct call_ctx *c, uint64_t number, uint64_t args, bool *ok)
{
	struct sdk_enclave *e = c->e;

	*ok = true;
	if (number == SDK_OCALL_PRINT) {
		const char *s = (const char *)(uintptr_t)args;

		if (!s) {
			*ok = false;
			return -1;
		}
		fputs(s, stdout);
		fflush(stdout);
		return (long)strlen(s);
	}
	if (number == SDK_OCALL_EDMM)
		return sdk_edmm_ocall(e, (void *)(uintptr_t)args);
	if (number < SDK_OCALL_USER || number - SDK_OCALL_USER >= e->nocalls ||
	    !e->ocalls[number - SDK_OCALL_USER]) {
		*ok = false;
		return -1;
	}
	return e->ocalls[number - SDK_OCALL_USER]((void *)(uintptr_t)args);
}

/* Called by exit.S after every exit from the enclave: returns the next
 * ENCLU leaf (with next_rdi/next_rsi), or 0 to end the ecall. */
int sdk_host_on_exit(uint64_t rdi, uint64_t rsi, uint64_t rdx, struct sgx_enclave_run *run)
{
	struct call_ctx *c = (struct call_ctx *)(uintptr_t)run->user_data;
	bool ok;

	c->next_rdi = c->next_rsi = 0;
	if (run->function == LEAF_EEXIT) {
		switch (rdi) {
		case SDK_EXIT_RETURN:
			if (c->in_handler)
				break;
			c->retval = (long)rsi;
			c->status = SDK_OK;
			return 0;
		case SDK_EXIT_OCALL:
			if (c->in_handler)
				break;
			c->next_rsi = (uint64_t)run_ocall(c, rsi, rdx, &ok);
			if (!ok)
				break;
			c->next_rdi = SDK_ENTER_ORET;
			return LEAF_EENTER;
		case SDK_EXIT_EXC_CONT:
			if (!c->in_handler)
				break;
			c->in_handler = false;
			return LEAF_ERESUME;
		case SDK_EXIT_EXC_ABORT:
			c->err.info = rsi;
			c->status = SDK_E_UNHANDLED;
			return 0;
		case SDK_EXIT_ERROR:
			c->err.info = rsi;
			c->status = SDK_E_ENCLAVE;
			return 0;
		}
		c->err.info = rdi;
		c->status = SDK_E_PROTOCOL;
		return 0;
	}
	c->err.function = run->function;
	c->err.vector = run->exception_vector;
	c->err.error_code = run->exception_error_code;
	c->err.addr = run->exception_addr;
	if (run->function != LEAF_ERESUME) {
		c->status = SDK_E_ENTER; /* EENTER itself faulted */
		return 0;
	}
	/* An exception inside the enclave (AEX). A second one before the handler
	 * asked to resume means the handler phase itself faulted. */
	if (c->in_handler || ++c->nexc > MAX_EXCEPTIONS) {
		c->status = SDK_E_UNHANDLED;
		return 0;
	}
	if (c->e->exc_cb)
		c->e->exc_cb(c->e, c->tcs, run->exception_vector, run->exception_error_code,
			     run->exception_addr, c->e->exc_user);
	c->in_handler = true;
	run->exception_vector = 0;
	run->exception_error_code = 0;
	run->exception_addr = 0;
	return LEAF_EENTER; /* CSSA is now 1: the enclave's handler phase */
}

static int ecall_at(struct sdk_enclave *e, unsigned tcs, uint64_t tcs_offset,
		    unsigned long number, void *args, long *ret)
{
	struct sgx_enclave_run run;
	struct call_ctx c;
	int r;

	memset(&run, 0, sizeof(run));
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.tcs = tcs;
	c.status = SDK_E_PROTOCOL;
	run.tcs = e->base + tcs_offset;
	run.user_handler = (uint64_t)(uintptr_t)sdk_host_exit_handler;
	run.user_data = (uint64_t)(uintptr_t)&c;
	r = sdk_host_enter(number, (unsigned long)(uintptr_t)args, 0, LEAF_EENTER, 0, 0, &run);
	if (r < 0) {
		c.status = SDK_E_ENTER;
		c.err.info = (uint64_t)-r;
	}
	if (tcs < e->ntcs)
		e->last[tcs] = c.err;
	if (c.status == SDK_OK && ret)
		*ret = c.retval;
	return c.status;
}

int sdk_ecall(struct sdk_enclave *e, unsigned tcs, unsigned long number, void *args,
	      long *ret)
{
	if (tcs >= e->ntcs)
		return SDK_E_TCS;
	return ecall_at(e, tcs, tcs * PAGE, number, args, ret);
}

int sdk_ecall_tcs(struct sdk_enclave *e, uint64_t tcs_offset, unsigned long number, void *args,
		  long *ret)
{
	if (tcs_offset % PAGE || tcs_offset >= e->size)
		return SDK_E_TCS;
	/* An image TCS keeps its error slot; an added one has none. */
	return ecall_at(e, tcs_offset / PAGE < e->ntcs ? (unsigned)(tcs_offset / PAGE) : ~0u,
			tcs_offset, number, args, ret);
}

void sdk_last_error(struct sdk_enclave *e, unsigned tcs, struct sdk_ecall_error *out)
{
	if (tcs < e->ntcs)
		*out = e->last[tcs];
	else
		memset(out, 0, sizeof(*out));
}
