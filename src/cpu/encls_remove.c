/*
 * encls_remove.c - EREMOVE: return an EPC page to the invalid state.
 *
 * A SECS goes only when it owns no pages (SGX_CHILD_PRESENT); a page of an
 * enclave that a logical processor is executing in stays (SGX_ENCLAVE_ACT).
 * The frame is zeroed, so it keeps no enclave data. Its host memory stays
 * allocated: punching a hole per page made every later EADD into the frame
 * take a page fault, which cost as much as the measurement itself; the
 * EPC is bounded by its configured size anyway.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/encls.h"

static void release_frame(struct sgx_cpu *cpu, int64_t frame)
{
	memset(&cpu->epcm[frame], 0, sizeof(cpu->epcm[frame]));
	memset(frame_ptr(cpu, frame), 0, SGX_PAGE_SIZE);
}

int __eremove(struct sgx_cpu *cpu, uint64_t rcx, struct sgx_fault *f)
{
	struct sgx_epcm *e;
	int64_t frame;

	if (!is_aligned(rcx, SGX_PAGE_SIZE))
		return fault_gp(f);
	frame = epc_frame(cpu, rcx);
	if (frame < 0)
		return fault_epcm(f, rcx, true);
	e = &cpu->epcm[frame];
	if (!e->valid)
		return 0;

	switch (e->type) {
	case SGX_PT_VA:
		break;
	case SGX_PT_SECS:
		if (cpu->hidden[frame]->nr_children)
			return SGX_CHILD_PRESENT;
		free(cpu->hidden[frame]);
		cpu->hidden[frame] = NULL;
		break;
	default:
		/* A PT_TRIM page the enclave has EACCEPTed (MODIFIED clear) is
		 * no longer usable by it, so it goes even while threads run
		 * (fact sheet 11.5); everything else waits for them. */
		if (!(e->type == SGX_PT_TRIM && !(e->state & EPCM_MODIFIED)) &&
		    cpu->hidden[e->secs]->threads_active)
			return SGX_ENCLAVE_ACT;
		cpu->hidden[e->secs]->nr_children--;
		break;
	}
	release_frame(cpu, frame);
	return 0;
}
