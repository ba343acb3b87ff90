/*
 * test_vectors.c - replay every ENCLS-level vector (the .tv files in ll/ of the directory
 * named by SGXEMU_TESTVECTORS) through the CPU's leaves, one Criterion test
 * per file, and check the EXPECT lines, the EINIT results and the final
 * MRENCLAVE against expected.txt.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpuhelp.h"
#include "util/sigsign.h"
#include "util/tv.h"

#define NAME_MAX_LEN 200

struct tv_param {
	char name[NAME_MAX_LEN]; /* file name inside ll/, "" if none was found */
	char why[NAME_MAX_LEN];  /* why enumeration failed */
};

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct tv_param *)a)->name, ((const struct tv_param *)b)->name);
}

static void free_params(struct criterion_test_params *crp)
{
	cr_free(crp->params);
}

ParameterizedTestParameters(vectors, replay)
{
	const char *dir = th_vectors_dir();
	struct tv_param *p;
	size_t n = 0, cap = 64;
	DIR *d;
	struct dirent *de;

	p = cr_malloc(cap * sizeof(*p));
	memset(p, 0, cap * sizeof(*p));
	if (!dir) {
		snprintf(p[0].why, NAME_MAX_LEN, "SGXEMU_TESTVECTORS is not set");
		return cr_make_param_array(struct tv_param, p, 1, free_params);
	}
	d = opendir(th_path(dir, "ll"));
	if (!d) {
		snprintf(p[0].why, NAME_MAX_LEN, "cannot open %s/ll", dir);
		return cr_make_param_array(struct tv_param, p, 1, free_params);
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 4 || strcmp(de->d_name + len - 3, ".tv") || len >= NAME_MAX_LEN)
			continue;
		if (n == cap)
			break; /* checked by vectors.count */
		memcpy(p[n++].name, de->d_name, len + 1);
	}
	closedir(d);
	if (!n) {
		snprintf(p[0].why, NAME_MAX_LEN, "no .tv files in %s/ll", dir);
		n = 1;
	}
	qsort(p, n, sizeof(*p), cmp_names);
	return cr_make_param_array(struct tv_param, p, n, free_params);
}

/* The mrenclave of the TV line for ll/<name> in expected.txt; 0 if found. */
static int expected_tv_mrenclave(const char *dir, const char *name, uint8_t out[32])
{
	char key[NAME_MAX_LEN + 32], line[1024];
	FILE *fp = fopen(th_path(dir, "expected.txt"), "r");
	int rc = -1;

	if (!fp)
		return -1;
	snprintf(key, sizeof(key), "TV file=ll/%s ", name);
	while (fgets(line, sizeof(line), fp)) {
		char *m;

		if (strncmp(line, key, strlen(key)))
			continue;
		m = strstr(line, "mrenclave=");
		if (m) {
			m[10 + 64] = 0;
			rc = th_hex_decode(m + 10, out, 32) == 32 ? 0 : -1;
		}
		break;
	}
	fclose(fp);
	return rc;
}

static void key_mrsigner(const char *dir, uint8_t out[32])
{
	uint8_t mod[SGX_MODULUS_SIZE];
	char err[256];

	cr_assert_eq(ts_key_modulus(th_path(dir, "test-signing-key.pem"), mod, err, sizeof(err)),
		     0, "%s", err);
	sgx_mrsigner(mod, out);
}

#define MAX_PAGES 1024

struct replay {
	struct th_encl e;
	uint64_t page_off[MAX_PAGES];
	uint64_t page_frame[MAX_PAGES];
	size_t npages;
	bool einit_ok;
};

static int64_t frame_of_offset(const struct replay *r, uint64_t off)
{
	for (size_t i = 0; i < r->npages; i++)
		if (r->page_off[i] == (off & ~0xfffull))
			return (int64_t)r->page_frame[i];
	return -1;
}

ParameterizedTest(struct tv_param *param, vectors, replay, .timeout = 120)
{
	const char *dir = th_vectors_dir();
	char path[4096], err[1024], hx[65], hy[65];
	uint8_t lehash[32], want[32], mr[32];
	struct tv_file tv;
	struct replay r;
	struct sgx_cpu *cpu;
	struct sgx_fault f;
	struct sgx_einittoken *token;
	uint8_t *sigbuf;
	const char *nm = param->name;

	cr_assert(dir, "SGXEMU_TESTVECTORS is not set: point it at shared/testvectors");
	cr_assert(param->name[0], "%s", param->why);
	snprintf(path, sizeof(path), "%s/ll/%s", dir, nm);
	cr_assert_eq(tv_parse(path, &tv, err, sizeof(err)), 0, "parse error: %s", err);

	cpu = th_cpu_new(NULL, err, sizeof(err));
	cr_assert(cpu, "%s: %s", nm, err);
	key_mrsigner(dir, lehash);
	cr_assert_eq(th_set_lehash(cpu, lehash), 0, "%s: writing the LE-hash MSRs failed", nm);
	token = th_alloc(512, sizeof(*token));
	sigbuf = th_alloc(4096, 4096);
	memset(&r, 0, sizeof(r));

	for (size_t i = 0; i < tv.n; i++) {
		const struct tv_line *l = &tv.lines[i];
		int64_t fr;
		int rc;

		memset(&f, 0, sizeof(f));
		switch (l->op) {
		case TV_ECREATE: {
			struct sgx_secs *s = th_secs_template(l->size);

			cr_assert_leq(l->ssaframesize, 0xffffffffull, "%s:%d: SSAFRAMESIZE", nm,
				      l->lineno);
			cr_assert_leq(l->miscselect, 0xffffffffull, "%s:%d: MISCSELECT", nm,
				      l->lineno);
			s->ssa_frame_size = (uint32_t)l->ssaframesize;
			s->attributes.flags = l->attributes;
			s->attributes.xfrm = l->xfrm;
			s->miscselect = (uint32_t)l->miscselect;
			rc = th_ecreate(&r.e, cpu, 0, s, &f);
			free(s);
			cr_assert_eq(rc, 0, "%s:%d: ECREATE (SIZE 0x%llx) failed: %s", nm, l->lineno,
				     (unsigned long long)l->size, th_outcome(rc, &f));
			break;
		}
		case TV_EADD:
			cr_assert_lt(r.npages, MAX_PAGES, "%s:%d: too many pages", nm, l->lineno);
			cr_assert_lt(r.npages + 1, sgx_epc_nr_frames(cpu), "%s: EPC too small", nm);
			fr = (int64_t)r.npages + 1;
			rc = th_eadd(&r.e, (uint64_t)fr, l->offset, l->secinfo, l->data, &f);
			cr_assert_eq(rc, 0, "%s:%d: EADD offset 0x%llx secinfo 0x%llx failed: %s", nm,
				     l->lineno, (unsigned long long)l->offset,
				     (unsigned long long)l->secinfo, th_outcome(rc, &f));
			r.page_off[r.npages] = l->offset;
			r.page_frame[r.npages++] = (uint64_t)fr;
			break;
		case TV_EEXTEND:
			fr = frame_of_offset(&r, l->offset);
			cr_assert_geq(fr, 0, "%s:%d: EEXTEND of offset 0x%llx: no page added there",
				      nm, l->lineno, (unsigned long long)l->offset);
			rc = sgx_eextend(cpu, r.e.secs,
					 sgx_epc_frame_addr(cpu, (uint64_t)fr) + (l->offset & 0xfff), &f);
			cr_assert_eq(rc, 0, "%s:%d: EEXTEND offset 0x%llx failed: %s", nm, l->lineno,
				     (unsigned long long)l->offset, th_outcome(rc, &f));
			break;
		case TV_EINIT: {
			struct th_snap before, after;
			char why[256];

			memcpy(sigbuf, l->sigstruct, sizeof(struct sgx_sigstruct));
			th_snap_take(&before, cpu, &r.e.secs_frame, 1);
			rc = sgx_einit(cpu, (uint64_t)(uintptr_t)sigbuf, r.e.secs,
				       (uint64_t)(uintptr_t)token, &f);
			cr_assert_eq(rc, (int)l->result, "%s:%d: EINIT returned %s, expected %d", nm,
				     l->lineno, th_outcome(rc, &f), (int)l->result);
			if (rc) {
				th_snap_take(&after, cpu, &r.e.secs_frame, 1);
				cr_assert(th_snap_same(&before, &after, why, sizeof(why)),
					  "%s:%d: failed EINIT changed state: %s", nm, l->lineno, why);
				th_snap_free(&after);
			} else {
				const struct sgx_secs *secs = (const void *)(uintptr_t)r.e.secs;

				cr_assert(secs->attributes.flags & SGX_ATTR_INIT,
					  "%s:%d: SECS.ATTRIBUTES.INIT not set after EINIT", nm,
					  l->lineno);
				r.einit_ok = true;
			}
			th_snap_free(&before);
			break;
		}
		case TV_EXPECT_MRENCLAVE:
			rc = sgx_secs_peek_mrenclave(cpu, r.e.secs_frame, mr);
			cr_assert_eq(rc, 0, "%s:%d: sgx_secs_peek_mrenclave failed (%d)", nm, l->lineno,
				     rc);
			th_hex_encode(mr, 32, hx);
			th_hex_encode(l->hash, 32, hy);
			cr_assert(!memcmp(mr, l->hash, 32), "%s:%d: MRENCLAVE (peek) %s, expected %s",
				  nm, l->lineno, hx, hy);
			if (r.einit_ok) {
				const struct sgx_secs *secs = (const void *)(uintptr_t)r.e.secs;

				th_hex_encode(secs->mrenclave, 32, hx);
				cr_assert(!memcmp(secs->mrenclave, l->hash, 32),
					  "%s:%d: SECS.MRENCLAVE %s, expected %s", nm, l->lineno, hx,
					  hy);
			}
			break;
		case TV_EXPECT_MRSIGNER: {
			const struct sgx_secs *secs = (const void *)(uintptr_t)r.e.secs;

			cr_assert(r.einit_ok, "%s:%d: EXPECT mrsigner without a successful EINIT", nm,
				  l->lineno);
			th_hex_encode(secs->mrsigner, 32, hx);
			th_hex_encode(l->hash, 32, hy);
			cr_assert(!memcmp(secs->mrsigner, l->hash, 32),
				  "%s:%d: SECS.MRSIGNER %s, expected %s", nm, l->lineno, hx, hy);
			break;
		}
		}
	}

	/* Cross-check: the final measurement is the TV line of expected.txt. */
	cr_assert_eq(expected_tv_mrenclave(dir, nm, want), 0,
		     "%s: no TV line for ll/%s in expected.txt", nm, nm);
	cr_assert_eq(sgx_secs_peek_mrenclave(cpu, r.e.secs_frame, mr), 0, "%s: peek failed", nm);
	th_hex_encode(mr, 32, hx);
	th_hex_encode(want, 32, hy);
	cr_assert(!memcmp(mr, want, 32), "%s: final MRENCLAVE %s, expected.txt says %s", nm, hx,
		  hy);

	free(token);
	free(sigbuf);
	tv_free(&tv);
	sgx_cpu_destroy(cpu);
}

/* The directory holds the vectors the README lists (enumeration sanity). */
Test(vectors, enumeration)
{
	const char *dir = th_vectors_dir();
	static const char *const must[] = {
		"ll01-ecreate-only.tv", "ll05-tcs-fixups.tv", "ll08-large-enclave.tv",
		"ll10-einit-bad-signature.tv", "elf-c.tv",
	};
	char p[4096];

	cr_assert(dir, "SGXEMU_TESTVECTORS is not set: point it at shared/testvectors");
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		FILE *fp;

		snprintf(p, sizeof(p), "%s/ll/%s", dir, must[i]);
		fp = fopen(p, "r");
		cr_assert(fp, "missing vector %s", p);
		fclose(fp);
	}
}

/* MRSIGNER of the test key, as the library computes it, is the KEY line. */
Test(vectors, key_mrsigner)
{
	const char *dir = th_vectors_dir();
	uint8_t mrs[32], want[32];
	char line[512], *m = NULL;
	FILE *fp;

	cr_assert(dir, "SGXEMU_TESTVECTORS is not set");
	key_mrsigner(dir, mrs);
	fp = fopen(th_path(dir, "expected.txt"), "r");
	cr_assert(fp, "cannot open expected.txt");
	while (fgets(line, sizeof(line), fp))
		if (!strncmp(line, "KEY ", 4) && (m = strstr(line, "mrsigner=")))
			break;
	fclose(fp);
	cr_assert(m, "no KEY line in expected.txt");
	m[9 + 64] = 0;
	cr_assert_eq(th_hex_decode(m + 9, want, 32), 32);
	cr_assert(!memcmp(mrs, want, 32), "sgx_mrsigner of the test key differs from expected.txt");
}

/* The test signer reproduces a reference SIGSTRUCT byte for byte (it is
 * used by test_encls_errors, so it must be right). */
Test(vectors, signer_reproduces_reference)
{
	const char *dir = th_vectors_dir();
	struct sgx_sigstruct *s = th_alloc(4096, sizeof(*s));
	uint8_t *ref;
	size_t len;
	char err[256];

	cr_assert(dir, "SGXEMU_TESTVECTORS is not set");
	ref = th_read_file(th_path(dir, "ll/ll02-reg-rw-zero-page.sigstruct"), &len);
	cr_assert(ref && len == sizeof(*s), "cannot read ll02 SIGSTRUCT");
	ts_sigstruct_init(s, ((const struct sgx_sigstruct *)ref)->body.mrenclave);
	cr_assert_eq(ts_sign(s, th_path(dir, "test-signing-key.pem"), err, sizeof(err)), 0, "%s",
		     err);
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(((uint8_t *)s)[i], ref[i], "SIGSTRUCT byte %zu: 0x%02x, reference 0x%02x",
			     i, ((uint8_t *)s)[i], ref[i]);
	cr_assert_eq(sgx_sigstruct_verify(s, NULL), 0, "library rejects the reference signature");
	free(ref);
	free(s);
}

/* Data specs of the vector format, checked on known bytes. */
Test(vectors, data_specs)
{
	uint8_t b[4096];
	char err[256];

	cr_assert_eq(tv_data_spec("ramp:0x90:7", ".", b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(b[0], 0x90);
	cr_assert_eq(b[1], 0x97);
	cr_assert_eq(b[100], (uint8_t)(0x90 + 700));
	cr_assert_eq(tv_data_spec("fill:0xa5", ".", b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(b[4095], 0xa5);
	/* xorshift32 from 1: first word 0x00042021. */
	cr_assert_eq(tv_data_spec("xorshift32:1", ".", b, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24, 0x00042021u);
	cr_assert_neq(tv_data_spec("bogus:1", ".", b, err, sizeof(err)), 0);
	cr_assert_neq(tv_data_spec("fill:256", ".", b, err, sizeof(err)), 0);
}
