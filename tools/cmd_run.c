/*
 * cmd_run.c - `sgxemu run [OPTIONS] -- PROGRAM ARGS...`: run an unmodified
 * SGX program on the emulated platform.
 *
 * The options are checked here, before anything runs, so that a mistake is
 * reported against the option that caused it. They then travel to
 * libsgxemu-preload.so (found next to this binary) in the environment -
 * SGXEMU_EPC, SGXEMU_FEATURES, SGXEMU_PLATFORM_KEY, SGXEMU_TRACE,
 * SGXEMU_STATS, SGXEMU_AEX_EVERY, SGXEMU_SINGLE_STEP - and the library goes first in LD_PRELOAD. Then PROGRAM
 * replaces this process (same pid, so its exit status is ours). Programs it
 * starts in turn run under sgxemu too: the library keeps itself and the
 * settings in the environment of every exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sgxemu/os.h>
#include <sgxemu/sgxemu.h>

#include "cli.h"
#include "commands.h"

#define PRELOAD_NAME "libsgxemu-preload.so"

/* The library in the directory of the running sgxemu binary. */
static int find_preload(char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0) {
		cli_err("run: cannot find the sgxemu binary (/proc/self/exe): %s", strerror(errno));
		return -1;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf(out, size, "%s/%s", exe, PRELOAD_NAME) >= size) {
		cli_err("run: path of %s too long", PRELOAD_NAME);
		return -1;
	}
	if (access(out, R_OK)) {
		cli_err("run: %s not found next to the sgxemu binary (%s): %s", PRELOAD_NAME, out,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Create (or empty) the trace file now, and give its absolute path. */
static int prepare_trace(const char *path, char *abs)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		cli_err("--trace: cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	if (!realpath(path, abs)) {
		cli_err("--trace: '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int prepare_platform_key(const char *path, char *abs)
{
	struct sgx_cpu_config cfg;
	char err[256];

	if (sgx_platform_root_key(cfg.root_key, path, err, sizeof(err))) {
		cli_err("--platform-key: %s", err);
		return -1;
	}
	if (!realpath(path, abs)) {
		cli_err("--platform-key: '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int set_env(const char *name, const char *value)
{
	if (setenv(name, value, 1)) {
		cli_err("run: cannot set %s: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* LD_PRELOAD=LIB, or LIB:OLD when the environment has one already. */
static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *v;
	int ret;

	if (!old || !*old)
		return set_env("LD_PRELOAD", lib);
	if (asprintf(&v, "%s:%s", lib, old) < 0) {
		cli_err("run: out of memory");
		return -1;
	}
	ret = set_env("LD_PRELOAD", v);
	free(v);
	return ret;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "epc", required_argument, NULL, 'e' },
		{ "features", required_argument, NULL, 'f' },
		{ "platform-key", required_argument, NULL, 'k' },
		{ "trace", required_argument, NULL, 't' },
		{ "stats", no_argument, NULL, 's' },
		{ "aex-every", required_argument, NULL, 'a' },
		{ "single-step", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *epc = NULL, *features = NULL, *key = NULL, *trace = NULL;
	char lib[PATH_MAX], trace_abs[PATH_MAX], key_abs[PATH_MAX], err[256];
	struct sgx_cpu_config cfg;
	bool stats = false, single_step = false;
	const char *aex_every = NULL;
	uint64_t size, usec;
	int c;

	sgx_cpu_config_default(&cfg);
	optind = 1;
	/* "+": stop at the first non-option; the program's own options are
	 * not ours. */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (cli_parse_size("--epc", optarg, &size))
				return EXIT_USAGE;
			if (size == 0 || size % 4096) {
				cli_err("--epc: '%s' is not a positive multiple of 4096", optarg);
				return EXIT_USAGE;
			}
			epc = optarg;
			break;
		case 'f':
			if (sgx_features_apply(optarg, &cfg.features, err, sizeof(err))) {
				cli_err("--features: %s", err);
				return EXIT_USAGE;
			}
			features = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 't':
			trace = optarg;
			break;
		case 's':
			stats = true;
			break;
		case 'a':
			/* Microseconds between injected interrupts, per thread;
			 * at most an hour. */
			if (cli_parse_uint("--aex-every", optarg, 3600000000ull, &usec))
				return EXIT_USAGE;
			if (usec == 0) {
				cli_err("--aex-every: '%s' is not a positive number of microseconds",
					optarg);
				return EXIT_USAGE;
			}
			aex_every = optarg;
			break;
		case 'S':
			single_step = true;
			break;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || strcmp(argv[optind - 1], "--")) {
		if (optind < argc)
			cli_err("run: '--' must come before the program ('%s')", argv[optind]);
		else
			cli_err("run: no program given");
		fputs("usage: sgxemu run [OPTIONS] -- PROGRAM [ARGS...] (sgxemu --help)\n", stderr);
		return EXIT_USAGE;
	}
	if (features && sgx_features_check(cfg.features, err, sizeof(err)) >= 0) {
		cli_err("--features: %s", err);
		return EXIT_USAGE;
	}
	if (find_preload(lib, sizeof(lib)))
		return 1;
	if (key && prepare_platform_key(key, key_abs))
		return 1;
	if (trace && prepare_trace(trace, trace_abs))
		return 1;
	if ((epc && set_env("SGXEMU_EPC", epc)) ||
	    (features && set_env("SGXEMU_FEATURES", features)) ||
	    (key && set_env("SGXEMU_PLATFORM_KEY", key_abs)) ||
	    (trace && set_env("SGXEMU_TRACE", trace_abs)) ||
	    (stats && set_env("SGXEMU_STATS", "1")) ||
	    (aex_every && set_env("SGXEMU_AEX_EVERY", aex_every)) ||
	    (single_step && set_env("SGXEMU_SINGLE_STEP", "1")) || set_preload(lib))
		return 1;

	execvp(argv[optind], argv + optind);
	/* As a shell reports it: 127 not found, 126 found but not runnable. */
	c = errno;
	cli_err("run: %s: %s", argv[optind], strerror(c));
	return c == ENOENT || c == ENOTDIR ? 127 : 126;
}
