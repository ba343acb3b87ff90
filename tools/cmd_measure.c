/*
 * cmd_measure.c - `sgxemu measure`: build an enclave ELF on the emulated CPU
 * and print its MRENCLAVE and SECS.SIZE.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "elf_image.h"
#include "enclave_build.h"

int cmd_measure(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "heap", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t heap = ELF_IMAGE_DEFAULT_HEAP;
	struct elf_image img;
	uint8_t mr[32];
	char err[512], hex[65];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (parse_heap(optarg, &heap))
				return EXIT_USAGE;
			break;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cli_err("measure: expected exactly one ENCLAVE.elf");
		usage();
		return EXIT_USAGE;
	}
	if (elf_image_load(argv[optind], heap, &img, err, sizeof(err))) {
		cli_err("%s", err);
		return 1;
	}
	if (enclave_measure(&img, mr, err, sizeof(err))) {
		cli_err("%s: %s", argv[optind], err);
		elf_image_free(&img);
		return 1;
	}
	cli_hex(mr, sizeof(mr), hex);
	printf("%s 0x%" PRIx64 "\n", hex, img.encl_size);
	elf_image_free(&img);
	return 0;
}
