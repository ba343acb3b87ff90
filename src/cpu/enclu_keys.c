/*
 * enclu_keys.c - the ENCLU leaves that hand out identity and keys: EREPORT
 * (leaf 0) and EGETKEY (leaf 1), fact sheet sections 8.1-8.6.
 *
 * This file owns the operand checks of both leaves, the REPORT body built
 * from the current SECS, the per-CPU CR_REPORT_KEYID, and the filling of the
 * KEYDEPENDENCIES (struct sgx_keydep) for every KEYNAME: the REPORT column
 * with a TARGETINFO's values for EREPORT, each column of 8.6 for EGETKEY.
 * The derivation itself (derive_key, seal_key_fuses) lives in keys.c; the
 * EINITTOKEN column here fills exactly the fields sgx_einittoken_key() fills,
 * so a launch enclave's key MACs tokens that EINIT accepts.
 *
 * Both leaves run with cpu->lock held and lp in enclave mode (enclu.c). They
 * copy their inputs before writing any output, so operands may overlap.
 */
#include <string.h>

#include "cpu/encls.h"

#define RFLAGS_CF 0x1ull
#define RFLAGS_PF 0x4ull
#define RFLAGS_AF 0x10ull
#define RFLAGS_ZF 0x40ull
#define RFLAGS_SF 0x80ull
#define RFLAGS_OF 0x800ull
#define RFLAGS_EGETKEY_CLEARED (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | \
				RFLAGS_OF)

#define ENCLU_INSN_LEN 3

/*
 * CR_REPORT_KEYID: hardware picks it at random per boot. sgxemu derives it
 * from the platform root key, so it is per platform, stable across runs of
 * the same configuration, and needs no state in struct sgx_cpu.
 */
static void report_keyid(const struct sgx_cpu *cpu, uint8_t keyid[32])
{
	static const char label0[] = "sgxemu CR_REPORT_KEYID 0";
	static const char label1[] = "sgxemu CR_REPORT_KEYID 1";

	sgx_cmac(cpu->cfg.root_key, label0, sizeof(label0), keyid);
	sgx_cmac(cpu->cfg.root_key, label1, sizeof(label1), keyid + 16);
}

/*
 * One ENCLU memory operand: inside ELRANGE was checked by the caller; here
 * the page walk and EPCM checks, then a pointer into the frame. The operand
 * never crosses a page (its alignment is at least its size, or 512 for the
 * 432-byte REPORT).
 */
static int operand(struct sgx_cpu *cpu, const struct sgx_lp *lp, uint64_t la, unsigned access,
		   uint8_t **out, struct sgx_fault *f)
{
	uint64_t frame;
	int ret = enclave_page(cpu, lp->secs_frame, la, access, SGX_PT_REG, &frame, f);

	if (ret)
		return ret;
	*out = (uint8_t *)frame_ptr(cpu, frame) + (la & 0xFFF);
	return 0;
}

/* The REPORT key of the enclave a TARGETINFO describes (8.4 step 3). */
static void target_report_key(const struct sgx_cpu *cpu, const struct sgx_secs_hidden *hidden,
			      const struct sgx_targetinfo *ti, const uint8_t keyid[32],
			      uint8_t key[16])
{
	struct sgx_keydep dep;

	memset(&dep, 0, sizeof(dep));
	dep.keyname = SGX_KEYNAME_REPORT;
	memcpy(dep.owner_epoch, cpu->cfg.owner_epoch, 16);
	dep.attributes = ti->attributes;
	memcpy(dep.mrenclave, ti->measurement, 32);
	memcpy(dep.keyid, keyid, 32);
	seal_key_fuses(cpu, dep.seal_key_fuses);
	memcpy(dep.cpusvn, cpu->cfg.cpusvn, 16);
	/* EREPORT takes the current enclave's PADDING where EGETKEY(REPORT)
	 * takes the hard-coded prefix (8.4, 8.6); equal for every enclave
	 * whose SIGSTRUCT verified. */
	memcpy(dep.padding, hidden->padding, 352);
	dep.miscselect = ti->miscselect;
	memcpy(dep.config_id, ti->config_id, 64);
	dep.config_svn = ti->config_svn;
	/* TARGETINFO.CET_ATTRIBUTES has no place in the key: CET is not
	 * modelled (ECREATE keeps SECS.CET_ATTRIBUTES 0). */
	derive_key(cpu, &dep, key);
}

int __ereport(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f)
{
	const struct sgx_secs *secs = secs_page(cpu, lp->secs_frame);
	const struct sgx_secs_hidden *hidden = cpu->hidden[lp->secs_frame];
	uint64_t ti_la = regs->rbx, data_la = regs->rcx, out_la = regs->rdx;
	uint8_t *ti_p, *data_p, *out_p;
	struct sgx_targetinfo ti;
	struct sgx_report report;
	uint8_t key[16];
	int ret;

	if (!is_aligned(ti_la, 512) || !is_aligned(data_la, 128) || !is_aligned(out_la, 512))
		return fault_gp(f);
	if (!sgx_lp_in_elrange(lp, ti_la) || !sgx_lp_in_elrange(lp, data_la) ||
	    !sgx_lp_in_elrange(lp, out_la))
		return fault_gp(f);
	ret = operand(cpu, lp, ti_la, SGX_ACCESS_READ, &ti_p, f);
	if (ret)
		return ret;
	ret = operand(cpu, lp, data_la, SGX_ACCESS_READ, &data_p, f);
	if (ret)
		return ret;
	ret = operand(cpu, lp, out_la, SGX_ACCESS_WRITE, &out_p, f);
	if (ret)
		return ret;

	memcpy(&ti, ti_p, sizeof(ti));
	if (ti.reserved1 || !mem_all_zero(ti.reserved2, sizeof(ti.reserved2)) ||
	    !mem_all_zero(ti.reserved3, sizeof(ti.reserved3)))
		return fault_gp(f);

	memset(&report, 0, sizeof(report));
	memcpy(report.body.cpusvn, cpu->cfg.cpusvn, 16);
	report.body.miscselect = secs->miscselect;
	report.body.cet_attributes = 0;
	memcpy(report.body.isv_ext_prod_id, hidden->isv_ext_prod_id, 16);
	report.body.attributes = secs->attributes;
	memcpy(report.body.mrenclave, secs->mrenclave, 32);
	memcpy(report.body.mrsigner, secs->mrsigner, 32);
	memcpy(report.body.config_id, secs->config_id, 64);
	report.body.isv_prod_id = secs->isv_prod_id;
	report.body.isv_svn = secs->isv_svn;
	report.body.config_svn = secs->config_svn;
	memcpy(report.body.isv_family_id, hidden->isv_family_id, 16);
	memcpy(report.body.report_data, data_p, 64);
	report_keyid(cpu, report.keyid);

	target_report_key(cpu, hidden, &ti, report.keyid, key);
	sgx_cmac(key, &report.body, sizeof(report.body), report.mac);
	memcpy(out_p, &report, SGX_REPORT_SIZE);
	memset(key, 0, sizeof(key));
	regs->rip += ENCLU_INSN_LEN;
	return 0;
}

/* The per-KEYNAME checks of 8.5 step 4, in the architectural order. */
static int egetkey_key_checks(const struct sgx_cpu *cpu, const struct sgx_secs *secs,
			      const struct sgx_keyrequest *req)
{
	switch (req->keyname) {
	case SGX_KEYNAME_SEAL:
		if (!cpusvn_ok(cpu, req->cpusvn))
			return SGX_INVALID_CPUSVN;
		if (req->isv_svn > secs->isv_svn || req->config_svn > secs->config_svn)
			return SGX_INVALID_ISVSVN;
		return 0;
	case SGX_KEYNAME_REPORT:
		return 0;
	case SGX_KEYNAME_EINITTOKEN:
		if (!(secs->attributes.flags & SGX_ATTR_EINITTOKENKEY))
			return SGX_INVALID_ATTRIBUTE;
		break;
	case SGX_KEYNAME_PROVISION:
	case SGX_KEYNAME_PROVISION_SEAL:
		if (!(secs->attributes.flags & SGX_ATTR_PROVISIONKEY))
			return SGX_INVALID_ATTRIBUTE;
		break;
	default:
		return SGX_INVALID_KEYNAME;
	}
	if (!cpusvn_ok(cpu, req->cpusvn))
		return SGX_INVALID_CPUSVN;
	if (req->isv_svn > secs->isv_svn)
		return SGX_INVALID_ISVSVN;
	return 0;
}

/* KEYDEPENDENCIES for an EGETKEY request that passed its checks (8.6). */
static void egetkey_keydep(const struct sgx_cpu *cpu, const struct sgx_secs *secs,
			   const struct sgx_secs_hidden *hidden,
			   const struct sgx_keyrequest *req, struct sgx_keydep *dep)
{
	uint16_t pol = req->keypolicy;
	struct sgx_attributes tmp_attr = {
		.flags = (req->attribute_mask.flags | SGX_ATTR_INIT | SGX_ATTR_DEBUG) &
			 secs->attributes.flags,
		.xfrm = req->attribute_mask.xfrm & secs->attributes.xfrm,
	};
	uint32_t tmp_misc = req->misc_mask & secs->miscselect;
	bool seal = req->keyname == SGX_KEYNAME_SEAL;
	bool pseal = req->keyname == SGX_KEYNAME_PROVISION_SEAL;

	memset(dep, 0, sizeof(*dep));
	dep->keyname = req->keyname;

	if (req->keyname == SGX_KEYNAME_REPORT) {
		memcpy(dep->owner_epoch, cpu->cfg.owner_epoch, 16);
		dep->attributes = secs->attributes;
		memcpy(dep->mrenclave, secs->mrenclave, 32);
		memcpy(dep->keyid, req->keyid, 32);
		seal_key_fuses(cpu, dep->seal_key_fuses);
		memcpy(dep->cpusvn, cpu->cfg.cpusvn, 16);
		memcpy(dep->padding, sgx_pkcs1_sha256_prefix, 352);
		dep->miscselect = secs->miscselect;
		memcpy(dep->config_id, secs->config_id, 64);
		dep->config_svn = secs->config_svn;
		return;
	}

	/* Common to SEAL, EINITTOKEN, PROVISION, PROVISION_SEAL. */
	dep->isv_svn = req->isv_svn;
	dep->attributes = tmp_attr;
	memcpy(dep->cpusvn, req->cpusvn, 16);
	memcpy(dep->padding, hidden->padding, 352);
	dep->miscselect = tmp_misc;

	switch (req->keyname) {
	case SGX_KEYNAME_EINITTOKEN:
		/* Exactly the fields sgx_einittoken_key() fills (keys.c). */
		dep->isv_prod_id = secs->isv_prod_id;
		memcpy(dep->owner_epoch, cpu->cfg.owner_epoch, 16);
		memcpy(dep->mrsigner, secs->mrsigner, 32);
		memcpy(dep->keyid, req->keyid, 32);
		seal_key_fuses(cpu, dep->seal_key_fuses);
		return;
	case SGX_KEYNAME_PROVISION:
		dep->isv_prod_id = secs->isv_prod_id;
		dep->attributes_mask = req->attribute_mask;
		memcpy(dep->mrsigner, secs->mrsigner, 32);
		dep->misc_mask = ~req->misc_mask;
		return;
	default: /* SEAL, PROVISION_SEAL */
		break;
	}

	if (pol & SGX_KEYPOLICY_ISVFAMILYID)
		memcpy(dep->isv_family_id, hidden->isv_family_id, 16);
	if (pol & SGX_KEYPOLICY_ISVEXTPRODID)
		memcpy(dep->isv_ext_prod_id, hidden->isv_ext_prod_id, 16);
	if (!(pol & SGX_KEYPOLICY_NOISVPRODID))
		dep->isv_prod_id = secs->isv_prod_id;
	dep->attributes_mask = req->attribute_mask;
	dep->misc_mask = ~req->misc_mask;
	dep->keypolicy = pol;
	if (pol & SGX_KEYPOLICY_CONFIGID) {
		memcpy(dep->config_id, secs->config_id, 64);
		dep->config_svn = req->config_svn;
	}
	seal_key_fuses(cpu, dep->seal_key_fuses);
	if (seal) {
		memcpy(dep->owner_epoch, cpu->cfg.owner_epoch, 16);
		if (pol & SGX_KEYPOLICY_MRENCLAVE)
			memcpy(dep->mrenclave, secs->mrenclave, 32);
		if (pol & SGX_KEYPOLICY_MRSIGNER)
			memcpy(dep->mrsigner, secs->mrsigner, 32);
		memcpy(dep->keyid, req->keyid, 32);
	} else if (pseal) {
		memcpy(dep->mrsigner, secs->mrsigner, 32);
	}
}

int __egetkey(struct sgx_cpu *cpu, struct sgx_lp *lp, struct sgx_regs *regs, struct sgx_fault *f)
{
	const struct sgx_secs *secs = secs_page(cpu, lp->secs_frame);
	const struct sgx_secs_hidden *hidden = cpu->hidden[lp->secs_frame];
	uint64_t req_la = regs->rbx, out_la = regs->rcx;
	struct sgx_keyrequest req;
	struct sgx_keydep dep;
	uint8_t *req_p, *out_p;
	uint8_t key[16];
	int ret;

	if (!is_aligned(req_la, 512) || !is_aligned(out_la, 16))
		return fault_gp(f);
	if (!sgx_lp_in_elrange(lp, req_la) || !sgx_lp_in_elrange(lp, out_la))
		return fault_gp(f);
	ret = operand(cpu, lp, req_la, SGX_ACCESS_READ, &req_p, f);
	if (ret)
		return ret;
	ret = operand(cpu, lp, out_la, SGX_ACCESS_WRITE, &out_p, f);
	if (ret)
		return ret;

	memcpy(&req, req_p, sizeof(req));
	if (req.reserved1 || !mem_all_zero(req.reserved2, sizeof(req.reserved2)) ||
	    (req.keypolicy & SGX_KEYPOLICY_RESERVED))
		return fault_gp(f);
	if (!(secs->attributes.flags & SGX_ATTR_KSS) &&
	    ((req.keypolicy & SGX_KEYPOLICY_KSS_MASK) || req.config_svn > 0))
		return fault_gp(f);

	/* From here on the instruction completes, with or without a key. */
	regs->rflags &= ~RFLAGS_EGETKEY_CLEARED;
	regs->rip += ENCLU_INSN_LEN;
	ret = egetkey_key_checks(cpu, secs, &req);
	if (ret) {
		regs->rax = (uint64_t)ret;
		regs->rflags |= RFLAGS_ZF;
		return ret;
	}
	egetkey_keydep(cpu, secs, hidden, &req, &dep);
	derive_key(cpu, &dep, key);
	memcpy(out_p, key, 16);
	memset(key, 0, sizeof(key));
	memset(&dep, 0, sizeof(dep));
	regs->rax = 0;
	return 0;
}
