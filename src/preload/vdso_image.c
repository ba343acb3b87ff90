/*
 * vdso_image.c - builds the synthetic vDSO image of vdso_image.h, and the
 * reference parser the tests use to read it back.
 *
 * Reading (the real vDSO, or any image handed to sgx_vdso_lookup) trusts
 * nothing: the ELF header and the program headers (which must lie in the
 * header's page) are checked; the readable extent is the file image of the
 * PT_LOAD segments (which must all be mapped at one bias, as a vDSO is),
 * confirmed readable before use; every table the dynamic section points to
 * must lie inside it, aligned. The symbol count comes from DT_HASH (nchain)
 * or, lacking it, from walking DT_GNU_HASH.
 *
 * The image, with virtual address == file offset and base 0:
 *   ELF header | PT_LOAD, PT_DYNAMIC | .hash | .gnu.hash | .dynsym |
 *   .dynstr | .gnu.version | .gnu.version_d | .dynamic
 * PT_LOAD covers it all, read-only (no code lives here); PT_DYNAMIC is
 * read-only too, which tells glibc's loader not to relocate it in place.
 * There is no section header table. A defined symbol that is neither
 * SHN_ABS nor another reserved index gets st_shndx 1: loaders only ask
 * whether a symbol is SHN_UNDEF or SHN_ABS, and the real vDSO's section
 * numbers would mean nothing here.
 *
 * .dynsym order: the null symbol, then local and undefined symbols (not in
 * .gnu.hash), then the defined global/weak ones grouped by GNU hash bucket.
 * .hash chains every symbol but the null one. Versions: index 1 is the base
 * definition (the soname), then the real vDSO's definitions in their order,
 * then any version an extra names that is not among them (LINUX_2.6 is
 * always present).
 */
#include <errno.h>
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "preload/vdso_image.h"

#define MAX_EXTENT	(16u << 20)	/* bytes of a vDSO image we accept */
#define MAX_PHNUM	64
#define MAX_SYMS	65535
#define MAX_VERDEFS	256
#define DEFINED_SHNDX	1
#define NDYN		11		/* entries in our .dynamic, DT_NULL included */

/* ---- reading an image ---- */

struct verdef_info {
	uint16_t ndx;
	uint16_t flags;
	const char *name;
};

struct elf_view {
	const unsigned char *base;	/* the ELF header */
	size_t extent;			/* readable bytes from base */
	uint64_t delta;			/* file offset - vaddr, one for all PT_LOADs */
	uintptr_t bias;			/* address of vaddr 0 */
	const Elf64_Sym *sym;
	size_t nsym;
	const char *str;
	size_t strsz;
	const Elf32_Word *hash;		/* DT_HASH, or NULL */
	const Elf32_Word *gnu;		/* DT_GNU_HASH, or NULL */
	const Elf64_Half *versym;	/* or NULL */
	struct verdef_info verdef[MAX_VERDEFS];
	size_t nverdef;
};

/* mincore() fails on unmapped pages but passes PROT_NONE ones. */
static int mapped_by_mincore(uintptr_t start, size_t pages, long pg)
{
	unsigned char vec[64];

	while (pages) {
		size_t n = pages < sizeof(vec) ? pages : sizeof(vec);

		if (mincore((void *)start, n * (size_t)pg, vec) != 0)
			return -EFAULT;
		start += n * (size_t)pg;
		pages -= n;
	}
	return 0;
}

/* 0 if [addr, addr + len) is readable, else -EFAULT: reads one byte of each
 * page through process_vm_readv() on ourselves, which reports a fault as
 * an error; where that system call is refused, settles for mincore(). */
static int check_readable(const void *addr, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)addr, page, end;
	char sink[64];
	struct iovec remote[64];
	struct iovec local = { sink, 0 };

	if (pg <= 0)
		pg = 4096;
	if (len == 0)
		return 0;
	if (len > UINTPTR_MAX - start)
		return -EFAULT;
	end = start + len;
	page = start & ~((uintptr_t)pg - 1);
	while (page < end) {
		size_t n = 0;
		ssize_t got;

		for (; n < 64 && page < end; n++, page += (uintptr_t)pg) {
			remote[n].iov_base = (void *)(page < start ? start : page);
			remote[n].iov_len = 1;
		}
		local.iov_len = n;
		got = process_vm_readv(getpid(), &local, 1, remote, n, 0);
		if (got == (ssize_t)n)
			continue;
		if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
			uintptr_t first = (uintptr_t)remote[0].iov_base & ~((uintptr_t)pg - 1);

			if (mapped_by_mincore(first, n, pg))
				return -EFAULT;
			continue;
		}
		return -EFAULT;
	}
	return 0;
}

/* The bytes at vaddr, if [vaddr, vaddr + len) is inside the image and the
 * pointer has the given alignment; else NULL. */
static const void *at(const struct elf_view *v, uint64_t vaddr, uint64_t len, size_t align)
{
	uint64_t off = vaddr + v->delta;	/* modulo 2^64 */
	const unsigned char *p;

	if (off > v->extent || len > v->extent - off)
		return NULL;
	p = v->base + off;
	if ((uintptr_t)p % align)
		return NULL;
	return p;
}

/* The NUL-terminated string at `off` in .dynstr, or NULL. */
static const char *str_at(const struct elf_view *v, uint64_t off)
{
	if (off >= v->strsz || !memchr(v->str + off, 0, v->strsz - off))
		return NULL;
	return v->str + off;
}

static uint32_t sysv_hash(const char *name)
{
	uint32_t h = 0, g;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h = (h << 4) + *p;
		g = h & 0xf0000000u;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

static uint32_t gnu_hash(const char *name)
{
	uint32_t h = 5381;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = h * 33 + *p;
	return h;
}

static int read_headers(struct elf_view *v, const void *image)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph;
	bool have_load = false;
	uint64_t extent = 0, page_left;
	long pg = sysconf(_SC_PAGESIZE);
	int rc;

	memset(v, 0, sizeof(*v));
	v->base = image;
	if ((uintptr_t)image % 8)
		return -ENOEXEC;
	if (pg <= 0)
		pg = 4096;
	page_left = (uint64_t)pg - (uintptr_t)image % (uint64_t)pg;
	if (page_left < sizeof(*eh))
		return -ENOEXEC;
	rc = check_readable(image, page_left);
	if (rc)
		return rc;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_type != ET_DYN || eh->e_machine != EM_X86_64 || eh->e_version != EV_CURRENT)
		return -ENOEXEC;
	/* The image's extent is not known before the program headers are
	 * read, so they must lie in the ELF header's page (they follow the
	 * header in every vDSO). */
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM ||
	    eh->e_phoff % 8 || eh->e_phoff < sizeof(*eh) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(*ph) > page_left)
		return -ENOEXEC;
	ph = (const Elf64_Phdr *)(v->base + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (!have_load)
			v->delta = ph[i].p_offset - ph[i].p_vaddr;
		else if (ph[i].p_offset - ph[i].p_vaddr != v->delta)
			return -ENOEXEC;	/* not one contiguous image */
		have_load = true;
		if (ph[i].p_offset > MAX_EXTENT || ph[i].p_filesz > MAX_EXTENT)
			return -E2BIG;
		if (ph[i].p_offset + ph[i].p_filesz > extent)
			extent = ph[i].p_offset + ph[i].p_filesz;
	}
	if (!have_load)
		return -ENOEXEC;
	if (extent > MAX_EXTENT)
		return -E2BIG;
	if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(*ph) > extent)
		return -ENOEXEC;
	rc = check_readable(image, extent);
	if (rc)
		return rc;
	v->extent = extent;
	v->bias = (uintptr_t)image - (uintptr_t)v->delta;
	return 0;
}

/* Highest symbol index reachable through .gnu.hash, plus one. */
static int gnu_hash_count(const struct elf_view *v, uint64_t gnu_vaddr, size_t *out)
{
	const Elf32_Word *hdr = at(v, gnu_vaddr, 16, 8);
	uint32_t nbuckets, symoffset, bloom_size;
	const Elf32_Word *buckets;
	size_t count, max_bucket = 0;
	bool any = false;

	if (!hdr)
		return -ENOEXEC;
	nbuckets = hdr[0];
	symoffset = hdr[1];
	bloom_size = hdr[2];
	if (nbuckets == 0 || nbuckets > MAX_EXTENT / 4 || bloom_size > MAX_EXTENT / 8 ||
	    symoffset > MAX_SYMS)
		return -ENOEXEC;
	buckets = at(v, gnu_vaddr + 16 + 8ull * bloom_size, 4ull * nbuckets, 4);
	if (!buckets)
		return -ENOEXEC;
	for (uint32_t b = 0; b < nbuckets; b++) {
		if (buckets[b] == 0)
			continue;
		if (buckets[b] < symoffset)
			return -ENOEXEC;
		if (!any || buckets[b] > max_bucket)
			max_bucket = buckets[b];
		any = true;
	}
	if (!any) {
		*out = symoffset;
		return 0;
	}
	/* The last bucket's chain ends the table: walk it to its end bit. */
	count = max_bucket;
	for (;;) {
		uint64_t chain_vaddr = gnu_vaddr + 16 + 8ull * bloom_size + 4ull * nbuckets +
				       4ull * (count - symoffset);
		const Elf32_Word *c = at(v, chain_vaddr, 4, 4);

		if (!c || count >= MAX_SYMS)
			return -ENOEXEC;
		count++;
		if (*c & 1)
			break;
	}
	*out = count;
	return 0;
}

static int read_verdefs(struct elf_view *v, uint64_t vaddr, uint64_t num)
{
	if (num > MAX_VERDEFS)
		return -ENOEXEC;
	for (uint64_t i = 0; i < num; i++) {
		const Elf64_Verdef *vd = at(v, vaddr, sizeof(*vd), 4);
		const Elf64_Verdaux *va;

		if (!vd || vd->vd_version != VER_DEF_CURRENT || vd->vd_cnt == 0)
			return -ENOEXEC;
		va = at(v, vaddr + vd->vd_aux, sizeof(*va), 4);
		if (!va)
			return -ENOEXEC;
		v->verdef[i].ndx = vd->vd_ndx & 0x7fff;
		v->verdef[i].flags = vd->vd_flags;
		v->verdef[i].name = str_at(v, va->vda_name);
		if (!v->verdef[i].name)
			return -ENOEXEC;
		v->nverdef = i + 1;
		if (vd->vd_next == 0)
			break;
		vaddr += vd->vd_next;
	}
	return 0;
}

static int read_image(struct elf_view *v, const void *image)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	size_t ndyn = 0;
	uint64_t strtab = 0, strsz = 0, symtab = 0, syment = sizeof(Elf64_Sym);
	uint64_t hash = 0, gnu = 0, versym = 0, verdef = 0, verdefnum = 0;
	bool have_str = false, have_strsz = false, have_sym = false, have_hash = false;
	bool have_gnu = false, have_versym = false, have_verdef = false, have_verdefnum = false;
	bool have_null = false;
	int rc;

	rc = read_headers(v, image);
	if (rc)
		return rc;
	ph = (const Elf64_Phdr *)(v->base + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_DYNAMIC)
			continue;
		if (dyn)
			return -ENOEXEC;
		dyn = at(v, ph[i].p_vaddr, ph[i].p_filesz, 8);
		ndyn = ph[i].p_filesz / sizeof(*dyn);
		if (!dyn)
			return -ENOEXEC;
	}
	if (!dyn)
		return -ENOEXEC;
	for (size_t i = 0; i < ndyn && !have_null; i++) {
		uint64_t val = dyn[i].d_un.d_val;

		switch (dyn[i].d_tag) {
		case DT_NULL: have_null = true; break;
		case DT_STRTAB: strtab = val; have_str = true; break;
		case DT_STRSZ: strsz = val; have_strsz = true; break;
		case DT_SYMTAB: symtab = val; have_sym = true; break;
		case DT_SYMENT: syment = val; break;
		case DT_HASH: hash = val; have_hash = true; break;
		case DT_GNU_HASH: gnu = val; have_gnu = true; break;
		case DT_VERSYM: versym = val; have_versym = true; break;
		case DT_VERDEF: verdef = val; have_verdef = true; break;
		case DT_VERDEFNUM: verdefnum = val; have_verdefnum = true; break;
		default: break;
		}
	}
	if (!have_null || !have_str || !have_strsz || !have_sym || syment != sizeof(Elf64_Sym))
		return -ENOEXEC;
	v->str = at(v, strtab, strsz, 1);
	v->strsz = strsz;
	if (!v->str)
		return -ENOEXEC;

	if (have_hash) {
		const Elf32_Word *h = at(v, hash, 8, 4);

		if (!h || h[0] == 0 || h[0] > MAX_EXTENT / 4 || h[1] > MAX_SYMS)
			return -ENOEXEC;
		v->hash = at(v, hash, 4ull * (2 + (uint64_t)h[0] + h[1]), 4);
		if (!v->hash)
			return -ENOEXEC;
		v->nsym = h[1];
	}
	if (have_gnu) {
		size_t n;

		rc = gnu_hash_count(v, gnu, &n);
		if (rc)
			return rc;
		if (!have_hash)
			v->nsym = n;
		else if (n > v->nsym)
			return -ENOEXEC;	/* the two tables disagree */
		v->gnu = at(v, gnu, 16, 8);
	}
	if (!have_hash && !have_gnu)
		return -ENOEXEC;
	v->sym = at(v, symtab, (uint64_t)v->nsym * sizeof(Elf64_Sym), 8);
	if (!v->sym)
		return -ENOEXEC;
	if (have_versym) {
		v->versym = at(v, versym, 2ull * v->nsym, 2);
		if (!v->versym)
			return -ENOEXEC;
	}
	if (have_verdef) {
		rc = read_verdefs(v, verdef, have_verdefnum ? verdefnum : MAX_VERDEFS);
		if (rc)
			return rc;
	}
	return 0;
}

/* The name of the non-base version definition with index ndx, or NULL. */
static const char *version_name(const struct elf_view *v, unsigned ndx)
{
	for (size_t i = 0; i < v->nverdef; i++)
		if (v->verdef[i].ndx == ndx && !(v->verdef[i].flags & VER_FLG_BASE))
			return v->verdef[i].name;
	return NULL;
}

int sgx_vdso_lookup(const void *image, const char *name, const char *version, void **addr)
{
	struct elf_view *v;
	uint32_t nbucket, nchain;
	const Elf32_Word *bucket, *chain;
	int rc = -ENOENT;

	if (!image || !name || !addr)
		return -EINVAL;
	v = malloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	rc = read_image(v, image);
	if (rc)
		goto out;
	if (!v->hash) {
		rc = -ENOTSUP;
		goto out;
	}
	nbucket = v->hash[0];
	nchain = v->hash[1];
	bucket = v->hash + 2;
	chain = bucket + nbucket;
	rc = -ENOENT;
	/* At most nchain steps: a cyclic chain ends the search. */
	for (uint32_t i = bucket[sysv_hash(name) % nbucket], steps = 0;
	     i != STN_UNDEF && steps < nchain; i = chain[i], steps++) {
		const Elf64_Sym *s;
		const char *sname;

		if (i >= nchain) {
			rc = -ENOEXEC;
			break;
		}
		s = &v->sym[i];
		if (ELF64_ST_BIND(s->st_info) == STB_LOCAL || s->st_shndx == SHN_UNDEF)
			continue;
		sname = str_at(v, s->st_name);
		if (!sname || strcmp(sname, name) != 0)
			continue;
		if (version && v->versym) {
			const char *vn = version_name(v, v->versym[i] & 0x7fff);

			if (!vn || strcmp(vn, version) != 0)
				continue;
		}
		if (s->st_shndx == SHN_ABS)
			*addr = (void *)(uintptr_t)s->st_value;
		else
			*addr = (void *)(v->bias + (uintptr_t)s->st_value);
		rc = 0;
		break;
	}
out:
	free(v);
	return rc;
}

/* ---- building ---- */

struct out_sym {
	const char *name;
	uint64_t value;		/* the target address if rebase, else st_value */
	uint64_t size;
	unsigned char info, other;
	uint16_t shndx;
	bool rebase;
	bool hashed;		/* in .gnu.hash */
	uint16_t versym;	/* our version index, with the hidden bit */
	uint32_t gh;
	uint32_t name_off;
	uint32_t bucket;
};

struct builder {
	struct out_sym *syms;	/* [0] is the null symbol */
	size_t nsym;
	const char *vers[MAX_VERDEFS];	/* vers[i] is version index i + 2 */
	size_t nver;
	char *str;
	size_t strsz, strcap;
};

/* Index of a version by name, added if absent; 0 when full. */
static unsigned version_index(struct builder *b, const char *name)
{
	for (size_t i = 0; i < b->nver; i++)
		if (strcmp(b->vers[i], name) == 0)
			return (unsigned)i + 2;
	if (b->nver >= MAX_VERDEFS)
		return 0;
	b->vers[b->nver++] = name;
	return (unsigned)b->nver + 1;
}

/* Append a string to .dynstr; its offset, or 0 on allocation failure (0 is
 * the empty string, which no caller appends). */
static uint32_t add_str(struct builder *b, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t off;

	if (b->strsz + len > b->strcap) {
		size_t cap = b->strcap ? b->strcap : 256;
		char *p;

		while (cap < b->strsz + len)
			cap *= 2;
		if (cap > MAX_EXTENT)
			return 0;
		p = realloc(b->str, cap);
		if (!p)
			return 0;
		b->str = p;
		b->strcap = cap;
	}
	off = (uint32_t)b->strsz;
	memcpy(b->str + off, s, len);
	b->strsz += len;
	return off;
}

static bool named_by_extra(const char *name, const struct sgx_vdso_extra *extra, size_t nextra)
{
	for (size_t i = 0; i < nextra; i++)
		if (strcmp(extra[i].name, name) == 0)
			return true;
	return false;
}

static int add_real_symbols(struct builder *b, const struct elf_view *v,
			    const struct sgx_vdso_extra *extra, size_t nextra)
{
	/* Map the real version indices to ours (0: unknown). */
	unsigned map[MAX_VERDEFS + 2] = { 0 };
	unsigned maxndx = 1;

	map[0] = VER_NDX_LOCAL;
	map[1] = VER_NDX_GLOBAL;
	for (size_t i = 0; i < v->nverdef; i++) {
		unsigned ndx = v->verdef[i].ndx;

		if (ndx > MAX_VERDEFS + 1)
			return -ENOEXEC;
		if (ndx > maxndx)
			maxndx = ndx;
		if (v->verdef[i].flags & VER_FLG_BASE) {
			map[ndx] = VER_NDX_GLOBAL;
		} else {
			map[ndx] = version_index(b, v->verdef[i].name);
			if (!map[ndx])
				return -E2BIG;
		}
	}
	for (size_t i = 1; i < v->nsym; i++) {
		const Elf64_Sym *s = &v->sym[i];
		struct out_sym *o = &b->syms[b->nsym];
		const char *name = str_at(v, s->st_name);
		unsigned vs = v->versym ? v->versym[i] : VER_NDX_GLOBAL;
		unsigned ndx = vs & 0x7fff;

		if (!name)
			return -ENOEXEC;
		if (named_by_extra(name, extra, nextra))
			continue;
		if (ndx > maxndx || (ndx > 1 && !map[ndx]))
			return -ENOEXEC;	/* a version nobody defines */
		memset(o, 0, sizeof(*o));
		o->name = name;
		o->size = s->st_size;
		o->info = s->st_info;
		o->other = s->st_other;
		o->versym = (uint16_t)(map[ndx] | (vs & 0x8000));
		if (s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE ||
		    ELF64_ST_TYPE(s->st_info) == STT_TLS) {
			o->shndx = s->st_shndx;
			o->value = s->st_value;
		} else {
			o->shndx = DEFINED_SHNDX;
			o->value = (uint64_t)v->bias + s->st_value;
			o->rebase = true;
		}
		o->hashed = ELF64_ST_BIND(s->st_info) != STB_LOCAL && s->st_shndx != SHN_UNDEF;
		b->nsym++;
	}
	return 0;
}

static int add_extras(struct builder *b, const struct sgx_vdso_extra *extra, size_t nextra)
{
	for (size_t i = 0; i < nextra; i++) {
		struct out_sym *o = &b->syms[b->nsym++];
		unsigned ndx = version_index(b, extra[i].version ? extra[i].version : SGX_VDSO_VERSION);

		if (!ndx)
			return -E2BIG;
		memset(o, 0, sizeof(*o));
		o->name = extra[i].name;
		o->value = (uint64_t)(uintptr_t)extra[i].addr;
		o->info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		o->other = STV_DEFAULT;
		o->shndx = DEFINED_SHNDX;
		o->rebase = true;
		o->hashed = true;
		o->versym = (uint16_t)ndx;
	}
	return 0;
}

static int sym_rank(const struct out_sym *o)
{
	return o->hashed ? 2 : ELF64_ST_BIND(o->info) == STB_LOCAL ? 0 : 1;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct out_sym *x = a, *y = b;

	/* Locals, then other unhashed symbols, then the hashed ones by
	 * bucket; the name offset (strings are appended in input order) keeps
	 * the sort stable. */
	if (sym_rank(x) != sym_rank(y))
		return sym_rank(x) < sym_rank(y) ? -1 : 1;
	if (x->hashed && x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return x->name_off < y->name_off ? -1 : x->name_off > y->name_off;
}

static size_t align_up(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static uint32_t pick_buckets(size_t n)
{
	return n < 4 ? 1 : (uint32_t)(n / 2) | 1;
}

struct layout {
	size_t symoffset, ngnu;		/* first symbol in .gnu.hash; how many */
	uint32_t nbucket, gnbuckets, bloom_size, bloom_shift;
	size_t hash_off, gnu_off, sym_off, str_off, versym_off, verdef_off, dyn_off;
	size_t size;
};

static void plan(const struct builder *b, struct layout *l)
{
	size_t off;

	memset(l, 0, sizeof(*l));
	l->symoffset = b->nsym;
	for (size_t i = 1; i < b->nsym; i++)
		if (b->syms[i].hashed) {
			l->symoffset = i;
			break;
		}
	l->ngnu = b->nsym - l->symoffset;
	l->nbucket = pick_buckets(b->nsym);
	l->gnbuckets = pick_buckets(l->ngnu);
	l->bloom_size = 1;
	while ((size_t)l->bloom_size * 32 < l->ngnu)
		l->bloom_size <<= 1;
	l->bloom_shift = 6;

	off = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	l->hash_off = align_up(off, 8);
	off = l->hash_off + 4 * (2 + (size_t)l->nbucket + b->nsym);
	l->gnu_off = align_up(off, 8);
	off = l->gnu_off + 16 + 8 * (size_t)l->bloom_size + 4 * (size_t)l->gnbuckets + 4 * l->ngnu;
	l->sym_off = align_up(off, 8);
	off = l->sym_off + b->nsym * sizeof(Elf64_Sym);
	l->str_off = off;
	off = l->str_off + b->strsz;
	l->versym_off = align_up(off, 2);
	off = l->versym_off + 2 * b->nsym;
	l->verdef_off = align_up(off, 8);
	off = l->verdef_off + (1 + b->nver) * (sizeof(Elf64_Verdef) + sizeof(Elf64_Verdaux));
	l->dyn_off = align_up(off, 8);
	l->size = l->dyn_off + NDYN * sizeof(Elf64_Dyn);
}

/* Write the tables into `img` (zeroed, l->size bytes or more). */
static void emit(const struct builder *b, const struct layout *l, unsigned char *img,
		 uint32_t soname_off, const uint32_t *ver_off)
{
	size_t nsym = b->nsym, nver = b->nver;
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));

	/* ELF header and program headers. */
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shstrndx = SHN_UNDEF;
	ph[0].p_type = PT_LOAD;
	ph[0].p_flags = PF_R;
	ph[0].p_filesz = ph[0].p_memsz = l->size;
	ph[0].p_align = 4096;
	ph[1].p_type = PT_DYNAMIC;
	ph[1].p_flags = PF_R;
	ph[1].p_offset = ph[1].p_vaddr = ph[1].p_paddr = l->dyn_off;
	ph[1].p_filesz = ph[1].p_memsz = NDYN * sizeof(Elf64_Dyn);
	ph[1].p_align = 8;

	/* .dynsym, .dynstr, .gnu.version */
	{
		Elf64_Sym *sym = (Elf64_Sym *)(img + l->sym_off);
		Elf64_Half *versym = (Elf64_Half *)(img + l->versym_off);

		for (size_t i = 1; i < nsym; i++) {
			const struct out_sym *o = &b->syms[i];

			sym[i].st_name = o->name_off;
			sym[i].st_info = o->info;
			sym[i].st_other = o->other;
			sym[i].st_shndx = o->shndx;
			sym[i].st_value = o->rebase ? o->value - (uint64_t)(uintptr_t)img : o->value;
			sym[i].st_size = o->size;
			versym[i] = o->versym;
		}
		memcpy(img + l->str_off, b->str, b->strsz);
	}

	/* .hash: bucket heads, chains in index order (each new symbol is
	 * pushed at the head of its bucket, so walk backwards). */
	{
		Elf32_Word *h = (Elf32_Word *)(img + l->hash_off);
		Elf32_Word *bucket = h + 2, *chain = bucket + l->nbucket;

		h[0] = l->nbucket;
		h[1] = (Elf32_Word)nsym;
		for (size_t i = nsym; i-- > 1;) {
			uint32_t bk = sysv_hash(b->syms[i].name) % l->nbucket;

			chain[i] = bucket[bk];
			bucket[bk] = (Elf32_Word)i;
		}
	}

	/* .gnu.hash */
	{
		Elf32_Word *g = (Elf32_Word *)(img + l->gnu_off);
		uint64_t *bloom = (uint64_t *)(g + 4);
		Elf32_Word *bucket = (Elf32_Word *)(bloom + l->bloom_size);
		Elf32_Word *chain = bucket + l->gnbuckets;

		g[0] = l->gnbuckets;
		g[1] = (Elf32_Word)l->symoffset;
		g[2] = l->bloom_size;
		g[3] = l->bloom_shift;
		for (size_t i = l->symoffset; i < nsym; i++) {
			uint32_t h = b->syms[i].gh;
			uint32_t bk = b->syms[i].bucket;
			bool last = i + 1 == nsym || b->syms[i + 1].bucket != bk;

			bloom[(h / 64) % l->bloom_size] |= (1ull << (h % 64)) |
							 (1ull << ((h >> l->bloom_shift) % 64));
			if (!bucket[bk])
				bucket[bk] = (Elf32_Word)i;
			chain[i - l->symoffset] = (h & ~1u) | (last ? 1u : 0u);
		}
	}

	/* .gnu.version_d: the base definition, then each version. */
	{
		unsigned char *p = img + l->verdef_off;
		const size_t one = sizeof(Elf64_Verdef) + sizeof(Elf64_Verdaux);

		for (size_t i = 0; i <= nver; i++) {
			Elf64_Verdef vd = { 0 };
			Elf64_Verdaux va = { 0 };

			vd.vd_version = VER_DEF_CURRENT;
			vd.vd_flags = i == 0 ? VER_FLG_BASE : 0;
			vd.vd_ndx = (Elf64_Half)(i + 1);
			vd.vd_cnt = 1;
			vd.vd_hash = sysv_hash(i == 0 ? SGX_VDSO_SONAME : b->vers[i - 1]);
			vd.vd_aux = sizeof(Elf64_Verdef);
			vd.vd_next = i == nver ? 0 : (Elf64_Word)one;
			va.vda_name = i == 0 ? soname_off : ver_off[i - 1];
			memcpy(p, &vd, sizeof(vd));
			memcpy(p + sizeof(vd), &va, sizeof(va));
			p += one;
		}
	}

	/* .dynamic: addresses are virtual addresses (base 0), as in the kernel's
	 * own vDSO. */
	{
		Elf64_Dyn *d = (Elf64_Dyn *)(img + l->dyn_off);
		const Elf64_Dyn dyn[NDYN] = {
			{ DT_SONAME, { soname_off } },
			{ DT_HASH, { l->hash_off } },
			{ DT_GNU_HASH, { l->gnu_off } },
			{ DT_STRTAB, { l->str_off } },
			{ DT_SYMTAB, { l->sym_off } },
			{ DT_STRSZ, { b->strsz } },
			{ DT_SYMENT, { sizeof(Elf64_Sym) } },
			{ DT_VERSYM, { l->versym_off } },
			{ DT_VERDEF, { l->verdef_off } },
			{ DT_VERDEFNUM, { 1 + nver } },
			{ DT_NULL, { 0 } },
		};

		memcpy(d, dyn, sizeof(dyn));
	}
}

static int check_extras(const struct sgx_vdso_extra *extra, size_t nextra)
{
	if (nextra && !extra)
		return -EINVAL;
	if (nextra > MAX_SYMS)
		return -E2BIG;
	for (size_t i = 0; i < nextra; i++) {
		if (!extra[i].name || !extra[i].name[0] || !extra[i].addr ||
		    (extra[i].version && !extra[i].version[0]))
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(extra[i].name, extra[j].name) == 0)
				return -EINVAL;
	}
	return 0;
}

int sgx_vdso_image_build(const void *real_vdso, const struct sgx_vdso_extra *extra,
			 size_t nextra, void **image_out, size_t *size_out)
{
	struct elf_view *v = NULL;
	struct builder b = { 0 };
	uint32_t soname_off, ver_off[MAX_VERDEFS];
	struct layout l;
	size_t map_size;
	long pg = sysconf(_SC_PAGESIZE);
	void *img;
	int rc;

	if (!image_out || !size_out)
		return -EINVAL;
	rc = check_extras(extra, nextra);
	if (rc)
		return rc;
	if (pg <= 0)
		pg = 4096;

	v = malloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (real_vdso) {
		rc = read_image(v, real_vdso);
		if (rc)
			goto out;
	} else {
		memset(v, 0, sizeof(*v));
	}
	if (v->nsym + nextra > MAX_SYMS) {
		rc = -E2BIG;
		goto out;
	}
	b.syms = calloc(v->nsym + nextra + 1, sizeof(*b.syms));
	if (!b.syms) {
		rc = -ENOMEM;
		goto out;
	}
	b.nsym = 1;
	if (real_vdso) {
		rc = add_real_symbols(&b, v, extra, nextra);
		if (rc)
			goto out;
	}
	rc = add_extras(&b, extra, nextra);
	if (rc)
		goto out;
	if (!version_index(&b, SGX_VDSO_VERSION)) {
		rc = -E2BIG;
		goto out;
	}

	/* .dynstr: "", the soname, the versions, the symbol names. */
	rc = -ENOMEM;
	add_str(&b, "");
	if (b.strsz != 1 || !(soname_off = add_str(&b, SGX_VDSO_SONAME)))
		goto out;
	for (size_t i = 0; i < b.nver; i++)
		if (!(ver_off[i] = add_str(&b, b.vers[i])))
			goto out;
	for (size_t i = 1; i < b.nsym; i++) {
		struct out_sym *o = &b.syms[i];

		o->name_off = o->name[0] ? add_str(&b, o->name) : 0;
		if (o->name[0] && !o->name_off)
			goto out;
		o->gh = gnu_hash(o->name);
	}
	{
		size_t nhashed = 0;

		for (size_t i = 1; i < b.nsym; i++)
			nhashed += b.syms[i].hashed;
		for (size_t i = 1; i < b.nsym; i++)
			b.syms[i].bucket = b.syms[i].gh % pick_buckets(nhashed);
	}
	qsort(b.syms + 1, b.nsym - 1, sizeof(*b.syms), cmp_sym);

	plan(&b, &l);
	map_size = align_up(l.size, (size_t)pg);
	img = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img == MAP_FAILED)
		goto out;
	emit(&b, &l, img, soname_off, ver_off);
	if (mprotect(img, map_size, PROT_READ) != 0) {
		munmap(img, map_size);
		goto out;
	}
	*image_out = img;
	*size_out = map_size;
	rc = 0;
out:
	free(b.str);
	free(b.syms);
	free(v);
	return rc;
}

void sgx_vdso_image_free(void *image, size_t size)
{
	if (image)
		munmap(image, size);
}
