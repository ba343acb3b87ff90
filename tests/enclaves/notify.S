/*
 * notify.S - the AEX-Notify test enclave of tests/test_aexnotify.c and
 * bench/bench_aex.c.
 *
 * Layout (enclave offsets; see encl.lds):
 *   0x0000  TCS#0  FLAGS.AEXNOTIFY, OSSA 0x4000, NSSA 3, OFSBASE/OGSBASE 0xa000
 *   0x1000  TCS#1  FLAGS 0,          OSSA 0x7000, NSSA 3, OFSBASE/OGSBASE 0xc000
 *   0x2000  code                               R|X
 *   0x3000  read-only page (unused)            R
 *   0x4000  SSA frames 0-2 of TCS#0            R|W
 *   0x7000  SSA frames 0-2 of TCS#1            R|W
 *   0xa000  TCS#0 data page (FS), 0xb000 its stack (top 0xc000)
 *   0xc000  TCS#1 data page (FS), 0xd000 its stack (top 0xe000)
 *
 * Entry (EENTER, or ERESUME of a notifying frame; RAX = CSSA):
 *   CSSA >= 1 and the AEXNOTIFY byte (GPRSGX+167) of frame CSSA-1 set:
 *      the notification handler, Intel style. Clear the byte (AEXs in the
 *      handler are plain ones), count the notification and log RAX, RCX,
 *      EXITINFO and the interrupted RIP in the data page, copy the
 *      interrupted context (GPRSGX and the 576-byte XSAVE area) into the
 *      data page, EDECCSSA, then restore the context from the copy, re-arm
 *      the byte and jump back (restore_begin..restore_end). A notification
 *      that interrupts the restore sequence itself finds the copy intact:
 *      it counts a restart and runs the restore again. MODE bit 0 skips a
 *      ud2 that caused the AEX; MODE bit 1 instead arms the handler's own
 *      frame and executes ud2 without EDECCSSA (SSA exhaustion).
 *   CSSA >= 1, byte clear: the exception phase as in probe.S: copy
 *      MISC.EXINFO and GPRSGX of frame CSSA-1 (200 bytes) to [RSI], CSSA to
 *      [RSI+200], add RDX to the saved RIP, EEXIT.
 *   CSSA = 0: switch to the TCS's stack; RDI is the op:
 *   0  store CSSA at D_ENTRY_RAX, copy the first 256 bytes of the data page
 *      to [RSI]
 *   1  MODE := RDX; arm frame 0 if R8 & 1; ud2; ud2; [RSI] := RESUMED
 *   2  MODE := 0; arm frame 0 if R8 & 1; RDX iterations of a loop mixing
 *      general, stack and SSE state; results to [RSI], [RSI+8], [RSI+16]
 *   3  EDECCSSA at CSSA 0 (#GP); once resumed past it, [RSI] := RESUMED
 *   4  MODE := 0; arm frame 0 if R8 & 1; RDX times ud2 (each skipped by
 *      the notification handler); [RSI] := RESUMED
 *   Every op disarms frame 0, puts the host's RSP/RBP back and EEXITs to
 *   the RCX received at EENTER.
 */
	.set	RESUMED, 0x444d555345522121	/* "!!RESUMD" */
	.set	EEXIT, 4
	.set	EDECCSSA, 9
	.set	GPR, 0xf48			/* GPRSGX in a 1-page frame */
	.set	EXINFO_IN_FRAME, 0xf38
	.set	NOTIFY, GPR + 167
	.set	G_RSP, GPR + 32
	.set	G_RFLAGS, GPR + 128
	.set	G_RIP, GPR + 136
	.set	G_EXITINFO, GPR + 160

	/* Data page. */
	.set	D_COUNT, 0x00
	.set	D_MODE, 0x08
	.set	D_SELF, 0x10
	.set	D_SSA, 0x18
	.set	D_EXIT, 0x20
	.set	D_HRSP, 0x28
	.set	D_HRBP, 0x30
	.set	D_PFRAME, 0x38
	.set	D_LAST_RAX, 0x40
	.set	D_LAST_RCX, 0x48
	.set	D_LAST_EXITINFO, 0x50
	.set	D_LAST_RIP, 0x58
	.set	D_RESTARTS, 0x60
	.set	D_ENTRY_RAX, 0x68
	.set	D_RAXLOG, 0x80			/* 8 entries */
	.set	P_GPR, 0x100			/* rax..r15, rflags, rip */
	.set	P_RAX, P_GPR + 0
	.set	P_RCX, P_GPR + 8
	.set	P_RDX, P_GPR + 16
	.set	P_RBX, P_GPR + 24
	.set	P_RSP, P_GPR + 32
	.set	P_RBP, P_GPR + 40
	.set	P_RSI, P_GPR + 48
	.set	P_RDI, P_GPR + 56
	.set	P_R8, P_GPR + 64
	.set	P_RFLAGS, P_GPR + 128
	.set	P_RIP, P_GPR + 136
	.set	P_XSAVE, 0x200			/* 64-byte aligned */
	.set	XSAVE_LEGACY, 576		/* XFRM 3 */

	.section .tcs, "aw"
	.balign	4096
tcs0:
	.quad	0			/* STATE */
	.quad	2			/* FLAGS: AEXNOTIFY */
	.quad	ssa0			/* OSSA */
	.long	0			/* CSSA */
	.long	3			/* NSSA */
	.quad	encl_entry		/* OENTRY */
	.quad	0			/* AEP */
	.quad	data0			/* OFSBASE */
	.quad	data0			/* OGSBASE */
	.long	0xffffffff
	.long	0xffffffff
	.fill	4096 - 0x48, 1, 0
tcs1:
	.quad	0
	.quad	0			/* FLAGS: none */
	.quad	ssa1
	.long	0
	.long	3
	.quad	encl_entry
	.quad	0
	.quad	data1
	.quad	data1
	.long	0xffffffff
	.long	0xffffffff
	.fill	4096 - 0x48, 1, 0

	.text
	/* For the tests: the loop body and the handler, as enclave offsets. */
	.quad	loop_body, loop_end, notify, restore_end

	.globl	encl_entry
encl_entry:
	cld
	/* R11 = this TCS's SSA, R12 = its data page (= FS base). */
	lea	tcs0(%rip), %r10
	lea	ssa0(%rip), %r11
	lea	data0(%rip), %r12
	cmp	%r10, %rbx
	je	1f
	lea	ssa1(%rip), %r11
	lea	data1(%rip), %r12
1:	mov	%r12, %fs:D_SELF
	mov	%r11, %fs:D_SSA
	test	%rax, %rax
	jnz	cssa_entry

	/* CSSA 0: an op, on the enclave stack. */
	mov	%rcx, %fs:D_EXIT
	mov	%rsp, %fs:D_HRSP
	mov	%rbp, %fs:D_HRBP
	lea	0x2000(%r12), %rsp
	xor	%ebp, %ebp
	cmp	$0, %rdi
	je	op_dump
	cmp	$1, %rdi
	je	op_ud
	cmp	$2, %rdi
	je	op_loop
	cmp	$3, %rdi
	je	op_edec
	cmp	$4, %rdi
	je	op_uds
	jmp	leave

op_dump:
	mov	%rax, %fs:D_ENTRY_RAX
	xor	%ecx, %ecx
1:	mov	(%r12,%rcx,8), %rax
	mov	%rax, (%rsi,%rcx,8)
	inc	%rcx
	cmp	$32, %rcx
	jb	1b
	jmp	leave

arm:	/* frame 0 of this TCS wants notifications if R8 & 1 */
	test	$1, %r8
	jz	1f
	mov	%fs:D_SSA, %rax
	movb	$1, NOTIFY(%rax)
1:	ret

op_ud:
	mov	%rdx, %fs:D_MODE
	call	arm
	ud2
	ud2
	jmp	resumed

op_uds:
	movq	$1, %fs:D_MODE
	call	arm
	mov	%rdx, %rcx
	test	%rcx, %rcx
	jz	resumed
1:	ud2
	dec	%rcx
	jnz	1b
	jmp	resumed

op_loop:
	movq	$0, %fs:D_MODE
	call	arm
	mov	%rdx, %rcx
	movabs	$0x9e3779b97f4a7c15, %rax
	pxor	%xmm0, %xmm0
	xor	%r9d, %r9d
	test	%rcx, %rcx
	jz	2f
loop_body:
	imul	$0x5851f42d, %rax, %rax
	add	%rcx, %rax
	ror	$7, %rax
	movq	%rax, %xmm2
	paddq	%xmm2, %xmm0
	pshufd	$0x4e, %xmm0, %xmm0
	push	%rax
	pop	%r10
	xor	%r10, %r9
	rol	$3, %r9
	dec	%rcx
	jnz	loop_body
loop_end:
2:	mov	%rax, (%rsi)
	movq	%xmm0, %rax
	mov	%rax, 8(%rsi)
	mov	%r9, 16(%rsi)
	jmp	leave

op_edec:
	mov	$EDECCSSA, %eax
	enclu				/* CSSA 0: #GP */
	jmp	resumed

resumed:
	test	%rsi, %rsi
	jz	leave
	movabs	$RESUMED, %rax
	mov	%rax, (%rsi)
leave:
	mov	%fs:D_SSA, %rax
	movb	$0, NOTIFY(%rax)	/* disarm before the host's stack is back */
	mov	%fs:D_HRSP, %rsp
	mov	%fs:D_HRBP, %rbp
	mov	%fs:D_EXIT, %rbx
	mov	$EEXIT, %eax
	enclu
	ud2

cssa_entry:
	/* R8 = frame CSSA-1. */
	lea	-1(%rax), %r8
	shl	$12, %r8
	add	%r11, %r8
	testb	$1, NOTIFY(%r8)
	jnz	notify

	/* The exception phase (probe.S's handler). */
	mov	%rax, 200(%rsi)
	add	$EXINFO_IN_FRAME, %r8
	add	%rdx, G_RIP - EXINFO_IN_FRAME(%r8)
	xor	%r10d, %r10d
2:	mov	(%r8,%r10,8), %r9
	mov	%r9, (%rsi,%r10,8)
	inc	%r10
	cmp	$25, %r10
	jb	2b
	mov	%rcx, %rbx
	mov	$EEXIT, %eax
	enclu
	ud2

notify:
	movb	$0, NOTIFY(%r8)		/* plain AEXs while handling */
	mov	%fs:D_COUNT, %r9
	cmp	$8, %r9
	jae	1f
	mov	%rax, D_RAXLOG(%r12,%r9,8)
1:	inc	%r9
	mov	%r9, %fs:D_COUNT
	mov	%rax, %fs:D_LAST_RAX
	mov	%rcx, %fs:D_LAST_RCX
	mov	G_EXITINFO(%r8), %r9d
	mov	%r9, %fs:D_LAST_EXITINFO
	mov	G_RIP(%r8), %r10
	mov	%r10, %fs:D_LAST_RIP

	testq	$2, %fs:D_MODE
	jz	1f
	/* SSA exhaustion: notify on this frame too, fault, never EDECCSSA. */
	shl	$12, %rax
	add	%r11, %rax
	movb	$1, NOTIFY(%rax)
	ud2

1:	/* Interrupted inside the restore sequence: the copy is still good. */
	lea	restore_begin(%rip), %rax
	cmp	%rax, %r10
	jb	copy
	lea	restore_end(%rip), %rax
	cmp	%rax, %r10
	jae	copy
	incq	%fs:D_RESTARTS
	jmp	pop

copy:
	mov	%r8, %fs:D_PFRAME
	lea	GPR(%r8), %rsi
	lea	P_GPR(%r12), %rdi
	mov	$18, %ecx
	rep movsq
	mov	%r8, %rsi
	lea	P_XSAVE(%r12), %rdi
	mov	$XSAVE_LEGACY / 8, %ecx
	rep movsq
	/* MODE bit 0: step over the ud2 that caused a #UD AEX. */
	testq	$1, %fs:D_MODE
	jz	pop
	cmp	$0x80000306, %r9d	/* VALID | hardware exception | #UD */
	jne	pop
	addq	$2, P_RIP(%r12)

pop:
	mov	$EDECCSSA, %eax
	enclu

	/*
	 * From here to restore_end only the copy in the data page is read, so
	 * the sequence may be interrupted and started over at any point.
	 */
restore_begin:
	mov	%fs:D_SELF, %rbx
	mov	D_PFRAME(%rbx), %rcx
	movb	$1, NOTIFY(%rcx)	/* re-arm */
	mov	$3, %eax
	xor	%edx, %edx
	xrstor	P_XSAVE(%rbx)
	mov	P_RSP(%rbx), %rsp
	sub	$144, %rsp		/* RFLAGS and RIP below the red zone */
	mov	P_RFLAGS(%rbx), %rax
	mov	%rax, (%rsp)
	mov	P_RIP(%rbx), %rax
	mov	%rax, 8(%rsp)
	mov	P_RAX(%rbx), %rax
	mov	P_RCX(%rbx), %rcx
	mov	P_RDX(%rbx), %rdx
	mov	P_RBP(%rbx), %rbp
	mov	P_RSI(%rbx), %rsi
	mov	P_RDI(%rbx), %rdi
	mov	P_R8 + 0(%rbx), %r8
	mov	P_R8 + 8(%rbx), %r9
	mov	P_R8 + 16(%rbx), %r10
	mov	P_R8 + 24(%rbx), %r11
	mov	P_R8 + 32(%rbx), %r12
	mov	P_R8 + 40(%rbx), %r13
	mov	P_R8 + 48(%rbx), %r14
	mov	P_R8 + 56(%rbx), %r15
	mov	P_RBX(%rbx), %rbx
	popfq
	ret	$128
restore_end:

	.section .rodata, "a"
	.balign	4096
	.fill	4096, 1, 0

	.data
	.balign	4096
ssa0:
	.fill	3 * 4096, 1, 0
ssa1:
	.fill	3 * 4096, 1, 0
data0:
	.fill	2 * 4096, 1, 0
data1:
	.fill	2 * 4096, 1, 0
