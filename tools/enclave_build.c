/*
 * enclave_build.c - drive the emulated CPU's build leaves over an ELF image
 * (see enclave_build.h). The measurement is whatever the CPU computes, so
 * EADD's TCS fixups are applied as hardware applies them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enclave_build.h"

static const char *fault_name(uint32_t vector)
{
	switch (vector) {
	case X86_TRAP_GP:
		return "#GP";
	case X86_TRAP_PF:
		return "#PF";
	case X86_TRAP_UD:
		return "#UD";
	default:
		return "fault";
	}
}

/* Describe a failed leaf in err. */
static int leaf_error(const char *leaf, int ret, const struct sgx_fault *f, uint64_t offset,
		      char *err, size_t errlen)
{
	if (sgx_leaf_faulted(ret))
		snprintf(err, errlen,
			 "%s failed at enclave offset 0x%llx: %s (vector %d, error code 0x%x, address 0x%llx)",
			 leaf, (unsigned long long)offset, fault_name(f->vector),
			 sgx_leaf_vector(ret), f->error_code, (unsigned long long)f->addr);
	else
		snprintf(err, errlen, "%s failed at enclave offset 0x%llx: SGX error code %d",
			 leaf, (unsigned long long)offset, ret);
	return -1;
}

int enclave_build_on(struct sgx_cpu *cpu, const struct elf_image *img, uint64_t first_frame,
		     uint64_t base, struct enclave_build *out, char *err, size_t errlen)
{
	struct sgx_secinfo secinfo;
	struct sgx_pageinfo pageinfo;
	struct sgx_fault fault;
	struct sgx_secs *secs;
	uint8_t *page;
	uint64_t frame = first_frame, secs_addr;
	int ret = -1, r;

	if (first_frame + 1 + img->nr_pages > sgx_epc_nr_frames(cpu)) {
		snprintf(err, errlen, "EPC too small: %llu frames needed from frame %llu",
			 (unsigned long long)(1 + img->nr_pages), (unsigned long long)first_frame);
		return -1;
	}
	secs = aligned_alloc(4096, sizeof(*secs));
	page = aligned_alloc(4096, 4096);
	if (!secs || !page) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}

	memset(secs, 0, sizeof(*secs));
	secs->size = img->encl_size;
	secs->base = base;
	secs->ssa_frame_size = 1;
	secs->miscselect = 0;
	secs->attributes.flags = SGX_ATTR_MODE64BIT;
	secs->attributes.xfrm = SGX_XFRM_LEGACY;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = SGX_SECINFO_SECS;
	memset(&pageinfo, 0, sizeof(pageinfo));
	pageinfo.contents = (uint64_t)(uintptr_t)secs;
	pageinfo.metadata = (uint64_t)(uintptr_t)&secinfo;
	secs_addr = sgx_epc_frame_addr(cpu, frame);
	r = sgx_ecreate(cpu, (uint64_t)(uintptr_t)&pageinfo, secs_addr, &fault);
	if (r) {
		leaf_error("ECREATE", r, &fault, 0, err, errlen);
		goto out;
	}
	out->secs_frame = frame++;
	out->base = base;
	out->size = img->encl_size;

	for (size_t s = 0; s < img->nr_segs; s++) {
		const struct elf_segment *seg = &img->segs[s];

		for (uint64_t i = 0; i < seg->size / 4096; i++) {
			uint64_t off = seg->offset + i * 4096;
			uint64_t epc = sgx_epc_frame_addr(cpu, frame);

			elf_image_page(img, seg, i, page);
			memset(&secinfo, 0, sizeof(secinfo));
			secinfo.flags = seg->secinfo;
			pageinfo.addr = base + off;
			pageinfo.contents = (uint64_t)(uintptr_t)page;
			pageinfo.metadata = (uint64_t)(uintptr_t)&secinfo;
			pageinfo.secs = secs_addr;
			r = sgx_eadd(cpu, (uint64_t)(uintptr_t)&pageinfo, epc, &fault);
			if (r) {
				leaf_error("EADD", r, &fault, off, err, errlen);
				goto out;
			}
			frame++;
			if (!seg->measured)
				continue;
			for (uint64_t k = 0; k < 16; k++) {
				r = sgx_eextend(cpu, secs_addr, epc + k * 256, &fault);
				if (r) {
					leaf_error("EEXTEND", r, &fault, off + k * 256, err,
						   errlen);
					goto out;
				}
			}
		}
	}
	out->next_frame = frame;
	ret = 0;
out:
	free(page);
	free(secs);
	return ret;
}

static unsigned log2_ceil(uint64_t v)
{
	unsigned n = 0;

	while (n < 63 && (1ull << n) < v)
		n++;
	return n;
}

int enclave_measure(const struct elf_image *img, uint8_t mrenclave[32], char *err,
		    size_t errlen)
{
	struct sgx_cpu_config cfg;
	struct enclave_build b;
	struct sgx_cpu *cpu;
	uint64_t frames;
	int r, ret = -1;

	sgx_cpu_config_default(&cfg);
	/* SECS + every page + one spare, rounded up to 1 MiB. */
	frames = (img->nr_pages + 2 + 255) & ~255ull;
	cfg.epc_size = frames * 4096;
	/* A measurement does not depend on the platform: let ECREATE accept
	 * any size the image needs (SIZE must stay below 2^max). */
	if (log2_ceil(img->encl_size) + 1 > cfg.max_enclave_size_64)
		cfg.max_enclave_size_64 = (uint8_t)(log2_ceil(img->encl_size) + 1);
	r = sgx_cpu_create(&cfg, &cpu);
	if (r) {
		snprintf(err, errlen, "cannot create the emulated CPU (EPC %llu bytes): %s",
			 (unsigned long long)cfg.epc_size, strerror(-r));
		return -1;
	}
	/* BASEADDR = SIZE is naturally aligned and canonical. */
	if (enclave_build_on(cpu, img, 0, img->encl_size, &b, err, errlen))
		goto out;
	r = sgx_secs_peek_mrenclave(cpu, b.secs_frame, mrenclave);
	if (r) {
		snprintf(err, errlen, "cannot read the measurement: %s", strerror(-r));
		goto out;
	}
	ret = 0;
out:
	sgx_cpu_destroy(cpu);
	return ret;
}
