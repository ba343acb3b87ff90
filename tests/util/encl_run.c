/*
 * encl_run.c - see encl_run.h.
 */
#include "encl_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <asm/sgx.h>

#include "sigsign.h"

#define PAGE 4096ull

const char *er_enclave_path(const char *name)
{
	static char buf[1024];
	const char *dir = getenv("SGXEMU_TEST_ENCLAVES");

	if (!dir || !*dir)
		dir = "build/tests/enclaves";
	snprintf(buf, sizeof(buf), "%s/%s.elf", dir, name);
	return buf;
}

static long create(struct er_enclave *e, uint32_t miscselect, uint64_t attrs)
{
	struct sgx_enclave_create create;
	struct sgx_secs *secs;
	uint64_t area;
	long ret;

	area = sgx_encl_mmap(e->encl, 0, 2 * e->img.encl_size, PROT_NONE, MAP_SHARED, 0);
	if (SGX_IS_ERR(area))
		return (long)area;
	e->size = e->img.encl_size;
	e->base = (area + e->size - 1) & ~(e->size - 1);
	secs = aligned_alloc(PAGE, PAGE);
	if (!secs)
		return -1;
	memset(secs, 0, PAGE);
	secs->base = e->base;
	secs->size = e->size;
	secs->ssa_frame_size = 1;
	secs->miscselect = miscselect;
	secs->attributes.flags = SGX_ATTR_MODE64BIT | attrs;
	secs->attributes.xfrm = SGX_XFRM_LEGACY;
	create.src = (uint64_t)(uintptr_t)secs;
	ret = sgx_encl_ioctl(e->encl, SGX_IOC_ENCLAVE_CREATE, (unsigned long)&create);
	free(secs);
	return ret;
}

static long sign_and_init(struct er_enclave *e, uint32_t miscselect, uint64_t attrs)
{
	struct sgx_sigstruct *sig;
	uint8_t mrenclave[32];
	uint64_t base, size;
	char err[256];
	long ret = -1;

	if (sgx_encl_secs(e->encl, &e->secs_frame, &base, &size) ||
	    sgx_secs_peek_mrenclave(sgx_os_cpu(e->os), e->secs_frame, mrenclave))
		return -1;
	sig = aligned_alloc(PAGE, PAGE);
	if (!sig)
		return -1;
	ts_sigstruct_init(sig, mrenclave);
	sig->body.miscselect = miscselect;
	sig->body.attributes.flags |= attrs;
	if (ts_sign(sig, el_vector_path("test-signing-key.pem"), err, sizeof(err)) == 0)
		ret = el_init(e->encl, sig);
	else
		fprintf(stderr, "sign: %s\n", err);
	free(sig);
	return ret;
}

int er_setup(const char *name, uint32_t miscselect, struct er_enclave *e)
{
	return er_setup_attrs(name, miscselect, 0, NULL, e);
}

int er_setup_attrs(const char *name, uint32_t miscselect, uint64_t attrs, const char *features,
		   struct er_enclave *e)
{
	struct sgx_cpu_config cfg;
	const char *step;
	char err[256];
	long ret;

	memset(e, 0, sizeof(*e));
	sgx_cpu_config_default(&cfg);
	step = "features";
	ret = -1;
	if (features && sgx_features_apply(features, &cfg.features, err, sizeof(err))) {
		fprintf(stderr, "er_setup(%s): features: %s\n", name, err);
		goto fail;
	}
	step = "platform";
	if ((ret = sgx_os_create(&cfg, &e->os)))
		goto fail;
	step = "load";
	if ((ret = el_image_load(er_enclave_path(name), PAGE, &e->img)))
		goto fail;
	step = "open";
	if ((ret = sgx_encl_open(e->os, &e->encl)))
		goto fail;
	step = "create";
	if ((ret = create(e, miscselect, attrs)))
		goto fail;
	step = "add";
	if ((ret = el_add_all(e->encl, &e->img)))
		goto fail;
	step = "init";
	if ((ret = sign_and_init(e, miscselect, attrs)))
		goto fail;
	step = "map";
	if ((ret = el_map_all(e->encl, &e->img, e->base)))
		goto fail;
	step = "entry init";
	if ((ret = sgx_entry_init(e->os)))
		goto fail;
	return 0;
fail:
	e->last_step = step;
	e->last_ret = ret;
	fprintf(stderr, "er_setup(%s): %s failed: %ld\n", name, step, ret);
	return -1;
}

void er_teardown(struct er_enclave *e)
{
	/* Detach first: the trap handlers must not see a destroyed os. */
	sgx_entry_fini();
	if (e->encl)
		sgx_encl_release(e->encl);
	if (e->os)
		sgx_os_destroy(e->os);
	el_image_free(&e->img);
	memset(e, 0, sizeof(*e));
}
