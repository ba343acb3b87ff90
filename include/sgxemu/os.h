/*
 * os.h - the emulated Linux SGX driver (src/os).
 *
 * struct sgx_os is "the kernel" of one process: it owns the CPU, allocates
 * EPC frames, keeps the enclaves and their VMAs, maps EPC frames at enclave
 * linear addresses, and provides the page tables (struct sgx_mmu) the CPU
 * walks. struct sgx_encl is one open /dev/sgx_enclave file. The ioctls take
 * the structs of <asm/sgx.h> and answer exactly as Linux does: 0 or -errno,
 * with the same output fields (count, result) written back.
 *
 * The library API is handle-based; the interposer (src/preload) maps real
 * file descriptors onto these handles.
 */
#ifndef SGXEMU_OS_H
#define SGXEMU_OS_H

#include "enclu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sgx_os;
struct sgx_encl;

/* Create the platform: the CPU (with cfg) and the driver state. 0 or -errno. */
int sgx_os_create(const struct sgx_cpu_config *cfg, struct sgx_os **out);
/* Release every enclave (EREMOVE all, unmap), then the CPU. */
void sgx_os_destroy(struct sgx_os *os);
struct sgx_cpu *sgx_os_cpu(struct sgx_os *os);

/* ---- /dev/sgx_enclave ---------------------------------------------------- */

/* open(): a new, empty enclave file. 0 or -errno. */
int sgx_encl_open(struct sgx_os *os, struct sgx_encl **out);
/* Last close(): EREMOVE every page (children, then the SECS), unmap the
 * enclave's VMAs, free its EPC frames. */
void sgx_encl_release(struct sgx_encl *encl);

/* ioctl(): SGX_IOC_ENCLAVE_CREATE, _ADD_PAGES, _INIT, _PROVISION (and, with
 * SGX2, the others). Returns 0 or -errno; unknown commands -ENOTTY. */
long sgx_encl_ioctl(struct sgx_encl *encl, unsigned int cmd, unsigned long arg);

/*
 * mmap() of the enclave file: MAP_SHARED only (MAP_PRIVATE -> -EINVAL);
 * without MAP_FIXED the driver picks the address; with it, `addr` is used
 * as given. Before ECREATE any range is allowed (probing maps); after INIT
 * the range must lie inside ELRANGE; every existing page in the range must
 * allow the requested protection (its max protection from ADD_PAGES) or
 * -EACCES. Returns the address, or -errno cast to uint64_t (test with
 * SGX_IS_ERR()).
 */
uint64_t sgx_encl_mmap(struct sgx_encl *encl, uint64_t addr, uint64_t len, int prot,
		       int flags, uint64_t pgoff);
#define SGX_IS_ERR(v) ((uint64_t)(v) >= (uint64_t)-4095)

/* mprotect()/munmap() of ranges that may cover enclave VMAs (other ranges
 * are passed to the host). 0 or -errno. */
int sgx_os_mprotect(struct sgx_os *os, uint64_t addr, uint64_t len, int prot);
int sgx_os_munmap(struct sgx_os *os, uint64_t addr, uint64_t len);

/* The enclave whose ELRANGE holds `la`, or NULL. Async-signal-safe. */
struct sgx_encl *sgx_os_find_encl(struct sgx_os *os, uint64_t la);

/* The SECS frame, base and size of an enclave (after CREATE). */
int sgx_encl_secs(const struct sgx_encl *encl, uint64_t *secs_frame, uint64_t *base,
		  uint64_t *size);

/* ---- /dev/sgx_provision ---------------------------------------------------- */

/* open() of /dev/sgx_provision: a real file descriptor that
 * SGX_IOC_ENCLAVE_PROVISION recognizes. fd or -errno. */
int sgx_os_open_provision(struct sgx_os *os);

/* ---- Statistics ------------------------------------------------------------ */

/* EPC frames in use (SECS, pages, VA) and the high-water mark. */
void sgx_os_epc_usage(const struct sgx_os *os, uint64_t *in_use, uint64_t *high_water);

#ifdef __cplusplus
}
#endif

#endif /* SGXEMU_OS_H */
