/*
 * init.c - getting sgxemu into a process: the constructor of
 * libsgxemu-preload.so.
 *
 * It reads the platform settings `sgxemu run` passes in the environment
 * (SGXEMU_EPC, SGXEMU_FEATURES, SGXEMU_PLATFORM_KEY), creates the platform
 * (CPU, driver, trap handlers), and finally switches Syscall User Dispatch
 * on for the main thread; from then on every system call of the program
 * passes through preload_syscall(). A platform that cannot be created is a
 * fatal error, reported with the reason, before the program's main() runs.
 * With SGXEMU_TRACE (a file) and SGXEMU_STATS set, the process records its
 * SGX events and, at exit, writes them there and prints a table of counts.
 * SGXEMU_AEX_EVERY and SGXEMU_SINGLE_STEP switch on injected interrupts and
 * single-stepping.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <elf.h>
#include <sys/auxv.h>

#include "preload/preload.h"
#include "preload/vdso_image.h"

struct preload preload = { .lock = ATOMIC_FLAG_INIT };

extern char **environ;

static __attribute__((noreturn)) void die(const char *what, const char *why)
{
	fprintf(stderr, "sgxemu: %s: %s\n", what, why);
	_exit(127);
}

/* "64M", "1G", "131072": bytes. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);
	unsigned shift = 0;

	if (end == s)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	default: break;
	}
	if (*end || v == 0 || v > (~0ull >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static void read_config(struct sgx_cpu_config *cfg)
{
	const char *s;
	char err[256];

	sgx_cpu_config_default(cfg);
	if ((s = getenv("SGXEMU_EPC"))) {
		if (parse_size(s, &cfg->epc_size) || cfg->epc_size % 4096)
			die("SGXEMU_EPC", "expected a size in bytes, a multiple of 4096 (K/M/G suffixes allowed)");
	}
	if ((s = getenv("SGXEMU_FEATURES")) && *s &&
	    sgx_features_apply(s, &cfg->features, err, sizeof(err)))
		die("SGXEMU_FEATURES", err);
	if (sgx_platform_root_key(cfg->root_key, getenv("SGXEMU_PLATFORM_KEY"), err, sizeof(err)))
		die("platform key", err);
}

/* ---- --trace and --stats ---------------------------------------------------- */

static pid_t report_pid; /* the process the constructor ran in */
static bool want_stats;
/* stderr as it was at startup: programs may close theirs before exiting
 * (gnulib's close_stdout does). Used while it is still the same file. */
static int stats_fd = 2;
static dev_t stats_dev;
static ino_t stats_ino;
static atomic_flag reported = ATOMIC_FLAG_INIT;

static void trace_encls(uint32_t leaf)
{
	entry_trace(TRACE_ENCLS, leaf, 0);
}

static void start_trace(void)
{
	const char *path = getenv("SGXEMU_TRACE");
	const char *stats = getenv("SGXEMU_STATS");
	int ret;

	want_stats = stats && *stats && strcmp(stats, "0");
	if (want_stats) {
		struct stat st;
		long fd = sgx_syscall6(SYS_fcntl, 2, F_DUPFD_CLOEXEC, 1000, 0, 0, 0);

		if (fd >= 0 && !sgx_syscall6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0)) {
			stats_fd = (int)fd;
			stats_dev = st.st_dev;
			stats_ino = st.st_ino;
		}
	}
	if (!path || !*path)
		return;
	ret = entry_trace_enable(path);
	if (ret) {
		fprintf(stderr, "sgxemu: cannot write the trace file %s: %s\n", path,
			strerror(-ret));
		_exit(127);
	}
	sgx_cpu_set_trace_hook(sgx_os_cpu(preload.os), trace_encls);
}

struct text {
	char buf[2048];
	size_t len;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	size_t room = sizeof(t->buf) - t->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* One line "  LABEL  NAME n  NAME n ..." of the non-zero counts. */
static void text_counts(struct text *t, const char *label, const uint64_t *v, unsigned n,
			const char *(*name)(uint32_t))
{
	bool any = false;

	text_add(t, "  %-5s", label);
	for (unsigned i = 0; i < n; i++) {
		if (!v[i])
			continue;
		if (name(i))
			text_add(t, "  %s %" PRIu64, name(i), v[i]);
		else
			text_add(t, "  leaf%u %" PRIu64, i, v[i]);
		any = true;
	}
	text_add(t, "%s\n", any ? "" : "  none");
}

static void print_stats(void)
{
	struct sgx_entry_stats es;
	uint64_t encls[16], in_use, high;
	struct text t = { .len = 0 };
	struct stat st;

	sgx_cpu_get_encls_counts(sgx_os_cpu(preload.os), encls);
	sgx_entry_get_stats(&es);
	sgx_os_epc_usage(preload.os, &in_use, &high);
	text_add(&t, "sgxemu stats (pid %d, %s)\n", (int)report_pid, program_invocation_name);
	text_counts(&t, "ENCLS", encls, 16, entry_encls_name);
	text_counts(&t, "ENCLU", es.enclu, 10, entry_enclu_name);
	text_add(&t, "  AEX    total %" PRIu64, es.aex);
	for (unsigned v = 0; v < 32; v++) {
		if (!es.aex_by_vector[v])
			continue;
		if (entry_vector_name(v))
			text_add(&t, "  %s %" PRIu64, entry_vector_name(v), es.aex_by_vector[v]);
		else
			text_add(&t, "  vector%u %" PRIu64, v, es.aex_by_vector[v]);
	}
	if (es.aex_signal)
		text_add(&t, "  signal %" PRIu64, es.aex_signal);
	if (es.aex_injected)
		text_add(&t, "  injected %" PRIu64, es.aex_injected);
	if (es.single_steps)
		text_add(&t, "  single-steps %" PRIu64, es.single_steps);
	text_add(&t, "\n  FAULTS %" PRIu64 " delivered\n", entry_trace_count(TRACE_FAULT));
	text_add(&t, "  EPC    in use %" PRIu64 " pages, high-water %" PRIu64 " pages\n",
		 in_use, high);
	if (entry_trace_dropped())
		text_add(&t, "  TRACE  %" PRIu64 " events dropped (buffer full)\n",
			 entry_trace_dropped());
	if (stats_fd != 2 && (sgx_syscall6(SYS_fstat, stats_fd, (long)&st, 0, 0, 0, 0) ||
			      st.st_dev != stats_dev || st.st_ino != stats_ino))
		stats_fd = 2;
	for (size_t off = 0; off < t.len;) {
		long n = sgx_syscall6(SYS_write, stats_fd, (long)(t.buf + off), (long)(t.len - off),
				      0, 0, 0);

		if (n <= 0 && n != -EINTR)
			break;
		if (n > 0)
			off += (size_t)n;
	}
}

/*
 * The trace file and the stats table, once per process: at exit_group
 * (sud.c), whatever way the program ends, or from the destructor. A fork
 * child that never exec'd reports nothing (its counts began as its parent's).
 */
void preload_report(void)
{
	if (!preload.os || sgx_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0) != report_pid ||
	    atomic_flag_test_and_set(&reported))
		return;
	entry_trace_write();
	if (want_stats)
		print_stats();
}

__attribute__((destructor)) static void preload_fini(void)
{
	preload_report();
}

/* SGXEMU_* settings travel with exec even through a cleared environment. */
static void remember_settings(void)
{
	int n = 0;

	for (char **e = environ; e && *e && n < 15; e++)
		if (!strncmp(*e, "SGXEMU_", 7) && (preload.env_keep[n] = strdup(*e)))
			n++;
}

/*
 * Point AT_SYSINFO_EHDR at a vDSO image that also holds
 * __vdso_sgx_enter_enclave. The auxiliary vector follows the environment on
 * the initial stack; getauxval() reads that very array.
 */
static void install_vdso(void)
{
	const struct sgx_vdso_extra extra = { "__vdso_sgx_enter_enclave",
					      (const void *)sgx_enter_enclave, NULL };
	void *real = (void *)getauxval(AT_SYSINFO_EHDR), *image;
	size_t size;
	char **e = environ;
	Elf64_auxv_t *av;
	int ret;

	ret = sgx_vdso_image_build(real, &extra, 1, &image, &size);
	if (ret)
		die("cannot build the vDSO image", strerror(-ret));
	while (e && *e)
		e++;
	for (av = (Elf64_auxv_t *)(e + 1); e && av->a_type != AT_NULL; av++)
		if (av->a_type == AT_SYSINFO_EHDR) {
			av->a_un.a_val = (uint64_t)(uintptr_t)image;
			return;
		}
	die("vDSO", "AT_SYSINFO_EHDR not found in the auxiliary vector");
}

/* `sgxemu run --aex-every USEC` and `--single-step`: interrupts on demand
 * (src/entry/inject.c), once the platform exists. */
static void start_injection(void)
{
	const char *s = getenv("SGXEMU_AEX_EVERY");
	char *end;
	int ret;

	if (s && *s) {
		unsigned long long usec = strtoull(s, &end, 10);

		if (*end || usec == 0)
			die("SGXEMU_AEX_EVERY", "expected a positive number of microseconds");
		ret = sgx_entry_inject_every(usec);
		if (ret)
			die("SGXEMU_AEX_EVERY", strerror(-ret));
	}
	s = getenv("SGXEMU_SINGLE_STEP");
	if (s && *s && strcmp(s, "0"))
		sgx_entry_single_step(true);
}

__attribute__((constructor)) static void preload_init(void)
{
	struct sgx_cpu_config cfg;
	struct entry_platform *p;
	struct entry_thread *t;
	Dl_info info;
	int ret;

	read_config(&cfg);
	if (!dladdr((void *)preload_init, &info) || !info.dli_fname ||
	    !realpath(info.dli_fname, preload.self_path))
		die("preload", "cannot find its own path");
	remember_settings();

	ret = sgx_os_create(&cfg, &preload.os);
	if (ret)
		die("cannot create the platform", strerror(-ret));
	ret = sgx_entry_init(preload.os);
	if (ret)
		die("cannot install the trap handlers", strerror(-ret));
	report_pid = getpid();
	start_trace();
	p = atomic_load(&entry_platform);
	preload.p = p;
	p->syscall_hook = preload_syscall;
	ret = entry_install(p, SIGSYS, false);
	if (ret)
		die("cannot install the SIGSYS handler", strerror(-ret));

	start_injection();
	install_vdso();
	/* CPUID faulting, where the CPU and kernel offer it (sgxemu info tells). */
	entry_cpuid_faulting_enable(p);
	t = thread_get(p, raw_gettid());
	if (!t || preload_sud_enable(t, SUD_BLOCK))
		die("Syscall User Dispatch", "not available on this kernel (needs Linux 5.11+)");
	preload.dispatch = true;
}
