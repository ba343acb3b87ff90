/*
 * encl.h - one enclave file (internal to src/os): its state flags, ELRANGE,
 * SECS frame and page array, as the Linux driver's struct sgx_encl.
 *
 * The page array has one 64-bit entry per page of ELRANGE (an anonymous
 * NORESERVE map, so a huge ELRANGE costs only the entries touched). Entries
 * are read by the MMU without locks, hence atomics.
 */
#ifndef SGXEMU_OS_ENCL_H
#define SGXEMU_OS_ENCL_H

#include "os/sgx.h"

/* encl->flags bits, as the driver's SGX_ENCL_*. */
#define SGX_ENCL_IOCTL (1ul << 0)
#define SGX_ENCL_CREATED (1ul << 1)
#define SGX_ENCL_INITIALIZED (1ul << 2)
#define SGX_ENCL_DEBUG (1ul << 3)

/*
 * Page entry: 0 = no page; else PRESENT | type << 40 | max prot << 32 | frame.
 * The type is the driver's record of the page type (Linux's entry->type):
 * SGX_PT_REG or SGX_PT_TCS from ADD_PAGES, SGX_PT_REG after EAUG, the new
 * type after MODIFY_TYPES.
 */
#define SGX_PAGE_PRESENT (1ull << 63)
#define SGX_PAGE_TYPE_SHIFT 40
#define SGX_PAGE_PROT_SHIFT 32
#define SGX_PAGE_FRAME_MASK 0xFFFFFFFFull

static inline uint64_t sgx_page_entry(uint64_t frame, int max_prot, uint8_t type)
{
	return SGX_PAGE_PRESENT | (uint64_t)type << SGX_PAGE_TYPE_SHIFT |
	       (uint64_t)max_prot << SGX_PAGE_PROT_SHIFT | frame;
}
static inline uint64_t sgx_page_frame(uint64_t e) { return e & SGX_PAGE_FRAME_MASK; }
static inline int sgx_page_max_prot(uint64_t e) { return (int)((e >> SGX_PAGE_PROT_SHIFT) & 7); }
static inline uint8_t sgx_page_type(uint64_t e) { return (uint8_t)(e >> SGX_PAGE_TYPE_SHIFT); }

/* Attributes an enclave may have without a capability (SGX_ATTR_UNPRIV_MASK). */
#define SGX_ATTR_UNPRIV_MASK \
	(SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_KSS | SGX_ATTR_AEXNOTIFY)

struct sgx_encl {
	struct sgx_os *os;
	atomic_ulong flags;
	uint64_t base, size;
	uint64_t attributes, attributes_mask;
	uint64_t secs_frame;
	_Atomic uint64_t *pages;  /* size / 4096 entries, after CREATE */
	uint64_t nr_pages;
	struct sgx_encl *next;    /* os->encls */
};

static inline bool encl_test(const struct sgx_encl *encl, unsigned long bit)
{
	return (atomic_load(&encl->flags) & bit) != 0;
}

/* Entry of the page at linear address la, or 0 (no page, or outside ELRANGE). */
uint64_t sgx_encl_page(const struct sgx_encl *encl, uint64_t la);

/* sgx_encl_may_map(): may [start, end) be mapped/mprotected with prot? */
int sgx_encl_may_map(struct sgx_encl *encl, uint64_t start, uint64_t end, int prot);

/*
 * THE function for effective protection: map [start, end) of vma (clipped to
 * it) so that each page is the EPC frame with VMA prot ∩ EPCM perm ∩ EPCM
 * state, and each hole is PROT_NONE anonymous memory. 0 or -errno.
 */
int sgx_encl_apply_prot(struct sgx_os *os, const struct sgx_vma *vma, uint64_t start,
			uint64_t end);

/*
 * sgx_vma_fault(): the sgx_mmu.fault hook (ctx = the os). Refreshes the host
 * mapping of an existing page, or EAUGs a page into a hole of an initialized
 * enclave on an SGX2 CPU. 0: retry the access; -1: the fault stands.
 */
int sgx_os_fault(void *ctx, uint64_t la, unsigned access);

#endif /* SGXEMU_OS_ENCL_H */
