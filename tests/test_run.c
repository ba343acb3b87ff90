/*
 * test_run.c - `sgxemu run` end to end ($SGXEMU_BIN, with
 * libsgxemu-preload.so beside it): option checking, exit statuses, the
 * --stats table, the --trace file, programs started by the program; and the
 * CPU's ENCLS counters and trace hook behind them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <sgxemu/sgxemu.h>

#include "util/fsutil.h"
#include "util/proc.h"

static const char *sgxemu_bin(void)
{
	const char *v = getenv("SGXEMU_BIN");

	if (!v || !*v)
		cr_assert_fail("SGXEMU_BIN is not set: it must be the path of build/sgxemu");
	return v;
}

/* sgxemu run ARGS... (NULL-terminated). */
static void run(struct proc_result *res, ...)
{
	char *argv[32];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)sgxemu_bin();
	argv[n++] = "run";
	va_start(ap, res);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(proc_run(argv, res), 0, "cannot run %s", argv[0]);
}

TestSuite(run, .timeout = 60);

Test(run, stats_table)
{
	struct proc_result r;

	run(&r, "--stats", "--", "/bin/true", NULL);
	cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
	cr_assert(strstr(r.err, "sgxemu stats"), "no stats table in: %s", r.err);
	cr_assert(strstr(r.err, "ENCLS") && strstr(r.err, "ENCLU") && strstr(r.err, "AEX") &&
		  strstr(r.err, "EPC"), "incomplete table: %s", r.err);
	proc_result_free(&r);
}

Test(run, no_stats_without_option)
{
	struct proc_result r;

	run(&r, "--", "/bin/true", NULL);
	cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
	cr_assert_null(strstr(r.err, "sgxemu stats"), "unexpected output: %s", r.err);
	proc_result_free(&r);
}

/* A program that ends with exit_group directly, skipping destructors, still
 * gets its table. */
Test(run, stats_after_direct_exit)
{
	struct proc_result r;

	run(&r, "--stats", "--", "/bin/sh", "-c", "exec /bin/sh -c 'exit 5'", NULL);
	cr_assert_eq(r.status, 5, "status %d, stderr: %s", r.status, r.err);
	cr_assert(strstr(r.err, "sgxemu stats"), "no stats table in: %s", r.err);
	proc_result_free(&r);
}

Test(run, bad_feature_is_named)
{
	struct proc_result r;

	run(&r, "--features", "+bogus", "--", "/bin/true", NULL);
	cr_assert(r.status == 2 || r.status == 1, "status %d", r.status);
	cr_assert(strstr(r.err, "--features") && strstr(r.err, "bogus"), "stderr: %s", r.err);
	proc_result_free(&r);
}

Test(run, bad_epc_is_named)
{
	struct proc_result r;

	run(&r, "--epc", "12345", "--", "/bin/true", NULL);
	cr_assert(r.status == 2 || r.status == 1, "status %d", r.status);
	cr_assert(strstr(r.err, "--epc"), "stderr: %s", r.err);
	proc_result_free(&r);
	run(&r, "--epc", "12Q", "--", "/bin/true", NULL);
	cr_assert(r.status == 2 || r.status == 1, "status %d", r.status);
	cr_assert(strstr(r.err, "--epc"), "stderr: %s", r.err);
	proc_result_free(&r);
}

Test(run, good_options_pass)
{
	struct proc_result r;

	run(&r, "--epc", "1M", "--features", "+sgx2,-aexnotify", "--", "/bin/true", NULL);
	cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
	proc_result_free(&r);
}

Test(run, missing_program_is_usage_error)
{
	struct proc_result r;

	run(&r, NULL);
	cr_assert_eq(r.status, 2, "status %d", r.status);
	proc_result_free(&r);
	run(&r, "--", NULL);
	cr_assert_eq(r.status, 2, "status %d", r.status);
	proc_result_free(&r);
	run(&r, "/bin/true", NULL); /* no "--" */
	cr_assert_eq(r.status, 2, "status %d", r.status);
	proc_result_free(&r);
}

Test(run, nonexistent_program)
{
	struct proc_result r;

	run(&r, "--", "/nonexistent", NULL);
	cr_assert_eq(r.status, 127, "status %d", r.status);
	cr_assert(strstr(r.err, "/nonexistent"), "stderr: %s", r.err);
	proc_result_free(&r);
}

Test(run, exit_status_and_trace_file)
{
	char *dir = fsu_mkdtemp();
	char *path = fsu_join(dir, "trace.json");
	struct proc_result r;
	uint8_t *text;
	size_t len;

	run(&r, "--trace", path, "--", "/bin/sh", "-c", "exit 3", NULL);
	cr_assert_eq(r.status, 3, "status %d, stderr: %s", r.status, r.err);
	proc_result_free(&r);
	text = fsu_read(path, &len);
	cr_assert_not_null(text, "no trace file %s", path);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	cr_assert(len > 20 && !memcmp(text, "{\"traceEvents\":[", 16), "bad start: %.40s", text);
	cr_assert(!memcmp(text + len - 2, "]}", 2), "bad end: %s", text);
	cr_assert(strstr((char *)text, "\"sgxemu\""), "no process name: %s", text);
	free(text);
	fsu_rmtree(dir);
	free(path);
	free(dir);
}

Test(run, trace_file_must_be_writable)
{
	struct proc_result r;

	run(&r, "--trace", "/nonexistent-dir/trace.json", "--", "/bin/true", NULL);
	cr_assert_neq(r.status, 0);
	cr_assert(strstr(r.err, "--trace"), "stderr: %s", r.err);
	proc_result_free(&r);
}

Test(run, grandchildren_run_under_sgxemu)
{
	struct proc_result r;

	run(&r, "--", "/bin/sh", "-c", "sh -c 'cat /proc/self/maps'", NULL);
	cr_assert_eq(r.status, 0, "status %d, stderr: %s", r.status, r.err);
	cr_assert(strstr(r.out, "libsgxemu-preload.so"), "preload not mapped in the grandchild");
	proc_result_free(&r);
}

Test(run, ld_preload_is_kept)
{
	struct proc_result r;

	cr_assert_eq(setenv("LD_PRELOAD", "/nonexistent-lib.so", 1), 0);
	run(&r, "--", "/bin/sh", "-c", "echo \"$LD_PRELOAD\"", NULL);
	unsetenv("LD_PRELOAD");
	cr_assert(strstr(r.out, "libsgxemu-preload.so:/nonexistent-lib.so"), "LD_PRELOAD: %s",
		  r.out);
	proc_result_free(&r);
}

/* ---- the CPU's counters ------------------------------------------------------- */

static uint32_t hooked[8];
static int nhooked;

static void hook(uint32_t leaf)
{
	if (nhooked < 8)
		hooked[nhooked] = leaf;
	nhooked++;
}

Test(run, encls_counts_include_failures)
{
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu;
	struct sgx_encls_regs regs;
	struct sgx_fault f;
	uint64_t counts[16];

	sgx_cpu_config_default(&cfg);
	cfg.epc_size = 64 * 4096;
	/* EMODT must be a leaf this CPU lacks: an SGX1-only model. */
	cfg.features &= ~(SGX_FEATURE_BIT(SGX_FEAT_SGX2));
	cr_assert_eq(sgx_cpu_create(&cfg, &cpu), 0);
	sgx_cpu_get_encls_counts(cpu, counts);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(counts[i], 0);
	sgx_cpu_set_trace_hook(cpu, hook);

	cr_assert(sgx_leaf_faulted(sgx_eremove(cpu, 0, &f))); /* not an EPC page */
	regs = (struct sgx_encls_regs){ .rax = SGX_EMODT };
	cr_assert(sgx_leaf_faulted(sgx_encls(cpu, &regs, &f))); /* unsupported leaf */
	regs = (struct sgx_encls_regs){ .rax = 99 };
	cr_assert(sgx_leaf_faulted(sgx_encls(cpu, &regs, &f)));

	sgx_cpu_get_encls_counts(cpu, counts);
	cr_assert_eq(counts[SGX_EREMOVE], 1);
	cr_assert_eq(counts[SGX_EMODT], 1);
	cr_assert_eq(counts[SGX_ECREATE], 0);
	cr_assert_eq(nhooked, 3);
	cr_assert_eq(hooked[0], SGX_EREMOVE);
	cr_assert_eq(hooked[1], SGX_EMODT);
	cr_assert_eq(hooked[2], 99);

	sgx_cpu_set_trace_hook(cpu, NULL);
	sgx_eremove(cpu, 0, &f);
	cr_assert_eq(nhooked, 3);
	sgx_cpu_get_encls_counts(cpu, counts);
	cr_assert_eq(counts[SGX_EREMOVE], 2);
	sgx_cpu_destroy(cpu);
}
