/*
 * features.c - what the emulated CPU enumerates: the SGX feature set with its
 * dependency table, CPUID leaves 7 and 0x12, the MSRs (FEATURE_CONTROL and the
 * LE-hash MSRs of launch control), and the platform defaults.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "cpu/cpu.h"

static const char *const feature_names[SGX_FEAT_COUNT] = {
	[SGX_FEAT_SGX1] = "sgx1",
	[SGX_FEAT_SGX2] = "sgx2",
	[SGX_FEAT_EDECCSSA] = "edeccssa",
	[SGX_FEAT_AEXNOTIFY] = "aexnotify",
	[SGX_FEAT_KSS] = "kss",
	[SGX_FEAT_LC] = "lc",
};

/* Each feature's prerequisite; a CPU never enumerates one without the other. */
static const int feature_needs[SGX_FEAT_COUNT] = {
	[SGX_FEAT_SGX1] = -1,
	[SGX_FEAT_SGX2] = SGX_FEAT_SGX1,
	[SGX_FEAT_EDECCSSA] = SGX_FEAT_SGX1,
	[SGX_FEAT_AEXNOTIFY] = SGX_FEAT_EDECCSSA,
	[SGX_FEAT_KSS] = SGX_FEAT_SGX1,
	[SGX_FEAT_LC] = SGX_FEAT_SGX1,
};

const char *sgx_feature_name(enum sgx_feature f)
{
	return (unsigned)f < SGX_FEAT_COUNT ? feature_names[f] : "?";
}

int sgx_features_check(uint32_t features, char *err, size_t errlen)
{
	for (int f = 0; f < SGX_FEAT_COUNT; f++) {
		int need = feature_needs[f];

		if ((features & SGX_FEATURE_BIT(f)) && need >= 0 &&
		    !(features & SGX_FEATURE_BIT(need))) {
			snprintf(err, errlen, "feature '%s' requires '%s'",
				 feature_names[f], feature_names[need]);
			return f;
		}
	}
	if (features & ~((1u << SGX_FEAT_COUNT) - 1)) {
		snprintf(err, errlen, "unknown feature bits 0x%x", features);
		return SGX_FEAT_COUNT;
	}
	return -1;
}

static int feature_lookup(const char *name, size_t len)
{
	for (int f = 0; f < SGX_FEAT_COUNT; f++)
		if (strlen(feature_names[f]) == len && !strncmp(feature_names[f], name, len))
			return f;
	return -1;
}

/* Clear f and, transitively, every feature that depends on it. */
static uint32_t clear_with_dependents(uint32_t features, int f)
{
	features &= ~SGX_FEATURE_BIT(f);
	for (int g = 0; g < SGX_FEAT_COUNT; g++)
		if (feature_needs[g] == f && (features & SGX_FEATURE_BIT(g)))
			features = clear_with_dependents(features, g);
	return features;
}

int sgx_features_apply(const char *spec, uint32_t *features, char *err, size_t errlen)
{
	uint32_t result = *features, added = 0;
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		bool remove = false;
		const char *name = p;
		int f;

		if (*name == '+' || *name == '-') {
			remove = *name == '-';
			name++;
			len--;
		}
		f = len ? feature_lookup(name, len) : -1;
		if (f < 0) {
			snprintf(err, errlen, "unknown feature '%.*s' (known: sgx1, sgx2, "
				 "edeccssa, aexnotify, kss, lc)", (int)len, name);
			return -1;
		}
		if (remove) {
			result = clear_with_dependents(result, f);
			added &= ~SGX_FEATURE_BIT(f);
		} else {
			result |= SGX_FEATURE_BIT(f);
			added |= SGX_FEATURE_BIT(f);
		}
		p += (name - p) + len;
		if (*p == ',')
			p++;
	}
	/* A feature the spec asked for explicitly must not silently vanish. */
	for (int f = 0; f < SGX_FEAT_COUNT; f++) {
		int need = feature_needs[f];

		if ((added & SGX_FEATURE_BIT(f)) && need >= 0 &&
		    !(result & SGX_FEATURE_BIT(need))) {
			snprintf(err, errlen, "feature '%s' requires '%s', which is disabled",
				 feature_names[f], feature_names[need]);
			return -1;
		}
	}
	*features = result;
	return 0;
}

static uint64_t host_xcr0(void)
{
	unsigned int a, b, c, d;
	uint32_t lo, hi;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return SGX_XFRM_LEGACY;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

void sgx_cpu_config_default(struct sgx_cpu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->epc_size = 128ull << 20;
	cfg->epc_phys_base = 0x80200000ull;
	/* What the CPU model implements today; later leaves extend it. */
	cfg->features = SGX_FEATURE_BIT(SGX_FEAT_SGX1) | SGX_FEATURE_BIT(SGX_FEAT_SGX2) |
			SGX_FEATURE_BIT(SGX_FEAT_KSS) |
			SGX_FEATURE_BIT(SGX_FEAT_LC) | SGX_FEATURE_BIT(SGX_FEAT_EDECCSSA) |
			SGX_FEATURE_BIT(SGX_FEAT_AEXNOTIFY);
	cfg->max_enclave_size_64 = 36;
	cfg->max_enclave_size_32 = 31;
	cfg->xfrm_allowed = host_xcr0() | SGX_XFRM_LEGACY;
	cfg->cpusvn[0] = 1;
	/* SGXOWNEREPOCH is set by the platform owner and rarely changes: zero,
	 * so that seal keys depend only on the root key and the enclave. */
	if (RAND_bytes(cfg->root_key, sizeof(cfg->root_key)) != 1) {
		/* No entropy source: keys still work, just not secret. */
		memset(cfg->root_key, 0x5a, sizeof(cfg->root_key));
	}
}

uint64_t cpu_allowed_attributes(const struct sgx_cpu *cpu)
{
	uint64_t a = SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_PROVISIONKEY |
		     SGX_ATTR_EINITTOKENKEY;

	if (cpu_has(cpu, SGX_FEAT_KSS))
		a |= SGX_ATTR_KSS;
	if (cpu_has(cpu, SGX_FEAT_AEXNOTIFY))
		a |= SGX_ATTR_AEXNOTIFY;
	return a;
}

uint32_t cpu_supported_miscselect(const struct sgx_cpu *cpu)
{
	(void)cpu;
	return SGX_MISC_EXINFO;
}

uint32_t xsave_size(uint64_t xfrm)
{
	uint32_t size = SGX_XSAVE_LEGACY_SIZE;

	for (unsigned i = 2; i < 63; i++) {
		unsigned int a, b, c, d;

		if (!(xfrm & (1ull << i)))
			continue;
		__cpuid_count(0xD, i, a, b, c, d);
		(void)c;
		(void)d;
		if (a && b + a > size)
			size = b + a;
	}
	return size;
}

void sgx_cpuid(const struct sgx_cpu *cpu, uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	const struct sgx_cpu_config *cfg = &cpu->cfg;
	uint64_t attrs;

	memset(r, 0, 4 * sizeof(uint32_t));
	if (!cpu_has(cpu, SGX_FEAT_SGX1))
		return;
	if (leaf == 7 && subleaf == 0) {
		r[1] = CPUID_7_EBX_SGX;
		if (cpu_has(cpu, SGX_FEAT_LC))
			r[2] = CPUID_7_ECX_SGX_LC;
		return;
	}
	if (leaf != 0x12)
		return;
	switch (subleaf) {
	case 0:
		r[0] = CPUID_12_EAX_SGX1;
		if (cpu_has(cpu, SGX_FEAT_SGX2))
			r[0] |= CPUID_12_EAX_SGX2;
		if (cpu_has(cpu, SGX_FEAT_EDECCSSA))
			r[0] |= CPUID_12_EAX_EDECCSSA;
		r[1] = cpu_supported_miscselect(cpu);
		r[3] = (uint32_t)cfg->max_enclave_size_64 << 8 | cfg->max_enclave_size_32;
		break;
	case 1:
		attrs = cpu_allowed_attributes(cpu);
		r[0] = (uint32_t)attrs;
		r[1] = (uint32_t)(attrs >> 32);
		r[2] = (uint32_t)cfg->xfrm_allowed;
		r[3] = (uint32_t)(cfg->xfrm_allowed >> 32);
		break;
	case 2:
		/* One EPC section; property 1 = confidentiality and integrity. */
		r[0] = (uint32_t)(cfg->epc_phys_base & 0xFFFFF000u) | 1;
		r[1] = (uint32_t)(cfg->epc_phys_base >> 32) & 0xFFFFF;
		r[2] = (uint32_t)(cfg->epc_size & 0xFFFFF000u) | 1;
		r[3] = (uint32_t)(cfg->epc_size >> 32) & 0xFFFFF;
		break;
	default:
		break; /* type 0: end of the EPC section list */
	}
}

int sgx_rdmsr(struct sgx_cpu *cpu, uint32_t msr, uint64_t *val)
{
	struct sgx_fault f;

	if (msr == MSR_IA32_FEATURE_CONTROL) {
		*val = cpu->feature_control;
		return 0;
	}
	/* The LE-hash MSRs exist only on CPUs that enumerate SGX_LC. */
	if (msr >= MSR_IA32_SGXLEPUBKEYHASH0 && msr <= MSR_IA32_SGXLEPUBKEYHASH3 &&
	    cpu_has(cpu, SGX_FEAT_LC)) {
		*val = cpu->lepubkeyhash[msr - MSR_IA32_SGXLEPUBKEYHASH0];
		return 0;
	}
	return fault_gp(&f);
}

int sgx_wrmsr(struct sgx_cpu *cpu, uint32_t msr, uint64_t val)
{
	struct sgx_fault f;

	/* FEATURE_CONTROL is locked by "firmware" at reset. */
	if (msr >= MSR_IA32_SGXLEPUBKEYHASH0 && msr <= MSR_IA32_SGXLEPUBKEYHASH3 &&
	    cpu_has(cpu, SGX_FEAT_LC) && (cpu->feature_control & FEAT_CTL_SGX_LC_ENABLED)) {
		cpu->lepubkeyhash[msr - MSR_IA32_SGXLEPUBKEYHASH0] = val;
		return 0;
	}
	return fault_gp(&f);
}
