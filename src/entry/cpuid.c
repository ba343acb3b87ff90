/*
 * cpuid.c - CPUID under CPUID faulting (arch_prctl(ARCH_SET_CPUID, 0)).
 *
 * With faulting on, every CPUID of the process raises #GP (SIGSEGV,
 * SI_KERNEL). Outside enclaves sgxemu answers leaf 7's SGX and SGX_LC bits
 * and all of leaf 0x12 from the CPU model and forwards everything else to
 * the real CPU (faulting off for that one instruction). Inside an enclave
 * CPUID is illegal: #UD, an AEX like any other exception.
 */
#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/syscall.h>

#include "entry/entry.h"

bool entry_cpuid_faulting_enable(struct entry_platform *p)
{
	p->cpuid_faulting = raw_syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0, 0, 0) == 0;
	return p->cpuid_faulting;
}

/* Faulting is per thread and inherited across clone and fork, reset at exec. */
static void host_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	raw_syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1, 0, 0);
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
	raw_syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0, 0, 0);
}

void entry_emulate_cpuid(struct entry_platform *p, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t model[4];

	if (leaf == 0x12) {
		sgx_cpuid(p->cpu, leaf, sub, r);
		return;
	}
	host_cpuid(leaf, sub, r);
	if (leaf == 7 && sub == 0) {
		sgx_cpuid(p->cpu, 7, 0, model);
		r[1] = (r[1] & ~CPUID_7_EBX_SGX) | model[1];
		r[2] = (r[2] & ~CPUID_7_ECX_SGX_LC) | model[2];
	}
}
