/*
 * common.h - small helpers shared by the example host programs: find
 * enclave.elf/enclave.sig next to the executable, and die with a message.
 */
#ifndef EXAMPLES_COMMON_H
#define EXAMPLES_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sdk/host.h"

/* dir of /proc/self/exe + "/" + name, in a static rotation of buffers. */
static inline const char *ex_path(const char *name)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ % 4], *slash;
	ssize_t n = readlink("/proc/self/exe", b, sizeof(bufs[0]) - 1);

	if (n < 0) {
		perror("readlink /proc/self/exe");
		exit(1);
	}
	b[n] = 0;
	slash = strrchr(b, '/');
	if (!slash || (size_t)(slash - b) + 2 + strlen(name) > sizeof(bufs[0])) {
		fprintf(stderr, "path too long\n");
		exit(1);
	}
	strcpy(slash + 1, name);
	return b;
}

__attribute__((noreturn, format(printf, 1, 2))) static inline void ex_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static inline struct sdk_enclave *ex_load(struct sdk_platform *p, const char *base)
{
	char elf[256], sig[256], err[512];
	struct sdk_enclave *e;

	snprintf(elf, sizeof(elf), "%s.elf", base);
	snprintf(sig, sizeof(sig), "%s.sig", base);
	if (sdk_enclave_load(p, ex_path(elf), ex_path(sig), &e, err, sizeof(err)))
		ex_die("loading %s: %s", elf, err);
	return e;
}

/* Fails (exit 1) with the sdk's message when there is no SGX here: outside
 * `sgxemu run` on a machine without SGX. */
static inline struct sdk_platform *ex_platform(void)
{
	struct sdk_platform *p;
	char err[512];

	if (sdk_platform_init(&p, err, sizeof(err)))
		ex_die("platform: %s", err);
	return p;
}

static inline void ex_hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

#endif
