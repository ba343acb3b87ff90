/*
 * run_host.h - how a benchmark measures an unmodified host program: run it
 * under `sgxemu run` (or, without the sgxemu binary, with the preload library
 * in LD_PRELOAD), capture its standard output, and read `NAME VALUE` lines.
 */
#ifndef SGXEMU_BENCH_RUN_HOST_H
#define SGXEMU_BENCH_RUN_HOST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run `host` under sgxemu; its output goes to out (NUL-terminated). 0 if it
 * exited 0, else -1 with a message naming `who`. */
static inline int bench_run_host(const char *who, const char *sgxemu, const char *preload,
				 const char *host, char *out, size_t cap)
{
	size_t len = 0;
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd) || (pid = fork()) < 0) {
		fprintf(stderr, "%s: %s\n", who, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(pfd[1]);
		if (access(sgxemu, X_OK) == 0) {
			execl(sgxemu, sgxemu, "run", "--", host, (char *)NULL);
			fprintf(stderr, "%s: %s: %s\n", who, sgxemu, strerror(errno));
		} else {
			setenv("LD_PRELOAD", preload, 1);
			execl(host, host, (char *)NULL);
			fprintf(stderr, "%s: %s: %s\n", who, host, strerror(errno));
		}
		_exit(127);
	}
	close(pfd[1]);
	while (len < cap - 1 && (n = read(pfd[0], out + len, cap - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	out[len] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: %s failed (status 0x%x); its output:\n%s", who, host, status,
			out);
		return -1;
	}
	return 0;
}

/* The value of the first `name VALUE` line of out; 0 if found, else -1. */
static inline int bench_host_value(const char *out, const char *name, double *value)
{
	size_t n = strlen(name);

	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, name, n) && l[n] == ' ' && sscanf(l + n + 1, "%lf", value) == 1)
			return 0;
	return -1;
}

#endif /* SGXEMU_BENCH_RUN_HOST_H */
