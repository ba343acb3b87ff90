/*
 * encl_load.c - see encl_load.h. The ELF reader accepts only what the
 * convention needs: ELF64 little-endian, PT_LOAD program headers.
 */
#include "encl_load.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <asm/sgx.h>

#include "sgxemu/sgxemu.h"

#define PAGE 4096ull

static uint64_t round_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

const char *el_vector_path(const char *rel)
{
	static char buf[4][1024];
	static int next;
	const char *dir = getenv("SGXEMU_TESTVECTORS");
	char *p;

	if (!dir || !*dir) {
		fprintf(stderr, "SGXEMU_TESTVECTORS is not set (point it at shared/testvectors)\n");
		abort();
	}
	p = buf[next++ % 4];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, rel);
	return p;
}

uint8_t *el_read_file(const char *path, size_t *len)
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
		}
		if (data && len)
			*len = (size_t)n;
	}
	fclose(f);
	return data;
}

static uint64_t secinfo_of(uint32_t p_flags, int *prot)
{
	uint64_t s = SGX_SECINFO_REG;

	*prot = 0;
	if (p_flags & PF_R) {
		s |= SGX_SECINFO_R;
		*prot |= PROT_READ;
	}
	if (p_flags & PF_W) {
		s |= SGX_SECINFO_W;
		*prot |= PROT_WRITE;
	}
	if (p_flags & PF_X) {
		s |= SGX_SECINFO_X;
		*prot |= PROT_EXEC;
	}
	return s;
}

/* Collect the PT_LOAD segments into img->seg; returns the first's file page. */
static int parse_phdrs(const uint8_t *file, size_t len, struct el_image *img, uint64_t *first)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len)
		return -1;
	img->nr_seg = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff) + i;
		struct el_segment *s = &img->seg[img->nr_seg];

		if (ph->p_type != PT_LOAD)
			continue;
		if (img->nr_seg == 15 || (ph->p_flags & ~(uint32_t)(PF_R | PF_W | PF_X)))
			return -1;
		if (img->nr_seg == 0) {
			if (ph->p_flags != (PF_R | PF_W))
				return -1; /* the TCS segment */
			*first = ph->p_offset & ~(PAGE - 1);
		}
		s->offset = (ph->p_offset & ~(PAGE - 1)) - *first;
		s->size = round_up(ph->p_filesz);
		s->secinfo = secinfo_of(ph->p_flags, &s->prot);
		s->measure = SGX_PAGE_MEASURE;
		if (img->nr_seg == 0)
			s->secinfo = SGX_SECINFO_TCS;
		img->nr_seg++;
	}
	return img->nr_seg ? 0 : -1;
}

int el_image_load(const char *path, uint64_t heap, struct el_image *img)
{
	size_t len;
	uint8_t *file = el_read_file(path, &len);
	uint64_t first = 0;
	struct el_segment *last, *h;

	memset(img, 0, sizeof(*img));
	if (!file || parse_phdrs(file, len, img, &first)) {
		fprintf(stderr, "%s: cannot load as an enclave ELF\n", path);
		free(file);
		return -1;
	}
	last = &img->seg[img->nr_seg - 1];
	h = &img->seg[img->nr_seg++];
	*h = (struct el_segment){ last->offset + last->size, heap,
				  SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
				  PROT_READ | PROT_WRITE, 0 };
	img->src_size = h->offset + heap;
	for (img->encl_size = PAGE; img->encl_size < img->src_size; img->encl_size *= 2)
		;
	img->src = aligned_alloc(PAGE, img->src_size);
	if (!img->src) {
		free(file);
		return -1;
	}
	memset(img->src, 0, img->src_size);
	/* Page contents are the file's bytes from the first segment on. */
	for (int i = 0; i < img->nr_seg - 1; i++) {
		const struct el_segment *s = &img->seg[i];
		uint64_t from = first + s->offset, n = s->size;

		if (from < len)
			memcpy(img->src + s->offset, file + from, from + n <= len ? n : len - from);
	}
	free(file);
	return 0;
}

void el_image_free(struct el_image *img)
{
	free(img->src);
	img->src = NULL;
}

long el_create(struct sgx_encl *encl, const struct el_image *img, uint64_t extra_attrs,
	       uint64_t *base)
{
	struct sgx_enclave_create create;
	struct sgx_secs *secs;
	uint64_t area;
	long ret;

	area = sgx_encl_mmap(encl, 0, 2 * img->encl_size, PROT_NONE, MAP_SHARED, 0);
	if (SGX_IS_ERR(area))
		return (long)area;
	*base = (area + img->encl_size - 1) & ~(img->encl_size - 1);
	secs = aligned_alloc(PAGE, PAGE);
	if (!secs)
		return -1;
	memset(secs, 0, PAGE);
	secs->base = *base;
	secs->size = img->encl_size;
	secs->ssa_frame_size = 1;
	secs->attributes.flags = SGX_ATTR_MODE64BIT | extra_attrs;
	secs->attributes.xfrm = SGX_XFRM_LEGACY;
	create.src = (uint64_t)(uintptr_t)secs;
	ret = sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&create);
	free(secs);
	return ret;
}

long el_add_all(struct sgx_encl *encl, const struct el_image *img)
{
	struct sgx_secinfo secinfo;

	for (int i = 0; i < img->nr_seg; i++) {
		const struct el_segment *s = &img->seg[i];
		struct sgx_enclave_add_pages add = {
			.src = (uint64_t)(uintptr_t)(img->src + s->offset),
			.offset = s->offset, .length = s->size,
			.secinfo = (uint64_t)(uintptr_t)&secinfo, .flags = (uint64_t)s->measure,
		};
		long ret;

		memset(&secinfo, 0, sizeof(secinfo));
		secinfo.flags = s->secinfo;
		ret = sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&add);
		if (ret)
			return ret;
		if (add.count != s->size)
			return -1000;
	}
	return 0;
}

long el_map_all(struct sgx_encl *encl, const struct el_image *img, uint64_t base)
{
	for (int i = 0; i < img->nr_seg; i++) {
		const struct el_segment *s = &img->seg[i];
		uint64_t a = sgx_encl_mmap(encl, base + s->offset, s->size, s->prot,
					   MAP_SHARED | MAP_FIXED, 0);

		if (SGX_IS_ERR(a))
			return (long)a;
	}
	return 0;
}

long el_init(struct sgx_encl *encl, const void *sigstruct)
{
	struct sgx_enclave_init init = { .sigstruct = (uint64_t)(uintptr_t)sigstruct };

	return sgx_encl_ioctl(encl, SGX_IOC_ENCLAVE_INIT, (unsigned long)&init);
}

int el_expected_mrenclave(const char *elf_rel, uint8_t out[32])
{
	size_t len;
	char *text = (char *)el_read_file(el_vector_path("expected.txt"), &len);
	char key[256], *line, *save = NULL, *m;
	int ret = -1;

	if (!text)
		return -1;
	text[len] = 0;
	snprintf(key, sizeof(key), "ELF file=%s heap=0x1000 ", elf_rel);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, key, strlen(key)) || !(m = strstr(line, "mrenclave=")))
			continue;
		m += strlen("mrenclave=");
		ret = 0;
		for (int i = 0; i < 32 && !ret; i++)
			ret = sscanf(m + 2 * i, "%2hhx", &out[i]) == 1 ? 0 : -1;
		break;
	}
	free(text);
	return ret;
}
