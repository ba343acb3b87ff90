/*
 * runtime.c - the C half of the enclave runtime: self-relocation, ecall and
 * exception dispatch, untrusted stack allocation for ocalls, ELRANGE checks.
 */
#include "sdk/enclave.h"
#include "tdata.h"

/* Linker-script and layout.S symbols. */
extern char __enclave_base[], __sdk_image_end[];
extern char __sdk_ssa[];
extern const uint64_t __sdk_layout[4]; /* NUM_TCS, stack, exception stack, NSSA */

struct rela {
	uint64_t offset, info;
	int64_t addend;
};
extern const struct rela __sdk_rela_start[], __sdk_rela_end[];

#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8
#define DEFAULT_HEAP 4096 /* what the loader and `sgxemu sign` add */

struct sdk_ret {
	uint64_t code, value;
};

__attribute__((noreturn)) void sdk_abort(void)
{
	for (;;)
		__asm__ volatile("ud2");
}

/*
 * Apply the R_X86_64_RELATIVE relocations once, whichever TCS enters first;
 * the others wait. Runs before anything that could read a relocated pointer
 * and uses only PC-relative addressing itself.
 */
static int reloc_state; /* 0 none, 1 in progress, 2 done */

static void self_relocate(void)
{
	uint64_t base = (uint64_t)__enclave_base;
	int expected = 0;

	if (__atomic_load_n(&reloc_state, __ATOMIC_ACQUIRE) == 2)
		return;
	if (!__atomic_compare_exchange_n(&reloc_state, &expected, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&reloc_state, __ATOMIC_ACQUIRE) != 2)
			__builtin_ia32_pause();
		return;
	}
	for (const struct rela *r = __sdk_rela_start; r < __sdk_rela_end; r++) {
		uint32_t type = (uint32_t)r->info;

		if (type == R_X86_64_NONE)
			continue;
		if (type != R_X86_64_RELATIVE)
			sdk_abort();
		*(uint64_t *)(base + r->offset) = base + (uint64_t)r->addend;
	}
	__atomic_store_n(&reloc_state, 2, __ATOMIC_RELEASE);
}

uint64_t sdk_enclave_base(void)
{
	return (uint64_t)__enclave_base;
}

/* SECS.SIZE as the loader computes it: 4 KiB doubled until it holds the
 * image and the default heap. */
static uint64_t enclave_size(void)
{
	uint64_t need = (uint64_t)(__sdk_image_end - __enclave_base) + DEFAULT_HEAP, size = 4096;

	if (sdk_elrange_size) /* SDK_ELRANGE_SIZE (sdk/enclave/edmm.c) */
		return sdk_elrange_size;
	while (size < need)
		size <<= 1;
	return size;
}

bool sdk_is_within_enclave(const void *p, size_t len)
{
	uint64_t a = (uint64_t)p, base = sdk_enclave_base(), size = enclave_size();

	return a >= base && len <= size && a - base <= size - len;
}

bool sdk_is_outside_enclave(const void *p, size_t len)
{
	uint64_t a = (uint64_t)p, base = sdk_enclave_base(), end = base + enclave_size();

	if (a + len < a)
		return false;
	return a + len <= base || a >= end;
}

struct sdk_ret sdk_ecall_dispatch(uint64_t number, void *args);

struct sdk_ret sdk_ecall_dispatch(uint64_t number, void *args)
{
	struct sdk_ret ret = { SDK_EXIT_ERROR, 0 };

	self_relocate();
	if (number >= sdk_ecall_count) {
		ret.value = SDK_ERR_BAD_ECALL;
		return ret;
	}
	if (args && !sdk_is_outside_enclave(args, 1)) {
		ret.value = SDK_ERR_BAD_PTR;
		return ret;
	}
	ret.value = (uint64_t)sdk_ecall_table[number](args);
	ret.code = SDK_EXIT_RETURN;
	return ret;
}

/* ---- exceptions ---------------------------------------------------------------- */

static sdk_exception_handler exception_handler;

void sdk_set_exception_handler(sdk_exception_handler h)
{
	__atomic_store_n(&exception_handler, h, __ATOMIC_RELEASE);
}

static struct sgx_gprsgx *ssa_gpr(uint64_t tcs_index, uint64_t frame)
{
	uint8_t *f = (uint8_t *)__sdk_ssa + (tcs_index * __sdk_layout[3] + frame) * 4096;

	return (struct sgx_gprsgx *)(f + 4096 - SGX_SSA_GPRS_SIZE);
}

struct sdk_ret sdk_exception_dispatch(uint64_t cssa);

struct sdk_ret sdk_exception_dispatch(uint64_t cssa)
{
	struct sdk_tdata *t = sdk_tdata();
	sdk_exception_handler h = __atomic_load_n(&exception_handler, __ATOMIC_ACQUIRE);
	struct sdk_exception e;
	struct sdk_ret ret = { SDK_EXIT_EXC_ABORT, 0 };

	self_relocate();
	e.tcs_index = t->index;
	e.gpr = ssa_gpr(t->index, cssa - 1);
	e.exinfo = (struct sgx_exinfo *)((uint8_t *)e.gpr - sizeof(struct sgx_exinfo));
	e.valid = (e.gpr->exitinfo & SGX_EXITINFO_VALID) != 0;
	e.vector = e.gpr->exitinfo & 0xff;
	e.exit_type = (e.gpr->exitinfo >> 8) & 7;
	ret.value = e.gpr->exitinfo;
	/* Only reported exceptions; an AEX caused by an interrupt needs no handler
	 * and a host entering this phase without one gets nothing. */
	if (cssa == 1 && e.valid && h && h(&e) == SDK_EXC_CONTINUE)
		ret.code = SDK_EXIT_EXC_CONT;
	return ret;
}

/* ---- AEX-Notify (see entry.S) ------------------------------------------------- */

static sdk_aex_notify_handler aex_notify_handler;

void sdk_set_aex_notify_handler(sdk_aex_notify_handler h)
{
	__atomic_store_n(&aex_notify_handler, h, __ATOMIC_RELEASE);
}

void sdk_aex_notify_dispatch(uint64_t cssa, uint8_t *frame, uint64_t restarted,
			     uint64_t after_exception);

/* Called by entry.S at CSSA 1 on the exception stack, frame CSSA-1 still
 * holding the AEX'd context. No self_relocate: this may interrupt it. */
void sdk_aex_notify_dispatch(uint64_t cssa, uint8_t *frame, uint64_t restarted,
			     uint64_t after_exception)
{
	sdk_aex_notify_handler h = __atomic_load_n(&aex_notify_handler, __ATOMIC_ACQUIRE);
	const struct sgx_gprsgx *g = (const struct sgx_gprsgx *)(frame + 4096 - SGX_SSA_GPRS_SIZE);
	struct sdk_aex_notification n;

	(void)cssa;
	if (!h)
		return;
	n.tcs_index = sdk_tdata()->index;
	n.exitinfo = g->exitinfo;
	n.restarted = restarted != 0;
	n.after_exception = after_exception != 0;
	/* A restart resumes the context copied at the first notification. */
	n.rip = restarted ? *(const uint64_t *)((uint8_t *)sdk_tdata() + TD_N_GPR + 136) : g->rip;
	h(&n);
}

/* ---- ocalls --------------------------------------------------------------------- */

#define OCALLOC_MAX (256u << 10)

static void set_ursp(struct sdk_tdata *t, uint64_t sp)
{
	/* AEXs push their signal frames below SSA.URSP: keep them below what
	 * the ocall arguments occupy. */
	ssa_gpr(t->index, 0)->ursp = sp;
}

void *sdk_ocalloc(size_t size)
{
	struct sdk_tdata *t = sdk_tdata();
	uint64_t sp = t->usp;

	uint64_t a;

	if (size > OCALLOC_MAX || t->host_rsp - (sp - size) > OCALLOC_MAX)
		return NULL;
	a = (sp - size) & ~15ull;
	/* The ocall's EEXIT leaves with RSP = usp, and the vDSO re-enters from
	 * there: keep it congruent to the host's RSP modulo 16 (sgxemu's vDSO
	 * makes a C call on that stack before re-entering). */
	sp = a - ((16 - (t->host_rsp & 15)) & 15);
	t->usp = sp;
	set_ursp(t, sp);
	return (void *)a;
}

void sdk_ocfree(void)
{
	struct sdk_tdata *t = sdk_tdata();

	t->usp = t->host_rsp;
	set_ursp(t, t->usp);
}

int sdk_printf(const char *fmt, ...)
{
	struct sdk_tdata *t = sdk_tdata();
	uint64_t mark = t->usp;
	char buf[1024];
	char *u;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sdk_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	u = sdk_ocalloc((size_t)n + 1);
	if (!u)
		return -1;
	memcpy(u, buf, (size_t)n + 1);
	n = (int)sdk_ocall_raw(SDK_OCALL_PRINT, u);
	t->usp = mark; /* release only what this call took */
	set_ursp(t, mark);
	return n;
}
