/*
 * exception enclave: ecall 0 divides by zero (#DE), executes UD2 (#UD) and
 * reads an unmapped address (#PF). Each fault is an AEX; the host enters the
 * handler phase, where the handler below reads the SSA frame (EXITINFO,
 * MISC.EXINFO, RIP), skips the faulting instruction by decoding its length,
 * and asks the host to ERESUME. The ecall then reports what was caught.
 */
#include "sdk/enclave.h"

struct caught {
	uint32_t vector, errcd;
	uint64_t rip_offset, maddr, len;
};

static struct caught log[8];
static unsigned nlog;

/* Length of the few instructions the ecall below faults on; 0 = unknown. */
static unsigned insn_length(const uint8_t *p)
{
	unsigned n = 0;

	if (p[0] == 0x0f && p[1] == 0x0b) /* ud2 */
		return 2;
	if ((p[0] & 0xf0) == 0x40) /* REX */
		n = 1;
	if (p[n] == 0xf7 || p[n] == 0x8b) {
		/* div/idiv r/m (F7 /6, /7) or mov r, r/m (8B) with a register
		 * operand or a plain [reg] memory operand. */
		uint8_t modrm = p[n + 1], mod = modrm >> 6, rm = modrm & 7;

		if (mod == 3 || (mod == 0 && rm != 4 && rm != 5))
			return n + 2;
	}
	return 0;
}

static int handler(struct sdk_exception *e)
{
	struct caught *c;
	unsigned len;

	if (e->vector != X86_TRAP_DE && e->vector != X86_TRAP_UD && e->vector != X86_TRAP_PF)
		return SDK_EXC_UNHANDLED;
	if (!sdk_is_within_enclave((void *)e->gpr->rip, 16))
		return SDK_EXC_UNHANDLED;
	len = insn_length((const uint8_t *)e->gpr->rip);
	if (!len || nlog == sizeof(log) / sizeof(log[0]))
		return SDK_EXC_UNHANDLED;
	c = &log[nlog++];
	c->vector = e->vector;
	c->rip_offset = e->gpr->rip - sdk_enclave_base();
	c->len = len;
	c->errcd = e->vector == X86_TRAP_PF ? e->exinfo->errcd : 0;
	c->maddr = e->vector == X86_TRAP_PF ? e->exinfo->maddr : 0;
	e->gpr->rip += len; /* resume after the faulting instruction */
	return SDK_EXC_CONTINUE;
}

static const char *name(uint32_t v)
{
	return v == X86_TRAP_DE ? "#DE" : v == X86_TRAP_UD ? "#UD" : v == X86_TRAP_PF ? "#PF" : "?";
}

static void report(const char *what)
{
	struct caught *c = &log[nlog - 1];

	sdk_printf("enclave: %-22s -> handler saw %s (vector %u) at enclave offset 0x%lx, "
		   "skipped %lu bytes", what, name(c->vector), c->vector, c->rip_offset, c->len);
	if (c->vector == X86_TRAP_PF)
		sdk_printf(", EXINFO maddr=0x%lx errcd=0x%x", c->maddr, c->errcd);
	sdk_printf("\n");
}

static long ecall_faults(void *unused)
{
	uint64_t a = 7, q;
	unsigned before;

	(void)unused;
	sdk_set_exception_handler(handler);
	nlog = 0;

	before = nlog;
	/* 7 / 0: the divide leaves RAX alone when it faults and is skipped. */
	__asm__ volatile("xor %%ecx, %%ecx\n\tdiv %%rcx" : "+a"(a) : "d"(0ull) : "rcx", "cc", "memory");
	if (nlog == before)
		return -1;
	report("div %rcx with rcx = 0");

	before = nlog;
	__asm__ volatile("ud2" : : : "memory");
	if (nlog == before)
		return -2;
	report("ud2");

	before = nlog;
	q = 0x1234;
	__asm__ volatile("mov (%1), %0" : "+r"(q) : "r"(0x10ull) : "memory");
	if (nlog == before)
		return -3;
	report("mov (0x10), %reg");

	sdk_printf("enclave: still running after %u exceptions (RAX after the skipped div: %lu, "
		   "register after the skipped load: 0x%lx)\n", nlog, a, q);
	return nlog;
}

SDK_ECALLS(ecall_faults);
