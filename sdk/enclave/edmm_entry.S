/*
 * edmm_entry.S - the entry point (TCS.OENTRY) of threads added at run time
 * by sdk_thread_add (edmm.c). entry.S finds a thread's data page, stacks
 * and SSA from its TCS index, which only works for the TCS pages that start
 * the image; a dynamic thread instead finds everything through FS (its
 * TCS.OFSBASE is its own data page, prepared by sdk_thread_add): TD_SELF and
 * TD_INDEX are already filled in, the stack tops are at TD_DYN_STACK and
 * TD_DYN_XSTACK. Otherwise the same protocol as entry.S (sdk/abi.h): new
 * ecall, return from an ocall (SDK_ENTER_ORET), or the exception phase.
 */
#include "sdk/abi.h"
#include "tdata.h"

#define TD_DYN_STACK 256
#define TD_DYN_XSTACK 264

	.text
	.globl	__sdk_dyn_entry
	.hidden	__sdk_dyn_entry
	.type	__sdk_dyn_entry, @function
__sdk_dyn_entry:
	cld
	test	%rax, %rax
	jnz	.Ldyn_exception

	mov	%rcx, %fs:TD_EXIT
	movabs	$SDK_ENTER_ORET, %rdx
	cmp	%rdx, %rdi
	je	.Ldyn_oret
	cmpq	$0, %fs:TD_IN_OCALL
	jne	.Ldyn_bad_oret

	mov	%rsp, %fs:TD_HOST_RSP
	mov	%rbp, %fs:TD_HOST_RBP
	mov	%rsp, %fs:TD_USP
	mov	%fs:TD_DYN_STACK, %rsp
	xor	%ebp, %ebp
	call	sdk_ecall_dispatch
	mov	%rax, %rdi
	mov	%rdx, %rsi
	xor	%edx, %edx
	mov	%fs:TD_HOST_RSP, %rsp
	mov	%fs:TD_HOST_RBP, %rbp
	mov	%fs:TD_EXIT, %rbx
	jmp	__sdk_eexit

.Ldyn_oret:
	cmpq	$0, %fs:TD_IN_OCALL
	je	.Ldyn_bad_oret
	movq	$0, %fs:TD_IN_OCALL
	mov	%rsi, %rax
	mov	%fs:TD_ENCL_RSP, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret				/* from sdk_ocall_raw */

.Ldyn_bad_oret:
	mov	$SDK_EXIT_ERROR, %edi
	mov	$SDK_ERR_BAD_ORET, %esi
	xor	%edx, %edx
	mov	%rcx, %rbx
	jmp	__sdk_eexit

.Ldyn_exception:
	mov	%rsp, %fs:TD_X_RSP
	mov	%rbp, %fs:TD_X_RBP
	mov	%rcx, %fs:TD_X_EXIT
	mov	%fs:TD_DYN_XSTACK, %rsp
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
	.size	__sdk_dyn_entry, . - __sdk_dyn_entry

/* The default for enclaves without SDK_ELRANGE_SIZE: no hole. */
	.section .rodata
	.balign	8
	.weak	sdk_elrange_size
	.hidden	sdk_elrange_size
sdk_elrange_size:
	.quad	0

	.section .note.GNU-stack, "", @progbits
