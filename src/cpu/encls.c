/*
 * encls.c - ENCLS: leaf dispatch and the common pre-checks.
 *
 * ENCLS on a CPU without SGX1 is #UD; an unsupported leaf number is #GP(0)
 * (fact sheet 1.1). Leaves run one at a time under cpu->lock, so the "page in
 * use by another SGX instruction" states are never observable.
 */
#include "cpu/encls.h"

static bool leaf_supported(const struct sgx_cpu *cpu, uint32_t leaf)
{
	switch (leaf) {
	case SGX_ECREATE:
	case SGX_EADD:
	case SGX_EINIT:
	case SGX_EREMOVE:
	case SGX_EDBGRD:
	case SGX_EDBGWR:
	case SGX_EEXTEND:
	case SGX_ETRACK:
		return true;
	case SGX_EAUG:
	case SGX_EMODPR:
	case SGX_EMODT:
		return cpu_has(cpu, SGX_FEAT_SGX2);
	default:
		/* Paging (ELDB, ELDU, EBLOCK, EPA, EWB) is not modelled yet;
		 * this CPU answers it as an unsupported leaf. */
		return false;
	}
}

static int ud(struct sgx_fault *f)
{
	f->vector = X86_TRAP_UD;
	f->error_code = 0;
	f->addr = 0;
	return SGX_LEAF_FAULT | X86_TRAP_UD;
}

int sgx_encls(struct sgx_cpu *cpu, struct sgx_encls_regs *r, struct sgx_fault *f)
{
	uint32_t leaf = (uint32_t)r->rax;
	void (*hook)(uint32_t) = atomic_load_explicit(&cpu->trace_hook, memory_order_relaxed);
	int ret;

	if (leaf < 16)
		atomic_fetch_add_explicit(&cpu->encls[leaf], 1, memory_order_relaxed);
	if (hook)
		hook(leaf);
	if (!cpu_has(cpu, SGX_FEAT_SGX1))
		return ud(f);
	if (!leaf_supported(cpu, leaf))
		return fault_gp(f);

	sgx_lock(&cpu->lock);
	switch (leaf) {
	case SGX_ECREATE:
		ret = __ecreate(cpu, r->rbx, r->rcx, f);
		break;
	case SGX_EADD:
		ret = __eadd(cpu, r->rbx, r->rcx, f);
		break;
	case SGX_EEXTEND:
		ret = __eextend(cpu, r->rbx, r->rcx, f);
		break;
	case SGX_EINIT:
		ret = __einit(cpu, r->rbx, r->rcx, r->rdx, f);
		break;
	case SGX_EREMOVE:
		ret = __eremove(cpu, r->rcx, f);
		break;
	case SGX_EDBGRD:
		ret = __edbgrd(cpu, &r->rbx, r->rcx, f);
		break;
	case SGX_ETRACK:
		ret = __etrack(cpu, r->rcx, f);
		break;
	case SGX_EAUG:
		ret = __eaug(cpu, r->rbx, r->rcx, f);
		break;
	case SGX_EMODPR:
		ret = __emodpr(cpu, r->rbx, r->rcx, f);
		break;
	case SGX_EMODT:
		ret = __emodt(cpu, r->rbx, r->rcx, f);
		break;
	default: /* SGX_EDBGWR */
		ret = __edbgwr(cpu, r->rbx, r->rcx, f);
		break;
	}
	sgx_unlock(&cpu->lock);

	/* Leaves with an error code report it in RAX (0 on success). */
	if (!sgx_leaf_faulted(ret) && leaf != SGX_ECREATE && leaf != SGX_EADD &&
	    leaf != SGX_EEXTEND && leaf != SGX_EAUG)
		r->rax = (uint64_t)ret;
	return ret;
}

void sgx_cpu_get_encls_counts(const struct sgx_cpu *cpu, uint64_t out[16])
{
	for (int i = 0; i < 16; i++)
		out[i] = atomic_load_explicit(&cpu->encls[i], memory_order_relaxed);
}

void sgx_cpu_set_trace_hook(struct sgx_cpu *cpu, void (*fn)(uint32_t leaf))
{
	atomic_store(&cpu->trace_hook, fn);
}

static int encls3(struct sgx_cpu *cpu, uint32_t leaf, uint64_t rbx, uint64_t rcx,
		  uint64_t rdx, uint64_t *rbx_out, struct sgx_fault *f)
{
	struct sgx_encls_regs r = { .rax = leaf, .rbx = rbx, .rcx = rcx, .rdx = rdx };
	int ret = sgx_encls(cpu, &r, f);

	if (rbx_out && ret == 0)
		*rbx_out = r.rbx;
	return ret;
}

int sgx_ecreate(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f)
{
	return encls3(cpu, SGX_ECREATE, pageinfo, epc_page, 0, NULL, f);
}

int sgx_eadd(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EADD, pageinfo, epc_page, 0, NULL, f);
}

int sgx_eextend(struct sgx_cpu *cpu, uint64_t secs, uint64_t chunk, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EEXTEND, secs, chunk, 0, NULL, f);
}

int sgx_einit(struct sgx_cpu *cpu, uint64_t sigstruct, uint64_t secs, uint64_t token,
	      struct sgx_fault *f)
{
	return encls3(cpu, SGX_EINIT, sigstruct, secs, token, NULL, f);
}

int sgx_eremove(struct sgx_cpu *cpu, uint64_t epc_page, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EREMOVE, 0, epc_page, 0, NULL, f);
}

int sgx_edbgrd(struct sgx_cpu *cpu, uint64_t *data, uint64_t epc_addr, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EDBGRD, 0, epc_addr, 0, data, f);
}

int sgx_edbgwr(struct sgx_cpu *cpu, uint64_t data, uint64_t epc_addr, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EDBGWR, data, epc_addr, 0, NULL, f);
}

int sgx_eaug(struct sgx_cpu *cpu, uint64_t pageinfo, uint64_t epc_page, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EAUG, pageinfo, epc_page, 0, NULL, f);
}

int sgx_emodpr(struct sgx_cpu *cpu, uint64_t secinfo, uint64_t epc_page, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EMODPR, secinfo, epc_page, 0, NULL, f);
}

int sgx_emodt(struct sgx_cpu *cpu, uint64_t secinfo, uint64_t epc_page, struct sgx_fault *f)
{
	return encls3(cpu, SGX_EMODT, secinfo, epc_page, 0, NULL, f);
}

int sgx_etrack(struct sgx_cpu *cpu, uint64_t secs, struct sgx_fault *f)
{
	return encls3(cpu, SGX_ETRACK, 0, secs, 0, NULL, f);
}
