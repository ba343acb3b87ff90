/*
 * encl.c - the enclave object: open/release, the page array, the mmap
 * permission check (sgx_encl_may_map) and the effective protection of
 * enclave pages in the host's page tables.
 *
 * Effective protection of a page = VMA prot ∩ EPCM permissions ∩ EPCM state
 * (BLOCKED/PENDING/MODIFIED: no access; TCS pages have no permissions).
 * sgx_encl_apply_prot() is the only place that computes it and the only place
 * that maps EPC frames into the process.
 *
 * The page-fault hook (sgx_os_fault, Linux's sgx_vma_fault) lives here too:
 * it re-applies that protection after the enclave changed the EPCM (EACCEPT,
 * EMODPE) and, on an SGX2 CPU, EAUGs pages into holes of initialized enclaves.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/personality.h>

#include "os/encl.h"

int sgx_encl_open(struct sgx_os *os, struct sgx_encl **out)
{
	uint32_t r[4];
	struct sgx_encl *encl;

	*out = NULL;
	/* The driver registers /dev/sgx_enclave only with SGX1 and launch
	 * control; without them the device node does not exist. */
	sgx_cpuid(os->cpu, 7, 0, r);
	if (!(r[2] & CPUID_7_ECX_SGX_LC))
		return -ENOENT;
	sgx_cpuid(os->cpu, 0x12, 0, r);
	if (!(r[0] & CPUID_12_EAX_SGX1))
		return -ENOENT;

	encl = calloc(1, sizeof(*encl));
	if (!encl)
		return -ENOMEM;
	encl->os = os;
	sgx_lock(&os->lock);
	encl->next = os->encls;
	os->encls = encl;
	sgx_unlock(&os->lock);
	*out = encl;
	return 0;
}

static void unlink_encl(struct sgx_os *os, struct sgx_encl *encl)
{
	for (struct sgx_encl **p = &os->encls; *p; p = &(*p)->next) {
		if (*p == encl) {
			*p = encl->next;
			return;
		}
	}
}

/* EREMOVE one frame and give it back; a frame the CPU refuses to remove
 * stays allocated (Linux WARNs and leaks it the same way). */
static void remove_frame(struct sgx_os *os, uint64_t frame)
{
	struct sgx_fault f;

	if (sgx_eremove(os->cpu, sgx_epc_frame_addr(os->cpu, frame), &f) == 0)
		sgx_free_epc_frame(os, frame);
}

void sgx_encl_release(struct sgx_encl *encl)
{
	struct sgx_os *os;

	if (!encl)
		return;
	os = encl->os;
	sgx_lock(&os->lock);
	/* Unmap first: the frames must not stay visible once they are reused. */
	sgx_vmas_unmap_encl(os, encl);
	unlink_encl(os, encl);
	/* Drops the ELRANGE and waits until no translation can see the pages. */
	sgx_publish_snapshot(os);
	if (encl_test(encl, SGX_ENCL_CREATED)) {
		for (uint64_t i = 0; i < encl->nr_pages; i++) {
			uint64_t e = atomic_load(&encl->pages[i]);

			if (e & SGX_PAGE_PRESENT)
				remove_frame(os, sgx_page_frame(e));
		}
		remove_frame(os, encl->secs_frame);
		munmap((void *)encl->pages, encl->nr_pages * sizeof(uint64_t));
	}
	sgx_unlock(&os->lock);
	free(encl);
}

int sgx_encl_secs(const struct sgx_encl *encl, uint64_t *secs_frame, uint64_t *base,
		  uint64_t *size)
{
	if (!encl_test(encl, SGX_ENCL_CREATED))
		return -EINVAL;
	if (secs_frame)
		*secs_frame = encl->secs_frame;
	if (base)
		*base = encl->base;
	if (size)
		*size = encl->size;
	return 0;
}

uint64_t sgx_encl_page(const struct sgx_encl *encl, uint64_t la)
{
	if (!encl_test(encl, SGX_ENCL_CREATED) || la < encl->base || la - encl->base >= encl->size)
		return 0;
	return atomic_load(&encl->pages[(la - encl->base) / SGX_PAGE_SIZE]);
}

int sgx_encl_may_map(struct sgx_encl *encl, uint64_t start, uint64_t end, int prot)
{
	int want = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	int pers;

	if (encl_test(encl, SGX_ENCL_INITIALIZED) &&
	    (start < encl->base || end > encl->base + encl->size))
		return -EACCES;
	/* VMA permissions of READ_IMPLIES_EXEC tasks might conflict with the
	 * enclave page permissions. */
	pers = personality(0xffffffff);
	if (pers != -1 && (pers & READ_IMPLIES_EXEC))
		return -EACCES;
	if (!encl_test(encl, SGX_ENCL_CREATED))
		return 0;
	/* Holes are unrestricted: only existing pages limit the protection. */
	for (uint64_t a = start; a < end; a += SGX_PAGE_SIZE) {
		uint64_t e = sgx_encl_page(encl, a);

		if ((e & SGX_PAGE_PRESENT) && (want & ~sgx_page_max_prot(e)))
			return -EACCES;
	}
	return 0;
}

/* What the EPCM lets the enclave do with the page of entry e (PROT_NONE for
 * TCS, BLOCKED, PENDING and MODIFIED pages), and its frame (-1: hole). */
static int epcm_prot(struct sgx_os *os, uint64_t e, int64_t *frame)
{
	struct sgx_epcm_info info;
	int prot = 0;

	*frame = -1;
	if (!(e & SGX_PAGE_PRESENT))
		return PROT_NONE;
	*frame = (int64_t)sgx_page_frame(e);
	if (sgx_epcm_query(os->cpu, (uint64_t)*frame, &info) || !info.valid)
		return PROT_NONE;
	if (info.blocked || info.pending || info.modified)
		return PROT_NONE;
	if (info.perm & SGX_SECINFO_R)
		prot |= PROT_READ;
	if (info.perm & SGX_SECINFO_W)
		prot |= PROT_WRITE;
	if (info.perm & SGX_SECINFO_X)
		prot |= PROT_EXEC;
	return prot;
}

/* What the page at la may be mapped with, and its frame (-1: hole). */
static int page_prot(struct sgx_os *os, const struct sgx_vma *vma, uint64_t la,
		     int64_t *frame)
{
	return epcm_prot(os, sgx_encl_page(vma->encl, la), frame) & vma->prot;
}

/* Map one run: consecutive frames from `frame`, or a hole when frame < 0. */
static int map_run(struct sgx_os *os, uint64_t start, uint64_t len, int prot, int64_t frame)
{
	void *p;

	if (frame < 0)
		p = mmap((void *)start, len, PROT_NONE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	else
		p = mmap((void *)start, len, prot, MAP_FIXED | MAP_SHARED, sgx_epc_fd(os->cpu),
			 (off_t)frame * SGX_PAGE_SIZE);
	return p == MAP_FAILED ? -errno : 0;
}

int sgx_encl_apply_prot(struct sgx_os *os, const struct sgx_vma *vma, uint64_t start,
			uint64_t end)
{
	uint64_t run_start, a;
	int64_t run_frame, frame;
	int run_prot, prot, ret;

	if (start < vma->start)
		start = vma->start;
	if (end > vma->end)
		end = vma->end;
	if (start >= end)
		return 0;
	/* Coalesce pages into runs that one mmap() can express: holes with
	 * holes, or consecutive frames with the same protection. */
	run_start = start;
	run_prot = page_prot(os, vma, start, &run_frame);
	for (a = start + SGX_PAGE_SIZE; a < end; a += SGX_PAGE_SIZE) {
		int64_t expect = run_frame < 0 ? -1 :
				 run_frame + (int64_t)((a - run_start) / SGX_PAGE_SIZE);

		prot = page_prot(os, vma, a, &frame);
		if (frame == expect && (frame < 0 || prot == run_prot))
			continue;
		ret = map_run(os, run_start, a - run_start, run_prot, run_frame);
		if (ret)
			return ret;
		run_start = a;
		run_prot = prot;
		run_frame = frame;
	}
	return map_run(os, run_start, end - run_start, run_prot, run_frame);
}

/* ---- page faults ------------------------------------------------------------ */

/*
 * Linux's access_error() for a fault on a not-present PTE: a write needs a
 * writable VMA, any other access an accessible one. (An instruction fetch
 * from a non-executable VMA passes here and faults again on the NX PTE.)
 */
static bool vma_access_error(const struct sgx_vma *vma, unsigned access)
{
	if (access & SGX_ACCESS_WRITE)
		return !(vma->prot & PROT_WRITE);
	return vma->prot == PROT_NONE;
}

/* Would the page tables (the VMA, NX) and the EPCM allow the access now? */
static bool access_allowed(struct sgx_os *os, const struct sgx_vma *vma, uint64_t e,
			   unsigned access)
{
	int epcm, want = 0;
	int64_t frame;

	if (vma_access_error(vma, access) ||
	    ((access & SGX_ACCESS_EXEC) && !(vma->prot & PROT_EXEC)))
		return false;
	if (access & SGX_ACCESS_READ)
		want |= PROT_READ;
	if (access & SGX_ACCESS_WRITE)
		want |= PROT_WRITE;
	if (access & SGX_ACCESS_EXEC)
		want |= PROT_EXEC;
	epcm = epcm_prot(os, e, &frame);
	return !(want & ~epcm);
}

/*
 * sgx_encl_eaug_page(): EAUG a zeroed page at addr (a hole of ELRANGE), record
 * it with max prot RWX (the enclave decides its permissions through EACCEPT,
 * EACCEPTCOPY and EMODPE) and map it. os->lock held. 0 or -1 (SIGBUS).
 */
static int sgx_encl_eaug_page(struct sgx_os *os, struct sgx_encl *encl, uint64_t addr)
{
	uint64_t idx = (addr - encl->base) / SGX_PAGE_SIZE, prev;
	struct sgx_pageinfo pginfo = {
		.addr = addr, .contents = 0, .metadata = 0,
		.secs = sgx_epc_frame_addr(os->cpu, encl->secs_frame),
	};
	struct sgx_fault f;
	int64_t frame;

	if (!encl_test(encl, SGX_ENCL_INITIALIZED))
		return -1;
	/* No reclaimer: an exhausted EPC is -ENOMEM, i.e. SIGBUS. */
	prev = idx ? atomic_load(&encl->pages[idx - 1]) : 0;
	frame = sgx_alloc_epc_frame(os, (prev & SGX_PAGE_PRESENT) ? sgx_page_frame(prev) + 1
								  : os->next_frame);
	if (frame < 0)
		return -1;
	if (sgx_eaug(os->cpu, (uint64_t)(uintptr_t)&pginfo,
		     sgx_epc_frame_addr(os->cpu, (uint64_t)frame), &f)) {
		sgx_free_epc_frame(os, (uint64_t)frame);
		return -1;
	}
	atomic_store(&encl->pages[idx], sgx_page_entry((uint64_t)frame,
						       PROT_READ | PROT_WRITE | PROT_EXEC,
						       SGX_PT_REG));
	/* PENDING: mapped without access until the enclave EACCEPTs it. */
	sgx_vmas_refresh(os, encl, addr, addr + SGX_PAGE_SIZE);
	return 0;
}

/*
 * sgx_vma_fault(). Runs in the trap handler of the faulting thread, which
 * never holds os->lock there; it allocates nothing (the page array and the
 * MMU snapshot need no change for a new page).
 */
int sgx_os_fault(void *ctx, uint64_t la, unsigned access)
{
	struct sgx_os *os = ctx;
	uint64_t addr = la & ~(uint64_t)(SGX_PAGE_SIZE - 1), e;
	const struct sgx_vma *vma;
	struct sgx_encl *encl;
	int ret = -1;

	sgx_lock(&os->lock);
	vma = sgx_vma_find(os, la);
	/* No enclave VMA, or one that forbids the access: not ours (SIGSEGV). */
	if (!vma || vma_access_error(vma, access))
		goto out;
	encl = vma->encl;
	if (!encl_test(encl, SGX_ENCL_CREATED) || addr < encl->base ||
	    addr - encl->base >= encl->size)
		goto out;
	e = sgx_encl_page(encl, addr);
	if (!(e & SGX_PAGE_PRESENT)) {
		/* SGX2: a new page; the access then faults again with the SGX
		 * bit until the enclave accepts it, as on hardware. */
		if (os->has_sgx2 && !sgx_encl_eaug_page(os, encl, addr))
			ret = 0;
		goto out;
	}
	/* The VMA may not exceed what the page was vetted for. */
	if (vma->prot & ~sgx_page_max_prot(e))
		goto out;
	/* The EPCM may have changed under the mapping (EACCEPT, EMODPE...). */
	if (sgx_vmas_refresh(os, encl, addr, addr + SGX_PAGE_SIZE))
		goto out;
	if (access_allowed(os, vma, e, access))
		ret = 0;
out:
	sgx_unlock(&os->lock);
	return ret;
}
