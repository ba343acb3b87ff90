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

/* Does [addr, addr + len) touch an enclave VMA or ELRANGE? Async-signal-safe. */
bool sgx_os_range_is_enclave(struct sgx_os *os, uint64_t addr, uint64_t len);
/* Does the enclave still have mappings (it lives while it has)? */
bool sgx_encl_has_vmas(struct sgx_encl *encl);
/* Called in the child of a fork: see driver.c. */
void sgx_os_fork_child(struct sgx_os *os);

/* The SECS frame, base and size of an enclave (after CREATE). */
int sgx_encl_secs(const struct sgx_encl *encl, uint64_t *secs_frame, uint64_t *base,
		  uint64_t *size);

/* ---- /dev/sgx_provision ---------------------------------------------------- */

/* open() of /dev/sgx_provision: a real file descriptor that
 * SGX_IOC_ENCLAVE_PROVISION recognizes. fd or -errno. */
int sgx_os_open_provision(struct sgx_os *os);

/* ---- /dev/sgx_vepc ---------------------------------------------------------- */

struct sgx_vepc;
/* open(): a new vEPC file. 0 or -errno. */
int sgx_vepc_open(struct sgx_os *os, struct sgx_vepc **out);
/* mmap(): MAP_SHARED only (else -EINVAL); the range gets raw EPC pages.
 * The address, or -errno as for sgx_encl_mmap. */
uint64_t sgx_vepc_mmap(struct sgx_vepc *v, uint64_t addr, uint64_t len, int prot, int flags,
		       uint64_t pgoff);
/* ioctl(): SGX_IOC_VEPC_REMOVE_ALL (arg 0, else -EINVAL): EREMOVE every page;
 * the number of SECS pages that still have children, or -EBUSY. Other
 * commands -ENOTTY. */
long sgx_vepc_ioctl(struct sgx_vepc *v, unsigned int cmd, unsigned long arg);
/* Last close: EREMOVE everything and free the frames. */
void sgx_vepc_release(struct sgx_vepc *v);

/* ---- Statistics ------------------------------------------------------------ */

/* EPC frames in use (SECS, pages, VA) and the high-water mark. */
void sgx_os_epc_usage(const struct sgx_os *os, uint64_t *in_use, uint64_t *high_water);

/* ---- Platform root secret (src/os/platform.c) ----------------------------- */

/*
 * The 16-byte platform root key (sgx_cpu_config.root_key) kept in a file so
 * that sealing and report keys are stable across runs. path_or_null NULL:
 * $SGXEMU_PLATFORM_KEY if set, else $XDG_STATE_HOME/sgxemu/platform.key, else
 * ~/.local/state/sgxemu/platform.key. Created on first use (directories 0700,
 * file 0600, 16 random bytes, O_EXCL), read afterwards. A file that is not
 * exactly 16 bytes or that group/other may access is refused. 0, or -1 with
 * a message in err.
 */
int sgx_platform_root_key(uint8_t key[16], const char *path_or_null, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* SGXEMU_OS_H */
