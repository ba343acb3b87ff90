/*
 * entry.S - the enclave's entry point (TCS.OENTRY), its exits, and ocalls.
 *
 * EENTER arrives here with RAX = CSSA, RBX = the TCS, RCX = the address to
 * EEXIT to, RDI/RSI = the host's arguments (sdk/include/sdk/abi.h), and the
 * host's RSP/RBP, which EENTER leaves untouched: they are saved in the TCS's
 * data page (reached through FS, which EENTER set to BASE + TCS.OFSBASE) and
 * put back before every EEXIT.
 *
 *   CSSA == 0, RDI = ecall number:  switch to the TCS's stack, run the ecall.
 *   CSSA == 0, RDI = SDK_ENTER_ORET: resume the code parked in sdk_ocall.
 *   CSSA >= 1: an exception was taken (AEX into SSA frame CSSA-1); run the
 *              registered handler on the TCS's exception stack, then EEXIT
 *              asking the host to ERESUME (or to give up).
 */
#include "sdk/abi.h"
#include "tdata.h"

#define EEXIT 4

	.section .text.sdk_entry, "ax"
	.globl	__sdk_entry
	.type	__sdk_entry, @function
__sdk_entry:
	cld
	/* RDX = TCS index = (RBX - base) / 4096: the TCS pages start the image. */
	lea	__enclave_base(%rip), %rdx
	mov	%rbx, %r8
	sub	%rdx, %r8
	shr	$12, %r8
	/* R9 = this TCS's data page; record it for %fs:TD_SELF users. */
	mov	%r8, %r9
	shl	$12, %r9
	lea	__sdk_tdata(%rip), %rdx
	add	%rdx, %r9
	mov	%r9, %fs:TD_SELF
	mov	%r8, %fs:TD_INDEX
	test	%rax, %rax
	jnz	.Lexception_phase

	mov	%rcx, %fs:TD_EXIT
	movabs	$SDK_ENTER_ORET, %rdx
	cmp	%rdx, %rdi
	je	.Loret
	cmpq	$0, %fs:TD_IN_OCALL
	jne	.Lbad_oret		/* a new ecall on a TCS parked in an ocall */

	/* A new ecall. */
	mov	%rsp, %fs:TD_HOST_RSP
	mov	%rbp, %fs:TD_HOST_RBP
	mov	%rsp, %fs:TD_USP
	/* RSP = top of this TCS's stack = __sdk_stack + (index + 1) * size. */
	lea	1(%r8), %rax
	imul	__sdk_layout + 8(%rip), %rax
	lea	__sdk_stack(%rip), %rsp
	add	%rax, %rsp
	xor	%ebp, %ebp
	/* sdk_ecall_dispatch(number, args) returns { exit code, value }. */
	call	sdk_ecall_dispatch
	mov	%rax, %rdi
	mov	%rdx, %rsi
	xor	%edx, %edx
	mov	%fs:TD_HOST_RSP, %rsp
	mov	%fs:TD_HOST_RBP, %rbp
	mov	%fs:TD_EXIT, %rbx
	jmp	__sdk_eexit

.Loret:
	cmpq	$0, %fs:TD_IN_OCALL
	je	.Lbad_oret
	movq	$0, %fs:TD_IN_OCALL
	mov	%rsi, %rax		/* the ocall's return value */
	mov	%fs:TD_ENCL_RSP, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret				/* from sdk_ocall */

.Lbad_oret:
	/* The host's RSP/RBP are still live: leave with them. */
	mov	$SDK_EXIT_ERROR, %edi
	mov	$SDK_ERR_BAD_ORET, %esi
	xor	%edx, %edx
	mov	%rcx, %rbx
	jmp	__sdk_eexit

.Lexception_phase:
	mov	%rsp, %fs:TD_X_RSP
	mov	%rbp, %fs:TD_X_RBP
	mov	%rcx, %fs:TD_X_EXIT
	lea	1(%r8), %rdx
	imul	__sdk_layout + 16(%rip), %rdx
	lea	__sdk_xstack(%rip), %rsp
	add	%rdx, %rsp
	xor	%ebp, %ebp
	mov	%rax, %rdi		/* CSSA */
	call	sdk_exception_dispatch
	mov	%rax, %rdi
	mov	%rdx, %rsi
	xor	%edx, %edx
	mov	%fs:TD_X_RSP, %rsp
	mov	%fs:TD_X_RBP, %rbp
	mov	%fs:TD_X_EXIT, %rbx
	jmp	__sdk_eexit
	.size	__sdk_entry, . - __sdk_entry

/*
 * EEXIT to RBX with RDI/RSI/RDX as the result; RSP/RBP must already be the
 * host's. Everything else is scrubbed: general registers, the flags and the
 * SSE registers (the crypto code keeps round keys there).
 */
	.globl	__sdk_eexit
	.hidden	__sdk_eexit
	.type	__sdk_eexit, @function
__sdk_eexit:
	xor	%ecx, %ecx
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	xor	%r12d, %r12d
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
	pxor	%xmm4, %xmm4
	pxor	%xmm5, %xmm5
	pxor	%xmm6, %xmm6
	pxor	%xmm7, %xmm7
	pxor	%xmm8, %xmm8
	pxor	%xmm9, %xmm9
	pxor	%xmm10, %xmm10
	pxor	%xmm11, %xmm11
	pxor	%xmm12, %xmm12
	pxor	%xmm13, %xmm13
	pxor	%xmm14, %xmm14
	pxor	%xmm15, %xmm15
	/* Clear the arithmetic flags (the xor above did) and DF. */
	cld
	mov	$EEXIT, %eax
	enclu
	ud2
	.size	__sdk_eexit, . - __sdk_eexit

/*
 * long sdk_ocall_raw(unsigned long number, void *untrusted_args)
 *
 * Park the enclave context on this TCS (callee-saved registers on the
 * enclave stack, RSP in the TCS data), EEXIT with SDK_EXIT_OCALL on the
 * untrusted stack below what sdk_ocalloc handed out, and come back here
 * through .Loret when the host re-enters with SDK_ENTER_ORET.
 */
	.text
	.globl	sdk_ocall_raw
	.type	sdk_ocall_raw, @function
sdk_ocall_raw:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %fs:TD_ENCL_RSP
	movq	$1, %fs:TD_IN_OCALL
	mov	%rsi, %rdx
	mov	%rdi, %rsi
	mov	$SDK_EXIT_OCALL, %edi
	mov	%fs:TD_USP, %rsp
	mov	%fs:TD_HOST_RBP, %rbp
	mov	%fs:TD_EXIT, %rbx
	jmp	__sdk_eexit
	.size	sdk_ocall_raw, . - sdk_ocall_raw

	.section .note.GNU-stack, "", @progbits
