/*
 * preload.h - internal state of the interposer (src/preload only).
 *
 * libsgxemu-preload.so is put in LD_PRELOAD by `sgxemu run` only to get
 * sgxemu into the process. Interception happens at the system-call level
 * with Syscall User Dispatch: every `syscall` instruction outside sgxemu's
 * allowed region raises SIGSYS, which the entry layer hands to
 * preload_syscall(). That function emulates the calls that concern SGX
 * (the device files, their ioctls and mmaps), the ones sgxemu must own
 * (signals, alternate stacks, thread creation, exec), and forwards the rest.
 * No SGX logic lives here: the driver is src/os, the CPU src/cpu.
 */
#ifndef SGXEMU_PRELOAD_H
#define SGXEMU_PRELOAD_H

#include <sys/stat.h>
#include <sys/types.h>

#include "entry/entry.h"

enum sgx_devkind { DEV_NONE, DEV_ENCLAVE, DEV_PROVISION, DEV_VEPC };

/* An open /dev/sgx_* file: a memfd we created, known by its inode, so that
 * dup()ed and inherited descriptors find the same file. */
struct preload_file {
	dev_t dev;
	ino_t ino;
	enum sgx_devkind kind;
	struct sgx_encl *encl;
	struct sgx_vepc *vepc;
	int refs; /* descriptors we know of */
};

#define PRELOAD_MAX_FILES 256

struct preload {
	struct sgx_os *os;
	struct entry_platform *p;
	atomic_flag lock;      /* the file table; taken with all signals blocked */
	struct preload_file files[PRELOAD_MAX_FILES];
	char self_path[4096];  /* this library, for LD_PRELOAD across exec */
	char *env_keep[16];    /* SGXEMU_* settings, kept across exec */
	bool dispatch;         /* Syscall User Dispatch is in use */
	bool cpuid_faulting;
};

extern struct preload preload;

/* init.c: write the trace and print the stats, once per process. */
void preload_report(void);

/* sud.c */
/* Switch dispatch on for the calling thread, t its slot; the selector starts
 * as given (ALLOW from inside a handler, whose exit then blocks it). */
int preload_sud_enable(struct entry_thread *t, char selector);
void preload_syscall(struct entry_platform *p, struct entry_thread *t, ucontext_t *uc);
long preload_forward(ucontext_t *uc, long nr, const long a[6]);

/* Copies between sgxemu and application memory that fail with -EFAULT
 * instead of faulting. */
int app_read(void *dst, uint64_t src, size_t len);
int app_write(uint64_t dst, const void *src, size_t len);
/* A NUL-terminated string of at most size-1 bytes; -EFAULT / -ENAMETOOLONG. */
int app_read_str(char *dst, uint64_t src, size_t size);

/* devices.c */
long dev_open(const char *path, int flags, bool *handled);
struct preload_file *dev_lookup(int fd);
long dev_ioctl(struct preload_file *f, unsigned long cmd, unsigned long arg);
void dev_dup(int fd, long newfd);
void dev_close(int fd);
void dev_maybe_release(void);
bool dev_is_path(const char *path, enum sgx_devkind *kind);
void dev_fake_stat(enum sgx_devkind kind, struct stat *st);

/* clone.S / clone.c */
struct clone_start {
	uint64_t regs[16];   /* rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
	uint64_t rip, rflags;
	uint64_t sigmask;    /* the application's mask at its clone */
};
long sgx_clone_thread(unsigned long flags, void *child_sp, int *ptid, int *ctid,
		      unsigned long tls) __attribute__((visibility("hidden")));
long sgx_clone3_thread(void *args, size_t size) __attribute__((visibility("hidden")));
void preload_child_start(struct clone_start *cs) __attribute__((visibility("hidden")));

#endif /* SGXEMU_PRELOAD_H */
