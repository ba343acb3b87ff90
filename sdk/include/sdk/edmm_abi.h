/*
 * edmm_abi.h - the EDMM ocall (SDK_OCALL_EDMM) between sdk/enclave/edmm.c
 * and sdk/host/edmm.c: the enclave asks the host to run one of the SGX2
 * ioctls over a range of enclave offsets. The request lives in untrusted
 * memory; the enclave trusts none of the answer: every change it asked for
 * is confirmed (or found missing) by its own EACCEPT.
 */
#ifndef SDK_EDMM_ABI_H
#define SDK_EDMM_ABI_H

#include <stdint.h>

enum {
	SDK_EDMM_RESTRICT = 1, /* SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, arg = R/W/X bits */
	SDK_EDMM_MODTYPE = 2,  /* SGX_IOC_ENCLAVE_MODIFY_TYPES, arg = page type (1 TCS, 4 TRIM) */
	SDK_EDMM_REMOVE = 3,   /* SGX_IOC_ENCLAVE_REMOVE_PAGES */
};

struct sdk_edmm_req {
	uint64_t op;             /* SDK_EDMM_* */
	uint64_t offset, length; /* from the enclave base, page multiples */
	uint64_t arg;
	uint64_t result, count;  /* out: the ioctl's result (SGX code) and count */
	int64_t err;             /* out: 0, or the errno of the failing ioctl */
};

#endif /* SDK_EDMM_ABI_H */
