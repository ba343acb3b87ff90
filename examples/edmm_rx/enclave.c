/*
 * edmm_rx enclave: its code segment is loaded R|W|X (SECINFO 0x207; see the
 * Makefile's enclave-rwx.lds) and made R|X once running: ECALL_PROTECT asks
 * the host to restrict the pages (RESTRICT_PERMISSIONS, EMODPR) and accepts
 * each with SECINFO REG|PR|R|X (0x225). ECALL_POKE writes into a code page:
 * before the restriction the write goes through; after it, it faults with
 * the SGX bit in the error code (0x8007: EPCM says no write) and the
 * exception handler reports it and skips the write.
 */
#include "sdk/enclave.h"

enum { ECALL_PROTECT, ECALL_POKE };

extern char __sdk_text_start[], __sdk_text_end[]; /* enclave-rwx.lds */
extern char rx_poke_insn[], rx_poke_after[];

/* The write under test: one 3-byte instruction the handler can skip. */
__asm__(".text\n"
	".type rx_poke, @function\n"
	"rx_poke:\n"
	".globl rx_poke_insn\n.hidden rx_poke_insn\n"
	"rx_poke_insn:\n"
	"\tmovq %rsi, (%rdi)\n"
	".globl rx_poke_after\n.hidden rx_poke_after\n"
	"rx_poke_after:\n"
	"\tret\n"
	".size rx_poke, . - rx_poke\n");
void rx_poke(volatile uint64_t *p, uint64_t v);

static uint32_t seen_errcd;
static uint64_t seen_maddr;
static unsigned faults;

static int skip_poke(struct sdk_exception *e)
{
	if (e->vector != X86_TRAP_PF || e->gpr->rip != (uint64_t)rx_poke_insn)
		return SDK_EXC_UNHANDLED;
	faults++;
	seen_errcd = e->exinfo->errcd;
	seen_maddr = e->exinfo->maddr;
	e->gpr->rip = (uint64_t)rx_poke_after;
	return SDK_EXC_CONTINUE;
}

static long ecall_protect(void *unused)
{
	uint64_t len = (uint64_t)(__sdk_text_end - __sdk_text_start);
	long err = 0;

	(void)unused;
	if (sdk_edmm_restrict(__sdk_text_start, len, SGX_SECINFO_R | SGX_SECINFO_X, &err)) {
		sdk_printf("enclave: restricting the code failed (err %ld)\n", err);
		return -1;
	}
	sdk_printf("enclave: code pages 0x%lx..0x%lx (%lu pages) are now R|X: EMODPR by the "
		   "host, EACCEPT 0x225 here\n",
		   (unsigned long)((uint64_t)__sdk_text_start - sdk_enclave_base()),
		   (unsigned long)((uint64_t)__sdk_text_end - sdk_enclave_base()),
		   (unsigned long)(len / 4096));
	return (long)(len / 4096);
}

/* Write the u64 that is already there (the last one of the code segment,
 * alignment padding): harmless if it goes through. Returns the faults. */
static long ecall_poke(void *unused)
{
	uint64_t end = (uint64_t)__sdk_text_end;
	volatile uint64_t *p;

	__asm__("" : "+r"(end)); /* an address, not an array the compiler bounds */
	p = (volatile uint64_t *)(end - 8);
	unsigned before = faults;

	(void)unused;
	sdk_set_exception_handler(skip_poke);
	rx_poke(p, *p);
	sdk_set_exception_handler(NULL);
	if (faults != before) /* no ocalls (printing) in the handler phase: report here */
		sdk_printf("enclave: handler saw #PF at enclave offset 0x%lx, error code 0x%x%s; "
			   "skipped the write\n", (unsigned long)(seen_maddr - sdk_enclave_base()),
			   seen_errcd, (seen_errcd & 0x8000) ? " (SGX bit: the EPCM refused it)" : "");
	sdk_printf("enclave: write to the code page at offset 0x%lx: %s\n",
		   (unsigned long)((uint64_t)p - sdk_enclave_base()),
		   faults == before ? "went through" : "faulted and was skipped");
	return faults - before ? (long)seen_errcd : 0;
}

SDK_ECALLS(ecall_protect, ecall_poke);
