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

/* ---- SGX2: dynamic memory (sdk/enclave/edmm.c) ------------------------------------ *
 *
 * An enclave whose ELRANGE is larger than its image (signed with
 * `sgxemu sign --size`, loaded with sdk_load_opts.elrange_size) declares
 * that size with SDK_ELRANGE_SIZE(bytes); everything between the end of the
 * image (plus the loader's 4 KiB heap page) and base + size is a hole the
 * host maps read-write. Pages there are added on demand: EACCEPT of an
 * unbacked page makes the driver EAUG it (a #PF the enclave never sees), and
 * they are given back by trimming (ocall MODIFY_TYPES(TRIM), EACCEPT of each
 * page, ocall REMOVE_PAGES). */
#pragma GCC visibility push(hidden)

#define SDK_ELRANGE_SIZE(bytes) const uint64_t sdk_elrange_size = (bytes)
extern const uint64_t sdk_elrange_size; /* 0 (the default): no hole */

/* SECINFO.FLAGS values for EACCEPT (fact sheet 10.4). */
#define SDK_SI_REG_RW_PENDING 0x20bull /* a fresh EAUG page */
#define SDK_SI_TCS_MODIFIED 0x110ull   /* EMODT to TCS */
#define SDK_SI_TRIM_MODIFIED 0x410ull  /* EMODT to TRIM */
#define SDK_SI_REG_PR 0x220ull         /* | R/W/X: after EMODPR */

/* The leaves; each returns the SGX error code in RAX (0 = success). page
 * is page-aligned inside the enclave; secinfo_flags is SECINFO.FLAGS (the
 * wrappers build the 64-aligned SECINFO). */
int sdk_eaccept(void *page, uint64_t secinfo_flags);
int sdk_eacceptcopy(void *page, const void *src, uint64_t secinfo_flags);
void sdk_emodpe(void *page, uint64_t secinfo_flags);

/* EACCEPT every page of [p, p+len) with flags; the SGX code of the first
 * failure (its page in *bad if bad), else 0. */
int sdk_eaccept_range(void *p, size_t len, uint64_t flags, void **bad);

/* Host-assisted changes (one SDK_OCALL_EDMM, then EACCEPT of every page).
 * 0, or -1 when the host refused (errno-like code in *err if err) or an
 * EACCEPT disagreed (SGX code in *err, negated). */
int sdk_edmm_trim(void *p, size_t len, long *err);             /* remove pages */
int sdk_edmm_restrict(void *p, size_t len, uint64_t perm, long *err); /* EMODPR + EACCEPT */
int sdk_edmm_make_tcs(void *page, long *err);                  /* REG page -> TCS */

/* The dynamic heap: the hole, committed from its start up to the break.
 * sdk_sbrk(+n) accepts n bytes of new pages (n rounded up to pages) and
 * returns the old break; sdk_sbrk(-n) trims the top n bytes; (void *)-1
 * if the hole is too small or the host/CPU refused. Thread-safe. */
void *sdk_sbrk(intptr_t delta);
void *sdk_heap_start(void);
size_t sdk_heap_max(void);       /* bytes of hole */
size_t sdk_heap_committed(void); /* bytes between start and break */

/* Counters of this enclave's own SGX2 activity (pages). */
struct sdk_edmm_stats {
	uint64_t accepted, trimmed, restricted, tcs_made;
};
void sdk_edmm_get_stats(struct sdk_edmm_stats *out);

/* A thread added at run time: TCS, its data page, 2 SSA frames, a stack and
 * an exception stack, all taken from the dynamic heap; the TCS page is turned
 * into PT_TCS by the host (MODIFY_TYPES) and accepted here. The host then
 * enters it with sdk_ecall_tcs(e, *tcs_offset, ...). 0 or -1 (err as above). */
int sdk_thread_add(uint64_t *tcs_offset, long *err);

#pragma GCC visibility pop

/* ---- AEX-Notify (sdk/enclave/entry.S) ------------------------------------------- *
 *
 * Enclaves whose layout.S is built with -DSDK_AEXNOTIFY=1 (and signed with
 * ATTRIBUTES.AEXNOTIFY 0x400) get TCS.FLAGS.AEXNOTIFY: while enclave code
 * runs (not during ocalls), every AEX is followed by a notification, in
 * which the runtime calls the registered hook (on the exception stack, with
 * further AEXs not notified) and then resumes the interrupted code itself.
 * The hook only observes: the context is restored as it was saved. */
#pragma GCC visibility push(hidden)

struct sdk_aex_notification {
	uint64_t tcs_index;
	uint64_t rip;         /* where the interrupted code resumes */
	uint32_t exitinfo;    /* EXITINFO of the AEX (VALID clear for interrupts) */
	bool restarted;       /* the AEX hit the runtime's restore of an earlier one */
	bool after_exception; /* the ERESUME after a handled exception */
};

typedef void (*sdk_aex_notify_handler)(const struct sdk_aex_notification *n);
void sdk_set_aex_notify_handler(sdk_aex_notify_handler h);

#pragma GCC visibility pop

#endif /* SDK_ENCLAVE_H */
