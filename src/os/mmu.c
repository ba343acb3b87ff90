/*
 * mmu.c - the page tables the CPU walks for enclave linear addresses.
 *
 * Runs in trap handlers, so it is async-signal-safe: no allocation, no lock.
 * It reads the immutable snapshot published by driver.c, announcing itself in
 * os->snap_readers so the snapshot (and the page arrays it points to) is not
 * freed underneath it. The result mirrors what x86 page tables would say for
 * a user-mode access; the EPCM checks are the CPU's job.
 */
#include <sys/mman.h>

#include "os/encl.h"

static const struct sgx_snap_vma *find_vma(const struct sgx_snap *s, uint64_t la)
{
	size_t lo = 0, hi = s->nr_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (la < s->vmas[mid].start)
			hi = mid;
		else if (la >= s->vmas[mid].end)
			lo = mid + 1;
		else
			return &s->vmas[mid];
	}
	return NULL;
}

static const struct sgx_snap_encl *find_elrange(const struct sgx_snap *s, uint64_t la)
{
	for (size_t i = 0; i < s->nr_encls; i++)
		if (la >= s->encls[i].base && la - s->encls[i].base < s->encls[i].size)
			return &s->encls[i];
	return NULL;
}

/*
 * Would a PTE with this VMA protection allow the access? x86 cannot express
 * write-only or exec-only: any non-NONE mapping is readable. PROT_NONE PTEs
 * are not present to the hardware.
 */
static uint32_t pte_violation(int prot, unsigned access)
{
	if (prot == PROT_NONE)
		return X86_PF_USER;
	if ((access & SGX_ACCESS_WRITE) && !(prot & PROT_WRITE))
		return X86_PF_PROT | X86_PF_USER;
	if ((access & SGX_ACCESS_EXEC) && !(prot & PROT_EXEC))
		return X86_PF_PROT | X86_PF_USER;
	return 0;
}

static int64_t page_fault(struct sgx_fault *f, uint64_t la, unsigned access, uint32_t code)
{
	if (access & SGX_ACCESS_WRITE)
		code |= X86_PF_WRITE;
	if (access & SGX_ACCESS_EXEC)
		code |= X86_PF_INSTR;
	f->vector = X86_TRAP_PF;
	f->error_code = code;
	f->addr = la;
	return -1;
}

static int64_t walk(const struct sgx_snap *s, uint64_t la, unsigned access, struct sgx_fault *f)
{
	const struct sgx_snap_vma *v;
	uint32_t code;
	uint64_t e;

	if (!s)
		return -2;
	v = find_vma(s, la);
	if (!v)
		return find_elrange(s, la) ? page_fault(f, la, access, X86_PF_USER) : -2;
	code = pte_violation(v->prot, access);
	if (code)
		return page_fault(f, la, access, code);
	if (!v->pages || la < v->base || la - v->base >= v->size)
		return page_fault(f, la, access, X86_PF_USER);
	e = atomic_load_explicit(&v->pages[(la - v->base) / SGX_PAGE_SIZE], memory_order_acquire);
	if (!(e & SGX_PAGE_PRESENT))
		return page_fault(f, la, access, X86_PF_USER);
	return (int64_t)sgx_page_frame(e);
}

int64_t sgx_os_translate(void *ctx, uint64_t la, unsigned access, struct sgx_fault *f)
{
	struct sgx_os *os = ctx;
	int64_t ret;

	atomic_fetch_add(&os->snap_readers, 1);
	ret = walk(atomic_load(&os->snap), la, access, f);
	atomic_fetch_sub(&os->snap_readers, 1);
	return ret;
}

struct sgx_encl *sgx_os_find_encl(struct sgx_os *os, uint64_t la)
{
	const struct sgx_snap *s;
	const struct sgx_snap_encl *e;
	struct sgx_encl *encl = NULL;

	atomic_fetch_add(&os->snap_readers, 1);
	s = atomic_load(&os->snap);
	if (s) {
		e = find_elrange(s, la);
		encl = e ? e->encl : NULL;
	}
	atomic_fetch_sub(&os->snap_readers, 1);
	return encl;
}

bool sgx_os_range_is_enclave(struct sgx_os *os, uint64_t addr, uint64_t len)
{
	const struct sgx_snap *s;
	uint64_t end = addr + len;
	bool hit = false;

	if (!len || end < addr)
		return false;
	atomic_fetch_add(&os->snap_readers, 1);
	s = atomic_load(&os->snap);
	for (size_t i = 0; s && i < s->nr_vmas && !hit; i++)
		hit = s->vmas[i].start < end && addr < s->vmas[i].end;
	for (size_t i = 0; s && i < s->nr_encls && !hit; i++)
		hit = s->encls[i].base < end && addr < s->encls[i].base + s->encls[i].size;
	atomic_fetch_sub(&os->snap_readers, 1);
	return hit;
}
