/*
 * probe.c - see probe.h.
 */
#include "probe.h"

#include <asm/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

__asm__(
	"	.text\n"
	"	.globl	probe_enter\n"
	"	.type	probe_enter, @function\n"
	"probe_enter:\n"
	"	push	%rbp\n"
	"	mov	%rsp, %rbp\n"
	"	push	%rbx\n"
	"	push	%r12\n"
	"	push	%r13\n"
	"	push	%r14\n"
	"	push	%r15\n"
	"	pushq	16(%rbp)\n"		/* run, 16-byte aligned for the call */
	"	call	sgx_enter_enclave@PLT\n"
	"	lea	-40(%rbp), %rsp\n"
	"	pop	%r15\n"
	"	pop	%r14\n"
	"	pop	%r13\n"
	"	pop	%r12\n"
	"	pop	%rbx\n"
	"	pop	%rbp\n"
	"	ret\n"
	"	.size	probe_enter, . - probe_enter\n");

uint64_t probe_host_fs(void)
{
	uint64_t v = 0;

	syscall(SYS_arch_prctl, ARCH_GET_FS, &v);
	return v;
}

uint64_t probe_host_gs(void)
{
	uint64_t v = 0;

	syscall(SYS_arch_prctl, ARCH_GET_GS, &v);
	return v;
}
