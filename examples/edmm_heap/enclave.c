/*
 * edmm_heap enclave: a heap that grows on demand in the hole of ELRANGE
 * (EACCEPT of each new page; the driver EAUGs it on the way) and shrinks
 * back (the host trims and removes the pages after the enclave accepted
 * the trim). ECALL_TOUCH shows the other way in: touching a page nobody
 * added yet - the driver EAUGs it, the access faults again with the SGX
 * bit (the page is PENDING), and the exception handler accepts it.
 */
#include "sdk/enclave.h"

#include "edmm_heap.h"

SDK_ELRANGE_SIZE(HEAP_ELRANGE);

#define PAGE 4096ull

static void fill_out(struct heap_args *out, uint64_t peak)
{
	struct sdk_edmm_stats s;

	sdk_edmm_get_stats(&s);
	out->heap_max = sdk_heap_max();
	out->peak = peak;
	out->committed = sdk_heap_committed();
	out->accepted = s.accepted;
	out->trimmed = s.trimmed;
}

static long ecall_info(void *uargs)
{
	struct heap_args a;

	memcpy(&a, uargs, sizeof(a));
	fill_out(&a, 0);
	sdk_printf("enclave: ELRANGE 0x%lx bytes at 0x%lx; heap of up to %lu MiB starts at "
		   "offset 0x%lx\n", (unsigned long)HEAP_ELRANGE, (unsigned long)sdk_enclave_base(),
		   (unsigned long)(a.heap_max >> 20),
		   (unsigned long)((uint64_t)sdk_heap_start() - sdk_enclave_base()));
	memcpy(uargs, &a, sizeof(a));
	return 0;
}

/* Grow to mib MiB, write and check every page, shrink back; `cycles` times. */
static long ecall_cycles(void *uargs)
{
	struct heap_args a;
	uint64_t peak = 0;

	memcpy(&a, uargs, sizeof(a));
	if (!a.mib || (a.mib << 20) > sdk_heap_max())
		return -1;
	for (uint64_t c = 0; c < a.cycles; c++) {
		uint64_t len = a.mib << 20, bad = 0;
		uint8_t *p = sdk_sbrk((intptr_t)len);

		if (p == (void *)-1) {
			sdk_printf("enclave: cycle %lu: growing by %lu MiB failed\n",
				   (unsigned long)c, (unsigned long)a.mib);
			return -2;
		}
		/* Fresh EAUG pages read as zero; then each one gets its own tag. */
		for (uint64_t off = 0; off < len; off += PAGE) {
			uint64_t *w = (uint64_t *)(p + off);

			bad += w[0] != 0 || w[511] != 0;
			w[0] = off ^ 0x5a5a5a5a5a5a5a5aull;
			w[511] = c;
		}
		for (uint64_t off = 0; off < len; off += PAGE) {
			uint64_t *w = (uint64_t *)(p + off);

			bad += w[0] != (off ^ 0x5a5a5a5a5a5a5a5aull) || w[511] != c;
		}
		if (sdk_heap_committed() > peak)
			peak = sdk_heap_committed();
		if (!a.quiet)
			sdk_printf("enclave: cycle %lu: heap grew to %lu MiB (%lu pages accepted), "
				   "%lu bad pages\n", (unsigned long)c,
				   (unsigned long)(sdk_heap_committed() >> 20),
				   (unsigned long)(len / PAGE), (unsigned long)bad);
		if (bad)
			return -3;
		if (sdk_sbrk(-(intptr_t)len) == (void *)-1) {
			sdk_printf("enclave: cycle %lu: shrinking failed\n", (unsigned long)c);
			return -4;
		}
		if (sdk_heap_committed())
			return -5;
		if (!a.quiet)
			sdk_printf("enclave: cycle %lu: heap shrank back to %lu pages\n",
				   (unsigned long)c, (unsigned long)(sdk_heap_committed() / PAGE));
	}
	fill_out(&a, peak);
	memcpy(uargs, &a, sizeof(a));
	return 0;
}

/* ---- touching pages before accepting them -------------------------------------- */

static uint64_t seen[2];
static unsigned nseen;

static int accept_on_fault(struct sdk_exception *e)
{
	uint64_t page = e->exinfo->maddr & ~(PAGE - 1);

	if (e->vector != X86_TRAP_PF || !(e->exinfo->errcd & 0x8000) || nseen == 2 ||
	    page < (uint64_t)sdk_heap_start() || !sdk_is_within_enclave((void *)page, PAGE))
		return SDK_EXC_UNHANDLED;
	seen[nseen++] = e->exinfo->errcd;
	if (sdk_eaccept((void *)page, SDK_SI_REG_RW_PENDING))
		return SDK_EXC_UNHANDLED;
	return SDK_EXC_CONTINUE; /* the access runs again, on an accepted page */
}

static long ecall_touch(void *uargs)
{
	struct heap_args a;
	volatile uint64_t *r, *w;
	uint64_t v;
	long err = 0;

	memcpy(&a, uargs, sizeof(a));
	/* Two pages above the break (nothing there yet). */
	r = (volatile uint64_t *)((uint8_t *)sdk_heap_start() + sdk_heap_committed());
	w = (volatile uint64_t *)((uint8_t *)r + PAGE);
	nseen = 0;
	sdk_set_exception_handler(accept_on_fault);
	v = *r;
	*w = 0x1234;
	sdk_set_exception_handler(NULL);
	sdk_printf("enclave: read of an unadded page: #PF error 0x%lx, handler accepted it, "
		   "read %lu\n", (unsigned long)seen[0], (unsigned long)v);
	sdk_printf("enclave: write to an unadded page: #PF error 0x%lx, handler accepted it, "
		   "read back 0x%lx\n", (unsigned long)seen[1], (unsigned long)*w);
	a.errcd[0] = seen[0];
	a.errcd[1] = seen[1];
	/* Give both back (they are not part of the heap). */
	if (nseen != 2 || sdk_edmm_trim((void *)r, 2 * PAGE, &err)) {
		sdk_printf("enclave: touch demo failed (%u faults, err %ld)\n", nseen, err);
		return -1;
	}
	fill_out(&a, 0);
	memcpy(uargs, &a, sizeof(a));
	return 0;
}

SDK_ECALLS(ecall_info, ecall_cycles, ecall_touch);
