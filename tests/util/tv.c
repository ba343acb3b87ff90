/*
 * tv.c - see tv.h. Strict: unknown operations or keys, duplicate keys,
 * missing keys, bad numbers, out-of-range patches and short files are all
 * errors, so a vector file the parser misreads cannot pass silently.
 */
#include "tv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpuhelp.h"

#define TV_SIGSTRUCT_SIZE 1808

const char *tv_op_name(enum tv_op op)
{
	static const char *const names[] = {
		[TV_ECREATE] = "ECREATE", [TV_EADD] = "EADD", [TV_EEXTEND] = "EEXTEND",
		[TV_EINIT] = "EINIT", [TV_EXPECT_MRENCLAVE] = "EXPECT mrenclave",
		[TV_EXPECT_MRSIGNER] = "EXPECT mrsigner",
	};
	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

static int parse_num(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Apply "OFF:HEX" to buf[0..size). */
static int apply_patch(const char *p, uint8_t *buf, size_t size, char *err, size_t errlen)
{
	char tmp[8192];
	const char *colon = strchr(p, ':');
	uint64_t off;
	int n;

	if (!colon || (size_t)(colon - p) >= 64)
		return set_err(err, errlen, "bad patch '%s'", p);
	memcpy(tmp, p, (size_t)(colon - p));
	tmp[colon - p] = 0;
	if (parse_num(tmp, &off) || off >= size)
		return set_err(err, errlen, "bad patch offset in '%s'", p);
	n = th_hex_decode(colon + 1, (uint8_t *)tmp, sizeof(tmp));
	if (n <= 0 || off + (uint64_t)n > size)
		return set_err(err, errlen, "bad or out-of-range patch bytes in '%s'", p);
	memcpy(buf + off, tmp, (size_t)n);
	return 0;
}

static uint8_t *read_at(const char *path, uint64_t off, size_t len, char *err, size_t errlen)
{
	size_t flen;
	uint8_t *all = th_read_file(path, &flen), *out;

	if (!all) {
		set_err(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (off > flen || flen - off < len) {
		free(all);
		set_err(err, errlen, "%s: %zu bytes at 0x%llx are beyond its end (%zu bytes)",
			path, len, (unsigned long long)off, flen);
		return NULL;
	}
	out = malloc(len);
	memcpy(out, all + off, len);
	free(all);
	return out;
}

int tv_data_spec(const char *spec, const char *dir, uint8_t out[4096], char *err,
		 size_t errlen)
{
	uint64_t a, b;
	char tmp[4096];

	if (!strcmp(spec, "zero")) {
		memset(out, 0, 4096);
		return 0;
	}
	if (!strncmp(spec, "fill:", 5)) {
		if (parse_num(spec + 5, &a) || a > 255)
			return set_err(err, errlen, "bad fill spec '%s'", spec);
		memset(out, (int)a, 4096);
		return 0;
	}
	if (!strncmp(spec, "ramp:", 5)) {
		const char *c = strchr(spec + 5, ':');

		if (!c || (size_t)(c - spec) >= sizeof(tmp))
			return set_err(err, errlen, "bad ramp spec '%s'", spec);
		memcpy(tmp, spec + 5, (size_t)(c - spec - 5));
		tmp[c - spec - 5] = 0;
		if (parse_num(tmp, &a) || parse_num(c + 1, &b))
			return set_err(err, errlen, "bad ramp spec '%s'", spec);
		for (uint64_t i = 0; i < 4096; i++)
			out[i] = (uint8_t)(a + b * i);
		return 0;
	}
	if (!strncmp(spec, "xorshift32:", 11)) {
		uint32_t x;

		if (parse_num(spec + 11, &a) || a > 0xffffffffull)
			return set_err(err, errlen, "bad xorshift32 spec '%s'", spec);
		x = (uint32_t)a;
		for (int i = 0; i < 1024; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			out[4 * i] = (uint8_t)x;
			out[4 * i + 1] = (uint8_t)(x >> 8);
			out[4 * i + 2] = (uint8_t)(x >> 16);
			out[4 * i + 3] = (uint8_t)(x >> 24);
		}
		return 0;
	}
	if (!strncmp(spec, "file:", 5)) {
		const char *c = strrchr(spec + 5, ':');
		uint8_t *d;

		if (!c || c == spec + 5 || (size_t)(c - spec - 5) >= sizeof(tmp) ||
		    parse_num(c + 1, &a))
			return set_err(err, errlen, "bad file spec '%s'", spec);
		memcpy(tmp, spec + 5, (size_t)(c - spec - 5));
		tmp[c - spec - 5] = 0;
		d = read_at(th_path(dir, tmp), a, 4096, err, errlen);
		if (!d)
			return -1;
		memcpy(out, d, 4096);
		free(d);
		return 0;
	}
	return set_err(err, errlen, "unknown data spec '%s'", spec);
}

struct kv {
	const char *key;
	const char *val;
};

/* Parse one line after the op word into tokens; returns count or -1. */
static int split_kv(char *rest, struct kv *kv, int max, char *err, size_t errlen)
{
	int n = 0;

	for (char *tok = strtok(rest, " \t"); tok; tok = strtok(NULL, " \t")) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok)
			return set_err(err, errlen, "token '%s' is not KEY=VALUE", tok);
		if (n == max)
			return set_err(err, errlen, "too many tokens");
		*eq = 0;
		kv[n].key = tok;
		kv[n].val = eq + 1;
		for (int i = 0; i < n; i++)
			if (strcmp(tok, "patch") && !strcmp(kv[i].key, tok))
				return set_err(err, errlen, "duplicate key '%s'", tok);
		n++;
	}
	return n;
}

static const char *get(struct kv *kv, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].val;
	return NULL;
}

/* Every key must be in allowed (NULL-terminated). */
static int check_keys(struct kv *kv, int n, const char *const *allowed, char *err,
		      size_t errlen)
{
	for (int i = 0; i < n; i++) {
		bool ok = false;

		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, kv[i].key);
		if (!ok)
			return set_err(err, errlen, "unexpected key '%s'", kv[i].key);
	}
	return 0;
}

static int need_num(struct kv *kv, int n, const char *key, uint64_t *v, char *err,
		    size_t errlen)
{
	const char *s = get(kv, n, key);

	if (!s)
		return set_err(err, errlen, "missing %s=", key);
	if (parse_num(s, v))
		return set_err(err, errlen, "bad number %s=%s", key, s);
	return 0;
}

static int parse_line(struct tv_line *l, char *line, const char *dir, char *err,
		      size_t errlen)
{
	static const char *const k_ecreate[] = { "ssaframesize", "size", "attributes", "xfrm",
						 "miscselect", NULL };
	static const char *const k_eadd[] = { "offset", "secinfo", "data", "patch", NULL };
	static const char *const k_eextend[] = { "offset", NULL };
	static const char *const k_einit[] = { "sigstruct", "patch", "result", NULL };
	static const char *const k_expect[] = { "mrenclave", "mrsigner", NULL };
	struct kv kv[64];
	char *op = line + strspn(line, " \t");
	char *rest = op + strcspn(op, " \t");
	int n;

	if (*rest)
		*rest++ = 0;
	n = split_kv(rest, kv, 64, err, errlen);
	if (n < 0)
		return -1;

	if (!strcmp(op, "ECREATE")) {
		l->op = TV_ECREATE;
		if (check_keys(kv, n, k_ecreate, err, errlen) ||
		    need_num(kv, n, "ssaframesize", &l->ssaframesize, err, errlen) ||
		    need_num(kv, n, "size", &l->size, err, errlen) ||
		    need_num(kv, n, "attributes", &l->attributes, err, errlen) ||
		    need_num(kv, n, "xfrm", &l->xfrm, err, errlen) ||
		    need_num(kv, n, "miscselect", &l->miscselect, err, errlen))
			return -1;
		return 0;
	}
	if (!strcmp(op, "EADD")) {
		const char *data = get(kv, n, "data");

		l->op = TV_EADD;
		if (check_keys(kv, n, k_eadd, err, errlen) ||
		    need_num(kv, n, "offset", &l->offset, err, errlen) ||
		    need_num(kv, n, "secinfo", &l->secinfo, err, errlen))
			return -1;
		if (!data)
			return set_err(err, errlen, "missing data=");
		l->data = malloc(4096);
		if (tv_data_spec(data, dir, l->data, err, errlen))
			return -1;
		for (int i = 0; i < n; i++)
			if (!strcmp(kv[i].key, "patch") &&
			    apply_patch(kv[i].val, l->data, 4096, err, errlen))
				return -1;
		return 0;
	}
	if (!strcmp(op, "EEXTEND")) {
		l->op = TV_EEXTEND;
		if (check_keys(kv, n, k_eextend, err, errlen) ||
		    need_num(kv, n, "offset", &l->offset, err, errlen))
			return -1;
		return 0;
	}
	if (!strcmp(op, "EINIT")) {
		const char *path = get(kv, n, "sigstruct");

		l->op = TV_EINIT;
		if (check_keys(kv, n, k_einit, err, errlen) ||
		    need_num(kv, n, "result", &l->result, err, errlen))
			return -1;
		if (!path)
			return set_err(err, errlen, "missing sigstruct=");
		l->sigstruct = read_at(th_path(dir, path), 0, TV_SIGSTRUCT_SIZE, err, errlen);
		if (!l->sigstruct)
			return -1;
		for (int i = 0; i < n; i++)
			if (!strcmp(kv[i].key, "patch") &&
			    apply_patch(kv[i].val, l->sigstruct, TV_SIGSTRUCT_SIZE, err, errlen))
				return -1;
		return 0;
	}
	if (!strcmp(op, "EXPECT")) {
		const char *h;

		if (check_keys(kv, n, k_expect, err, errlen))
			return -1;
		if (n != 1)
			return set_err(err, errlen, "EXPECT takes exactly one key");
		l->op = !strcmp(kv[0].key, "mrenclave") ? TV_EXPECT_MRENCLAVE : TV_EXPECT_MRSIGNER;
		h = kv[0].val;
		if (strlen(h) != 64 || th_hex_decode(h, l->hash, 32) != 32)
			return set_err(err, errlen, "bad hash '%s'", h);
		return 0;
	}
	return set_err(err, errlen, "unknown operation '%s'", op);
}

int tv_parse(const char *path, struct tv_file *tv, char *err, size_t errlen)
{
	char dir[4096], line[16384], msg[512];
	const char *slash = strrchr(path, '/');
	FILE *fp = fopen(path, "r");
	size_t cap = 0;
	int lineno = 0;

	memset(tv, 0, sizeof(*tv));
	if (!fp)
		return set_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		struct tv_line *l;

		lineno++;
		if (len && line[len - 1] != '\n' && !feof(fp)) {
			fclose(fp);
			return set_err(err, errlen, "%s:%d: line too long", path, lineno);
		}
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (line[0] == '#' || strspn(line, " \t") == len)
			continue;
		if (tv->n == cap) {
			cap = cap ? 2 * cap : 64;
			tv->lines = realloc(tv->lines, cap * sizeof(*tv->lines));
		}
		l = &tv->lines[tv->n++];
		memset(l, 0, sizeof(*l));
		l->lineno = lineno;
		if (parse_line(l, line, dir, msg, sizeof(msg))) {
			fclose(fp);
			return set_err(err, errlen, "%s:%d: %s", path, lineno, msg);
		}
		if ((l->op == TV_ECREATE) != (tv->n == 1)) {
			fclose(fp);
			return set_err(err, errlen, "%s:%d: ECREATE must be first and only once",
				       path, lineno);
		}
	}
	fclose(fp);
	if (!tv->n)
		return set_err(err, errlen, "%s: no operations", path);
	return 0;
}

void tv_free(struct tv_file *tv)
{
	for (size_t i = 0; i < tv->n; i++) {
		free(tv->lines[i].data);
		free(tv->lines[i].sigstruct);
	}
	free(tv->lines);
	memset(tv, 0, sizeof(*tv));
}
