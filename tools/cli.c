/*
 * cli.c - error reporting and argument parsing shared by the sgxemu
 * subcommands.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

void cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("sgxemu: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* strtoull() accepts leading blanks and a minus sign; we do not. */
static int parse_base(const char *opt, const char *s, int base, uint64_t max,
		      uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || !isxdigit((unsigned char)s[0])) {
		cli_err("%s: '%s' is not a number", opt, s ? s : "");
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE || v > max) {
		cli_err("%s: '%s' is out of range (at most 0x%llx)", opt, s,
			(unsigned long long)max);
		return -1;
	}
	if (errno || *end) {
		cli_err("%s: '%s' is not a number", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_uint(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	return parse_base(opt, s, 0, max, out);
}

int cli_parse_hex(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	if (s && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!s[2]) {
			cli_err("%s: '%s' is not a hexadecimal number", opt, s);
			return -1;
		}
		s += 2;
	}
	return parse_base(opt, s, 16, max, out);
}

int cli_parse_size(const char *opt, const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)s[0])) {
		cli_err("%s: '%s' is not a size", opt, s ? s : "");
		return -1;
	}
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno) {
		cli_err("%s: '%s' is not a valid size", opt, s);
		return -1;
	}
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		shift = 20;
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end) {
		cli_err("%s: '%s' is not a size (use a number with an optional K, M or G suffix)",
			opt, s);
		return -1;
	}
	if (shift && v > (UINT64_MAX >> shift)) {
		cli_err("%s: '%s' is too large", opt, s);
		return -1;
	}
	*out = (uint64_t)v << shift;
	return 0;
}

void cli_hex(const uint8_t *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[buf[i] >> 4];
		out[2 * i + 1] = digits[buf[i] & 0xf];
	}
	out[2 * len] = '\0';
}
