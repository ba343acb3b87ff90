/*
 * main.c - the platform as the driver sees it: creating/destroying the os
 * (the CPU plus the driver state) and the EPC frame allocator.
 *
 * Frames are tracked in a bitmap with a next-fit cursor. Callers pass a hint
 * (the frame after the one backing the previous enclave page) so that
 * consecutive enclave pages get consecutive frames: their host mappings then
 * merge into one VMA (vm.max_map_count is finite).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "os/encl.h"

#define BITS 64

static bool frame_used(const struct sgx_os *os, uint64_t frame)
{
	return (os->used[frame / BITS] >> (frame % BITS)) & 1;
}

/* First free frame in [from, to), or -1; skips full words quickly. */
static int64_t find_free(const struct sgx_os *os, uint64_t from, uint64_t to)
{
	uint64_t f = from;

	while (f < to) {
		uint64_t word = ~os->used[f / BITS] >> (f % BITS);

		if (word) {
			f += (uint64_t)__builtin_ctzll(word);
			return f < to ? (int64_t)f : -1;
		}
		f = (f / BITS + 1) * BITS;
	}
	return -1;
}

int64_t sgx_alloc_epc_frame(struct sgx_os *os, uint64_t hint)
{
	int64_t frame;

	if (hint >= os->nr_frames || frame_used(os, hint))
		hint = os->next_frame;
	frame = find_free(os, hint, os->nr_frames);
	if (frame < 0)
		frame = find_free(os, 0, hint);
	if (frame < 0)
		return -ENOMEM;
	os->used[frame / BITS] |= 1ull << (frame % BITS);
	os->next_frame = (uint64_t)frame + 1 < os->nr_frames ? (uint64_t)frame + 1 : 0;
	if (++os->in_use > os->high_water)
		os->high_water = os->in_use;
	return frame;
}

void sgx_free_epc_frame(struct sgx_os *os, uint64_t frame)
{
	if (frame >= os->nr_frames || !frame_used(os, frame))
		return;
	os->used[frame / BITS] &= ~(1ull << (frame % BITS));
	os->in_use--;
}

void sgx_os_epc_usage(const struct sgx_os *os, uint64_t *in_use, uint64_t *high_water)
{
	/* The counters only change under os->lock; a racy read of a u64 is
	 * still a value that existed, which is all statistics need. */
	if (in_use)
		*in_use = __atomic_load_n(&os->in_use, __ATOMIC_RELAXED);
	if (high_water)
		*high_water = __atomic_load_n(&os->high_water, __ATOMIC_RELAXED);
}

int sgx_os_create(const struct sgx_cpu_config *cfg, struct sgx_os **out)
{
	struct sgx_os *os;
	int ret;

	*out = NULL;
	os = calloc(1, sizeof(*os));
	if (!os)
		return -ENOMEM;
	ret = sgx_cpu_create(cfg, &os->cpu);
	if (ret)
		goto fail;
	os->nr_frames = sgx_epc_nr_frames(os->cpu);
	os->used = calloc((os->nr_frames + BITS - 1) / BITS, sizeof(uint64_t));
	ret = -ENOMEM;
	if (!os->used)
		goto fail;
	sgx_lock_init(&os->lock);
	sgx_lock_init(&os->einit_lock);
	ret = sgx_drv_init(os);
	if (!ret) {
		sgx_lock(&os->lock);
		ret = sgx_publish_snapshot(os);
		sgx_unlock(&os->lock);
	}
	if (ret)
		goto fail;
	os->mmu.translate = sgx_os_translate;
	os->mmu.fault = sgx_os_fault;
	os->mmu.ctx = os;
	sgx_cpu_set_mmu(os->cpu, &os->mmu);
	*out = os;
	return 0;

fail:
	free(os->used);
	sgx_cpu_destroy(os->cpu);
	free(os);
	return ret;
}

void sgx_os_destroy(struct sgx_os *os)
{
	if (!os)
		return;
	while (os->encls)
		sgx_encl_release(os->encls);
	sgx_cpu_set_mmu(os->cpu, NULL);
	sgx_free_snapshot(os);
	sgx_cpu_destroy(os->cpu);
	free(os->vmas);
	free(os->prov);
	free(os->used);
	free(os);
}

struct sgx_cpu *sgx_os_cpu(struct sgx_os *os)
{
	return os->cpu;
}
