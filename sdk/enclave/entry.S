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
 *   CSSA >= 1 with frame CSSA-1's AEXNOTIFY byte set (enclaves built with
 *              SDK_AEXNOTIFY=1): an AEX notification, see .Lnotify below.
 *
 * AEX-Notify. Frame 0's AEXNOTIFY byte is set only while enclave code runs
 * on the enclave stack: after the stack switch of an ecall and after an
 * ocall returns; it is cleared before RSP goes back to the host's stack
 * (ecall return, ocall), as the restore below writes below the interrupted
 * RSP. Frame 1's byte is never set, so AEXs at CSSA 1 (the exception phase,
 * the notification handler) are plain ones and NSSA 2 is enough however
 * many AEXs arrive. A CSSA-1 entry whose frame-0 byte is set is either the
 * notifying ERESUME of any AEX or the host's EENTER for a reported exception
 * (EXITINFO.VALID), and after that exception phase asked to resume, the
 * host's ERESUME notifies too: TD_EXC_HANDLED tells that one apart, so the
 * exception handler runs once.
 */
#include "sdk/abi.h"
#include "tdata.h"

#define EEXIT 4
#define EDECCSSA 9
#define SSA_GPR 0xf48			/* GPRSGX in a one-page SSA frame */
#define SSA_RIP (SSA_GPR + 136)
#define SSA_EXITINFO (SSA_GPR + 160)
#define SSA_NOTIFY (SSA_GPR + 167)	/* the frame's AEXNOTIFY byte */
#define XSAVE_COPY 576			/* legacy area + header: XFRM 3 */

/* Frame 0's AEXNOTIFY byte := val, in SDK_AEXNOTIFY builds only (others
 * never touch the SSA). Uses R11 and the flags. */
.macro NOTIFY_SET val
	cmpq	$0, __sdk_aexnotify(%rip)
	je	98f
	mov	%fs:TD_SSA0, %r11
	movb	$\val, SSA_NOTIFY(%r11)
98:
.endm
#define NOTIFY_ARM NOTIFY_SET 1
#define NOTIFY_DISARM NOTIFY_SET 0

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
	/* R10 = this TCS's SSA frame 0. */
	mov	%r8, %r10
	imul	__sdk_layout + 24(%rip), %r10
	shl	$12, %r10
	lea	__sdk_ssa(%rip), %rdx
	add	%rdx, %r10
	mov	%r10, %fs:TD_SSA0
	test	%rax, %rax
	jnz	.Lexception_phase

	mov	%rcx, %fs:TD_EXIT
	movq	$0, %fs:TD_EXC_HANDLED	/* frame 0 is free: nothing to resume */
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
	NOTIFY_ARM
	/* sdk_ecall_dispatch(number, args) returns { exit code, value }. */
	call	sdk_ecall_dispatch
	NOTIFY_DISARM
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
	NOTIFY_ARM
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
	/* R11 = R12 = frame CSSA-1 in SDK_AEXNOTIFY builds, else R12 = 0. */
	xor	%r12d, %r12d
	cmpq	$0, __sdk_aexnotify(%rip)
	je	.Lxphase
	lea	-1(%rax), %r11
	shl	$12, %r11
	add	%r10, %r11
	mov	%r11, %r12
	testb	$1, SSA_NOTIFY(%r11)
	jz	.Lxphase
	cmpq	$0, %fs:TD_EXC_HANDLED
	jne	.Lnotify_handled
	testl	$0x80000000, SSA_EXITINFO(%r11)
	jz	.Lnotify		/* not a reported exception */
.Lxphase:
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
	/* Resuming a frame that notifies: the ERESUME comes back through
	 * .Lnotify_handled, not as a second exception phase. */
	cmp	$SDK_EXIT_EXC_CONT, %rax
	jne	1f
	test	%r12, %r12
	jz	1f
	testb	$1, SSA_NOTIFY(%r12)
	jz	1f
	movq	$1, %fs:TD_EXC_HANDLED
1:	mov	%rax, %rdi
	mov	%rdx, %rsi
	xor	%edx, %edx
	mov	%fs:TD_X_RSP, %rsp
	mov	%fs:TD_X_RBP, %rbp
	mov	%fs:TD_X_EXIT, %rbx
	jmp	__sdk_eexit

/*
 * The notification handler (RAX = CSSA, R8 = TCS index, R11 = frame CSSA-1,
 * whose byte is set; RSP is still the host's). Clear the byte, switch to
 * the exception stack, run the hook (sdk_aex_notify_dispatch), copy the
 * interrupted context (GPRSGX and the XSAVE area) into the data page,
 * EDECCSSA, and restore it from the copy, re-arming the byte. A
 * notification that interrupts the restore sequence (.Lrestore_begin ..
 * .Lrestore_end) finds the copy intact and runs the sequence again.
 */
.Lnotify_handled:
	movq	$0, %fs:TD_EXC_HANDLED
	mov	$1, %r15d		/* after_exception */
	jmp	1f
.Lnotify:
	xor	%r15d, %r15d
1:	movb	$0, SSA_NOTIFY(%r11)	/* plain AEXs until the restore re-arms it */
	lea	1(%r8), %rdx
	imul	__sdk_layout + 16(%rip), %rdx
	lea	__sdk_xstack(%rip), %rsp
	add	%rdx, %rsp
	xor	%ebp, %ebp
	mov	%r11, %r12
	/* R14 = restarted: the AEX interrupted the restore sequence. */
	xor	%r14d, %r14d
	mov	SSA_RIP(%r11), %rdx
	lea	.Lrestore_begin(%rip), %r9
	cmp	%r9, %rdx
	jb	2f
	lea	.Lrestore_end(%rip), %r9
	cmp	%r9, %rdx
	jae	2f
	mov	$1, %r14d
2:	mov	%rax, %rdi
	mov	%r11, %rsi
	mov	%r14, %rdx
	mov	%r15, %rcx
	call	sdk_aex_notify_dispatch	/* (cssa, frame, restarted, after_exception) */
	test	%r14, %r14
	jnz	.Lpop
	mov	%fs:TD_SELF, %rbx
	mov	%r12, TD_N_FRAME(%rbx)
	lea	SSA_GPR(%r12), %rsi
	lea	TD_N_GPR(%rbx), %rdi
	mov	$18, %ecx		/* RAX..R15, RFLAGS, RIP */
	rep movsq
	mov	%r12, %rsi
	lea	TD_N_XSAVE(%rbx), %rdi
	mov	$XSAVE_COPY / 8, %ecx
	rep movsq
.Lpop:
	mov	$EDECCSSA, %eax
	enclu
	/* From here to .Lrestore_end only the copy is read: this may be
	 * interrupted and started over at any point. */
.Lrestore_begin:
	mov	%fs:TD_SELF, %rbx
	mov	TD_N_FRAME(%rbx), %rcx
	movb	$1, SSA_NOTIFY(%rcx)	/* re-arm */
	mov	$3, %eax
	xor	%edx, %edx
	xrstor	TD_N_XSAVE(%rbx)
	mov	TD_N_GPR + 32(%rbx), %rsp
	sub	$144, %rsp		/* RFLAGS and RIP below the red zone */
	mov	TD_N_GPR + 128(%rbx), %rax
	mov	%rax, (%rsp)
	mov	TD_N_GPR + 136(%rbx), %rax
	mov	%rax, 8(%rsp)
	mov	TD_N_GPR + 0(%rbx), %rax
	mov	TD_N_GPR + 8(%rbx), %rcx
	mov	TD_N_GPR + 16(%rbx), %rdx
	mov	TD_N_GPR + 40(%rbx), %rbp
	mov	TD_N_GPR + 48(%rbx), %rsi
	mov	TD_N_GPR + 56(%rbx), %rdi
	mov	TD_N_GPR + 64(%rbx), %r8
	mov	TD_N_GPR + 72(%rbx), %r9
	mov	TD_N_GPR + 80(%rbx), %r10
	mov	TD_N_GPR + 88(%rbx), %r11
	mov	TD_N_GPR + 96(%rbx), %r12
	mov	TD_N_GPR + 104(%rbx), %r13
	mov	TD_N_GPR + 112(%rbx), %r14
	mov	TD_N_GPR + 120(%rbx), %r15
	mov	TD_N_GPR + 24(%rbx), %rbx
	popfq
	ret	$128
.Lrestore_end:
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
	NOTIFY_DISARM			/* before RSP is the host's */
	mov	%rsi, %rdx
	mov	%rdi, %rsi
	mov	$SDK_EXIT_OCALL, %edi
	mov	%fs:TD_USP, %rsp
	mov	%fs:TD_HOST_RBP, %rbp
	mov	%fs:TD_EXIT, %rbx
	jmp	__sdk_eexit
	.size	sdk_ocall_raw, . - sdk_ocall_raw

	.section .note.GNU-stack, "", @progbits
