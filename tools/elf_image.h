/*
 * elf_image.h - an enclave ELF turned into the list of pages a loader adds,
 * by the segment convention of shared/testvectors/README.md ("ELF -> pages",
 * the Linux selftest loader's rules).
 *
 * The image owns a copy of the file; segments point into it. The heap is the
 * last entry of segs[] (measured = false, no file data).
 */
#ifndef SGXEMU_TOOLS_ELF_IMAGE_H
#define SGXEMU_TOOLS_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_IMAGE_DEFAULT_HEAP 4096u

struct elf_segment {
	uint64_t offset;    /* enclave offset of the first page */
	uint64_t size;      /* bytes, a multiple of 4096 (may be 0) */
	uint64_t secinfo;   /* SECINFO.FLAGS for every page */
	bool measured;      /* EEXTEND every page */
	bool heap;          /* the appended heap: zero pages, no file data */
	uint64_t file_off;  /* file offset of the first page (ELF segments) */
};

struct elf_image {
	char *path;
	uint8_t *file;
	size_t file_size;
	struct elf_segment *segs;
	size_t nr_segs;      /* ELF segments + 1 (the heap, last) */
	uint64_t nr_pages;   /* pages over all segments, heap included */
	uint64_t heap_size;
	uint64_t src_size;   /* end of the heap */
	uint64_t encl_size;  /* SECS.SIZE: 0x1000 doubled until >= src_size */
};

/*
 * Read and validate path. heap is the heap size in bytes (a positive
 * multiple of 4096). Returns 0, or -1 with a message naming the file and
 * the problem in err; *img is then empty (elf_image_free() is harmless).
 */
int elf_image_load(const char *path, uint64_t heap, struct elf_image *img, char *err,
		   size_t errlen);

void elf_image_free(struct elf_image *img);

/* Copy page idx (0-based) of seg into page: the file's bytes, zero past the
 * end of the file; all zero for the heap. */
void elf_image_page(const struct elf_image *img, const struct elf_segment *seg, uint64_t idx,
		    uint8_t page[4096]);

#endif /* SGXEMU_TOOLS_ELF_IMAGE_H */
