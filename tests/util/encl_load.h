/*
 * encl_load.h - test helper: load a test-vector ELF enclave (segment
 * convention of testvectors/README.md) and build it through the emulated
 * driver's ioctls and mmap, step by step, the way the Linux selftests do.
 */
#ifndef TESTS_UTIL_ENCL_LOAD_H
#define TESTS_UTIL_ENCL_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "sgxemu/os.h"

struct el_segment {
	uint64_t offset;   /* enclave offset */
	uint64_t size;     /* bytes, multiple of 4096 */
	uint64_t secinfo;  /* SECINFO.FLAGS */
	int prot;          /* PROT_* to mmap it with */
	int measure;       /* SGX_PAGE_MEASURE or 0 (the heap) */
};

struct el_image {
	uint8_t *src;      /* src_size bytes, 4K-aligned: page i = enclave page i */
	uint64_t src_size; /* heap end */
	uint64_t encl_size; /* SECS.SIZE */
	struct el_segment seg[16];
	int nr_seg;        /* ELF segments, then the heap */
};

/* $SGXEMU_TESTVECTORS/rel in a static rotation; aborts with a message when
 * the variable is unset. */
const char *el_vector_path(const char *rel);
/* Whole file, malloc'd; NULL on error. */
uint8_t *el_read_file(const char *path, size_t *len);

/* Parse the ELF; heap in bytes (multiple of 4096). 0 or -1 (message to stderr). */
int el_image_load(const char *path, uint64_t heap, struct el_image *img);
void el_image_free(struct el_image *img);

/* Probe map (2*size, PROT_NONE, MAP_SHARED), pick the aligned base, CREATE
 * with SSAFRAMESIZE 1, MODE64BIT | extra_attrs, XFRM 3. Returns the ioctl
 * result; *base receives the base. */
long el_create(struct sgx_encl *encl, const struct el_image *img, uint64_t extra_attrs,
	       uint64_t *base);
/* ADD_PAGES of every segment (ELF ones measured, heap not). */
long el_add_all(struct sgx_encl *encl, const struct el_image *img);
/* mmap(MAP_FIXED) every segment at base + offset with its protection. */
long el_map_all(struct sgx_encl *encl, const struct el_image *img, uint64_t base);
/* INIT with the SIGSTRUCT bytes (1808). */
long el_init(struct sgx_encl *encl, const void *sigstruct);

/* MRENCLAVE of an ELF from expected.txt (heap 0x1000 line); 0 or -1. */
int el_expected_mrenclave(const char *elf_rel, uint8_t out[32]);

#endif
