#!/bin/sh
# demo.sh - a short guided tour of the sgxemu command.
# Usage: sh scripts/demo.sh PATH/TO/sgxemu   (run from the repository root;
# `make demo` does this). Builds the bundled hello enclave into build/examples,
# shows the emulated platform, measures and signs the enclave with a throwaway
# RSA-3072 e=3 key, and checks that `measure` and the SIGSTRUCT agree. Then
# runs the sdk examples (hello, exception, attest, threads, aexnotify, seal) that
# `make examples` built into build/examples/NAME/, each as an unmodified
# program under `sgxemu run` (seal with --platform-key build/examples/platform.key).
set -eu

SGXEMU=${1:?usage: sh scripts/demo.sh PATH/TO/sgxemu}
BUILD=build
OUT=$BUILD/examples
KEY=$BUILD/demo-key.pem
TESTVECTORS=${SGXEMU_TESTVECTORS:-../shared/testvectors}

step() { printf '\n== %s\n' "$*"; }

# Hex of LEN bytes of FILE at OFF.
bytes_hex() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }

mkdir -p "$OUT"

step "The emulated platform (sgxemu info)"
"$SGXEMU" info

step "Building the hello enclave (examples/hello)"
as --64 -o "$OUT/hello.o" examples/hello/encl.S
ld -T examples/hello/encl.lds -z max-page-size=4096 --no-warn-rwx-segments \
	--build-id=none -o "$OUT/hello.elf" "$OUT/hello.o"
echo "built $OUT/hello.elf: TCS page, code page (EEXIT), data page; 4 KiB heap added by the loader"

if [ ! -f "$KEY" ]; then
	step "Generating a throwaway signing key ($KEY)"
	openssl genrsa -3 -out "$KEY" 3072 2>/dev/null
fi

step "Measuring (sgxemu measure $OUT/hello.elf)"
mr=$("$SGXEMU" measure "$OUT/hello.elf" | cut -d' ' -f1)
echo "MRENCLAVE (ECREATE + EADD/EEXTEND on the emulated CPU): $mr"

step "Signing (sgxemu sign --key $KEY --out $OUT/hello.sigstruct --date $(date +%Y%m%d))"
"$SGXEMU" sign --key "$KEY" --out "$OUT/hello.sigstruct" --date "$(date +%Y%m%d)" \
	--isvprodid 1 --isvsvn 1 "$OUT/hello.elf"
echo "SIGSTRUCT: $(wc -c < "$OUT/hello.sigstruct") bytes"
# MRSIGNER recomputed outside sgxemu: SHA-256 of the 384-byte modulus at 128.
mrsigner=$(tail -c +129 "$OUT/hello.sigstruct" | head -c 384 | openssl dgst -sha256 -r | cut -d' ' -f1)
echo "MRSIGNER (openssl, SHA-256 of SIGSTRUCT.MODULUS): $mrsigner"

step "Checking ENCLAVEHASH (SIGSTRUCT offset 960) against measure"
hash=$(bytes_hex "$OUT/hello.sigstruct" 960 32)
echo "ENCLAVEHASH: $hash"
echo "measure:     $mr"
if [ "$hash" = "$mr" ]; then
	echo "OK"
else
	echo "MISMATCH"
	exit 1
fi

if [ -d "$TESTVECTORS" ]; then
	step "Reference enclave A from $TESTVECTORS"
	want=$(sed -n 's/^ELF file=elf\/encl-a.elf heap=0x1000 .*mrenclave=\([0-9a-f]*\).*/\1/p' \
		"$TESTVECTORS/expected.txt")
	got=$("$SGXEMU" measure "$TESTVECTORS/elf/encl-a.elf" | cut -d' ' -f1)
	echo "expected: $want"
	echo "measure:  $got"
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		echo "OK"
	else
		echo "MISMATCH"
		exit 1
	fi
fi
# ---- the sdk examples (built by `make examples`) ----------------------------
# Each host is an unmodified Linux SGX program (/dev/sgx_enclave, the ioctls
# of <asm/sgx.h>, __vdso_sgx_enter_enclave): it runs under `sgxemu run`.
EX=$OUT
RUN="$SGXEMU run --"
if [ -x "$EX/hello/host" ]; then
	step "sdk example: hello (an ecall, a print ocall and a user ocall)"
	echo "The host loads enclave.elf + enclave.sig through the driver ioctls and calls ecall 0."
	echo "\$ sgxemu run -- $EX/hello/host demo"
	$RUN "$EX/hello/host" demo
	echo "Without sgxemu the same binary finds no SGX and stops:"
	if "$EX/hello/host" demo; then
		echo "UNEXPECTED: the host ran without sgxemu"
		exit 1
	fi

	step "sdk example: exception (#DE, #UD and #PF handled inside the enclave)"
	echo "Each fault is an AEX; the host EENTERs the handler phase (CSSA=1) on the same TCS;"
	echo "the enclave's handler reads SSA frame 0, advances RIP past the instruction, and the"
	echo "host ERESUMEs."
	$RUN "$EX/exception/host"

	step "sdk example: attest (local attestation A -> B)"
	$RUN "$EX/attest/host"

	step "sdk example: threads (4 host threads in 4 TCSs)"
	$RUN "$EX/threads/host"

	step "sdk example: aexnotify (AEX-Notify: the enclave sees every interrupt)"
	echo "--aex-every 50 injects an interrupt (an AEX) every 50 us into the running enclave."
	echo "enclave.elf is built with SDK_AEXNOTIFY=1 (TCS.FLAGS.AEXNOTIFY, SIGSTRUCT attribute"
	echo "0x400): the sdk runtime sets SSA frame 0's AEXNOTIFY byte while the ecall runs, so each"
	echo "ERESUME re-enters the enclave instead; the runtime calls the enclave's hook (which"
	echo "counts), EDECCSSA, and restores the interrupted loop itself from a copy in the TCS's"
	echo "data page (restart-safe: an AEX during the restore just restarts it)."
	echo "\$ sgxemu run --aex-every 50 --stats -- $EX/aexnotify/host"
	$SGXEMU run --aex-every 50 --stats -- "$EX/aexnotify/host"
	echo "-- the same source built without AEX-Notify (enclave_plain.elf): plain ERESUMEs,"
	echo "   the hook never runs, the checksum is the same"
	$SGXEMU run --aex-every 50 --stats -- "$EX/aexnotify/host" plain
	echo "(Why: against single-stepping (--single-step; a debug enclave's DBGOPTIN TCS), see"
	echo " tests/test_aexnotify.c at the library level: stepping a plain TCS, the observer sees"
	echo " every instruction of the loop; with notification it sees only the handler, never the"
	echo " loop, since each step re-notifies inside the restore.)"

	step "sdk example: seal (AES-GCM with EGETKEY(SEAL); keys survive across runs)"
	# Seal keys derive from the platform root key: every run gets the same
	# one, a file kept inside the build tree.
	PLATFORM_KEY=$EX/platform.key
	if [ ! -f "$PLATFORM_KEY" ]; then
		(umask 077 && head -c 16 /dev/urandom > "$PLATFORM_KEY")
		chmod 600 "$PLATFORM_KEY"
	fi
	SEAL="$SGXEMU run --platform-key $PLATFORM_KEY -- $EX/seal/host"
	echo "platform root key: $PLATFORM_KEY (16 random bytes, mode 0600)"
	echo "each run: sgxemu run --platform-key $PLATFORM_KEY -- $EX/seal/host ..."
	blob=$EX/seal/demo-mrenclave.blob
	blob2=$EX/seal/demo-mrsigner.blob
	echo "-- run 1: seal under the MRENCLAVE policy"
	$SEAL seal "$blob" mrenclave "the launch code is 0000"
	echo "-- run 2 (a new process): unseal with the same enclave"
	$SEAL unseal "$blob"
	echo "-- run 3: the other build (different MRENCLAVE, same signer) tries"
	if $SEAL -2 unseal "$blob"; then
		echo "UNEXPECTED: a different MRENCLAVE unsealed an MRENCLAVE-policy blob"
		exit 1
	fi
	echo "-- runs 4 and 5: under the MRSIGNER policy the other build can unseal"
	$SEAL seal "$blob2" mrsigner "shared by every enclave of this signer"
	$SEAL -2 unseal "$blob2"

	if [ -x "$EX/edmm_heap/host" ]; then
		step "sdk example: edmm_heap (SGX2: a heap that grows on demand and shrinks back)"
		echo "ELRANGE is 128 MiB, the image a few hundred KiB: the rest is a hole. The enclave"
		echo "EACCEPTs 64 MiB of new pages (the driver EAUGs each on the way), then has the host"
		echo "trim them (MODIFY_TYPES TRIM, EACCEPT, REMOVE_PAGES). --stats shows the EPC pages."
		$SGXEMU run --stats -- "$EX/edmm_heap/host" --mib 64

		step "sdk example: edmm_thread (SGX2: a TCS added at run time)"
		$RUN "$EX/edmm_thread/host"

		step "sdk example: edmm_rx (SGX2: code pages made read-only after load)"
		$RUN "$EX/edmm_rx/host"
	fi
else
	echo
	echo "(sdk examples not built: run 'make examples' or 'make demo')"
fi

echo
echo "demo finished"
