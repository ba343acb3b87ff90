/*
 * edmm.c - the host half of the sdk's SGX2 support: the three SGX2 ioctls
 * of the Linux driver (<asm/sgx.h>), run over a whole range, and the
 * built-in SDK_OCALL_EDMM through which an enclave asks for them.
 *
 * The driver may stop early (count < length, a pending signal; -EAGAIN or
 * -EBUSY for a page being reclaimed): the helpers go on from where it
 * stopped. Any other error ends the request, with the driver's result (the
 * SGX code of a failed EMODPR/EMODT) and the bytes done.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include <asm/sgx.h>

#include "sdk/edmm_abi.h"
#include "sdk/host.h"

#define PAGE 4096ull

static struct sdk_edmm_host_stats hstats;

void sdk_edmm_host_stats(struct sdk_edmm_host_stats *out)
{
	out->requests = __atomic_load_n(&hstats.requests, __ATOMIC_RELAXED);
	out->pages_restricted = __atomic_load_n(&hstats.pages_restricted, __ATOMIC_RELAXED);
	out->pages_retyped = __atomic_load_n(&hstats.pages_retyped, __ATOMIC_RELAXED);
	out->pages_removed = __atomic_load_n(&hstats.pages_removed, __ATOMIC_RELAXED);
	out->failures = __atomic_load_n(&hstats.failures, __ATOMIC_RELAXED);
}

static bool retry(int err)
{
	return err == EINTR || err == EAGAIN || err == EBUSY;
}

/* Runs one of the ioctls over the range. The argument structs all start
 * with offset, length; `count` and `result` point into the one in use. */
static int whole_range(int fd, unsigned long cmd, void *arg, __u64 *offset, __u64 *length,
		       __u64 *res, __u64 *cnt, uint64_t *result, uint64_t *count)
{
	uint64_t done = 0, total = *length, start = *offset;
	unsigned spins = 0;
	int r = 0, e = 0;

	while (done < total) {
		*offset = start + done;
		*length = total - done;
		*cnt = 0;
		if (res)
			*res = 0;
		r = ioctl(fd, cmd, arg);
		e = errno;
		done += *cnt;
		if (r == 0 && *cnt == *length)
			break;
		if (r == 0 && *cnt)
			continue; /* stopped early: go on */
		if ((r < 0 && retry(e)) || (r == 0 && !*cnt)) {
			if (++spins > 1000000) {
				r = -1;
				e = EAGAIN;
				break;
			}
			continue;
		}
		break;
	}
	if (result)
		*result = res ? *res : 0;
	if (count)
		*count = done;
	if (done == total)
		return 0;
	errno = r < 0 ? e : EIO;
	return -1;
}

int sdk_edmm_restrict(struct sdk_enclave *e, uint64_t offset, uint64_t length, uint64_t perm,
		      uint64_t *result, uint64_t *count)
{
	struct sgx_enclave_restrict_permissions a = {
		.offset = offset, .length = length, .permissions = perm,
	};

	return whole_range(sdk_enclave_fd(e), SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &a, &a.offset,
			   &a.length, &a.result, &a.count, result, count);
}

int sdk_edmm_modify_types(struct sdk_enclave *e, uint64_t offset, uint64_t length,
			  uint64_t page_type, uint64_t *result, uint64_t *count)
{
	struct sgx_enclave_modify_types a = {
		.offset = offset, .length = length, .page_type = page_type,
	};

	return whole_range(sdk_enclave_fd(e), SGX_IOC_ENCLAVE_MODIFY_TYPES, &a, &a.offset,
			   &a.length, &a.result, &a.count, result, count);
}

int sdk_edmm_remove(struct sdk_enclave *e, uint64_t offset, uint64_t length, uint64_t *count)
{
	struct sgx_enclave_remove_pages a = { .offset = offset, .length = length };

	return whole_range(sdk_enclave_fd(e), SGX_IOC_ENCLAVE_REMOVE_PAGES, &a, &a.offset,
			   &a.length, NULL, &a.count, NULL, count);
}

long sdk_edmm_ocall(struct sdk_enclave *e, void *untrusted_req)
{
	struct sdk_edmm_req *q = untrusted_req;
	uint64_t result = 0, count = 0;
	int r;

	__atomic_add_fetch(&hstats.requests, 1, __ATOMIC_RELAXED);
	switch (q->op) {
	case SDK_EDMM_RESTRICT:
		r = sdk_edmm_restrict(e, q->offset, q->length, q->arg, &result, &count);
		__atomic_add_fetch(&hstats.pages_restricted, count / PAGE, __ATOMIC_RELAXED);
		break;
	case SDK_EDMM_MODTYPE:
		r = sdk_edmm_modify_types(e, q->offset, q->length, q->arg, &result, &count);
		__atomic_add_fetch(&hstats.pages_retyped, count / PAGE, __ATOMIC_RELAXED);
		break;
	case SDK_EDMM_REMOVE:
		r = sdk_edmm_remove(e, q->offset, q->length, &count);
		__atomic_add_fetch(&hstats.pages_removed, count / PAGE, __ATOMIC_RELAXED);
		break;
	default:
		r = -1;
		errno = EINVAL;
		break;
	}
	q->result = result;
	q->count = count;
	q->err = r ? errno : 0;
	if (r)
		__atomic_add_fetch(&hstats.failures, 1, __ATOMIC_RELAXED);
	return r ? -1 : 0;
}
