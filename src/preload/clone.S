/*
 * clone.S - starting a thread under Syscall User Dispatch.
 *
 * Dispatch is per thread and not inherited by clone(), so a new thread must
 * switch it on before it runs a single application instruction. The parent
 * (in the SIGSYS handler) puts a struct clone_start, the application's
 * registers at its clone, just below the child's stack pointer and makes
 * the child start on it; the child calls preload_child_start(), then loads
 * those registers (RAX = 0) and continues where the application's clone
 * returns. Lives in the allowed region: its syscalls must pass.
 */
#define CS_RSP		32
#define CS_RIP		128
#define CS_RFLAGS	136

	.section sgxemu_allowed, "ax", @progbits

/* long sgx_clone_thread(flags, child_sp (= the struct clone_start), ptid, ctid, tls) */
	.globl	sgx_clone_thread
	.hidden	sgx_clone_thread
	.type	sgx_clone_thread, @function
sgx_clone_thread:
	mov	%rcx, %r10
	mov	$56, %eax		/* __NR_clone */
	syscall
	test	%rax, %rax
	jz	.Lchild
	ret
	.size	sgx_clone_thread, . - sgx_clone_thread

/* long sgx_clone3_thread(struct clone_args *, size): stack + stack_size is the
 * struct clone_start */
	.globl	sgx_clone3_thread
	.hidden	sgx_clone3_thread
	.type	sgx_clone3_thread, @function
sgx_clone3_thread:
	mov	$435, %eax		/* __NR_clone3 */
	syscall
	test	%rax, %rax
	jz	.Lchild
	ret
	.size	sgx_clone3_thread, . - sgx_clone3_thread

.Lchild:
	mov	%rsp, %rbx		/* struct clone_start */
	xor	%ebp, %ebp
	and	$-16, %rsp
	mov	%rbx, %rdi
	call	preload_child_start

	mov	%rbx, %rax
	mov	CS_RSP(%rax), %rcx
	mov	CS_RIP(%rax), %rdx
	mov	%rdx, -8(%rcx)		/* the target RIP and RFLAGS go just below */
	mov	CS_RFLAGS(%rax), %rdx	/* the application's stack pointer, where */
	mov	%rdx, -16(%rcx)		/* nothing else lives yet */
	mov	8(%rax), %rcx
	mov	16(%rax), %rdx
	mov	24(%rax), %rbx
	mov	40(%rax), %rbp
	mov	48(%rax), %rsi
	mov	56(%rax), %rdi
	mov	64(%rax), %r8
	mov	72(%rax), %r9
	mov	80(%rax), %r10
	mov	88(%rax), %r11
	mov	96(%rax), %r12
	mov	104(%rax), %r13
	mov	112(%rax), %r14
	mov	120(%rax), %r15
	mov	CS_RSP(%rax), %rsp
	mov	$0, %eax		/* the child's clone() result; no flags change */
	lea	-16(%rsp), %rsp
	popfq
	lea	8(%rsp), %rsp
	jmp	*-8(%rsp)

	.section .note.GNU-stack, "", @progbits
