/*
 * test_vdso_image.c - the synthetic vDSO image (src/preload/vdso_image.c):
 * built from this machine's real vDSO plus __vdso_sgx_enter_enclave, then
 * read back by a parser of the test's own that walks DT_GNU_HASH (the
 * library's sgx_vdso_lookup walks DT_HASH), called through, checked for
 * structure, and fed malformed inputs.
 */
#include <criterion/criterion.h>

#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <asm/sgx.h>

#include "preload/vdso_image.h"
#include "sgxemu/entry.h"

#define SGX_NAME "__vdso_sgx_enter_enclave"

static const char *const common_names[] = {
	"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
};

/* ---- the test's own reader: program headers, dynamic section, GNU hash ---- */

struct gview {
	const unsigned char *base;
	uintptr_t bias;
	const Elf64_Phdr *load, *dynph;
	const Elf64_Dyn *dyn;
	const Elf64_Sym *sym;
	const char *str;
	uint64_t strsz;
	const uint32_t *sysv;		/* DT_HASH or NULL */
	const uint32_t *gnu;		/* DT_GNU_HASH */
	const uint16_t *versym;
	const unsigned char *verdef;
	uint64_t verdefnum;
	size_t nsym;
};

static const void *gptr(const struct gview *g, uint64_t vaddr)
{
	return (const void *)(g->bias + vaddr);
}

static uint32_t t_gnu_hash(const char *s)
{
	uint32_t h = 5381;

	while (*s)
		h = (h << 5) + h + (unsigned char)*s++;
	return h;
}

static uint32_t t_elf_hash(const char *s)
{
	uint32_t h = 0;

	while (*s) {
		h = (h << 4) + (unsigned char)*s++;
		h ^= (h >> 24) & 0xf0;
		h &= 0x0fffffff;
	}
	return h;
}

static void gview_open(struct gview *g, const void *image)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);

	memset(g, 0, sizeof(*g));
	g->base = image;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !g->load)
			g->load = &ph[i];
		if (ph[i].p_type == PT_DYNAMIC)
			g->dynph = &ph[i];
	}
	cr_assert(g->load && g->dynph, "PT_LOAD and PT_DYNAMIC");
	g->bias = (uintptr_t)image + g->load->p_offset - g->load->p_vaddr;
	g->dyn = gptr(g, g->dynph->p_vaddr);
	for (const Elf64_Dyn *d = g->dyn; d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB: g->sym = gptr(g, d->d_un.d_ptr); break;
		case DT_STRTAB: g->str = gptr(g, d->d_un.d_ptr); break;
		case DT_STRSZ: g->strsz = d->d_un.d_val; break;
		case DT_HASH: g->sysv = gptr(g, d->d_un.d_ptr); break;
		case DT_GNU_HASH: g->gnu = gptr(g, d->d_un.d_ptr); break;
		case DT_VERSYM: g->versym = gptr(g, d->d_un.d_ptr); break;
		case DT_VERDEF: g->verdef = gptr(g, d->d_un.d_ptr); break;
		case DT_VERDEFNUM: g->verdefnum = d->d_un.d_val; break;
		}
	}
	cr_assert(g->sym && g->str && g->gnu, "DT_SYMTAB, DT_STRTAB, DT_GNU_HASH");

	/* Symbol count: the end of the chain of the highest bucket. */
	{
		uint32_t nb = g->gnu[0], off = g->gnu[1], bloom = g->gnu[2];
		const uint32_t *buckets = g->gnu + 4 + 2 * bloom;
		const uint32_t *chain = buckets + nb;
		uint32_t top = 0;

		for (uint32_t b = 0; b < nb; b++)
			if (buckets[b] > top)
				top = buckets[b];
		if (!top) {
			g->nsym = off;
		} else {
			while (!(chain[top - off] & 1))
				top++;
			g->nsym = top + 1;
		}
	}
}

static const Elf64_Verdef *verdef_by_ndx(const struct gview *g, unsigned ndx)
{
	const unsigned char *p = g->verdef;

	if (!p)
		return NULL;
	for (;;) {
		const Elf64_Verdef *vd = (const Elf64_Verdef *)p;

		if ((vd->vd_ndx & 0x7fff) == ndx)
			return vd;
		if (!vd->vd_next)
			return NULL;
		p += vd->vd_next;
	}
}

/* The version name of symbol i, or NULL (unversioned/base/local). */
static const char *sym_version(const struct gview *g, size_t i)
{
	const Elf64_Verdef *vd;
	const Elf64_Verdaux *va;

	if (!g->versym)
		return NULL;
	vd = verdef_by_ndx(g, g->versym[i] & 0x7fff);
	if (!vd || (vd->vd_flags & VER_FLG_BASE))
		return NULL;
	va = (const Elf64_Verdaux *)((const char *)vd + vd->vd_aux);
	return g->str + va->vda_name;
}

/* Symbol index of name@version through DT_GNU_HASH, or 0. */
static size_t gnu_find(const struct gview *g, const char *name, const char *version)
{
	uint32_t nb = g->gnu[0], off = g->gnu[1], bloom_size = g->gnu[2], shift = g->gnu[3];
	const uint64_t *bloom = (const uint64_t *)(g->gnu + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size);
	const uint32_t *chain = buckets + nb;
	uint32_t h = t_gnu_hash(name);
	uint64_t word = bloom[(h / 64) % bloom_size];
	uint64_t mask = (1ull << (h % 64)) | (1ull << ((h >> shift) % 64));

	if ((word & mask) != mask)
		return 0;
	for (uint32_t i = buckets[h % nb]; i; i++) {
		uint32_t c = chain[i - off];

		if ((c | 1) == (h | 1) && strcmp(g->str + g->sym[i].st_name, name) == 0) {
			const char *v = sym_version(g, i);

			if (!version || (v && strcmp(v, version) == 0))
				return i;
		}
		if (c & 1)
			break;
	}
	return 0;
}

static void *sym_addr(const struct gview *g, size_t i)
{
	if (g->sym[i].st_shndx == SHN_ABS)
		return (void *)(uintptr_t)g->sym[i].st_value;
	return (void *)(g->bias + g->sym[i].st_value);	/* modulo 2^64 */
}

/* ---- fixtures ---- */

static void *image;
static size_t image_size;
static const void *real;

static const struct sgx_vdso_extra sgx_extra = { SGX_NAME, (const void *)sgx_enter_enclave, NULL };

static void build_image(void)
{
	real = (const void *)getauxval(AT_SYSINFO_EHDR);
	cr_assert(real, "this process has a vDSO");
	cr_assert_eq(sgx_vdso_image_build(real, &sgx_extra, 1, &image, &image_size), 0);
}

static void free_image(void)
{
	sgx_vdso_image_free(image, image_size);
}

TestSuite(vdso_image, .init = build_image, .fini = free_image);

/* ---- lookups ---- */

Test(vdso_image, common_symbols_match_the_real_vdso)
{
	struct gview gi, gr;
	int found = 0;

	gview_open(&gi, image);
	gview_open(&gr, real);
	for (size_t k = 0; k < sizeof(common_names) / sizeof(common_names[0]); k++) {
		const char *n = common_names[k];
		size_t ri = gnu_find(&gr, n, SGX_VDSO_VERSION), ii;
		void *lib_real, *lib_img;

		if (!ri) {
			cr_assert_eq(sgx_vdso_lookup(image, n, SGX_VDSO_VERSION, &lib_img), -ENOENT, "%s", n);
			continue;
		}
		found++;
		ii = gnu_find(&gi, n, SGX_VDSO_VERSION);
		cr_assert(ii, "%s in the image", n);
		cr_assert_eq(sym_addr(&gi, ii), sym_addr(&gr, ri), "%s", n);
		cr_assert_eq(sgx_vdso_lookup(real, n, SGX_VDSO_VERSION, &lib_real), 0, "%s", n);
		cr_assert_eq(sgx_vdso_lookup(image, n, SGX_VDSO_VERSION, &lib_img), 0, "%s", n);
		cr_assert_eq(lib_real, sym_addr(&gr, ri), "%s", n);
		cr_assert_eq(lib_img, lib_real, "%s", n);
	}
	cr_assert_geq(found, 1, "the x86-64 vDSO has __vdso_clock_gettime at least");
}

Test(vdso_image, sgx_enter_enclave_symbol)
{
	struct gview g;
	size_t i;
	void *p;

	gview_open(&g, image);
	i = gnu_find(&g, SGX_NAME, SGX_VDSO_VERSION);
	cr_assert(i);
	cr_assert_eq(sym_addr(&g, i), (void *)sgx_enter_enclave);
	cr_assert_eq(ELF64_ST_TYPE(g.sym[i].st_info), STT_FUNC);
	cr_assert_eq(ELF64_ST_BIND(g.sym[i].st_info), STB_GLOBAL);
	cr_assert_neq(g.sym[i].st_shndx, SHN_UNDEF);

	cr_assert_eq(sgx_vdso_lookup(image, SGX_NAME, SGX_VDSO_VERSION, &p), 0);
	cr_assert_eq(p, (void *)sgx_enter_enclave);
	cr_assert_eq(sgx_vdso_lookup(image, SGX_NAME, NULL, &p), 0);
	cr_assert_eq(p, (void *)sgx_enter_enclave);
	cr_assert_eq(sgx_vdso_lookup(image, SGX_NAME, "LINUX_2.5", &p), -ENOENT);
	cr_assert_eq(gnu_find(&g, SGX_NAME, "LINUX_2.5"), 0);
	cr_assert_eq(sgx_vdso_lookup(image, "__vdso_nonexistent", NULL, &p), -ENOENT);
	cr_assert_eq(gnu_find(&g, "__vdso_nonexistent", NULL), 0);
	/* The real vDSO of this kernel has no SGX. */
	cr_assert_eq(sgx_vdso_lookup(real, SGX_NAME, SGX_VDSO_VERSION, &p), -ENOENT);
}

/* Every defined symbol of the real vDSO is in the image: same name, type,
 * binding, size, version and address. */
Test(vdso_image, every_real_symbol_is_kept)
{
	struct gview gi, gr;
	size_t kept = 0;

	gview_open(&gi, image);
	gview_open(&gr, real);
	for (size_t r = 1; r < gr.nsym; r++) {
		const Elf64_Sym *rs = &gr.sym[r];
		const char *name = gr.str + rs->st_name;
		const char *ver = sym_version(&gr, r);
		size_t i;

		if (ELF64_ST_BIND(rs->st_info) == STB_LOCAL || rs->st_shndx == SHN_UNDEF)
			continue;
		i = gnu_find(&gi, name, ver);
		cr_assert(i, "%s@%s", name, ver ? ver : "");
		cr_assert_eq(gi.sym[i].st_info, rs->st_info, "%s", name);
		cr_assert_eq(gi.sym[i].st_other, rs->st_other, "%s", name);
		cr_assert_eq(gi.sym[i].st_size, rs->st_size, "%s", name);
		cr_assert_eq(sym_addr(&gi, i), sym_addr(&gr, r), "%s", name);
		if (ver)
			cr_assert_str_eq(sym_version(&gi, i), ver, "%s", name);
		if (gr.versym)
			cr_assert_eq(gi.versym[i] & 0x8000, gr.versym[r] & 0x8000, "%s hidden bit", name);
		kept++;
	}
	cr_assert_eq(gi.nsym, 1 + kept + 1, "the real symbols, the extra, the null one");
}

/* ---- calling through ---- */

Test(vdso_image, clock_gettime_through_the_image)
{
	typedef int (*cgt_t)(clockid_t, struct timespec *);
	struct gview g;
	size_t i;
	cgt_t fn;
	struct timespec a, b, c;

	gview_open(&g, image);
	i = gnu_find(&g, "__vdso_clock_gettime", SGX_VDSO_VERSION);
	cr_assert(i);
	fn = (cgt_t)sym_addr(&g, i);
	cr_assert_eq(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a), 0);
	cr_assert_eq(fn(CLOCK_MONOTONIC, &b), 0);
	cr_assert_eq(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &c), 0);
	cr_assert(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec));
	cr_assert(c.tv_sec > b.tv_sec || (c.tv_sec == b.tv_sec && c.tv_nsec >= b.tv_nsec));
	cr_assert_eq(fn(CLOCK_REALTIME, &b), 0);
	cr_assert_gt(b.tv_sec, 1600000000);
}

Test(vdso_image, sgx_enter_enclave_rejects_a_bad_leaf)
{
	struct gview g;
	struct sgx_enclave_run run;
	vdso_sgx_enter_enclave_t fn;
	void *p;
	size_t i;

	gview_open(&g, image);
	i = gnu_find(&g, SGX_NAME, SGX_VDSO_VERSION);
	cr_assert(i);
	fn = (vdso_sgx_enter_enclave_t)sym_addr(&g, i);
	memset(&run, 0, sizeof(run));
	cr_assert_eq(fn(0, 0, 0, 5, 0, 0, &run), -EINVAL);

	cr_assert_eq(sgx_vdso_lookup(image, SGX_NAME, SGX_VDSO_VERSION, &p), 0);
	fn = (vdso_sgx_enter_enclave_t)p;
	cr_assert_eq(fn(0, 0, 0, 5, 0, 0, &run), -EINVAL);
}

/* ---- structure ---- */

Test(vdso_image, elf_structure)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph;
	struct gview g;
	uint64_t end;
	long pg = sysconf(_SC_PAGESIZE);
	int nload = 0, ndyn = 0;
	unsigned seen[16] = { 0 };
	static const int64_t tags[] = { DT_HASH, DT_GNU_HASH, DT_STRTAB, DT_SYMTAB, DT_STRSZ,
					DT_SYMENT, DT_VERSYM, DT_VERDEF, DT_VERDEFNUM, DT_SONAME };
	const char *soname = NULL;

	cr_assert_eq((uintptr_t)image % (uintptr_t)pg, 0);
	cr_assert_eq(image_size % (size_t)pg, 0);
	cr_assert_eq(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0);
	cr_assert_eq(eh->e_ident[EI_CLASS], ELFCLASS64);
	cr_assert_eq(eh->e_ident[EI_DATA], ELFDATA2LSB);
	cr_assert_eq(eh->e_ident[EI_VERSION], EV_CURRENT);
	cr_assert_eq(eh->e_type, ET_DYN);
	cr_assert_eq(eh->e_machine, EM_X86_64);
	cr_assert_eq(eh->e_version, EV_CURRENT);
	cr_assert_eq(eh->e_ehsize, sizeof(Elf64_Ehdr));
	cr_assert_eq(eh->e_phentsize, sizeof(Elf64_Phdr));
	cr_assert(eh->e_shnum == 0 || eh->e_shoff + eh->e_shnum * sizeof(Elf64_Shdr) <= image_size);
	cr_assert_leq(eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr), image_size);

	ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		cr_assert_leq(ph[i].p_offset + ph[i].p_filesz, image_size, "phdr %d in bounds", i);
		cr_assert_leq(ph[i].p_filesz, ph[i].p_memsz);
		if (ph[i].p_type == PT_LOAD) {
			nload++;
			cr_assert_eq(ph[i].p_offset, 0);
			cr_assert_eq(ph[i].p_vaddr, 0);
			cr_assert_eq(ph[i].p_align % (uint64_t)pg, 0);
			cr_assert_eq(ph[i].p_flags & PF_W, 0, "read-only");
		}
		if (ph[i].p_type == PT_DYNAMIC) {
			ndyn++;
			cr_assert_eq(ph[i].p_offset, ph[i].p_vaddr);
			cr_assert_eq(ph[i].p_offset % 8, 0);
			cr_assert_eq(ph[i].p_filesz % sizeof(Elf64_Dyn), 0);
			cr_assert_eq(ph[i].p_flags & PF_W, 0, "read-only: loaders must not relocate it");
		}
	}
	cr_assert_eq(nload, 1);
	cr_assert_eq(ndyn, 1);

	gview_open(&g, image);
	end = g.load->p_filesz;
	for (const Elf64_Dyn *d = g.dyn;; d++) {
		cr_assert_lt((uint64_t)((const char *)(d + 1) - (const char *)image),
			     g.dynph->p_offset + g.dynph->p_filesz + 1, "DT_NULL inside PT_DYNAMIC");
		if (d->d_tag == DT_NULL)
			break;
		for (size_t k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
			if (d->d_tag == tags[k])
				seen[k]++;
		if (d->d_tag == DT_SYMENT)
			cr_assert_eq(d->d_un.d_val, sizeof(Elf64_Sym));
		if (d->d_tag == DT_SONAME)
			soname = g.str + d->d_un.d_val;
		if (d->d_tag != DT_STRSZ && d->d_tag != DT_SYMENT && d->d_tag != DT_VERDEFNUM &&
		    d->d_tag != DT_SONAME)
			cr_assert_lt(d->d_un.d_ptr, end, "tag %#lx points inside", (long)d->d_tag);
	}
	for (size_t k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
		cr_assert_eq(seen[k], 1, "tag %#lx exactly once", (long)tags[k]);
	cr_assert_str_eq(soname, SGX_VDSO_SONAME);
	cr_assert_leq((uint64_t)(g.str - (const char *)image) + g.strsz, end);
	cr_assert_eq(g.str[g.strsz - 1], '\0');
	cr_assert_leq((uint64_t)((const char *)(g.sym + g.nsym) - (const char *)image), end);
	cr_assert_leq((uint64_t)((const char *)(g.versym + g.nsym) - (const char *)image), end);

	/* The null symbol. */
	cr_assert_eq(g.sym[0].st_name, 0);
	cr_assert_eq(g.sym[0].st_info, 0);
	cr_assert_eq(g.sym[0].st_shndx, SHN_UNDEF);
	cr_assert_eq(g.sym[0].st_value, 0);
	cr_assert_eq(g.versym[0], 0);
}

Test(vdso_image, hash_tables_are_consistent)
{
	struct gview g;
	uint32_t nbucket, nchain, gnb, symoffset;
	const uint32_t *bucket, *chain;

	gview_open(&g, image);
	cr_assert(g.sysv);
	nbucket = g.sysv[0];
	nchain = g.sysv[1];
	bucket = g.sysv + 2;
	chain = bucket + nbucket;
	cr_assert_gt(nbucket, 0);
	cr_assert_eq(nchain, g.nsym, "DT_HASH nchain == symbols counted through DT_GNU_HASH");
	gnb = g.gnu[0];
	symoffset = g.gnu[1];
	cr_assert_gt(gnb, 0);
	cr_assert_geq(symoffset, 1);
	cr_assert_eq(g.gnu[2] & (g.gnu[2] - 1), 0, "bloom size is a power of two");

	for (size_t i = 1; i < g.nsym; i++) {
		const char *name = g.str + g.sym[i].st_name;
		size_t steps = 0;
		bool found = false;

		cr_assert_lt(g.sym[i].st_name, g.strsz);
		/* DT_HASH reaches every symbol but the null one. */
		for (uint32_t k = bucket[t_elf_hash(name) % nbucket]; k; k = chain[k]) {
			cr_assert_lt(k, nchain);
			cr_assert_lt(steps++, nchain, "no cycle");
			if (k == i)
				found = true;
		}
		cr_assert(found, "%s via DT_HASH", name);
		/* DT_GNU_HASH reaches every defined non-local one, and only those
		 * sit at or above symoffset. */
		if (i >= symoffset) {
			cr_assert_neq(ELF64_ST_BIND(g.sym[i].st_info), STB_LOCAL, "%s", name);
			cr_assert_neq(g.sym[i].st_shndx, SHN_UNDEF, "%s", name);
			cr_assert_eq(gnu_find(&g, name, sym_version(&g, i)), i, "%s via DT_GNU_HASH", name);
		} else {
			cr_assert(ELF64_ST_BIND(g.sym[i].st_info) == STB_LOCAL ||
				  g.sym[i].st_shndx == SHN_UNDEF, "%s below symoffset", name);
		}
	}
}

Test(vdso_image, version_definitions)
{
	struct gview g;
	const unsigned char *p;
	unsigned count = 0, maxndx = 0;
	bool have_linux26 = false;

	gview_open(&g, image);
	cr_assert(g.verdef && g.versym);
	p = g.verdef;
	for (;;) {
		const Elf64_Verdef *vd = (const Elf64_Verdef *)p;
		const Elf64_Verdaux *va = (const Elf64_Verdaux *)(p + vd->vd_aux);
		const char *name = g.str + va->vda_name;

		cr_assert_eq(vd->vd_version, VER_DEF_CURRENT);
		cr_assert_geq(vd->vd_cnt, 1);
		cr_assert_eq(vd->vd_hash, t_elf_hash(name), "%s hash", name);
		if (count == 0) {
			cr_assert_eq(vd->vd_flags & VER_FLG_BASE, VER_FLG_BASE);
			cr_assert_eq(vd->vd_ndx, 1);
			cr_assert_str_eq(name, SGX_VDSO_SONAME);
		} else {
			cr_assert_eq(vd->vd_flags & VER_FLG_BASE, 0);
			cr_assert_eq(vd->vd_ndx, count + 1);
		}
		if (strcmp(name, SGX_VDSO_VERSION) == 0)
			have_linux26 = true;
		if (vd->vd_ndx > maxndx)
			maxndx = vd->vd_ndx;
		count++;
		if (!vd->vd_next)
			break;
		p += vd->vd_next;
	}
	cr_assert_eq(count, g.verdefnum, "DT_VERDEFNUM");
	cr_assert(have_linux26);
	for (size_t i = 1; i < g.nsym; i++)
		cr_assert_leq(g.versym[i] & 0x7fff, maxndx, "versym %zu", i);
}

/* The kernel refuses to write into it (a direct store would fault, but
 * the sanitizer build turns faults into aborts). */
Test(vdso_image, image_is_read_only)
{
	int fds[2];
	char byte = 1;

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], &byte, 1), 1);
	errno = 0;
	cr_assert_eq(read(fds[0], image, 1), -1);
	cr_assert_eq(errno, EFAULT);
	close(fds[0]);
	close(fds[1]);
}

/* ---- other inputs ---- */

Test(vdso_image_inputs, without_a_real_vdso)
{
	void *img, *p;
	size_t size;
	struct gview g;
	size_t i;

	cr_assert_eq(sgx_vdso_image_build(NULL, &sgx_extra, 1, &img, &size), 0);
	gview_open(&g, img);
	cr_assert_eq(g.nsym, 2);
	cr_assert_eq(g.verdefnum, 2, "base + LINUX_2.6");
	i = gnu_find(&g, SGX_NAME, SGX_VDSO_VERSION);
	cr_assert(i);
	cr_assert_eq(sym_addr(&g, i), (void *)sgx_enter_enclave);
	cr_assert_eq(sgx_vdso_lookup(img, SGX_NAME, SGX_VDSO_VERSION, &p), 0);
	cr_assert_eq(p, (void *)sgx_enter_enclave);
	cr_assert_eq(sgx_vdso_lookup(img, "__vdso_clock_gettime", NULL, &p), -ENOENT);
	sgx_vdso_image_free(img, size);

	/* Nothing at all: still a well-formed image with LINUX_2.6. */
	cr_assert_eq(sgx_vdso_image_build(NULL, NULL, 0, &img, &size), 0);
	gview_open(&g, img);
	cr_assert_eq(g.nsym, 1);
	cr_assert_eq(g.verdefnum, 2);
	cr_assert_eq(sgx_vdso_lookup(img, SGX_NAME, NULL, &p), -ENOENT);
	sgx_vdso_image_free(img, size);
}

Test(vdso_image_inputs, an_extra_replaces_a_real_symbol)
{
	const void *rv = (const void *)getauxval(AT_SYSINFO_EHDR);
	static int marker;
	const struct sgx_vdso_extra ex[] = {
		{ "__vdso_time", &marker, NULL },
		{ "sgx_other", &marker, "SGXEMU_1" },
	};
	void *img, *p;
	size_t size;
	struct gview g;

	cr_assert_eq(sgx_vdso_image_build(rv, ex, 2, &img, &size), 0);
	cr_assert_eq(sgx_vdso_lookup(img, "__vdso_time", SGX_VDSO_VERSION, &p), 0);
	cr_assert_eq(p, &marker);
	cr_assert_eq(sgx_vdso_lookup(img, "sgx_other", "SGXEMU_1", &p), 0);
	cr_assert_eq(p, &marker);
	cr_assert_eq(sgx_vdso_lookup(img, "sgx_other", SGX_VDSO_VERSION, &p), -ENOENT);
	gview_open(&g, img);
	cr_assert_eq(sym_addr(&g, gnu_find(&g, "__vdso_time", NULL)), &marker);
	/* Only one __vdso_time left. */
	for (size_t i = 1, n = 0; i < g.nsym; i++)
		if (strcmp(g.str + g.sym[i].st_name, "__vdso_time") == 0)
			cr_assert_eq(++n, 1);
	sgx_vdso_image_free(img, size);
}

Test(vdso_image_inputs, bad_arguments)
{
	const void *rv = (const void *)getauxval(AT_SYSINFO_EHDR);
	const struct sgx_vdso_extra dup[] = { sgx_extra, sgx_extra };
	const struct sgx_vdso_extra noname = { NULL, (const void *)sgx_enter_enclave, NULL };
	const struct sgx_vdso_extra noaddr = { SGX_NAME, NULL, NULL };
	void *img = NULL, *p;
	size_t size;

	cr_assert_eq(sgx_vdso_image_build(rv, &sgx_extra, 1, NULL, &size), -EINVAL);
	cr_assert_eq(sgx_vdso_image_build(rv, &sgx_extra, 1, &img, NULL), -EINVAL);
	cr_assert_eq(sgx_vdso_image_build(rv, NULL, 1, &img, &size), -EINVAL);
	cr_assert_eq(sgx_vdso_image_build(rv, dup, 2, &img, &size), -EINVAL);
	cr_assert_eq(sgx_vdso_image_build(rv, &noname, 1, &img, &size), -EINVAL);
	cr_assert_eq(sgx_vdso_image_build(rv, &noaddr, 1, &img, &size), -EINVAL);
	cr_assert_null(img);
	cr_assert_eq(sgx_vdso_lookup(NULL, SGX_NAME, NULL, &p), -EINVAL);
}

Test(vdso_image_inputs, garbage_instead_of_a_vdso)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *page = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *img = NULL, *p;
	size_t size;

	cr_assert_neq(page, MAP_FAILED);
	/* A zeroed page. */
	cr_assert_eq(sgx_vdso_image_build(page, &sgx_extra, 1, &img, &size), -ENOEXEC);
	cr_assert_eq(sgx_vdso_lookup(page, SGX_NAME, NULL, &p), -ENOEXEC);
	/* A page of 0xff. */
	memset(page, 0xff, (size_t)pg);
	cr_assert_eq(sgx_vdso_image_build(page, &sgx_extra, 1, &img, &size), -ENOEXEC);
	/* A valid ELF header whose program headers run off the mapping. */
	{
		Elf64_Ehdr *eh = (Elf64_Ehdr *)page;

		memset(page, 0, (size_t)pg);
		memcpy(eh->e_ident, ELFMAG, SELFMAG);
		eh->e_ident[EI_CLASS] = ELFCLASS64;
		eh->e_ident[EI_DATA] = ELFDATA2LSB;
		eh->e_ident[EI_VERSION] = EV_CURRENT;
		eh->e_type = ET_DYN;
		eh->e_machine = EM_X86_64;
		eh->e_version = EV_CURRENT;
		eh->e_phentsize = sizeof(Elf64_Phdr);
		eh->e_phnum = 4;
		eh->e_phoff = (uint64_t)pg - 64;
		munmap(page + pg, (size_t)pg);
		cr_assert_eq(sgx_vdso_image_build(page, &sgx_extra, 1, &img, &size), -ENOEXEC);
		/* In bounds, but no PT_LOAD. */
		eh->e_phoff = sizeof(*eh);
		cr_assert_eq(sgx_vdso_image_build(page, &sgx_extra, 1, &img, &size), -ENOEXEC);
		/* A PT_LOAD claiming more than is mapped. */
		((Elf64_Phdr *)(page + sizeof(*eh)))->p_type = PT_LOAD;
		((Elf64_Phdr *)(page + sizeof(*eh)))->p_filesz = (uint64_t)pg * 3;
		cr_assert_eq(sgx_vdso_image_build(page, &sgx_extra, 1, &img, &size), -EFAULT);
	}
	munmap(page, (size_t)pg);
	/* Not mapped at all. */
	cr_assert_eq(sgx_vdso_image_build(page, &sgx_extra, 1, &img, &size), -EFAULT);
	cr_assert_null(img);
}

/* A copy of the real vDSO's loaded bytes (its PT_LOADs' file image, rounded
 * up to 8), placed to end right before an inaccessible page: reading past
 * what the copy's headers may claim faults instead of finding more data. */
static unsigned char *copy_real(size_t *len, void **map, size_t *map_len)
{
	const unsigned char *rv = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)rv;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(rv + eh->e_phoff);
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = 0, data;
	unsigned char *m;

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > n)
			n = ph[i].p_offset + ph[i].p_filesz;
	n = (n + 7) & ~(size_t)7;
	data = (n + pg - 1) / pg * pg;
	*map_len = data + pg;
	m = mmap(NULL, *map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(m, MAP_FAILED);
	cr_assert_eq(mprotect(m + data, pg, PROT_NONE), 0);
	memcpy(m + data - n, rv, n);
	*map = m;
	*len = n;
	return m + data - n;
}

static Elf64_Dyn *copy_dyn(unsigned char *c, int64_t tag)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)c;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(c + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			for (Elf64_Dyn *d = (Elf64_Dyn *)(c + ph[i].p_offset); d->d_tag != DT_NULL; d++)
				if (d->d_tag == tag)
					return d;
	cr_assert_fail("the real vDSO has dynamic tag %#lx", (long)tag);
	return NULL;
}

Test(vdso_image_inputs, corrupted_copies_of_the_real_vdso)
{
	size_t len, map_len;
	void *map;
	unsigned char *c = copy_real(&len, &map, &map_len);
	unsigned char *orig = malloc(len);
	void *img, *p;
	size_t size;

	cr_assert(orig);
	memcpy(orig, c, len);
	/* The intact copy builds, with addresses inside the copy. */
	cr_assert_eq(sgx_vdso_image_build(c, &sgx_extra, 1, &img, &size), 0);
	cr_assert_eq(sgx_vdso_lookup(img, "__vdso_clock_gettime", NULL, &p), 0);
	cr_assert(p > (void *)c && p < (void *)(c + len));
	sgx_vdso_image_free(img, size);

#define EXPECT_FAIL(what, expr)                                                              \
	do {                                                                                 \
		memcpy(c, orig, len);                                                        \
		expr;                                                                        \
		img = NULL;                                                                  \
		cr_assert_lt(sgx_vdso_image_build(c, &sgx_extra, 1, &img, &size), 0, what);  \
		cr_assert_null(img, what);                                                   \
	} while (0)

	EXPECT_FAIL("DT_STRSZ too big", copy_dyn(c, DT_STRSZ)->d_un.d_val = len);
	EXPECT_FAIL("DT_SYMTAB outside", copy_dyn(c, DT_SYMTAB)->d_un.d_ptr = len);
	EXPECT_FAIL("DT_SYMENT wrong", copy_dyn(c, DT_SYMENT)->d_un.d_val = 16);
	EXPECT_FAIL("no DT_STRTAB", copy_dyn(c, DT_STRTAB)->d_tag = DT_DEBUG);
	EXPECT_FAIL("DT_VERDEF outside", copy_dyn(c, DT_VERDEF)->d_un.d_ptr = (uint64_t)-8);
	EXPECT_FAIL("nchain huge", ((uint32_t *)(c + copy_dyn(c, DT_HASH)->d_un.d_ptr))[1] = 60000);
	EXPECT_FAIL("no hash tables",
		    (copy_dyn(c, DT_HASH)->d_tag = DT_DEBUG, copy_dyn(c, DT_GNU_HASH)->d_tag = DT_DEBUG));
	EXPECT_FAIL("e_machine", ((Elf64_Ehdr *)c)->e_machine = EM_AARCH64);
	EXPECT_FAIL("e_phnum huge", ((Elf64_Ehdr *)c)->e_phnum = 0xffff);
	EXPECT_FAIL("symbol name outside .dynstr",
		    ((Elf64_Sym *)(c + copy_dyn(c, DT_SYMTAB)->d_un.d_ptr))[1].st_name = 0x7fffffff);
	EXPECT_FAIL("versym of an undefined version",
		    ((uint16_t *)(c + copy_dyn(c, DT_VERSYM)->d_un.d_ptr))[1] = 77);
#undef EXPECT_FAIL

	/* Without DT_HASH the symbol count comes from DT_GNU_HASH. */
	memcpy(c, orig, len);
	copy_dyn(c, DT_HASH)->d_tag = DT_DEBUG;
	cr_assert_eq(sgx_vdso_image_build(c, &sgx_extra, 1, &img, &size), 0);
	cr_assert_eq(sgx_vdso_lookup(img, "__vdso_clock_gettime", SGX_VDSO_VERSION, &p), 0);
	sgx_vdso_image_free(img, size);
	cr_assert_eq(sgx_vdso_lookup(c, "__vdso_clock_gettime", NULL, &p), -ENOTSUP);

	/* Random damage to the headers and tables: any result, no crash; an
	 * image that does get built is readable. */
	srand(12345);
	for (int round = 0; round < 3000; round++) {
		size_t span = len < 0x600 ? len : 0x600;

		memcpy(c, orig, len);
		for (int k = 0, n = 1 + rand() % 4; k < n; k++)
			c[(size_t)rand() % span] = (unsigned char)rand();
		img = NULL;
		if (sgx_vdso_image_build(c, &sgx_extra, 1, &img, &size) == 0) {
			cr_assert_eq(sgx_vdso_lookup(img, SGX_NAME, SGX_VDSO_VERSION, &p), 0);
			cr_assert_eq(p, (void *)sgx_enter_enclave);
			sgx_vdso_image_free(img, size);
		}
		(void)sgx_vdso_lookup(c, "__vdso_clock_gettime", NULL, &p);
	}
	munmap(map, map_len);
	free(orig);
}
