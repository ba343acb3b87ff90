/*
 * platform.c - the platform root secret, kept in a file so that keys derived
 * from it (sealing keys, report keys) stay the same from one run to the next.
 *
 * Location: the path given, else $SGXEMU_PLATFORM_KEY, else
 * $XDG_STATE_HOME/sgxemu/platform.key, else ~/.local/state/sgxemu/platform.key.
 * First use creates it (directories 0700, file 0600, created with O_EXCL so
 * that two processes racing to create it agree on one key); later uses read
 * it. A file of the wrong size, or one readable or writable by group/other,
 * is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "sgxemu/os.h"

#define KEY_LEN 16

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* mkdir -p of the directory part of path, new directories 0700. */
static int make_parents(const char *path, char *err, size_t errlen)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return fail(err, errlen, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return fail(err, errlen, "cannot create directory %s: %s", buf,
				    strerror(errno));
		*p = '/';
	}
	return 0;
}

static int default_path(char *buf, size_t len, char *err, size_t errlen)
{
	const char *v = getenv("SGXEMU_PLATFORM_KEY");
	int n;

	if (v && *v)
		n = snprintf(buf, len, "%s", v);
	else if ((v = getenv("XDG_STATE_HOME")) && *v)
		n = snprintf(buf, len, "%s/sgxemu/platform.key", v);
	else if ((v = getenv("HOME")) && *v)
		n = snprintf(buf, len, "%s/.local/state/sgxemu/platform.key", v);
	else
		return fail(err, errlen,
			    "no place for the platform key: set SGXEMU_PLATFORM_KEY or HOME");
	if (n < 0 || (size_t)n >= len)
		return fail(err, errlen, "platform key path too long");
	return 0;
}

static int read_all(int fd, uint8_t *buf, size_t len, size_t *got)
{
	*got = 0;
	while (*got < len) {
		ssize_t r = read(fd, buf + *got, len - *got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

static int read_key(const char *path, uint8_t key[KEY_LEN], char *err, size_t errlen)
{
	uint8_t buf[KEY_LEN + 1];
	struct stat st;
	size_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return fail(err, errlen, "cannot open platform key %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return fail(err, errlen, "cannot stat platform key %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, "platform key %s is not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return fail(err, errlen,
			    "platform key %s has mode %03o: group/other must have no access "
			    "(chmod 600 it)", path, (unsigned)(st.st_mode & 0777));
	}
	if (read_all(fd, buf, sizeof(buf), &got) < 0) {
		close(fd);
		return fail(err, errlen, "cannot read platform key %s: %s", path, strerror(errno));
	}
	close(fd);
	if (got != KEY_LEN || st.st_size != KEY_LEN)
		return fail(err, errlen, "platform key %s must be exactly %d bytes (it has %lld)",
			    path, KEY_LEN, (long long)st.st_size);
	memcpy(key, buf, KEY_LEN);
	return 0;
}

/* Create path with fresh random bytes; 1 if it already existed. */
static int create_key(const char *path, char *err, size_t errlen)
{
	uint8_t key[KEY_LEN];
	size_t done = 0;
	int fd;

	if (RAND_bytes(key, sizeof(key)) != 1)
		return fail(err, errlen, "no entropy for a new platform key");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 1;
		return fail(err, errlen, "cannot create platform key %s: %s", path,
			    strerror(errno));
	}
	while (done < sizeof(key)) {
		ssize_t w = write(fd, key + done, sizeof(key) - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fail(err, errlen, "cannot write platform key %s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fail(err, errlen, "cannot write platform key %s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

int sgx_platform_root_key(uint8_t key[16], const char *path_or_null, char *err, size_t errlen)
{
	char path[4096];
	int r;

	if (path_or_null) {
		if (snprintf(path, sizeof(path), "%s", path_or_null) >= (int)sizeof(path))
			return fail(err, errlen, "platform key path too long");
	} else if (default_path(path, sizeof(path), err, errlen)) {
		return -1;
	}
	if (access(path, F_OK) < 0) {
		if (make_parents(path, err, errlen))
			return -1;
		r = create_key(path, err, errlen);
		if (r < 0)
			return -1;
		/* r == 1: another process created it first; read theirs. A reader
		 * that races with the creator may see a short file: retry briefly. */
		for (int i = 0; r == 1 && i < 50; i++) {
			struct stat st;

			if (stat(path, &st) == 0 && st.st_size == KEY_LEN)
				break;
			usleep(2000);
		}
	}
	return read_key(path, key, err, errlen);
}
