/*
 * sud.c - Syscall User Dispatch: switching it on per thread, and the system
 * calls sgxemu must own - signals (rt_sigaction, rt_sigprocmask,
 * sigaltstack, rt_sigreturn), thread and process creation (clone, clone3,
 * fork, vfork), exec - plus routing of the device and memory calls to
 * devices.c and the driver. Everything else is forwarded unchanged.
 *
 * preload_syscall() runs inside the entry layer's handler: host FS, the
 * dispatch selector ALLOW (so sgxemu's own libc calls pass), every signal
 * blocked. A forwarded call may block (read, futex, nanosleep...), so it runs
 * with the application's signal mask: a signal then interrupts it and is
 * delivered on top of this handler, exactly as it would interrupt the
 * application's own syscall.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/sched.h>

#include "preload/preload.h"

#define PR_SET_SYSCALL_USER_DISPATCH 59
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif
#define PR_SYS_DISPATCH_OFF 0
#define PR_SYS_DISPATCH_ON 1

static void sud_disable(struct entry_thread *t)
{
	sgx_syscall6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF, 0, 0, 0, 0);
	t->sud_on = false;
	t->sud_selector = SUD_ALLOW;
}

int preload_sud_enable(struct entry_thread *t, char selector)
{
	long ret;

	t->sud_selector = selector;
	ret = sgx_syscall6(SYS_prctl, PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON,
			   (long)__start_sgxemu_allowed,
			   (long)(__stop_sgxemu_allowed - __start_sgxemu_allowed),
			   (long)&t->sud_selector, 0);
	t->sud_on = ret == 0;
	if (ret)
		t->sud_selector = SUD_ALLOW;
	return (int)ret;
}

/* ---- application memory ---------------------------------------------------- */

int app_read(void *dst, uint64_t src, size_t len)
{
	struct iovec l = { dst, len }, r = { (void *)(uintptr_t)src, len };

	if (!len)
		return 0;
	return sgx_syscall6(SYS_process_vm_readv, sgx_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0),
			    (long)&l, 1, (long)&r, 1, 0) == (long)len ? 0 : -EFAULT;
}

int app_write(uint64_t dst, const void *src, size_t len)
{
	struct iovec l = { (void *)src, len }, r = { (void *)(uintptr_t)dst, len };

	if (!len)
		return 0;
	return sgx_syscall6(SYS_process_vm_writev, sgx_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0),
			    (long)&l, 1, (long)&r, 1, 0) == (long)len ? 0 : -EFAULT;
}

int app_read_str(char *dst, uint64_t src, size_t size)
{
	/* Byte-wise across page boundaries: a string may end just before an
	 * unmapped page. */
	for (size_t i = 0; i < size; i++) {
		if (app_read(dst + i, src + i, 1))
			return -EFAULT;
		if (!dst[i])
			return 0;
	}
	return -ENAMETOOLONG;
}

/* ---- forwarding ------------------------------------------------------------ */

/* Calls that never sleep: no need to open the signal mask around them. */
static bool never_blocks(long nr)
{
	switch (nr) {
	case SYS_getpid: case SYS_gettid: case SYS_getppid: case SYS_getuid:
	case SYS_geteuid: case SYS_getgid: case SYS_getegid: case SYS_clock_gettime:
	case SYS_gettimeofday: case SYS_time: case SYS_mmap: case SYS_munmap:
	case SYS_mprotect: case SYS_brk: case SYS_madvise: case SYS_close:
	case SYS_fstat: case SYS_newfstatat: case SYS_lseek: case SYS_sched_yield:
	case SYS_arch_prctl: case SYS_set_tid_address: case SYS_set_robust_list:
	case SYS_prlimit64: case SYS_getcwd: case SYS_uname: case SYS_dup: case SYS_dup2:
	case SYS_dup3: case SYS_getrandom: case SYS_rseq: case SYS_tgkill: case SYS_kill:
		return true;
	default:
		return false;
	}
}

long preload_forward(ucontext_t *uc, long nr, const long a[6])
{
	sigset_t app, all;
	long ret;

	if (never_blocks(nr))
		return sgx_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	app = uc->uc_sigmask;
	sigdelset(&app, SIGSYS);
	sigfillset(&all);
	entry_set_sigmask(&app);
	ret = sgx_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	entry_set_sigmask(&all);
	return ret;
}

/* ---- signals ------------------------------------------------------------------ */

struct kernel_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static bool always_owned(int sig)
{
	return sig == SIGSEGV || sig == SIGILL || sig == SIGBUS || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGSYS;
}

/*
 * The application's rt_sigaction. Signals sgxemu owns keep sgxemu's handler
 * in the kernel and the application's action in the entry layer's table; a
 * signal gets owned as soon as the application gives it a handler, so that
 * it can AEX an enclave before that handler runs. SIG_DFL/SIG_IGN for a
 * signal sgxemu does not own go straight to the kernel.
 */
static long sys_rt_sigaction(struct entry_platform *p, long sig, uint64_t act, uint64_t oact,
			     long size)
{
	struct kernel_sigaction k, ko;
	struct sigaction sa;
	bool owned;
	int ret;

	if (size != 8)
		return -EINVAL;
	if (sig < 1 || sig > 64 || ((sig == SIGKILL || sig == SIGSTOP) && act))
		return -EINVAL;
	if (act && app_read(&k, act, sizeof(k)))
		return -EFAULT;
	owned = sig < 64 && (p->owned & (1ull << sig));
	if (!owned && (!act || k.handler == (uint64_t)SIG_DFL || k.handler == (uint64_t)SIG_IGN) &&
	    !always_owned((int)sig))
		return sgx_syscall6(SYS_rt_sigaction, sig, (long)act, (long)oact, 8, 0, 0);
	if (sig == 64)
		return -EINVAL; /* sgxemu's table covers 1..63 */
	if (!owned) {
		ret = entry_install(p, (int)sig, sig != SIGSYS);
		if (ret)
			return ret;
	}
	if (oact) {
		struct sigaction *o = &p->app[sig];

		ko.handler = (uint64_t)o->sa_handler;
		ko.flags = (uint64_t)(unsigned)o->sa_flags;
		ko.restorer = (uint64_t)o->sa_restorer;
		memcpy(&ko.mask, &o->sa_mask, 8);
		if (app_write(oact, &ko, sizeof(ko)))
			return -EFAULT;
	}
	if (act) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = (void (*)(int))k.handler;
		sa.sa_flags = (int)k.flags;
		sa.sa_restorer = (void (*)(void))k.restorer;
		memcpy(&sa.sa_mask, &k.mask, 8);
		sigdelset(&sa.sa_mask, SIGKILL);
		sigdelset(&sa.sa_mask, SIGSTOP);
		p->app[sig] = sa;
	}
	return 0;
}

/* The mask the application returns to is the one in the frame: emulate the
 * call on it. SIGSYS can never be blocked (dispatch needs it). */
static long sys_rt_sigprocmask(ucontext_t *uc, long how, uint64_t set, uint64_t oset, long size)
{
	uint64_t cur, val = 0;

	if (size != 8)
		return -EINVAL;
	memcpy(&cur, &uc->uc_sigmask, 8);
	if (set && app_read(&val, set, 8))
		return -EFAULT;
	if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
		return -EINVAL;
	if (oset && app_write(oset, &cur, 8))
		return -EFAULT;
	if (!set)
		return 0;
	if (how == SIG_BLOCK)
		cur |= val;
	else if (how == SIG_UNBLOCK)
		cur &= ~val;
	else
		cur = val;
	cur &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)) | (1ull << (SIGSYS - 1)));
	memcpy(&uc->uc_sigmask, &cur, 8);
	return 0;
}

/* The application's rt_sigreturn through its own restorer: its frame is at
 * its stack pointer; make ours say the same and let the kernel do the rest. */
static void sys_rt_sigreturn(ucontext_t *uc)
{
	ucontext_t app;
	uint64_t rsp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	void *our_fp = uc->uc_mcontext.fpregs;

	if (app_read(&app, rsp, sizeof(app))) {
		uc->uc_mcontext.gregs[REG_RAX] = -EFAULT;
		return;
	}
	memcpy(uc->uc_mcontext.gregs, app.uc_mcontext.gregs, sizeof(app.uc_mcontext.gregs));
	uc->uc_sigmask = app.uc_sigmask;
	sigdelset(&uc->uc_sigmask, SIGSYS);
	if (app.uc_mcontext.fpregs && our_fp) {
		uint32_t size = 512;

		app_read(&size, (uint64_t)app.uc_mcontext.fpregs + 480, 4); /* xstate_size */
		if (size < 512 || size > 64 * 1024)
			size = 512;
		app_read(our_fp, (uint64_t)app.uc_mcontext.fpregs, size);
	}
}

/*
 * sigaltstack as the application sees it. The kernel's alternate stack is the
 * application's when it set one (its handlers then run there, as they would
 * without sgxemu) and sgxemu's otherwise, so that a signal landing in
 * enclave mode never pushes its frame onto the enclave's stack.
 */
static long sys_sigaltstack(struct entry_thread *t, ucontext_t *uc, uint64_t uss, uint64_t uoss)
{
	uint64_t sp = (uint64_t)uc->uc_mcontext.gregs[REG_RSP];
	bool on = t->app_ss_on && sp - (uint64_t)(uintptr_t)t->app_ss.ss_sp < t->app_ss.ss_size;
	stack_t ss, old = { .ss_flags = SS_DISABLE };
	int mode;

	if (t->app_ss_on) {
		old = t->app_ss;
		old.ss_flags = (t->app_ss.ss_flags & SS_AUTODISARM) | (on ? SS_ONSTACK : 0);
	}
	if (uss) {
		if (app_read(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		mode = ss.ss_flags & ~SS_AUTODISARM;
		if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
			return -EINVAL;
		/* sigreturn restores the alternate stack saved in the frame: the
		 * change is made there, and takes effect when this call returns. */
		if (mode == SS_DISABLE) {
			t->app_ss_on = false;
			uc->uc_stack.ss_sp = t->altstack;
			uc->uc_stack.ss_size = ENTRY_ALTSTACK_SIZE;
			uc->uc_stack.ss_flags = 0;
		} else {
			if (ss.ss_size < (size_t)MINSIGSTKSZ)
				return -ENOMEM;
			ss.ss_flags &= SS_AUTODISARM;
			t->app_ss = ss;
			t->app_ss_on = true;
			uc->uc_stack = ss;
		}
	}
	if (uoss && app_write(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* ---- threads and processes --------------------------------------------------- */

/* A fork child: dispatch is not inherited, and the enclaves of the parent
 * are not the child's (as on Linux, an enclave does not survive fork). */
static void fork_child(struct entry_platform *p)
{
	struct entry_thread *t = thread_get(p, raw_gettid());

	if (t)
		preload_sud_enable(t, SUD_ALLOW); /* the handler's exit blocks it */
	sgx_os_fork_child(preload.os);
}

static void fill_clone_start(struct clone_start *cs, const ucontext_t *uc, uint64_t child_rsp)
{
	const greg_t *g = uc->uc_mcontext.gregs;
	static const int order[16] = { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
				       REG_RSI, REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11,
				       REG_R12, REG_R13, REG_R14, REG_R15 };

	for (int i = 0; i < 16; i++)
		cs->regs[i] = (uint64_t)g[order[i]];
	cs->regs[0] = 0;
	cs->regs[4] = child_rsp;
	cs->rip = (uint64_t)g[REG_RIP];
	cs->rflags = (uint64_t)g[REG_EFL];
	/* The child inherits this handler's mask (everything blocked); it must
	 * start with the application's, and never with SIGSYS blocked. */
	memcpy(&cs->sigmask, &uc->uc_sigmask, 8);
	cs->sigmask &= ~(1ull << (SIGSYS - 1));
}

/* Where the struct clone_start goes: well below the child's stack pointer
 * (clone.S writes two words just under it). */
static uint64_t clone_start_addr(uint64_t child_rsp)
{
	return (child_rsp - 256) & ~15ull;
}

static long sys_clone(struct entry_platform *p, ucontext_t *uc, const long a[6])
{
	unsigned long flags = (unsigned long)a[0];
	uint64_t child_sp = (uint64_t)a[1];
	struct clone_start cs;
	long ret;

	if (!(flags & CLONE_VM) || (flags & CLONE_VFORK)) {
		/* fork, and vfork run as fork: a vfork child would run on
		 * the stack this handler is using. */
		flags &= ~(unsigned long)(CLONE_VM | CLONE_VFORK);
		ret = sgx_syscall6(SYS_clone, (long)flags, (flags & CLONE_VM) ? a[1] : 0, a[2],
				   a[3], a[4], 0);
		if (ret == 0)
			fork_child(p);
		return ret;
	}
	if (!child_sp)
		return -EINVAL; /* a thread sharing our stack cannot be started safely */
	fill_clone_start(&cs, uc, child_sp);
	if (app_write(clone_start_addr(child_sp), &cs, sizeof(cs)))
		return -EFAULT;
	return sgx_clone_thread(flags, (void *)clone_start_addr(child_sp), (int *)a[2],
				(int *)a[3], (unsigned long)a[4]);
}

static long sys_clone3(struct entry_platform *p, ucontext_t *uc, uint64_t uargs, long size)
{
	struct clone_args args;
	struct clone_start cs;
	uint64_t top, start;
	long ret;

	if (size < 64 || size > (long)sizeof(args))
		return size < 64 ? -EINVAL : -E2BIG;
	memset(&args, 0, sizeof(args));
	if (app_read(&args, uargs, (size_t)size))
		return -EFAULT;
	if (!(args.flags & CLONE_VM) || (args.flags & CLONE_VFORK)) {
		args.flags &= ~(uint64_t)(CLONE_VM | CLONE_VFORK);
		args.stack = args.stack_size = 0;
		ret = sgx_syscall6(SYS_clone3, (long)&args, size, 0, 0, 0, 0);
		if (ret == 0)
			fork_child(p);
		return ret;
	}
	if (!args.stack || !args.stack_size)
		return -EINVAL;
	top = args.stack + args.stack_size;
	start = clone_start_addr(top);
	fill_clone_start(&cs, uc, top);
	if (app_write(start, &cs, sizeof(cs)))
		return -EFAULT;
	args.stack_size = start - args.stack;
	return sgx_clone3_thread(&args, (size_t)size);
}

/* Runs in the new thread, on its stack, before any application code, with
 * whatever FS the clone gave it: raw system calls only, no TLS. */
void preload_child_start(struct clone_start *cs)
{
	struct entry_platform *p = atomic_load(&entry_platform);
	struct entry_thread *t;

	if (p && (t = thread_get(p, raw_gettid())))
		preload_sud_enable(t, SUD_BLOCK);
	sgx_syscall6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&cs->sigmask, 0, 8, 0, 0);
}

/* exec: the new program runs under sgxemu too - LD_PRELOAD and the SGXEMU_*
 * settings are put back if the caller's environment lost them. */
static long sys_execve(struct entry_thread *t, ucontext_t *uc, long nr, const long a[6])
{
	uint64_t envp = (uint64_t)(nr == SYS_execve ? a[2] : a[3]);
	char **env = NULL, buf[8192];
	size_t n = 0, cap = 0, extra = 0;
	bool has_preload = false;
	long b[6], ret;
	uint64_t ptr;

	for (;; n++) {
		if (!envp || app_read(&ptr, envp + 8 * n, 8))
			break;
		if (!ptr)
			break;
		if (n + 20 >= cap) {
			char **bigger = realloc(env, (cap = cap ? 2 * cap : 64) * sizeof(*env));

			if (!bigger) {
				free(env);
				return -ENOMEM;
			}
			env = bigger;
		}
		env[n] = (char *)ptr;
		if (app_read_str(buf, ptr, sizeof(buf)) == 0 && !strncmp(buf, "LD_PRELOAD=", 11) &&
		    strstr(buf, preload.self_path))
			has_preload = true;
	}
	if (!env && !(env = malloc(20 * sizeof(*env))))
		return -ENOMEM;
	if (!has_preload) {
		static char ld[4096 + 16];

		snprintf(ld, sizeof(ld), "LD_PRELOAD=%s", preload.self_path);
		env[n + extra++] = ld;
	}
	for (int i = 0; preload.env_keep[i] && extra < 18; i++) {
		size_t len = strcspn(preload.env_keep[i], "=") + 1;
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			if (app_read_str(buf, (uint64_t)env[j], sizeof(buf)) == 0 &&
			    !strncmp(buf, preload.env_keep[i], len))
				found = true;
		if (!found)
			env[n + extra++] = preload.env_keep[i];
	}
	env[n + extra] = NULL;
	memcpy(b, a, sizeof(b));
	if (nr == SYS_execve)
		b[2] = (long)env;
	else
		b[3] = (long)env;
	/* Dispatch survives execve: the new image's loader would meet it with
	 * no handler. The new image's constructor switches it on again. */
	sud_disable(t);
	ret = preload_forward(uc, nr, b);
	preload_sud_enable(t, SUD_ALLOW);
	free(env);
	return ret;
}

/* ---- memory ---------------------------------------------------------------- */

static long sys_mmap(ucontext_t *uc, const long a[6])
{
	struct preload_file *f;
	int fd = (int)a[4];

	if (!(a[3] & MAP_ANONYMOUS) && fd >= 0 && (f = dev_lookup(fd))) {
		if (f->kind == DEV_VEPC)
			return (long)sgx_vepc_mmap(f->vepc, (uint64_t)a[0], (uint64_t)a[1], (int)a[2],
						   (int)a[3], (uint64_t)a[5]);
		if (f->kind != DEV_ENCLAVE)
			return -ENODEV;
		return (long)sgx_encl_mmap(f->encl, (uint64_t)a[0], (uint64_t)a[1], (int)a[2],
					   (int)a[3], (uint64_t)a[5]);
	}
	/* A fixed mapping over enclave memory replaces those enclave pages. */
	if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) == MAP_FIXED &&
	    sgx_os_range_is_enclave(preload.os, (uint64_t)a[0], (uint64_t)a[1]))
		sgx_os_munmap(preload.os, (uint64_t)a[0], (uint64_t)a[1]);
	return preload_forward(uc, SYS_mmap, a);
}

/* ---- the dispatcher ----------------------------------------------------------- */

static long path_syscall(ucontext_t *uc, long nr, const long a[6])
{
	uint64_t upath = (uint64_t)(nr == SYS_open || nr == SYS_stat || nr == SYS_lstat ||
				    nr == SYS_access ? a[0] : a[1]);
	struct statx stx;
	char path[256];
	enum sgx_devkind kind;
	struct stat st;
	bool handled = false;
	long ret;

	if (app_read_str(path, upath, sizeof(path)) || !dev_is_path(path, &kind))
		return preload_forward(uc, nr, a);
	switch (nr) {
	case SYS_open:
	case SYS_openat:
		ret = dev_open(path, (int)(nr == SYS_open ? a[1] : a[2]), &handled);
		return handled ? ret : preload_forward(uc, nr, a);
	case SYS_stat:
	case SYS_lstat:
	case SYS_newfstatat:
		dev_fake_stat(kind, &st);
		return app_write((uint64_t)(nr == SYS_newfstatat ? a[2] : a[1]), &st, sizeof(st));
	case SYS_statx:
		dev_fake_stat(kind, &st);
		memset(&stx, 0, sizeof(stx));
		stx.stx_mask = STATX_BASIC_STATS;
		stx.stx_blksize = (uint32_t)st.st_blksize;
		stx.stx_nlink = 1;
		stx.stx_mode = (uint16_t)st.st_mode;
		stx.stx_ino = st.st_ino;
		stx.stx_rdev_major = major(st.st_rdev);
		stx.stx_rdev_minor = minor(st.st_rdev);
		stx.stx_dev_major = major(st.st_dev);
		stx.stx_dev_minor = minor(st.st_dev);
		return app_write((uint64_t)a[4], &stx, sizeof(stx));
	default: /* access, faccessat, faccessat2: everyone may open them */
		return 0;
	}
}

void preload_syscall(struct entry_platform *p, struct entry_thread *t, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	long nr = g[REG_RAX];
	long a[6] = { g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9] };
	struct preload_file *f;
	long ret;

	switch (nr) {
	case SYS_rt_sigreturn:
		sys_rt_sigreturn(uc);
		return; /* the frame now is the application's: no result */
	case SYS_rt_sigaction:
		ret = sys_rt_sigaction(p, a[0], (uint64_t)a[1], (uint64_t)a[2], a[3]);
		break;
	case SYS_rt_sigprocmask:
		ret = sys_rt_sigprocmask(uc, a[0], (uint64_t)a[1], (uint64_t)a[2], a[3]);
		break;
	case SYS_sigaltstack:
		ret = sys_sigaltstack(t, uc, (uint64_t)a[0], (uint64_t)a[1]);
		break;
	case SYS_clone:
		ret = sys_clone(p, uc, a);
		break;
	case SYS_clone3:
		ret = sys_clone3(p, uc, (uint64_t)a[0], a[1]);
		break;
	case SYS_fork:
	case SYS_vfork:
		ret = sgx_syscall6(SYS_clone, SIGCHLD, 0, 0, 0, 0, 0);
		if (ret == 0)
			fork_child(p);
		break;
	case SYS_execve:
	case SYS_execveat:
		ret = sys_execve(t, uc, nr, a);
		break;
	case SYS_exit_group:
		preload_report(); /* even for a program that skips its destructors */
		ret = preload_forward(uc, nr, a);
		break;
	case SYS_open:
	case SYS_openat:
	case SYS_stat:
	case SYS_lstat:
	case SYS_newfstatat:
	case SYS_access:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_statx:
		ret = path_syscall(uc, nr, a);
		break;
	case SYS_fstat:
		if ((f = dev_lookup((int)a[0]))) {
			struct stat st;

			dev_fake_stat(f->kind, &st);
			ret = app_write((uint64_t)a[1], &st, sizeof(st));
		} else {
			ret = preload_forward(uc, nr, a);
		}
		break;
	case SYS_ioctl:
		f = dev_lookup((int)a[0]);
		ret = f ? dev_ioctl(f, (unsigned long)a[1], (unsigned long)a[2])
			: preload_forward(uc, nr, a);
		break;
	case SYS_mmap:
		ret = sys_mmap(uc, a);
		break;
	case SYS_mprotect:
		ret = sgx_os_range_is_enclave(preload.os, (uint64_t)a[0], (uint64_t)a[1])
			? sgx_os_mprotect(preload.os, (uint64_t)a[0], (uint64_t)a[1], (int)a[2])
			: preload_forward(uc, nr, a);
		break;
	case SYS_munmap:
		if (sgx_os_range_is_enclave(preload.os, (uint64_t)a[0], (uint64_t)a[1])) {
			ret = sgx_os_munmap(preload.os, (uint64_t)a[0], (uint64_t)a[1]);
			dev_maybe_release();
		} else {
			ret = preload_forward(uc, nr, a);
		}
		break;
	case SYS_close:
		dev_close((int)a[0]);
		ret = preload_forward(uc, nr, a);
		break;
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
		ret = preload_forward(uc, nr, a);
		dev_dup((int)a[0], ret);
		break;
	case SYS_fcntl:
		ret = preload_forward(uc, nr, a);
		if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
			dev_dup((int)a[0], ret);
		break;
	default:
		ret = preload_forward(uc, nr, a);
		break;
	}
	g[REG_RAX] = ret;
}
