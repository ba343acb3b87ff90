/*
 * enclave.h - the API of the sdk's enclave runtime (code inside enclaves).
 *
 * An enclave defines its ecall table with SDK_ECALLS(fn, ...); the host calls
 * them by index with a pointer to an argument struct in untrusted memory.
 * Ecalls must check that pointer (sdk_is_outside_enclave) and copy what they
 * use before trusting it.
 */
#ifndef SDK_ENCLAVE_H
#define SDK_ENCLAVE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgxemu/sgx_arch.h"
#include "sdk/abi.h"

#pragma GCC visibility push(hidden)

/* ---- ecalls ---------------------------------------------------------------- */

typedef long (*sdk_ecall_fn)(void *untrusted_args);

extern const sdk_ecall_fn sdk_ecall_table[];
extern const unsigned long sdk_ecall_count;

#define SDK_ECALLS(...)                                                              \
	const sdk_ecall_fn sdk_ecall_table[] = { __VA_ARGS__ };                      \
	const unsigned long sdk_ecall_count =                                        \
		sizeof(sdk_ecall_table) / sizeof(sdk_ecall_table[0])

/* ---- ocalls ---------------------------------------------------------------- */

/* Leave the enclave to run host ocall `number` with untrusted_args; returns
 * the host function's return value. Not available in exception handlers. */
long sdk_ocall_raw(unsigned long number, void *untrusted_args);
/* Untrusted memory on the host stack for ocall arguments (16-aligned);
 * released all at once by sdk_ocfree() or when the ecall returns. NULL if
 * the request is unreasonably large. */
void *sdk_ocalloc(size_t size);
void sdk_ocfree(void);

/* printf through the host's built-in print ocall. Returns bytes printed. */
int sdk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the enclave's own memory ------------------------------------------------ */

/* Is [p, p+len) entirely inside / entirely outside this enclave's ELRANGE? */
bool sdk_is_within_enclave(const void *p, size_t len);
bool sdk_is_outside_enclave(const void *p, size_t len);
uint64_t sdk_enclave_base(void);

/* ---- exceptions -------------------------------------------------------------- */

struct sdk_exception {
	uint32_t vector;        /* EXITINFO.VECTOR */
	bool valid;             /* EXITINFO.VALID */
	uint32_t exit_type;     /* EXITINFO.EXIT_TYPE: 3 hardware, 6 software */
	struct sgx_gprsgx *gpr; /* the interrupted context: change it to resume elsewhere */
	struct sgx_exinfo *exinfo; /* #PF/#GP details (valid with MISCSELECT.EXINFO) */
	uint64_t tcs_index;
};

#define SDK_EXC_CONTINUE 1  /* resume the interrupted context (as modified) */
#define SDK_EXC_UNHANDLED 0

typedef int (*sdk_exception_handler)(struct sdk_exception *e);
void sdk_set_exception_handler(sdk_exception_handler h);

/* ---- ENCLU ------------------------------------------------------------------- */

/* EREPORT: any alignment on input (copied to aligned enclave buffers);
 * report_data may be NULL (zeros). */
void sdk_ereport(const struct sgx_targetinfo *ti, const uint8_t report_data[64],
		 struct sgx_report *out);
/* EGETKEY: returns the SGX error code (0 on success). */
int sdk_egetkey(const struct sgx_keyrequest *req, uint8_t key[16]);
/* This enclave's own report (TARGETINFO all zero) and a TARGETINFO naming it. */
void sdk_self_report(struct sgx_report *out);
void sdk_self_targetinfo(struct sgx_targetinfo *out);
/* Verify a REPORT targeted at this enclave: EGETKEY(REPORT, its KEYID), CMAC
 * over the body, constant-time compare. 0 if the MAC matches, -1 if not. */
int sdk_verify_report(const struct sgx_report *r);

/* ---- libc bits --------------------------------------------------------------- */

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
/* Zero memory the compiler may not elide; constant-time comparison. */
void sdk_memzero(void *p, size_t n);
int sdk_ct_memcmp(const void *a, const void *b, size_t n);
int sdk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int sdk_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Hex of n bytes into out (2n+1 bytes). */
void sdk_hex(char *out, const void *p, size_t n);

/* Stop: EEXIT is not possible from arbitrary states, so fault instead. */
__attribute__((noreturn)) void sdk_abort(void);

#pragma GCC visibility pop

#endif /* SDK_ENCLAVE_H */
