/*
 * abi.h - the contract between sdk/host and sdk/enclave: what the registers
 * hold at each enclave entry and exit. Shared by C and assembly.
 *
 * Entry (EENTER, through __vdso_sgx_enter_enclave):
 *   CSSA == 0: RDI = ecall number (0 .. count-1), RSI = untrusted pointer to
 *              the ecall's argument struct;
 *              or RDI = SDK_ENTER_ORET, RSI = the ocall's return value, when
 *              the TCS is waiting in an ocall.
 *   CSSA >= 1: exception-handler phase; RDI/RSI are ignored.
 * Exit (EEXIT; the host reads RDI/RSI/RDX in its vDSO exit handler):
 *   RDI = one of SDK_EXIT_*, RSI/RDX as described there.
 * Every other register is scrubbed; RSP/RBP are the host's again.
 */
#ifndef SDK_ABI_H
#define SDK_ABI_H

/* RDI at entry: resume the enclave after an ocall. */
#define SDK_ENTER_ORET     0xffffffffffff0001

/* RDI at exit. */
#define SDK_EXIT_RETURN    0 /* ecall done: RSI = its return value */
#define SDK_EXIT_OCALL     1 /* RSI = ocall number, RDX = untrusted argument pointer */
#define SDK_EXIT_EXC_CONT  2 /* handler fixed the SSA: ERESUME */
#define SDK_EXIT_EXC_ABORT 3 /* no handler took the exception: RSI = EXITINFO */
#define SDK_EXIT_ERROR     4 /* bad entry: RSI = SDK_ERR_* */

/* Ocall numbers: 0 is the runtime's print (RDX = NUL-terminated string); the
 * host program's own ocalls start at SDK_OCALL_USER. */
#define SDK_OCALL_PRINT    0
#define SDK_OCALL_USER     1
/* Built into the host library: SGX2 page changes the enclave asks for
 * (sdk/include/sdk/edmm_abi.h, RDX = struct sdk_edmm_req). */
#define SDK_OCALL_EDMM     0x7fffffff

#define SDK_ERR_BAD_ECALL  1 /* ecall number out of range */
#define SDK_ERR_BAD_ORET   2 /* ORET on a TCS that is not in an ocall, or vice versa */
#define SDK_ERR_BAD_PTR    3 /* argument pointer not outside the enclave */

#endif /* SDK_ABI_H */
