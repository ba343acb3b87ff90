/*
 * vdso.S - sgx_enter_enclave: __vdso_sgx_enter_enclave with the kernel's
 * exact ABI (fact sheet 14.7).
 *
 *   int fn(rdi, rsi, rdx, unsigned int function (ECX), r8, r9,
 *          struct sgx_enclave_run *run (at 8(%rsp)));
 *
 * Saves RBP and RBX only; RDI, RSI, RDX, R8-R15 and the stack pass to the
 * enclave untouched. EENTER does not trap: it calls into the emulator
 * (sgx_entry_fast_eenter) and jumps to the enclave's entry point. Every
 * other leaf, and ERESUME after an AEX (the AEP is sgx_vdso_aep), executes a
 * real ENCLU at sgx_vdso_enclu, which traps and is emulated. EEXIT returns
 * to sgx_vdso_after_enclu, the "instruction after ENCLU". The trap path
 * redirects a fault it would report for this code to
 * sgx_vdso_handle_exception with RDI = vector, RSI = error code, RDX =
 * address, EAX = leaf, as the kernel's exception fixup does.
 */

#define RUN_TCS			0
#define RUN_FUNCTION		8
#define RUN_EXCEPTION_VECTOR	12
#define RUN_EXCEPTION_ERROR	14
#define RUN_EXCEPTION_ADDR	16
#define RUN_USER_HANDLER	24
#define RUN_OFFSET		16	/* run, relative to %rbp */

#define EENTER	2
#define ERESUME	3
#define EEXIT	4

/* struct fast_eenter_frame (trap.c), built on the stack below the pushes. */
#define FR_TCS		0
#define FR_AEP		8
#define FR_URSP		16
#define FR_URBP		24
#define FR_RIP		32
#define FR_OUT_RIP	40
#define FR_OUT_RAX	48
#define FR_OUT_RCX	56
#define FR_VECTOR	64
#define FR_ERROR	72
#define FR_ADDR		80
#define FR_SIZE		112	/* a multiple of 16, < 128 - 15 */
#define FR_SAVED	56	/* rdi rsi rdx r8 r9 r10 r11 */

	.text
	.globl	sgx_enter_enclave
	.type	sgx_enter_enclave, @function
	.globl	sgx_vdso_aep, sgx_vdso_enclu, sgx_vdso_after_enclu, sgx_vdso_handle_exception
	.hidden	sgx_entry_fast_eenter
	.hidden	sgx_vdso_aep, sgx_vdso_enclu, sgx_vdso_after_enclu, sgx_vdso_handle_exception
sgx_enter_enclave:
	.cfi_startproc
	push	%rbp
	.cfi_adjust_cfa_offset	8
	.cfi_rel_offset		%rbp, 0
	mov	%rsp, %rbp
	.cfi_def_cfa_register	%rbp
	push	%rbx
	.cfi_rel_offset		%rbx, -8

	mov	%ecx, %eax
.Lenter_enclave:
	cmp	$EENTER, %eax
	jb	.Linvalid_input
	cmp	$ERESUME, %eax
	ja	.Linvalid_input

	mov	RUN_OFFSET(%rbp), %rcx
	/* The 216 reserved bytes must be zero. */
	.irp	off, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160, 168, 176, 184, 192, 200, 208, 216, 224, 232, 240, 248
	cmpq	$0, \off(%rcx)
	jne	.Linvalid_input
	.endr

	mov	RUN_TCS(%rcx), %rbx
	lea	sgx_vdso_aep(%rip), %rcx
sgx_vdso_aep:
	cmp	$EENTER, %eax
	jne	sgx_vdso_enclu

	/* EENTER without a trap. One slot for the jump target, then the
	 * registers the C call would clobber, then the frame, 16-byte aligned
	 * whatever RSP is (an exit handler may re-enter with any RSP). */
	mov	%rsp, %rax
	lea	-8(%rsp), %rsp
	push	%rdi
	push	%rsi
	push	%rdx
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	and	$-16, %rsp
	sub	$FR_SIZE, %rsp
	mov	%rax, FR_URSP(%rsp)
	mov	%rbx, FR_TCS(%rsp)
	mov	%rcx, FR_AEP(%rsp)
	mov	%rbp, FR_URBP(%rsp)
	/* EENTER puts "the address after ENCLU" in RCX: make it ours. */
	lea	(sgx_vdso_after_enclu - 3)(%rip), %rax
	mov	%rax, FR_RIP(%rsp)
	mov	%rsp, %rdi
	call	sgx_entry_fast_eenter
	cmp	$2, %eax
	je	.Lfast_eenter_declined
	test	%eax, %eax
	jnz	.Lfast_eenter_fault

	/* The frame ends at most FR_SIZE + 15 < 128 bytes below the pushes:
	 * once RSP is back there it sits in the red zone, where no signal
	 * frame can overwrite it. */
	mov	FR_URSP(%rsp), %rax
	mov	FR_OUT_RIP(%rsp), %rcx
	mov	%rcx, -8(%rax)
	mov	%rsp, %rcx
	lea	-(FR_SAVED + 8)(%rax), %rsp
	mov	FR_OUT_RAX(%rcx), %rax
	mov	FR_OUT_RCX(%rcx), %rcx
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdx
	pop	%rsi
	pop	%rdi
	lea	8(%rsp), %rsp
	/* The target is just below RSP, in the red zone. */
	jmp	*-8(%rsp)

.Lfast_eenter_declined:
	/* Restore everything and execute the real ENCLU[EENTER]. */
	mov	FR_AEP(%rsp), %rcx
	mov	FR_URSP(%rsp), %rax
	lea	-(FR_SAVED + 8)(%rax), %rsp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdx
	pop	%rsi
	pop	%rdi
	lea	8(%rsp), %rsp
	mov	$EENTER, %eax
	jmp	sgx_vdso_enclu

.Lfast_eenter_fault:
	mov	FR_VECTOR(%rsp), %rax
	mov	FR_ERROR(%rsp), %rcx
	mov	FR_ADDR(%rsp), %rbx
	mov	FR_URSP(%rsp), %rdx
	lea	-(FR_SAVED + 8)(%rdx), %rsp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	lea	32(%rsp), %rsp
	mov	%rax, %rdi
	mov	%rcx, %rsi
	mov	%rbx, %rdx
	mov	$EENTER, %eax
	jmp	sgx_vdso_handle_exception

sgx_vdso_enclu:
	.byte	0x0f, 0x01, 0xd7	/* enclu */
sgx_vdso_after_enclu:
	mov	RUN_OFFSET(%rbp), %rbx
	movl	$EEXIT, RUN_FUNCTION(%rbx)

.Lhandle_exit:
	cmpq	$0, RUN_USER_HANDLER(%rbx)
	jne	.Linvoke_userspace_handler
	xor	%eax, %eax

.Lout:
	pop	%rbx
	leave
	.cfi_def_cfa		%rsp, 8
	ret
	.cfi_def_cfa		%rbp, 16

.Linvalid_input:
	mov	$(-22), %eax		/* -EINVAL */
	jmp	.Lout

sgx_vdso_handle_exception:
	mov	RUN_OFFSET(%rbp), %rbx
	mov	%eax, RUN_FUNCTION(%rbx)
	mov	%di, RUN_EXCEPTION_VECTOR(%rbx)
	mov	%si, RUN_EXCEPTION_ERROR(%rbx)
	mov	%rdx, RUN_EXCEPTION_ADDR(%rbx)
	jmp	.Lhandle_exit

.Linvoke_userspace_handler:
	/* handler(rdi, rsi, rdx, rsp at exit, r8, r9, run) */
	mov	%rsp, %rcx
	mov	%rbx, %rax
	/* Remember how far the alignment moves RSP (RBX is callee-saved). */
	mov	%rsp, %rbx
	and	$0xf, %rbx
	and	$-0x10, %rsp
	push	%rax
	push	%rax
	cld
	mov	RUN_USER_HANDLER(%rax), %rax
	lfence
	call	*%rax
	lea	0x10(%rsp, %rbx), %rsp
	/* <= 0 (as a signed int): return it; > 0: the next ENCLU leaf. */
	cmp	$0, %eax
	jle	.Lout
	jmp	.Lenter_enclave
	.cfi_endproc
	.size	sgx_enter_enclave, . - sgx_enter_enclave

	.section .note.GNU-stack, "", @progbits
