/*
 * syscall.S - the only places sgxemu's own system calls are made from.
 *
 * Under Syscall User Dispatch (src/preload) the kernel lets system calls
 * through unconditionally when they are issued from one address range; all
 * other `syscall` instructions of the process raise SIGSYS. This section is
 * that range: the raw system-call stub every sgxemu layer uses, the signal
 * restorer of sgxemu's handlers (rt_sigreturn must pass too), and the clone
 * trampoline that starts a new thread under dispatch.
 */
	.section sgxemu_allowed, "ax", @progbits

/* long sgx_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) */
	.globl	sgx_syscall6
	.hidden	sgx_syscall6
	.type	sgx_syscall6, @function
sgx_syscall6:
	.cfi_startproc
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	mov	8(%rsp), %r9
	.globl	sgx_syscall6_insn
	.hidden	sgx_syscall6_insn
sgx_syscall6_insn:
	syscall
	ret
	.cfi_endproc
	.size	sgx_syscall6, . - sgx_syscall6

/* sa_restorer of every handler sgxemu installs. */
	.globl	sgx_sigreturn
	.hidden	sgx_sigreturn
	.type	sgx_sigreturn, @function
sgx_sigreturn:
	mov	$15, %eax	/* __NR_rt_sigreturn */
	syscall
	ud2
	.size	sgx_sigreturn, . - sgx_sigreturn

	.section .note.GNU-stack, "", @progbits
