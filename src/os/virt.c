/*
 * virt.c - /dev/sgx_vepc: raw EPC for virtual machine monitors (fact sheet
 * 14.8).
 *
 * A vEPC file hands out EPC pages that its user (a VMM, on behalf of a
 * guest) manages itself with ENCLS; the driver never reclaims them. An mmap
 * of the file gets EPC frames, allocated at mmap time here (Linux allocates
 * them on first touch; nothing observable differs but the moment of an
 * out-of-EPC failure). SGX_IOC_VEPC_REMOVE_ALL EREMOVEs every page and
 * reports how many SECS pages still have children elsewhere; release does
 * the same and frees the frames.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <asm/sgx.h>

#include "os/sgx.h"

struct sgx_vepc {
	struct sgx_os *os;
	uint64_t *frames;
	size_t nr, cap;
};

int sgx_vepc_open(struct sgx_os *os, struct sgx_vepc **out)
{
	struct sgx_vepc *v = calloc(1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v->os = os;
	*out = v;
	return 0;
}

uint64_t sgx_vepc_mmap(struct sgx_vepc *v, uint64_t addr, uint64_t len, int prot, int flags,
		       uint64_t pgoff)
{
	struct sgx_os *os = v->os;
	uint64_t n = (len + SGX_PAGE_SIZE - 1) / SGX_PAGE_SIZE, done = 0;
	int64_t prev = -1;
	void *area;
	int ret = 0;

	(void)pgoff;
	if (!(flags & MAP_SHARED) || (flags & MAP_PRIVATE))
		return (uint64_t)-EINVAL;
	if (!len || (addr & (SGX_PAGE_SIZE - 1)))
		return (uint64_t)-EINVAL;
	area = mmap((void *)addr, n * SGX_PAGE_SIZE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (flags & MAP_FIXED), -1, 0);
	if (area == MAP_FAILED)
		return (uint64_t)-errno;
	sgx_lock(&os->lock);
	if (v->nr + n > v->cap) {
		size_t cap = (v->nr + n) * 2;
		uint64_t *bigger = realloc(v->frames, cap * sizeof(*bigger));

		if (!bigger)
			ret = -ENOMEM;
		else {
			v->frames = bigger;
			v->cap = cap;
		}
	}
	for (; !ret && done < n; done++) {
		int64_t f = sgx_alloc_epc_frame(os, prev < 0 ? 0 : (uint64_t)prev + 1);

		if (f < 0) {
			ret = (int)f;
			break;
		}
		if (mmap((uint8_t *)area + done * SGX_PAGE_SIZE, SGX_PAGE_SIZE, prot,
			 MAP_SHARED | MAP_FIXED, sgx_epc_fd(os->cpu), f * (off_t)SGX_PAGE_SIZE) ==
		    MAP_FAILED) {
			ret = -errno;
			sgx_free_epc_frame(os, (uint64_t)f);
			break;
		}
		v->frames[v->nr++] = (uint64_t)f;
		prev = f;
	}
	if (ret) {
		/* Undo: the pages this call took go back. */
		for (uint64_t i = 0; i < done; i++)
			sgx_free_epc_frame(os, v->frames[--v->nr]);
		munmap(area, n * SGX_PAGE_SIZE);
	}
	sgx_unlock(&os->lock);
	return ret ? (uint64_t)(int64_t)ret : (uint64_t)area;
}

/* EREMOVE every page: children first, so SECS pages can go too. Returns the
 * number of SECS pages that still have children, or -EBUSY if a page could
 * not be removed for another reason (a fault, or SGX_ENCLAVE_ACT). */
static long remove_all(struct sgx_vepc *v)
{
	struct sgx_cpu *cpu = v->os->cpu;
	struct sgx_fault f;
	long secs_left = 0;
	bool busy = false;

	for (int pass = 0; pass < 2; pass++) {
		secs_left = 0;
		for (size_t i = 0; i < v->nr; i++) {
			int r = sgx_eremove(cpu, sgx_epc_frame_addr(cpu, v->frames[i]), &f);

			if (r == SGX_CHILD_PRESENT)
				secs_left++;
			else if (r)
				busy = true;
		}
	}
	return busy ? -EBUSY : secs_left;
}

long sgx_vepc_ioctl(struct sgx_vepc *v, unsigned int cmd, unsigned long arg)
{
	long ret;

	if (cmd != SGX_IOC_VEPC_REMOVE_ALL)
		return -ENOTTY;
	if (arg)
		return -EINVAL;
	sgx_lock(&v->os->lock);
	ret = remove_all(v);
	sgx_unlock(&v->os->lock);
	return ret;
}

void sgx_vepc_release(struct sgx_vepc *v)
{
	if (!v)
		return;
	sgx_lock(&v->os->lock);
	remove_all(v);
	/* A SECS whose children live in another vEPC stays in the EPC (Linux
	 * keeps it on a zombie list); its frame is not handed out again. */
	for (size_t i = 0; i < v->nr; i++) {
		struct sgx_epcm_info info;

		if (sgx_epcm_query(v->os->cpu, v->frames[i], &info) == 0 && !info.valid)
			sgx_free_epc_frame(v->os, v->frames[i]);
	}
	sgx_unlock(&v->os->lock);
	free(v->frames);
	free(v);
}
