/*
 * proc.h - test helper: run a program and capture its exit status, stdout
 * and stderr.
 */
#ifndef SGXEMU_TESTS_UTIL_PROC_H
#define SGXEMU_TESTS_UTIL_PROC_H

#include <stddef.h>

struct proc_result {
	int status;    /* exit code, or 128 + signal if killed, -1 if not run */
	char *out;     /* stdout, NUL-terminated (never NULL after proc_run) */
	char *err;     /* stderr, NUL-terminated */
	size_t out_len, err_len;
};

/* Run argv (argv[0] is a path, no PATH search) with stdin from /dev/null.
 * Returns 0 if the program ran (whatever its status), -1 otherwise. */
int proc_run(char *const argv[], struct proc_result *res);

void proc_result_free(struct proc_result *res);

#endif /* SGXEMU_TESTS_UTIL_PROC_H */
