/*
 * fsutil.h - test helpers for files: read/write whole files, temporary
 * directories (created and removed recursively), path joining.
 */
#ifndef SGXEMU_TESTS_UTIL_FSUTIL_H
#define SGXEMU_TESTS_UTIL_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whole file into a malloc'd buffer (NUL-terminated beyond *len); NULL on
 * error. */
uint8_t *fsu_read(const char *path, size_t *len);

/* Create or truncate path with len bytes of data. Returns 0 or -1. */
int fsu_write(const char *path, const void *data, size_t len);

bool fsu_exists(const char *path);

/* A new directory under $TMPDIR (or /tmp); malloc'd path or NULL. */
char *fsu_mkdtemp(void);

/* Remove dir and everything in it. Returns 0 or -1. */
int fsu_rmtree(const char *dir);

/* "a/b", malloc'd (never NULL: aborts on out-of-memory). */
char *fsu_join(const char *a, const char *b);

#endif /* SGXEMU_TESTS_UTIL_FSUTIL_H */
