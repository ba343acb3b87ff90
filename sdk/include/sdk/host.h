/*
 * host.h - the sdk's host library: load an enclave ELF and its SIGSTRUCT
 * through the Linux SGX driver (/dev/sgx_enclave, <asm/sgx.h>), and call
 * into it through __vdso_sgx_enter_enclave. Nothing here is specific to
 * sgxemu: a host program runs on an SGX machine, or under `sgxemu run`.
 *
 * sdk_ecall() is one __vdso_sgx_enter_enclave call whose exit handler runs
 * the whole conversation: ocalls (EEXIT with SDK_EXIT_OCALL → run the host
 * function → EENTER with SDK_ENTER_ORET), and the two-phase exception flow
 * (AEX → EENTER on the same TCS, where the enclave's handler runs → EEXIT
 * asking for ERESUME → ERESUME), until the ecall returns.
 */
#ifndef SDK_HOST_H
#define SDK_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdk/abi.h"

struct sdk_platform;
struct sdk_enclave;

/* A host function for ocall number SDK_OCALL_USER + i. */
typedef long (*sdk_ocall_fn)(void *untrusted_args);

/* Called (for logging) each time an exception in the enclave reaches the
 * host, before the enclave's handler phase runs. */
typedef void (*sdk_exception_cb)(struct sdk_enclave *e, unsigned tcs, unsigned vector,
				 unsigned error_code, uint64_t addr, void *user);

/*
 * Check that this process can run enclaves: __vdso_sgx_enter_enclave
 * (LINUX_2.6) is in the vDSO and /dev/sgx_enclave opens read-write. Without
 * them the error is "no __vdso_sgx_enter_enclave in the vDSO: run under
 * `sgxemu run` or on an SGX machine", or the device's errno. Nothing is
 * created: the platform (and, under sgxemu, its root key, which sealing and
 * report keys derive from: `sgxemu run --platform-key FILE`) belongs to the
 * machine. 0, or -1 with err.
 */
int sdk_platform_init(struct sdk_platform **out, char *err, size_t errlen);
void sdk_platform_fini(struct sdk_platform *p);

/* Build, initialize and map an enclave. 0, or -1 with err. */
int sdk_enclave_load(struct sdk_platform *p, const char *elf_path, const char *sig_path,
		     struct sdk_enclave **out, char *err, size_t errlen);
void sdk_enclave_unload(struct sdk_enclave *e);

/* The user ocall table (entry i serves ocall SDK_OCALL_USER + i). */
void sdk_enclave_set_ocalls(struct sdk_enclave *e, const sdk_ocall_fn *table, size_t n);
void sdk_enclave_set_exception_cb(struct sdk_enclave *e, sdk_exception_cb cb, void *user);

unsigned sdk_enclave_nr_tcs(const struct sdk_enclave *e);
uint64_t sdk_enclave_base(const struct sdk_enclave *e);
/* ENCLAVEHASH of the SIGSTRUCT the enclave was initialized with (= MRENCLAVE). */
const uint8_t *sdk_enclave_mrenclave(const struct sdk_enclave *e);

/* Outcomes of sdk_ecall. */
enum {
	SDK_OK = 0,
	SDK_E_ENTER = -1,     /* the vDSO refused, or EENTER/ERESUME itself faulted */
	SDK_E_UNHANDLED = -2, /* an exception no enclave handler took */
	SDK_E_ENCLAVE = -3,   /* the enclave refused the entry (SDK_EXIT_ERROR) */
	SDK_E_PROTOCOL = -4,  /* unknown exit code or ocall number */
	SDK_E_TCS = -5,       /* no such TCS */
};
const char *sdk_strerror(int code);

/* Run ecall `number` on TCS `tcs` (one thread per TCS at a time) with args
 * (untrusted memory). *ret receives the ecall's return value. */
int sdk_ecall(struct sdk_enclave *e, unsigned tcs, unsigned long number, void *args,
	      long *ret);

/* Details of the last failed sdk_ecall on this TCS (for messages). */
struct sdk_ecall_error {
	unsigned function, vector, error_code;
	uint64_t addr, info;
};
void sdk_last_error(struct sdk_enclave *e, unsigned tcs, struct sdk_ecall_error *out);

/* Helpers for host programs: read a whole file (malloc'd), write one
 * atomically. 0 / -1 with errno. */
void *sdk_read_file(const char *path, size_t *len);
int sdk_write_file(const char *path, const void *data, size_t len);

/* ---- SGX2 (sdk/host/edmm.c) ----------------------------------------------------- */

/* Loading options. elrange_size: SECS.SIZE when the enclave wants ELRANGE
 * beyond its image (a power of two, as given to `sgxemu sign --size`; 0 =
 * the image's own). The part above the image is mapped read-write as a hole
 * (no pages: the driver EAUGs them when the enclave EACCEPTs or touches them). */
struct sdk_load_opts {
	uint64_t elrange_size;
};
int sdk_enclave_load_ex(struct sdk_platform *p, const char *elf_path, const char *sig_path,
			const struct sdk_load_opts *opts, struct sdk_enclave **out, char *err,
			size_t errlen);

int sdk_enclave_fd(const struct sdk_enclave *e);
uint64_t sdk_enclave_size(const struct sdk_enclave *e);
/* Offset of the hole (end of the loaded image), = size when there is none. */
uint64_t sdk_enclave_hole(const struct sdk_enclave *e);

/* sdk_ecall on any TCS of the enclave, given by its offset from the base:
 * the image's TCS pages (tcs * 4096) or a TCS added at run time. One thread
 * per TCS at a time; sdk_last_error does not cover added TCSs. */
int sdk_ecall_tcs(struct sdk_enclave *e, uint64_t tcs_offset, unsigned long number, void *args,
		  long *ret);

/* The SGX2 ioctls over [offset, offset+length) of the enclave, restarted
 * until the whole range is done. 0, or -1 with errno (and the driver's
 * result and count in *result and *count when not NULL: count = bytes done). */
int sdk_edmm_restrict(struct sdk_enclave *e, uint64_t offset, uint64_t length, uint64_t perm,
		      uint64_t *result, uint64_t *count);
int sdk_edmm_modify_types(struct sdk_enclave *e, uint64_t offset, uint64_t length,
			  uint64_t page_type, uint64_t *result, uint64_t *count);
int sdk_edmm_remove(struct sdk_enclave *e, uint64_t offset, uint64_t length, uint64_t *count);

/* The built-in SDK_OCALL_EDMM (sdk/edmm_abi.h), served by sdk_ecall. */
long sdk_edmm_ocall(struct sdk_enclave *e, void *untrusted_req);

/* Counters of the SDK_OCALL_EDMM requests this process served. */
struct sdk_edmm_host_stats {
	uint64_t requests, pages_restricted, pages_retyped, pages_removed, failures;
};
void sdk_edmm_host_stats(struct sdk_edmm_host_stats *out);

#endif /* SDK_HOST_H */
