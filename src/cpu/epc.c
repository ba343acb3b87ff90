/*
 * epc.c - the physical EPC and the EPCM.
 *
 * The EPC is one memfd of cfg.epc_size bytes (sparse: untouched frames cost
 * nothing), mapped once into the CPU's private view - the equivalent of the
 * kernel's direct map, and the linear addresses ENCLS operands use for EPC
 * pages. The os layer maps the same frames again at enclave linear addresses.
 * The EPCM is an array with one entry per frame, invisible to software.
 *
 * This file also owns CPU creation/destruction and the fault helpers every
 * leaf uses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cpu/cpu.h"

int sgx_cpu_create(const struct sgx_cpu_config *cfg, struct sgx_cpu **out)
{
	char err[128];
	struct sgx_cpu *cpu;
	int ret = -ENOMEM;

	*out = NULL;
	if (cfg->epc_size == 0 || !is_aligned(cfg->epc_size, SGX_PAGE_SIZE) ||
	    cfg->epc_size / SGX_PAGE_SIZE > UINT32_MAX ||
	    sgx_features_check(cfg->features, err, sizeof(err)) >= 0 ||
	    cfg->max_enclave_size_64 < 13 || cfg->max_enclave_size_64 > 63 ||
	    cfg->max_enclave_size_32 < 13 || cfg->max_enclave_size_32 > 32 ||
	    (cfg->xfrm_allowed & SGX_XFRM_LEGACY) != SGX_XFRM_LEGACY)
		return -EINVAL;

	cpu = calloc(1, sizeof(*cpu));
	if (!cpu)
		return -ENOMEM;
	cpu->cfg = *cfg;
	cpu->nr_frames = cfg->epc_size / SGX_PAGE_SIZE;
	cpu->epc = MAP_FAILED;
	cpu->epcm = MAP_FAILED;
	cpu->epcm_track = MAP_FAILED;

	cpu->epc_fd = memfd_create("sgxemu-epc", MFD_CLOEXEC);
	if (cpu->epc_fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (ftruncate(cpu->epc_fd, (off_t)cfg->epc_size) < 0) {
		ret = -errno;
		goto fail;
	}
	cpu->epc = mmap(NULL, cfg->epc_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			cpu->epc_fd, 0);
	if (cpu->epc == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	/* Anonymous and NORESERVE: a huge EPC costs only the entries touched. */
	cpu->epcm = mmap(NULL, cpu->nr_frames * sizeof(struct sgx_epcm),
			 PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (cpu->epcm == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	cpu->epcm_track = mmap(NULL, cpu->nr_frames * sizeof(*cpu->epcm_track),
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (cpu->epcm_track == MAP_FAILED) {
		ret = -errno;
		goto fail;
	}
	cpu->hidden = calloc(cpu->nr_frames, sizeof(*cpu->hidden));
	if (!cpu->hidden)
		goto fail;

	cpu->feature_control = FEAT_CTL_LOCKED | FEAT_CTL_SGX_ENABLED;
	if (cpu_has(cpu, SGX_FEAT_LC))
		cpu->feature_control |= FEAT_CTL_SGX_LC_ENABLED;
	cpu->lepubkeyhash[0] = SGX_LEPUBKEYHASH_DEFAULT0;
	cpu->lepubkeyhash[1] = SGX_LEPUBKEYHASH_DEFAULT1;
	cpu->lepubkeyhash[2] = SGX_LEPUBKEYHASH_DEFAULT2;
	cpu->lepubkeyhash[3] = SGX_LEPUBKEYHASH_DEFAULT3;
	cpu->next_eid = 1;
	sgx_lock_init(&cpu->lock);
	*out = cpu;
	return 0;

fail:
	sgx_cpu_destroy(cpu);
	return ret;
}

int sgx_cpu_fork_child(struct sgx_cpu *cpu)
{
	int fd = memfd_create("sgxemu-epc", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)cpu->cfg.epc_size) < 0 ||
	    mmap(cpu->epc, cpu->cfg.epc_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		 0) == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(cpu->epc_fd);
	cpu->epc_fd = fd;
	memset(cpu->epcm, 0, cpu->nr_frames * sizeof(struct sgx_epcm));
	for (uint64_t i = 0; i < cpu->nr_frames; i++) {
		free(cpu->hidden[i]);
		cpu->hidden[i] = NULL;
	}
	sgx_lock_init(&cpu->lock);
	return 0;
}

void sgx_cpu_destroy(struct sgx_cpu *cpu)
{
	if (!cpu)
		return;
	if (cpu->hidden) {
		for (uint64_t i = 0; i < cpu->nr_frames; i++)
			free(cpu->hidden[i]);
		free(cpu->hidden);
	}
	if (cpu->epcm != MAP_FAILED)
		munmap(cpu->epcm, cpu->nr_frames * sizeof(struct sgx_epcm));
	if (cpu->epcm_track != MAP_FAILED)
		munmap(cpu->epcm_track, cpu->nr_frames * sizeof(*cpu->epcm_track));
	if (cpu->epc != MAP_FAILED)
		munmap(cpu->epc, cpu->cfg.epc_size);
	if (cpu->epc_fd >= 0)
		close(cpu->epc_fd);

	free(cpu);
}

void sgx_cpu_set_mmu(struct sgx_cpu *cpu, const struct sgx_mmu *mmu)
{
	if (mmu)
		cpu->mmu = *mmu;
	else
		memset(&cpu->mmu, 0, sizeof(cpu->mmu));
}

int sgx_cpu_os_fault(struct sgx_cpu *cpu, uint64_t la, unsigned access)
{
	return cpu->mmu.fault ? cpu->mmu.fault(cpu->mmu.ctx, la, access) : -1;
}

const struct sgx_cpu_config *sgx_cpu_get_config(const struct sgx_cpu *cpu)
{
	return &cpu->cfg;
}

uint64_t sgx_epc_nr_frames(const struct sgx_cpu *cpu)
{
	return cpu->nr_frames;
}

int sgx_epc_fd(const struct sgx_cpu *cpu)
{
	return cpu->epc_fd;
}

uint64_t sgx_epc_frame_addr(const struct sgx_cpu *cpu, uint64_t frame)
{
	return (uint64_t)(uintptr_t)frame_ptr(cpu, frame);
}

int64_t epc_frame(const struct sgx_cpu *cpu, uint64_t la)
{
	uint64_t base = (uint64_t)(uintptr_t)cpu->epc;

	if (la < base || la - base >= cpu->cfg.epc_size)
		return -1;
	return (int64_t)((la - base) / SGX_PAGE_SIZE);
}

int64_t sgx_epc_addr_frame(const struct sgx_cpu *cpu, uint64_t addr)
{
	return epc_frame(cpu, addr);
}

int sgx_epcm_query(const struct sgx_cpu *cpu, uint64_t frame, struct sgx_epcm_info *info)
{
	const struct sgx_epcm *e;

	if (frame >= cpu->nr_frames)
		return -EINVAL;
	e = &cpu->epcm[frame];
	info->valid = e->valid;
	info->type = e->type;
	info->perm = e->perm;
	info->blocked = e->state & EPCM_BLOCKED;
	info->pending = e->state & EPCM_PENDING;
	info->modified = e->state & EPCM_MODIFIED;
	info->pr = e->state & EPCM_PR;
	info->secs_frame = e->secs;
	info->linaddr = e->addr;
	return 0;
}

int64_t secs_frame_of(const struct sgx_cpu *cpu, uint64_t la)
{
	int64_t frame = epc_frame(cpu, la);

	if (frame < 0 || !cpu->epcm[frame].valid || cpu->epcm[frame].type != SGX_PT_SECS)
		return -1;
	return frame;
}

int sgx_secs_peek_mrenclave(const struct sgx_cpu *cpu, uint64_t secs_frame, uint8_t out[32])
{
	SHA256_CTX copy;

	if (secs_frame >= cpu->nr_frames || !cpu->epcm[secs_frame].valid ||
	    cpu->epcm[secs_frame].type != SGX_PT_SECS)
		return -EINVAL;
	copy = cpu->hidden[secs_frame]->mrenclave;
	SHA256_Final(out, &copy);
	return 0;
}

uint64_t sgx_secs_nr_children(const struct sgx_cpu *cpu, uint64_t secs_frame)
{
	if (secs_frame >= cpu->nr_frames || !cpu->epcm[secs_frame].valid ||
	    cpu->epcm[secs_frame].type != SGX_PT_SECS)
		return 0;
	return cpu->hidden[secs_frame]->nr_children;
}

int fault_gp(struct sgx_fault *f)
{
	f->vector = X86_TRAP_GP;
	f->error_code = 0;
	f->addr = 0;
	return SGX_LEAF_FAULT | X86_TRAP_GP;
}

int fault_pf(struct sgx_fault *f, uint64_t addr, uint32_t error_code)
{
	f->vector = X86_TRAP_PF;
	f->error_code = error_code;
	f->addr = addr;
	return SGX_LEAF_FAULT | X86_TRAP_PF;
}

int fault_epcm(struct sgx_fault *f, uint64_t addr, bool write)
{
	return fault_pf(f, addr, X86_PF_SGX | X86_PF_PROT | (write ? X86_PF_WRITE : 0));
}
