/*
 * test_edmm_stress.c - SGX2 heap stress: examples/edmm_heap's host (an
 * unmodified SGX program, under `sgxemu run --stats`) grows its enclave's
 * heap to 64 MiB and shrinks it back, C times, and must leak nothing:
 *
 *   EPC: with the enclave still loaded at exit (--keep), `--stats`' "in use"
 *        equals that of a 0-cycle run, and the high-water mark is that plus
 *        exactly 16384 pages (one 64 MiB heap): a page kept by any cycle
 *        would raise the next cycle's peak;
 *   host memory: the process's RSS after the last cycle is within 4 MiB of
 *        its RSS after the first (which touched every page once);
 *   the enclave's and the host's page counts agree (accepted = trimmed =
 *        removed = C * 16384).
 *
 * C is 10 here (`make test` runs this twice, plain and ASan); `make stress`
 * sets SGXEMU_STRESS_CYCLES=100 (about 80 s here: ~0.8 s per 64 MiB cycle).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "util/fsutil.h"
#include "util/proc.h"

#define MIB 64
#define PAGES_PER_CYCLE (MIB * 256ull)
#define RSS_SLACK_KIB 4096

struct outcome {
	unsigned long long in_use, high, accepted, trimmed, retyped, removed, failures;
	unsigned long rss0, rss_first, rss_last;
	double seconds;
};

static const char *sgxemu_bin(void)
{
	const char *bin = getenv("SGXEMU_BIN");

	return bin && *bin ? bin : "build/sgxemu";
}

static void run_cycles(unsigned cycles, struct outcome *o)
{
	char *dir = strdup(sgxemu_bin()), *slash, *host, ncyc[32];
	struct proc_result r;
	const char *l;

	cr_assert(dir);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	cr_assert(asprintf(&host, "%s/examples/edmm_heap/host", dir) > 0);
	cr_assert(fsu_exists(host), "%s is missing: run `make examples`", host);
	snprintf(ncyc, sizeof(ncyc), "%u", cycles);
	{
		char *argv[] = { (char *)sgxemu_bin(), "run", "--stats", "--", host, "--mib", "64",
				 "--cycles", ncyc, "--quiet", "--keep", NULL };

		cr_assert_eq(proc_run(argv, &r), 0, "cannot run %s", argv[0]);
	}
	cr_assert_eq(r.status, 0, "%u cycles: status %d\n%s%s", cycles, r.status, r.out, r.err);
	memset(o, 0, sizeof(*o));
	l = strstr(r.err, "EPC    in use");
	cr_assert(l && sscanf(l, "EPC    in use %llu pages, high-water %llu pages", &o->in_use,
			      &o->high) == 2, "no EPC line in --stats:\n%s", r.err);
	l = strstr(r.out, "enclave accepted");
	cr_assert(l && sscanf(l, "enclave accepted %llu pages, trimmed %llu", &o->accepted,
			      &o->trimmed) == 2, "%s", r.out);
	l = strstr(r.out, "requests, ");
	cr_assert(l && sscanf(l, "requests, %llu pages retyped, %llu removed, %llu failures",
			      &o->retyped, &o->removed, &o->failures) == 3, "%s", r.out);
	l = strstr(r.out, "RSS before");
	cr_assert(l && sscanf(l, "RSS before %lu KiB, after the first cycle %lu KiB, after all %lu KiB",
			      &o->rss0, &o->rss_first, &o->rss_last) == 3, "%s", r.out);
	l = strstr(r.out, "host:    time ");
	cr_assert(l && sscanf(l, "host:    time %lf s", &o->seconds) == 1, "%s", r.out);
	proc_result_free(&r);
	free(host);
	free(dir);
}

Test(edmm_stress, grow_64mib_and_shrink_without_leaks, .timeout = 900)
{
	const char *env = getenv("SGXEMU_STRESS_CYCLES");
	unsigned cycles = env && *env ? (unsigned)strtoul(env, NULL, 10) : 10;
	struct outcome base, o;

	cr_assert(cycles >= 2);
	run_cycles(0, &base);
	run_cycles(cycles, &o);
	cr_log_info("%u cycles of %d MiB in %.2f s (%.0f ms per cycle); EPC in use %llu "
		    "(baseline %llu), high-water %llu; RSS %lu -> %lu -> %lu KiB",
		    cycles, MIB, o.seconds, o.seconds * 1e3 / cycles, o.in_use, base.in_use, o.high,
		    o.rss0, o.rss_first, o.rss_last);
	cr_expect_eq(o.in_use, base.in_use, "EPC in use at exit %llu, baseline %llu", o.in_use,
		     base.in_use);
	cr_expect_eq(o.high, base.in_use + PAGES_PER_CYCLE, "EPC high-water %llu, want %llu",
		     o.high, base.in_use + PAGES_PER_CYCLE);
	cr_expect_eq(o.accepted, cycles * PAGES_PER_CYCLE);
	cr_expect_eq(o.trimmed, o.accepted);
	cr_expect_eq(o.retyped, o.accepted);
	cr_expect_eq(o.removed, o.accepted);
	cr_expect_eq(o.failures, 0);
	cr_expect(o.rss_last <= o.rss_first + RSS_SLACK_KIB,
		  "RSS grew from %lu KiB after the first cycle to %lu KiB after %u", o.rss_first,
		  o.rss_last, cycles);
}
