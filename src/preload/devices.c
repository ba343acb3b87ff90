/*
 * devices.c - /dev/sgx_enclave and /dev/sgx_provision as real file
 * descriptors.
 *
 * Opening one gives the application a memfd of its own: a real descriptor it
 * can close, dup, poll and pass around. sgxemu recognizes it by inode (so a
 * dup()ed or inherited descriptor finds the same file) and routes its
 * ioctls and mmaps to the driver. stat() of the device paths and fstat() of
 * the descriptors report character devices, as on a Linux machine with SGX.
 * An enclave is released, as in Linux, when its last descriptor is closed
 * and its last mapping is gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "preload/preload.h"

static void files_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&preload.lock, memory_order_acquire))
		;
}

static void files_unlock(void)
{
	atomic_flag_clear_explicit(&preload.lock, memory_order_release);
}

bool dev_is_path(const char *path, enum sgx_devkind *kind)
{
	if (!strcmp(path, "/dev/sgx_enclave") || !strcmp(path, "/dev/sgx/enclave")) {
		*kind = DEV_ENCLAVE;
		return true;
	}
	if (!strcmp(path, "/dev/sgx_provision") || !strcmp(path, "/dev/sgx/provision")) {
		*kind = DEV_PROVISION;
		return true;
	}
	if (!strcmp(path, "/dev/sgx_vepc")) {
		*kind = DEV_VEPC;
		return true;
	}
	return false;
}

void dev_fake_stat(enum sgx_devkind kind, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, 5);
	st->st_ino = 1124 + (ino_t)kind;
	st->st_mode = S_IFCHR | (kind == DEV_ENCLAVE ? 0666 : 0660);
	st->st_nlink = 1;
	/* misc devices: major 10, dynamic minors */
	st->st_rdev = makedev(10, 124 + kind);
	st->st_blksize = 4096;
}

static int fd_identity(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (sgx_syscall6(SYS_fstat, fd, (long)&st, 0, 0, 0, 0))
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

struct preload_file *dev_lookup(int fd)
{
	struct preload_file *found = NULL;
	dev_t dev;
	ino_t ino;

	if (fd < 0 || fd_identity(fd, &dev, &ino))
		return NULL;
	files_lock();
	for (int i = 0; i < PRELOAD_MAX_FILES && !found; i++)
		if (preload.files[i].kind != DEV_NONE && preload.files[i].dev == dev &&
		    preload.files[i].ino == ino)
			found = &preload.files[i];
	files_unlock();
	return found;
}

long dev_open(const char *path, int flags, bool *handled)
{
	enum sgx_devkind kind;
	struct preload_file *slot = NULL;
	struct sgx_encl *encl = NULL;
	struct sgx_vepc *vepc = NULL;
	dev_t dev;
	ino_t ino;
	long fd;
	int ret;

	*handled = false;
	if (!dev_is_path(path, &kind))
		return 0;
	*handled = true;
	if ((flags & O_ACCMODE) != O_RDWR && kind == DEV_ENCLAVE && (flags & O_ACCMODE) != O_RDONLY)
		return -EINVAL;
	if (kind == DEV_PROVISION) {
		fd = sgx_os_open_provision(preload.os);
		if (fd >= 0 && !(flags & O_CLOEXEC))
			sgx_syscall6(SYS_fcntl, fd, F_SETFD, 0, 0, 0, 0);
	} else {
		ret = kind == DEV_ENCLAVE ? sgx_encl_open(preload.os, &encl)
					  : sgx_vepc_open(preload.os, &vepc);
		if (ret)
			return ret;
		fd = sgx_syscall6(SYS_memfd_create, (long)(kind == DEV_ENCLAVE ? "sgx_enclave" : "sgx_vepc"),
				  (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0, 0, 0, 0, 0);
	}
	if (fd < 0 || fd_identity((int)fd, &dev, &ino)) {
		if (encl)
			sgx_encl_release(encl);
		sgx_vepc_release(vepc);
		return fd < 0 ? fd : -EIO;
	}
	files_lock();
	for (int i = 0; i < PRELOAD_MAX_FILES && !slot; i++)
		if (preload.files[i].kind == DEV_NONE)
			slot = &preload.files[i];
	if (slot)
		*slot = (struct preload_file){ dev, ino, kind, encl, vepc, 1 };
	files_unlock();
	if (!slot) {
		sgx_syscall6(SYS_close, fd, 0, 0, 0, 0, 0);
		if (encl)
			sgx_encl_release(encl);
		sgx_vepc_release(vepc);
		return -ENFILE;
	}
	return fd;
}

long dev_ioctl(struct preload_file *f, unsigned long cmd, unsigned long arg)
{
	long ret;

	if (f->kind == DEV_VEPC)
		ret = sgx_vepc_ioctl(f->vepc, (unsigned int)cmd, arg);
	else if (f->kind == DEV_ENCLAVE)
		ret = sgx_encl_ioctl(f->encl, (unsigned int)cmd, arg);
	else
		return -ENOTTY; /* /dev/sgx_provision has no operations */
	entry_trace(TRACE_IOCTL, (uint32_t)(cmd & 0xff), (uint64_t)ret);
	return ret;
}

void dev_dup(int fd, long newfd)
{
	struct preload_file *f;

	if (newfd < 0 || newfd == fd || !(f = dev_lookup(fd)))
		return;
	files_lock();
	f->refs++;
	files_unlock();
}

/* Release enclave files that have neither descriptors nor mappings left. */
void dev_maybe_release(void)
{
	for (int i = 0; i < PRELOAD_MAX_FILES; i++) {
		struct preload_file *f = &preload.files[i];
		struct sgx_encl *encl = NULL;
		struct sgx_vepc *vepc = NULL;

		files_lock();
		if (f->kind == DEV_ENCLAVE && f->refs <= 0 && !sgx_encl_has_vmas(f->encl)) {
			encl = f->encl;
			f->kind = DEV_NONE;
		} else if (f->kind == DEV_VEPC && f->refs <= 0) {
			/* Its mappings hold frames, released with the file. */
			vepc = f->vepc;
			f->kind = DEV_NONE;
		} else if (f->kind == DEV_PROVISION && f->refs <= 0) {
			f->kind = DEV_NONE;
		}
		files_unlock();
		if (encl)
			sgx_encl_release(encl);
		sgx_vepc_release(vepc);
	}
}

void dev_close(int fd)
{
	struct preload_file *f = dev_lookup(fd);

	if (!f)
		return;
	files_lock();
	f->refs--;
	files_unlock();
	dev_maybe_release();
}
