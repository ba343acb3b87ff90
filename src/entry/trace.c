/*
 * trace.c - a record of the SGX events of a process, for
 * `sgxemu run --trace FILE`, and the event counts behind --stats.
 *
 * entry_trace() runs wherever the events happen: in the trap handler, in the
 * vDSO's EENTER with the enclave's FS loaded, inside ENCLS. So it takes no
 * lock, allocates nothing, touches no TLS and no errno: the buffer is one
 * anonymous mapping made when tracing is switched on, a slot is claimed with
 * an atomic increment, and an event that finds the buffer full is dropped
 * and counted. A slot's kind is written last, so that a slot still being
 * filled when the file is written is skipped, not misread.
 *
 * At exit the events become Chrome trace-event JSON: {"traceEvents":[...]}
 * with one thread-scoped instant event per record ("ts" in microseconds of
 * CLOCK_MONOTONIC, shared by all processes). Every process started under
 * `sgxemu run` appends its events to the same file under flock(), so one file
 * shows the whole process tree, each process under its own pid.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "entry/entry.h"

#define TRACE_MAX_EVENTS (1u << 20) /* 32 MiB of address space, NORESERVE */

struct trace_event {
	uint64_t ns;
	uint64_t arg;
	int32_t tid;
	uint32_t code;
	_Atomic uint32_t kind; /* 0 until the slot is complete */
	uint32_t pad;
};

static struct trace_event *_Atomic trace_buf;
static _Atomic uint64_t trace_next, trace_drops;
static _Atomic uint64_t trace_counts[TRACE_KINDS];
static char trace_path[4096];

/* ---- names ------------------------------------------------------------------ */

static const char *const encls_names[16] = {
	"ECREATE", "EADD", "EINIT", "EREMOVE", "EDBGRD", "EDBGWR", "EEXTEND", "ELDB",
	"ELDU", "EBLOCK", "EPA", "EWB", "ETRACK", "EAUG", "EMODPR", "EMODT",
};

static const char *const enclu_names[10] = {
	"EREPORT", "EGETKEY", "EENTER", "ERESUME", "EEXIT", "EACCEPT", "EMODPE",
	"EACCEPTCOPY", "EVERIFYREPORT2", "EDECCSSA",
};

static const char *const vector_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF", [5] = "#BR",
	[6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS",
	[13] = "#GP", [14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
	[20] = "#VE", [21] = "#CP",
};

/* <asm/sgx.h> ioctl numbers (the low byte of the command). */
static const char *const ioctl_names[8] = {
	"SGX_IOC_ENCLAVE_CREATE", "SGX_IOC_ENCLAVE_ADD_PAGES", "SGX_IOC_ENCLAVE_INIT",
	"SGX_IOC_ENCLAVE_PROVISION", "SGX_IOC_VEPC_REMOVE_ALL",
	"SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS", "SGX_IOC_ENCLAVE_MODIFY_TYPES",
	"SGX_IOC_ENCLAVE_REMOVE_PAGES",
};

const char *entry_encls_name(uint32_t leaf)
{
	return leaf < 16 ? encls_names[leaf] : NULL;
}

const char *entry_enclu_name(uint32_t leaf)
{
	return leaf < 10 ? enclu_names[leaf] : NULL;
}

const char *entry_vector_name(uint32_t vector)
{
	return vector < 32 ? vector_names[vector] : NULL;
}

/* ---- recording --------------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (sgx_syscall6(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0, 0, 0))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void entry_trace(enum trace_kind kind, uint32_t code, uint64_t arg)
{
	struct trace_event *buf, *e;
	uint64_t i;

	if (kind <= 0 || kind >= TRACE_KINDS)
		return;
	atomic_fetch_add_explicit(&trace_counts[kind], 1, memory_order_relaxed);
	buf = atomic_load_explicit(&trace_buf, memory_order_acquire);
	if (!buf)
		return;
	i = atomic_fetch_add_explicit(&trace_next, 1, memory_order_relaxed);
	if (i >= TRACE_MAX_EVENTS) {
		atomic_fetch_add_explicit(&trace_drops, 1, memory_order_relaxed);
		return;
	}
	e = &buf[i];
	e->ns = now_ns();
	e->arg = arg;
	e->tid = raw_gettid();
	e->code = code;
	atomic_store_explicit(&e->kind, (uint32_t)kind, memory_order_release);
}

uint64_t entry_trace_count(enum trace_kind kind)
{
	if (kind <= 0 || kind >= TRACE_KINDS)
		return 0;
	return atomic_load_explicit(&trace_counts[kind], memory_order_relaxed);
}

uint64_t entry_trace_dropped(void)
{
	return atomic_load_explicit(&trace_drops, memory_order_relaxed);
}

int entry_trace_enable(const char *path)
{
	size_t size = (size_t)TRACE_MAX_EVENTS * sizeof(struct trace_event);
	char cwd[4096];
	long ret;
	int n;

	if (!path || !*path)
		return -EINVAL;
	if (path[0] == '/') {
		n = snprintf(trace_path, sizeof(trace_path), "%s", path);
	} else {
		ret = sgx_syscall6(SYS_getcwd, (long)cwd, sizeof(cwd), 0, 0, 0, 0);
		if (ret < 0)
			return (int)ret;
		n = snprintf(trace_path, sizeof(trace_path), "%s/%s", cwd, path);
	}
	if (n < 0 || (size_t)n >= sizeof(trace_path))
		return -ENAMETOOLONG;
	/* Fail now, not at exit, if the file cannot be written. It is not
	 * truncated: the processes of one run share it (`sgxemu run` empties
	 * it before the program starts). */
	ret = sgx_syscall6(SYS_openat, AT_FDCWD, (long)trace_path, O_WRONLY | O_CREAT | O_CLOEXEC,
			   0644, 0, 0);
	if (ret < 0)
		return (int)ret;
	sgx_syscall6(SYS_close, ret, 0, 0, 0, 0, 0);
	if (atomic_load(&trace_buf))
		return 0;
	ret = sgx_syscall6(SYS_mmap, 0, (long)size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (ret < 0 && ret > -4096)
		return (int)ret;
	atomic_store_explicit(&trace_buf, (struct trace_event *)ret, memory_order_release);
	return 0;
}

/* ---- the JSON file ------------------------------------------------------------- */

struct out {
	long fd;
	size_t len;
	bool err;
	char buf[1 << 16];
};

static struct out out;

static void out_flush(struct out *o)
{
	size_t off = 0;

	while (off < o->len && !o->err) {
		long n = sgx_syscall6(SYS_write, o->fd, (long)(o->buf + off), (long)(o->len - off),
				      0, 0, 0);

		if (n == -EINTR)
			continue;
		if (n <= 0)
			o->err = true;
		else
			off += (size_t)n;
	}
	o->len = 0;
}

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	size_t room;
	va_list ap;
	int n;

	if (sizeof(o->buf) - o->len < 1024)
		out_flush(o);
	room = sizeof(o->buf) - o->len;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* s as the inside of a JSON string (at most size-1 bytes). */
static void json_escape(const char *s, char *dst, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t j = 0;

	for (; *s && j + 7 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			dst[j++] = '\\';
			dst[j++] = (char)c;
		} else if (c < 0x20) {
			memcpy(dst + j, "\\u00", 4);
			dst[j + 4] = hex[c >> 4];
			dst[j + 5] = hex[c & 15];
			j += 6;
		} else {
			dst[j++] = (char)c;
		}
	}
	dst[j] = '\0';
}

static void event_name(const struct trace_event *e, uint32_t kind, char *name, size_t size)
{
	const char *n;

	switch (kind) {
	case TRACE_ENCLS:
		if ((n = entry_encls_name(e->code)))
			snprintf(name, size, "ENCLS.%s", n);
		else
			snprintf(name, size, "ENCLS.leaf%u", e->code);
		break;
	case TRACE_ENCLU:
		if ((n = entry_enclu_name(e->code)))
			snprintf(name, size, "ENCLU.%s", n);
		else
			snprintf(name, size, "ENCLU.leaf%u", e->code);
		break;
	case TRACE_AEX:
	case TRACE_FAULT:
		n = entry_vector_name(e->code);
		if (kind == TRACE_AEX && e->code == TRACE_AEX_SIGNAL)
			snprintf(name, size, "AEX signal");
		else if (n)
			snprintf(name, size, "%s %s", kind == TRACE_AEX ? "AEX" : "fault", n);
		else
			snprintf(name, size, "%s vector %u", kind == TRACE_AEX ? "AEX" : "fault",
				 e->code);
		break;
	default: /* TRACE_IOCTL */
		if (e->code < 8)
			snprintf(name, size, "ioctl %s", ioctl_names[e->code]);
		else
			snprintf(name, size, "ioctl 0x%x", e->code);
		break;
	}
}

static void write_event(struct out *o, const char *sep, int pid, const struct trace_event *e,
			uint32_t kind)
{
	static const char *const cats[TRACE_KINDS] = {
		[TRACE_ENCLS] = "encls", [TRACE_ENCLU] = "enclu", [TRACE_AEX] = "aex",
		[TRACE_FAULT] = "fault", [TRACE_IOCTL] = "ioctl",
	};
	char name[64];
	unsigned long long us = e->ns / 1000, arg = e->arg;
	unsigned frac = (unsigned)(e->ns % 1000);

	event_name(e, kind, name, sizeof(name));
	out_printf(o, "%s{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"pid\":%d,"
		   "\"tid\":%d,\"ts\":%llu.%03u,\"args\":", sep, name, cats[kind], pid, e->tid,
		   us, frac);
	switch (kind) {
	case TRACE_ENCLS:
		out_printf(o, "{\"leaf\":%u}}", e->code);
		break;
	case TRACE_ENCLU:
		out_printf(o, "{\"leaf\":%u,\"rbx\":\"0x%llx\"}}", e->code, arg);
		break;
	case TRACE_AEX:
	case TRACE_FAULT:
		out_printf(o, "{\"vector\":%u,\"addr\":\"0x%llx\"}}", e->code, arg);
		break;
	default:
		out_printf(o, "{\"nr\":%u,\"result\":%lld}}", e->code, (long long)arg);
		break;
	}
}

void entry_trace_write(void)
{
	struct trace_event *buf = atomic_exchange(&trace_buf, NULL);
	struct out *o = &out;
	uint64_t n = atomic_load(&trace_next);
	int pid = (int)sgx_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	char tail[3], prog[256];
	const char *sep = ",\n";
	long size;

	if (!buf)
		return;
	if (n > TRACE_MAX_EVENTS)
		n = TRACE_MAX_EVENTS;
	o->fd = sgx_syscall6(SYS_openat, AT_FDCWD, (long)trace_path, O_RDWR | O_CREAT | O_CLOEXEC,
			     0644, 0, 0);
	if (o->fd < 0)
		return;
	o->len = 0;
	o->err = false;
	sgx_syscall6(SYS_flock, o->fd, LOCK_EX, 0, 0, 0, 0);
	/* Another process's events already there: continue its array. */
	size = sgx_syscall6(SYS_lseek, o->fd, 0, SEEK_END, 0, 0, 0);
	if (size >= 3 && sgx_syscall6(SYS_pread64, o->fd, (long)tail, 3, size - 3, 0, 0) == 3 &&
	    !memcmp(tail, "]}\n", 3)) {
		sgx_syscall6(SYS_lseek, o->fd, size - 3, SEEK_SET, 0, 0, 0);
	} else {
		sgx_syscall6(SYS_ftruncate, o->fd, 0, 0, 0, 0, 0);
		sgx_syscall6(SYS_lseek, o->fd, 0, SEEK_SET, 0, 0, 0);
		out_printf(o, "{\"traceEvents\":[\n");
		sep = "";
	}
	json_escape(program_invocation_name, prog, sizeof(prog));
	out_printf(o, "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
		   "\"args\":{\"name\":\"sgxemu\"}}", sep, pid, pid);
	out_printf(o, ",\n{\"name\":\"process_labels\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
		   "\"args\":{\"labels\":\"%s\"}}", pid, pid, prog);
	if (atomic_load(&trace_drops))
		out_printf(o, ",\n{\"name\":\"process_labels\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
			   "\"args\":{\"labels\":\"%llu events dropped (buffer full)\"}}", pid, pid,
			   (unsigned long long)atomic_load(&trace_drops));
	for (uint64_t i = 0; i < n; i++) {
		uint32_t kind = atomic_load_explicit(&buf[i].kind, memory_order_acquire);

		if (kind > 0 && kind < TRACE_KINDS)
			write_event(o, ",\n", pid, &buf[i], kind);
	}
	out_printf(o, "]}\n");
	out_flush(o);
	sgx_syscall6(SYS_close, o->fd, 0, 0, 0, 0, 0);
}
