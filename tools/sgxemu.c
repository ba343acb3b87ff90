/*
 * sgxemu.c - main() of the sgxemu command: dispatches to the subcommands
 * (commands.h) and owns the usage text.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "info", cmd_info },
	{ "measure", cmd_measure },
	{ "run", cmd_run },
	{ "sign", cmd_sign },
};

void usage(void)
{
	fputs("usage: sgxemu COMMAND [OPTIONS] ...\n"
	      "\n"
	      "  info [--features SPEC] [--epc SIZE]\n"
	      "        Show the emulated platform as SGX software sees it (CPUID, MSRs).\n"
	      "        SPEC: e.g. +sgx2,-kss; SIZE: bytes with optional K, M or G suffix.\n"
	      "  measure [--heap BYTES] ENCLAVE.elf\n"
	      "        Print the MRENCLAVE of an enclave ELF (then SECS.SIZE).\n"
	      "  run [--epc SIZE] [--features SPEC] [--platform-key FILE] [--trace FILE]\n"
	      "      [--stats] [--aex-every USEC] [--single-step] -- PROGRAM [ARGS...]\n"
	      "        Run an unmodified SGX program (and the programs it starts) on the\n"
	      "        emulated platform: /dev/sgx_enclave, ENCLU and the vDSO work as on\n"
	      "        SGX hardware. --platform-key: the root-key file (created if absent);\n"
	      "        --trace: write the SGX events as Chrome trace JSON (Perfetto);\n"
	      "        --stats: print leaf, AEX and EPC counts on stderr at exit;\n"
	      "        --aex-every: an injected interrupt (AEX) every USEC microseconds on\n"
	      "          every thread running enclave code;\n"
	      "        --single-step: single-step TCSs with DBGOPTIN of debug enclaves.\n"
	      "  sign --key KEY.pem --out SIGSTRUCT [--heap BYTES] [--size BYTES] [--date YYYYMMDD]\n"
	      "       [--isvprodid N] [--isvsvn N] [--vendor 0|0x8086] [--swdefined HEX]\n"
	      "       [--attributes HEX] [--attributes-mask HEX] [--xfrm HEX] [--xfrm-mask HEX]\n"
	      "       [--miscselect HEX] [--miscselect-mask HEX] ENCLAVE.elf\n"
	      "        Write the 1808-byte SIGSTRUCT of an enclave ELF, signed with an\n"
	      "        RSA-3072 key with public exponent 3 (PEM, PKCS#1 or PKCS#8).\n"
	      "        --size: SECS.SIZE (a power of two) when the enclave wants more\n"
	      "          ELRANGE than its pages, e.g. a hole for SGX2 pages (EAUG).\n"
	      "\n"
	      "ELF layout: first PT_LOAD = TCS pages (exactly RW), then the other PT_LOAD\n"
	      "segments, then the heap (default 4096 bytes, unmeasured).\n",
	      stderr);
}

int parse_heap(const char *s, uint64_t *heap)
{
	if (cli_parse_size("--heap", s, heap))
		return -1;
	if (*heap == 0 || *heap % 4096) {
		cli_err("--heap: '%s' is not a positive multiple of 4096", s);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") && strcmp(argv[1], "-h") && strcmp(argv[1], "help"))
		cli_err("unknown command '%s'", argv[1]);
	usage();
	return EXIT_USAGE;
}
