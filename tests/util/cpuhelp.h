/*
 * cpuhelp.h - helpers for tests that drive the emulated CPU directly, the
 * way the Linux driver drives ENCLS: test-vector paths, aligned operand
 * memory, hex strings, a small enclave builder and EPC/EPCM snapshots.
 */
#ifndef TESTS_UTIL_CPUHELP_H
#define TESTS_UTIL_CPUHELP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgxemu/enclu.h"
#include "sgxemu/sgxemu.h"

/* The directory named by SGXEMU_TESTVECTORS, or NULL when unset/empty. */
const char *th_vectors_dir(void);
/* "<dir>/<rel>" in a static buffer rotation (valid for a few calls). */
char *th_path(const char *dir, const char *rel);
/* Read a whole file into a malloc'd buffer; NULL on error. */
uint8_t *th_read_file(const char *path, size_t *len);

/* Zeroed memory with the given alignment (size rounded up to it). */
void *th_alloc(size_t align, size_t size);

/* Decode n bytes of hex (exactly 2n digits); -1 on a bad digit or length.
 * Returns the number of bytes decoded when n == 0 (any even length), up to max. */
int th_hex_decode(const char *hex, uint8_t *out, size_t max);
/* Encode n bytes as lowercase hex into out (2n+1 bytes). */
void th_hex_encode(const void *in, size_t n, char *out);

/* A CPU with the default config, stable root key, optional feature spec
 * ("+sgx2,-kss" etc., NULL = defaults). NULL on failure, message in err. */
struct sgx_cpu *th_cpu_new(const char *feature_spec, char *err, size_t errlen);

/* Write the LE-hash MSRs from a 32-byte digest; returns the first failing
 * sgx_wrmsr() result or 0. */
int th_set_lehash(struct sgx_cpu *cpu, const uint8_t digest[32]);

/* Pretty name of a leaf outcome ("0", "SGX error 4", "#GP", "#PF(addr=..)"). */
const char *th_outcome(int ret, const struct sgx_fault *f);

/* ---- a small enclave builder ---- */

struct th_encl {
	struct sgx_cpu *cpu;
	uint64_t secs_frame;
	uint64_t secs;       /* EPC linear address of the SECS */
	uint64_t base, size;
	uint64_t attributes, xfrm;
	uint32_t miscselect;
};

/* A valid SECS image: SIZE, BASEADDR = SIZE, SSAFRAMESIZE 1, MODE64BIT,
 * XFRM 3. The caller may change fields before th_ecreate_raw(). */
struct sgx_secs *th_secs_template(uint64_t size);

/* ECREATE of *secs into frame with PAGEINFO.LINADDR/SECS as given. */
int th_ecreate_raw(struct sgx_cpu *cpu, uint64_t frame, const struct sgx_secs *secs,
		   uint64_t linaddr, uint64_t pi_secs, uint64_t secinfo_flags,
		   struct sgx_fault *f);
/* ECREATE from a template and fill *e. */
int th_ecreate(struct th_encl *e, struct sgx_cpu *cpu, uint64_t frame,
	       const struct sgx_secs *secs, struct sgx_fault *f);
/* EADD of src (4096 bytes, NULL = zeros) at base+offset into frame. */
int th_eadd(struct th_encl *e, uint64_t frame, uint64_t offset, uint64_t secinfo_flags,
	    const void *src, struct sgx_fault *f);
/* 16 EEXTENDs over the page in frame; stops at the first failure. */
int th_eextend_page(struct th_encl *e, uint64_t frame, struct sgx_fault *f);

/* ---- a page table for driving ENCLU without a driver ---- */

#define TH_PT_MAX 64

/* Enclave linear pages and the EPC frames they map to: what the os layer's
 * MMU does, for tests that play the OS themselves. */
struct th_pt {
	size_t n;
	uint64_t la[TH_PT_MAX];
	int64_t frame[TH_PT_MAX];
};

/* sgx_mmu.translate over a struct th_pt (ctx): the frame, or -1 with a
 * not-present #PF. */
int64_t th_pt_translate(void *ctx, uint64_t la, unsigned access, struct sgx_fault *f);
/* Map page la to frame. 0, or -1 when the table is full. */
int th_pt_map(struct th_pt *pt, uint64_t la, uint64_t frame);

/* ---- snapshots of EPC frames, their EPCM entries and MRENCLAVEs ---- */

#define TH_SNAP_MAX 16

struct th_snap {
	size_t n;
	uint64_t frames[TH_SNAP_MAX];
	uint8_t *pages; /* n * 4096 */
	struct sgx_epcm_info epcm[TH_SNAP_MAX];
	int epcm_rc[TH_SNAP_MAX];
	int mr_rc[TH_SNAP_MAX];
	uint8_t mr[TH_SNAP_MAX][32];
	uint64_t children[TH_SNAP_MAX];
};

void th_snap_take(struct th_snap *s, const struct sgx_cpu *cpu, const uint64_t *frames,
		  size_t n);
/* true if equal; else false with a description of the first difference. */
bool th_snap_same(const struct th_snap *a, const struct th_snap *b, char *why, size_t len);
void th_snap_free(struct th_snap *s);

#endif
