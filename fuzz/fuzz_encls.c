/*
 * fuzz_encls.c - libFuzzer target for the enclave-build ENCLS leaves.
 *
 * The input is a small program: each operation is one byte (the opcode)
 * followed by the bytes it consumes; reads past the end yield zeros, so an
 * all-zero tail means "the usual, valid choice" and short inputs still do
 * something useful. Every input runs on a fresh CPU with a small EPC
 * (creation is a memfd and two small maps, cheap next to the leaves), which
 * is destroyed at the end so that ASan's leak check covers the CPU too.
 *
 * Operand policy (the CPU contract): non-EPC operands (PAGEINFO, SECINFO,
 * source page, SIGSTRUCT, EINITTOKEN) always point into buffers owned here,
 * at fuzzed offsets - misaligned ones included - that keep every byte the
 * leaf may read inside the buffer; their contents are fuzzed. EPC operands
 * may be any value, inside or outside the EPC.
 *
 * After every leaf the invariants below must hold whatever the input;
 * a violation calls abort() so that libFuzzer reports it:
 *   - the return value is 0, a known SGX error code, or SGX_LEAF_FAULT with
 *     vector 13 (#GP, error code 0) or 14 (#PF), consistent with *fault;
 *   - a failed leaf changes neither the EPCM, nor the running measurement of
 *     any SECS, nor the contents of any valid EPC page;
 *   - a successful leaf changes only what it is supposed to change;
 *   - the EPCM stays consistent: every child points at a valid SECS, whose
 *     child count equals the number of pages that point at it.
 * At the end everything is EREMOVEd (children, then SECS), which must
 * succeed and leave every frame invalid.
 *
 * If SGXEMU_TESTVECTORS is set, the valid SIGSTRUCTs in its ll/ directory
 * are loaded as seeds for EINIT, and the LE-hash MSRs are set to their
 * signer, so that a correctly built enclave (the ll01/ll02 builds are short
 * programs here) can pass EINIT; otherwise EINIT gets raw fuzzed bytes.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "sgxemu/sgxemu.h"

#define NR_FRAMES 24
#define MAX_OPS 96
#define MAX_SEEDS 32

/* ---- input cursor --------------------------------------------------------- */

struct cursor {
	const uint8_t *p;
	size_t left;
};

static uint8_t get8(struct cursor *c)
{
	if (!c->left)
		return 0;
	c->left--;
	return *c->p++;
}

static uint16_t get16(struct cursor *c)
{
	uint16_t lo = get8(c);

	return (uint16_t)(lo | (uint16_t)get8(c) << 8);
}

static uint32_t get32(struct cursor *c)
{
	uint32_t lo = get16(c);

	return lo | (uint32_t)get16(c) << 16;
}

static uint64_t get64(struct cursor *c)
{
	uint64_t lo = get32(c);

	return lo | (uint64_t)get32(c) << 32;
}

/* Copy up to len bytes of input to dst; the rest of dst is left alone. */
static size_t get_bytes(struct cursor *c, void *dst, size_t len)
{
	size_t n = len < c->left ? len : c->left;

	memcpy(dst, c->p, n);
	c->p += n;
	c->left -= n;
	return n;
}

/* ---- seeds ------------------------------------------------------------------ */

static uint8_t seeds[MAX_SEEDS][sizeof(struct sgx_sigstruct)];
static unsigned nr_seeds;
static uint64_t seed_lehash[4];
static int have_lehash;

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_seeds(void)
{
	const char *tv = getenv("SGXEMU_TESTVECTORS");
	char dir[4096], path[8192], *names[MAX_SEEDS];
	unsigned nr_names = 0;
	struct dirent *de;
	DIR *d;

	if (!tv || !*tv)
		return;
	snprintf(dir, sizeof(dir), "%s/ll", tv);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && nr_names < MAX_SEEDS) {
		size_t l = strlen(de->d_name);

		if (l > 10 && !strcmp(de->d_name + l - 10, ".sigstruct"))
			names[nr_names++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, nr_names, sizeof(names[0]), name_cmp);
	for (unsigned i = 0; i < nr_names; i++) {
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fp = fopen(path, "rb");
		if (fp) {
			if (fread(seeds[nr_seeds], 1, sizeof(seeds[0]), fp) == sizeof(seeds[0]))
				nr_seeds++;
			fclose(fp);
		}
		free(names[i]);
	}
	if (nr_seeds) {
		const struct sgx_sigstruct *s = (const void *)seeds[0];
		uint8_t h[32];

		/* The signer becomes the launch-enclave key: its enclaves need
		 * no EINITTOKEN. */
		sgx_mrsigner(s->modulus, h);
		for (int i = 0; i < 4; i++) {
			seed_lehash[i] = 0;
			for (int b = 0; b < 8; b++)
				seed_lehash[i] |= (uint64_t)h[8 * i + b] << (8 * b);
		}
		have_lehash = 1;
	}
	fprintf(stderr, "fuzz_encls: %u seed SIGSTRUCTs from %s\n", nr_seeds, dir);
}

/* ---- owned operand buffers ------------------------------------------------- */

struct bufs {
	uint8_t *pageinfo;  /* 128, 64-aligned: PAGEINFO at offset 0..63 */
	uint8_t *secinfo;   /* 192, 64-aligned: SECINFO at offset 0..127 */
	uint8_t *src;       /* 8192, 4K-aligned: source page at offset 0..4095 */
	uint8_t *sig;       /* 8192, 4K-aligned: SIGSTRUCT at offset 0..4095 */
	uint8_t *token;     /* 1024, 512-aligned: EINITTOKEN at offset 0..511 */
};

static struct bufs B;

static void *xalloc(size_t align, size_t size)
{
	void *p = aligned_alloc(align, size);

	if (!p)
		abort();
	memset(p, 0, size);
	return p;
}

/* The fuzz build does not pass -fno-sanitize-recover: make every UBSan
 * report stop the run, so that libFuzzer records it as a crash. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	load_seeds();
	/* Allocated once and kept for the life of the process. */
	B.pageinfo = xalloc(64, 128);
	B.secinfo = xalloc(64, 192);
	B.src = xalloc(4096, 8192);
	B.sig = xalloc(4096, 8192);
	B.token = xalloc(512, 1024);
	return 0;
}

/* ---- fuzzer state and snapshots -------------------------------------------- */

struct state {
	struct sgx_cpu *cpu;
	uint64_t epc;           /* address of frame 0 */
	int64_t last_secs;      /* most recent ECREATE target, or -1 */
	int64_t last_page;      /* most recent EADD target, or -1 */
};

struct snapshot {
	struct sgx_epcm_info epcm[NR_FRAMES];
	uint8_t mr[NR_FRAMES][32];
	uint64_t children[NR_FRAMES];
	uint8_t page[NR_FRAMES][4096];
};

static struct snapshot before, after;

static void take(const struct state *st, struct snapshot *s)
{
	for (uint64_t i = 0; i < NR_FRAMES; i++) {
		memset(&s->epcm[i], 0, sizeof(s->epcm[i]));
		if (sgx_epcm_query(st->cpu, i, &s->epcm[i]))
			abort();
		memset(s->mr[i], 0, 32);
		s->children[i] = 0;
		if (s->epcm[i].valid && s->epcm[i].type == SGX_PT_SECS) {
			if (sgx_secs_peek_mrenclave(st->cpu, i, s->mr[i]))
				abort();
			s->children[i] = sgx_secs_nr_children(st->cpu, i);
		}
		if (s->epcm[i].valid)
			memcpy(s->page[i], (const void *)(uintptr_t)sgx_epc_frame_addr(st->cpu, i),
			       4096);
	}
}

static bool epcm_eq(const struct sgx_epcm_info *a, const struct sgx_epcm_info *b)
{
	if (a->valid != b->valid)
		return false;
	if (!a->valid)
		return true;
	return a->type == b->type && a->perm == b->perm && a->blocked == b->blocked &&
	       a->pending == b->pending && a->modified == b->modified && a->pr == b->pr &&
	       a->secs_frame == b->secs_frame && a->linaddr == b->linaddr;
}

static void fail(const char *leaf, const char *what, int64_t frame, int ret)
{
	fprintf(stderr, "fuzz_encls: INVARIANT VIOLATED after %s: %s (frame %lld, ret %#x)\n",
		leaf, what, (long long)frame, (unsigned)ret);
	abort();
}

static bool known_error(int ret)
{
	switch (ret) {
	case SGX_INVALID_SIG_STRUCT:
	case SGX_INVALID_ATTRIBUTE:
	case SGX_INVALID_MEASUREMENT:
	case SGX_INVALID_SIGNATURE:
	case SGX_CHILD_PRESENT:
	case SGX_ENCLAVE_ACT:
	case SGX_INVALID_EINITTOKEN:
	case SGX_PAGE_NOT_DEBUGGABLE:
	case SGX_INVALID_CPUSVN:
		return true;
	default:
		return false;
	}
}

/* The return value and *f must describe one legal outcome. */
static void check_ret(const char *leaf, int ret, const struct sgx_fault *f)
{
	if (ret == 0)
		return;
	if (sgx_leaf_faulted(ret)) {
		int v = sgx_leaf_vector(ret);

		if (ret != (SGX_LEAF_FAULT | v) || (v != 13 && v != 14))
			fail(leaf, "fault with an unexpected vector", -1, ret);
		if (f->vector != (uint32_t)v)
			fail(leaf, "fault vector differs from return value", -1, ret);
		if (v == 13 && (f->error_code || f->addr))
			fail(leaf, "#GP with error code or address", -1, ret);
		return;
	}
	if (ret < 0 || !known_error(ret))
		fail(leaf, "unknown return code", -1, ret);
}

/*
 * Compare the state after a leaf with the state before it. `changed` is the
 * one frame whose EPCM/contents the leaf may have changed (-1: none);
 * `mr_changed` the one SECS whose measurement it may have changed (-1: none).
 */
static void compare(const struct state *st, const char *leaf, int ret, int64_t changed,
		    int64_t mr_changed)
{
	take(st, &after);
	for (int64_t i = 0; i < NR_FRAMES; i++) {
		bool secs_before = before.epcm[i].valid && before.epcm[i].type == SGX_PT_SECS;
		bool secs_after = after.epcm[i].valid && after.epcm[i].type == SGX_PT_SECS;

		if (i == changed && ret == 0)
			continue;
		if (!epcm_eq(&before.epcm[i], &after.epcm[i]))
			fail(leaf, ret ? "failed leaf changed the EPCM" :
					 "leaf changed the EPCM of a frame it does not own", i, ret);
		if (before.epcm[i].valid && memcmp(before.page[i], after.page[i], 4096))
			fail(leaf, ret ? "failed leaf changed an EPC page" :
					 "leaf changed an EPC page it does not own", i, ret);
		if (secs_before && secs_after && (i != mr_changed || ret) &&
		    memcmp(before.mr[i], after.mr[i], 32))
			fail(leaf, ret ? "failed leaf changed a measurement" :
					 "leaf changed a measurement it does not own", i, ret);
	}
	/* EPCM consistency. */
	for (int64_t i = 0; i < NR_FRAMES; i++) {
		const struct sgx_epcm_info *e = &after.epcm[i];
		uint64_t n = 0;

		if (e->valid && e->type != SGX_PT_SECS) {
			const struct sgx_epcm_info *s;

			if (e->secs_frame >= NR_FRAMES)
				fail(leaf, "child points outside the EPC", i, ret);
			s = &after.epcm[e->secs_frame];
			if (!s->valid || s->type != SGX_PT_SECS)
				fail(leaf, "child of an invalid SECS", i, ret);
		}
		if (!e->valid || e->type != SGX_PT_SECS)
			continue;
		for (int64_t j = 0; j < NR_FRAMES; j++)
			if (after.epcm[j].valid && after.epcm[j].type != SGX_PT_SECS &&
			    after.epcm[j].secs_frame == (uint64_t)i)
				n++;
		if (n != after.children[i])
			fail(leaf, "SECS child count differs from the EPCM", i, ret);
	}
}

/* ---- operand choice ------------------------------------------------------- */

static uint64_t frame_addr(const struct state *st, uint64_t frame)
{
	return st->epc + frame * 4096;
}

static int64_t first_free(const struct state *st)
{
	for (uint64_t i = 0; i < NR_FRAMES; i++) {
		struct sgx_epcm_info e;

		sgx_epcm_query(st->cpu, i, &e);
		if (!e.valid)
			return (int64_t)i;
	}
	return NR_FRAMES; /* one past the EPC */
}

/*
 * A page address for an EPC operand. kind: 0 = a free frame is the natural
 * choice, 1 = the last SECS, 2 = the last added page. The mode byte lets the
 * input pick any frame, frames just outside the EPC, or any 64-bit value.
 */
static uint64_t pick_page(struct cursor *c, const struct state *st, int kind)
{
	uint8_t m = get8(c);
	int64_t f;

	if (m < 128) {
		switch (kind) {
		case 1:
			f = st->last_secs;
			break;
		case 2:
			f = st->last_page;
			break;
		default:
			f = first_free(st);
			break;
		}
		if (f < 0)
			f = 0;
		return frame_addr(st, (uint64_t)f);
	}
	if (m < 224)
		return frame_addr(st, (uint64_t)(m - 128) % (NR_FRAMES + 2));
	if (m < 240)
		return st->epc - 4096 * (uint64_t)(m - 223); /* just below the EPC */
	return get64(c);
}

static bool frame_of(const struct state *st, uint64_t addr, int64_t *frame)
{
	*frame = sgx_epc_addr_frame(st->cpu, addr);
	return *frame >= 0;
}

/* Offset of a non-EPC operand inside its buffer: usually 0 (aligned). */
static uint64_t pick_off(struct cursor *c, uint64_t max)
{
	uint8_t m = get8(c);

	if (m < 224)
		return 0;
	return get16(c) % max;
}

/* ---- operations ------------------------------------------------------------ */

static int run(struct state *st, const char *leaf, int ret, const struct sgx_fault *f,
	       int64_t changed, int64_t mr_changed)
{
	check_ret(leaf, ret, f);
	compare(st, leaf, ret, changed, mr_changed);
	return ret;
}

static void fill_content(struct cursor *c, uint8_t *page)
{
	uint8_t m = get8(c);
	uint32_t x;

	switch (m % 5) {
	case 0:
		memset(page, 0, 4096);
		break;
	case 1:
		memset(page, get8(c), 4096);
		break;
	case 2:
		for (int i = 0; i < 4096; i++)
			page[i] = (uint8_t)i;
		break;
	case 3:
		x = get32(c) | 1;
		for (int i = 0; i < 4096; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			page[i] = (uint8_t)x;
		}
		break;
	default:
		memset(page, 0, 4096);
		get_bytes(c, page, get16(c) % 4097);
		break;
	}
}

/* Apply a few fuzzed byte writes anywhere in buf[0..len). */
static void flip_bytes(struct cursor *c, uint8_t *buf, size_t len)
{
	unsigned n = get8(c) % 4;

	for (unsigned i = 0; i < n; i++) {
		uint16_t off = get16(c);

		buf[off % len] ^= get8(c);
	}
}

/*
 * The operand structs are built in aligned scratch copies and then copied
 * byte-wise to their (possibly misaligned) place in the owned buffers, so
 * this file itself never accesses a misaligned struct.
 */
static struct sgx_secs secs_tmp;
static struct sgx_tcs page_tmp;

/* Place PAGEINFO/SECINFO at their offsets; returns the PAGEINFO address. */
static uint64_t place_pageinfo(const struct sgx_pageinfo *pi, uint64_t pi_off,
			       const struct sgx_secinfo *si, uint64_t si_off)
{
	memcpy(B.secinfo + si_off, si, sizeof(*si));
	memcpy(B.pageinfo + pi_off, pi, sizeof(*pi));
	return (uint64_t)(uintptr_t)(B.pageinfo + pi_off);
}

static void op_ecreate(struct cursor *c, struct state *st)
{
	uint64_t src_off = pick_off(c, 4096), pi_off = pick_off(c, 64), si_off = pick_off(c, 128);
	struct sgx_secs *s = &secs_tmp;
	struct sgx_pageinfo pi;
	struct sgx_secinfo si;
	uint8_t mask = get8(c);
	uint64_t page, rbx;
	int64_t frame;
	struct sgx_fault f;
	int ret;

	/* The ll01 SECS, then whatever the mask says to fuzz. */
	memset(s, 0, sizeof(*s));
	s->size = 0x2000;
	s->base = 0;
	s->ssa_frame_size = 1;
	s->attributes.flags = SGX_ATTR_MODE64BIT;
	s->attributes.xfrm = SGX_XFRM_LEGACY;
	if (mask & 0x01) {
		uint8_t k = get8(c);

		s->size = k < 64 ? 1ull << k : get64(c);
		s->base = get8(c) < 128 ? s->size * get16(c) : get64(c);
	}
	if (mask & 0x02)
		s->ssa_frame_size = get8(c) < 128 ? get8(c) : get32(c);
	if (mask & 0x04)
		s->attributes.flags = get8(c) < 128 ? get16(c) : get64(c);
	if (mask & 0x08)
		s->attributes.xfrm = get8(c) < 128 ? get16(c) : get64(c);
	if (mask & 0x10)
		s->miscselect = get32(c);
	if (mask & 0x20) {
		s->config_svn = get16(c);
		s->config_id[get8(c) % 64] = get8(c);
	}
	if (mask & 0x40)
		flip_bytes(c, (uint8_t *)s, 4096);
	memset(B.src, 0, 8192);
	memcpy(B.src + src_off, s, sizeof(*s));

	memset(B.pageinfo, 0, 128);
	memset(B.secinfo, 0, 192);
	memset(&pi, 0, sizeof(pi));
	memset(&si, 0, sizeof(si));
	pi.contents = (uint64_t)(uintptr_t)(B.src + src_off);
	pi.metadata = (uint64_t)(uintptr_t)(B.secinfo + si_off);
	si.flags = SGX_SECINFO_SECS;
	if (mask & 0x80) {
		pi.addr = get8(c) < 192 ? 0 : get64(c);
		pi.secs = get8(c) < 192 ? 0 : get64(c);
		si.flags = get8(c) < 128 ? get16(c) : get64(c);
		flip_bytes(c, (uint8_t *)&si, 64);
	}
	rbx = place_pageinfo(&pi, pi_off, &si, si_off);
	page = pick_page(c, st, 0) + (get8(c) < 240 ? 0 : get16(c) % 4096);

	take(st, &before);
	ret = sgx_ecreate(st->cpu, rbx, page, &f);
	frame = -1;
	frame_of(st, page, &frame);
	run(st, "ECREATE", ret, &f, frame, frame);
	if (ret == 0) {
		if (frame < 0 || !after.epcm[frame].valid || after.epcm[frame].type != SGX_PT_SECS ||
		    after.children[frame] != 0)
			fail("ECREATE", "success without a fresh SECS", frame, ret);
		st->last_secs = frame;
	}
}

static void op_eadd(struct cursor *c, struct state *st)
{
	uint64_t src_off = pick_off(c, 4096), pi_off = pick_off(c, 64), si_off = pick_off(c, 128);
	static const uint64_t flags[] = { 0x203, 0x201, 0x205, 0x207, 0x100, 0x107, 0x202, 0x200 };
	struct sgx_pageinfo pi;
	struct sgx_secinfo si;
	uint8_t m = get8(c);
	int64_t frame, secs_frame;
	uint64_t page, secs_addr, base = 0, rbx;
	struct sgx_fault f;
	int ret;

	fill_content(c, (uint8_t *)&page_tmp);
	if (m & 0x10) { /* TCS-shaped: the FS/GS limits a 32-bit enclave needs */
		memset(page_tmp.reserved, 0, sizeof(page_tmp.reserved));
		page_tmp.fs_limit = get8(c) < 200 ? 0xFFF : get32(c);
		page_tmp.gs_limit = get8(c) < 200 ? 0xFFF : get32(c);
		page_tmp.state = get8(c);
		page_tmp.flags = get8(c);
	}
	memset(B.src, 0, 8192);
	memcpy(B.src + src_off, &page_tmp, sizeof(page_tmp));
	memset(B.pageinfo, 0, 128);
	memset(B.secinfo, 0, 192);
	memset(&pi, 0, sizeof(pi));
	memset(&si, 0, sizeof(si));
	secs_addr = pick_page(c, st, 1);
	if (frame_of(st, secs_addr, &secs_frame) && after.epcm[secs_frame].valid &&
	    after.epcm[secs_frame].type == SGX_PT_SECS)
		memcpy(&base, (const uint8_t *)(uintptr_t)frame_addr(st, (uint64_t)secs_frame) +
				      offsetof(struct sgx_secs, base), sizeof(base));
	pi.secs = secs_addr;
	pi.addr = get8(c) < 224 ? base + 4096 * (uint64_t)get8(c) : get64(c);
	pi.contents = (uint64_t)(uintptr_t)(B.src + src_off);
	pi.metadata = (uint64_t)(uintptr_t)(B.secinfo + si_off);
	si.flags = (m & 0x20) ? get64(c) : flags[m % 8];
	if (m & 0x40)
		flip_bytes(c, (uint8_t *)&si, 64);
	if (m & 0x80) {
		/* LINADDR and SECS only: SRCPGE and SECINFO must stay pointers
		 * into our buffers (their offsets are fuzzed above). */
		pi.addr ^= get64(c);
		pi.secs ^= get8(c) < 128 ? (uint64_t)get16(c) : get64(c);
	}
	rbx = place_pageinfo(&pi, pi_off, &si, si_off);
	page = pick_page(c, st, 0) + (get8(c) < 240 ? 0 : get16(c) % 4096);

	take(st, &before);
	ret = sgx_eadd(st->cpu, rbx, page, &f);
	frame = -1;
	frame_of(st, page, &frame);
	run(st, "EADD", ret, &f, frame, secs_frame);
	if (ret == 0) {
		const struct sgx_epcm_info *e = frame >= 0 ? &after.epcm[frame] : NULL;

		if (!e || !e->valid || (e->type != SGX_PT_REG && e->type != SGX_PT_TCS) ||
		    e->secs_frame != (uint64_t)secs_frame ||
		    after.children[secs_frame] != before.children[secs_frame] + 1)
			fail("EADD", "success without a new child page", frame, ret);
		st->last_page = frame;
	}
}

static void do_eextend(struct state *st, uint64_t secs, uint64_t chunk)
{
	struct sgx_fault f;
	int64_t secs_frame = -1;
	int ret;

	frame_of(st, secs, &secs_frame);
	take(st, &before);
	ret = sgx_eextend(st->cpu, secs, chunk, &f);
	run(st, "EEXTEND", ret, &f, -1, secs_frame);
	if (ret == 0 && secs_frame < 0)
		fail("EEXTEND", "success with a SECS outside the EPC", secs_frame, ret);
	if (ret == 0 && !memcmp(before.mr[secs_frame], after.mr[secs_frame], 32))
		fail("EEXTEND", "success without a measurement change", secs_frame, ret);
}

static void op_eextend(struct cursor *c, struct state *st)
{
	uint64_t secs = pick_page(c, st, 1);
	uint64_t chunk = pick_page(c, st, 2);
	uint8_t m = get8(c);

	if (m < 192)
		chunk += 256 * (uint64_t)(m % 16);
	else
		chunk += get16(c) % 4096;
	if (get8(c) >= 240)
		secs += get16(c) % 4096;
	do_eextend(st, secs, chunk);
}

/* The 16 chunks of one page in order: what a loader does for a measured page. */
static void op_eextend_page(struct cursor *c, struct state *st)
{
	uint64_t secs = pick_page(c, st, 1);
	uint64_t page = pick_page(c, st, 2);

	for (uint64_t i = 0; i < 16; i++)
		do_eextend(st, secs, page + 256 * i);
}

static void op_einit(struct cursor *c, struct state *st)
{
	uint8_t m = get8(c);
	uint64_t sig_off = get8(c) < 240 ? 0 : get16(c) % 4096;
	uint64_t tok_off = get8(c) < 240 ? 0 : get16(c) % 512;
	uint8_t *sig = B.sig + sig_off, *tok = B.token + tok_off;
	uint64_t secs;
	int64_t frame = -1;
	struct sgx_fault f;
	int ret;

	memset(B.sig, 0, 8192);
	memset(B.token, 0, 1024);
	if (nr_seeds && (m & 0x80))
		memcpy(sig, seeds[get8(c) % nr_seeds], sizeof(struct sgx_sigstruct));
	else
		get_bytes(c, sig, get16(c) % (sizeof(struct sgx_sigstruct) + 1));
	flip_bytes(c, sig, sizeof(struct sgx_sigstruct));
	if (m & 0x40)
		get_bytes(c, tok, get16(c) % (SGX_EINITTOKEN_SIZE + 1));
	secs = pick_page(c, st, 1);
	if (get8(c) >= 240)
		secs += get16(c) % 4096;

	take(st, &before);
	ret = sgx_einit(st->cpu, (uint64_t)(uintptr_t)sig, secs, (uint64_t)(uintptr_t)tok, &f);
	frame_of(st, secs, &frame);
	/* EINIT may change only the SECS page (INIT, MRENCLAVE, MRSIGNER...). */
	run(st, "EINIT", ret, &f, ret == 0 ? frame : -1, -1);
	if (ret == 0 && frame < 0)
		fail("EINIT", "success with a SECS outside the EPC", frame, ret);
	if (ret == 0) {
		const struct sgx_secs *s = (const void *)(uintptr_t)frame_addr(st, (uint64_t)frame);

		if (!(s->attributes.flags & SGX_ATTR_INIT) ||
		    memcmp(s->mrenclave, after.mr[frame], 32) ||
		    !epcm_eq(&before.epcm[frame], &after.epcm[frame]))
			fail("EINIT", "success without INIT/MRENCLAVE or with an EPCM change",
			     frame, ret);
	}
}

static int do_eremove(struct state *st, uint64_t page)
{
	struct sgx_fault f;
	int64_t frame = -1;
	int ret;

	take(st, &before);
	ret = sgx_eremove(st->cpu, page, &f);
	frame_of(st, page, &frame);
	run(st, "EREMOVE", ret, &f, frame, -1);
	if (ret == 0) {
		if (frame < 0 || after.epcm[frame].valid)
			fail("EREMOVE", "success but the page is still valid", frame, ret);
		if (before.epcm[frame].valid && before.epcm[frame].type != SGX_PT_SECS) {
			uint64_t s = before.epcm[frame].secs_frame;

			if (after.children[s] + 1 != before.children[s])
				fail("EREMOVE", "child count not decremented", frame, ret);
		}
	}
	return ret;
}

static void op_eremove(struct cursor *c, struct state *st)
{
	uint64_t page = pick_page(c, st, get8(c) & 1 ? 1 : 2);

	if (get8(c) >= 240)
		page += get16(c) % 4096;
	do_eremove(st, page);
}

static void op_edbg(struct cursor *c, struct state *st)
{
	uint8_t m = get8(c);
	uint64_t addr = pick_page(c, st, 2), data = 0, back = 0;
	int64_t frame = -1, orig;
	struct sgx_fault f;
	int ret;

	addr += (m & 0x40) ? get16(c) % 4096 : 8 * (uint64_t)(get16(c) % 512);
	frame_of(st, addr, &frame);
	orig = frame;
	if (frame < 0)
		frame = 0; /* indexes snapshots only; see the check below */
	take(st, &before);
	if (m & 0x80) {
		data = get64(c);
		ret = sgx_edbgwr(st->cpu, data, addr, &f);
		run(st, "EDBGWR", ret, &f, ret == 0 ? frame : -1, -1);
		if (ret == 0 && orig < 0)
			fail("EDBGWR", "success outside the EPC", orig, ret);
		if (ret == 0) {
			if (!epcm_eq(&before.epcm[frame], &after.epcm[frame]))
				fail("EDBGWR", "EPCM changed", frame, ret);
			/* Only the 8 bytes written may differ. */
			memcpy(before.page[frame] + (addr & 0xFFF), &data, 8);
			if (memcmp(before.page[frame], after.page[frame], 4096))
				fail("EDBGWR", "bytes outside the target changed", frame, ret);
			take(st, &before);
			ret = sgx_edbgrd(st->cpu, &back, addr, &f);
			run(st, "EDBGRD", ret, &f, -1, -1);
			if (ret == 0 && back != data && after.epcm[frame].type != SGX_PT_VA)
				fail("EDBGRD", "reads back something else than EDBGWR wrote", frame,
				     ret);
		}
	} else {
		ret = sgx_edbgrd(st->cpu, &data, addr, &f);
		run(st, "EDBGRD", ret, &f, -1, -1);
		if (ret == 0 && orig < 0)
			fail("EDBGRD", "success outside the EPC", orig, ret);
		if (ret == 0 && after.epcm[frame].type != SGX_PT_VA &&
		    memcmp(&data, after.page[frame] + (addr & 0xFFF), 8))
			fail("EDBGRD", "returned data differs from the page", frame, ret);
	}
}

static void op_sigverify(struct cursor *c)
{
	uint8_t m = get8(c);
	uint8_t padding[352];

	memset(B.sig, 0, 8192);
	if (nr_seeds && (m & 1))
		memcpy(B.sig, seeds[get8(c) % nr_seeds], sizeof(struct sgx_sigstruct));
	else
		get_bytes(c, B.sig, sizeof(struct sgx_sigstruct));
	flip_bytes(c, B.sig, sizeof(struct sgx_sigstruct));
	/* Any result is fine; it must only not crash (nor leak). */
	(void)sgx_sigstruct_verify((const struct sgx_sigstruct *)B.sig,
				   (m & 2) ? padding : NULL);
}

/* A leaf the CPU does not implement (or no leaf at all) must be #GP. */
static void op_other_leaf(struct cursor *c, struct state *st)
{
	struct sgx_encls_regs r;
	struct sgx_fault f;
	uint32_t leaf = get8(c) < 200 ? 7 + get8(c) % 9 : get32(c);
	int ret;

	if (leaf <= SGX_EEXTEND)
		leaf = 0x10 + leaf;
	memset(B.pageinfo, 0, 128);
	r.rax = leaf;
	r.rbx = (uint64_t)(uintptr_t)B.pageinfo;
	r.rcx = pick_page(c, st, 2);
	r.rdx = (uint64_t)(uintptr_t)B.pageinfo;
	take(st, &before);
	ret = sgx_encls(st->cpu, &r, &f);
	run(st, "ENCLS(other leaf)", ret, &f, -1, -1);
	if (ret != (SGX_LEAF_FAULT | X86_TRAP_GP))
		fail("ENCLS(other leaf)", "unsupported leaf is not #GP", -1, ret);
}

/* Tear down: children first, then the SECS pages; all must go. */
static void remove_all(struct state *st)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint64_t i = 0; i < NR_FRAMES; i++) {
			struct sgx_epcm_info e;

			sgx_epcm_query(st->cpu, i, &e);
			if (!e.valid || (pass == 0) != (e.type != SGX_PT_SECS))
				continue;
			if (do_eremove(st, frame_addr(st, i)))
				fail("EREMOVE", "teardown removal failed", (int64_t)i, -1);
		}
	}
	for (uint64_t i = 0; i < NR_FRAMES; i++) {
		struct sgx_epcm_info e;

		sgx_epcm_query(st->cpu, i, &e);
		if (e.valid)
			fail("teardown", "frame still valid", (int64_t)i, 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = { data, size };
	struct sgx_cpu_config cfg;
	struct state st;

	sgx_cpu_config_default(&cfg);
	cfg.epc_size = NR_FRAMES * 4096;
	memset(cfg.root_key, 0x11, sizeof(cfg.root_key));
	if (sgx_cpu_create(&cfg, &st.cpu))
		abort();
	st.epc = sgx_epc_frame_addr(st.cpu, 0);
	st.last_secs = -1;
	st.last_page = -1;
	if (have_lehash)
		for (uint32_t i = 0; i < 4; i++)
			if (sgx_wrmsr(st.cpu, MSR_IA32_SGXLEPUBKEYHASH0 + i, seed_lehash[i]))
				abort();
	take(&st, &after);

	for (int n = 0; n < MAX_OPS && c.left; n++) {
		switch (get8(&c) % 9) {
		case 0:
			op_ecreate(&c, &st);
			break;
		case 1:
			op_eadd(&c, &st);
			break;
		case 2:
			op_eextend(&c, &st);
			break;
		case 3:
			op_eextend_page(&c, &st);
			break;
		case 4:
			op_einit(&c, &st);
			break;
		case 5:
			op_eremove(&c, &st);
			break;
		case 6:
			op_edbg(&c, &st);
			break;
		case 7:
			op_sigverify(&c);
			break;
		default:
			op_other_leaf(&c, &st);
			break;
		}
	}
	remove_all(&st);
	sgx_cpu_destroy(st.cpu);
	return 0;
}
