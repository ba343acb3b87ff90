/*
 * test_examples.c - run each example host program (build/examples/NAME/host,
 * next to $SGXEMU_BIN, else under ./build) as an unmodified SGX program,
 * `$SGXEMU_BIN run [--platform-key FILE] -- HOST ARGS...`, and check its exit
 * status and output; run without sgxemu, a host must fail cleanly. Plus the
 * platform root-key file rules (sgx_platform_root_key).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sgxemu/os.h"
#include "util/fsutil.h"
#include "util/proc.h"

#define NO_SGX_MSG \
	"no __vdso_sgx_enter_enclave in the vDSO: run under `sgxemu run` or on an SGX machine"

static const char *sgxemu_bin(void)
{
	const char *bin = getenv("SGXEMU_BIN");

	return bin && *bin ? bin : "build/sgxemu";
}

static char *example(const char *name)
{
	char *dir, *path, *slash;

	dir = strdup(sgxemu_bin());
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	cr_assert(asprintf(&path, "%s/examples/%s/host", dir, name) > 0);
	free(dir);
	cr_assert(fsu_exists(path), "%s is missing: run `make examples`", path);
	return path;
}

/* Run an example with arguments (NULL-terminated) under `sgxemu run`, with
 * --platform-key `key` unless it is NULL; returns its status. */
static int run_key(struct proc_result *res, const char *key, const char *name, ...)
{
	char *argv[24], *host = example(name);
	int n = 0;
	va_list ap;

	argv[n++] = (char *)sgxemu_bin();
	argv[n++] = "run";
	if (key) {
		argv[n++] = "--platform-key";
		argv[n++] = (char *)key;
	}
	argv[n++] = "--";
	argv[n++] = host;
	va_start(ap, name);
	while (n < 23 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(proc_run(argv, res), 0, "cannot run %s", argv[0]);
	free(host);
	return res->status;
}

#define run(res, ...) run_key(res, NULL, __VA_ARGS__)

static void expect(const struct proc_result *r, const char *needle)
{
	cr_expect(strstr(r->out, needle), "output lacks \"%s\":\n%s\nstderr:\n%s", needle, r->out,
		  r->err);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

Test(examples, hello)
{
	struct proc_result r;

	cr_assert_eq(run(&r, "hello", "tester", NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "enclave: hello, tester!");
	expect(&r, "host:    ocall get_number -> 21");
	expect(&r, "ecall returned 42 (answer field 42)");
	proc_result_free(&r);
}

Test(examples, exception)
{
	struct proc_result r;

	cr_assert_eq(run(&r, "exception", NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "handler saw #DE (vector 0)");
	expect(&r, "handler saw #UD (vector 6)");
	expect(&r, "handler saw #PF (vector 14)");
	expect(&r, "EXINFO maddr=0x10 errcd=0x4");
	expect(&r, "still running after 3 exceptions");
	cr_expect_eq(count(r.out, "host:    AEX on TCS 0"), 3, "%s", r.out);
	proc_result_free(&r);
}

Test(examples, attest)
{
	struct proc_result r;

	cr_assert_eq(run(&r, "attest", NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "verified; REPORTDATA \"hello B, this is A\"");
	cr_expect_eq(count(r.out, "REJECTED"), 2, "%s", r.out);
	expect(&r, "attestation behaves: 1 accepted, 2 rejected");
	proc_result_free(&r);
}

Test(examples, threads)
{
	struct proc_result r;

	cr_assert_eq(run(&r, "threads", NULL), 0, "%s%s", r.out, r.err);
	cr_expect_eq(count(r.out, "primes (host count"), 4, "%s", r.out);
	cr_expect_eq(count(r.out, "MISMATCH"), 0, "%s", r.out);
	expect(&r, "shared total 63951, expected 63951: ok");
	proc_result_free(&r);
}

/* SGX2: the heap grows to 64 MiB on demand and is given back; pages used
 * before they were accepted fault with the SGX bit (0x8005 read, 0x8007
 * write) and the enclave's handler accepts them. */
Test(examples, edmm_heap, .timeout = 120)
{
	struct proc_result r;

	cr_assert_eq(run(&r, "edmm_heap", NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "heap of up to 127 MiB");
	expect(&r, "cycle 0: heap grew to 64 MiB (16384 pages accepted), 0 bad pages");
	expect(&r, "cycle 0: heap shrank back to 0 pages");
	expect(&r, "16384 pages retyped, 16384 removed, 0 failures");
	expect(&r, "host:    AEX on TCS 0: vector 14, error code 0x8005");
	expect(&r, "host:    AEX on TCS 0: vector 14, error code 0x8007");
	expect(&r, "touch demo: #PF error codes 0x8005 (read) and 0x8007 (write)");
	expect(&r, "done: heap back to 0 pages");
	proc_result_free(&r);
}

/* SGX2: a TCS made at run time and entered from a new host thread. */
Test(examples, edmm_thread)
{
	struct proc_result r;

	cr_assert_eq(run(&r, "edmm_thread", NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "now PT_TCS, accepted");
	expect(&r, "added TCS (offset 0x");
	cr_expect_eq(count(r.out, ": ok"), 3, "%s", r.out);
	cr_expect_eq(count(r.out, "MISMATCH"), 0, "%s", r.out);
	proc_result_free(&r);
}

/* SGX2: code loaded RWX, restricted to RX; a write then faults with 0x8007. */
Test(examples, edmm_rx)
{
	struct proc_result r;

	cr_assert_eq(run(&r, "edmm_rx", NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "write to code before: went through");
	expect(&r, "are now R|X: EMODPR by the host, EACCEPT 0x225 here");
	expect(&r, "host:    AEX on TCS 0: vector 14, error code 0x8007");
	expect(&r, "error code 0x8007 (SGX bit: the EPCM refused it); skipped the write");
	expect(&r, "(expected 0x8007): ok");
	proc_result_free(&r);
}

/* Stable seal keys across runs come from one platform key file, given to
 * every run with --platform-key (created 0600 by the first). */
Test(examples, seal_across_runs_and_enclaves)
{
	char *dir = fsu_mkdtemp(), *key = fsu_join(dir, "state/platform.key");
	char *b1 = fsu_join(dir, "b1"), *b2 = fsu_join(dir, "b2");
	struct proc_result r;
	struct stat st;

	cr_assert_eq(run_key(&r, key, "seal", "seal", b1, "mrenclave", "a secret", NULL), 0,
		     "%s%s", r.out, r.err);
	proc_result_free(&r);
	cr_assert_eq(stat(key, &st), 0);
	cr_expect_eq(st.st_size, 16);
	cr_expect_eq(st.st_mode & 0777, 0600);

	/* A later run of the same enclave unseals. */
	cr_assert_eq(run_key(&r, key, "seal", "unseal", b1, NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "unsealed text: \"a secret\"");
	proc_result_free(&r);
	/* Another MRENCLAVE cannot. */
	cr_expect_eq(run_key(&r, key, "seal", "-2", "unseal", b1, NULL), 2, "%s%s", r.out, r.err);
	expect(&r, "unseal FAILED");
	proc_result_free(&r);
	/* Under MRSIGNER it can. */
	cr_assert_eq(run_key(&r, key, "seal", "seal", b2, "mrsigner", "shared", NULL), 0, "%s%s",
		     r.out, r.err);
	proc_result_free(&r);
	cr_expect_eq(run_key(&r, key, "seal", "-2", "unseal", b2, NULL), 0, "%s%s", r.out, r.err);
	expect(&r, "unsealed text: \"shared\"");
	proc_result_free(&r);
	/* A different platform key: nothing unseals. */
	cr_assert_eq(unlink(key), 0);
	cr_expect_eq(run_key(&r, key, "seal", "unseal", b1, NULL), 2, "%s%s", r.out, r.err);
	proc_result_free(&r);
	fsu_rmtree(dir);
	free(dir);
	free(key);
	free(b1);
	free(b2);
}

/* The number after `label` in out, or -1 if absent. */
static long long number_after(const char *out, const char *label)
{
	const char *p = strstr(out, label);

	return p ? strtoll(p + strlen(label), NULL, 10) : -1;
}

/* `sgxemu run --aex-every 50 --stats -- aexnotify/host [plain]`. */
static int run_aexnotify(struct proc_result *r, bool plain)
{
	char *host = example("aexnotify");
	char *argv[] = { (char *)sgxemu_bin(), "run", "--aex-every", "50", "--stats", "--",
			 host, plain ? "plain" : NULL, NULL };

	cr_assert_eq(proc_run(argv, r), 0, "cannot run %s", argv[0]);
	free(host);
	return r->status;
}

/* AEX-Notify: the same checksum ecall under injected interrupts, from the
 * enclave built with notifications (its hook counts them; every one ends
 * in the runtime's EDECCSSA) and from the build without them. */
Test(examples, aexnotify, .timeout = 120)
{
	struct proc_result r, p;
	const char *sum_r, *sum_p;
	long long n;

	cr_assert_eq(run_aexnotify(&r, false), 0, "%s%s", r.out, r.err);
	expect(&r, "AEX-Notify on");
	expect(&r, "result OK");
	n = number_after(r.out, "notifications seen by the enclave's hook: ");
	cr_expect_gt(n, 0, "%s%s", r.out, r.err);
	cr_expect_gt(number_after(r.err, "injected "), 0, "%s", r.err);
	cr_expect_eq(number_after(r.err, "EDECCSSA "), n, "%s%s", r.out, r.err);

	cr_assert_eq(run_aexnotify(&p, true), 0, "%s%s", p.out, p.err);
	expect(&p, "AEX-Notify off");
	expect(&p, "result OK");
	cr_expect_eq(number_after(p.out, "notifications seen by the enclave's hook: "), 0, "%s",
		     p.out);
	cr_expect_gt(number_after(p.err, "injected "), 0, "%s", p.err);
	cr_expect_eq(number_after(p.err, "EDECCSSA "), -1, "%s", p.err);

	/* The same checksum either way. */
	sum_r = strstr(r.out, "enclave checksum ");
	sum_p = strstr(p.out, "enclave checksum ");
	cr_assert(sum_r && sum_p);
	cr_expect_eq(strncmp(sum_r, sum_p, 35), 0, "%s%s", r.out, p.out);
	proc_result_free(&r);
	proc_result_free(&p);
}

/* The hosts are plain Linux programs: without sgxemu (and without SGX in
 * this kernel) they stop at once with a clear message. */
Test(examples, without_sgxemu_fails_cleanly)
{
	static const char *const names[] = { "hello", "exception", "attest", "threads", "seal",
					     "edmm_heap", "edmm_thread", "edmm_rx", "aexnotify" };

	if (fsu_exists("/dev/sgx_enclave"))
		cr_skip_test("this machine has SGX: the hosts run natively");
	unsetenv("LD_PRELOAD");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *argv[5] = { example(names[i]), "unseal", "/nonexistent", NULL, NULL };
		struct proc_result r;

		if (strcmp(names[i], "seal"))
			argv[1] = NULL;
		cr_assert_eq(proc_run(argv, &r), 0, "cannot run %s", argv[0]);
		cr_expect(r.status != 0 && r.status < 128, "%s: status %d", names[i], r.status);
		cr_expect(strstr(r.err, NO_SGX_MSG), "%s: stderr lacks the message:\n%s", names[i],
			  r.err);
		cr_expect_eq(r.out_len, 0, "%s wrote to stdout: %s", names[i], r.out);
		proc_result_free(&r);
		free(argv[0]);
	}
}

Test(platform_key, created_once_then_stable)
{
	char *dir = fsu_mkdtemp(), *path = fsu_join(dir, "a/b/platform.key");
	uint8_t k1[16], k2[16];
	char err[256];
	struct stat st;

	cr_assert_eq(sgx_platform_root_key(k1, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sgx_platform_root_key(k2, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_arr_eq(k1, k2, 16);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	*strrchr(path, '/') = 0;
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0700);
	fsu_rmtree(dir);
	free(dir);
	free(path);
}

Test(platform_key, env_and_refusals)
{
	char *dir = fsu_mkdtemp(), *path = fsu_join(dir, "platform.key");
	uint8_t k[16], k2[16];
	char err[256];

	setenv("SGXEMU_PLATFORM_KEY", path, 1);
	cr_assert_eq(sgx_platform_root_key(k, NULL, err, sizeof(err)), 0, "%s", err);
	cr_assert(fsu_exists(path));
	cr_assert_eq(sgx_platform_root_key(k2, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_arr_eq(k, k2, 16);
	unsetenv("SGXEMU_PLATFORM_KEY");

	cr_assert_eq(chmod(path, 0644), 0);
	cr_expect_eq(sgx_platform_root_key(k, path, err, sizeof(err)), -1);
	cr_expect(strstr(err, "group/other"), "%s", err);

	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_eq(truncate(path, 15), 0);
	cr_expect_eq(sgx_platform_root_key(k, path, err, sizeof(err)), -1);
	cr_expect(strstr(err, "exactly 16 bytes"), "%s", err);
	fsu_rmtree(dir);
	free(dir);
	free(path);
}
