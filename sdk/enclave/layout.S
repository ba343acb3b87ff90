/*
 * layout.S - the per-enclave memory layout: TCS pages, and the SSA frames,
 * stacks and per-TCS data they point at. Assembled once per enclave with
 *   -DSDK_NUM_TCS=n  -DSDK_STACK_PAGES=n  -DSDK_XSTACK_PAGES=n  [-DSDK_AEXNOTIFY=1]
 * Every TCS field is an enclave offset, computed by the linker script
 * (enclave.lds defines the __sdk_*_off symbols as absolute values), so the
 * TCS pages need no relocation.
 */
#ifndef SDK_NUM_TCS
#define SDK_NUM_TCS 1
#endif
#ifndef SDK_STACK_PAGES
#define SDK_STACK_PAGES 16
#endif
#ifndef SDK_XSTACK_PAGES
#define SDK_XSTACK_PAGES 4
#endif
#ifndef SDK_AEXNOTIFY
#define SDK_AEXNOTIFY 0	/* 1: TCS.FLAGS.AEXNOTIFY (sign with ATTRIBUTES.AEXNOTIFY 0x400) */
#endif
#define SDK_NSSA 2	/* frame 0: the interrupted context; frame 1: the handler phase */

	.section .rodata.sdk_layout, "a"
	.balign	8
	.globl	__sdk_layout
	.hidden	__sdk_layout
__sdk_layout:
	.quad	SDK_NUM_TCS
	.quad	SDK_STACK_PAGES * 4096
	.quad	SDK_XSTACK_PAGES * 4096
	.quad	SDK_NSSA

	/* entry.S arms SSA frame 0's AEXNOTIFY byte only when this is 1. */
	.balign	8
	.globl	__sdk_aexnotify
	.hidden	__sdk_aexnotify
__sdk_aexnotify:
	.quad	SDK_AEXNOTIFY

	.section .tcs, "aw", @progbits
	.balign	4096
	.set	i, 0
	.rept	SDK_NUM_TCS
	.quad	0					/* STATE */
	.quad	SDK_AEXNOTIFY * 2			/* FLAGS: bit 1 AEXNOTIFY */
	.quad	__sdk_ssa_off + i * SDK_NSSA * 4096	/* OSSA */
	.long	0					/* CSSA */
	.long	SDK_NSSA				/* NSSA */
	.quad	__sdk_oentry				/* OENTRY */
	.quad	0					/* AEP */
	.quad	__sdk_tdata_off + i * 4096		/* OFSBASE */
	.quad	__sdk_tdata_off + i * 4096		/* OGSBASE */
	.long	0xffffffff				/* FSLIMIT */
	.long	0xffffffff				/* GSLIMIT */
	.fill	4096 - 72, 1, 0
	.set	i, i + 1
	.endr

	/* Everything below is zero-filled file bytes, not .bss: the segment
	 * convention adds only p_filesz bytes of each segment. */
	.section .sdk_tdata, "aw", @progbits
	.balign	4096
	.globl	__sdk_tdata
	.hidden	__sdk_tdata
__sdk_tdata:
	.fill	SDK_NUM_TCS * 4096, 1, 0

	.section .sdk_ssa, "aw", @progbits
	.balign	4096
	.globl	__sdk_ssa
	.hidden	__sdk_ssa
__sdk_ssa:
	.fill	SDK_NUM_TCS * SDK_NSSA * 4096, 1, 0

	.section .sdk_stack, "aw", @progbits
	.balign	4096
	.globl	__sdk_stack
	.hidden	__sdk_stack
__sdk_stack:
	.fill	SDK_NUM_TCS * SDK_STACK_PAGES * 4096, 1, 0

	.section .sdk_xstack, "aw", @progbits
	.balign	4096
	.globl	__sdk_xstack
	.hidden	__sdk_xstack
__sdk_xstack:
	.fill	SDK_NUM_TCS * SDK_XSTACK_PAGES * 4096, 1, 0

	.section .note.GNU-stack, "", @progbits
