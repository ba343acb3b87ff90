/*
 * cmd_sign.c - `sgxemu sign`: measure an enclave ELF, fill a SIGSTRUCT with
 * the requested fields, sign it, check it with the CPU model's own verifier
 * and write it atomically (temporary file + rename), so that a failure never
 * leaves a partial or stale-looking output file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <sgxemu/sgxemu.h>

#include "cli.h"
#include "commands.h"
#include "elf_image.h"
#include "enclave_build.h"
#include "signer.h"

struct sign_opts {
	const char *key, *out, *elf;
	uint64_t heap;
	uint64_t size; /* SECS.SIZE override (0: the image's power of two) */
	uint64_t date, isvprodid, isvsvn, vendor, swdefined;
	uint64_t attributes, attributes_mask, xfrm, xfrm_mask;
	uint64_t miscselect, miscselect_mask;
};

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYYMMDD, stored as the eight digits read as hex (0x20261122). */
static int parse_date(const char *s, uint64_t *out)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, m, d;

	if (strlen(s) != 8 || strspn(s, "0123456789") != 8) {
		cli_err("--date: '%s' is not YYYYMMDD (eight digits) or 00000000", s);
		return -1;
	}
	*out = strtoull(s, NULL, 16);
	if (*out == 0)
		return 0;
	if (sscanf(s, "%4u%2u%2u", &y, &m, &d) != 3 || y < 1970 || m < 1 || m > 12 ||
	    d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !is_leap(y))) {
		cli_err("--date: '%s' is not a plausible date (YYYYMMDD, year >= 1970)", s);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct sign_opts *o)
{
	enum {
		O_KEY = 256, O_OUT, O_HEAP, O_DATE, O_PRODID, O_SVN, O_VENDOR, O_SWDEF,
		O_ATTR, O_ATTRMASK, O_XFRM, O_XFRMMASK, O_MISC, O_MISCMASK, O_SIZE,
	};
	static const struct option opts[] = {
		{ "key", required_argument, NULL, O_KEY },
		{ "out", required_argument, NULL, O_OUT },
		{ "heap", required_argument, NULL, O_HEAP },
		{ "size", required_argument, NULL, O_SIZE },
		{ "date", required_argument, NULL, O_DATE },
		{ "isvprodid", required_argument, NULL, O_PRODID },
		{ "isvsvn", required_argument, NULL, O_SVN },
		{ "vendor", required_argument, NULL, O_VENDOR },
		{ "swdefined", required_argument, NULL, O_SWDEF },
		{ "attributes", required_argument, NULL, O_ATTR },
		{ "attributes-mask", required_argument, NULL, O_ATTRMASK },
		{ "xfrm", required_argument, NULL, O_XFRM },
		{ "xfrm-mask", required_argument, NULL, O_XFRMMASK },
		{ "miscselect", required_argument, NULL, O_MISC },
		{ "miscselect-mask", required_argument, NULL, O_MISCMASK },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	memset(o, 0, sizeof(*o));
	o->heap = ELF_IMAGE_DEFAULT_HEAP;
	o->attributes = SGX_ATTR_MODE64BIT;
	o->xfrm = SGX_XFRM_LEGACY;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_KEY:
			o->key = optarg;
			r = 0;
			break;
		case O_OUT:
			o->out = optarg;
			r = 0;
			break;
		case O_HEAP:
			r = parse_heap(optarg, &o->heap);
			break;
		case O_SIZE:
			r = cli_parse_size("--size", optarg, &o->size);
			if (!r && (o->size < 4096 || (o->size & (o->size - 1)))) {
				cli_err("--size: '%s' is not a power of two >= 4096", optarg);
				r = -1;
			}
			break;
		case O_DATE:
			r = parse_date(optarg, &o->date);
			break;
		case O_PRODID:
			r = cli_parse_uint("--isvprodid", optarg, UINT16_MAX, &o->isvprodid);
			break;
		case O_SVN:
			r = cli_parse_uint("--isvsvn", optarg, UINT16_MAX, &o->isvsvn);
			break;
		case O_VENDOR:
			r = cli_parse_uint("--vendor", optarg, UINT32_MAX, &o->vendor);
			if (!r && o->vendor != 0 && o->vendor != SGX_SIGSTRUCT_VENDOR_INTEL) {
				cli_err("--vendor: must be 0 or 0x8086 (Intel), not '%s'", optarg);
				r = -1;
			}
			break;
		case O_SWDEF:
			r = cli_parse_hex("--swdefined", optarg, UINT32_MAX, &o->swdefined);
			break;
		case O_ATTR:
			r = cli_parse_hex("--attributes", optarg, UINT64_MAX, &o->attributes);
			break;
		case O_ATTRMASK:
			r = cli_parse_hex("--attributes-mask", optarg, UINT64_MAX,
					  &o->attributes_mask);
			break;
		case O_XFRM:
			r = cli_parse_hex("--xfrm", optarg, UINT64_MAX, &o->xfrm);
			break;
		case O_XFRMMASK:
			r = cli_parse_hex("--xfrm-mask", optarg, UINT64_MAX, &o->xfrm_mask);
			break;
		case O_MISC:
			r = cli_parse_hex("--miscselect", optarg, UINT32_MAX, &o->miscselect);
			break;
		case O_MISCMASK:
			r = cli_parse_hex("--miscselect-mask", optarg, UINT32_MAX,
					  &o->miscselect_mask);
			break;
		default:
			usage();
			return -1;
		}
		if (r)
			return -1;
	}
	if (!o->key || !o->out) {
		cli_err("sign: --key and --out are required");
		return -1;
	}
	if (optind != argc - 1) {
		cli_err("sign: expected exactly one ENCLAVE.elf");
		return -1;
	}
	o->elf = argv[optind];
	return 0;
}

static void fill_sigstruct(const struct sign_opts *o, const uint8_t mr[32],
			   struct sgx_sigstruct *sig)
{
	static const uint8_t header[16] = SGX_SIGSTRUCT_HEADER_BYTES;
	static const uint8_t header2[16] = SGX_SIGSTRUCT_HEADER2_BYTES;

	memset(sig, 0, sizeof(*sig));
	memcpy(sig->header.header, header, sizeof(header));
	sig->header.vendor = (uint32_t)o->vendor;
	sig->header.date = (uint32_t)o->date;
	memcpy(sig->header.header2, header2, sizeof(header2));
	sig->header.swdefined = (uint32_t)o->swdefined;
	sig->body.miscselect = (uint32_t)o->miscselect;
	sig->body.misc_mask = (uint32_t)o->miscselect_mask;
	sig->body.attributes.flags = o->attributes;
	sig->body.attributes.xfrm = o->xfrm;
	sig->body.attributes_mask.flags = o->attributes_mask;
	sig->body.attributes_mask.xfrm = o->xfrm_mask;
	memcpy(sig->body.mrenclave, mr, 32);
	sig->body.isv_prod_id = (uint16_t)o->isvprodid;
	sig->body.isv_svn = (uint16_t)o->isvsvn;
}

/* Write buf to path through a temporary file in the same directory. */
static int write_atomic(const char *path, const void *buf, size_t len)
{
	size_t plen = strlen(path), done = 0;
	mode_t mask;
	char *tmp;
	int fd;

	tmp = malloc(plen + sizeof(".XXXXXX"));
	if (!tmp) {
		cli_err("%s: out of memory", path);
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".XXXXXX", sizeof(".XXXXXX"));
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_err("%s: cannot create a temporary file: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0)
		goto fail;
	while (done < len) {
		ssize_t w = write(fd, (const uint8_t *)buf + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		done += (size_t)w;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	free(tmp);
	return 0;
fail:
	cli_err("%s: cannot write: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return -1;
}

int cmd_sign(int argc, char **argv)
{
	struct sgx_sigstruct *sig = NULL;
	struct sign_opts o;
	struct elf_image img;
	EVP_PKEY *key = NULL;
	uint8_t mr[32], signer[32];
	char err[512], hex[65];
	int ret = 1;

	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;

	key = signer_load_key(o.key, err, sizeof(err));
	if (!key) {
		cli_err("%s", err);
		return 1;
	}
	if (elf_image_load(o.elf, o.heap, &img, err, sizeof(err))) {
		cli_err("%s", err);
		EVP_PKEY_free(key);
		return 1;
	}
	/* A larger ELRANGE than the image needs: the rest is a hole for SGX2
	 * (EAUG); SECS.SIZE is measured, so the loader must use the same. */
	if (o.size) {
		if (o.size < img.encl_size) {
			cli_err("--size: 0x%llx is smaller than the image's SECS.SIZE 0x%llx",
				(unsigned long long)o.size, (unsigned long long)img.encl_size);
			goto out;
		}
		img.encl_size = o.size;
	}
	if (enclave_measure(&img, mr, err, sizeof(err))) {
		cli_err("%s: %s", o.elf, err);
		goto out;
	}
	sig = aligned_alloc(4096, 4096);
	if (!sig) {
		cli_err("out of memory");
		goto out;
	}
	fill_sigstruct(&o, mr, sig);
	if (signer_sign(key, sig, err, sizeof(err))) {
		cli_err("%s: %s", o.key, err);
		goto out;
	}
	if (sgx_sigstruct_verify(sig, NULL) != 0) {
		cli_err("internal error: the SIGSTRUCT does not pass sgx_sigstruct_verify()");
		goto out;
	}
	if (write_atomic(o.out, sig, sizeof(*sig)))
		goto out;

	sgx_mrsigner(sig->modulus, signer);
	cli_hex(mr, sizeof(mr), hex);
	printf("MRENCLAVE %s\n", hex);
	cli_hex(signer, sizeof(signer), hex);
	printf("MRSIGNER  %s\n", hex);
	ret = 0;
out:
	free(sig);
	elf_image_free(&img);
	EVP_PKEY_free(key);
	return ret;
}
