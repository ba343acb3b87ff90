/*
 * bench_ecall.c - enclave round trips against the floor of this design,
 * measured in the same run.
 *
 *   baseline raw_trap_ns N    an ENCLU executed outside any enclave, caught by
 *                             a minimal SIGSEGV/SIGILL handler that only skips
 *                             it: one kernel signal round trip, measured here,
 *                             natively (no sgxemu in this process). Every
 *                             bench ratio of the project is against this.
 *   ecall_ns N                an empty ecall through the sdk
 *   ratio ecall_vs_trap X     target <= 1.3
 *   ocall_ns N                one empty ocall from inside an ecall
 *   ratio ocall_vs_trap X
 *
 * The ecall and ocall figures come from build/bench/ecall_host, an
 * unmodified SGX program run as `build/sgxemu run -- ecall_host` (or, when
 * there is no sgxemu binary, with LD_PRELOAD=libsgxemu-preload.so, which is
 * what run does); it prints its `ecall_ns N` and `ocall_ns N` lines into a
 * pipe. SGXEMU_BIN, ECALL_HOST and PRELOAD_LIB (build paths) come from the
 * Makefile. Each figure is the best of several rounds.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "raw_trap.h"

#define ROUNDS 7
#define ITERS 20000

/* Run ecall_host under sgxemu; read its two figures from a pipe. */
static int run_host(double *ecall, double *ocall)
{
	char buf[4096], *line;
	size_t len = 0;
	int pfd[2], status;
	bool have_ecall = false, have_ocall = false;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd)) {
		perror("bench_ecall: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("bench_ecall: fork");
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(pfd[1]);
		if (access(SGXEMU_BIN, X_OK) == 0) {
			execl(SGXEMU_BIN, SGXEMU_BIN, "run", "--", ECALL_HOST, (char *)NULL);
			fprintf(stderr, "bench_ecall: %s: %s\n", SGXEMU_BIN, strerror(errno));
		} else {
			setenv("LD_PRELOAD", PRELOAD_LIB, 1);
			execl(ECALL_HOST, ECALL_HOST, (char *)NULL);
			fprintf(stderr, "bench_ecall: %s: %s\n", ECALL_HOST, strerror(errno));
		}
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(buf) - 1 && (n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)n;
	}
	buf[len] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_ecall: ecall_host failed (status 0x%x); its output:\n%s",
			status, buf);
		return -1;
	}
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, "ecall_ns %lf", ecall) == 1)
			have_ecall = true;
		else if (sscanf(line, "ocall_ns %lf", ocall) == 1)
			have_ocall = true;
	}
	if (!have_ecall || !have_ocall) {
		fprintf(stderr, "bench_ecall: no ecall_ns/ocall_ns lines from ecall_host\n");
		return -1;
	}
	return 0;
}

int main(void)
{
	double trap, ecall, ocall;

	trap = bench_raw_trap_ns(ROUNDS, ITERS);
	if (run_host(&ecall, &ocall))
		return 1;
	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("ecall_ns %.0f\n", ecall);
	printf("ratio ecall_vs_trap %.3f\n", ecall / trap);
	printf("ocall_ns %.0f\n", ocall);
	printf("ratio ocall_vs_trap %.3f\n", ocall / trap);
	return 0;
}
