/*
 * elf_image.c - parse and validate an enclave ELF and lay its PT_LOAD
 * segments out as enclave pages (segment convention of
 * shared/testvectors/README.md).
 *
 * Nothing in the file is trusted: every header field is range-checked before
 * it is used, and all arithmetic on file values is checked for overflow.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_image.h"

#define PAGE 4096ull
#define PAGE_MASK (~(PAGE - 1))
/* Far beyond any enclave; keeps the size arithmetic far from overflow. */
#define MAX_ENCLAVE_SIZE (1ull << 48)

static int fail(const char *path, char *err, size_t errlen,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(const char *path, char *err, size_t errlen,
		const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *b = NULL;
	size_t done = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(path, err, errlen, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		fail(path, err, errlen, "cannot stat: %s", strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		fail(path, err, errlen, "not a regular file");
		goto out_close;
	}
	if ((uint64_t)st.st_size > MAX_ENCLAVE_SIZE) {
		fail(path, err, errlen, "file too large");
		goto out_close;
	}
	b = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!b) {
		fail(path, err, errlen, "out of memory");
		goto out_close;
	}
	while (done < (size_t)st.st_size) {
		ssize_t r = read(fd, b + done, (size_t)st.st_size - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(path, err, errlen, "read error: %s", strerror(errno));
			goto out_free;
		}
		if (r == 0)
			break; /* file shrank: use what we got */
		done += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = done;
	return 0;

out_free:
	free(b);
out_close:
	close(fd);
	return -1;
}

/* ELF p_flags (X=1, W=2, R=4) to SECINFO permission bits (R=1, W=2, X=4). */
static uint64_t secinfo_perm(uint32_t pf)
{
	return ((pf & PF_R) ? 1 : 0) | ((pf & PF_W) ? 2 : 0) | ((pf & PF_X) ? 4 : 0);
}

static const char *perm_str(uint32_t pf, char buf[4])
{
	buf[0] = (pf & PF_R) ? 'R' : '-';
	buf[1] = (pf & PF_W) ? 'W' : '-';
	buf[2] = (pf & PF_X) ? 'X' : '-';
	buf[3] = '\0';
	return buf;
}

static int check_ehdr(const char *path, const uint8_t *f, size_t len, const Elf64_Ehdr **out,
		      char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
	uint64_t ph_end;

	if (len < EI_NIDENT || memcmp(f, ELFMAG, SELFMAG) != 0)
		return fail(path, err, errlen, "not an ELF file (bad magic)");
	if (f[EI_CLASS] != ELFCLASS64)
		return fail(path, err, errlen, "not a 64-bit ELF (EI_CLASS %u)", f[EI_CLASS]);
	if (f[EI_DATA] != ELFDATA2LSB)
		return fail(path, err, errlen, "not a little-endian ELF (EI_DATA %u)",
			    f[EI_DATA]);
	if (f[EI_VERSION] != EV_CURRENT)
		return fail(path, err, errlen, "unknown ELF version %u", f[EI_VERSION]);
	if (len < sizeof(Elf64_Ehdr))
		return fail(path, err, errlen, "truncated ELF header (%zu bytes)", len);
	if (eh->e_machine != EM_X86_64)
		return fail(path, err, errlen, "not an x86-64 ELF (e_machine %u)",
			    eh->e_machine);
	if (eh->e_ehsize != sizeof(Elf64_Ehdr))
		return fail(path, err, errlen, "bad ELF header size %u", eh->e_ehsize);
	if (eh->e_phnum == 0)
		return fail(path, err, errlen, "no program headers");
	if (eh->e_phnum == PN_XNUM)
		return fail(path, err, errlen, "too many program headers (PN_XNUM)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(path, err, errlen, "bad program header size %u",
			    eh->e_phentsize);
	if (eh->e_phoff % 8)
		return fail(path, err, errlen, "misaligned program header table (0x%llx)",
			    (unsigned long long)eh->e_phoff);
	ph_end = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > len || ph_end > len - eh->e_phoff)
		return fail(path, err, errlen,
			    "program headers (offset 0x%llx, %u entries) extend past the end of the file",
			    (unsigned long long)eh->e_phoff, eh->e_phnum);
	*out = eh;
	return 0;
}

int elf_image_load(const char *path, uint64_t heap, struct elf_image *img, char *err,
		   size_t errlen)
{
	const Elf64_Ehdr *eh = NULL;
	const Elf64_Phdr *ph;
	uint64_t base = 0, end = 0, size;
	size_t nr_load = 0, n = 0;
	char pbuf[4];

	memset(img, 0, sizeof(*img));
	if (heap == 0 || heap % PAGE || heap > MAX_ENCLAVE_SIZE)
		return fail(path, err, errlen,
			    "heap size 0x%llx is not a positive multiple of 4096",
			    (unsigned long long)heap);
	if (read_file(path, &img->file, &img->file_size, err, errlen))
		return -1;
	if (check_ehdr(path, img->file, img->file_size, &eh, err, errlen))
		goto out_free;
	ph = (const Elf64_Phdr *)(img->file + eh->e_phoff);

	for (size_t i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			nr_load++;
	if (!nr_load) {
		fail(path, err, errlen, "no PT_LOAD segment");
		goto out_free;
	}
	img->segs = calloc(nr_load + 1, sizeof(*img->segs));
	img->path = strdup(path);
	if (!img->segs || !img->path) {
		fail(path, err, errlen, "out of memory");
		goto out_free;
	}

	for (size_t i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		struct elf_segment *s = &img->segs[n];
		uint64_t page_off;

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_flags & ~(uint32_t)(PF_R | PF_W | PF_X)) {
			fail(path, err, errlen,
			     "PT_LOAD #%zu (program header %zu) has unsupported p_flags 0x%x (only R, W, X allowed)",
			     n, i, p->p_flags);
			goto out_free;
		}
		if (n == 0 && p->p_flags != (PF_R | PF_W)) {
			fail(path, err, errlen,
			     "first PT_LOAD (the TCS segment) must be exactly RW, not %s",
			     perm_str(p->p_flags, pbuf));
			goto out_free;
		}
		if (n == 0 && p->p_filesz == 0) {
			fail(path, err, errlen,
			     "first PT_LOAD (the TCS segment) has no file contents");
			goto out_free;
		}
		if (p->p_offset > img->file_size ||
		    p->p_filesz > img->file_size - p->p_offset) {
			fail(path, err, errlen,
			     "PT_LOAD #%zu (offset 0x%llx, size 0x%llx) extends past the end of the file (0x%zx bytes)",
			     n, (unsigned long long)p->p_offset,
			     (unsigned long long)p->p_filesz, img->file_size);
			goto out_free;
		}
		page_off = p->p_offset & PAGE_MASK;
		if (n == 0)
			base = page_off;
		if (page_off < base || page_off - base < end) {
			fail(path, err, errlen,
			     "PT_LOAD #%zu (file offset 0x%llx) overlaps or precedes the previous segment",
			     n, (unsigned long long)p->p_offset);
			goto out_free;
		}
		s->offset = page_off - base;
		s->size = (p->p_filesz + PAGE - 1) & PAGE_MASK;
		s->file_off = page_off;
		s->measured = true;
		if (n == 0)
			s->secinfo = 0x100;
		else
			s->secinfo = 0x200 | secinfo_perm(p->p_flags);
		if (s->offset + s->size > MAX_ENCLAVE_SIZE) {
			fail(path, err, errlen, "PT_LOAD #%zu lies too far out", n);
			goto out_free;
		}
		end = s->offset + s->size;
		img->nr_pages += s->size / PAGE;
		n++;
	}

	/* The heap directly follows the last segment. */
	img->segs[n].offset = end;
	img->segs[n].size = heap;
	img->segs[n].secinfo = 0x203;
	img->segs[n].heap = true;
	img->nr_segs = n + 1;
	img->nr_pages += heap / PAGE;
	img->heap_size = heap;
	img->src_size = end + heap;
	for (size = PAGE; size < img->src_size; size <<= 1)
		;
	img->encl_size = size;
	return 0;

out_free:
	elf_image_free(img);
	return -1;
}

void elf_image_free(struct elf_image *img)
{
	free(img->path);
	free(img->file);
	free(img->segs);
	memset(img, 0, sizeof(*img));
}

void elf_image_page(const struct elf_image *img, const struct elf_segment *seg, uint64_t idx,
		    uint8_t page[4096])
{
	uint64_t off = seg->file_off + idx * PAGE;
	size_t n = 0;

	if (!seg->heap && off < img->file_size) {
		n = img->file_size - off < PAGE ? (size_t)(img->file_size - off) : PAGE;
		memcpy(page, img->file + off, n);
	}
	memset(page + n, 0, PAGE - n);
}
