/*
 * commands.h - the sgxemu subcommands. Each takes the arguments after the
 * subcommand name (argv[0] = the subcommand) and returns the exit status:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef SGXEMU_TOOLS_COMMANDS_H
#define SGXEMU_TOOLS_COMMANDS_H

#include <stdint.h>

#define EXIT_USAGE 2

int cmd_info(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_sign(int argc, char **argv);

/* Print the usage text on stderr. */
void usage(void);

/* Parse a --heap value: a positive multiple of 4096 (K/M/G suffixes allowed). */
int parse_heap(const char *s, uint64_t *heap);

#endif /* SGXEMU_TOOLS_COMMANDS_H */
