/*
 * bench_vdso.c - an enclave round trip of an unmodified program under
 * `sgxemu run`, against the floor of the design, in the same run.
 *
 *   baseline raw_trap_ns N        an ENCLU (RAX = EEXIT) executed natively
 *                                 outside any enclave, caught by a minimal
 *                                 SIGSEGV/SIGILL handler that only skips it,
 *                                 measured here, without sgxemu
 *   vdso_ecall_ns N               __vdso_sgx_enter_enclave(EENTER) into encl-a
 *                                 with RDI = 0, measured by
 *                                 build/bench/vdso_ecall_host under
 *                                 `build/sgxemu run`
 *   ratio vdso_ecall_vs_trap X    vdso_ecall_ns / raw_trap_ns (target <= 1.3)
 *
 * Each figure is the best of 7 rounds of 20000. Needs SGXEMU_TESTVECTORS.
 * Finds build/ from its own path (build/bench/bench_vdso). If `sgxemu run`
 * does not work, runs the host with LD_PRELOAD of the interposer instead.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
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

/* Runs argv (with LD_PRELOAD=preload when preload is set); its stdout in
 * out, its exit status returned (-1 if it did not run normally). */
static int run_capture(char *const argv[], const char *preload, char *out, size_t cap)
{
	int fds[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(fds))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while (n + 1 < cap && ((r = read(fds[0], out + n, cap - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			n += (size_t)r;
	out[n] = 0;
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(void)
{
	const char *tv = getenv("SGXEMU_TESTVECTORS");
	char exe[PATH_MAX], build[PATH_MAX], sgxemu[PATH_MAX + 16], host[PATH_MAX + 32];
	char preload[PATH_MAX + 32], out[4096];
	double trap, ecall;
	const char *line;
	ssize_t n;
	int rc;

	if (!tv || !*tv) {
		fprintf(stderr, "bench_vdso: set SGXEMU_TESTVECTORS\n");
		return 1;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 1;
	exe[n] = 0;
	snprintf(build, sizeof(build), "%s", dirname(dirname(exe)));
	snprintf(sgxemu, sizeof(sgxemu), "%s/sgxemu", build);
	snprintf(host, sizeof(host), "%s/bench/vdso_ecall_host", build);
	snprintf(preload, sizeof(preload), "%s/libsgxemu-preload.so", build);

	trap = bench_raw_trap_ns(ROUNDS, ITERS);

	{
		char *probe[] = { sgxemu, "run", "--", "/bin/true", NULL };
		char *via_run[] = { sgxemu, "run", "--", host, (char *)tv, NULL };
		char *direct[] = { host, (char *)tv, NULL };

		if (run_capture(probe, NULL, out, sizeof(out)) == 0) {
			rc = run_capture(via_run, NULL, out, sizeof(out));
		} else {
			fprintf(stderr, "bench_vdso: `sgxemu run` unavailable, using LD_PRELOAD\n");
			rc = run_capture(direct, preload, out, sizeof(out));
		}
	}
	line = strstr(out, "ecall_ns ");
	if (rc != 0 || !line || sscanf(line + 9, "%lf", &ecall) != 1 || ecall <= 0) {
		fprintf(stderr, "bench_vdso: vdso_ecall_host failed (status %d): %s\n", rc, out);
		return 1;
	}
	printf("baseline raw_trap_ns %.0f\n", trap);
	printf("vdso_ecall_ns %.0f\n", ecall);
	printf("ratio vdso_ecall_vs_trap %.3f\n", ecall / trap);
	return 0;
}
