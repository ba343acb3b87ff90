/*
 * raw_host.c - an SGX host program that makes every system call with its own
 * `syscall` instruction: no libc function that enters the kernel is called
 * after main() starts (static buffers, its own number formatting, write(1)).
 * It knows nothing of sgxemu; the tests run it under `sgxemu run`.
 *
 *   raw_host TESTVECTORS_DIR
 *
 * What it does, all through raw system calls and raw ENCLU:
 *  - loads elf/encl-b.elf by the testvectors' segment convention through
 *    /dev/sgx_enclave (CREATE, ADD_PAGES, INIT, MAP_FIXED mmap per segment);
 *  - after EINIT: its own SIGSEGV handler (rt_sigaction with SA_SIGINFO and
 *    SA_RESTORER, its own restorer), its own alternate stack (sigaltstack),
 *    its own GS base (arch_prctl ARCH_SET_GS);
 *  - a thread started with a raw clone (no CLONE_SETTLS, its own stack, an
 *    assembly entry, a raw exit) that enters encl-b by ENCLU on TCS#1 while
 *    the main thread enters on TCS#0; the main thread waits for it with a
 *    futex on a flag;
 *  - checks every result the testvectors README documents (ops 0-6, op 4/5
 *    through the FS/GS bases of each TCS), that the thread's FS and GS bases
 *    are intact after every enclave return, that sigaltstack reports exactly
 *    what was set (per thread), that the SIGSEGV handler catches a host-side
 *    fault on a PROT_NONE page with the kernel's siginfo/ucontext and on the
 *    stack SA_ONSTACK selects, and the driver's errnos for bad inputs.
 *
 * Prints one "ok ..." or "FAIL ..." line per check and "RESULT n passed, m
 * failed" at the end; exits non-zero on any failure.
 */
#include <elf.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

#include <asm/sgx.h>

/* ---- system calls ------------------------------------------------------------ */

#define NR_read 0
#define NR_write 1
#define NR_close 3
#define NR_mmap 9
#define NR_rt_sigaction 13
#define NR_rt_sigprocmask 14
#define NR_ioctl 16
#define NR_clone 56
#define NR_exit 60
#define NR_sigaltstack 131
#define NR_arch_prctl 158
#define NR_gettid 186
#define NR_futex 202
#define NR_exit_group 231
#define NR_openat 257

#define X_AT_FDCWD (-100)
#define X_O_RDONLY 0
#define X_O_RDWR 2
#define X_PROT_NONE 0
#define X_PROT_READ 1
#define X_PROT_WRITE 2
#define X_PROT_EXEC 4
#define X_MAP_SHARED 0x01
#define X_MAP_PRIVATE 0x02
#define X_MAP_FIXED 0x10
#define X_MAP_ANONYMOUS 0x20
#define X_SA_SIGINFO 0x00000004
#define X_SA_ONSTACK 0x08000000
#define X_SA_RESTORER 0x04000000
#define X_SS_DISABLE 2
#define X_ARCH_SET_GS 0x1001
#define X_ARCH_GET_FS 0x1003
#define X_ARCH_GET_GS 0x1004
#define X_FUTEX_WAIT_PRIVATE 128
#define X_FUTEX_WAKE_PRIVATE 129
#define X_CLONE_VM 0x00000100
#define X_CLONE_FS 0x00000200
#define X_CLONE_FILES 0x00000400
#define X_CLONE_SIGHAND 0x00000800
#define X_CLONE_THREAD 0x00010000
#define X_CLONE_SYSVSEM 0x00040000
#define X_EINVAL 22
#define X_EACCES 13
#define X_EPERM 1
#define X_ENOTTY 25
#define X_EINTR 4
#define X_EAGAIN 11
#define X_ETIMEDOUT 110
#define X_SEGV_ACCERR 2

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys0(n) sys6(n, 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static long raw_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd)
{
	return sys6(NR_mmap, (long)addr, (long)len, prot, flags, fd, 0);
}

static bool is_err(long r)
{
	return r < 0 && r >= -4095;
}

/*
 * The restorer and the thread start, in assembly.
 *
 * raw_clone(flags, child_sp): the child starts on child_sp, where the parent
 * has put the entry function and its argument; it calls fn(arg) and exits
 * the thread with fn's result by a raw exit.
 */
extern char raw_restorer[];
long raw_clone(unsigned long flags, void *child_sp);
__asm__(".text\n"
	".globl raw_restorer\n"
	".type raw_restorer, @function\n"
	"raw_restorer:\n"
	"	mov $15, %eax\n"
	"	syscall\n"
	"	hlt\n"
	".size raw_restorer, . - raw_restorer\n"
	".globl raw_clone\n"
	".type raw_clone, @function\n"
	"raw_clone:\n"
	"	mov $56, %eax\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:	xor %ebp, %ebp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	and $-16, %rsp\n"
	"	call *%rax\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"
	"	syscall\n"
	"	hlt\n"
	".size raw_clone, . - raw_clone\n");

/* ---- output -------------------------------------------------------------------- */

struct out {
	char buf[512];
	int n;
};

static void put_s(struct out *o, const char *s)
{
	while (*s && o->n < (int)sizeof(o->buf) - 2)
		o->buf[o->n++] = *s++;
}

static void put_hex(struct out *o, uint64_t v)
{
	char tmp[16];
	int k = 0;

	put_s(o, "0x");
	do {
		tmp[k++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (k && o->n < (int)sizeof(o->buf) - 2)
		o->buf[o->n++] = tmp[--k];
}

static void put_dec(struct out *o, int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int k = 0;

	if (v < 0)
		put_s(o, "-");
	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (k && o->n < (int)sizeof(o->buf) - 2)
		o->buf[o->n++] = tmp[--k];
}

static void flush_line(struct out *o)
{
	o->buf[o->n++] = '\n';
	sys3(NR_write, 1, o->buf, o->n);
	o->n = 0;
}

static void say(const char *s)
{
	struct out o = { .n = 0 };

	put_s(&o, s);
	flush_line(&o);
}

static int passed, failed;

/* One check: the message built in o (after the ok/FAIL prefix) goes out as
 * a single write, so the two threads' lines never mix. */
static void check_begin(struct out *o)
{
	o->n = 0;
	put_s(o, "     ");
}

static void check_end(struct out *o, bool ok)
{
	const char *p = ok ? "ok   " : "FAIL ";

	for (int i = 0; i < 5; i++)
		o->buf[i] = p[i];
	__atomic_add_fetch(ok ? &passed : &failed, 1, __ATOMIC_SEQ_CST);
	flush_line(o);
}

static void check(bool ok, const char *what)
{
	struct out o;

	check_begin(&o);
	put_s(&o, what);
	check_end(&o, ok);
}

/* "what (got G)" */
static void check_val(bool ok, const char *what, int64_t got)
{
	struct out o;

	check_begin(&o);
	put_s(&o, what);
	put_s(&o, " (got ");
	put_dec(&o, got);
	put_s(&o, ")");
	check_end(&o, ok);
}

static void bytes_copy(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
}

static void bytes_zero(void *dst, size_t n)
{
	volatile uint8_t *d = dst;

	while (n--)
		*d++ = 0;
}

/* ---- files ------------------------------------------------------------------------ */

static char path_buf[4096];

static const char *join(const char *dir, const char *rel)
{
	size_t n = 0;

	while (*dir && n < sizeof(path_buf) - 256)
		path_buf[n++] = *dir++;
	path_buf[n++] = '/';
	while (*rel && n < sizeof(path_buf) - 1)
		path_buf[n++] = *rel++;
	path_buf[n] = 0;
	return path_buf;
}

/* Reads the whole file into buf; its length, or -1. */
static long read_file(const char *dir, const char *rel, uint8_t *buf, size_t cap)
{
	long fd = sys4(NR_openat, X_AT_FDCWD, join(dir, rel), X_O_RDONLY, 0), r;
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len < cap && (r = sys3(NR_read, fd, buf + len, cap - len)) > 0)
		len += (size_t)r;
	sys1(NR_close, fd);
	return len == cap ? -1 : (long)len;
}

/* ---- the enclave image ----------------------------------------------------------- */

#define MAX_SEG 8
#define IMAGE_MAX 0x10000

struct seg {
	uint64_t offset, size, secflags;
	int prot;
	bool measure;
};

static uint8_t elf_buf[0x20000];
static uint8_t image[IMAGE_MAX] __attribute__((aligned(4096))); /* pages by enclave offset */
static uint8_t sigstruct[4096] __attribute__((aligned(4096)));
static uint8_t bad_sigstruct[4096] __attribute__((aligned(4096)));
static struct seg segs[MAX_SEG];
static int nseg;
static uint64_t encl_size;

/* The segment convention of the testvectors README; -1 if the ELF does not
 * fit the static buffers. */
static int layout(long len)
{
	const Elf64_Ehdr *eh = (const void *)elf_buf;
	uint64_t first = 0, end = 0;

	if (len < (long)sizeof(*eh) || eh->e_phoff + (uint64_t)eh->e_phnum * eh->e_phentsize > (uint64_t)len)
		return -1;
	nseg = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const void *)(elf_buf + eh->e_phoff + (size_t)i * eh->e_phentsize);
		struct seg *s = &segs[nseg];
		uint64_t foff = ph->p_offset & ~0xfffull, avail;

		if (ph->p_type != PT_LOAD)
			continue;
		if (nseg == MAX_SEG - 1)
			return -1;
		if (nseg == 0)
			first = foff;
		s->offset = foff - first;
		s->size = (ph->p_filesz + 0xfff) & ~0xfffull;
		s->prot = ((ph->p_flags & PF_R) ? X_PROT_READ : 0) | ((ph->p_flags & PF_W) ? X_PROT_WRITE : 0) |
			  ((ph->p_flags & PF_X) ? X_PROT_EXEC : 0);
		s->secflags = nseg == 0 ? 0x100
					: 0x200 | ((ph->p_flags & PF_R) ? 1 : 0) |
						  ((ph->p_flags & PF_W) ? 2 : 0) | ((ph->p_flags & PF_X) ? 4 : 0);
		s->measure = true;
		if (s->offset + s->size > IMAGE_MAX)
			return -1;
		avail = foff < (uint64_t)len ? (uint64_t)len - foff : 0;
		bytes_copy(image + s->offset, elf_buf + foff, avail < s->size ? avail : s->size);
		end = s->offset + s->size;
		nseg++;
	}
	if (end + 4096 > IMAGE_MAX)
		return -1;
	/* the heap: 4096 zero bytes after the last segment, not measured */
	segs[nseg++] = (struct seg){ end, 4096, 0x203, X_PROT_READ | X_PROT_WRITE, false };
	bytes_zero(image + end, 4096);
	end += 4096;
	encl_size = 0x1000;
	while (encl_size < end)
		encl_size <<= 1;
	return 0;
}

/* ---- the driver ------------------------------------------------------------------- */

struct encl {
	long fd;
	uint64_t base, size;
};

static uint8_t secs[4096] __attribute__((aligned(4096)));
static uint64_t secinfo[8] __attribute__((aligned(64)));

static long create(struct encl *e)
{
	struct sgx_enclave_create c;
	long area = raw_mmap(0, 2 * encl_size, X_PROT_NONE, X_MAP_SHARED, (int)e->fd);
	uint64_t v;

	if (is_err(area))
		return area;
	e->size = encl_size;
	e->base = ((uint64_t)area + e->size - 1) & ~(e->size - 1);
	bytes_zero(secs, sizeof(secs));
	bytes_copy(secs + 0, &e->size, 8);
	bytes_copy(secs + 8, &e->base, 8);
	v = 1; /* SSAFRAMESIZE */
	bytes_copy(secs + 16, &v, 4);
	v = 0x4; /* ATTRIBUTES: MODE64BIT */
	bytes_copy(secs + 48, &v, 8);
	v = 0x3; /* XFRM */
	bytes_copy(secs + 56, &v, 8);
	c.src = (uint64_t)(uintptr_t)secs;
	return sys3(NR_ioctl, e->fd, SGX_IOC_ENCLAVE_CREATE, &c);
}

/* bytes added, or -errno */
static long add_seg(struct encl *e, const struct seg *s)
{
	struct sgx_enclave_add_pages a = {
		.src = (uint64_t)(uintptr_t)(image + s->offset),
		.offset = s->offset,
		.length = s->size,
		.secinfo = (uint64_t)(uintptr_t)secinfo,
		.flags = s->measure ? SGX_PAGE_MEASURE : 0,
		.count = 0,
	};
	long r;

	bytes_zero(secinfo, sizeof(secinfo));
	secinfo[0] = s->secflags;
	r = sys3(NR_ioctl, e->fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a);
	return r ? r : (long)a.count;
}

static long init(struct encl *e, const uint8_t *sig)
{
	struct sgx_enclave_init i = { .sigstruct = (uint64_t)(uintptr_t)sig };

	return sys3(NR_ioctl, e->fd, SGX_IOC_ENCLAVE_INIT, &i);
}

static long open_enclave(struct encl *e)
{
	e->fd = sys4(NR_openat, X_AT_FDCWD, "/dev/sgx_enclave", X_O_RDWR, 0);
	return e->fd;
}

/* ---- entering encl-b ---------------------------------------------------------------- */

struct record {
	uint64_t op, arg, result, tcs;
};

/* EENTER with RBX = TCS and RCX = the AEP (the ENCLU itself, so that an AEX
 * resumes through it); the enclave EEXITs to the instruction after it. */
static void enclu_enter(uint64_t tcs, struct record *r)
{
	uint64_t rax = 2, rbx = tcs;

	__asm__ volatile("lea 1f(%%rip), %%rcx\n\t"
			 "1: .byte 0x0f, 0x01, 0xd7\n\t"
			 : "+a"(rax), "+b"(rbx)
			 : "D"(r)
			 : "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc");
}

static uint64_t get_base(int code)
{
	uint64_t v = 0xdeadull;

	sys2(NR_arch_prctl, code, &v);
	return v;
}

static uint64_t gs0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

#define ROUNDS 200
#define NOPS 7

struct worker {
	const char *name;
	int tcs;
	struct encl *e;
	uint64_t slot;     /* encl-b's swap slot for this TCS, as expected */
	uint64_t gs_base;  /* what ARCH_SET_GS set for this thread */
	uint64_t gs_mark;  /* the u64 there */
	uint64_t fs_base;  /* as the thread had it */
	long calls[NOPS], bad[NOPS];
	uint64_t first_bad_got[NOPS], first_bad_want[NOPS];
	long base_bad, calls_total;
	struct out o;
};

static uint64_t expected(struct worker *w, int op, uint64_t arg)
{
	uint64_t old;

	switch (op) {
	case 0: {
		uint64_t i = arg & 0xfff;

		return (167 * i + 29 * (i >> 8) + 0x5a) & 0xff;
	}
	case 1:
		return 0x77073096; /* entry 1, the only one documented */
	case 2:
		return 0xe6595b70;
	case 3:
		old = w->slot;
		w->slot = arg;
		return old;
	case 4:
		return w->tcs == 0 ? 0x303a415441443a42 : 0x0404040503020100;
	case 5:
		return w->tcs == 0 ? 0x0404040503020100 : 0x303a415441443a42;
	default:
		return ~0ull;
	}
}

static void run_ops(struct worker *w)
{
	static const uint64_t args[] = { 0, 1, 0x777, 0xfff };
	uint64_t tcs = w->e->base + 0x1000ull * (uint64_t)w->tcs;

	for (int round = 0; round < ROUNDS; round++)
		for (int op = 0; op < NOPS; op++)
			for (int k = 0; k < (op == 0 || op == 3 ? 4 : 1); k++) {
				uint64_t arg = op == 1 ? 1 : args[k] + (uint64_t)round * (op == 3);
				struct record r = { (uint64_t)op, arg, 0x5555, 99 };
				uint64_t want;

				enclu_enter(tcs, &r);
				want = expected(w, op, arg);
				w->calls[op]++;
				w->calls_total++;
				if (r.result != want || r.tcs != (uint64_t)w->tcs) {
					if (!w->bad[op]) {
						w->first_bad_got[op] = r.result;
						w->first_bad_want[op] = want;
					}
					w->bad[op]++;
				}
				if (get_base(X_ARCH_GET_GS) != w->gs_base || gs0() != w->gs_mark ||
				    get_base(X_ARCH_GET_FS) != w->fs_base)
					w->base_bad++;
			}
}

static void report_ops(struct worker *w)
{
	for (int op = 0; op < NOPS; op++) {
		check_begin(&w->o);
		put_s(&w->o, w->name);
		put_s(&w->o, ": ENCLU TCS#");
		put_dec(&w->o, w->tcs);
		put_s(&w->o, " op ");
		put_dec(&w->o, op);
		put_s(&w->o, ": ");
		put_dec(&w->o, w->calls[op] - w->bad[op]);
		put_s(&w->o, "/");
		put_dec(&w->o, w->calls[op]);
		put_s(&w->o, " results and TCS index right");
		if (w->bad[op]) {
			put_s(&w->o, "; first wrong: got ");
			put_hex(&w->o, w->first_bad_got[op]);
			put_s(&w->o, " want ");
			put_hex(&w->o, w->first_bad_want[op]);
		}
		check_end(&w->o, w->calls[op] > 0 && w->bad[op] == 0);
	}
	check_begin(&w->o);
	put_s(&w->o, w->name);
	put_s(&w->o, ": FS base, GS base and GS:0 intact after every enclave return (");
	put_dec(&w->o, w->base_bad);
	put_s(&w->o, " of ");
	put_dec(&w->o, w->calls_total);
	put_s(&w->o, " wrong)");
	check_end(&w->o, w->calls_total > 0 && w->base_bad == 0);
}

/* ---- signals ------------------------------------------------------------------------ */

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

struct k_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

/* What the handler saw, one slot per faulting thread (by fault page). */
struct seen {
	int count, sig, code;
	uint64_t addr, rip, rdi, sp, ret, gs;
	bool segv_blocked;
};

static volatile struct seen seen[2];
static volatile uint64_t fault_page[2];

/* Skips the 3-byte faulting store; records what the kernel (or sgxemu)
 * gave it. Only raw system calls in here. */
static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	volatile struct seen *s = &seen[si->si_addr == (void *)(uintptr_t)fault_page[1]];
	uint64_t cur = 0;
	volatile char here;

	s->count++;
	s->sig = sig;
	s->code = si->si_code;
	s->addr = (uint64_t)(uintptr_t)si->si_addr;
	s->rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	s->rdi = (uint64_t)uc->uc_mcontext.gregs[REG_RDI];
	s->sp = (uint64_t)(uintptr_t)&here;
	s->ret = (uint64_t)(uintptr_t)__builtin_return_address(0);
	s->gs = get_base(X_ARCH_GET_GS);
	sys4(NR_rt_sigprocmask, SIG_BLOCK, 0, &cur, 8);
	s->segv_blocked = (cur >> (SIGSEGV - 1)) & 1;
	uc->uc_mcontext.gregs[REG_RIP] += 3;
}

static long set_handler(uint64_t flags)
{
	struct k_sigaction act = { (uint64_t)(uintptr_t)on_segv, flags,
				   (uint64_t)(uintptr_t)raw_restorer, 0 };

	return sys4(NR_rt_sigaction, SIGSEGV, &act, 0, 8);
}

/* A store to the PROT_NONE page: `movb $1, (%rdi)`, exactly 3 bytes; the
 * handler moves RIP past it. Returns the address of the store. */
static uint64_t fault_once(uint64_t page)
{
	uint64_t at;

	__asm__ volatile("lea 1f(%%rip), %0\n\t"
			 "1: .byte 0xc6, 0x07, 0x01\n\t"
			 : "=&r"(at)
			 : "D"(page)
			 : "memory");
	return at;
}

static bool on_stack(uint64_t sp, const uint8_t *stack, size_t size)
{
	return sp >= (uint64_t)(uintptr_t)stack && sp < (uint64_t)(uintptr_t)stack + size;
}

/* One host fault in slot i; checks what the handler saw. want_alt: the
 * handler must run on alt (SA_ONSTACK), else not on it. */
static void fault_checks(struct out *o, const char *who, int i, const uint8_t *alt, size_t alt_size,
			 bool want_alt, uint64_t gs_base)
{
	int before = seen[i].count;
	uint64_t at = fault_once(fault_page[i]), cur = ~0ull;
	bool ok;

	sys4(NR_rt_sigprocmask, SIG_BLOCK, 0, &cur, 8);
	ok = seen[i].count == before + 1 && seen[i].sig == SIGSEGV && seen[i].code == X_SEGV_ACCERR &&
	     seen[i].addr == fault_page[i] && seen[i].rip == at && seen[i].rdi == fault_page[i];
	check_begin(o);
	put_s(o, who);
	put_s(o, ": own SIGSEGV handler caught the PROT_NONE store: SIGSEGV/SEGV_ACCERR at the page, RIP and RDI of the store (calls ");
	put_dec(o, seen[i].count - before);
	put_s(o, ", sig ");
	put_dec(o, seen[i].sig);
	put_s(o, ", code ");
	put_dec(o, seen[i].code);
	put_s(o, ", addr ");
	put_hex(o, seen[i].addr);
	put_s(o, ", rip ");
	put_hex(o, seen[i].rip);
	put_s(o, " want ");
	put_hex(o, at);
	put_s(o, ")");
	check_end(o, ok);

	check_begin(o);
	put_s(o, who);
	put_s(o, want_alt ? ": SA_ONSTACK handler ran on the alternate stack"
			  : ": handler without SA_ONSTACK did not run on the alternate stack");
	put_s(o, " (sp ");
	put_hex(o, seen[i].sp);
	put_s(o, ", altstack ");
	put_hex(o, (uint64_t)(uintptr_t)alt);
	put_s(o, ")");
	check_end(o, on_stack(seen[i].sp, alt, alt_size) == want_alt);

	check_begin(o);
	put_s(o, who);
	put_s(o, ": handler's return address is the sa_restorer (got ");
	put_hex(o, seen[i].ret);
	put_s(o, ")");
	check_end(o, seen[i].ret == (uint64_t)(uintptr_t)raw_restorer);

	check_begin(o);
	put_s(o, who);
	put_s(o, ": in the handler SIGSEGV blocked and GS base the thread's; after it SIGSEGV unblocked (mask ");
	put_hex(o, cur);
	put_s(o, ")");
	check_end(o, seen[i].segv_blocked && seen[i].gs == gs_base && !((cur >> (SIGSEGV - 1)) & 1));
}

static void altstack_check(struct out *o, const char *who, const uint8_t *sp, uint64_t size, int flags)
{
	struct k_stack old = { 0x1111, 0x2222, 0, 0x3333 };
	long r = sys2(NR_sigaltstack, 0, &old);

	check_begin(o);
	put_s(o, who);
	put_s(o, ": sigaltstack(NULL, &old) reports sp ");
	put_hex(o, (uint64_t)(uintptr_t)sp);
	put_s(o, " size ");
	put_hex(o, size);
	put_s(o, " flags ");
	put_dec(o, flags);
	put_s(o, " (got ");
	put_dec(o, r);
	put_s(o, ", sp ");
	put_hex(o, old.sp);
	put_s(o, " size ");
	put_hex(o, old.size);
	put_s(o, " flags ");
	put_dec(o, old.flags);
	put_s(o, ")");
	check_end(o, r == 0 && old.sp == (uint64_t)(uintptr_t)sp && old.size == size && old.flags == flags);
}

/* ---- the second thread ---------------------------------------------------------------- */

#define STACK_SIZE (256 * 1024)
#define ALT_SIZE (64 * 1024)

static uint8_t child_stack[STACK_SIZE] __attribute__((aligned(16)));
static uint8_t alt_main[ALT_SIZE] __attribute__((aligned(16)));
static uint8_t alt_child[ALT_SIZE] __attribute__((aligned(16)));
static uint64_t gs_area_main[512] __attribute__((aligned(64)));
static uint64_t gs_area_child[512] __attribute__((aligned(64)));
static struct worker w_main, w_child;
static int child_done;
static volatile long child_tid;

static int child_main(void *arg)
{
	struct worker *w = arg;
	struct k_stack ss = { (uint64_t)(uintptr_t)alt_child, 0, 0, ALT_SIZE };

	child_tid = sys0(NR_gettid);
	/* A thread created with CLONE_VM starts without an alternate stack. */
	altstack_check(&w->o, w->name, 0, 0, X_SS_DISABLE);
	check_val(sys2(NR_sigaltstack, &ss, 0) == 0, "child: sigaltstack set", 0);
	altstack_check(&w->o, w->name, alt_child, ALT_SIZE, 0);
	/* Without CLONE_SETTLS the thread has the parent's FS and GS bases;
	 * it gets its own GS. */
	w->fs_base = get_base(X_ARCH_GET_FS);
	check(w->fs_base == w_main.fs_base && get_base(X_ARCH_GET_GS) == w_main.gs_base,
	      "child: starts with the parent's FS and GS bases (no CLONE_SETTLS)");
	check_val(sys2(NR_arch_prctl, X_ARCH_SET_GS, gs_area_child) == 0 &&
			  get_base(X_ARCH_GET_GS) == w->gs_base && gs0() == w->gs_mark,
		  "child: own GS base set", 0);
	run_ops(w);
	fault_checks(&w->o, w->name, 1, alt_child, ALT_SIZE, true, w->gs_base);
	altstack_check(&w->o, w->name, alt_child, ALT_SIZE, 0);
	__atomic_store_n(&child_done, 1, __ATOMIC_SEQ_CST);
	sys6(NR_futex, (long)&child_done, X_FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
	return 0;
}

/* Waits for child_done with a futex; false after ~60 s. */
static bool wait_child(void)
{
	struct { long sec, nsec; } ts = { 1, 0 };

	for (int i = 0; i < 60; i++) {
		long r;

		if (__atomic_load_n(&child_done, __ATOMIC_SEQ_CST))
			return true;
		r = sys6(NR_futex, (long)&child_done, X_FUTEX_WAIT_PRIVATE, 0, (long)&ts, 0, 0);
		if (r && r != -X_EAGAIN && r != -X_EINTR && r != -X_ETIMEDOUT)
			return false;
	}
	return __atomic_load_n(&child_done, __ATOMIC_SEQ_CST);
}

/* ---- bad inputs ------------------------------------------------------------------------ */

static void bad_inputs(struct encl *e)
{
	struct sgx_enclave_create c = { 0 };
	struct encl f = { -1, 0, 0 };
	long nullfd = sys4(NR_openat, X_AT_FDCWD, "/dev/null", X_O_RDWR, 0), r;
	bool all_added = true;

	r = sys3(NR_ioctl, nullfd, SGX_IOC_ENCLAVE_CREATE, &c);
	check_val(r == -X_ENOTTY, "ioctl CREATE on /dev/null -> -ENOTTY", r);
	r = add_seg(e, &segs[1]);
	check_val(r == -X_EINVAL, "ADD_PAGES after INIT -> -EINVAL", r);
	r = sys3(NR_ioctl, e->fd, SGX_IOC_ENCLAVE_CREATE, &c);
	check_val(r == -X_EINVAL, "second CREATE -> -EINVAL", r);
	r = raw_mmap(e->base + e->size, 4096, X_PROT_READ, X_MAP_SHARED | X_MAP_FIXED, (int)e->fd);
	check_val(r == -X_EACCES, "mmap beyond ELRANGE after INIT -> -EACCES", r);
	r = raw_mmap(0, 4096, X_PROT_READ, X_MAP_PRIVATE, (int)e->fd);
	check_val(r == -X_EINVAL, "mmap MAP_PRIVATE -> -EINVAL", r);

	r = open_enclave(&f);
	if (r >= 0)
		r = create(&f);
	check_val(r == 0, "second enclave: open and CREATE", r);
	for (int i = 0; i < nseg; i++)
		all_added &= add_seg(&f, &segs[i]) == (long)segs[i].size;
	check(all_added, "second enclave: all pages added");
	bytes_copy(bad_sigstruct, sigstruct, 4096);
	bad_sigstruct[516] ^= 1; /* a bit of the signature */
	r = init(&f, bad_sigstruct);
	check_val(r == -X_EPERM, "second enclave: INIT with a bad signature -> -EPERM", r);
	r = init(&f, sigstruct);
	check_val(r == 0, "second enclave: INIT with the right SIGSTRUCT afterwards -> 0", r);
	sys1(NR_close, f.fd);
	sys1(NR_close, nullfd);
}

/* ---- main ------------------------------------------------------------------------------ */

static __attribute__((noreturn)) void finish(void)
{
	struct out o = { .n = 0 };

	put_s(&o, "RESULT ");
	put_dec(&o, passed);
	put_s(&o, " passed, ");
	put_dec(&o, failed);
	put_s(&o, " failed");
	flush_line(&o);
	sys1(NR_exit_group, failed ? 1 : 0);
	__builtin_unreachable();
}

int main(int argc, char **argv)
{
	struct encl e = { -1, 0, 0 };
	struct k_stack ss = { (uint64_t)(uintptr_t)alt_main, 0, 0, ALT_SIZE };
	struct k_sigaction old;
	long r, len, overlap;
	bool ok = true;
	uint64_t *top;

	if (argc != 2) {
		say("usage: raw_host TESTVECTORS_DIR");
		sys1(NR_exit_group, 2);
	}
	len = read_file(argv[1], "elf/encl-b.elf", elf_buf, sizeof(elf_buf));
	check_val(len > 0 && layout(len) == 0, "encl-b.elf read and laid out", len);
	r = read_file(argv[1], "sigstruct/encl-b.sigstruct", sigstruct, sizeof(sigstruct));
	check_val(r == 1808, "encl-b.sigstruct read", r);
	if (failed)
		finish();

	/* Build. */
	r = open_enclave(&e);
	check_val(r >= 0, "openat /dev/sgx_enclave", r);
	if (r < 0)
		finish();
	r = create(&e);
	check_val(r == 0, "SGX_IOC_ENCLAVE_CREATE", r);
	for (int i = 0; i < nseg && r == 0; i++)
		if ((r = add_seg(&e, &segs[i])) == (long)segs[i].size)
			r = 0;
	check_val(r == 0, "SGX_IOC_ENCLAVE_ADD_PAGES, every segment and the heap", r);
	r = init(&e, sigstruct);
	check_val(r == 0, "SGX_IOC_ENCLAVE_INIT", r);
	for (int i = 0; i < nseg; i++) {
		r = raw_mmap(e.base + segs[i].offset, segs[i].size, segs[i].prot,
			     X_MAP_SHARED | X_MAP_FIXED, (int)e.fd);
		ok &= r == (long)(e.base + segs[i].offset);
	}
	check(ok, "mmap MAP_FIXED of every segment at its enclave address");
	if (failed)
		finish();

	/* The program's own signal handling, alternate stack and GS, after EINIT. */
	r = set_handler(X_SA_SIGINFO | X_SA_RESTORER);
	check_val(r == 0, "rt_sigaction(SIGSEGV) with SA_SIGINFO|SA_RESTORER and its own restorer", r);
	old = (struct k_sigaction){ 1, 2, 3, 4 };
	r = sys4(NR_rt_sigaction, SIGSEGV, 0, &old, 8);
	check(r == 0 && old.handler == (uint64_t)(uintptr_t)on_segv &&
		      old.flags == (X_SA_SIGINFO | X_SA_RESTORER) &&
		      old.restorer == (uint64_t)(uintptr_t)raw_restorer && old.mask == 0,
	      "rt_sigaction(SIGSEGV, NULL, &old) returns exactly the action set");
	r = sys2(NR_sigaltstack, &ss, 0);
	check_val(r == 0, "sigaltstack set", r);
	altstack_check(&w_main.o, "main", alt_main, ALT_SIZE, 0);
	gs_area_main[0] = 0x534d2d5347534d41; /* "AMSGS-MS" */
	gs_area_child[0] = 0x4843494c442d4753; /* "SG-DLICH" */
	r = sys2(NR_arch_prctl, X_ARCH_SET_GS, gs_area_main);
	check_val(r == 0 && get_base(X_ARCH_GET_GS) == (uint64_t)(uintptr_t)gs_area_main &&
			  gs0() == gs_area_main[0],
		  "arch_prctl ARCH_SET_GS to its own buffer", r);

	r = raw_mmap(0, 8192, X_PROT_NONE, X_MAP_PRIVATE | X_MAP_ANONYMOUS, -1);
	check_val(!is_err(r), "mmap of two PROT_NONE pages", r);
	if (failed)
		finish();
	fault_page[0] = (uint64_t)r;
	fault_page[1] = (uint64_t)r + 4096;
	fault_checks(&w_main.o, "main", 0, alt_main, ALT_SIZE, false, (uint64_t)(uintptr_t)gs_area_main);
	r = set_handler(X_SA_SIGINFO | X_SA_RESTORER | X_SA_ONSTACK);
	check_val(r == 0, "rt_sigaction(SIGSEGV) again, now with SA_ONSTACK", r);
	fault_checks(&w_main.o, "main", 0, alt_main, ALT_SIZE, true, (uint64_t)(uintptr_t)gs_area_main);

	/* Two threads in the enclave at once: this one on TCS#0, a raw clone on TCS#1. */
	w_main = (struct worker){ .name = "main", .tcs = 0, .e = &e, .slot = 0x0123456789abcdef,
				  .gs_base = (uint64_t)(uintptr_t)gs_area_main,
				  .gs_mark = gs_area_main[0], .fs_base = get_base(X_ARCH_GET_FS) };
	w_child = (struct worker){ .name = "child", .tcs = 1, .e = &e, .slot = 0xfedcba9876543210,
				   .gs_base = (uint64_t)(uintptr_t)gs_area_child,
				   .gs_mark = gs_area_child[0] };
	top = (uint64_t *)(child_stack + STACK_SIZE - 64);
	top[0] = (uint64_t)(uintptr_t)child_main;
	top[1] = (uint64_t)(uintptr_t)&w_child;
	r = raw_clone(X_CLONE_VM | X_CLONE_FS | X_CLONE_FILES | X_CLONE_SIGHAND | X_CLONE_THREAD |
			      X_CLONE_SYSVSEM,
		      top);
	check_val(r > 0, "raw clone of a thread (no CLONE_SETTLS, own stack)", r);
	overlap = __atomic_load_n(&w_child.calls_total, __ATOMIC_RELAXED);
	run_ops(&w_main);
	overlap = __atomic_load_n(&w_child.calls_total, __ATOMIC_RELAXED) - overlap;
	if (r > 0) {
		ok = wait_child();
		check_val(ok && child_tid == r, "child thread finished (futex wait on its flag), tid as clone returned",
			  child_tid);
		if (ok)
			report_ops(&w_child);
	}
	report_ops(&w_main);
	w_main.o.n = 0;
	put_s(&w_main.o, "# info: the child made ");
	put_dec(&w_main.o, overlap);
	put_s(&w_main.o, " enclave calls while the main thread made its own");
	flush_line(&w_main.o);
	altstack_check(&w_main.o, "main", alt_main, ALT_SIZE, 0);
	check(get_base(X_ARCH_GET_GS) == (uint64_t)(uintptr_t)gs_area_main,
	      "main: GS base still its own after the child set its own");
	bad_inputs(&e);
	finish();
}
