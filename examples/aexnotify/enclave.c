/*
 * aexnotify enclave: ecall 0 checksums a 64 KiB buffer (filled from a
 * seed) `rounds` times. Built twice from this file: enclave.elf with
 * -DSDK_AEXNOTIFY=1 (TCS.FLAGS.AEXNOTIFY; signed with ATTRIBUTES.AEXNOTIFY),
 * where every AEX during the loop is followed by a notification in which the
 * sdk runtime calls the hook below and then resumes the loop itself; and
 * enclave_plain.elf without it, where AEXs are resumed by a plain ERESUME
 * and the hook never runs. The ecall returns the number of notifications.
 */
#include "sdk/enclave.h"

#include "aexnotify.h"

static uint8_t buf[AEXN_BUF_SIZE];
static uint64_t notifications, restarts;

/* Runs at CSSA 1 on the exception stack; it only counts. */
static void on_aex(const struct sdk_aex_notification *n)
{
	__atomic_add_fetch(&notifications, 1, __ATOMIC_RELAXED);
	if (n->restarted)
		__atomic_add_fetch(&restarts, 1, __ATOMIC_RELAXED);
}

static long ecall_checksum(void *untrusted)
{
	struct aexn_args *u = untrusted, a;
	uint64_t sum;

	if (!sdk_is_outside_enclave(u, sizeof(*u)))
		return -1;
	memcpy(&a, u, sizeof(a));
	sdk_set_aex_notify_handler(on_aex);
	__atomic_store_n(&notifications, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&restarts, 0, __ATOMIC_RELAXED);

	aexn_fill(buf, sizeof(buf), a.seed);
	sum = aexn_checksum(buf, sizeof(buf), a.rounds);

	u->checksum = sum;
	u->notifications = __atomic_load_n(&notifications, __ATOMIC_RELAXED);
	u->restarts = __atomic_load_n(&restarts, __ATOMIC_RELAXED);
	return (long)u->notifications;
}

SDK_ECALLS(ecall_checksum);
