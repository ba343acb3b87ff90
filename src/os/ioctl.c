/*
 * ioctl.c - the enclave ioctls of <asm/sgx.h>, with the checks, their order
 * and the errnos of the Linux driver (fact sheet 14.2, 14.3): ENCLAVE_CREATE,
 * ADD_PAGES, INIT, PROVISION, and the SGX2 ones (RESTRICT_PERMISSIONS,
 * MODIFY_TYPES, REMOVE_PAGES).
 *
 * User memory is only ever touched through copy_from_user/copy_to_user
 * (process_vm_readv/writev on ourselves), so a bad pointer is -EFAULT, never
 * a crash. ENCLS runs on kernel copies, as in Linux.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <asm/sgx.h>

#include "os/encl.h"

/* The driver's SECINFO check: FLAGS bits outside 2:0 and 15:8 are reserved
 * (stricter than the CPU, which accepts PENDING/MODIFIED/PR). */
#define SGX_DRV_SECINFO_RESERVED (~0xFF07ull)

/* ---- user memory ---------------------------------------------------------- */

static int copy_from_user(void *dst, uint64_t src, size_t len)
{
	struct iovec local = { dst, len };
	struct iovec remote = { (void *)(uintptr_t)src, len };

	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

static int copy_to_user(uint64_t dst, const void *src, size_t len)
{
	struct iovec local = { (void *)src, len };
	struct iovec remote = { (void *)(uintptr_t)dst, len };

	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -EFAULT;
}

static uint64_t epc_addr(const struct sgx_encl *encl, uint64_t frame)
{
	return sgx_epc_frame_addr(encl->os->cpu, frame);
}

/* ---- SGX_IOC_ENCLAVE_CREATE --------------------------------------------------- */

static bool is_power_of_2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int alloc_page_array(struct sgx_encl *encl, uint64_t size)
{
	uint64_t n = size / SGX_PAGE_SIZE;
	void *p = mmap(NULL, n * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	encl->pages = p;
	encl->nr_pages = n;
	return 0;
}

/* ECREATE on a kernel copy of the SECS; the caller holds os->lock. */
static int encl_create(struct sgx_encl *encl, struct sgx_secs *secs)
{
	struct sgx_os *os = encl->os;
	struct sgx_secinfo secinfo = { 0 };
	struct sgx_pageinfo pginfo = {
		.addr = 0, .contents = (uint64_t)(uintptr_t)secs,
		.metadata = (uint64_t)(uintptr_t)&secinfo, .secs = 0,
	};
	struct sgx_fault f;
	int64_t frame;

	if (!is_power_of_2(secs->size))
		return -EINVAL;
	frame = sgx_alloc_epc_frame(os, os->next_frame);
	if (frame < 0)
		return (int)frame;
	if (sgx_ecreate(os->cpu, (uint64_t)(uintptr_t)&pginfo, epc_addr(encl, (uint64_t)frame),
			&f)) {
		sgx_free_epc_frame(os, (uint64_t)frame);
		return -EIO;
	}
	if (alloc_page_array(encl, secs->size)) {
		sgx_eremove(os->cpu, epc_addr(encl, (uint64_t)frame), &f);
		sgx_free_epc_frame(os, (uint64_t)frame);
		return -ENOMEM;
	}
	encl->secs_frame = (uint64_t)frame;
	encl->base = secs->base;
	encl->size = secs->size;
	encl->attributes = secs->attributes.flags;
	encl->attributes_mask = SGX_ATTR_UNPRIV_MASK;
	if (secs->attributes.flags & SGX_ATTR_DEBUG)
		atomic_fetch_or(&encl->flags, SGX_ENCL_DEBUG);
	/* Set only after completion: readers test CREATED before the fields. */
	atomic_fetch_or(&encl->flags, SGX_ENCL_CREATED);
	/* The ELRANGE (and the pages of VMAs mapped before ECREATE) become
	 * visible to the MMU, and probing VMAs now show the new pages. */
	sgx_publish_snapshot(os);
	return 0;
}

static long sgx_ioc_enclave_create(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_create create_arg;
	struct sgx_secs *secs;
	int ret;

	if (encl_test(encl, SGX_ENCL_CREATED))
		return -EINVAL;
	if (copy_from_user(&create_arg, arg, sizeof(create_arg)))
		return -EFAULT;
	secs = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!secs)
		return -ENOMEM;
	if (copy_from_user(secs, create_arg.src, SGX_PAGE_SIZE)) {
		ret = -EFAULT;
	} else {
		sgx_lock(&encl->os->lock);
		ret = encl_create(encl, secs);
		sgx_unlock(&encl->os->lock);
	}
	free(secs);
	return ret;
}

/* ---- SGX_IOC_ENCLAVE_ADD_PAGES ------------------------------------------------ */

static int validate_offset_length(const struct sgx_encl *encl, uint64_t offset, uint64_t length)
{
	if (offset & (SGX_PAGE_SIZE - 1))
		return -EINVAL;
	if (!length || (length & (SGX_PAGE_SIZE - 1)))
		return -EINVAL;
	if (offset + length < offset)
		return -EINVAL;
	if (offset + length - SGX_PAGE_SIZE >= encl->size)
		return -EINVAL;
	return 0;
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static int validate_secinfo(const struct sgx_secinfo *secinfo)
{
	uint64_t perm = secinfo->flags & SGX_SECINFO_PERMISSION_MASK;
	uint64_t pt = secinfo->flags & SGX_SECINFO_PAGE_TYPE_MASK;

	if (pt != SGX_SECINFO_REG && pt != SGX_SECINFO_TCS)
		return -EINVAL;
	if ((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R))
		return -EINVAL;
	/* The CPU silently clears a TCS's permissions: refuse them here. */
	if (pt == SGX_SECINFO_TCS && perm)
		return -EINVAL;
	if (secinfo->flags & SGX_DRV_SECINFO_RESERVED)
		return -EINVAL;
	if (!all_zero(secinfo->reserved, sizeof(secinfo->reserved)))
		return -EINVAL;
	return 0;
}

/* vm_max_prot_bits: what a VMA over this page may ever allow. */
static int max_prot_of(const struct sgx_secinfo *secinfo)
{
	int prot = 0;

	if ((secinfo->flags & SGX_SECINFO_PAGE_TYPE_MASK) == SGX_SECINFO_TCS)
		return PROT_READ | PROT_WRITE;
	if (secinfo->flags & SGX_SECINFO_R)
		prot |= PROT_READ;
	if (secinfo->flags & SGX_SECINFO_W)
		prot |= PROT_WRITE;
	if (secinfo->flags & SGX_SECINFO_X)
		prot |= PROT_EXEC;
	return prot;
}

/* EADD and, if asked, the 16 EEXTENDs; -EIO on any failure. */
static int eadd_page(struct sgx_encl *encl, uint64_t frame, uint64_t la, const void *src,
		     const struct sgx_secinfo *secinfo, uint64_t flags)
{
	struct sgx_cpu *cpu = encl->os->cpu;
	uint64_t secs = epc_addr(encl, encl->secs_frame), page = epc_addr(encl, frame);
	struct sgx_pageinfo pginfo = {
		.addr = la, .contents = (uint64_t)(uintptr_t)src,
		.metadata = (uint64_t)(uintptr_t)secinfo, .secs = secs,
	};
	struct sgx_fault f;

	if (sgx_eadd(cpu, (uint64_t)(uintptr_t)&pginfo, page, &f))
		return -EIO;
	if (!(flags & SGX_PAGE_MEASURE))
		return 0;
	for (uint64_t off = 0; off < SGX_PAGE_SIZE; off += 256) {
		if (sgx_eextend(cpu, secs, page + off, &f)) {
			sgx_eremove(cpu, page, &f);
			return -EIO;
		}
	}
	return 0;
}

/* sgx_encl_add_page(): one page, `bounce` is a 4K kernel buffer. */
static int encl_add_page(struct sgx_encl *encl, uint64_t src, uint64_t offset,
			 const struct sgx_secinfo *secinfo, uint64_t flags, void *bounce)
{
	struct sgx_os *os = encl->os;
	uint64_t idx = offset / SGX_PAGE_SIZE, prev;
	int64_t frame;
	int ret;

	sgx_lock(&os->lock);
	/* Consecutive enclave pages on consecutive frames. */
	prev = idx ? atomic_load(&encl->pages[idx - 1]) : 0;
	frame = sgx_alloc_epc_frame(os, (prev & SGX_PAGE_PRESENT) ? sgx_page_frame(prev) + 1
								   : os->next_frame);
	if (frame < 0) {
		ret = (int)frame;
	} else if (atomic_load(&encl->pages[idx])) {
		ret = -EBUSY;
	} else if (copy_from_user(bounce, src, SGX_PAGE_SIZE)) {
		ret = -EFAULT;
	} else {
		ret = eadd_page(encl, (uint64_t)frame, encl->base + offset, bounce, secinfo, flags);
	}
	if (ret) {
		if (frame >= 0)
			sgx_free_epc_frame(os, (uint64_t)frame);
	} else {
		uint8_t type = (uint8_t)((secinfo->flags & SGX_SECINFO_PAGE_TYPE_MASK) >>
					 SGX_SECINFO_PAGE_TYPE_SHIFT);

		atomic_store(&encl->pages[idx],
			     sgx_page_entry((uint64_t)frame, max_prot_of(secinfo), type));
	}
	sgx_unlock(&os->lock);
	return ret;
}

static long sgx_ioc_enclave_add_pages(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_add_pages add_arg;
	struct sgx_secinfo secinfo;
	uint64_t c;
	void *bounce;
	int ret = 0;

	if (!encl_test(encl, SGX_ENCL_CREATED) || encl_test(encl, SGX_ENCL_INITIALIZED))
		return -EINVAL;
	if (copy_from_user(&add_arg, arg, sizeof(add_arg)))
		return -EFAULT;
	if (add_arg.src & (SGX_PAGE_SIZE - 1))
		return -EINVAL;
	if (validate_offset_length(encl, add_arg.offset, add_arg.length))
		return -EINVAL;
	if (copy_from_user(&secinfo, add_arg.secinfo, sizeof(secinfo)))
		return -EFAULT;
	if (validate_secinfo(&secinfo))
		return -EINVAL;

	bounce = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	for (c = 0; c < add_arg.length && bounce; c += SGX_PAGE_SIZE) {
		ret = encl_add_page(encl, add_arg.src + c, add_arg.offset + c, &secinfo,
				    add_arg.flags, bounce);
		if (ret)
			break;
	}
	if (!bounce)
		ret = -ENOMEM;
	free(bounce);
	/* Map what was added wherever a VMA already covers it. */
	if (c) {
		sgx_lock(&encl->os->lock);
		sgx_vmas_refresh(encl->os, encl, encl->base + add_arg.offset,
				 encl->base + add_arg.offset + c);
		sgx_unlock(&encl->os->lock);
	}
	add_arg.count = c;
	if (copy_to_user(arg, &add_arg, sizeof(add_arg)))
		return -EFAULT;
	return ret;
}

/* ---- SGX_IOC_ENCLAVE_INIT ------------------------------------------------------ */

/* The four LE-hash MSRs, then EINIT, as one critical section. */
static int einit_locked(struct sgx_encl *encl, const struct sgx_sigstruct *sig,
			const void *token)
{
	struct sgx_os *os = encl->os;
	uint8_t mrsigner[32];
	struct sgx_fault f;
	int ret;

	sgx_mrsigner(sig->modulus, mrsigner);
	sgx_lock(&os->einit_lock);
	/* Mainline keeps no MSR cache: rewrite all four before every EINIT;
	 * SGX_UNMASKED_EVENT is retried (this CPU never raises it). */
	for (int attempt = 0; attempt < 50 * 20; attempt++) {
		for (int i = 0; i < 4; i++) {
			uint64_t w;

			memcpy(&w, mrsigner + 8 * i, 8);
			sgx_wrmsr(os->cpu, MSR_IA32_SGXLEPUBKEYHASH0 + i, w);
		}
		ret = sgx_einit(os->cpu, (uint64_t)(uintptr_t)sig,
				epc_addr(encl, encl->secs_frame), (uint64_t)(uintptr_t)token, &f);
		if (ret != SGX_UNMASKED_EVENT)
			break;
	}
	sgx_unlock(&os->einit_lock);
	if (sgx_leaf_faulted(ret))
		return -EIO;
	return ret ? -EPERM : 0;
}

/* sgx_encl_init(): the driver's own checks, then EINIT. */
static int encl_init(struct sgx_encl *encl, const struct sgx_sigstruct *sig, const void *token)
{
	const struct sgx_os *os = encl->os;
	const struct sgx_sigstruct_body *b = &sig->body;
	int ret;

	/* Attributes (namely PROVISIONKEY) must have been allowed explicitly. */
	if (encl->attributes & ~encl->attributes_mask)
		return -EACCES;
	if (b->attributes.flags & b->attributes_mask.flags & os->attributes_reserved_mask)
		return -EINVAL;
	if (b->miscselect & b->misc_mask & os->misc_reserved_mask)
		return -EINVAL;
	if (b->attributes.xfrm & b->attributes_mask.xfrm & os->xfrm_reserved_mask)
		return -EINVAL;
	ret = einit_locked(encl, sig, token);
	if (!ret)
		atomic_fetch_or(&encl->flags, SGX_ENCL_INITIALIZED);
	return ret;
}

static long sgx_ioc_enclave_init(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_init init_arg;
	struct sgx_sigstruct *sig;
	uint8_t *page;
	int ret;

	if (!encl_test(encl, SGX_ENCL_CREATED) || encl_test(encl, SGX_ENCL_INITIALIZED))
		return -EINVAL;
	if (copy_from_user(&init_arg, arg, sizeof(init_arg)))
		return -EFAULT;
	/* SIGSTRUCT page-aligned, the token 512-aligned in the same page. */
	page = aligned_alloc(SGX_PAGE_SIZE, SGX_PAGE_SIZE);
	if (!page)
		return -ENOMEM;
	sig = (struct sgx_sigstruct *)page;
	memset(page + SGX_PAGE_SIZE / 2, 0, SGX_EINITTOKEN_SIZE);
	if (copy_from_user(sig, init_arg.sigstruct, sizeof(*sig)))
		ret = -EFAULT;
	else if (sig->header.vendor != 0 && sig->header.vendor != SGX_SIGSTRUCT_VENDOR_INTEL)
		ret = -EINVAL;
	else
		ret = encl_init(encl, sig, page + SGX_PAGE_SIZE / 2);
	free(page);
	return ret;
}

/* ---- SGX_IOC_ENCLAVE_PROVISION ------------------------------------------------- */

static long sgx_ioc_enclave_provision(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_provision params;

	if (copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;
	if (params.fd > 0x7fffffff || !sgx_is_provision_fd(encl->os, (int)params.fd))
		return -EINVAL;
	encl->attributes_mask |= SGX_ATTR_PROVISIONKEY;
	return 0;
}

/* ---- SGX2: RESTRICT_PERMISSIONS, MODIFY_TYPES, REMOVE_PAGES ---------------------- */

/* Steps 1 and 2 of the fact sheet table: before the struct is even read. */
static int sgx_ioc_sgx2_ready(struct sgx_encl *encl)
{
	if (!encl->os->has_sgx2)
		return -ENODEV;
	if (!encl_test(encl, SGX_ENCL_INITIALIZED))
		return -EINVAL;
	return 0;
}

/*
 * sgx_enclave_etrack(): start a tracking cycle on the SECS after an EPCM
 * change, so that the enclave's EACCEPT can complete. Linux IPIs every CPU
 * running the enclave's mm before it retries a failed ETRACK; nothing here
 * can interrupt the threads inside, so the retry only succeeds if they left
 * on their own meanwhile. A second failure is -EFAULT, as in Linux.
 */
static int sgx_enclave_etrack(struct sgx_encl *encl)
{
	uint64_t secs = epc_addr(encl, encl->secs_frame);
	struct sgx_fault f;

	if (!sgx_etrack(encl->os->cpu, secs, &f))
		return 0;
	sched_yield();
	return sgx_etrack(encl->os->cpu, secs, &f) ? -EFAULT : 0;
}

/*
 * sgx_encl_load_page(): the entry of the page at addr, os->lock held. No page
 * is -EFAULT (nothing is ever evicted here, so there is no ELDU and no
 * "being reclaimed" -EAGAIN/-EBUSY).
 */
static int sgx_encl_load_page(struct sgx_encl *encl, uint64_t addr, uint64_t *entry)
{
	*entry = sgx_encl_page(encl, addr);
	return (*entry & SGX_PAGE_PRESENT) ? 0 : -EFAULT;
}

static void sgx_encl_set_page(struct sgx_encl *encl, uint64_t addr, uint64_t entry)
{
	atomic_store(&encl->pages[(addr - encl->base) / SGX_PAGE_SIZE], entry);
}

/* The EPCM entry of a page changed: re-apply its effective protection in
 * every VMA that maps it (os->lock held). */
static void sgx_encl_refresh_page(struct sgx_encl *encl, uint64_t addr)
{
	sgx_vmas_refresh(encl->os, encl, addr, addr + SGX_PAGE_SIZE);
}

static long sgx_enclave_restrict_permissions(struct sgx_encl *encl,
					     struct sgx_enclave_restrict_permissions *modp)
{
	struct sgx_os *os = encl->os;
	struct sgx_secinfo secinfo;
	struct sgx_fault f;
	uint64_t addr, entry, c;
	long ret;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = modp->permissions & SGX_SECINFO_PERMISSION_MASK;

	for (c = 0; c < modp->length; c += SGX_PAGE_SIZE) {
		addr = encl->base + modp->offset + c;

		sgx_lock(&os->lock);

		ret = sgx_encl_load_page(encl, addr, &entry);
		if (ret)
			goto out_unlock;

		/* EMODPR works on regular pages only (anything else #PFs). */
		if (sgx_page_type(entry) != SGX_PT_REG) {
			ret = -EINVAL;
			goto out_unlock;
		}

		/* EMODPR can only remove permissions: the kernel does not vet
		 * them against vm_max_prot_bits, which stay unchanged. */
		ret = sgx_emodpr(os->cpu, (uint64_t)(uintptr_t)&secinfo,
				 epc_addr(encl, sgx_page_frame(entry)), &f);
		if (sgx_leaf_faulted((int)ret)) {
			ret = -EFAULT;
			goto out_unlock;
		}
		if (ret) {
			modp->result = (uint64_t)ret;
			ret = -EFAULT;
			goto out_unlock;
		}
		sgx_encl_refresh_page(encl, addr);

		ret = sgx_enclave_etrack(encl);
		if (ret)
			goto out_unlock;

		sgx_unlock(&os->lock);
	}

	ret = 0;
	goto out;

out_unlock:
	sgx_unlock(&os->lock);
out:
	modp->count = c;

	return ret;
}

static long sgx_ioc_enclave_restrict_permissions(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_restrict_permissions params;
	long ret;

	ret = sgx_ioc_sgx2_ready(encl);
	if (ret)
		return ret;

	if (copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;

	if (validate_offset_length(encl, params.offset, params.length))
		return -EINVAL;

	if (params.permissions & ~SGX_SECINFO_PERMISSION_MASK)
		return -EINVAL;

	/* Fail early rather than let EMODPR #GP on W without R. */
	if ((params.permissions & SGX_SECINFO_W) && !(params.permissions & SGX_SECINFO_R))
		return -EINVAL;

	if (params.result || params.count)
		return -EINVAL;

	ret = sgx_enclave_restrict_permissions(encl, &params);

	if (copy_to_user(arg, &params, sizeof(params)))
		return -EFAULT;

	return ret;
}

static long sgx_enclave_modify_types(struct sgx_encl *encl,
				     struct sgx_enclave_modify_types *modt)
{
	struct sgx_os *os = encl->os;
	struct sgx_secinfo secinfo;
	struct sgx_fault f;
	uint64_t addr, entry, c;
	uint8_t page_type, old_type;
	int max_prot;
	long ret;

	page_type = (uint8_t)(modt->page_type & 0xFF);

	/* The only new page types the hardware allows are PT_TCS and PT_TRIM. */
	if (page_type != SGX_PT_TCS && page_type != SGX_PT_TRIM)
		return -EINVAL;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = (uint64_t)page_type << SGX_SECINFO_PAGE_TYPE_SHIFT;

	for (c = 0; c < modt->length; c += SGX_PAGE_SIZE) {
		addr = encl->base + modt->offset + c;

		sgx_lock(&os->lock);

		ret = sgx_encl_load_page(encl, addr, &entry);
		if (ret)
			goto out_unlock;

		/* REG -> TCS or TRIM; TCS -> TRIM only (no CET pages). */
		old_type = sgx_page_type(entry);
		if (!(old_type == SGX_PT_REG ||
		      (old_type == SGX_PT_TCS && page_type == SGX_PT_TRIM))) {
			ret = -EINVAL;
			goto out_unlock;
		}

		/*
		 * A TCS is RW from the kernel's point of view (and inaccessible
		 * to the enclave): the page must have been vetted for both, and
		 * its maximum protection becomes exactly that.
		 */
		max_prot = sgx_page_max_prot(entry);
		if (old_type == SGX_PT_REG && page_type == SGX_PT_TCS) {
			if (~max_prot & (PROT_READ | PROT_WRITE)) {
				ret = -EPERM;
				goto out_unlock;
			}
			max_prot = PROT_READ | PROT_WRITE;
		}
		sgx_encl_set_page(encl, addr, sgx_page_entry(sgx_page_frame(entry), max_prot,
							     old_type));

		ret = sgx_emodt(os->cpu, (uint64_t)(uintptr_t)&secinfo,
				epc_addr(encl, sgx_page_frame(entry)), &f);
		if (sgx_leaf_faulted((int)ret)) {
			ret = -EFAULT;
			goto out_entry_changed;
		}
		if (ret) {
			modt->result = (uint64_t)ret;
			ret = -EFAULT;
			goto out_entry_changed;
		}
		/* MODIFIED: no access until the enclave EACCEPTs. */
		sgx_encl_refresh_page(encl, addr);

		ret = sgx_enclave_etrack(encl);
		if (ret)
			goto out_unlock;

		sgx_encl_set_page(encl, addr, sgx_page_entry(sgx_page_frame(entry), max_prot,
							     page_type));

		sgx_unlock(&os->lock);
	}

	ret = 0;
	goto out;

out_entry_changed:
	sgx_encl_set_page(encl, addr, entry);
out_unlock:
	sgx_unlock(&os->lock);
out:
	modt->count = c;

	return ret;
}

static long sgx_ioc_enclave_modify_types(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_modify_types params;
	long ret;

	ret = sgx_ioc_sgx2_ready(encl);
	if (ret)
		return ret;

	if (copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;

	if (validate_offset_length(encl, params.offset, params.length))
		return -EINVAL;

	if (params.page_type & ~0xFFull)
		return -EINVAL;

	if (params.result || params.count)
		return -EINVAL;

	ret = sgx_enclave_modify_types(encl, &params);

	if (copy_to_user(arg, &params, sizeof(params)))
		return -EFAULT;

	return ret;
}

static long sgx_encl_remove_pages(struct sgx_encl *encl,
				  struct sgx_enclave_remove_pages *params)
{
	struct sgx_os *os = encl->os;
	struct sgx_secinfo secinfo;
	struct sgx_fault f;
	uint64_t addr, entry, frame, c;
	long ret;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X;

	for (c = 0; c < params->length; c += SGX_PAGE_SIZE) {
		addr = encl->base + params->offset + c;

		sgx_lock(&os->lock);

		ret = sgx_encl_load_page(encl, addr, &entry);
		if (ret)
			goto out_unlock;

		if (sgx_page_type(entry) != SGX_PT_TRIM) {
			ret = -EPERM;
			goto out_unlock;
		}

		/*
		 * EMODPR is used as a probe for the enclave's EACCEPT: on a
		 * trimmed page not yet accepted (MODIFIED) it returns
		 * SGX_PAGE_NOT_MODIFIABLE; once accepted it #PFs (not PT_REG).
		 */
		frame = sgx_page_frame(entry);
		ret = sgx_emodpr(os->cpu, (uint64_t)(uintptr_t)&secinfo, epc_addr(encl, frame), &f);
		if (!sgx_leaf_faulted((int)ret) || sgx_leaf_vector((int)ret) != X86_TRAP_PF) {
			ret = -EPERM;
			goto out_unlock;
		}

		/* Out of the page array first, so that the zap maps a hole. */
		sgx_encl_set_page(encl, addr, 0);
		sgx_encl_refresh_page(encl, addr);

		/* sgx_encl_free_epc_page(): a frame EREMOVE refuses leaks. */
		if (sgx_eremove(os->cpu, epc_addr(encl, frame), &f) == 0)
			sgx_free_epc_frame(os, frame);

		sgx_unlock(&os->lock);
	}

	ret = 0;
	goto out;

out_unlock:
	sgx_unlock(&os->lock);
out:
	params->count = c;

	return ret;
}

static long sgx_ioc_enclave_remove_pages(struct sgx_encl *encl, uint64_t arg)
{
	struct sgx_enclave_remove_pages params;
	long ret;

	ret = sgx_ioc_sgx2_ready(encl);
	if (ret)
		return ret;

	if (copy_from_user(&params, arg, sizeof(params)))
		return -EFAULT;

	if (validate_offset_length(encl, params.offset, params.length))
		return -EINVAL;

	if (params.count)
		return -EINVAL;

	ret = sgx_encl_remove_pages(encl, &params);

	if (copy_to_user(arg, &params, sizeof(params)))
		return -EFAULT;

	return ret;
}

/* ---- dispatch ----------------------------------------------------------------- */

static long dispatch(struct sgx_encl *encl, unsigned int cmd, uint64_t arg)
{
	switch (cmd) {
	case SGX_IOC_ENCLAVE_CREATE:
		return sgx_ioc_enclave_create(encl, arg);
	case SGX_IOC_ENCLAVE_ADD_PAGES:
		return sgx_ioc_enclave_add_pages(encl, arg);
	case SGX_IOC_ENCLAVE_INIT:
		return sgx_ioc_enclave_init(encl, arg);
	case SGX_IOC_ENCLAVE_PROVISION:
		return sgx_ioc_enclave_provision(encl, arg);
	case SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS:
		return sgx_ioc_enclave_restrict_permissions(encl, arg);
	case SGX_IOC_ENCLAVE_MODIFY_TYPES:
		return sgx_ioc_enclave_modify_types(encl, arg);
	case SGX_IOC_ENCLAVE_REMOVE_PAGES:
		return sgx_ioc_enclave_remove_pages(encl, arg);
	default:
		return -ENOTTY; /* -ENOIOCTLCMD, as user space sees it */
	}
}

long sgx_encl_ioctl(struct sgx_encl *encl, unsigned int cmd, unsigned long arg)
{
	long ret;

	/* One ioctl at a time per enclave, whatever the command. */
	if (atomic_fetch_or(&encl->flags, SGX_ENCL_IOCTL) & SGX_ENCL_IOCTL)
		return -EBUSY;
	ret = dispatch(encl, cmd, arg);
	atomic_fetch_and(&encl->flags, ~SGX_ENCL_IOCTL);
	return ret;
}
