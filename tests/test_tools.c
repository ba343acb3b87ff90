/*
 * test_tools.c - end-to-end tests of the sgxemu command (measure, sign,
 * info): runs the binary named by $SGXEMU_BIN against the vectors in
 * $SGXEMU_TESTVECTORS (expected.txt is parsed, nothing is hard-coded), and
 * checks that bad keys and malformed ELFs are refused cleanly, without
 * leaving an output file behind.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "util/fsutil.h"
#include "util/proc.h"

static const char *env_path(const char *name, const char *what)
{
	const char *v = getenv(name);

	if (!v || !*v)
		cr_assert_fail("%s is not set: it must be the path of %s", name, what);
	return v;
}

static const char *sgxemu_bin(void)
{
	return env_path("SGXEMU_BIN", "build/sgxemu");
}

static const char *vectors(void)
{
	return env_path("SGXEMU_TESTVECTORS", "the shared/testvectors folder");
}

static char *vec_path(const char *rel)
{
	return fsu_join(vectors(), rel);
}

/* Run sgxemu with the given arguments (NULL-terminated). */
static void run(struct proc_result *res, ...)
{
	char *argv[64];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)sgxemu_bin();
	va_start(ap, res);
	while (n < 63 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(proc_run(argv, res), 0, "cannot run %s", argv[0]);
}

static void run_argv(struct proc_result *res, char **args, int nargs)
{
	char *argv[64];

	cr_assert_lt(nargs, 62);
	argv[0] = (char *)sgxemu_bin();
	memcpy(argv + 1, args, (size_t)nargs * sizeof(char *));
	argv[nargs + 1] = NULL;
	cr_assert_eq(proc_run(argv, res), 0, "cannot run %s", argv[0]);
}

/* ---- expected.txt --------------------------------------------------------- */

#define MAX_KV 24

struct vline {
	char kind[16];
	int nkv;
	char key[MAX_KV][32];
	char val[MAX_KV][128];
};

static const char *vget(const struct vline *l, const char *key)
{
	for (int i = 0; i < l->nkv; i++)
		if (strcmp(l->key[i], key) == 0)
			return l->val[i];
	return NULL;
}

static const char *vneed(const struct vline *l, const char *key)
{
	const char *v = vget(l, key);

	if (!v)
		cr_assert_fail("expected.txt: %s line without %s=", l->kind, key);
	return v;
}

/* All lines of expected.txt of the given kind; returns how many. */
static int load_lines(const char *kind, struct vline **out)
{
	char *path = vec_path("expected.txt");
	size_t len;
	char *text = (char *)fsu_read(path, &len), *save = NULL;
	struct vline *lines = NULL;
	int n = 0;

	if (!text)
		cr_assert_fail("cannot read %s", path);
	for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *tsave = NULL, *tok;
		struct vline l;

		if (ln[0] == '#')
			continue;
		memset(&l, 0, sizeof(l));
		tok = strtok_r(ln, " \t", &tsave);
		if (!tok || strcmp(tok, kind))
			continue;
		snprintf(l.kind, sizeof(l.kind), "%s", tok);
		while ((tok = strtok_r(NULL, " \t", &tsave)) && l.nkv < MAX_KV) {
			char *eq = strchr(tok, '=');

			cr_assert_not_null(eq, "expected.txt: token '%s' is not KEY=VALUE", tok);
			*eq = '\0';
			snprintf(l.key[l.nkv], sizeof(l.key[0]), "%s", tok);
			snprintf(l.val[l.nkv], sizeof(l.val[0]), "%s", eq + 1);
			l.nkv++;
		}
		lines = realloc(lines, (size_t)(n + 1) * sizeof(*lines));
		cr_assert_not_null(lines);
		lines[n++] = l;
	}
	free(text);
	free(path);
	*out = lines;
	return n;
}

Test(tools, measure_matches_expected_elf_lines)
{
	struct vline *lines;
	int n = load_lines("ELF", &lines);

	cr_assert_gt(n, 0, "no ELF lines in expected.txt");
	for (int i = 0; i < n; i++) {
		char *elf = vec_path(vneed(&lines[i], "file"));
		const char *want = vneed(&lines[i], "mrenclave");
		struct proc_result r;

		run(&r, "measure", "--heap", vneed(&lines[i], "heap"), elf, NULL);
		cr_expect_eq(r.status, 0, "measure %s failed: %s", elf, r.err);
		cr_expect(strncmp(r.out, want, 64) == 0 && (r.out[64] == ' ' || r.out[64] == '\n'),
			  "measure %s heap %s: got '%.64s', want %s", elf,
			  vget(&lines[i], "heap"), r.out, want);
		proc_result_free(&r);
		free(elf);
	}
	free(lines);
}

/* "0x20261122" -> "20261122", "0x0" -> "00000000". */
static void date_arg(const char *v, char out[9])
{
	snprintf(out, 9, "%08llx", strtoull(v, NULL, 16));
}

Test(tools, sign_matches_expected_sigstruct_lines)
{
	static const char *const fields[][2] = {
		{ "vendor", "--vendor" }, { "isvprodid", "--isvprodid" },
		{ "isvsvn", "--isvsvn" }, { "attributes", "--attributes" },
		{ "attributes_mask", "--attributes-mask" }, { "xfrm", "--xfrm" },
		{ "xfrm_mask", "--xfrm-mask" }, { "miscselect", "--miscselect" },
		{ "miscselect_mask", "--miscselect-mask" }, { "swdefined", "--swdefined" },
	};
	char *dir = fsu_mkdtemp();
	struct vline *lines;
	int n = load_lines("SIGSTRUCT", &lines);

	cr_assert_not_null(dir);
	cr_assert_gt(n, 0, "no SIGSTRUCT lines in expected.txt");
	for (int i = 0; i < n; i++) {
		const struct vline *l = &lines[i];
		char *elf = vec_path(vneed(l, "elf")), *key = vec_path(vneed(l, "key"));
		char *ref = vec_path(vneed(l, "file")), *out = fsu_join(dir, "out.sigstruct");
		char *args[64], date[9];
		uint8_t *got, *want;
		size_t glen, wlen;
		struct proc_result r;
		int na = 0;

		args[na++] = "sign";
		args[na++] = "--key";
		args[na++] = key;
		args[na++] = "--out";
		args[na++] = out;
		args[na++] = "--heap";
		args[na++] = (char *)vneed(l, "heap");
		date_arg(vneed(l, "date"), date);
		args[na++] = "--date";
		args[na++] = date;
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			const char *v = vget(l, fields[f][0]);

			if (v) {
				args[na++] = (char *)fields[f][1];
				args[na++] = (char *)v;
			}
		}
		args[na++] = elf;
		run_argv(&r, args, na);
		cr_expect_eq(r.status, 0, "sign for %s failed: %s", ref, r.err);
		got = fsu_read(out, &glen);
		want = fsu_read(ref, &wlen);
		cr_assert_not_null(want, "cannot read %s", ref);
		cr_expect(got && glen == 1808 && wlen == 1808 && memcmp(got, want, 1808) == 0,
			  "signed SIGSTRUCT differs from %s", ref);
		unlink(out);
		free(got);
		free(want);
		proc_result_free(&r);
		free(elf);
		free(key);
		free(ref);
		free(out);
	}
	free(lines);
	fsu_rmtree(dir);
	free(dir);
}

Test(tools, sign_defaults_give_selftest_sigstruct)
{
	char *dir = fsu_mkdtemp(), *out, *key = vec_path("test-signing-key.pem");
	char *elf = vec_path("elf/encl-a.elf");
	char *ref = vec_path("sigstruct/encl-a.selftest.sigstruct");
	struct proc_result r;
	uint8_t *got, *want;
	size_t glen, wlen;

	cr_assert_not_null(dir);
	out = fsu_join(dir, "s");
	run(&r, "sign", "--key", key, "--out", out, elf, NULL);
	cr_assert_eq(r.status, 0, "sign failed: %s", r.err);
	got = fsu_read(out, &glen);
	want = fsu_read(ref, &wlen);
	cr_assert(got && want && glen == wlen && memcmp(got, want, glen) == 0,
		  "default SIGSTRUCT differs from %s", ref);
	free(got);
	free(want);
	proc_result_free(&r);
	fsu_rmtree(dir);
	free(dir);
	free(out);
	free(key);
	free(elf);
	free(ref);
}

/* ---- bad keys ------------------------------------------------------------- */

static void write_key(EVP_PKEY *k, const char *path)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "cannot create %s", path);
	cr_assert_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	EVP_PKEY_free(k);
}

static EVP_PKEY *rsa_key(unsigned bits, unsigned e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *bn = BN_new();

	cr_assert(ctx && bn);
	BN_set_word(bn, e);
	cr_assert_eq(EVP_PKEY_keygen_init(ctx), 1);
	cr_assert_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits), 1);
	cr_assert_eq(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn), 1);
	cr_assert_eq(EVP_PKEY_keygen(ctx, &k), 1);
	BN_free(bn);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/* sign with key must fail, say why (needle in stderr) and create nothing. */
static void expect_key_refused(const char *dir, const char *key, const char *needle)
{
	char *out = fsu_join(dir, "never.sigstruct"), *elf = vec_path("elf/encl-a.elf");
	struct proc_result r;

	run(&r, "sign", "--key", key, "--out", out, elf, NULL);
	cr_expect_neq(r.status, 0, "key %s was accepted", key);
	cr_expect_not_null(strstr(r.err, needle), "message for %s lacks '%s': %s", key, needle,
			   r.err);
	cr_expect_not(fsu_exists(out), "%s was created although signing failed", out);
	proc_result_free(&r);
	free(out);
	free(elf);
}

Test(tools, sign_refuses_unsuitable_keys)
{
	char *dir = fsu_mkdtemp(), *k2048, *k65537, *kec, *kmissing, *kjunk;

	cr_assert_not_null(dir);
	k2048 = fsu_join(dir, "rsa2048-e3.pem");
	k65537 = fsu_join(dir, "rsa3072-e65537.pem");
	kec = fsu_join(dir, "ec.pem");
	kmissing = fsu_join(dir, "missing.pem");
	kjunk = fsu_join(dir, "junk.pem");
	write_key(rsa_key(2048, 3), k2048);
	write_key(rsa_key(3072, 65537), k65537);
	write_key(EVP_EC_gen("P-256"), kec);
	cr_assert_eq(fsu_write(kjunk, "not a key\n", 10), 0);

	expect_key_refused(dir, k2048, "2048 bits");
	expect_key_refused(dir, k65537, "exponent is 65537");
	expect_key_refused(dir, kec, "not an RSA key");
	expect_key_refused(dir, kmissing, "missing.pem");
	expect_key_refused(dir, kjunk, "junk.pem");

	fsu_rmtree(dir);
	free(dir);
	free(k2048);
	free(k65537);
	free(kec);
	free(kmissing);
	free(kjunk);
}

/* ---- malformed ELFs -------------------------------------------------------- */

static Elf64_Phdr *first_load(uint8_t *elf, int nth)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(elf + eh->e_phoff);

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && nth-- == 0)
			return &ph[i];
	cr_assert_fail("encl-a.elf has too few PT_LOAD segments");
	return NULL;
}

/* measure and sign must both fail on path, naming it (and needle). */
static void expect_elf_refused(const char *dir, const char *path, const char *needle)
{
	char *out = fsu_join(dir, "never.sigstruct"), *key = vec_path("test-signing-key.pem");
	struct proc_result r;

	run(&r, "measure", path, NULL);
	cr_expect_neq(r.status, 0, "measure accepted %s", path);
	cr_expect(r.status < 128, "measure crashed on %s (status %d)", path, r.status);
	cr_expect_not_null(strstr(r.err, path), "message does not name %s: %s", path, r.err);
	cr_expect_not_null(strstr(r.err, needle), "message for %s lacks '%s': %s", path,
			   needle, r.err);
	proc_result_free(&r);

	run(&r, "sign", "--key", key, "--out", out, path, NULL);
	cr_expect_neq(r.status, 0, "sign accepted %s", path);
	cr_expect(r.status < 128, "sign crashed on %s (status %d)", path, r.status);
	cr_expect_not_null(strstr(r.err, path), "message does not name %s: %s", path, r.err);
	cr_expect_not(fsu_exists(out), "%s was created although signing failed", out);
	proc_result_free(&r);
	free(out);
	free(key);
}

Test(tools, malformed_elfs_are_refused)
{
	char *dir = fsu_mkdtemp(), *src = vec_path("elf/encl-a.elf"), *p;
	uint8_t *orig, *buf;
	size_t len;

	cr_assert_not_null(dir);
	orig = fsu_read(src, &len);
	cr_assert_not_null(orig, "cannot read %s", src);
	buf = malloc(len);
	cr_assert_not_null(buf);

	p = fsu_join(dir, "empty.elf");
	cr_assert_eq(fsu_write(p, "", 0), 0);
	expect_elf_refused(dir, p, "bad magic");
	free(p);

	p = fsu_join(dir, "trunc-header.elf");
	cr_assert_eq(fsu_write(p, orig, 40), 0);
	expect_elf_refused(dir, p, "truncated");
	free(p);

	p = fsu_join(dir, "trunc-phdrs.elf");
	cr_assert_eq(fsu_write(p, orig, 100), 0);
	expect_elf_refused(dir, p, "program headers");
	free(p);

	p = fsu_join(dir, "trunc-segment.elf");
	cr_assert_eq(fsu_write(p, orig, (size_t)first_load(orig, 2)->p_offset + 16), 0);
	expect_elf_refused(dir, p, "past the end of the file");
	free(p);

	memcpy(buf, orig, len);
	buf[1] = 'X';
	p = fsu_join(dir, "bad-magic.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "bad magic");
	free(p);

	memcpy(buf, orig, len);
	buf[EI_CLASS] = ELFCLASS32;
	p = fsu_join(dir, "class32.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "64-bit");
	free(p);

	memcpy(buf, orig, len);
	((Elf64_Ehdr *)buf)->e_machine = EM_AARCH64;
	p = fsu_join(dir, "machine.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "x86-64");
	free(p);

	memcpy(buf, orig, len);
	((Elf64_Ehdr *)buf)->e_phoff = len + 4096;
	p = fsu_join(dir, "phoff.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "program headers");
	free(p);

	memcpy(buf, orig, len);
	first_load(buf, 0)->p_flags = PF_R | PF_X;
	p = fsu_join(dir, "tcs-not-rw.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "TCS segment");
	free(p);

	memcpy(buf, orig, len);
	first_load(buf, 1)->p_flags |= 0x8;
	p = fsu_join(dir, "bad-flags.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "p_flags");
	free(p);

	memcpy(buf, orig, len);
	first_load(buf, 2)->p_offset = first_load(buf, 1)->p_offset;
	p = fsu_join(dir, "overlap.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "overlaps");
	free(p);

	memcpy(buf, orig, len);
	first_load(buf, 1)->p_filesz = UINT64_MAX - 100;
	p = fsu_join(dir, "huge-filesz.elf");
	cr_assert_eq(fsu_write(p, buf, len), 0);
	expect_elf_refused(dir, p, "past the end of the file");
	free(p);

	p = fsu_join(dir, "no-such-file.elf");
	expect_elf_refused(dir, p, "cannot open");
	free(p);

	free(buf);
	free(orig);
	free(src);
	fsu_rmtree(dir);
	free(dir);
}

/* ---- command line --------------------------------------------------------- */

Test(tools, usage_errors_exit_2)
{
	struct proc_result r;

	run(&r, "--help", NULL);
	cr_expect_eq(r.status, 2);
	cr_expect_not_null(strstr(r.err, "usage"));
	proc_result_free(&r);

	run(&r, "frobnicate", NULL);
	cr_expect_eq(r.status, 2);
	cr_expect_not_null(strstr(r.err, "frobnicate"));
	proc_result_free(&r);

	run(&r, "measure", "--heap", "1000", "x.elf", NULL);
	cr_expect_eq(r.status, 2);
	cr_expect_not_null(strstr(r.err, "--heap"));
	proc_result_free(&r);

	run(&r, "sign", "--key", "k.pem", "--out", "o", "--vendor", "7", "x.elf", NULL);
	cr_expect_eq(r.status, 2);
	cr_expect_not_null(strstr(r.err, "--vendor"));
	proc_result_free(&r);

	run(&r, "sign", "--key", "k.pem", "--out", "o", "--date", "20261340", "x.elf", NULL);
	cr_expect_eq(r.status, 2);
	cr_expect_not_null(strstr(r.err, "--date"));
	proc_result_free(&r);
}

Test(tools, info_reflects_configuration)
{
	struct proc_result r;

	run(&r, "info", NULL);
	cr_expect_eq(r.status, 0, "info failed: %s", r.err);
	cr_expect_not_null(strstr(r.out, "SGX1"));
	cr_expect_not_null(strstr(r.out, "0xa6053e051270b7ac"), "LE hash MSR 0 missing");
	proc_result_free(&r);

	run(&r, "info", "--features", "+sgx2", "--epc", "64M", NULL);
	cr_expect_eq(r.status, 0, "info failed: %s", r.err);
	cr_expect_not_null(strstr(r.out, "SGX2"));
	cr_expect_not_null(strstr(r.out, "64 MiB"));
	proc_result_free(&r);

	/* AEX-Notify needs EDECCSSA: asking for it without is refused. */
	run(&r, "info", "--features", "-edeccssa,+aexnotify", NULL);
	cr_expect_neq(r.status, 0);
	cr_expect_not_null(strstr(r.err, "aexnotify"));
	proc_result_free(&r);
}
