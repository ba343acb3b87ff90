/*
 * sgx_loader.h - loading a testvectors enclave through the Linux SGX
 * interface only (<asm/sgx.h>, /dev/sgx_enclave) and finding
 * __vdso_sgx_enter_enclave by parsing the vDSO by hand. For host programs
 * that know nothing of sgxemu (bench/vdso_ecall_host.c).
 *
 * Segment convention of the testvectors README ("ELF -> pages"): the first
 * PT_LOAD is TCS pages, the others REG pages with the ELF permissions, file
 * offsets give the layout, a 4096-byte unmeasured heap follows, SECS.SIZE is
 * the next power of two, SSAFRAMESIZE 1, MODE64BIT, XFRM 3.
 */
#ifndef SGXEMU_TESTS_HOSTS_SGX_LOADER_H
#define SGXEMU_TESTS_HOSTS_SGX_LOADER_H

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asm/sgx.h>

#define SL_MAX_SEG 16

struct sl_seg {
	uint64_t offset, size, secflags;
	int prot;
	bool measure;
	uint8_t *data; /* size bytes, page-aligned */
};

struct sl_encl {
	int fd;
	uint64_t base, size;
	struct sl_seg seg[SL_MAX_SEG];
	int nseg;
};

/* dir/rel read whole; NULL (with a message) on failure. */
static inline uint8_t *sl_read_file(const char *dir, const char *rel, size_t *len)
{
	char path[4096];
	struct stat st;
	uint8_t *buf = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) || !(buf = malloc((size_t)st.st_size + 1)) ||
	    read(fd, buf, (size_t)st.st_size) != st.st_size) {
		perror(path);
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static inline int sl_layout(struct sl_encl *e, const uint8_t *elf, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)elf;
	uint64_t first = 0, end = 0;

	if (len < sizeof(*eh) || eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize > len)
		return -1;
	e->nseg = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(elf + eh->e_phoff + (size_t)i * eh->e_phentsize);
		struct sl_seg *s = &e->seg[e->nseg];
		uint64_t foff = ph->p_offset & ~0xfffull, avail;

		if (ph->p_type != PT_LOAD)
			continue;
		if (e->nseg == SL_MAX_SEG - 1)
			return -1;
		if (e->nseg == 0)
			first = foff;
		s->offset = foff - first;
		s->size = (ph->p_filesz + 0xfff) & ~0xfffull;
		s->prot = ((ph->p_flags & PF_R) ? PROT_READ : 0) | ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
			  ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
		s->secflags = e->nseg == 0 ? 0x100
					   : 0x200 | ((ph->p_flags & PF_R) ? 1 : 0) |
						     ((ph->p_flags & PF_W) ? 2 : 0) |
						     ((ph->p_flags & PF_X) ? 4 : 0);
		s->measure = true;
		if (!(s->data = aligned_alloc(4096, s->size)))
			return -1;
		memset(s->data, 0, s->size);
		avail = foff < len ? len - foff : 0;
		memcpy(s->data, elf + foff, avail < s->size ? avail : s->size);
		end = s->offset + s->size;
		e->nseg++;
	}
	e->seg[e->nseg] = (struct sl_seg){ end, 4096, 0x203, PROT_READ | PROT_WRITE, false,
					   aligned_alloc(4096, 4096) };
	if (!e->seg[e->nseg].data)
		return -1;
	memset(e->seg[e->nseg].data, 0, 4096);
	e->nseg++;
	end += 4096;
	e->size = 0x1000;
	while (e->size < end)
		e->size <<= 1;
	return 0;
}

/* Builds and maps dir/elf_rel with dir/sig_rel; 0 or a message and -1. */
static inline int sl_build(struct sl_encl *e, const char *dir, const char *elf_rel, const char *sig_rel)
{
	static uint8_t secs[4096] __attribute__((aligned(4096)));
	static uint8_t sig[4096] __attribute__((aligned(4096)));
	static uint64_t secinfo[8] __attribute__((aligned(64)));
	struct sgx_enclave_create c;
	struct sgx_enclave_init in;
	uint8_t *elf, *s;
	size_t len, slen;
	void *area;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	if (!(elf = sl_read_file(dir, elf_rel, &len)) || !(s = sl_read_file(dir, sig_rel, &slen)))
		return -1;
	if (sl_layout(e, elf, len) || slen != 1808) {
		fprintf(stderr, "%s: not an enclave of the testvectors' convention\n", elf_rel);
		return -1;
	}
	memcpy(sig, s, slen);
	free(s);
	free(elf);
	if ((e->fd = open("/dev/sgx_enclave", O_RDWR)) < 0) {
		perror("/dev/sgx_enclave");
		return -1;
	}
	area = mmap(NULL, 2 * e->size, PROT_NONE, MAP_SHARED, e->fd, 0);
	if (area == MAP_FAILED) {
		perror("mmap of the enclave range");
		return -1;
	}
	e->base = ((uint64_t)(uintptr_t)area + e->size - 1) & ~(e->size - 1);
	memset(secs, 0, sizeof(secs));
	memcpy(secs + 0, &e->size, 8);
	memcpy(secs + 8, &e->base, 8);
	v = 1;
	memcpy(secs + 16, &v, 4); /* SSAFRAMESIZE */
	v = 0x4;
	memcpy(secs + 48, &v, 8); /* ATTRIBUTES: MODE64BIT */
	v = 0x3;
	memcpy(secs + 56, &v, 8); /* XFRM */
	c.src = (uint64_t)(uintptr_t)secs;
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_CREATE, &c)) {
		perror("SGX_IOC_ENCLAVE_CREATE");
		return -1;
	}
	for (int i = 0; i < e->nseg; i++) {
		struct sgx_enclave_add_pages a = {
			.src = (uint64_t)(uintptr_t)e->seg[i].data, .offset = e->seg[i].offset,
			.length = e->seg[i].size, .secinfo = (uint64_t)(uintptr_t)secinfo,
			.flags = e->seg[i].measure ? SGX_PAGE_MEASURE : 0, .count = 0,
		};

		memset(secinfo, 0, sizeof(secinfo));
		secinfo[0] = e->seg[i].secflags;
		if (ioctl(e->fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a) || a.count != e->seg[i].size) {
			perror("SGX_IOC_ENCLAVE_ADD_PAGES");
			return -1;
		}
	}
	in.sigstruct = (uint64_t)(uintptr_t)sig;
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_INIT, &in)) {
		perror("SGX_IOC_ENCLAVE_INIT");
		return -1;
	}
	for (int i = 0; i < e->nseg; i++)
		if (mmap((void *)(uintptr_t)(e->base + e->seg[i].offset), e->seg[i].size, e->seg[i].prot,
			 MAP_SHARED | MAP_FIXED, e->fd, 0) == MAP_FAILED) {
			perror("mmap of a segment");
			return -1;
		}
	return 0;
}

/* A symbol of the vDSO, found through its DT_HASH table; NULL if absent. */
static inline void *sl_vdso_sym(const char *want)
{
	const uint8_t *base = (const void *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const void *)base;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const Elf32_Word *hash = NULL;
	const char *str = NULL;
	uint64_t load = 0;
	bool have_load = false;

	if (!base)
		return NULL;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(base + eh->e_phoff + (size_t)i * eh->e_phentsize);

		if (ph->p_type == PT_LOAD && !have_load) {
			load = (uint64_t)(uintptr_t)base + ph->p_offset - ph->p_vaddr;
			have_load = true;
		} else if (ph->p_type == PT_DYNAMIC) {
			dyn = (const void *)(base + ph->p_offset);
		}
	}
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			sym = (const void *)(uintptr_t)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_STRTAB)
			str = (const void *)(uintptr_t)(load + dyn->d_un.d_ptr);
		else if (dyn->d_tag == DT_HASH)
			hash = (const void *)(uintptr_t)(load + dyn->d_un.d_ptr);
	}
	if (!sym || !str || !hash)
		return NULL;
	for (Elf32_Word i = 0; i < hash[1]; i++)
		if (sym[i].st_shndx != SHN_UNDEF && !strcmp(str + sym[i].st_name, want))
			return (void *)(uintptr_t)(load + sym[i].st_value);
	return NULL;
}

#endif /* SGXEMU_TESTS_HOSTS_SGX_LOADER_H */
