/*
 * cli.h - small helpers shared by the sgxemu subcommands: error reporting
 * and the parsing of numeric command-line arguments.
 *
 * Every parser returns 0 on success or -1 after printing a message that
 * names the option and the offending value; none of them exits.
 */
#ifndef SGXEMU_TOOLS_CLI_H
#define SGXEMU_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>

/* Print "sgxemu: <message>\n" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An unsigned integer in C notation (decimal, 0x hex, or 0 octal) that fits
 * in max. */
int cli_parse_uint(const char *opt, const char *s, uint64_t max, uint64_t *out);

/* A hexadecimal number, with or without the 0x prefix, that fits in max. */
int cli_parse_hex(const char *opt, const char *s, uint64_t max, uint64_t *out);

/* A byte count with an optional K, M or G suffix (powers of 1024). */
int cli_parse_size(const char *opt, const char *s, uint64_t *out);

/* Lowercase hex of len bytes into out (2 * len + 1 bytes). */
void cli_hex(const uint8_t *buf, size_t len, char *out);

#endif /* SGXEMU_TOOLS_CLI_H */
