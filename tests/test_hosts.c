/*
 * test_hosts.c - the host programs of tests/hosts (written only against the
 * Linux SGX interface, built into build/tests/hosts next to $SGXEMU_BIN's
 * directory) run under the interposer: `$SGXEMU_BIN run -- HOST TESTVECTORS`,
 * or, where `sgxemu run` does not work, with LD_PRELOAD of
 * libsgxemu-preload.so from the same directory. Each must exit 0 with
 * "RESULT N passed, 0 failed" for its known N. sgx_host without the
 * interposer must fail cleanly (no device, no vDSO symbol): the checks are
 * not vacuous.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "util/fsutil.h"
#include "util/proc.h"

#define HOST_TIMEOUT "120"

static char *build_dir(void)
{
	const char *bin = getenv("SGXEMU_BIN");
	char *dir = strdup(bin && *bin ? bin : "build/sgxemu"), *slash;

	cr_assert(dir);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	return dir;
}

static const char *testvectors(void)
{
	const char *tv = getenv("SGXEMU_TESTVECTORS");

	cr_assert(tv && *tv, "SGXEMU_TESTVECTORS is not set");
	return tv;
}

static bool sgxemu_run_works(const char *dir)
{
	struct proc_result r;
	char *bin;
	bool ok;

	cr_assert(asprintf(&bin, "%s/sgxemu", dir) > 0);
	{
		char *argv[] = { bin, "run", "--", "/bin/true", NULL };

		ok = proc_run(argv, &r) == 0 && r.status == 0;
	}
	proc_result_free(&r);
	free(bin);
	return ok;
}

/* The FAIL lines of a host's output, for the failure message. */
static char *fail_lines(const char *out)
{
	size_t cap = strlen(out) + 1, n = 0;
	char *res = malloc(cap);
	const char *p = out;

	cr_assert(res);
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);

		if (!strncmp(p, "FAIL", 4)) {
			memcpy(res + n, p, len);
			n += len;
		}
		p += len;
	}
	res[n] = 0;
	return res;
}

/* Runs build/tests/hosts/NAME TESTVECTORS, under the interposer if asked;
 * a hung host is killed by timeout(1) when it is there. */
static void run_host(const char *name, bool interposed, struct proc_result *r)
{
	char *dir = build_dir(), *host, *bin, *preload, *argv[10];
	int n = 0;

	cr_assert(asprintf(&host, "%s/tests/hosts/%s", dir, name) > 0);
	cr_assert(asprintf(&bin, "%s/sgxemu", dir) > 0);
	cr_assert(asprintf(&preload, "%s/libsgxemu-preload.so", dir) > 0);
	cr_assert(fsu_exists(host), "%s is missing: build it (make %s)", host, host);
	unsetenv("LD_PRELOAD");
	if (access("/usr/bin/timeout", X_OK) == 0) {
		argv[n++] = "/usr/bin/timeout";
		argv[n++] = "-s";
		argv[n++] = "KILL";
		argv[n++] = HOST_TIMEOUT;
	}
	if (interposed && sgxemu_run_works(dir)) {
		argv[n++] = bin;
		argv[n++] = "run";
		argv[n++] = "--";
	} else if (interposed) {
		cr_log_info("`sgxemu run` not usable: LD_PRELOAD=%s", preload);
		cr_assert(fsu_exists(preload), "%s is missing", preload);
		setenv("LD_PRELOAD", preload, 1);
	}
	argv[n++] = host;
	argv[n++] = (char *)testvectors();
	argv[n] = NULL;
	cr_assert_eq(proc_run(argv, r), 0, "cannot run %s", host);
	unsetenv("LD_PRELOAD");
	free(host);
	free(bin);
	free(preload);
	free(dir);
}

static void expect_all_passed(const char *name, int want)
{
	struct proc_result r;
	char result[64], *fails;

	run_host(name, true, &r);
	snprintf(result, sizeof(result), "RESULT %d passed, 0 failed\n", want);
	fails = fail_lines(r.out);
	cr_expect_eq(r.status, 0, "%s exited with %d; failed checks:\n%s\nstderr:\n%s", name, r.status,
		     fails, r.err);
	cr_expect(strstr(r.out, result), "%s: want \"%.*s\"; failed checks:\n%s\nlast output:\n%s\nstderr:\n%s",
		  name, (int)strlen(result) - 1, result, fails,
		  strlen(r.out) > 1500 ? r.out + strlen(r.out) - 1500 : r.out, r.err);
	free(fails);
	proc_result_free(&r);
}

Test(hosts, sgx_host, .timeout = 240)
{
	expect_all_passed("sgx_host", 93);
}

Test(hosts, raw_host, .timeout = 240)
{
	expect_all_passed("raw_host", 61);
}

/* Without sgxemu there is no /dev/sgx_enclave and no vDSO symbol: sgx_host
 * must say so and fail, not crash or pass. */
Test(hosts, sgx_host_without_interposer_fails_cleanly, .timeout = 240)
{
	struct proc_result r;

	run_host("sgx_host", false, &r);
	cr_expect_eq(r.status, 1, "status %d\n%s%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "FAIL __vdso_sgx_enter_enclave found in the vDSO"), "%s", r.out);
	cr_expect(strstr(r.out, "FAIL encl-b built through /dev/sgx_enclave"), "%s", r.out);
	cr_expect(strstr(r.out, "RESULT 0 passed, 2 failed"), "%s", r.out);
	proc_result_free(&r);
}

/* sgx2_host: the SGX2 ioctls' errors, count and result. KNOWN-DEVIATION
 * lines (kernel behaviour sgxemu lacks, see the host) are allowed; FAIL
 * lines are not. Then with SGX2 switched off: ENODEV. */
static void run_sgx2_host(bool sgx2, int min_passed)
{
	char *dir = build_dir(), *host, *bin;
	struct proc_result r;
	const char *res;
	int passed = -1, failed = -1;

	cr_assert(asprintf(&host, "%s/tests/hosts/sgx2_host", dir) > 0);
	cr_assert(asprintf(&bin, "%s/sgxemu", dir) > 0);
	cr_assert(fsu_exists(host), "%s is missing: build it (make %s)", host, host);
	if (!sgxemu_run_works(dir))
		cr_skip_test("`sgxemu run` not usable here (needs --features)");
	unsetenv("LD_PRELOAD");
	{
		char *argv[] = { bin, "run", "--features", sgx2 ? "+sgx2" : "-sgx2", "--", host,
				 (char *)testvectors(), sgx2 ? NULL : "nosgx2", NULL };

		cr_assert_eq(proc_run(argv, &r), 0, "cannot run %s", host);
	}
	res = strstr(r.out, "RESULT ");
	cr_assert(res && sscanf(res, "RESULT %d passed, %d failed", &passed, &failed) == 2,
		  "no RESULT line:\n%s\nstderr:\n%s", r.out, r.err);
	cr_expect_eq(r.status, 0, "status %d\n%s%s", r.status, r.out, r.err);
	cr_expect_eq(failed, 0, "%s", r.out);
	cr_expect_geq(passed, min_passed, "%s", r.out);
	proc_result_free(&r);
	free(host);
	free(bin);
	free(dir);
}

Test(hosts, sgx2_host_ioctls, .timeout = 240)
{
	run_sgx2_host(true, 31);
}

Test(hosts, sgx2_host_without_sgx2_gets_enodev, .timeout = 240)
{
	run_sgx2_host(false, 6);
}
