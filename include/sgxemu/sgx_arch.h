/*
 * sgx_arch.h - Intel SGX architectural data structures and constants.
 *
 * Everything here is defined by the architecture (fact sheet sections 2-13):
 * layouts are byte-exact, little-endian, and every struct carries
 * static_asserts on its size and on the offset of each field, so a layout
 * mistake is a compile error rather than a wrong MRENCLAVE.
 *
 * The uAPI structs (struct sgx_enclave_*) are NOT redefined here: use
 * <asm/sgx.h>. Names follow the Linux driver's arch.h where one exists.
 */
#ifndef SGXEMU_SGX_ARCH_H
#define SGXEMU_SGX_ARCH_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define SGX_PAGE_SIZE 4096u

/* ---- Leaf numbers (section 1.2, 1.3) ---------------------------------- */

enum sgx_encls_leaf {
	SGX_ECREATE = 0x00,
	SGX_EADD = 0x01,
	SGX_EINIT = 0x02,
	SGX_EREMOVE = 0x03,
	SGX_EDBGRD = 0x04,
	SGX_EDBGWR = 0x05,
	SGX_EEXTEND = 0x06,
	SGX_ELDB = 0x07,
	SGX_ELDU = 0x08,
	SGX_EBLOCK = 0x09,
	SGX_EPA = 0x0A,
	SGX_EWB = 0x0B,
	SGX_ETRACK = 0x0C,
	SGX_EAUG = 0x0D,
	SGX_EMODPR = 0x0E,
	SGX_EMODT = 0x0F,
};

enum sgx_enclu_leaf {
	SGX_EREPORT = 0,
	SGX_EGETKEY = 1,
	SGX_EENTER = 2,
	SGX_ERESUME = 3,
	SGX_EEXIT = 4,
	SGX_EACCEPT = 5,
	SGX_EMODPE = 6,
	SGX_EACCEPTCOPY = 7,
	SGX_EVERIFYREPORT2 = 8,
	SGX_EDECCSSA = 9,
};

/* ---- SGX error codes returned in RAX (section 12) ---------------------- */

enum sgx_return_code {
	SGX_SUCCESS = 0,
	SGX_INVALID_SIG_STRUCT = 1,
	SGX_INVALID_ATTRIBUTE = 2,
	SGX_BLKSTATE = 3,
	SGX_INVALID_MEASUREMENT = 4,
	SGX_NOTBLOCKABLE = 5,
	SGX_PG_INVLD = 6,
	SGX_EPC_PAGE_CONFLICT = 7,
	SGX_INVALID_SIGNATURE = 8,
	SGX_MAC_COMPARE_FAIL = 9,
	SGX_PAGE_NOT_BLOCKED = 10,
	SGX_NOT_TRACKED = 11,
	SGX_VA_SLOT_OCCUPIED = 12,
	SGX_CHILD_PRESENT = 13,
	SGX_ENCLAVE_ACT = 14,
	SGX_ENTRYEPOCH_LOCKED = 15,
	SGX_INVALID_EINITTOKEN = 16,
	SGX_PREV_TRK_INCMPL = 17,
	SGX_PG_IS_SECS = 18,
	SGX_PAGE_ATTRIBUTES_MISMATCH = 19,
	SGX_PAGE_NOT_MODIFIABLE = 20,
	SGX_PAGE_NOT_DEBUGGABLE = 21,
	SGX_INVALID_REPORTMACSTRUCT = 28,
	SGX_INSUFFICIENT_ENTROPY = 29,
	SGX_NO_UPDATE = 31,
	SGX_INVALID_CPUSVN = 32,
	SGX_INVALID_ISVSVN = 64,
	SGX_UNMASKED_EVENT = 128,
	SGX_INVALID_KEYNAME = 256,
};

/* ---- Exception vectors and #PF error-code bits ------------------------- */

enum x86_vector {
	X86_TRAP_DE = 0,
	X86_TRAP_DB = 1,
	X86_TRAP_BP = 3,
	X86_TRAP_OF = 4,
	X86_TRAP_BR = 5,
	X86_TRAP_UD = 6,
	X86_TRAP_NM = 7,
	X86_TRAP_GP = 13,
	X86_TRAP_PF = 14,
	X86_TRAP_MF = 16,
	X86_TRAP_AC = 17,
	X86_TRAP_XM = 19,
	X86_TRAP_CP = 21,
};

#define X86_PF_PROT 0x0001u  /* P: protection violation (page present) */
#define X86_PF_WRITE 0x0002u
#define X86_PF_USER 0x0004u
#define X86_PF_RSVD 0x0008u
#define X86_PF_INSTR 0x0010u
#define X86_PF_PK 0x0020u
#define X86_PF_SGX 0x8000u   /* EPCM-induced fault */

/* ---- Page types and SECINFO (section 2.1, 2.2) ------------------------- */

enum sgx_page_type {
	SGX_PT_SECS = 0,
	SGX_PT_TCS = 1,
	SGX_PT_REG = 2,
	SGX_PT_VA = 3,
	SGX_PT_TRIM = 4,
	SGX_PT_SS_FIRST = 5,
	SGX_PT_SS_REST = 6,
};

#define SGX_SECINFO_R 0x01ull
#define SGX_SECINFO_W 0x02ull
#define SGX_SECINFO_X 0x04ull
#define SGX_SECINFO_PERMISSION_MASK 0x07ull
#define SGX_SECINFO_PENDING 0x08ull
#define SGX_SECINFO_MODIFIED 0x10ull
#define SGX_SECINFO_PR 0x20ull
#define SGX_SECINFO_PAGE_TYPE_SHIFT 8
#define SGX_SECINFO_PAGE_TYPE_MASK (0xFFull << SGX_SECINFO_PAGE_TYPE_SHIFT)
/* Bits the architecture reserves: 7:6 and 63:16. */
#define SGX_SECINFO_RESERVED_MASK (~0xFF3Full)
#define SGX_SECINFO_SECS (SGX_PT_SECS << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_TCS (SGX_PT_TCS << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_REG (SGX_PT_REG << SGX_SECINFO_PAGE_TYPE_SHIFT)
#define SGX_SECINFO_TRIM (SGX_PT_TRIM << SGX_SECINFO_PAGE_TYPE_SHIFT)

struct sgx_secinfo {
	uint64_t flags;
	uint8_t reserved[56];
} __attribute__((aligned(64)));

static_assert(sizeof(struct sgx_secinfo) == 64, "SECINFO size");
static_assert(offsetof(struct sgx_secinfo, flags) == 0, "SECINFO.FLAGS");
static_assert(offsetof(struct sgx_secinfo, reserved) == 8, "SECINFO reserved");

/* ---- PAGEINFO (section 2.3) -------------------------------------------- */

struct sgx_pageinfo {
	uint64_t addr;      /* LINADDR */
	uint64_t contents;  /* SRCPGE */
	uint64_t metadata;  /* SECINFO or PCMD */
	uint64_t secs;
} __attribute__((aligned(32)));

static_assert(sizeof(struct sgx_pageinfo) == 32, "PAGEINFO size");
static_assert(offsetof(struct sgx_pageinfo, addr) == 0, "PAGEINFO.LINADDR");
static_assert(offsetof(struct sgx_pageinfo, contents) == 8, "PAGEINFO.SRCPGE");
static_assert(offsetof(struct sgx_pageinfo, metadata) == 16, "PAGEINFO.SECINFO");
static_assert(offsetof(struct sgx_pageinfo, secs) == 24, "PAGEINFO.SECS");

/* ---- ATTRIBUTES and MISCSELECT (section 3.1, 3.2) ---------------------- */

#define SGX_ATTR_INIT 0x001ull
#define SGX_ATTR_DEBUG 0x002ull
#define SGX_ATTR_MODE64BIT 0x004ull
#define SGX_ATTR_PROVISIONKEY 0x010ull
#define SGX_ATTR_EINITTOKENKEY 0x020ull
#define SGX_ATTR_CET 0x040ull
#define SGX_ATTR_KSS 0x080ull
#define SGX_ATTR_AEXNOTIFY 0x400ull
/* Bits no CPU defines: 3, 8, 9, 63:11. */
#define SGX_ATTR_ARCH_RESERVED (0x308ull | ~0x7FFull)

#define SGX_MISC_EXINFO 0x1u
#define SGX_MISC_CPINFO 0x2u

#define SGX_XFRM_LEGACY 0x3ull /* x87 | SSE: always required */

struct sgx_attributes {
	uint64_t flags;
	uint64_t xfrm;
};

static_assert(sizeof(struct sgx_attributes) == 16, "ATTRIBUTES size");
static_assert(offsetof(struct sgx_attributes, xfrm) == 8, "ATTRIBUTES.XFRM");

/* ---- SECS (section 3) -------------------------------------------------- */

struct sgx_secs {
	uint64_t size;
	uint64_t base;
	uint32_t ssa_frame_size;
	uint32_t miscselect;
	uint64_t cet_leg_bitmap_offset;
	uint8_t cet_attributes;
	uint8_t reserved1[15];
	struct sgx_attributes attributes;
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t reserved4[3834];
} __attribute__((aligned(4096)));

static_assert(sizeof(struct sgx_secs) == 4096, "SECS size");
static_assert(offsetof(struct sgx_secs, size) == 0, "SECS.SIZE");
static_assert(offsetof(struct sgx_secs, base) == 8, "SECS.BASEADDR");
static_assert(offsetof(struct sgx_secs, ssa_frame_size) == 16, "SECS.SSAFRAMESIZE");
static_assert(offsetof(struct sgx_secs, miscselect) == 20, "SECS.MISCSELECT");
static_assert(offsetof(struct sgx_secs, cet_leg_bitmap_offset) == 24, "SECS.CET_LEG");
static_assert(offsetof(struct sgx_secs, cet_attributes) == 32, "SECS.CET_ATTRIBUTES");
static_assert(offsetof(struct sgx_secs, reserved1) == 33, "SECS reserved1");
static_assert(offsetof(struct sgx_secs, attributes) == 48, "SECS.ATTRIBUTES");
static_assert(offsetof(struct sgx_secs, mrenclave) == 64, "SECS.MRENCLAVE");
static_assert(offsetof(struct sgx_secs, reserved2) == 96, "SECS reserved2");
static_assert(offsetof(struct sgx_secs, mrsigner) == 128, "SECS.MRSIGNER");
static_assert(offsetof(struct sgx_secs, reserved3) == 160, "SECS reserved3");
static_assert(offsetof(struct sgx_secs, config_id) == 192, "SECS.CONFIGID");
static_assert(offsetof(struct sgx_secs, isv_prod_id) == 256, "SECS.ISVPRODID");
static_assert(offsetof(struct sgx_secs, isv_svn) == 258, "SECS.ISVSVN");
static_assert(offsetof(struct sgx_secs, config_svn) == 260, "SECS.CONFIGSVN");
static_assert(offsetof(struct sgx_secs, reserved4) == 262, "SECS reserved4");

/* ---- TCS (section 4) --------------------------------------------------- */

#define SGX_TCS_DBGOPTIN 0x1ull
#define SGX_TCS_AEXNOTIFY 0x2ull
#define SGX_TCS_FLAGS_RESERVED (~0x3ull)
#define SGX_TCS_STATE_INACTIVE 0
#define SGX_TCS_STATE_ACTIVE 1

struct sgx_tcs {
	uint64_t state;
	uint64_t flags;
	uint64_t ssa_offset;
	uint32_t ssa_index;   /* CSSA */
	uint32_t nr_ssa_frames;
	uint64_t entry_offset;
	uint64_t exit_addr;   /* AEP */
	uint64_t fs_offset;
	uint64_t gs_offset;
	uint32_t fs_limit;
	uint32_t gs_limit;
	uint8_t reserved[4024];
} __attribute__((aligned(4096)));

static_assert(sizeof(struct sgx_tcs) == 4096, "TCS size");
static_assert(offsetof(struct sgx_tcs, state) == 0, "TCS.STATE");
static_assert(offsetof(struct sgx_tcs, flags) == 8, "TCS.FLAGS");
static_assert(offsetof(struct sgx_tcs, ssa_offset) == 16, "TCS.OSSA");
static_assert(offsetof(struct sgx_tcs, ssa_index) == 24, "TCS.CSSA");
static_assert(offsetof(struct sgx_tcs, nr_ssa_frames) == 28, "TCS.NSSA");
static_assert(offsetof(struct sgx_tcs, entry_offset) == 32, "TCS.OENTRY");
static_assert(offsetof(struct sgx_tcs, exit_addr) == 40, "TCS.AEP");
static_assert(offsetof(struct sgx_tcs, fs_offset) == 48, "TCS.OFSBASE");
static_assert(offsetof(struct sgx_tcs, gs_offset) == 56, "TCS.OGSBASE");
static_assert(offsetof(struct sgx_tcs, fs_limit) == 64, "TCS.FSLIMIT");
static_assert(offsetof(struct sgx_tcs, gs_limit) == 68, "TCS.GSLIMIT");
static_assert(offsetof(struct sgx_tcs, reserved) == 72, "TCS reserved");

/* ---- SSA frame: GPRSGX and MISC.EXINFO (section 5) --------------------- */

#define SGX_SSA_GPRS_SIZE 184u
#define SGX_SSA_MISC_EXINFO_SIZE 16u
#define SGX_XSAVE_LEGACY_SIZE 576u /* XSAVE_size(XFRM = 3) */

#define SGX_EXITINFO_VALID 0x80000000u
#define SGX_EXITINFO_TYPE_HW 3u
#define SGX_EXITINFO_TYPE_SW 6u

struct sgx_gprsgx {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rflags;
	uint64_t rip;
	uint64_t ursp;
	uint64_t urbp;
	uint32_t exitinfo;
	uint8_t reserved[3];
	uint8_t aexnotify;
	uint64_t fsbase;
	uint64_t gsbase;
};

static_assert(sizeof(struct sgx_gprsgx) == SGX_SSA_GPRS_SIZE, "GPRSGX size");
static_assert(offsetof(struct sgx_gprsgx, rax) == 0, "GPRSGX.RAX");
static_assert(offsetof(struct sgx_gprsgx, rcx) == 8, "GPRSGX.RCX");
static_assert(offsetof(struct sgx_gprsgx, rdx) == 16, "GPRSGX.RDX");
static_assert(offsetof(struct sgx_gprsgx, rbx) == 24, "GPRSGX.RBX");
static_assert(offsetof(struct sgx_gprsgx, rsp) == 32, "GPRSGX.RSP");
static_assert(offsetof(struct sgx_gprsgx, rbp) == 40, "GPRSGX.RBP");
static_assert(offsetof(struct sgx_gprsgx, rsi) == 48, "GPRSGX.RSI");
static_assert(offsetof(struct sgx_gprsgx, rdi) == 56, "GPRSGX.RDI");
static_assert(offsetof(struct sgx_gprsgx, r8) == 64, "GPRSGX.R8");
static_assert(offsetof(struct sgx_gprsgx, r15) == 120, "GPRSGX.R15");
static_assert(offsetof(struct sgx_gprsgx, rflags) == 128, "GPRSGX.RFLAGS");
static_assert(offsetof(struct sgx_gprsgx, rip) == 136, "GPRSGX.RIP");
static_assert(offsetof(struct sgx_gprsgx, ursp) == 144, "GPRSGX.URSP");
static_assert(offsetof(struct sgx_gprsgx, urbp) == 152, "GPRSGX.URBP");
static_assert(offsetof(struct sgx_gprsgx, exitinfo) == 160, "GPRSGX.EXITINFO");
static_assert(offsetof(struct sgx_gprsgx, aexnotify) == 167, "GPRSGX.AEXNOTIFY");
static_assert(offsetof(struct sgx_gprsgx, fsbase) == 168, "GPRSGX.FSBASE");
static_assert(offsetof(struct sgx_gprsgx, gsbase) == 176, "GPRSGX.GSBASE");

struct sgx_exinfo {
	uint64_t maddr;
	uint32_t errcd;
	uint32_t reserved;
};

static_assert(sizeof(struct sgx_exinfo) == SGX_SSA_MISC_EXINFO_SIZE, "EXINFO size");
static_assert(offsetof(struct sgx_exinfo, maddr) == 0, "EXINFO.MADDR");
static_assert(offsetof(struct sgx_exinfo, errcd) == 8, "EXINFO.ERRCD");

/* ---- SIGSTRUCT (section 7.1) ------------------------------------------- */

#define SGX_MODULUS_SIZE 384u
#define SGX_SIGSTRUCT_VENDOR_INTEL 0x8086u

struct sgx_sigstruct_header {
	uint8_t header[16];
	uint32_t vendor;
	uint32_t date;
	uint8_t header2[16];
	uint32_t swdefined;
	uint8_t reserved[84];
};

struct sgx_sigstruct_body {
	uint32_t miscselect;
	uint32_t misc_mask;
	uint8_t cet_attributes;
	uint8_t cet_attributes_mask;
	uint8_t reserved1[2];
	uint8_t isv_family_id[16];
	struct sgx_attributes attributes;
	struct sgx_attributes attributes_mask;
	uint8_t mrenclave[32];
	uint8_t reserved2[16];
	uint8_t isv_ext_prod_id[16];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
} __attribute__((packed));

struct sgx_sigstruct {
	struct sgx_sigstruct_header header;
	uint8_t modulus[SGX_MODULUS_SIZE];
	uint32_t exponent;
	uint8_t signature[SGX_MODULUS_SIZE];
	struct sgx_sigstruct_body body;
	uint8_t reserved[12];
	uint8_t q1[SGX_MODULUS_SIZE];
	uint8_t q2[SGX_MODULUS_SIZE];
} __attribute__((packed));

static_assert(sizeof(struct sgx_sigstruct_header) == 128, "SIGSTRUCT header size");
static_assert(sizeof(struct sgx_sigstruct_body) == 128, "SIGSTRUCT body size");
static_assert(sizeof(struct sgx_sigstruct) == 1808, "SIGSTRUCT size");
static_assert(offsetof(struct sgx_sigstruct, header.vendor) == 16, "SIGSTRUCT.VENDOR");
static_assert(offsetof(struct sgx_sigstruct, header.date) == 20, "SIGSTRUCT.DATE");
static_assert(offsetof(struct sgx_sigstruct, header.header2) == 24, "SIGSTRUCT.HEADER2");
static_assert(offsetof(struct sgx_sigstruct, header.swdefined) == 40, "SIGSTRUCT.SWDEFINED");
static_assert(offsetof(struct sgx_sigstruct, header.reserved) == 44, "SIGSTRUCT reserved");
static_assert(offsetof(struct sgx_sigstruct, modulus) == 128, "SIGSTRUCT.MODULUS");
static_assert(offsetof(struct sgx_sigstruct, exponent) == 512, "SIGSTRUCT.EXPONENT");
static_assert(offsetof(struct sgx_sigstruct, signature) == 516, "SIGSTRUCT.SIGNATURE");
static_assert(offsetof(struct sgx_sigstruct, body) == 900, "SIGSTRUCT body");
static_assert(offsetof(struct sgx_sigstruct, body.misc_mask) == 904, "SIGSTRUCT.MISCMASK");
static_assert(offsetof(struct sgx_sigstruct, body.cet_attributes) == 908, "SIGSTRUCT.CET_ATTR");
static_assert(offsetof(struct sgx_sigstruct, body.isv_family_id) == 912, "SIGSTRUCT.ISVFAMILYID");
static_assert(offsetof(struct sgx_sigstruct, body.attributes) == 928, "SIGSTRUCT.ATTRIBUTES");
static_assert(offsetof(struct sgx_sigstruct, body.attributes_mask) == 944, "SIGSTRUCT.ATTRMASK");
static_assert(offsetof(struct sgx_sigstruct, body.mrenclave) == 960, "SIGSTRUCT.ENCLAVEHASH");
static_assert(offsetof(struct sgx_sigstruct, body.reserved2) == 992, "SIGSTRUCT reserved2");
static_assert(offsetof(struct sgx_sigstruct, body.isv_ext_prod_id) == 1008, "SIGSTRUCT.ISVEXTPRODID");
static_assert(offsetof(struct sgx_sigstruct, body.isv_prod_id) == 1024, "SIGSTRUCT.ISVPRODID");
static_assert(offsetof(struct sgx_sigstruct, body.isv_svn) == 1026, "SIGSTRUCT.ISVSVN");
static_assert(offsetof(struct sgx_sigstruct, reserved) == 1028, "SIGSTRUCT reserved3");
static_assert(offsetof(struct sgx_sigstruct, q1) == 1040, "SIGSTRUCT.Q1");
static_assert(offsetof(struct sgx_sigstruct, q2) == 1424, "SIGSTRUCT.Q2");

/* The fixed HEADER and HEADER2 byte strings. */
#define SGX_SIGSTRUCT_HEADER_BYTES \
	{ 0x06, 0, 0, 0, 0xE1, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0 }
#define SGX_SIGSTRUCT_HEADER2_BYTES \
	{ 0x01, 0x01, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 0x01, 0, 0, 0 }

/* ---- EINITTOKEN (section 7.2) ------------------------------------------ */

struct sgx_einittoken {
	uint32_t valid;
	uint8_t reserved1[44];
	struct sgx_attributes attributes;
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t cpusvn_le[16];
	uint16_t isv_prod_id_le;
	uint16_t isv_svn_le;
	uint8_t reserved4[24];
	uint32_t masked_miscselect_le;
	struct sgx_attributes masked_attributes_le;
	uint8_t keyid[32];
	uint8_t mac[16];
} __attribute__((packed, aligned(512)));

#define SGX_EINITTOKEN_SIZE 304u
static_assert(offsetof(struct sgx_einittoken, mac) + 16 == SGX_EINITTOKEN_SIZE, "EINITTOKEN size");
static_assert(offsetof(struct sgx_einittoken, attributes) == 48, "EINITTOKEN.ATTRIBUTES");
static_assert(offsetof(struct sgx_einittoken, mrenclave) == 64, "EINITTOKEN.MRENCLAVE");
static_assert(offsetof(struct sgx_einittoken, mrsigner) == 128, "EINITTOKEN.MRSIGNER");
static_assert(offsetof(struct sgx_einittoken, cpusvn_le) == 192, "EINITTOKEN.CPUSVNLE");
static_assert(offsetof(struct sgx_einittoken, isv_prod_id_le) == 208, "EINITTOKEN.ISVPRODIDLE");
static_assert(offsetof(struct sgx_einittoken, isv_svn_le) == 210, "EINITTOKEN.ISVSVNLE");
static_assert(offsetof(struct sgx_einittoken, masked_miscselect_le) == 236, "EINITTOKEN.MASKEDMISC");
static_assert(offsetof(struct sgx_einittoken, masked_attributes_le) == 240, "EINITTOKEN.MASKEDATTR");
static_assert(offsetof(struct sgx_einittoken, keyid) == 256, "EINITTOKEN.KEYID");
static_assert(offsetof(struct sgx_einittoken, mac) == 288, "EINITTOKEN.MAC");

/* ---- REPORT, TARGETINFO, KEYREQUEST (section 8) ------------------------ */

struct sgx_report_body {
	uint8_t cpusvn[16];
	uint32_t miscselect;
	uint8_t cet_attributes;
	uint8_t reserved1[11];
	uint8_t isv_ext_prod_id[16];
	struct sgx_attributes attributes;
	uint8_t mrenclave[32];
	uint8_t reserved2[32];
	uint8_t mrsigner[32];
	uint8_t reserved3[32];
	uint8_t config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t reserved4[42];
	uint8_t isv_family_id[16];
	uint8_t report_data[64];
} __attribute__((packed));

struct sgx_report {
	struct sgx_report_body body;
	uint8_t keyid[32];
	uint8_t mac[16];
} __attribute__((packed, aligned(512)));

static_assert(sizeof(struct sgx_report_body) == 384, "REPORT body size");
static_assert(offsetof(struct sgx_report, body.miscselect) == 16, "REPORT.MISCSELECT");
static_assert(offsetof(struct sgx_report, body.cet_attributes) == 20, "REPORT.CET_ATTR");
static_assert(offsetof(struct sgx_report, body.isv_ext_prod_id) == 32, "REPORT.ISVEXTPRODID");
static_assert(offsetof(struct sgx_report, body.attributes) == 48, "REPORT.ATTRIBUTES");
static_assert(offsetof(struct sgx_report, body.mrenclave) == 64, "REPORT.MRENCLAVE");
static_assert(offsetof(struct sgx_report, body.mrsigner) == 128, "REPORT.MRSIGNER");
static_assert(offsetof(struct sgx_report, body.config_id) == 192, "REPORT.CONFIGID");
static_assert(offsetof(struct sgx_report, body.isv_prod_id) == 256, "REPORT.ISVPRODID");
static_assert(offsetof(struct sgx_report, body.isv_svn) == 258, "REPORT.ISVSVN");
static_assert(offsetof(struct sgx_report, body.config_svn) == 260, "REPORT.CONFIGSVN");
static_assert(offsetof(struct sgx_report, body.isv_family_id) == 304, "REPORT.ISVFAMILYID");
static_assert(offsetof(struct sgx_report, body.report_data) == 320, "REPORT.REPORTDATA");
static_assert(offsetof(struct sgx_report, keyid) == 384, "REPORT.KEYID");
static_assert(offsetof(struct sgx_report, mac) == 416, "REPORT.MAC");
#define SGX_REPORT_SIZE 432u

struct sgx_targetinfo {
	uint8_t measurement[32];
	struct sgx_attributes attributes;
	uint8_t cet_attributes;
	uint8_t reserved1;
	uint16_t config_svn;
	uint32_t miscselect;
	uint8_t reserved2[8];
	uint8_t config_id[64];
	uint8_t reserved3[384];
} __attribute__((packed, aligned(512)));

static_assert(sizeof(struct sgx_targetinfo) == 512, "TARGETINFO size");
static_assert(offsetof(struct sgx_targetinfo, attributes) == 32, "TARGETINFO.ATTRIBUTES");
static_assert(offsetof(struct sgx_targetinfo, cet_attributes) == 48, "TARGETINFO.CET_ATTR");
static_assert(offsetof(struct sgx_targetinfo, config_svn) == 50, "TARGETINFO.CONFIGSVN");
static_assert(offsetof(struct sgx_targetinfo, miscselect) == 52, "TARGETINFO.MISCSELECT");
static_assert(offsetof(struct sgx_targetinfo, reserved2) == 56, "TARGETINFO reserved2");
static_assert(offsetof(struct sgx_targetinfo, config_id) == 64, "TARGETINFO.CONFIGID");
static_assert(offsetof(struct sgx_targetinfo, reserved3) == 128, "TARGETINFO reserved3");

enum sgx_keyname {
	SGX_KEYNAME_EINITTOKEN = 0,
	SGX_KEYNAME_PROVISION = 1,
	SGX_KEYNAME_PROVISION_SEAL = 2,
	SGX_KEYNAME_REPORT = 3,
	SGX_KEYNAME_SEAL = 4,
};

#define SGX_KEYPOLICY_MRENCLAVE 0x01u
#define SGX_KEYPOLICY_MRSIGNER 0x02u
#define SGX_KEYPOLICY_NOISVPRODID 0x04u
#define SGX_KEYPOLICY_CONFIGID 0x08u
#define SGX_KEYPOLICY_ISVFAMILYID 0x10u
#define SGX_KEYPOLICY_ISVEXTPRODID 0x20u
#define SGX_KEYPOLICY_KSS_MASK 0x3Cu
#define SGX_KEYPOLICY_RESERVED 0xFFC0u

struct sgx_keyrequest {
	uint16_t keyname;
	uint16_t keypolicy;
	uint16_t isv_svn;
	uint16_t reserved1;
	uint8_t cpusvn[16];
	struct sgx_attributes attribute_mask;
	uint8_t keyid[32];
	uint32_t misc_mask;
	uint16_t config_svn;
	uint8_t reserved2[434];
} __attribute__((packed, aligned(512)));

static_assert(sizeof(struct sgx_keyrequest) == 512, "KEYREQUEST size");
static_assert(offsetof(struct sgx_keyrequest, keypolicy) == 2, "KEYREQUEST.KEYPOLICY");
static_assert(offsetof(struct sgx_keyrequest, isv_svn) == 4, "KEYREQUEST.ISVSVN");
static_assert(offsetof(struct sgx_keyrequest, cpusvn) == 8, "KEYREQUEST.CPUSVN");
static_assert(offsetof(struct sgx_keyrequest, attribute_mask) == 24, "KEYREQUEST.ATTRMASK");
static_assert(offsetof(struct sgx_keyrequest, keyid) == 40, "KEYREQUEST.KEYID");
static_assert(offsetof(struct sgx_keyrequest, misc_mask) == 72, "KEYREQUEST.MISCMASK");
static_assert(offsetof(struct sgx_keyrequest, config_svn) == 76, "KEYREQUEST.CONFIGSVN");
static_assert(offsetof(struct sgx_keyrequest, reserved2) == 78, "KEYREQUEST reserved2");

/* ---- PCMD (section 11.3) ----------------------------------------------- */

struct sgx_pcmd {
	struct sgx_secinfo secinfo;
	uint64_t enclave_id;
	uint8_t reserved[40];
	uint8_t mac[16];
} __attribute__((aligned(128)));

static_assert(sizeof(struct sgx_pcmd) == 128, "PCMD size");
static_assert(offsetof(struct sgx_pcmd, enclave_id) == 64, "PCMD.ENCLAVEID");
static_assert(offsetof(struct sgx_pcmd, mac) == 112, "PCMD.MAC");

/* ---- MSRs and CPUID (section 13) --------------------------------------- */

#define MSR_IA32_FEATURE_CONTROL 0x3A
#define FEAT_CTL_LOCKED (1ull << 0)
#define FEAT_CTL_SGX_LC_ENABLED (1ull << 17)
#define FEAT_CTL_SGX_ENABLED (1ull << 18)
#define MSR_IA32_SGXLEPUBKEYHASH0 0x8C
#define MSR_IA32_SGXLEPUBKEYHASH3 0x8F

/* Intel's launch-enclave signer hash: the reset value of the LE-hash MSRs. */
#define SGX_LEPUBKEYHASH_DEFAULT0 0xa6053e051270b7acull
#define SGX_LEPUBKEYHASH_DEFAULT1 0x6cfbe8ba8b3b413dull
#define SGX_LEPUBKEYHASH_DEFAULT2 0xc4916d99f2b3735dull
#define SGX_LEPUBKEYHASH_DEFAULT3 0xd4f8c05909f9bb3bull

#define CPUID_7_EBX_SGX (1u << 2)
#define CPUID_7_ECX_SGX_LC (1u << 30)
#define CPUID_12_EAX_SGX1 (1u << 0)
#define CPUID_12_EAX_SGX2 (1u << 1)
#define CPUID_12_EAX_ENCLV (1u << 5)
#define CPUID_12_EAX_ENCLS_C (1u << 6)
#define CPUID_12_EAX_EVERIFYREPORT2 (1u << 7)
#define CPUID_12_EAX_EUPDATESVN (1u << 10)
#define CPUID_12_EAX_EDECCSSA (1u << 11)

#endif /* SGXEMU_SGX_ARCH_H */
