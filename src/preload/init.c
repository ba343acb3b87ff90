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
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	p = atomic_load(&entry_platform);
	preload.p = p;
	p->syscall_hook = preload_syscall;
	ret = entry_install(p, SIGSYS, false);
	if (ret)
		die("cannot install the SIGSYS handler", strerror(-ret));

	install_vdso();
	/* CPUID faulting, where the CPU and kernel offer it (sgxemu info tells). */
	entry_cpuid_faulting_enable(p);
	t = thread_get(p, raw_gettid());
	if (!t || preload_sud_enable(t, SUD_BLOCK))
		die("Syscall User Dispatch", "not available on this kernel (needs Linux 5.11+)");
	preload.dispatch = true;
}
