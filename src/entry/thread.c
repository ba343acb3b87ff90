/*
 * thread.c - per-thread enclave-mode state, keyed by thread id.
 *
 * A fixed open-addressed table: lookups are lock-free and allocation-free,
 * so signal handlers can use them whatever the thread's FS, GS or stack
 * hold. A slot is claimed with a compare-and-swap on its tid. Once the table
 * has no free slot left, slots of threads that have exited (and are not in
 * enclave mode) are reused; slots are never emptied, so probe chains stay
 * intact.
 */
#include <asm/prctl.h>
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "entry/entry.h"

int raw_gettid(void)
{
	return (int)raw_syscall(SYS_gettid, 0, 0, 0, 0);
}

static unsigned slot_of(int tid)
{
	return (unsigned)tid * 2654435761u % ENTRY_MAX_THREADS;
}

struct entry_thread *thread_find(struct entry_platform *p, int tid)
{
	unsigned h = slot_of(tid);

	for (unsigned i = 0; i < ENTRY_MAX_THREADS; i++) {
		struct entry_thread *t = &p->threads[(h + i) % ENTRY_MAX_THREADS];
		int cur = atomic_load_explicit(&t->tid, memory_order_acquire);

		if (cur == tid)
			return t;
		if (cur == 0)
			return NULL;
	}
	return NULL;
}

static bool thread_is_dead(int tid)
{
	return raw_syscall(SYS_tgkill, raw_syscall(SYS_getpid, 0, 0, 0, 0), tid, 0, 0) == -ESRCH;
}

/* Give the thread an alternate signal stack unless it has one: signals that
 * land in enclave mode must not push their frame onto the enclave's stack
 * (hardware switches to the untrusted stack before the OS sees the event). */
static void thread_setup_altstack(struct entry_thread *t)
{
	stack_t cur, ss;

	if (raw_syscall(SYS_sigaltstack, 0, (long)&cur, 0, 0) == 0 && !(cur.ss_flags & SS_DISABLE))
		return;
	ss.ss_sp = t->altstack;
	ss.ss_size = ENTRY_ALTSTACK_SIZE;
	ss.ss_flags = 0;
	raw_syscall(SYS_sigaltstack, (long)&ss, 0, 0, 0);
}

static struct entry_thread *thread_init(struct entry_platform *p, struct entry_thread *t)
{
	t->lp = (struct sgx_lp){ 0 };
	t->altstack = p->altstacks + (size_t)(t - p->threads) * ENTRY_ALTSTACK_SIZE;
	thread_setup_altstack(t);
	return t;
}

struct entry_thread *thread_get(struct entry_platform *p, int tid)
{
	struct entry_thread *t = thread_find(p, tid);
	unsigned h = slot_of(tid);

	if (t)
		return t;
	for (unsigned i = 0; i < ENTRY_MAX_THREADS; i++) {
		int expected = 0;

		t = &p->threads[(h + i) % ENTRY_MAX_THREADS];
		if (atomic_compare_exchange_strong(&t->tid, &expected, tid))
			return thread_init(p, t);
		if (expected == tid)
			return t;
	}
	/* Full: take over the slot of a thread that has exited. */
	for (unsigned i = 0; i < ENTRY_MAX_THREADS; i++) {
		int old;

		t = &p->threads[i];
		old = atomic_load(&t->tid);
		if (!t->lp.in_enclave && thread_is_dead(old) &&
		    atomic_compare_exchange_strong(&t->tid, &old, tid))
			return thread_init(p, t);
	}
	return NULL;
}

uint64_t fsgs_read_fs(const struct entry_platform *p)
{
	uint64_t v = 0;

	if (p->fsgsbase)
		__asm__ volatile("rdfsbase %0" : "=r"(v));
	else
		raw_syscall(SYS_arch_prctl, ARCH_GET_FS, (long)&v, 0, 0);
	return v;
}

uint64_t fsgs_read_gs(const struct entry_platform *p)
{
	uint64_t v = 0;

	if (p->fsgsbase)
		__asm__ volatile("rdgsbase %0" : "=r"(v));
	else
		raw_syscall(SYS_arch_prctl, ARCH_GET_GS, (long)&v, 0, 0);
	return v;
}

void fsgs_write(const struct entry_platform *p, uint64_t fs, uint64_t gs)
{
	if (p->fsgsbase) {
		__asm__ volatile("wrfsbase %0" : : "r"(fs) : "memory");
		__asm__ volatile("wrgsbase %0" : : "r"(gs) : "memory");
	} else {
		raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)fs, 0, 0);
		raw_syscall(SYS_arch_prctl, ARCH_SET_GS, (long)gs, 0, 0);
	}
}
