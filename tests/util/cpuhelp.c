/*
 * cpuhelp.c - see cpuhelp.h.
 */
#include "cpuhelp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *th_vectors_dir(void)
{
	const char *d = getenv("SGXEMU_TESTVECTORS");

	return d && *d ? d : NULL;
}

char *th_path(const char *dir, const char *rel)
{
	static char bufs[4][4096];
	static unsigned next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, rel);
	return b;
}

uint8_t *th_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long sz;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) || (sz = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)sz + 1);
	if (buf && fread(buf, 1, (size_t)sz, fp) != (size_t)sz) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = (size_t)sz;
out:
	fclose(fp);
	return buf;
}

void *th_alloc(size_t align, size_t size)
{
	size_t sz = (size + align - 1) / align * align;
	void *p = aligned_alloc(align, sz ? sz : align);

	if (p)
		memset(p, 0, sz ? sz : align);
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int th_hex_decode(const char *hex, uint8_t *out, size_t max)
{
	size_t len = strlen(hex);

	if (len % 2 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

void th_hex_encode(const void *in, size_t n, char *out)
{
	const uint8_t *p = in;

	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = 0;
}

struct sgx_cpu *th_cpu_new(const char *feature_spec, char *err, size_t errlen)
{
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu = NULL;
	int rc;

	sgx_cpu_config_default(&cfg);
	memset(cfg.root_key, 0x42, sizeof(cfg.root_key));
	memset(cfg.owner_epoch, 0x17, sizeof(cfg.owner_epoch));
	cfg.epc_size = 16ull << 20;
	if (feature_spec && sgx_features_apply(feature_spec, &cfg.features, err, errlen))
		return NULL;
	rc = sgx_cpu_create(&cfg, &cpu);
	if (rc) {
		snprintf(err, errlen, "sgx_cpu_create: %s", strerror(-rc));
		return NULL;
	}
	return cpu;
}

int th_set_lehash(struct sgx_cpu *cpu, const uint8_t digest[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t w = 0;
		int rc;

		for (int b = 0; b < 8; b++)
			w |= (uint64_t)digest[8 * i + b] << (8 * b);
		rc = sgx_wrmsr(cpu, MSR_IA32_SGXLEPUBKEYHASH0 + i, w);
		if (rc)
			return rc;
	}
	return 0;
}

const char *th_outcome(int ret, const struct sgx_fault *f)
{
	static char bufs[4][96];
	static unsigned next;
	char *b = bufs[next++ % 4];

	if (ret == 0)
		snprintf(b, sizeof(bufs[0]), "0 (success)");
	else if (!sgx_leaf_faulted(ret))
		snprintf(b, sizeof(bufs[0]), "SGX error %d", ret);
	else if (sgx_leaf_vector(ret) == X86_TRAP_GP)
		snprintf(b, sizeof(bufs[0]), "#GP");
	else if (sgx_leaf_vector(ret) == X86_TRAP_PF && !f)
		snprintf(b, sizeof(bufs[0]), "#PF");
	else if (sgx_leaf_vector(ret) == X86_TRAP_PF)
		snprintf(b, sizeof(bufs[0]), "#PF(addr=0x%llx, ec=0x%x)",
			 (unsigned long long)f->addr, f->error_code);
	else
		snprintf(b, sizeof(bufs[0]), "fault vector %d", sgx_leaf_vector(ret));
	return b;
}

struct sgx_secs *th_secs_template(uint64_t size)
{
	struct sgx_secs *s = th_alloc(4096, sizeof(*s));

	if (!s)
		return NULL;
	s->size = size;
	s->base = size;
	s->ssa_frame_size = 1;
	s->attributes.flags = SGX_ATTR_MODE64BIT;
	s->attributes.xfrm = SGX_XFRM_LEGACY;
	return s;
}

int th_ecreate_raw(struct sgx_cpu *cpu, uint64_t frame, const struct sgx_secs *secs,
		   uint64_t linaddr, uint64_t pi_secs, uint64_t secinfo_flags,
		   struct sgx_fault *f)
{
	struct sgx_pageinfo *pi = th_alloc(32, sizeof(*pi));
	struct sgx_secinfo *si = th_alloc(64, sizeof(*si));
	int rc;

	si->flags = secinfo_flags;
	pi->addr = linaddr;
	pi->contents = (uint64_t)(uintptr_t)secs;
	pi->metadata = (uint64_t)(uintptr_t)si;
	pi->secs = pi_secs;
	rc = sgx_ecreate(cpu, (uint64_t)(uintptr_t)pi, sgx_epc_frame_addr(cpu, frame), f);
	free(pi);
	free(si);
	return rc;
}

int th_ecreate(struct th_encl *e, struct sgx_cpu *cpu, uint64_t frame,
	       const struct sgx_secs *secs, struct sgx_fault *f)
{
	memset(e, 0, sizeof(*e));
	e->cpu = cpu;
	e->secs_frame = frame;
	e->secs = sgx_epc_frame_addr(cpu, frame);
	e->base = secs->base;
	e->size = secs->size;
	e->attributes = secs->attributes.flags;
	e->xfrm = secs->attributes.xfrm;
	e->miscselect = secs->miscselect;
	return th_ecreate_raw(cpu, frame, secs, 0, 0, SGX_SECINFO_SECS, f);
}

int th_eadd(struct th_encl *e, uint64_t frame, uint64_t offset, uint64_t secinfo_flags,
	    const void *src, struct sgx_fault *f)
{
	struct sgx_pageinfo *pi = th_alloc(32, sizeof(*pi));
	struct sgx_secinfo *si = th_alloc(64, sizeof(*si));
	uint8_t *page = th_alloc(4096, 4096);
	int rc;

	if (src)
		memcpy(page, src, 4096);
	si->flags = secinfo_flags;
	pi->addr = e->base + offset;
	pi->contents = (uint64_t)(uintptr_t)page;
	pi->metadata = (uint64_t)(uintptr_t)si;
	pi->secs = e->secs;
	rc = sgx_eadd(e->cpu, (uint64_t)(uintptr_t)pi, sgx_epc_frame_addr(e->cpu, frame), f);
	free(pi);
	free(si);
	free(page);
	return rc;
}

int th_eextend_page(struct th_encl *e, uint64_t frame, struct sgx_fault *f)
{
	for (uint64_t off = 0; off < 4096; off += 256) {
		int rc = sgx_eextend(e->cpu, e->secs, sgx_epc_frame_addr(e->cpu, frame) + off, f);

		if (rc)
			return rc;
	}
	return 0;
}

void th_snap_take(struct th_snap *s, const struct sgx_cpu *cpu, const uint64_t *frames,
		  size_t n)
{
	memset(s, 0, sizeof(*s));
	if (n > TH_SNAP_MAX)
		n = TH_SNAP_MAX;
	s->n = n;
	s->pages = malloc(n * 4096 + 1);
	for (size_t i = 0; i < n; i++) {
		s->frames[i] = frames[i];
		memcpy(s->pages + i * 4096,
		       (const void *)(uintptr_t)sgx_epc_frame_addr(cpu, frames[i]), 4096);
		s->epcm_rc[i] = sgx_epcm_query(cpu, frames[i], &s->epcm[i]);
		s->mr_rc[i] = sgx_secs_peek_mrenclave(cpu, frames[i], s->mr[i]);
		if (s->mr_rc[i] == 0)
			s->children[i] = sgx_secs_nr_children(cpu, frames[i]);
	}
}

static bool epcm_same(const struct sgx_epcm_info *a, const struct sgx_epcm_info *b)
{
	if (a->valid != b->valid)
		return false;
	if (!a->valid)
		return true;
	return a->type == b->type && a->perm == b->perm && a->blocked == b->blocked &&
	       a->pending == b->pending && a->modified == b->modified && a->pr == b->pr &&
	       (a->type == SGX_PT_SECS || a->type == SGX_PT_VA || a->secs_frame == b->secs_frame) &&
	       a->linaddr == b->linaddr;
}

bool th_snap_same(const struct th_snap *a, const struct th_snap *b, char *why, size_t len)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		const uint8_t *pa = a->pages + i * 4096, *pb = b->pages + i * 4096;

		if (memcmp(pa, pb, 4096)) {
			size_t off = 0;

			while (pa[off] == pb[off])
				off++;
			snprintf(why, len, "EPC frame %llu content changed (first at byte 0x%zx: "
				 "0x%02x -> 0x%02x)", (unsigned long long)a->frames[i], off,
				 pa[off], pb[off]);
			return false;
		}
		if (a->epcm_rc[i] != b->epcm_rc[i] || !epcm_same(&a->epcm[i], &b->epcm[i])) {
			snprintf(why, len, "EPCM entry of frame %llu changed (valid %d->%d, "
				 "type %u->%u, perm %u->%u, linaddr 0x%llx->0x%llx)",
				 (unsigned long long)a->frames[i], a->epcm[i].valid,
				 b->epcm[i].valid, a->epcm[i].type, b->epcm[i].type,
				 a->epcm[i].perm, b->epcm[i].perm,
				 (unsigned long long)a->epcm[i].linaddr,
				 (unsigned long long)b->epcm[i].linaddr);
			return false;
		}
		if (a->mr_rc[i] != b->mr_rc[i] ||
		    (a->mr_rc[i] == 0 && memcmp(a->mr[i], b->mr[i], 32))) {
			snprintf(why, len, "running MRENCLAVE of SECS frame %llu changed",
				 (unsigned long long)a->frames[i]);
			return false;
		}
		if (a->mr_rc[i] == 0 && a->children[i] != b->children[i]) {
			snprintf(why, len, "child count of SECS frame %llu changed %llu -> %llu",
				 (unsigned long long)a->frames[i],
				 (unsigned long long)a->children[i],
				 (unsigned long long)b->children[i]);
			return false;
		}
	}
	return true;
}

void th_snap_free(struct th_snap *s)
{
	free(s->pages);
	s->pages = NULL;
}

int64_t th_pt_translate(void *ctx, uint64_t la, unsigned access, struct sgx_fault *f)
{
	struct th_pt *pt = ctx;
	uint64_t page = la & ~0xFFFull;

	for (size_t i = 0; i < pt->n; i++)
		if (pt->la[i] == page)
			return pt->frame[i];
	f->vector = X86_TRAP_PF;
	f->error_code = X86_PF_USER | ((access & SGX_ACCESS_WRITE) ? X86_PF_WRITE : 0);
	f->addr = la;
	return -1;
}

int th_pt_map(struct th_pt *pt, uint64_t la, uint64_t frame)
{
	if (pt->n >= TH_PT_MAX)
		return -1;
	pt->la[pt->n] = la;
	pt->frame[pt->n] = (int64_t)frame;
	pt->n++;
	return 0;
}
