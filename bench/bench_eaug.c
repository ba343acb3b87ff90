/*
 * bench_eaug.c - the cost of one demand-added page against the floor of
 * this design, measured in the same run.
 *
 *   baseline raw_trap_ns N       an ENCLU executed outside any enclave, caught
 *                                by a minimal handler that only skips it,
 *                                measured here natively before anything else
 *                                (as in bench_ecall)
 *   eaug_fault_ns N              one page of an enclave's ELRANGE hole made
 *                                usable by EACCEPT alone: #PF, the driver's
 *                                EAUG, ERESUME, the EACCEPT (from eaug_host,
 *                                an unmodified SGX program run as
 *                                `sgxemu run -- eaug_host`, through a pipe)
 *   ratio eaug_fault_vs_trap X
 *
 * SGXEMU_BIN, EAUG_HOST and PRELOAD_LIB come from the Makefile.
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

/* Run eaug_host under sgxemu; read its figure from a pipe. */
static int run_host(double *eaug)
{
	char buf[4096], *line;
	size_t len = 0;
	int pfd[2], status;
	bool have = false;
	ssize_t n;
	pid_t pid;

	if (pipe(pfd)) {
		perror("bench_eaug: pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		perror("bench_eaug: fork");
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		if (dup2(pfd[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(pfd[1]);
		if (access(SGXEMU_BIN, X_OK) == 0) {
			execl(SGXEMU_BIN, SGXEMU_BIN, "run", "--", EAUG_HOST, (char *)NULL);
			fprintf(stderr, "bench_eaug: %s: %s\n", SGXEMU_BIN, strerror(errno));
		} else {
			setenv("LD_PRELOAD", PRELOAD_LIB, 1);
			execl(EAUG_HOST, EAUG_HOST, (char *)NULL);
			fprintf(stderr, "bench_eaug: %s: %s\n", EAUG_HOST, strerror(errno));
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
		fprintf(stderr, "bench_eaug: eaug_host failed (status 0x%x); its output:\n%s",
			status, buf);
		return -1;
	}
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "eaug_fault_ns %lf", eaug) == 1)
			have = true;
	if (!have) {
		fprintf(stderr, "bench_eaug: no eaug_fault_ns line from eaug_host\n");
		return -1;
	}
	return 0;
}

int main(void)
{
	double trap, eaug;

	trap = bench_raw_trap_ns(ROUNDS, ITERS);
	if (run_host(&eaug))
		return 1;
	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("eaug_fault_ns %.0f\n", eaug);
	printf("ratio eaug_fault_vs_trap %.3f\n", eaug / trap);
	return 0;
}
