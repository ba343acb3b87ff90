/*
 * tv.h - parser for the ENCLS-level test vectors (the .tv files in testvectors/ll,
 * format in testvectors/README.md "ENCLS-level vector format").
 */
#ifndef TESTS_UTIL_TV_H
#define TESTS_UTIL_TV_H

#include <stddef.h>
#include <stdint.h>

enum tv_op {
	TV_ECREATE,
	TV_EADD,
	TV_EEXTEND,
	TV_EINIT,
	TV_EXPECT_MRENCLAVE,
	TV_EXPECT_MRSIGNER,
};

struct tv_line {
	enum tv_op op;
	int lineno;
	/* ECREATE */
	uint64_t ssaframesize, size, attributes, xfrm, miscselect;
	/* EADD / EEXTEND */
	uint64_t offset, secinfo;
	uint8_t *data;      /* EADD: 4096 bytes, patches applied */
	/* EINIT */
	uint8_t *sigstruct; /* 1808 bytes, patches applied */
	uint64_t result;
	/* EXPECT */
	uint8_t hash[32];
};

struct tv_file {
	struct tv_line *lines;
	size_t n;
};

/* Parse path; 0, or -1 with "path:line: message" in err. */
int tv_parse(const char *path, struct tv_file *tv, char *err, size_t errlen);
void tv_free(struct tv_file *tv);

/* Human name of an op. */
const char *tv_op_name(enum tv_op op);

/* The data specs, exposed for their own tests: fill 4096 bytes. */
int tv_data_spec(const char *spec, const char *dir, uint8_t out[4096], char *err,
		 size_t errlen);

#endif
