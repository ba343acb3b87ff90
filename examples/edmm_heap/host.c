/*
 * edmm_heap host: loads an enclave whose ELRANGE (128 MiB) is mostly a
 * hole, lets it grow its heap to N MiB and shrink it back, C times, and
 * reports what it saw: the enclave's page counts, the host's SGX2 ioctls
 * (served as SDK_OCALL_EDMM by the sdk), time per cycle and this process's
 * resident memory before and after (a leak per cycle would show there).
 *
 *   host [--mib N] [--cycles C] [--quiet] [--keep]
 *
 * Defaults: 64 MiB, 1 cycle, then the touch demo (a page used before it
 * was accepted). --quiet: no per-cycle lines from the enclave. --keep:
 * exit without unloading the enclave (so that `sgxemu run --stats` counts
 * its pages as still in use at exit). Run with `sgxemu run [--stats]`.
 */
#include <time.h>

#include "../common.h"
#include "edmm_heap.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Resident set size in KiB (/proc/self/statm, field 2, pages). */
static unsigned long rss_kib(void)
{
	unsigned long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (unsigned long)(sysconf(_SC_PAGESIZE) / 1024);
}

static void on_exception(struct sdk_enclave *e, unsigned tcs, unsigned vector, unsigned code,
			 uint64_t addr, void *user)
{
	(void)user;
	printf("host:    AEX on TCS %u: vector %u, error code 0x%x, enclave offset 0x%llx\n", tcs,
	       vector, code, (unsigned long long)(addr - sdk_enclave_base(e)));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sdk_load_opts opts = { .elrange_size = HEAP_ELRANGE };
	struct heap_args a = { .mib = 64, .cycles = 1 };
	struct sdk_edmm_host_stats hs;
	struct sdk_platform *p;
	struct sdk_enclave *e;
	char err[512];
	bool keep = false;
	unsigned long rss0, rss_first, rss1;
	uint64_t total, peak;
	double t0, t1;
	long ret = -1;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mib") && i + 1 < argc)
			a.mib = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
			a.cycles = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--quiet"))
			a.quiet = 1;
		else if (!strcmp(argv[i], "--keep"))
			keep = true;
		else
			ex_die("usage: %s [--mib N] [--cycles C] [--quiet] [--keep]", argv[0]);
	}
	p = ex_platform();
	if (sdk_enclave_load_ex(p, ex_path("enclave.elf"), ex_path("enclave.sig"), &opts, &e, err,
				sizeof(err)))
		ex_die("loading enclave.elf: %s", err);
	sdk_enclave_set_exception_cb(e, on_exception, NULL);
	printf("host:    enclave at 0x%llx, ELRANGE %llu MiB, image 0x%llx bytes; the rest is a "
	       "hole mapped read-write\n", (unsigned long long)sdk_enclave_base(e),
	       (unsigned long long)(sdk_enclave_size(e) >> 20),
	       (unsigned long long)sdk_enclave_hole(e));
	fflush(stdout);
	if ((rc = sdk_ecall(e, 0, ECALL_INFO, &a, &ret)) || ret)
		ex_die("info: %s (%ld)", sdk_strerror(rc), ret);

	/* The first cycle alone, then the others: a leak per cycle shows as
	 * growth after the first (which touches every page once). */
	total = a.cycles;
	rss0 = rss_kib();
	t0 = now_s();
	a.cycles = total ? 1 : 0;
	rc = sdk_ecall(e, 0, ECALL_CYCLES, &a, &ret);
	peak = a.peak;
	rss_first = rss_kib();
	if (!rc && !ret && total > 1) {
		a.cycles = total - 1;
		rc = sdk_ecall(e, 0, ECALL_CYCLES, &a, &ret);
		peak = a.peak > peak ? a.peak : peak;
	}
	t1 = now_s();
	rss1 = rss_kib();
	a.cycles = total;
	a.peak = peak;
	if (rc || ret)
		ex_die("cycles: %s (enclave returned %ld)", sdk_strerror(rc), ret);
	sdk_edmm_host_stats(&hs);
	printf("host:    %llu cycles of %llu MiB: peak %llu pages, now %llu pages committed; "
	       "enclave accepted %llu pages, trimmed %llu\n", (unsigned long long)a.cycles,
	       (unsigned long long)a.mib, (unsigned long long)(a.peak / 4096),
	       (unsigned long long)(a.committed / 4096), (unsigned long long)a.accepted,
	       (unsigned long long)a.trimmed);
	printf("host:    SGX2 ioctls for the enclave: %llu requests, %llu pages retyped, %llu "
	       "removed, %llu failures\n", (unsigned long long)hs.requests,
	       (unsigned long long)hs.pages_retyped, (unsigned long long)hs.pages_removed,
	       (unsigned long long)hs.failures);
	printf("host:    time %.3f s (%.1f ms per cycle, %.2f us per page added+removed)\n",
	       t1 - t0, a.cycles ? (t1 - t0) * 1e3 / (double)a.cycles : 0.0,
	       a.accepted ? (t1 - t0) * 1e6 / (double)a.accepted : 0.0);
	printf("host:    RSS before %lu KiB, after the first cycle %lu KiB, after all %lu KiB\n",
	       rss0, rss_first, rss1);
	fflush(stdout);
	if (a.committed || a.accepted != a.trimmed || hs.failures ||
	    hs.pages_removed != a.accepted)
		ex_die("host:    pages were not all given back");

	if (a.cycles == 1) {
		if ((rc = sdk_ecall(e, 0, ECALL_TOUCH, &a, &ret)) || ret)
			ex_die("touch: %s (enclave returned %ld)", sdk_strerror(rc), ret);
		printf("host:    touch demo: #PF error codes 0x%llx (read) and 0x%llx (write)\n",
		       (unsigned long long)a.errcd[0], (unsigned long long)a.errcd[1]);
	}
	printf("host:    done: heap back to %llu pages\n", (unsigned long long)(a.committed / 4096));
	fflush(stdout);
	if (keep)
		_exit(0);
	sdk_enclave_unload(e);
	sdk_platform_fini(p);
	return 0;
}
