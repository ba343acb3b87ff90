/*
 * edmm_thread enclave: built with one TCS; ECALL_ADD_THREAD makes a second
 * one at run time (sdk_thread_add: TCS, data page, SSA frames and stacks
 * accepted from the hole, the TCS fields written into a REG page, the host
 * asked to change its type to PT_TCS, the change accepted with SECINFO
 * TCS|MODIFIED). ECALL_WORK is then run by the host on the new TCS.
 */
#include "sdk/enclave.h"
#include "tdata.h"

#include "edmm_thread.h"

SDK_ELRANGE_SIZE(THREAD_ELRANGE);

static long ecall_add_thread(void *uargs)
{
	struct thread_args a;
	long err = 0;

	memcpy(&a, uargs, sizeof(a));
	if (sdk_thread_add(&a.tcs_offset, &err)) {
		sdk_printf("enclave: adding a thread failed (err %ld)\n", err);
		return -1;
	}
	sdk_printf("enclave: new TCS at offset 0x%lx (was a REG page of the heap; now PT_TCS, "
		   "accepted)\n", (unsigned long)a.tcs_offset);
	memcpy(uargs, &a, sizeof(a));
	return 0;
}

static long ecall_work(void *uargs)
{
	struct thread_args a;
	struct sdk_tdata *t = sdk_tdata();
	uint64_t stack_probe = (uint64_t)&a;

	memcpy(&a, uargs, sizeof(a));
	a.sum = 0;
	for (uint64_t i = 0; i < a.n; i++)
		a.sum += i * i;
	a.tcs_index = t->index;
	a.fs_offset = t->self - sdk_enclave_base();
	sdk_printf("enclave: ECALL_WORK on thread index %lu (data page at offset 0x%lx, stack "
		   "at offset 0x%lx): sum of squares below %lu = %lu\n", (unsigned long)a.tcs_index,
		   (unsigned long)a.fs_offset, (unsigned long)(stack_probe - sdk_enclave_base()),
		   (unsigned long)a.n, (unsigned long)a.sum);
	memcpy(uargs, &a, sizeof(a));
	return 0;
}

SDK_ECALLS(ecall_add_thread, ecall_work);
