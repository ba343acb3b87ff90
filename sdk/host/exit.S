/*
 * exit.S - the exit handler sdk_ecall hands to __vdso_sgx_enter_enclave.
 *
 * The vDSO calls it as handler(rdi, rsi, rdx, rsp, r8, r9, run) after every
 * EEXIT or exception, and uses a positive return value as the next ENCLU
 * leaf, entering with the live RDI/RSI. The C part (sdk_host_on_exit)
 * decides the leaf and leaves the RDI/RSI values for that entry in the call
 * context (run->user_data, fields next_rdi/next_rsi at offsets 0 and 8);
 * this wrapper loads them after the C function returns.
 */
#define RUN_USER_DATA 32

	.text
	.globl	sdk_host_exit_handler
	.hidden	sdk_host_exit_handler
	.type	sdk_host_exit_handler, @function
sdk_host_exit_handler:
	.cfi_startproc
	push	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbx, 0
	mov	16(%rsp), %rbx		/* run */
	mov	%rbx, %rcx
	call	sdk_host_on_exit	/* (rdi, rsi, rdx, run) */
	mov	RUN_USER_DATA(%rbx), %rcx
	mov	0(%rcx), %rdi
	mov	8(%rcx), %rsi
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	ret
	.cfi_endproc
	.size	sdk_host_exit_handler, . - sdk_host_exit_handler

/*
 * int sdk_host_enter(rdi, rsi, rdx, function, r8, r9, run)
 *
 * __vdso_sgx_enter_enclave (found in the vDSO by sdk_platform_init, kept
 * in sdk_host_vdso_enter) preserves only RBX and RBP of the callee-saved
 * registers; R12-R15 are the enclave's to keep, and an enclave that gives up
 * (or scrubs them) would corrupt the C caller. Save them here.
 */
	.globl	sdk_host_enter
	.hidden	sdk_host_enter
	.type	sdk_host_enter, @function
sdk_host_enter:
	.cfi_startproc
	push	%r12
	.cfi_adjust_cfa_offset 8
	push	%r13
	.cfi_adjust_cfa_offset 8
	push	%r14
	.cfi_adjust_cfa_offset 8
	push	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %r12, 24
	.cfi_rel_offset %r13, 16
	.cfi_rel_offset %r14, 8
	.cfi_rel_offset %r15, 0
	pushq	40(%rsp)		/* run, the 7th argument */
	.cfi_adjust_cfa_offset 8
	call	*sdk_host_vdso_enter(%rip)	/* __vdso_sgx_enter_enclave */
	add	$8, %rsp
	.cfi_adjust_cfa_offset -8
	pop	%r15
	.cfi_adjust_cfa_offset -8
	pop	%r14
	.cfi_adjust_cfa_offset -8
	pop	%r13
	.cfi_adjust_cfa_offset -8
	pop	%r12
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size	sdk_host_enter, . - sdk_host_enter

	.section .note.GNU-stack, "", @progbits
