/*
 * test_platform.c - what the emulated CPU enumerates: CPUID leaves 7 and
 * 0x12, the feature-set spec parser and its dependency rules, the MSRs, and
 * ECREATE's dependence on the enumerated features (fact sheet 13, 3.1).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cpuhelp.h"

#define GP (SGX_LEAF_FAULT | X86_TRAP_GP)
#define BIT(f) SGX_FEATURE_BIT(f)

static struct sgx_cpu *make_cpu(const char *spec, struct sgx_cpu_config *out_cfg,
				uint64_t epc_base, uint64_t epc_size)
{
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu = NULL;
	char err[256];
	int rc;

	sgx_cpu_config_default(&cfg);
	if (epc_size) {
		cfg.epc_phys_base = epc_base;
		cfg.epc_size = epc_size;
	} else {
		cfg.epc_size = 8ull << 20;
	}
	if (spec)
		cr_assert_eq(sgx_features_apply(spec, &cfg.features, err, sizeof(err)), 0,
			     "spec '%s': %s", spec, err);
	rc = sgx_cpu_create(&cfg, &cpu);
	cr_assert_eq(rc, 0, "sgx_cpu_create (features 0x%x): %d", cfg.features, rc);
	if (out_cfg)
		*out_cfg = cfg;
	return cpu;
}

/* ---- CPUID ---- */

static void check_cpuid(const char *spec)
{
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu = make_cpu(spec, &cfg, 0, 0);
	uint32_t r[4];
	uint32_t f = cfg.features;
	uint64_t attrs, xfrm;
	const char *s = spec ? spec : "(default)";

	sgx_cpuid(cpu, 7, 0, r);
	cr_assert(r[1] & CPUID_7_EBX_SGX, "%s: CPUID.7.0:EBX[2] (SGX) clear", s);
	cr_assert_eq(r[1], CPUID_7_EBX_SGX, "%s: CPUID.7.0:EBX has non-SGX bits 0x%x", s, r[1]);
	cr_assert_eq(!!(r[2] & CPUID_7_ECX_SGX_LC), !!(f & BIT(SGX_FEAT_LC)),
		     "%s: CPUID.7.0:ECX[30] (SGX_LC) = %d, feature lc = %d", s,
		     !!(r[2] & CPUID_7_ECX_SGX_LC), !!(f & BIT(SGX_FEAT_LC)));
	cr_assert_eq(r[2] & ~CPUID_7_ECX_SGX_LC, 0, "%s: CPUID.7.0:ECX other bits", s);
	cr_assert_eq(r[0] | r[3], 0, "%s: CPUID.7.0 EAX/EDX non-zero", s);

	sgx_cpuid(cpu, 0x12, 0, r);
	cr_assert(r[0] & CPUID_12_EAX_SGX1, "%s: CPUID.12.0:EAX[0] (SGX1) clear", s);
	cr_assert_eq(!!(r[0] & CPUID_12_EAX_SGX2), !!(f & BIT(SGX_FEAT_SGX2)),
		     "%s: CPUID.12.0:EAX[1] (SGX2) mismatch", s);
	cr_assert_eq(!!(r[0] & CPUID_12_EAX_EDECCSSA), !!(f & BIT(SGX_FEAT_EDECCSSA)),
		     "%s: CPUID.12.0:EAX[11] (EDECCSSA) mismatch", s);
	cr_assert_eq(r[0] & ~(CPUID_12_EAX_SGX1 | CPUID_12_EAX_SGX2 | CPUID_12_EAX_EDECCSSA), 0,
		     "%s: CPUID.12.0:EAX enumerates unimplemented leaves: 0x%x", s, r[0]);
	cr_assert(r[1] & SGX_MISC_EXINFO, "%s: CPUID.12.0:EBX lacks EXINFO", s);
	cr_assert_eq(r[1] & ~3u, 0, "%s: CPUID.12.0:EBX reserved MISCSELECT bits 0x%x", s, r[1]);
	cr_assert_eq(r[2], 0, "%s: CPUID.12.0:ECX reserved", s);
	cr_assert_eq(r[3], (uint32_t)cfg.max_enclave_size_64 << 8 | cfg.max_enclave_size_32,
		     "%s: CPUID.12.0:EDX 0x%x", s, r[3]);
	cr_assert_eq(r[3], 36u << 8 | 31u, "%s: default max enclave sizes", s);

	sgx_cpuid(cpu, 0x12, 1, r);
	attrs = (uint64_t)r[1] << 32 | r[0];
	xfrm = (uint64_t)r[3] << 32 | r[2];
	cr_assert_eq(attrs & SGX_ATTR_INIT, 0, "%s: INIT may not be allowed", s);
	cr_assert(attrs & SGX_ATTR_DEBUG && attrs & SGX_ATTR_MODE64BIT,
		  "%s: DEBUG/MODE64BIT not allowed (0x%llx)", s, (unsigned long long)attrs);
	cr_assert_eq(!!(attrs & SGX_ATTR_KSS), !!(f & BIT(SGX_FEAT_KSS)), "%s: KSS attribute", s);
	cr_assert_eq(!!(attrs & SGX_ATTR_AEXNOTIFY), !!(f & BIT(SGX_FEAT_AEXNOTIFY)),
		     "%s: AEXNOTIFY attribute", s);
	cr_assert_eq(attrs & SGX_ATTR_ARCH_RESERVED, 0, "%s: reserved attribute bits allowed", s);
	cr_assert_eq(xfrm, cfg.xfrm_allowed, "%s: CPUID.12.1 XFRM 0x%llx, config 0x%llx", s,
		     (unsigned long long)xfrm, (unsigned long long)cfg.xfrm_allowed);
	cr_assert_eq(xfrm & 3, 3, "%s: XFRM x87|SSE not allowed", s);

	sgx_cpuid(cpu, 0x12, 3, r);
	cr_assert_eq(r[0] & 0xf, 0, "%s: CPUID.12.3 type %u, expected 0 (end of list)", s,
		     r[0] & 0xf);
	sgx_cpuid(cpu, 0x13, 0, r);
	cr_assert_eq(r[0] | r[1] | r[2] | r[3], 0, "%s: other leaves must be zero", s);
	sgx_cpu_destroy(cpu);
}

Test(platform, cpuid_default)
{
	check_cpuid(NULL);
}

Test(platform, cpuid_feature_sets)
{
	check_cpuid("+sgx2");
	check_cpuid("+sgx2,+edeccssa,+aexnotify");
	check_cpuid("-kss,-lc");
	check_cpuid("+edeccssa,+aexnotify,-sgx2");
}

static void check_epc_section(uint64_t base, uint64_t size)
{
	struct sgx_cpu *cpu = make_cpu(NULL, NULL, base, size);
	uint32_t r[4];
	uint64_t b, sz;

	sgx_cpuid(cpu, 0x12, 2, r);
	cr_assert_eq(r[0] & 0xf, 1, "CPUID.12.2 type %u, expected 1 (EPC section)", r[0] & 0xf);
	b = (r[0] & 0xfffff000ull) + ((uint64_t)(r[1] & 0xfffff) << 32);
	sz = (r[2] & 0xfffff000ull) + ((uint64_t)(r[3] & 0xfffff) << 32);
	cr_assert_eq(b, base, "EPC base decodes to 0x%llx, configured 0x%llx",
		     (unsigned long long)b, (unsigned long long)base);
	cr_assert_eq(sz, size, "EPC size decodes to 0x%llx, configured 0x%llx",
		     (unsigned long long)sz, (unsigned long long)size);
	cr_assert_eq(r[1] & ~0xfffffu, 0, "CPUID.12.2:EBX reserved bits");
	cr_assert_eq(r[3] & ~0xfffffu, 0, "CPUID.12.2:EDX reserved bits");
	cr_assert_eq(sgx_epc_nr_frames(cpu), size / 4096);
	sgx_cpuid(cpu, 0x12, 3, r);
	cr_assert_eq(r[0] & 0xf, 0, "CPUID.12.3 must end the section list");
	sgx_cpu_destroy(cpu);
}

Test(platform, cpuid_epc_sections)
{
	check_epc_section(0x80200000ull, 8ull << 20);
	check_epc_section(0x0000012345678000ull, 0x3ff000ull); /* base above 4 GiB */
	check_epc_section(0x00000fff00000000ull, 1ull << 20);
}

Test(platform, cpuid_no_sgx1)
{
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu = NULL;
	uint32_t r[4];

	/* A CPU without SGX1 enumerates nothing (if the model allows one). */
	sgx_cpu_config_default(&cfg);
	cfg.epc_size = 1 << 20;
	cfg.features = 0;
	if (sgx_cpu_create(&cfg, &cpu))
		cr_skip_test("the model refuses a CPU without sgx1");
	sgx_cpuid(cpu, 7, 0, r);
	cr_assert_eq(r[1] & CPUID_7_EBX_SGX, 0, "SGX enumerated without sgx1");
	sgx_cpuid(cpu, 0x12, 0, r);
	cr_assert_eq(r[0], 0, "CPUID.12.0:EAX 0x%x without sgx1", r[0]);
	sgx_cpu_destroy(cpu);
}

/* ---- feature specs ---- */

Test(platform, features_apply)
{
	struct sgx_cpu_config cfg;
	uint32_t f;
	char err[256];
	const uint32_t all = BIT(SGX_FEAT_SGX1) | BIT(SGX_FEAT_SGX2) | BIT(SGX_FEAT_EDECCSSA) |
			     BIT(SGX_FEAT_AEXNOTIFY) | BIT(SGX_FEAT_KSS) | BIT(SGX_FEAT_LC);

	sgx_cpu_config_default(&cfg);
	cr_assert_eq(sgx_features_check(cfg.features, err, sizeof(err)), -1,
		     "default feature set inconsistent: %s", err);
	cr_assert(cfg.features & BIT(SGX_FEAT_SGX1));

	f = cfg.features | BIT(SGX_FEAT_EDECCSSA) | BIT(SGX_FEAT_AEXNOTIFY);
	cr_assert_eq(sgx_features_apply("+sgx2,-aexnotify", &f, err, sizeof(err)), 0, "%s", err);
	cr_assert(f & BIT(SGX_FEAT_SGX2), "+sgx2 not applied");
	cr_assert_eq(f & BIT(SGX_FEAT_AEXNOTIFY), 0, "-aexnotify not applied");
	cr_assert(f & BIT(SGX_FEAT_EDECCSSA), "-aexnotify removed edeccssa");

	f = all;
	cr_assert_eq(sgx_features_apply("-sgx1", &f, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(f, 0, "-sgx1 left 0x%x", f);

	f = all;
	cr_assert_eq(sgx_features_apply("-edeccssa", &f, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(f, all & ~(BIT(SGX_FEAT_EDECCSSA) | BIT(SGX_FEAT_AEXNOTIFY)),
		     "-edeccssa must also remove aexnotify: 0x%x", f);

	f = BIT(SGX_FEAT_SGX1);
	cr_assert_eq(sgx_features_apply("sgx2,kss", &f, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(f, BIT(SGX_FEAT_SGX1) | BIT(SGX_FEAT_SGX2) | BIT(SGX_FEAT_KSS));

	f = BIT(SGX_FEAT_SGX1);
	cr_assert_eq(sgx_features_apply("+edeccssa,+aexnotify", &f, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert(f & BIT(SGX_FEAT_AEXNOTIFY));

	f = all;
	err[0] = 0;
	cr_assert_eq(sgx_features_apply("+aexnotify,-edeccssa", &f, err, sizeof(err)), -1,
		     "+aexnotify with -edeccssa accepted");
	cr_assert(err[0], "no error message");
	cr_assert_eq(f, all, "failed spec changed the feature set");

	f = BIT(SGX_FEAT_SGX1);
	cr_assert_eq(sgx_features_apply("+aexnotify", &f, err, sizeof(err)), -1,
		     "+aexnotify without edeccssa accepted");

	f = all;
	err[0] = 0;
	cr_assert_eq(sgx_features_apply("+sgx3", &f, err, sizeof(err)), -1, "unknown name");
	cr_assert(err[0], "no error message for an unknown name");
	cr_assert_eq(sgx_features_apply("sgx2,,kss", &f, err, sizeof(err)), -1, "empty name");

	cr_assert_geq(sgx_features_check(BIT(SGX_FEAT_SGX2), err, sizeof(err)), 0);
	cr_assert_eq(sgx_features_check(BIT(SGX_FEAT_AEXNOTIFY) | BIT(SGX_FEAT_SGX1), err,
					sizeof(err)),
		     SGX_FEAT_AEXNOTIFY);
	cr_assert_str_eq(sgx_feature_name(SGX_FEAT_AEXNOTIFY), "aexnotify");
	cr_assert_str_eq(sgx_feature_name(SGX_FEAT_LC), "lc");
}

Test(platform, create_rejects_inconsistent_features)
{
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu = NULL;

	sgx_cpu_config_default(&cfg);
	cfg.epc_size = 1 << 20;
	cfg.features = BIT(SGX_FEAT_SGX1) | BIT(SGX_FEAT_AEXNOTIFY);
	cr_assert_neq(sgx_cpu_create(&cfg, &cpu), 0, "aexnotify without edeccssa accepted");
	cfg.features = BIT(SGX_FEAT_SGX1);
	cfg.epc_size = 4097;
	cr_assert_neq(sgx_cpu_create(&cfg, &cpu), 0, "EPC size not a multiple of 4096");
}

/* ---- MSRs ---- */

Test(platform, msr_reset_and_write)
{
	static const uint64_t intel[4] = {
		SGX_LEPUBKEYHASH_DEFAULT0, SGX_LEPUBKEYHASH_DEFAULT1,
		SGX_LEPUBKEYHASH_DEFAULT2, SGX_LEPUBKEYHASH_DEFAULT3,
	};
	struct sgx_cpu *cpu = make_cpu(NULL, NULL, 0, 0);
	uint64_t v;

	cr_assert_eq(intel[0], 0xa6053e051270b7acull); /* fact sheet 13.5 */
	cr_assert_eq(intel[3], 0xd4f8c05909f9bb3bull);
	for (uint32_t i = 0; i < 4; i++) {
		cr_assert_eq(sgx_rdmsr(cpu, 0x8C + i, &v), 0, "RDMSR 0x%x", 0x8C + i);
		cr_assert_eq(v, intel[i], "MSR 0x%x reset value 0x%llx", 0x8C + i,
			     (unsigned long long)v);
	}
	cr_assert_eq(sgx_rdmsr(cpu, MSR_IA32_FEATURE_CONTROL, &v), 0);
	cr_assert(v & FEAT_CTL_SGX_ENABLED, "FEATURE_CONTROL.SGX_ENABLE clear: 0x%llx",
		  (unsigned long long)v);
	cr_assert(v & FEAT_CTL_SGX_LC_ENABLED, "FEATURE_CONTROL.LC_ENABLED clear with lc");
	for (uint32_t i = 0; i < 4; i++)
		cr_assert_eq(sgx_wrmsr(cpu, 0x8C + i, 0x1111111111111111ull * (i + 1)), 0,
			     "WRMSR 0x%x with LC", 0x8C + i);
	for (uint32_t i = 0; i < 4; i++) {
		cr_assert_eq(sgx_rdmsr(cpu, 0x8C + i, &v), 0);
		cr_assert_eq(v, 0x1111111111111111ull * (i + 1), "MSR 0x%x read back", 0x8C + i);
	}
	cr_assert_eq(sgx_rdmsr(cpu, 0x8B, &v), GP, "RDMSR 0x8B must #GP");
	cr_assert_eq(sgx_rdmsr(cpu, 0x90, &v), GP, "RDMSR 0x90 must #GP");
	cr_assert_eq(sgx_wrmsr(cpu, 0x90, 0), GP, "WRMSR 0x90 must #GP");
	cr_assert_eq(sgx_wrmsr(cpu, 0x10, 0), GP, "WRMSR 0x10 must #GP");
	sgx_cpu_destroy(cpu);
}

Test(platform, msr_write_without_lc)
{
	struct sgx_cpu *cpu = make_cpu("-lc", NULL, 0, 0);
	uint64_t v;

	for (uint32_t i = 0; i < 4; i++)
		cr_assert_eq(sgx_wrmsr(cpu, 0x8C + i, 0), GP, "WRMSR 0x%x without LC must #GP",
			     0x8C + i);
	cr_assert_eq(sgx_rdmsr(cpu, MSR_IA32_FEATURE_CONTROL, &v), 0);
	cr_assert_eq(v & FEAT_CTL_SGX_LC_ENABLED, 0, "LC_ENABLED set on a CPU without LC");
	sgx_cpu_destroy(cpu);
}

/* ---- ECREATE vs enumerated features ---- */

static int ecreate_attr(struct sgx_cpu *cpu, uint64_t attrs, struct sgx_fault *f)
{
	struct sgx_secs *s = th_secs_template(0x2000);
	int rc;

	s->attributes.flags = attrs;
	rc = th_ecreate_raw(cpu, 0, s, 0, 0, SGX_SECINFO_SECS, f);
	free(s);
	return rc;
}

Test(platform, ecreate_aexnotify_attribute)
{
	struct sgx_cpu *cpu = make_cpu("-aexnotify", NULL, 0, 0);
	struct sgx_epcm_info info;
	struct sgx_fault f;
	int rc;

	rc = ecreate_attr(cpu, SGX_ATTR_MODE64BIT | SGX_ATTR_AEXNOTIFY, &f);
	cr_assert_eq(rc, GP, "ECREATE with AEXNOTIFY, CPU without aexnotify: %s",
		     th_outcome(rc, &f));
	cr_assert_eq(sgx_epcm_query(cpu, 0, &info), 0);
	cr_assert(!info.valid, "failed ECREATE left a valid EPCM entry");
	sgx_cpu_destroy(cpu);

	cpu = make_cpu("+edeccssa,+aexnotify", NULL, 0, 0);
	rc = ecreate_attr(cpu, SGX_ATTR_MODE64BIT | SGX_ATTR_AEXNOTIFY, &f);
	cr_assert_eq(rc, 0, "ECREATE with AEXNOTIFY, CPU with aexnotify: %s", th_outcome(rc, &f));
	sgx_cpu_destroy(cpu);
}

Test(platform, ecreate_max_enclave_size)
{
	struct sgx_cpu_config cfg;
	struct sgx_cpu *cpu = NULL;
	struct sgx_secs *s;
	struct sgx_fault f;
	int rc;

	/* SIZE must be < 2^MaxEnclaveSize_64 (fact sheet 6.1). */
	sgx_cpu_config_default(&cfg);
	cfg.epc_size = 1 << 20;
	cfg.max_enclave_size_64 = 20;
	cr_assert_eq(sgx_cpu_create(&cfg, &cpu), 0);
	s = th_secs_template(1ull << 20);
	rc = th_ecreate_raw(cpu, 0, s, 0, 0, SGX_SECINFO_SECS, &f);
	cr_assert_eq(rc, GP, "SIZE 2^20 with MaxEnclaveSize_64 20: %s", th_outcome(rc, &f));
	free(s);
	s = th_secs_template(1ull << 19);
	rc = th_ecreate_raw(cpu, 0, s, 0, 0, SGX_SECINFO_SECS, &f);
	cr_assert_eq(rc, 0, "SIZE 2^19 with MaxEnclaveSize_64 20: %s", th_outcome(rc, &f));
	free(s);
	sgx_cpu_destroy(cpu);
}
