/*
 * encls_debug.c - EDBGRD and EDBGWR: the debugger's 8-byte window into the
 * EPC pages of debug enclaves (fact sheet 11.6). Linux uses them for ptrace
 * and /proc/PID/mem access to enclave memory.
 */
#include <string.h>

#include "cpu/encls.h"

/* The architectural TCS fields end at GSLIMIT (offset 72) on a CPU without
 * CET; EDBGRD beyond them is #GP. */
#define SGX_TCS_LIMIT 72

/* The checks both leaves share; on success *e is the target's EPCM entry. */
static int debug_access_check(struct sgx_cpu *cpu, uint64_t rcx, bool write,
			      const struct sgx_epcm **out, struct sgx_fault *f)
{
	const struct sgx_epcm *e;
	int64_t frame;

	if (!is_aligned(rcx, 8))
		return fault_gp(f);
	frame = epc_frame(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, write);
	e = &cpu->epcm[frame];
	if (!e->valid)
		return fault_epcm(f, rcx, write);
	switch (e->type) {
	case SGX_PT_REG:
	case SGX_PT_TCS:
	case SGX_PT_SS_FIRST:
	case SGX_PT_SS_REST:
		break;
	case SGX_PT_VA:
		if (!write)
			break;
		/* EDBGWR never targets a VA page */
		__attribute__((fallthrough));
	default:
		return fault_epcm(f, rcx, write);
	}
	if (e->state & (EPCM_PENDING | EPCM_MODIFIED))
		return SGX_PAGE_NOT_DEBUGGABLE;
	if (e->type == SGX_PT_TCS) {
		uint64_t off = rcx & 0xFFF;

		if (write ? off != offsetof(struct sgx_tcs, flags) : off >= SGX_TCS_LIMIT)
			return fault_gp(f);
	}
	if (e->type != SGX_PT_VA &&
	    !(secs_page(cpu, e->secs)->attributes.flags & SGX_ATTR_DEBUG))
		return fault_gp(f);
	*out = e;
	return 0;
}

int __edbgrd(struct sgx_cpu *cpu, uint64_t *data, uint64_t rcx, struct sgx_fault *f)
{
	const struct sgx_epcm *e;
	uint64_t v;
	int ret = debug_access_check(cpu, rcx, false, &e, f);

	if (ret)
		return ret;
	memcpy(&v, frame_ptr(cpu, epc_frame(cpu, rcx)) + (rcx & 0xFFF), 8);
	/* A VA slot reads as "occupied or not", never as the version itself. */
	if (e->type == SGX_PT_VA)
		v = v ? ~0ull : 0;
	*data = v;
	return 0;
}

int __edbgwr(struct sgx_cpu *cpu, uint64_t data, uint64_t rcx, struct sgx_fault *f)
{
	const struct sgx_epcm *e;
	int ret = debug_access_check(cpu, rcx, true, &e, f);

	if (ret)
		return ret;
	memcpy((uint8_t *)frame_ptr(cpu, epc_frame(cpu, rcx)) + (rcx & 0xFFF), &data, 8);
	return 0;
}
