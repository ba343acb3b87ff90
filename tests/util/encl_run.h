/*
 * encl_run.h - test helper: build one of the test enclaves of
 * tests/enclaves (ELF from $SGXEMU_TEST_ENCLAVES) with a chosen MISCSELECT,
 * sign it at run time with $SGXEMU_TESTVECTORS/test-signing-key.pem, map it
 * and attach the platform to the process (sgx_entry_init), ready to run.
 */
#ifndef TESTS_UTIL_ENCL_RUN_H
#define TESTS_UTIL_ENCL_RUN_H

#include <stdint.h>

#include "encl_load.h"
#include "sgxemu/entry.h"

struct er_enclave {
	struct sgx_os *os;
	struct sgx_encl *encl;
	struct el_image img;
	uint64_t base;     /* SECS.BASEADDR */
	uint64_t size;     /* SECS.SIZE */
	uint64_t secs_frame;
	const char *last_step; /* the step er_setup_attrs failed in */
	long last_ret;         /* and its result */
};

/* Path of the built tests/enclaves/<name>.elf: in $SGXEMU_TEST_ENCLAVES
 * (set by `make test`), else in build/tests/enclaves of the current
 * directory. */
const char *er_enclave_path(const char *name);

/*
 * Platform (default config), ELF <name> with a 4 KiB heap, CREATE with
 * SSAFRAMESIZE 1, MODE64BIT, XFRM 3 and `miscselect`, ADD_PAGES, INIT with a
 * SIGSTRUCT signed now, mmap of every segment, sgx_entry_init. Returns 0, or
 * -1 with a message on stderr.
 */
int er_setup(const char *name, uint32_t miscselect, struct er_enclave *e);
/* The same with `attrs` added to ATTRIBUTES.FLAGS of the SECS and the
 * SIGSTRUCT (e.g. SGX_ATTR_AEXNOTIFY, SGX_ATTR_DEBUG), on a platform whose
 * feature list is changed by `features` (sgx_features_apply syntax, e.g.
 * "-aexnotify"; NULL: the default). The failing step's result is kept in
 * e->last_ret (the CREATE ioctl's -errno, for instance). */
int er_setup_attrs(const char *name, uint32_t miscselect, uint64_t attrs, const char *features,
		   struct er_enclave *e);
/* Release the enclave, destroy the platform (the trap handlers stay). */
void er_teardown(struct er_enclave *e);

#endif
