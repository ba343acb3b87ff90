/*
 * edmm.c - SGX2 support for enclave code: the EACCEPT / EACCEPTCOPY /
 * EMODPE leaves, host-assisted page changes through the SDK_OCALL_EDMM
 * ocall, a dynamic heap in the hole of ELRANGE above the image, and threads
 * added at run time (see sdk/include/sdk/enclave.h).
 */
#include "sdk/edmm_abi.h"
#include "sdk/enclave.h"
#include "tdata.h"

#define PAGE 4096ull
#define DEFAULT_HEAP 4096 /* the loader's unmeasured heap page after the image */

/* sdk_elrange_size: an enclave's SDK_ELRANGE_SIZE, else the weak 0 of
 * edmm_entry.S (defined there: GCC folds a weak const defined in C). */

extern char __enclave_base[], __sdk_image_end[];
extern uint8_t __sdk_ssa[];
extern const uint64_t __sdk_layout[4]; /* NUM_TCS, stack, exception stack, NSSA */
extern char __sdk_dyn_entry[];         /* edmm_entry.S */

/* ---- the leaves ---------------------------------------------------------------- */

static uint64_t enclu(uint64_t leaf, uint64_t rbx, uint64_t rcx, uint64_t rdx)
{
	__asm__ volatile("enclu" : "+a"(leaf) : "b"(rbx), "c"(rcx), "d"(rdx) : "memory", "cc");
	return leaf;
}

int sdk_eaccept(void *page, uint64_t secinfo_flags)
{
	struct sgx_secinfo si = { .flags = secinfo_flags };

	return (int)enclu(SGX_EACCEPT, (uint64_t)&si, (uint64_t)page, 0);
}

int sdk_eacceptcopy(void *page, const void *src, uint64_t secinfo_flags)
{
	struct sgx_secinfo si = { .flags = secinfo_flags };

	return (int)enclu(SGX_EACCEPTCOPY, (uint64_t)&si, (uint64_t)page, (uint64_t)src);
}

void sdk_emodpe(void *page, uint64_t secinfo_flags)
{
	struct sgx_secinfo si = { .flags = secinfo_flags };

	enclu(SGX_EMODPE, (uint64_t)&si, (uint64_t)page, 0);
}

/* ---- counters ------------------------------------------------------------------ */

static struct sdk_edmm_stats stats;

static void count(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

void sdk_edmm_get_stats(struct sdk_edmm_stats *out)
{
	out->accepted = __atomic_load_n(&stats.accepted, __ATOMIC_RELAXED);
	out->trimmed = __atomic_load_n(&stats.trimmed, __ATOMIC_RELAXED);
	out->restricted = __atomic_load_n(&stats.restricted, __ATOMIC_RELAXED);
	out->tcs_made = __atomic_load_n(&stats.tcs_made, __ATOMIC_RELAXED);
}

int sdk_eaccept_range(void *p, size_t len, uint64_t flags, void **bad)
{
	uint8_t *a = p;

	for (size_t off = 0; off < len; off += PAGE) {
		int r = sdk_eaccept(a + off, flags);

		if (r) {
			if (bad)
				*bad = a + off;
			return r;
		}
	}
	return 0;
}

/* ---- host-assisted changes ----------------------------------------------------- */

static bool range_ok(const void *p, size_t len)
{
	return len && !((uint64_t)p % PAGE) && !(len % PAGE) && sdk_is_within_enclave(p, len);
}

/* One SDK_OCALL_EDMM; 0 if the host says the whole range was done. */
static int edmm_ocall(uint64_t op, const void *p, size_t len, uint64_t arg, long *err)
{
	struct sdk_tdata *t = sdk_tdata();
	uint64_t mark = t->usp;
	struct sdk_edmm_req *req = sdk_ocalloc(sizeof(*req));
	struct sdk_edmm_req copy;

	if (!req) {
		if (err)
			*err = 12; /* ENOMEM */
		return -1;
	}
	copy = (struct sdk_edmm_req){ .op = op, .offset = (uint64_t)p - sdk_enclave_base(),
				      .length = len, .arg = arg };
	memcpy(req, &copy, sizeof(copy));
	sdk_ocall_raw(SDK_OCALL_EDMM, req);
	memcpy(&copy, req, sizeof(copy)); /* untrusted: used for messages only */
	t->usp = mark; /* release the request (the saved URSP may stay below) */
	if (copy.err || copy.count != len) {
		if (err)
			*err = copy.err ? copy.err : 5; /* EIO: a short count */
		return -1;
	}
	return 0;
}

static int accept_or_fail(void *p, size_t len, uint64_t flags, long *err)
{
	int r = sdk_eaccept_range(p, len, flags, NULL);

	if (r && err)
		*err = -r;
	return r ? -1 : 0;
}

int sdk_edmm_trim(void *p, size_t len, long *err)
{
	if (!range_ok(p, len))
		return -1;
	if (edmm_ocall(SDK_EDMM_MODTYPE, p, len, SGX_PT_TRIM, err) ||
	    accept_or_fail(p, len, SDK_SI_TRIM_MODIFIED, err))
		return -1;
	/* The pages are gone for the enclave once accepted as TRIM; whether the
	 * host frees them is its business (REMOVE_PAGES). */
	count(&stats.trimmed, len / PAGE);
	return edmm_ocall(SDK_EDMM_REMOVE, p, len, 0, err);
}

int sdk_edmm_restrict(void *p, size_t len, uint64_t perm, long *err)
{
	if (!range_ok(p, len) || (perm & ~7ull))
		return -1;
	if (edmm_ocall(SDK_EDMM_RESTRICT, p, len, perm, err) ||
	    accept_or_fail(p, len, SDK_SI_REG_PR | perm, err))
		return -1;
	count(&stats.restricted, len / PAGE);
	return 0;
}

int sdk_edmm_make_tcs(void *page, long *err)
{
	if (!range_ok(page, PAGE))
		return -1;
	if (edmm_ocall(SDK_EDMM_MODTYPE, page, PAGE, SGX_PT_TCS, err) ||
	    accept_or_fail(page, PAGE, SDK_SI_TCS_MODIFIED, err))
		return -1;
	count(&stats.tcs_made, 1);
	return 0;
}

/* ---- the dynamic heap ---------------------------------------------------------- */

static int heap_lock;
static uint64_t heap_brk; /* 0 until first use: the heap start */

static void lock(void)
{
	while (__atomic_exchange_n(&heap_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&heap_lock, 0, __ATOMIC_RELEASE);
}

void *sdk_heap_start(void)
{
	uint64_t end = (uint64_t)(__sdk_image_end - __enclave_base) + DEFAULT_HEAP;

	return (void *)(sdk_enclave_base() + ((end + PAGE - 1) & ~(PAGE - 1)));
}

size_t sdk_heap_max(void)
{
	uint64_t start = (uint64_t)sdk_heap_start() - sdk_enclave_base();

	return sdk_elrange_size > start ? sdk_elrange_size - start : 0;
}

size_t sdk_heap_committed(void)
{
	uint64_t b = __atomic_load_n(&heap_brk, __ATOMIC_RELAXED);

	return b ? b - (uint64_t)sdk_heap_start() : 0;
}

void *sdk_sbrk(intptr_t delta)
{
	uint64_t start = (uint64_t)sdk_heap_start(), max = sdk_heap_max(), old, n;
	void *ret = (void *)-1;

	lock();
	if (!heap_brk)
		heap_brk = start;
	old = heap_brk;
	if (delta >= 0) {
		n = ((uint64_t)delta + PAGE - 1) & ~(PAGE - 1);
		if (n <= max - (old - start)) {
			/* The first touch of each page is the EACCEPT: the driver EAUGs
			 * it on the way (a #PF handled before the enclave sees it). A
			 * failure keeps what was accepted, below the failing page. */
			void *bad = NULL;

			if (!n || !sdk_eaccept_range((void *)old, n, SDK_SI_REG_RW_PENDING, &bad)) {
				heap_brk = old + n;
				ret = (void *)old;
			} else {
				heap_brk = (uint64_t)bad;
			}
			count(&stats.accepted, (heap_brk - old) / PAGE);
		}
	} else {
		n = ((uint64_t)-delta + PAGE - 1) & ~(PAGE - 1);
		if (n <= old - start && !sdk_edmm_trim((void *)(old - n), n, NULL)) {
			heap_brk = old - n;
			ret = (void *)old;
		}
	}
	unlock();
	return ret;
}

/* ---- threads added at run time --------------------------------------------------- */

/* The dynamic thread's data page: struct sdk_tdata, then what
 * __sdk_dyn_entry needs (offsets shared with edmm_entry.S). */
#define TD_DYN_STACK 256
#define TD_DYN_XSTACK 264
_Static_assert(sizeof(struct sdk_tdata) <= TD_DYN_STACK, "tdata grew into the dyn fields");

#define DYN_STACK_PAGES 16
#define DYN_XSTACK_PAGES 4

int sdk_thread_add(uint64_t *tcs_offset, long *err)
{
	uint64_t nssa = __sdk_layout[3], frame_set = nssa * PAGE, base = sdk_enclave_base();
	/* TCS, data page, up to one pad page, SSA frames, stacks. */
	uint64_t pages = 3 + nssa + DYN_STACK_PAGES + DYN_XSTACK_PAGES;
	uint8_t *blk = sdk_sbrk((intptr_t)(pages * PAGE)), *tcs, *td, *ssa, *stack, *xstack;
	uint64_t *f;

	if (blk == (void *)-1)
		return -1;
	tcs = blk;
	td = blk + PAGE;
	/* The runtime finds SSA frame k of thread index i at
	 * __sdk_ssa + (i * NSSA + k) * 4096 (runtime.c ssa_gpr): place the
	 * frames where some index i lands, and give the thread that index. */
	ssa = blk + 2 * PAGE;
	if ((uint64_t)(ssa - __sdk_ssa) % frame_set)
		ssa += PAGE * (nssa - ((uint64_t)(ssa - __sdk_ssa) % frame_set) / PAGE);
	stack = ssa + frame_set;
	xstack = stack + DYN_STACK_PAGES * PAGE;
	if (xstack + DYN_XSTACK_PAGES * PAGE > blk + pages * PAGE)
		sdk_abort();

	memset(td, 0, PAGE);
	((struct sdk_tdata *)td)->self = (uint64_t)td;
	((struct sdk_tdata *)td)->index = (uint64_t)(ssa - __sdk_ssa) / frame_set;
	*(uint64_t *)(td + TD_DYN_STACK) = (uint64_t)xstack; /* stack grows down to `stack` */
	*(uint64_t *)(td + TD_DYN_XSTACK) = (uint64_t)xstack + DYN_XSTACK_PAGES * PAGE;
	(void)stack;
#ifdef TD_SSA0
	*(uint64_t *)(td + TD_SSA0) = (uint64_t)ssa; /* entry.S's AEX-Notify bookkeeping */
#endif

	/* The TCS fields (fact sheet 4), written while it is still a REG page;
	 * EACCEPT checks them (reserved 0, CSSA < NSSA, AEP and STATE 0). */
	memset(tcs, 0, PAGE);
	f = (uint64_t *)tcs;
	f[2] = (uint64_t)ssa - base;                     /* OSSA */
	f[3] = nssa << 32;                               /* CSSA 0, NSSA */
	f[4] = (uint64_t)__sdk_dyn_entry - base;         /* OENTRY */
	f[6] = (uint64_t)td - base;                      /* OFSBASE */
	f[7] = (uint64_t)td - base;                      /* OGSBASE */
	f[8] = 0xffffffffffffffffull;                    /* FSLIMIT, GSLIMIT */
	if (sdk_edmm_make_tcs(tcs, err))
		return -1;
	*tcs_offset = (uint64_t)tcs - base;
	return 0;
}
