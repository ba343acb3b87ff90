/*
 * proc.c - run a program for a test, capturing its output through two
 * anonymous temporary files (no pipes, so no deadlock however much it
 * prints).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

static char *slurp_fd(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	if (!buf)
		return NULL;
	if (lseek(fd, 0, SEEK_SET) < 0)
		goto fail;
	for (;;) {
		if (n == cap) {
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				goto fail;
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	return NULL;
}

static int anon_file(void)
{
	char tmpl[] = "/tmp/sgxemu-proc-XXXXXX";
	int fd = mkstemp(tmpl);

	if (fd >= 0)
		unlink(tmpl);
	return fd;
}

int proc_run(char *const argv[], struct proc_result *res)
{
	int out_fd, err_fd, null_fd, st;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	out_fd = anon_file();
	err_fd = anon_file();
	if (out_fd < 0 || err_fd < 0)
		goto fail;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		null_fd = open("/dev/null", O_RDONLY);
		if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
		    dup2(err_fd, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			goto fail;
	}
	if (WIFEXITED(st))
		res->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		res->status = 128 + WTERMSIG(st);
	res->out = slurp_fd(out_fd, &res->out_len);
	res->err = slurp_fd(err_fd, &res->err_len);
	if (!res->out || !res->err)
		goto fail;
	close(out_fd);
	close(err_fd);
	return 0;
fail:
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	proc_result_free(res);
	return -1;
}

void proc_result_free(struct proc_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}
