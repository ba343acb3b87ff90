/*
 * host.c - see sdk/host.h.
 *
 * Loading follows the segment convention of shared/testvectors/README.md
 * (the one `sgxemu sign` measures): PT_LOAD segments in order, the first
 * (R|W) made of TCS pages, enclave offsets from file offsets, page contents
 * from the file, then an unmeasured 4 KiB heap; SECS.SIZE is 4 KiB doubled
 * until it holds all that, SSAFRAMESIZE 1. ATTRIBUTES, XFRM and MISCSELECT
 * come from the SIGSTRUCT, as a loader does on hardware.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <asm/sgx.h>

#include "sdk/host.h"
#include "sgxemu/os.h"

#define PAGE 4096ull
#define HEAP PAGE          /* `sgxemu sign`'s default --heap */
#define MAX_SEGS 16
#define MAX_EXCEPTIONS 100000 /* per ecall: a handler that never makes progress */

struct sdk_platform {
	struct sgx_os *os;
};

struct seg {
	uint64_t off, size, secinfo;
	int prot;
	bool measure;
};

struct sdk_enclave {
	struct sdk_platform *p;
	struct sgx_encl *encl;
	uint64_t base, size;
	unsigned ntcs;
	uint8_t mrenclave[32];
	const sdk_ocall_fn *ocalls;
	size_t nocalls;
	sdk_exception_cb exc_cb;
	void *exc_user;
	struct sdk_ecall_error *last; /* per TCS */
};

/* One ecall in progress; exit.S reads next_rdi/next_rsi at offsets 0/8. */
struct call_ctx {
	uint64_t next_rdi, next_rsi;
	struct sdk_enclave *e;
	unsigned tcs;
	int status;
	long retval;
	bool in_handler;
	unsigned nexc;
	struct sdk_ecall_error err;
};

_Static_assert(offsetof(struct call_ctx, next_rsi) == 8, "exit.S");
_Static_assert(offsetof(struct sgx_enclave_run, user_data) == 32, "exit.S");

/* exit.S */
int sdk_host_exit_handler(long rdi, long rsi, long rdx, long rsp, long r8, long r9,
			  struct sgx_enclave_run *run);
int sdk_host_enter(unsigned long rdi, unsigned long rsi, unsigned long rdx,
		   unsigned int function, unsigned long r8, unsigned long r9,
		   struct sgx_enclave_run *run);
int sdk_host_on_exit(uint64_t rdi, uint64_t rsi, uint64_t rdx, struct sgx_enclave_run *run);

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ---- platform --------------------------------------------------------------- */

int sdk_platform_init(bool stable_keys, struct sdk_platform **out, char *err, size_t errlen)
{
	struct sgx_cpu_config cfg;
	struct sdk_platform *p;
	int r;

	sgx_cpu_config_default(&cfg);
	if (stable_keys) {
		if (sgx_platform_root_key(cfg.root_key, NULL, err, errlen))
			return -1;
		/* SGXOWNEREPOCH enters sealing keys too: keep it fixed. */
		memset(cfg.owner_epoch, 0, sizeof(cfg.owner_epoch));
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return fail(err, errlen, "out of memory");
	r = sgx_os_create(&cfg, &p->os);
	if (r) {
		free(p);
		return fail(err, errlen, "sgx_os_create: %s", strerror(-r));
	}
	r = sgx_entry_init(p->os);
	if (r) {
		sgx_os_destroy(p->os);
		free(p);
		return fail(err, errlen, "sgx_entry_init: %s", strerror(-r));
	}
	*out = p;
	return 0;
}

void sdk_platform_fini(struct sdk_platform *p)
{
	if (!p)
		return;
	sgx_entry_fini();
	sgx_os_destroy(p->os);
	free(p);
}

/* ---- files ------------------------------------------------------------------- */

void *sdk_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
			free(data);
			data = NULL;
			errno = EIO;
		}
		if (data) {
			data[n] = 0;
			if (len)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

int sdk_write_file(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(tmp, "wb");
	if (!f)
		return -1;
	if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		unlink(tmp);
		return -1;
	}
	return rename(tmp, path);
}

/* ---- loading ----------------------------------------------------------------- */

static uint64_t secinfo_of(uint32_t flags, int *prot)
{
	uint64_t s = SGX_SECINFO_REG;

	*prot = 0;
	if (flags & PF_R) {
		s |= SGX_SECINFO_R;
		*prot |= PROT_READ;
	}
	if (flags & PF_W) {
		s |= SGX_SECINFO_W;
		*prot |= PROT_WRITE;
	}
	if (flags & PF_X) {
		s |= SGX_SECINFO_X;
		*prot |= PROT_EXEC;
	}
	return s;
}

/* Segments of the ELF per the convention; *first = file offset of page 0. */
static int parse_elf(const uint8_t *file, size_t len, struct seg *segs, int *nseg,
		     uint64_t *first, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file;
	uint64_t end = 0;
	int n = 0;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len)
		return fail(err, errlen, "not an ELF64 little-endian file");
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(file + eh->e_phoff) + i;
		struct seg *s = &segs[n];

		if (ph->p_type != PT_LOAD)
			continue;
		if (n == MAX_SEGS - 1)
			return fail(err, errlen, "too many PT_LOAD segments");
		if (ph->p_flags & ~(uint32_t)(PF_R | PF_W | PF_X))
			return fail(err, errlen, "PT_LOAD %d has unknown flags 0x%x", n,
				    ph->p_flags);
		if (n == 0) {
			if (ph->p_flags != (PF_R | PF_W))
				return fail(err, errlen, "the first PT_LOAD (TCS pages) must be R|W");
			*first = ph->p_offset & ~(PAGE - 1);
		}
		if ((ph->p_offset & ~(PAGE - 1)) < *first + end)
			return fail(err, errlen, "PT_LOAD %d overlaps the previous one", n);
		s->off = (ph->p_offset & ~(PAGE - 1)) - *first;
		s->size = (ph->p_filesz + PAGE - 1) & ~(PAGE - 1);
		s->secinfo = n == 0 ? SGX_SECINFO_TCS : secinfo_of(ph->p_flags, &s->prot);
		if (n == 0)
			s->prot = PROT_READ | PROT_WRITE;
		s->measure = true;
		end = s->off + s->size;
		n++;
	}
	if (n < 2)
		return fail(err, errlen, "no TCS and code segments");
	segs[n] = (struct seg){ end, HEAP, SGX_SECINFO_REG | SGX_SECINFO_R | SGX_SECINFO_W,
				PROT_READ | PROT_WRITE, false };
	*nseg = n + 1;
	return 0;
}

static int load_image(const char *path, struct seg *segs, int *nseg, uint8_t **img,
		      uint64_t *img_size, char *err, size_t errlen)
{
	size_t len;
	uint8_t *file = sdk_read_file(path, &len);
	uint64_t first = 0;

	if (!file)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	if (parse_elf(file, len, segs, nseg, &first, err, errlen)) {
		free(file);
		return -1;
	}
	*img_size = segs[*nseg - 1].off + segs[*nseg - 1].size;
	*img = aligned_alloc(PAGE, *img_size);
	if (!*img) {
		free(file);
		return fail(err, errlen, "out of memory");
	}
	memset(*img, 0, *img_size);
	for (int i = 0; i < *nseg - 1; i++) {
		uint64_t from = first + segs[i].off, n = segs[i].size;

		if (from < len)
			memcpy(*img + segs[i].off, file + from, from + n <= len ? n : len - from);
	}
	free(file);
	return 0;
}

static int build(struct sdk_enclave *e, const struct sgx_sigstruct *sig, const struct seg *segs,
		 int nseg, const uint8_t *img, uint64_t img_size, char *err, size_t errlen)
{
	struct sgx_enclave_create create;
	struct sgx_enclave_init init;
	struct sgx_secinfo secinfo;
	struct sgx_secs *secs;
	uint64_t area;
	long r;

	for (e->size = PAGE; e->size < img_size; e->size <<= 1)
		;
	/* Reserve twice the size and use the naturally aligned half. */
	area = sgx_encl_mmap(e->encl, 0, 2 * e->size, PROT_NONE, MAP_SHARED, 0);
	if (SGX_IS_ERR(area))
		return fail(err, errlen, "mmap of the enclave range: %s", strerror((int)-area));
	e->base = (area + e->size - 1) & ~(e->size - 1);

	secs = aligned_alloc(PAGE, PAGE);
	if (!secs)
		return fail(err, errlen, "out of memory");
	memset(secs, 0, PAGE);
	secs->base = e->base;
	secs->size = e->size;
	secs->ssa_frame_size = 1;
	secs->miscselect = sig->body.miscselect;
	secs->attributes = sig->body.attributes;
	secs->attributes.flags &= ~SGX_ATTR_INIT;
	create.src = (uint64_t)(uintptr_t)secs;
	r = sgx_encl_ioctl(e->encl, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&create);
	free(secs);
	if (r)
		return fail(err, errlen, "SGX_IOC_ENCLAVE_CREATE: %s", strerror((int)-r));

	for (int i = 0; i < nseg; i++) {
		struct sgx_enclave_add_pages add = {
			.src = (uint64_t)(uintptr_t)(img + segs[i].off),
			.offset = segs[i].off,
			.length = segs[i].size,
			.secinfo = (uint64_t)(uintptr_t)&secinfo,
			.flags = segs[i].measure ? SGX_PAGE_MEASURE : 0,
		};

		memset(&secinfo, 0, sizeof(secinfo));
		secinfo.flags = segs[i].secinfo;
		r = sgx_encl_ioctl(e->encl, SGX_IOC_ENCLAVE_ADD_PAGES, (unsigned long)&add);
		if (r || add.count != segs[i].size)
			return fail(err, errlen, "SGX_IOC_ENCLAVE_ADD_PAGES at 0x%llx: %s",
				    (unsigned long long)segs[i].off,
				    r ? strerror((int)-r) : "short count");
	}

	memset(&init, 0, sizeof(init));
	init.sigstruct = (uint64_t)(uintptr_t)sig;
	r = sgx_encl_ioctl(e->encl, SGX_IOC_ENCLAVE_INIT, (unsigned long)&init);
	if (r < 0)
		return fail(err, errlen, "SGX_IOC_ENCLAVE_INIT: %s", strerror((int)-r));
	if (r > 0)
		return fail(err, errlen,
			    "SGX_IOC_ENCLAVE_INIT: EINIT returned SGX error %ld%s", r,
			    r == SGX_INVALID_MEASUREMENT ? " (the SIGSTRUCT is for another build)"
							 : "");

	for (int i = 0; i < nseg; i++) {
		uint64_t a = sgx_encl_mmap(e->encl, e->base + segs[i].off, segs[i].size,
					   segs[i].prot, MAP_SHARED | MAP_FIXED, 0);

		if (SGX_IS_ERR(a))
			return fail(err, errlen, "mmap of segment %d: %s", i, strerror((int)-a));
	}
	e->ntcs = (unsigned)(segs[0].size / PAGE);
	return 0;
}

int sdk_enclave_load(struct sdk_platform *p, const char *elf_path, const char *sig_path,
		     struct sdk_enclave **out, char *err, size_t errlen)
{
	struct seg segs[MAX_SEGS];
	struct sgx_sigstruct *sig = NULL;
	struct sdk_enclave *e;
	uint8_t *img = NULL, *sigbytes;
	uint64_t img_size = 0;
	size_t siglen;
	int nseg = 0, r;

	sigbytes = sdk_read_file(sig_path, &siglen);
	if (!sigbytes)
		return fail(err, errlen, "%s: %s", sig_path, strerror(errno));
	if (siglen != sizeof(*sig)) {
		free(sigbytes);
		return fail(err, errlen, "%s: %zu bytes, a SIGSTRUCT has %zu", sig_path, siglen,
			    sizeof(*sig));
	}
	sig = aligned_alloc(PAGE, PAGE);
	if (!sig) {
		free(sigbytes);
		return fail(err, errlen, "out of memory");
	}
	memcpy(sig, sigbytes, sizeof(*sig));
	free(sigbytes);
	if (load_image(elf_path, segs, &nseg, &img, &img_size, err, errlen)) {
		free(sig);
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(img);
		free(sig);
		return fail(err, errlen, "out of memory");
	}
	e->p = p;
	memcpy(e->mrenclave, sig->body.mrenclave, 32);
	r = sgx_encl_open(p->os, &e->encl);
	if (r) {
		fail(err, errlen, "open of the enclave device: %s", strerror(-r));
	} else if ((r = build(e, sig, segs, nseg, img, img_size, err, errlen)) == 0) {
		e->last = calloc(e->ntcs, sizeof(*e->last));
		if (!e->last)
			r = fail(err, errlen, "out of memory");
	}
	free(img);
	free(sig);
	if (r) {
		if (e->encl)
			sgx_encl_release(e->encl);
		free(e);
		return -1;
	}
	*out = e;
	return 0;
}

void sdk_enclave_unload(struct sdk_enclave *e)
{
	if (!e)
		return;
	sgx_encl_release(e->encl);
	free(e->last);
	free(e);
}

void sdk_enclave_set_ocalls(struct sdk_enclave *e, const sdk_ocall_fn *table, size_t n)
{
	e->ocalls = table;
	e->nocalls = n;
}

void sdk_enclave_set_exception_cb(struct sdk_enclave *e, sdk_exception_cb cb, void *user)
{
	e->exc_cb = cb;
	e->exc_user = user;
}

unsigned sdk_enclave_nr_tcs(const struct sdk_enclave *e)
{
	return e->ntcs;
}

uint64_t sdk_enclave_base(const struct sdk_enclave *e)
{
	return e->base;
}

const uint8_t *sdk_enclave_mrenclave(const struct sdk_enclave *e)
{
	return e->mrenclave;
}

/* ---- running ----------------------------------------------------------------- */

const char *sdk_strerror(int code)
{
	switch (code) {
	case SDK_OK:
		return "success";
	case SDK_E_ENTER:
		return "could not enter the enclave";
	case SDK_E_UNHANDLED:
		return "unhandled exception in the enclave";
	case SDK_E_ENCLAVE:
		return "the enclave refused the call";
	case SDK_E_PROTOCOL:
		return "enclave/host protocol error";
	case SDK_E_TCS:
		return "no such TCS";
	default:
		return "unknown error";
	}
}

static long run_ocall(struct call_ctx *c, uint64_t number, uint64_t args, bool *ok)
{
	struct sdk_enclave *e = c->e;

	*ok = true;
	if (number == SDK_OCALL_PRINT) {
		const char *s = (const char *)(uintptr_t)args;

		if (!s) {
			*ok = false;
			return -1;
		}
		fputs(s, stdout);
		fflush(stdout);
		return (long)strlen(s);
	}
	if (number < SDK_OCALL_USER || number - SDK_OCALL_USER >= e->nocalls ||
	    !e->ocalls[number - SDK_OCALL_USER]) {
		*ok = false;
		return -1;
	}
	return e->ocalls[number - SDK_OCALL_USER]((void *)(uintptr_t)args);
}

/* Called by exit.S after every exit from the enclave: returns the next
 * ENCLU leaf (with next_rdi/next_rsi), or 0 to end the ecall. */
int sdk_host_on_exit(uint64_t rdi, uint64_t rsi, uint64_t rdx, struct sgx_enclave_run *run)
{
	struct call_ctx *c = (struct call_ctx *)(uintptr_t)run->user_data;
	bool ok;

	c->next_rdi = c->next_rsi = 0;
	if (run->function == SGX_EEXIT) {
		switch (rdi) {
		case SDK_EXIT_RETURN:
			if (c->in_handler)
				break;
			c->retval = (long)rsi;
			c->status = SDK_OK;
			return 0;
		case SDK_EXIT_OCALL:
			if (c->in_handler)
				break;
			c->next_rsi = (uint64_t)run_ocall(c, rsi, rdx, &ok);
			if (!ok)
				break;
			c->next_rdi = SDK_ENTER_ORET;
			return SGX_EENTER;
		case SDK_EXIT_EXC_CONT:
			if (!c->in_handler)
				break;
			c->in_handler = false;
			return SGX_ERESUME;
		case SDK_EXIT_EXC_ABORT:
			c->err.info = rsi;
			c->status = SDK_E_UNHANDLED;
			return 0;
		case SDK_EXIT_ERROR:
			c->err.info = rsi;
			c->status = SDK_E_ENCLAVE;
			return 0;
		}
		c->err.info = rdi;
		c->status = SDK_E_PROTOCOL;
		return 0;
	}
	c->err.function = run->function;
	c->err.vector = run->exception_vector;
	c->err.error_code = run->exception_error_code;
	c->err.addr = run->exception_addr;
	if (run->function != SGX_ERESUME) {
		c->status = SDK_E_ENTER; /* EENTER itself faulted */
		return 0;
	}
	/* An exception inside the enclave (AEX). A second one before the handler
	 * asked to resume means the handler phase itself faulted. */
	if (c->in_handler || ++c->nexc > MAX_EXCEPTIONS) {
		c->status = SDK_E_UNHANDLED;
		return 0;
	}
	if (c->e->exc_cb)
		c->e->exc_cb(c->e, c->tcs, run->exception_vector, run->exception_error_code,
			     run->exception_addr, c->e->exc_user);
	c->in_handler = true;
	run->exception_vector = 0;
	run->exception_error_code = 0;
	run->exception_addr = 0;
	return SGX_EENTER; /* CSSA is now 1: the enclave's handler phase */
}

int sdk_ecall(struct sdk_enclave *e, unsigned tcs, unsigned long number, void *args,
	      long *ret)
{
	struct sgx_enclave_run run;
	struct call_ctx c;
	int r;

	if (tcs >= e->ntcs)
		return SDK_E_TCS;
	memset(&run, 0, sizeof(run));
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.tcs = tcs;
	c.status = SDK_E_PROTOCOL;
	run.tcs = e->base + tcs * PAGE;
	run.user_handler = (uint64_t)(uintptr_t)sdk_host_exit_handler;
	run.user_data = (uint64_t)(uintptr_t)&c;
	r = sdk_host_enter(number, (unsigned long)(uintptr_t)args, 0, SGX_EENTER, 0, 0, &run);
	if (r < 0) {
		c.status = SDK_E_ENTER;
		c.err.info = (uint64_t)-r;
	}
	e->last[tcs] = c.err;
	if (c.status == SDK_OK && ret)
		*ret = c.retval;
	return c.status;
}

void sdk_last_error(struct sdk_enclave *e, unsigned tcs, struct sdk_ecall_error *out)
{
	if (tcs < e->ntcs)
		*out = e->last[tcs];
	else
		memset(out, 0, sizeof(*out));
}
