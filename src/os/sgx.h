/*
 * sgx.h - internal state of the emulated SGX driver (src/os only).
 *
 * struct sgx_os is the "kernel" of one process: the CPU it drives, the EPC
 * frame allocator (main.c), the open enclaves (encl.c), the enclave VMAs
 * (driver.c) and the page tables the CPU walks (mmu.c). Everything lives in
 * this struct; a process may hold several.
 *
 * Locking: os->lock protects the allocator, the enclave list and the VMA
 * records. The MMU runs in trap handlers and may take no lock, so every change
 * of the VMA records (or of an ELRANGE) publishes an immutable snapshot
 * (struct sgx_snap) with one atomic pointer store; the old snapshot is freed
 * only once no translation is reading (os->snap_readers drops to 0).
 */
#ifndef SGXEMU_OS_SGX_H
#define SGXEMU_OS_SGX_H

#include "common/lock.h"
#include <stdatomic.h>
#include <sys/types.h>

#include "sgxemu/os.h"

/* One enclave VMA: an mmap() of an enclave file, [start, end). */
struct sgx_vma {
	uint64_t start, end;
	int prot;                /* PROT_READ | PROT_WRITE | PROT_EXEC */
	struct sgx_encl *encl;
};

/* What a translation needs to know about a VMA, copied so that the MMU never
 * follows a pointer into mutable state. pages is NULL before ECREATE. */
struct sgx_snap_vma {
	uint64_t start, end;
	int prot;
	uint64_t base, size;
	const _Atomic uint64_t *pages;
};

struct sgx_snap_encl {
	uint64_t base, size;
	struct sgx_encl *encl;
};

struct sgx_snap {
	size_t nr_vmas, nr_encls;
	struct sgx_snap_vma *vmas;   /* sorted by start, non-overlapping */
	struct sgx_snap_encl *encls; /* created enclaves only */
};

/* A /dev/sgx_provision file we handed out, recognised by its inode. */
struct sgx_prov_id {
	dev_t dev;
	ino_t ino;
};

struct sgx_os {
	struct sgx_cpu *cpu;
	struct sgx_mmu mmu;
	struct sgx_lock lock;
	/* EINIT needs the LE-hash MSRs it was prepared with: MSR writes plus
	 * EINIT form one critical section (Linux: preemption disabled). */
	struct sgx_lock einit_lock;

	/* EPC frame allocator (main.c). */
	uint64_t nr_frames;
	uint64_t *used;          /* bitmap, 1 = allocated */
	uint64_t next_frame;     /* next-fit cursor */
	uint64_t in_use, high_water;

	/* Driver-init values (driver.c), from the CPU's CPUID 0x12. */
	bool has_sgx2;
	uint64_t attributes_reserved_mask;
	uint64_t misc_reserved_mask;
	uint64_t xfrm_reserved_mask;

	struct sgx_encl *encls;  /* every open enclave file */

	struct sgx_vma *vmas;    /* sorted by start, non-overlapping */
	size_t nr_vmas, cap_vmas;

	_Atomic(struct sgx_snap *) snap;
	atomic_uint snap_readers;

	struct sgx_prov_id *prov;
	size_t nr_prov;
};

/* ---- main.c: EPC frames (callers hold os->lock) ---- */
/* A free frame, preferably `hint` or the first free one after it. -ENOMEM. */
int64_t sgx_alloc_epc_frame(struct sgx_os *os, uint64_t hint);
void sgx_free_epc_frame(struct sgx_os *os, uint64_t frame);

/* ---- driver.c ---- */
int sgx_drv_init(struct sgx_os *os);
/* Rebuild and publish the MMU snapshot (os->lock held). 0 or -ENOMEM. */
int sgx_publish_snapshot(struct sgx_os *os);
void sgx_free_snapshot(struct sgx_os *os);
/* Drop the records of every VMA of encl and unmap them (os->lock held). */
void sgx_vmas_unmap_encl(struct sgx_os *os, struct sgx_encl *encl);
/* Re-apply the effective protection of [start, end) in every VMA of encl that
 * overlaps it (os->lock held). 0 or -errno. */
int sgx_vmas_refresh(struct sgx_os *os, struct sgx_encl *encl, uint64_t start, uint64_t end);
/* The enclave VMA holding la, or NULL (os->lock held). */
const struct sgx_vma *sgx_vma_find(struct sgx_os *os, uint64_t la);
/* Is this fd one of our /dev/sgx_provision files? */
bool sgx_is_provision_fd(struct sgx_os *os, int fd);

/* ---- mmu.c ---- */
/*
 * The page-table walk registered with the CPU (ctx = the os). Exposed for
 * tests: 0..N frame; -1 with a #PF in *f (P=0 when nothing is mapped or the
 * VMA is PROT_NONE, P=1 when the VMA forbids a write or an instruction fetch)
 * for enclave VMAs and ELRANGEs; -2 for any other address.
 */
int64_t sgx_os_translate(void *ctx, uint64_t la, unsigned access, struct sgx_fault *f);

#endif /* SGXEMU_OS_SGX_H */
