/*
 * probe.S - the run-time test enclave of tests/test_entry_*.c.
 *
 * Layout (enclave offsets; see encl.lds):
 *   0x0000  TCS#0  OSSA 0x4000, NSSA 2, OFSBASE 0x7000, OGSBASE 0x3000
 *   0x1000  TCS#1  OSSA 0x6000, NSSA 1, same entry and FS/GS
 *   0x2000  code                               R|X
 *   0x3000  read-only data ("GS page")         R
 *   0x4000  SSA frames of TCS#0 (2 pages)      R|W
 *   0x6000  SSA frame of TCS#1                 R|W
 *   0x7000  data ("FS page")                   R|W
 *   0x8000  heap, added by the loader; 0x9000 up to the end of ELRANGE
 *           (0x10000) has no EPC page.
 *
 * Entry (EENTER, RAX = CSSA):
 *   CSSA >= 1: exception-handler phase. Copy MISC.EXINFO and GPRSGX of SSA
 *      frame CSSA-1 (200 bytes, from frame + 0xF38) to [RSI], store CSSA at
 *      [RSI+200], add RDX to the saved RIP (0: leave it), then EEXIT.
 *   CSSA = 0: RDI is the op:
 *   0  store RAX RBX RCX RDX RSI RDI RSP RBP R8..R15 as received at EENTER,
 *      then the u64 at FS:0, at GS:0 and the enclave base as the enclave
 *      computes it, to [RSI] (19 u64s);
 *   1  ud2                  (#UD)
 *   2  div by zero          (#DE)
 *   3  byte store to the read-only page at 0x35a8   (#PF)
 *   4  u64 load at 0xb468, inside ELRANGE, no EPC page (#PF)
 *   5  hlt                  (#GP in user mode)
 *   6  int3                 (#BP)
 *   7  [RSI+8] := 1, then spin until the u64 at [RSI] is non-zero
 *   8  copy SSA frame RDX like the handler phase (CSSA 0 at [RSI+200])
 *   9  byte store to the TCS#1 page at 0x1123 (#PF: EPCM, not a PT_REG page)
 *   10 XMM0 := XMM15 := RDX, then ud2 (#UD); once resumed, XMM0 and XMM15
 *      go to [RSI+8] and [RSI+16]. The handler phase copies the frame's
 *      saved XMM0 (XSAVE legacy area, frame + 160) to [RSI+208].
 *   Ops 1-6 and 9 continue after the faulting instruction once it is skipped:
 *   they store RESUMED at [RSI] when RSI != 0.
 * Every op leaves by EEXIT to the RCX received at EENTER. Apart from RAX,
 * RBX and flags, op 0 and op 7 change no register; nothing uses the stack.
 */
	.set	RESUMED, 0x444d555345522121	/* "!!RESUMD" */
	.set	HOLE, 0xb468
	.set	EXINFO_IN_FRAME, 0xf38
	.set	RIP_FROM_EXINFO, 16 + 136
	.set	EEXIT, 4

	.section .tcs, "aw"
	.balign	4096
tcs0:
	.quad	0			/* STATE */
	.quad	0			/* FLAGS */
	.quad	ssa0			/* OSSA */
	.long	0			/* CSSA */
	.long	2			/* NSSA */
	.quad	encl_entry		/* OENTRY */
	.quad	0			/* AEP */
	.quad	fs_page			/* OFSBASE */
	.quad	gs_page			/* OGSBASE */
	.long	0xffffffff		/* FSLIMIT */
	.long	0xffffffff		/* GSLIMIT */
	.fill	4096 - 0x48, 1, 0
tcs1:
	.quad	0
	.quad	0
	.quad	ssa1
	.long	0
	.long	1
	.quad	encl_entry
	.quad	0
	.quad	fs_page
	.quad	gs_page
	.long	0xffffffff
	.long	0xffffffff
	.fill	4096 - 0x48, 1, 0

	.text
	.globl	encl_entry
encl_entry:
	test	%rax, %rax
	jnz	handler
	cmp	$0, %rdi
	je	op_dump
	cmp	$1, %rdi
	je	op_ud
	cmp	$2, %rdi
	je	op_de
	cmp	$3, %rdi
	je	op_ro
	cmp	$4, %rdi
	je	op_hole
	cmp	$5, %rdi
	je	op_gp
	cmp	$6, %rdi
	je	op_bp
	cmp	$7, %rdi
	je	op_spin
	cmp	$8, %rdi
	je	op_frame
	cmp	$9, %rdi
	je	op_tcs
	cmp	$10, %rdi
	je	op_xmm
	jmp	leave

op_dump:
	mov	%rax, 0(%rsi)
	mov	%rbx, 8(%rsi)
	mov	%rcx, 16(%rsi)
	mov	%rdx, 24(%rsi)
	mov	%rsi, 32(%rsi)
	mov	%rdi, 40(%rsi)
	mov	%rsp, 48(%rsi)
	mov	%rbp, 56(%rsi)
	mov	%r8, 64(%rsi)
	mov	%r9, 72(%rsi)
	mov	%r10, 80(%rsi)
	mov	%r11, 88(%rsi)
	mov	%r12, 96(%rsi)
	mov	%r13, 104(%rsi)
	mov	%r14, 112(%rsi)
	mov	%r15, 120(%rsi)
	mov	%fs:0, %rax
	mov	%rax, 128(%rsi)
	mov	%gs:0, %rax
	mov	%rax, 136(%rsi)
	lea	tcs0(%rip), %rax
	mov	%rax, 144(%rsi)
	jmp	leave

op_ud:
	ud2
	jmp	resumed

op_de:
	xor	%r8d, %r8d
	mov	$1, %eax
	xor	%edx, %edx
	div	%r8			/* 49 f7 f0 */
	jmp	resumed

op_ro:
	lea	ro_target(%rip), %rax
	movb	$1, (%rax)		/* c6 00 01 */
	jmp	resumed

op_hole:
	lea	tcs0(%rip), %rax
	add	$HOLE, %rax
	mov	(%rax), %rax		/* 48 8b 00 */
	jmp	resumed

op_tcs:
	lea	tcs1 + 0x123(%rip), %rax
	movb	$1, (%rax)		/* c6 00 01 */
	jmp	resumed

op_xmm:
	movq	%rdx, %xmm0
	movq	%rdx, %xmm15
	ud2
	movq	%xmm0, %rax
	mov	%rax, 8(%rsi)
	movq	%xmm15, %rax
	mov	%rax, 16(%rsi)
	jmp	resumed

op_gp:
	hlt
	jmp	resumed

op_bp:
	int3
	jmp	resumed

op_spin:
	movq	$1, 8(%rsi)
1:	pause
	cmpq	$0, (%rsi)
	je	1b
	jmp	leave

op_frame:
	mov	%rdx, %r8		/* frame index */
	xor	%edx, %edx		/* no RIP change */
	jmp	copy_frame

handler:
	mov	%rax, %r8
	dec	%r8			/* frame CSSA-1 */
copy_frame:
	mov	%rax, 200(%rsi)
	lea	ssa0(%rip), %r9
	lea	tcs0(%rip), %r10
	cmp	%r10, %rbx
	je	1f
	lea	ssa1(%rip), %r9
1:	shl	$12, %r8
	add	%r8, %r9
	mov	160(%r9), %r11		/* saved XMM0, low half */
	mov	%r11, 208(%rsi)
	add	$EXINFO_IN_FRAME, %r9
	add	%rdx, RIP_FROM_EXINFO(%r9)
	xor	%r10d, %r10d
2:	mov	(%r9,%r10,8), %r11
	mov	%r11, (%rsi,%r10,8)
	inc	%r10
	cmp	$25, %r10
	jb	2b
	jmp	leave

resumed:
	test	%rsi, %rsi
	jz	leave
	mov	$RESUMED, %rax
	mov	%rax, (%rsi)
leave:
	mov	%rcx, %rbx
	mov	$EEXIT, %eax
	enclu
	ud2

	.section .rodata, "a"
	.balign	4096
gs_page:
	.ascii	"GS:PROBE"
	.fill	0x5a8 - 8, 1, 0
ro_target:
	.byte	0x5a
	.fill	4096 - 0x5a9, 1, 0

	.data
	.balign	4096
ssa0:
	.fill	2 * 4096, 1, 0
ssa1:
	.fill	4096, 1, 0
fs_page:
	.ascii	"FS:PROBE"
	.fill	4096 - 8, 1, 0
