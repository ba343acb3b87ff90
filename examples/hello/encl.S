# encl.S - the hello enclave bundled with the sgxemu demo.
#
# Layout (enclave offsets; the loader appends a 4 KiB heap at 0x3000):
#   0x0000  TCS page   (first PT_LOAD, R|W -> PT_TCS, SECINFO 0x100)
#   0x1000  code page  (R|X -> SECINFO 0x205)
#   0x2000  data page  (R|W -> SECINFO 0x203): SSA frame 0 + greeting
#
# Entry: RDI = address of a 32-byte untrusted buffer, or 0. The enclave
# copies its greeting there and leaves by EEXIT to the address EENTER put in
# RCX. It uses no stack and clobbers only RAX, RBX, R8 and flags.

	.section .tcs, "aw"
	.balign 4096
hello_tcs:
	.quad	0			# 0x00 STATE (zeroed by EADD anyway)
	.quad	0			# 0x08 FLAGS
	.quad	hello_ssa		# 0x10 OSSA: offset of SSA frame 0
	.long	0			# 0x18 CSSA
	.long	1			# 0x1c NSSA
	.quad	hello_entry		# 0x20 OENTRY
	.quad	0			# 0x28 AEP
	.quad	0			# 0x30 OFSBASE
	.quad	0			# 0x38 OGSBASE
	.long	0xffffffff		# 0x40 FSLIMIT
	.long	0xffffffff		# 0x44 GSLIMIT
	.fill	4096 - 0x48, 1, 0	# reserved

	.text
	.globl	hello_entry
hello_entry:
	test	%rdi, %rdi
	jz	.Lexit
	mov	greeting + 0(%rip), %r8
	mov	%r8, 0(%rdi)
	mov	greeting + 8(%rip), %r8
	mov	%r8, 8(%rdi)
	mov	greeting + 16(%rip), %r8
	mov	%r8, 16(%rdi)
	mov	greeting + 24(%rip), %r8
	mov	%r8, 24(%rdi)
.Lexit:
	mov	%rcx, %rbx		# EEXIT target
	mov	$4, %eax		# ENCLU[EEXIT]
	enclu
	ud2
	.balign	4096, 0xcc

	.data
	.balign	4096
# The data page is also SSA frame 0 (SSAFRAMESIZE 1). An AEX writes the
# XSAVE area at the start of the frame and GPRSGX at its end, so the greeting
# sits in the middle, where neither lands.
hello_ssa:
	.fill	0x800, 1, 0
greeting:
	.ascii	"Hello from an sgxemu enclave!\n\0\0"
	.balign	4096, 0
