/*
 * cmd_info.c - `sgxemu info`: what SGX software sees on the emulated
 * platform: CPUID leaf 7 SGX bits, leaf 0x12 sub-leaves 0, 1 and the EPC
 * sections, the launch-control MSRs and IA32_FEATURE_CONTROL.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sgxemu/sgxemu.h>

#include <asm/prctl.h>
#include <errno.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"
#include "commands.h"

struct bit_name {
	unsigned bit;
	const char *name;
};

static const struct bit_name leaf12_eax[] = {
	{ 0, "SGX1" }, { 1, "SGX2" }, { 5, "ENCLV" }, { 6, "ENCLS-C" },
	{ 7, "EVERIFYREPORT2" }, { 10, "EUPDATESVN" }, { 11, "EDECCSSA" },
};

static const struct bit_name attr_bits[] = {
	{ 0, "INIT" }, { 1, "DEBUG" }, { 2, "MODE64BIT" }, { 4, "PROVISIONKEY" },
	{ 5, "EINITTOKENKEY" }, { 6, "CET" }, { 7, "KSS" }, { 10, "AEXNOTIFY" },
};

static const struct bit_name misc_bits[] = {
	{ 0, "EXINFO" }, { 1, "CPINFO" },
};

static const struct bit_name xfrm_bits[] = {
	{ 0, "x87" }, { 1, "SSE" }, { 2, "AVX" }, { 3, "BNDREGS" }, { 4, "BNDCSR" },
	{ 5, "opmask" }, { 6, "ZMM_Hi256" }, { 7, "Hi16_ZMM" }, { 9, "PKRU" },
	{ 17, "XTILECFG" }, { 18, "XTILEDATA" },
};

/* Print the names of the set bits of v (unknown ones as bitN). */
static void print_bits(uint64_t v, const struct bit_name *names, size_t n)
{
	const char *sep = "";

	printf(" (");
	for (unsigned b = 0; b < 64; b++) {
		const char *name = NULL;

		if (!(v >> b & 1))
			continue;
		for (size_t i = 0; i < n; i++)
			if (names[i].bit == b)
				name = names[i].name;
		if (name)
			printf("%s%s", sep, name);
		else
			printf("%sbit%u", sep, b);
		sep = " ";
	}
	printf("%s)\n", *sep ? "" : "none");
}

static const char *yes_no(uint32_t v)
{
	return v ? "yes" : "no";
}

static void print_size(uint64_t bytes)
{
	if (bytes >= (1ull << 30) && !(bytes & ((1ull << 30) - 1)))
		printf("%" PRIu64 " GiB", bytes >> 30);
	else if (bytes >= (1ull << 20) && !(bytes & ((1ull << 20) - 1)))
		printf("%" PRIu64 " MiB", bytes >> 20);
	else if (bytes >= (1ull << 10) && !(bytes & ((1ull << 10) - 1)))
		printf("%" PRIu64 " KiB", bytes >> 10);
	else
		printf("%" PRIu64 " bytes", bytes);
}

/*
 * Can `sgxemu run` make CPUID trap (arch_prctl(ARCH_SET_CPUID, 0))? Probed in
 * a child so this process keeps a normal CPUID. Without faulting, programs
 * that execute CPUID themselves see the host's leaves 7 and 0x12, and CPUID
 * inside an enclave runs instead of raising #UD.
 */
static void print_cpuid_faulting(void)
{
	pid_t pid = fork();
	int status = 0;

	if (pid == 0)
		_exit(syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) == 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		printf("CPUID faulting: unknown (%s)\n", strerror(errno));
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		printf("CPUID faulting: available - `sgxemu run` answers CPUID leaves 7 and 0x12 "
		       "from this model, and CPUID in an enclave is #UD\n");
	else
		printf("CPUID faulting: not available on this CPU/kernel - programs that execute "
		       "CPUID see the host's leaves 7 and 0x12 (no SGX); software using the "
		       "Linux interface is unaffected\n");
}

static void print_platform(struct sgx_cpu *cpu)
{
	const struct sgx_cpu_config *cfg = sgx_cpu_get_config(cpu);
	uint32_t r[4];
	uint64_t v;
	const char *sep = "";

	printf("Features:");
	for (int f = 0; f < SGX_FEAT_COUNT; f++) {
		if (cfg->features & SGX_FEATURE_BIT(f)) {
			printf("%s%s", *sep ? sep : " ", sgx_feature_name(f));
			sep = ",";
		}
	}
	printf("%s\n", *sep ? "" : " none");
	print_cpuid_faulting();

	sgx_cpuid(cpu, 7, 0, r);
	printf("\nCPUID.(EAX=7,ECX=0)\n");
	printf("  EBX[2]  SGX     %s\n", yes_no(r[1] & CPUID_7_EBX_SGX));
	printf("  ECX[30] SGX_LC  %s\n", yes_no(r[2] & CPUID_7_ECX_SGX_LC));

	sgx_cpuid(cpu, 0x12, 0, r);
	printf("\nCPUID.(EAX=0x12,ECX=0): EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n",
	       r[0], r[1], r[2], r[3]);
	printf("  leaf functions  0x%08x", r[0]);
	print_bits(r[0], leaf12_eax, sizeof(leaf12_eax) / sizeof(leaf12_eax[0]));
	printf("  MISCSELECT      0x%08x", r[1]);
	print_bits(r[1], misc_bits, sizeof(misc_bits) / sizeof(misc_bits[0]));
	printf("  max enclave size, 64-bit: 2^%u bytes", (r[3] >> 8) & 0xff);
	if (((r[3] >> 8) & 0xff) < 64) {
		printf(" = ");
		print_size(1ull << ((r[3] >> 8) & 0xff));
	}
	printf("\n  max enclave size, 32-bit: 2^%u bytes", r[3] & 0xff);
	if ((r[3] & 0xff) < 64) {
		printf(" = ");
		print_size(1ull << (r[3] & 0xff));
	}
	printf("\n");

	sgx_cpuid(cpu, 0x12, 1, r);
	printf("\nCPUID.(EAX=0x12,ECX=1): EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n",
	       r[0], r[1], r[2], r[3]);
	v = (uint64_t)r[1] << 32 | r[0];
	printf("  allowed ATTRIBUTES  0x%016" PRIx64, v);
	print_bits(v, attr_bits, sizeof(attr_bits) / sizeof(attr_bits[0]));
	v = (uint64_t)r[3] << 32 | r[2];
	printf("  allowed XFRM        0x%016" PRIx64, v);
	print_bits(v, xfrm_bits, sizeof(xfrm_bits) / sizeof(xfrm_bits[0]));

	printf("\nEPC sections (CPUID.(EAX=0x12,ECX>=2))\n");
	for (uint32_t sub = 2; sub < 2 + 16; sub++) {
		uint64_t base, size;

		sgx_cpuid(cpu, 0x12, sub, r);
		if ((r[0] & 0xf) == 0) {
			if (sub == 2)
				printf("  none\n");
			break;
		}
		base = (r[0] & 0xfffff000ull) | ((uint64_t)(r[1] & 0xfffff) << 32);
		size = (r[2] & 0xfffff000ull) | ((uint64_t)(r[3] & 0xfffff) << 32);
		if ((r[0] & 0xf) != 1) {
			printf("  sub-leaf %u: unknown type %u\n", sub, r[0] & 0xf);
			break;
		}
		printf("  sub-leaf %u: base 0x%012" PRIx64 " size 0x%" PRIx64 " (", sub, base,
		       size);
		print_size(size);
		printf(") property %u\n", r[2] & 0xf);
	}

	printf("\nMSRs\n");
	if (sgx_rdmsr(cpu, MSR_IA32_FEATURE_CONTROL, &v) == 0)
		printf("  IA32_FEATURE_CONTROL (0x3a)  0x%016" PRIx64
		       " (LOCK %s, SGX_LC_ENABLED %s, SGX_ENABLE %s)\n",
		       v, yes_no(v & FEAT_CTL_LOCKED), yes_no(v & FEAT_CTL_SGX_LC_ENABLED),
		       yes_no(v & FEAT_CTL_SGX_ENABLED));
	else
		printf("  IA32_FEATURE_CONTROL (0x3a)  not readable (#GP)\n");
	for (uint32_t msr = MSR_IA32_SGXLEPUBKEYHASH0; msr <= MSR_IA32_SGXLEPUBKEYHASH3; msr++) {
		if (sgx_rdmsr(cpu, msr, &v) == 0)
			printf("  IA32_SGXLEPUBKEYHASH%u (0x%x)  0x%016" PRIx64 "\n",
			       msr - MSR_IA32_SGXLEPUBKEYHASH0, msr, v);
		else
			printf("  IA32_SGXLEPUBKEYHASH%u (0x%x)  not readable (#GP)\n",
			       msr - MSR_IA32_SGXLEPUBKEYHASH0, msr);
	}
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "features", required_argument, NULL, 'f' },
		{ "epc", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu;
	char err[256];
	int c, r;

	sgx_cpu_config_default(&cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (sgx_features_apply(optarg, &cfg.features, err, sizeof(err))) {
				cli_err("--features: %s", err);
				return EXIT_USAGE;
			}
			break;
		case 'e':
			if (cli_parse_size("--epc", optarg, &cfg.epc_size))
				return EXIT_USAGE;
			if (cfg.epc_size == 0 || cfg.epc_size % 4096) {
				cli_err("--epc: '%s' is not a positive multiple of 4096", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			usage();
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_err("info: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	r = sgx_cpu_create(&cfg, &cpu);
	if (r) {
		cli_err("cannot create the emulated CPU: %s", strerror(-r));
		return 1;
	}
	print_platform(cpu);
	sgx_cpu_destroy(cpu);
	return 0;
}
