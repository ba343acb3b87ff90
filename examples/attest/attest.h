/* attest.h - ecall argument structs of the attest example. */
#ifndef EXAMPLES_ATTEST_H
#define EXAMPLES_ATTEST_H

#include "sgxemu/sgx_arch.h"

struct ti_args {
	struct sgx_targetinfo ti;      /* out */
};

struct report_args {
	struct sgx_targetinfo target;  /* in */
	uint8_t report_data[64];       /* in */
	struct sgx_report report;      /* out */
};

struct verify_args {
	struct sgx_report report;      /* in */
};

#define ECALL_TARGETINFO 0
#define ECALL_REPORT 1
#define ECALL_VERIFY 2

#endif
