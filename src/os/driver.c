/*
 * driver.c - the file side of the driver: driver init (reserved masks from
 * CPUID 0x12), the enclave VMAs (mmap/mprotect/munmap rules of fact sheet
 * 14.4), the MMU snapshot those VMAs are published in, and /dev/sgx_provision.
 *
 * An enclave VMA is a host range we own: every page in it is either an EPC
 * frame (MAP_SHARED of the CPU's memfd) or PROT_NONE anonymous memory, as
 * decided by sgx_encl_apply_prot().
 */
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/encl.h"

/* Attribute bits Linux treats as reserved whatever CPUID says. */
#define SGX_ATTR_RESERVED_MASK (0x8ull | 0x40ull | 0x300ull | ~0x7FFull)
#define SGX_MISC_RESERVED_MASK (~1ull)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)

static uint64_t page_round_up(uint64_t len)
{
	return (len + SGX_PAGE_SIZE - 1) & ~(uint64_t)(SGX_PAGE_SIZE - 1);
}

int sgx_drv_init(struct sgx_os *os)
{
	unsigned int a, b, c, d;
	uint32_t r[4];

	sgx_cpuid(os->cpu, 0x12, 0, r);
	os->has_sgx2 = r[0] & CPUID_12_EAX_SGX2;
	os->misc_reserved_mask = ~(uint64_t)r[1] | SGX_MISC_RESERVED_MASK;
	sgx_cpuid(os->cpu, 0x12, 1, r);
	os->attributes_reserved_mask = ~((uint64_t)r[1] << 32 | r[0]) | SGX_ATTR_RESERVED_MASK;
	/* Without OSXSAVE only x87 and SSE state exist. */
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & CPUID_1_ECX_OSXSAVE))
		os->xfrm_reserved_mask = ~((uint64_t)r[3] << 32 | r[2]);
	else
		os->xfrm_reserved_mask = ~SGX_XFRM_LEGACY;
	return 0;
}

/* ---- MMU snapshot --------------------------------------------------------- */

static struct sgx_snap *build_snapshot(struct sgx_os *os)
{
	size_t nr_encls = 0, i = 0;
	struct sgx_snap *s;

	for (struct sgx_encl *e = os->encls; e; e = e->next)
		nr_encls += encl_test(e, SGX_ENCL_CREATED);
	s = malloc(sizeof(*s) + os->nr_vmas * sizeof(*s->vmas) + nr_encls * sizeof(*s->encls));
	if (!s)
		return NULL;
	s->nr_vmas = os->nr_vmas;
	s->nr_encls = nr_encls;
	s->vmas = (struct sgx_snap_vma *)(s + 1);
	s->encls = (struct sgx_snap_encl *)(s->vmas + os->nr_vmas);
	for (i = 0; i < os->nr_vmas; i++) {
		const struct sgx_vma *v = &os->vmas[i];
		bool created = encl_test(v->encl, SGX_ENCL_CREATED);

		s->vmas[i] = (struct sgx_snap_vma){
			.start = v->start, .end = v->end, .prot = v->prot,
			.base = created ? v->encl->base : 0,
			.size = created ? v->encl->size : 0,
			.pages = created ? v->encl->pages : NULL,
		};
	}
	i = 0;
	for (struct sgx_encl *e = os->encls; e; e = e->next)
		if (encl_test(e, SGX_ENCL_CREATED))
			s->encls[i++] = (struct sgx_snap_encl){ e->base, e->size, e };
	return s;
}

/* Swap in `s` and free the old snapshot once no translation reads it. */
static void swap_snapshot(struct sgx_os *os, struct sgx_snap *s)
{
	struct sgx_snap *old = atomic_exchange(&os->snap, s);

	while (atomic_load(&os->snap_readers))
		sched_yield();
	free(old);
}

int sgx_publish_snapshot(struct sgx_os *os)
{
	struct sgx_snap *s = build_snapshot(os);

	/* Out of memory: publish nothing rather than a stale view that may
	 * point at pages about to be freed. */
	swap_snapshot(os, s);
	return s ? 0 : -ENOMEM;
}

void sgx_free_snapshot(struct sgx_os *os)
{
	swap_snapshot(os, NULL);
}

/* ---- VMA records (os->lock held) ------------------------------------------- */

static int vmas_reserve(struct sgx_os *os, size_t extra)
{
	struct sgx_vma *v;
	size_t cap;

	if (os->nr_vmas + extra <= os->cap_vmas)
		return 0;
	cap = os->cap_vmas ? os->cap_vmas * 2 : 16;
	while (cap < os->nr_vmas + extra)
		cap *= 2;
	v = realloc(os->vmas, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	os->vmas = v;
	os->cap_vmas = cap;
	return 0;
}

static void vmas_insert_at(struct sgx_os *os, size_t i, const struct sgx_vma *v)
{
	memmove(&os->vmas[i + 1], &os->vmas[i], (os->nr_vmas - i) * sizeof(*v));
	os->vmas[i] = *v;
	os->nr_vmas++;
}

static void vmas_delete_at(struct sgx_os *os, size_t i)
{
	memmove(&os->vmas[i], &os->vmas[i + 1], (os->nr_vmas - i - 1) * sizeof(os->vmas[0]));
	os->nr_vmas--;
}

/* Forget [start, end) of every record, splitting records that straddle it.
 * Needs room for one extra record (a split in the middle). */
static void vmas_remove_range(struct sgx_os *os, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < os->nr_vmas; i++) {
		struct sgx_vma *v = &os->vmas[i];

		if (v->end <= start || v->start >= end)
			continue;
		if (v->start < start && v->end > end) {
			struct sgx_vma right = *v;

			right.start = end;
			v->end = start;
			vmas_insert_at(os, i + 1, &right);
			return;
		}
		if (v->start < start) {
			v->end = start;
		} else if (v->end > end) {
			v->start = end;
		} else {
			vmas_delete_at(os, i);
			i--;
		}
	}
}

static void vmas_insert(struct sgx_os *os, const struct sgx_vma *v)
{
	size_t i = 0;

	while (i < os->nr_vmas && os->vmas[i].start < v->start)
		i++;
	vmas_insert_at(os, i, v);
}

void sgx_vmas_unmap_encl(struct sgx_os *os, struct sgx_encl *encl)
{
	for (size_t i = 0; i < os->nr_vmas; i++) {
		if (os->vmas[i].encl != encl)
			continue;
		munmap((void *)os->vmas[i].start, os->vmas[i].end - os->vmas[i].start);
		vmas_delete_at(os, i);
		i--;
	}
}

int sgx_vmas_refresh(struct sgx_os *os, struct sgx_encl *encl, uint64_t start, uint64_t end)
{
	int ret = 0;

	for (size_t i = 0; i < os->nr_vmas && !ret; i++)
		if (os->vmas[i].encl == encl)
			ret = sgx_encl_apply_prot(os, &os->vmas[i], start, end);
	return ret;
}

const struct sgx_vma *sgx_vma_find(struct sgx_os *os, uint64_t la)
{
	size_t lo = 0, hi = os->nr_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (la < os->vmas[mid].start)
			hi = mid;
		else if (la >= os->vmas[mid].end)
			lo = mid + 1;
		else
			return &os->vmas[mid];
	}
	return NULL;
}

/* ---- mmap ---------------------------------------------------------------- */

/* Host address space for a VMA the caller did not place (get_unmapped_area). */
static int64_t reserve_area(uint64_t hint, uint64_t len, int flags)
{
	int extra = (flags & MAP_FIXED_NOREPLACE) ? MAP_FIXED_NOREPLACE : 0;
	void *p = mmap((void *)hint, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | extra, -1, 0);

	return p == MAP_FAILED ? -errno : (int64_t)(uintptr_t)p;
}

/* Record [start, start+len) as a VMA of encl and map it. os->lock held. */
static int install_vma(struct sgx_encl *encl, uint64_t start, uint64_t len, int prot)
{
	struct sgx_os *os = encl->os;
	struct sgx_vma v = { start, start + len, prot & PROT_RWX, encl };
	int ret = vmas_reserve(os, 2);

	if (ret)
		return ret;
	vmas_remove_range(os, v.start, v.end);
	vmas_insert(os, &v);
	ret = sgx_encl_apply_prot(os, &v, v.start, v.end);
	if (ret) {
		vmas_remove_range(os, v.start, v.end);
		munmap((void *)start, len);
	}
	sgx_publish_snapshot(os);
	return ret;
}

uint64_t sgx_encl_mmap(struct sgx_encl *encl, uint64_t addr, uint64_t len, int prot,
		       int flags, uint64_t pgoff)
{
	struct sgx_os *os = encl->os;
	bool fixed = (flags & MAP_FIXED) && !(flags & MAP_FIXED_NOREPLACE);
	int type = flags & MAP_TYPE;
	int64_t start;
	int ret;

	(void)pgoff; /* pages are found by address, not by file offset */
	if (!len)
		return (uint64_t)-EINVAL;
	if (page_round_up(len) < len)
		return (uint64_t)-ENOMEM;
	len = page_round_up(len);
	/* sgx_get_unmapped_area(): enclave memory cannot be private. */
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return (uint64_t)-EINVAL;
	if (fixed) {
		if (addr & (SGX_PAGE_SIZE - 1) || addr + len < addr)
			return (uint64_t)-EINVAL;
		start = (int64_t)addr;
	} else {
		start = reserve_area(addr, len, flags);
		if (start < 0)
			return (uint64_t)start;
	}
	sgx_lock(&os->lock);
	ret = sgx_encl_may_map(encl, (uint64_t)start, (uint64_t)start + len, prot);
	if (!ret)
		ret = install_vma(encl, (uint64_t)start, len, prot);
	else if (!fixed)
		munmap((void *)start, len);
	sgx_unlock(&os->lock);
	return ret ? (uint64_t)(int64_t)ret : (uint64_t)start;
}

/* ---- mprotect / munmap ----------------------------------------------------- */

/* Host mprotect of the parts of [start, end) no enclave VMA covers. */
static int mprotect_gaps(struct sgx_os *os, uint64_t start, uint64_t end, int prot)
{
	uint64_t a = start;

	for (size_t i = 0; i < os->nr_vmas && a < end; i++) {
		const struct sgx_vma *v = &os->vmas[i];

		if (v->end <= a)
			continue;
		if (v->start >= end)
			break;
		if (v->start > a && mprotect((void *)a, v->start - a, prot))
			return -errno;
		a = v->end;
	}
	if (a < end && mprotect((void *)a, end - a, prot))
		return -errno;
	return 0;
}

/* The vma_ops->mprotect hook for every enclave VMA piece in the range. */
static int may_mprotect(struct sgx_os *os, uint64_t start, uint64_t end, int prot)
{
	for (size_t i = 0; i < os->nr_vmas; i++) {
		const struct sgx_vma *v = &os->vmas[i];
		uint64_t s = v->start > start ? v->start : start;
		uint64_t e = v->end < end ? v->end : end;
		int ret;

		if (s >= e)
			continue;
		ret = sgx_encl_may_map(v->encl, s, e, prot);
		if (ret)
			return ret;
	}
	return 0;
}

/* Give the enclave pieces of [start, end) the new protection. */
static int mprotect_vmas(struct sgx_os *os, uint64_t start, uint64_t end, int prot)
{
	int ret = 0;

	for (size_t i = 0; i < os->nr_vmas && !ret; i++) {
		struct sgx_vma piece = os->vmas[i];

		if (piece.end <= start || piece.start >= end || piece.prot == (prot & PROT_RWX))
			continue;
		if (vmas_reserve(os, 2))
			return -ENOMEM;
		piece.start = piece.start > start ? piece.start : start;
		piece.end = piece.end < end ? piece.end : end;
		piece.prot = prot & PROT_RWX;
		vmas_remove_range(os, piece.start, piece.end);
		vmas_insert(os, &piece);
		ret = sgx_encl_apply_prot(os, &piece, piece.start, piece.end);
	}
	return ret;
}

int sgx_os_mprotect(struct sgx_os *os, uint64_t addr, uint64_t len, int prot)
{
	uint64_t end;
	int ret;

	if (addr & (SGX_PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(PROT_RWX | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (!len)
		return 0;
	end = addr + page_round_up(len);
	if (end <= addr)
		return -ENOMEM;
	sgx_lock(&os->lock);
	ret = may_mprotect(os, addr, end, prot);
	if (!ret)
		ret = mprotect_gaps(os, addr, end, prot);
	if (!ret)
		ret = mprotect_vmas(os, addr, end, prot);
	sgx_publish_snapshot(os);
	sgx_unlock(&os->lock);
	return ret;
}

int sgx_os_munmap(struct sgx_os *os, uint64_t addr, uint64_t len)
{
	uint64_t end;
	int ret = 0;

	if ((addr & (SGX_PAGE_SIZE - 1)) || !len)
		return -EINVAL;
	end = addr + page_round_up(len);
	if (end <= addr)
		return -EINVAL;
	sgx_lock(&os->lock);
	if (vmas_reserve(os, 1) == 0) {
		vmas_remove_range(os, addr, end);
		if (munmap((void *)addr, end - addr))
			ret = -errno;
		sgx_publish_snapshot(os);
	} else {
		ret = -ENOMEM;
	}
	sgx_unlock(&os->lock);
	return ret;
}

/* ---- /dev/sgx_provision ----------------------------------------------------- */

int sgx_os_open_provision(struct sgx_os *os)
{
	struct sgx_prov_id *p;
	struct stat st;
	int fd = memfd_create("sgx_provision", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int err = -errno;

		close(fd);
		return err;
	}
	sgx_lock(&os->lock);
	p = realloc(os->prov, (os->nr_prov + 1) * sizeof(*p));
	if (p) {
		os->prov = p;
		os->prov[os->nr_prov++] = (struct sgx_prov_id){ st.st_dev, st.st_ino };
	}
	sgx_unlock(&os->lock);
	if (!p) {
		close(fd);
		return -ENOMEM;
	}
	return fd;
}

bool sgx_is_provision_fd(struct sgx_os *os, int fd)
{
	struct stat st;
	bool found = false;

	if (fd < 0 || fstat(fd, &st))
		return false;
	sgx_lock(&os->lock);
	for (size_t i = 0; i < os->nr_prov && !found; i++)
		found = os->prov[i].dev == st.st_dev && os->prov[i].ino == st.st_ino;
	sgx_unlock(&os->lock);
	return found;
}

bool sgx_encl_has_vmas(struct sgx_encl *encl)
{
	struct sgx_os *os = encl->os;
	bool found = false;

	sgx_lock(&os->lock);
	for (size_t i = 0; i < os->nr_vmas && !found; i++)
		found = os->vmas[i].encl == encl;
	sgx_unlock(&os->lock);
	return found;
}

/*
 * In a fork child: the parent's enclaves are not the child's. The child gets
 * an EPC of its own (the CPU's memfd is shared with the parent and must not
 * be written here), its enclave mappings become inaccessible address space,
 * and the enclave VMAs are forgotten, so an entry faults as on Linux. Only
 * this thread exists in the child: the locks are reset, whoever held them in
 * the parent.
 */
void sgx_os_fork_child(struct sgx_os *os)
{
	sgx_lock_init(&os->lock);
	sgx_lock_init(&os->einit_lock);
	sgx_cpu_fork_child(os->cpu);
	for (size_t i = 0; i < os->nr_vmas; i++)
		mmap((void *)os->vmas[i].start, os->vmas[i].end - os->vmas[i].start, PROT_NONE,
		     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	os->nr_vmas = 0;
	sgx_publish_snapshot(os);
}
