# sgxemu - GNU Make build.
#
#   make            build/sgxemu, build/libsgxemu.so, build/libsgxemu.a
#   make test       every test (plain and ASan+UBSan builds); non-zero on failure
#   make bench      benchmarks, printing ratios against same-run baselines
#   make fuzz       libFuzzer targets for a bounded time
#   make demo       the guided tour
#
# `make test` and `make demo` first install missing Debian packages through
# scripts/install-deps.sh (needs root; does nothing when all is present).

CC       ?= gcc
CLANG    ?= clang
BUILD    := build
TESTVECTORS ?= $(abspath $(CURDIR)/../shared/testvectors)
FUZZ_SECONDS ?= 60

WARN     := -Wall -Wextra -Werror
CFLAGS_COMMON := -std=gnu11 $(WARN) -g -fPIC -Iinclude -Isrc -D_GNU_SOURCE -DOPENSSL_API_COMPAT=10101
CFLAGS   ?= -O2
ALL_CFLAGS := $(CFLAGS_COMMON) $(CFLAGS)
SAN_FLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDLIBS   := -lcrypto -lpthread

LIB_SRCS  := $(sort $(wildcard src/cpu/*.c src/os/*.c src/entry/*.c src/entry/*.S) src/preload/vdso_image.c)
TOOL_SRCS := $(sort $(wildcard tools/*.c))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_UTIL := $(sort $(wildcard tests/util/*.c))
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
TEST_ENCLAVE_SRCS := $(sort $(wildcard tests/enclaves/*.S))

LIB_OBJS      := $(patsubst %.S,$(BUILD)/obj/%.o,$(LIB_SRCS:%.c=$(BUILD)/obj/%.o))
LIB_SAN_OBJS  := $(patsubst %.S,$(BUILD)/san/%.o,$(LIB_SRCS:%.c=$(BUILD)/san/%.o))
TOOL_OBJS     := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_UTIL_OBJS := $(TEST_UTIL:%.c=$(BUILD)/obj/%.o)
TEST_UTIL_SAN  := $(TEST_UTIL:%.c=$(BUILD)/san/%.o)
TESTS      := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TESTS_SAN  := $(TEST_SRCS:tests/%.c=$(BUILD)/tests-san/%)
BENCHES    := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
FUZZERS    := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
TEST_ENCLAVES := $(TEST_ENCLAVE_SRCS:tests/enclaves/%.S=$(BUILD)/tests/enclaves/%.elf)
TEST_ENCLAVE_DIR := $(abspath $(BUILD)/tests/enclaves)

.PHONY: all deps test test-plain test-san bench fuzz demo clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/sgxemu $(BUILD)/libsgxemu.so $(BUILD)/libsgxemu.a

deps:
	@sh scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SAN_FLAGS) -MMD -MP -c $< -o $@

# The trap path runs in signal handlers that start with the enclave's FS
# base loaded: no stack protector (it reads %fs:0x28) anywhere in src/entry,
# and no sanitizer instrumentation there (ASan's runtime uses TLS too).
$(BUILD)/obj/src/entry/%.o: src/entry/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fno-stack-protector -MMD -MP -c $< -o $@

$(BUILD)/san/src/entry/%.o: src/entry/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) -O1 -fno-stack-protector -MMD -MP -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/san/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) -c $< -o $@

$(BUILD)/libsgxemu.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libsgxemu-san.a: $(LIB_SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libsgxemu.so: $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,libsgxemu.so -Wl,-z,now -o $@ $^ $(LDLIBS)

$(BUILD)/sgxemu: $(TOOL_OBJS) $(BUILD)/libsgxemu.a
	$(CC) -o $@ $(TOOL_OBJS) $(BUILD)/libsgxemu.a $(LDLIBS)

# Test enclaves: assembly linked at 0 with the segment convention of
# tests/enclaves/encl.lds; every test binary may load any of them.
$(BUILD)/tests/enclaves/%.elf: tests/enclaves/%.S tests/enclaves/encl.lds
	@mkdir -p $(dir $@)
	as --64 $< -o $(@:.elf=.o)
	ld -T tests/enclaves/encl.lds -z max-page-size=4096 --no-warn-rwx-segments \
		--build-id=none $(@:.elf=.o) -o $@

$(TESTS) $(TESTS_SAN): $(TEST_ENCLAVES)

$(BUILD)/tests/%: tests/%.c $(TEST_UTIL_OBJS) $(BUILD)/libsgxemu.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(TEST_UTIL_OBJS) $(BUILD)/libsgxemu.a -lcriterion $(LDLIBS)

$(BUILD)/tests-san/%: tests/%.c $(TEST_UTIL_SAN) $(BUILD)/libsgxemu-san.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_COMMON) $(SAN_FLAGS) -Itests -o $@ $< $(TEST_UTIL_SAN) $(BUILD)/libsgxemu-san.a -lcriterion $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(TEST_UTIL_OBJS) $(BUILD)/libsgxemu.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Itests/util -o $@ $< $(TEST_UTIL_OBJS) $(BUILD)/libsgxemu.a $(LDLIBS)

FUZZ_LIB_SRCS := $(sort $(wildcard src/cpu/*.c))
$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_LIB_SRCS)
	@mkdir -p $(dir $@)
	$(CLANG) $(CFLAGS_COMMON) -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-plain test-san

# Each test binary runs on its own; run-tests.sh prints one summary line.
test-plain: $(TESTS) $(BUILD)/sgxemu
	@SGXEMU_TESTVECTORS=$(TESTVECTORS) SGXEMU_BIN=$(abspath $(BUILD)/sgxemu) \
		SGXEMU_TEST_ENCLAVES=$(TEST_ENCLAVE_DIR) sh scripts/run-tests.sh plain $(TESTS)

test-san: $(TESTS_SAN) $(BUILD)/sgxemu
	@SGXEMU_TESTVECTORS=$(TESTVECTORS) SGXEMU_BIN=$(abspath $(BUILD)/sgxemu) \
		SGXEMU_TEST_ENCLAVES=$(TEST_ENCLAVE_DIR) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		sh scripts/run-tests.sh asan+ubsan $(TESTS_SAN)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCHES)
	@for b in $(BENCHES); do SGXEMU_TESTVECTORS=$(TESTVECTORS) $$b || exit 1; done

fuzz: deps $(FUZZERS)
	@mkdir -p $(BUILD)/fuzz-corpus
	@for f in $(FUZZERS); do \
		echo "== $$f ($(FUZZ_SECONDS) s)"; \
		mkdir -p $(BUILD)/fuzz-corpus/$$(basename $$f); \
		SGXEMU_TESTVECTORS=$(TESTVECTORS) $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(BUILD)/fuzz-corpus/$$(basename $$f) || exit 1; \
	done

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD)/sgxemu

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- sdk/ and examples/ ----------------------------------------------------------
#
#   make examples   build/examples/NAME/{enclave.elf,enclave.sig,host} for each example
#
# Enclave code is freestanding (no libc), linked as a static PIE at 0 with
# sdk/enclave/enclave.lds; each enclave assembles its own copy of
# sdk/enclave/layout.S (TCS count, stack size). Enclaves are signed at build
# time with build/demo-key.pem (made here if absent; the driver's INIT writes
# the LE-hash MSRs, so any signer works). MISCSELECT.EXINFO is requested so
# that #PF/#GP reach the enclave's exception handler with their details.

SDK_INC := -Isdk/include -Iinclude
ENCL_CFLAGS := -std=gnu11 $(WARN) -g -O2 -ffreestanding -nostdlib -fno-stack-protector \
	-fPIE -fno-plt -fvisibility=hidden -fno-asynchronous-unwind-tables $(SDK_INC) -Isdk/enclave
ENCL_LDFLAGS := -nostdlib -static-pie -Wl,-T,sdk/enclave/enclave.lds -Wl,-z,max-page-size=4096 \
	-Wl,--build-id=none -Wl,-z,norelro -Wl,-z,noexecstack
SDK_ENCL_OBJS := $(addprefix $(BUILD)/sdk/enclave/,entry.o runtime.o libc.o crypto.o enclu.o \
	edmm.o edmm_entry.o)
SDK_HOST_OBJS := $(BUILD)/sdk/host/host.o $(BUILD)/sdk/host/exit.o $(BUILD)/sdk/host/edmm.o
DEMO_KEY := $(BUILD)/demo-key.pem
SIGN_FLAGS := --miscselect 1 --miscselect-mask 1 --isvprodid 1 --isvsvn 1

EXAMPLES := hello seal attest exception threads edmm_heap edmm_thread edmm_rx
# Enclave images per example (build/examples/NAME/BASE.elf) and their TCS counts.
EX_ENCLAVES := hello/enclave seal/enclave seal/enclave2 attest/enclave_a attest/enclave_b \
	exception/enclave threads/enclave bench/ocall edmm_heap/enclave edmm_thread/enclave bench/eaug
TCS_threads/enclave := 4
CFLAGS_seal/enclave2 := -DSEAL_VARIANT=2
CFLAGS_attest/enclave_a := -DENCLAVE_NAME='"A"'
CFLAGS_attest/enclave_b := -DENCLAVE_NAME='"B"'
SRC_seal/enclave2 := examples/seal/enclave.c
SRC_bench/ocall := bench/ocall_enclave.c
SRC_bench/eaug := bench/eaug_enclave.c
SRC_attest/enclave_a := examples/attest/enclave.c
SRC_attest/enclave_b := examples/attest/enclave.c
# aexnotify: one source, built with AEX-Notify (TCS flag + SIGSTRUCT attribute)
# and without it.
EXAMPLES += aexnotify
EX_ENCLAVES += aexnotify/enclave aexnotify/enclave_plain
CFLAGS_aexnotify/enclave := -DSDK_AEXNOTIFY=1
SRC_aexnotify/enclave := examples/aexnotify/enclave.c
SRC_aexnotify/enclave_plain := examples/aexnotify/enclave.c

EX_OUTPUTS := $(foreach e,$(EX_ENCLAVES),$(BUILD)/examples/$(e).elf $(BUILD)/examples/$(e).sig) \
	$(foreach x,$(EXAMPLES),$(BUILD)/examples/$(x)/host)

.PHONY: examples
examples: $(EX_OUTPUTS)

$(BUILD)/sdk/enclave/%.o: sdk/enclave/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ENCL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/sdk/enclave/%.o: sdk/enclave/%.S
	@mkdir -p $(dir $@)
	$(CC) $(SDK_INC) -Isdk/enclave -MMD -MP -c $< -o $@

# Host programs are ordinary Linux SGX programs: sdk/host uses only
# /dev/sgx_enclave, <asm/sgx.h> and the vDSO (no -Iinclude: no sgxemu
# header), and nothing links libsgxemu or libcrypto. They run under
# `build/sgxemu run -- PROGRAM` (or on SGX hardware). The examples include
# only the header-only architecture definitions (sgxemu/sgx_arch.h) that
# their enclaves share.
HOST_CFLAGS := -std=gnu11 $(WARN) -g $(CFLAGS) -D_GNU_SOURCE -Isdk/include
HOST_LDLIBS := -lpthread

$(BUILD)/sdk/host/%.o: sdk/host/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/sdk/host/%.o: sdk/host/%.S
	@mkdir -p $(dir $@)
	$(CC) $(SDK_INC) -c $< -o $@

define EX_ENCLAVE_RULE
$(BUILD)/examples/$(1).elf: $$(or $$(SRC_$(1)),examples/$(1).c) sdk/enclave/layout.S \
		sdk/enclave/enclave.lds $(SDK_ENCL_OBJS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ENCL_CFLAGS) $$(CFLAGS_$(1)) -DSDK_NUM_TCS=$$(or $$(TCS_$(1)),1) -MMD -MP \
		-o $$@ $$< sdk/enclave/layout.S $(SDK_ENCL_OBJS) $$(ENCL_LDFLAGS)
endef
$(foreach e,$(EX_ENCLAVES),$(eval $(call EX_ENCLAVE_RULE,$(e))))

$(BUILD)/examples/%.sig: $(BUILD)/examples/%.elf $(BUILD)/sgxemu $(DEMO_KEY)
	$(BUILD)/sgxemu sign --key $(DEMO_KEY) --out $@ $(SIGN_FLAGS) $<

# ATTRIBUTES = MODE64BIT | AEXNOTIFY: EENTER wants it iff the TCSs have the flag.
$(BUILD)/examples/aexnotify/enclave.sig: SIGN_FLAGS += --attributes 0x404
$(BUILD)/examples/aexnotify/host: examples/aexnotify/aexnotify.h

$(DEMO_KEY):
	@mkdir -p $(dir $@)
	openssl genrsa -3 -out $@ 3072

$(BUILD)/examples/%/host: examples/%/host.c examples/common.h $(SDK_HOST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Iinclude -o $@ $< $(SDK_HOST_OBJS) $(HOST_LDLIBS)

# bench_ecall measures the raw-trap baseline natively, then runs ecall_host
# (the sdk part, an unmodified SGX program) under `sgxemu run`.
$(BUILD)/bench/ecall_host: bench/ecall_host.c $(SDK_HOST_OBJS) \
		$(BUILD)/examples/bench/ocall.elf $(BUILD)/examples/bench/ocall.sig
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -DOCALL_ENCLAVE='"$(abspath $(BUILD)/examples/bench/ocall)"' \
		-o $@ $< $(SDK_HOST_OBJS) $(HOST_LDLIBS)

$(BUILD)/bench/bench_ecall: bench/bench_ecall.c $(BUILD)/bench/ecall_host $(BUILD)/sgxemu \
		$(BUILD)/libsgxemu-preload.so
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -DSGXEMU_BIN='"$(abspath $(BUILD)/sgxemu)"' \
		-DECALL_HOST='"$(abspath $(BUILD)/bench/ecall_host)"' \
		-DPRELOAD_LIB='"$(abspath $(BUILD)/libsgxemu-preload.so)"' -o $@ $<

# The example test runs the host programs under `sgxemu run`: build them,
# and the interposer, first.
$(BUILD)/tests/test_examples $(BUILD)/tests-san/test_examples: | examples \
	$(BUILD)/libsgxemu-preload.so $(BUILD)/sgxemu

# The crypto test compiles the enclave's crypto.c for the host.
$(BUILD)/tests/test_sdk_crypto: ALL_CFLAGS += $(SDK_INC)
$(BUILD)/tests-san/test_sdk_crypto: CFLAGS_COMMON += $(SDK_INC)
$(BUILD)/tests/test_sdk_crypto $(BUILD)/tests-san/test_sdk_crypto: sdk/enclave/crypto.c \
	sdk/include/sdk/crypto.h

# `make demo` runs the examples too.
demo: examples

# ---- the interposer: build/libsgxemu-preload.so -------------------------------------
#
# The whole library plus src/preload, with a constructor that attaches the
# platform and switches on Syscall User Dispatch. Only `sgxemu run` loads it.
PRELOAD_SRCS := $(sort $(wildcard src/preload/*.c src/preload/*.S))
PRELOAD_OBJS := $(patsubst %.S,$(BUILD)/obj/%.o,$(PRELOAD_SRCS:%.c=$(BUILD)/obj/%.o))

# Like src/entry, the interposer runs in signal handlers and in fresh threads
# before their TLS exists: no stack protector. Both shared libraries bind
# every symbol at load (-z now): a lazy binding in a signal handler would run
# the dynamic linker's resolver, which saves the whole register state far
# below the stack pointer - over a signal frame being built there.
$(BUILD)/obj/src/preload/%.o: src/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fno-stack-protector -MMD -MP -c $< -o $@

$(BUILD)/libsgxemu-preload.so: $(filter-out $(PRELOAD_OBJS),$(LIB_OBJS)) $(PRELOAD_OBJS)
	$(CC) -shared -Wl,-soname,libsgxemu-preload.so -Wl,-z,defs -Wl,-z,now -o $@ $^ $(LDLIBS) -ldl

all: $(BUILD)/libsgxemu-preload.so
# `sgxemu run` needs the interposer beside the binary.
$(BUILD)/tests/test_run $(BUILD)/tests-san/test_run: $(BUILD)/libsgxemu-preload.so $(BUILD)/sgxemu

# ---- host programs: tests/hosts/*.c, bench/vdso_ecall_host.c ---------------------------
#
# Written only against the Linux SGX interface (<asm/sgx.h>, /dev/sgx_enclave,
# the vDSO): plain gcc, no sgxemu headers or libraries. test_hosts runs them
# under `sgxemu run`; bench_vdso runs vdso_ecall_host the same way.
HOST_SRCS := $(sort $(wildcard tests/hosts/*.c))
HOSTS := $(HOST_SRCS:tests/hosts/%.c=$(BUILD)/tests/hosts/%)
HOST_HDRS := $(wildcard tests/hosts/*.h)
TESTHOST_CFLAGS := -std=gnu11 $(WARN) -g -O2 -D_GNU_SOURCE

.PHONY: hosts
hosts: $(HOSTS) $(BUILD)/bench/vdso_ecall_host

$(BUILD)/tests/hosts/%: tests/hosts/%.c $(HOST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TESTHOST_CFLAGS) -o $@ $<

$(BUILD)/bench/vdso_ecall_host: bench/vdso_ecall_host.c $(HOST_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(TESTHOST_CFLAGS) -Itests/hosts -o $@ $<

# bench_vdso measures its baseline without sgxemu: plain gcc too.
$(BUILD)/bench/bench_vdso: bench/bench_vdso.c
	@mkdir -p $(dir $@)
	$(CC) $(TESTHOST_CFLAGS) -o $@ $<

$(BUILD)/bench/bench_vdso: | $(BUILD)/bench/vdso_ecall_host $(BUILD)/sgxemu $(BUILD)/libsgxemu-preload.so
$(BUILD)/tests/test_hosts $(BUILD)/tests-san/test_hosts: | $(HOSTS) $(BUILD)/libsgxemu-preload.so $(BUILD)/sgxemu

# ---- SGX2 (EDMM): examples edmm_heap, edmm_thread, edmm_rx; bench_eaug; stress ------
#
# sdk/enclave/edmm.c + edmm_entry.S and sdk/host/edmm.c are part of the sdk
# objects above. An enclave with a dynamic heap is signed with --size
# (SECS.SIZE beyond its image: a hole the host maps, where the driver EAUGs
# pages) and its host loads it with the same sdk_load_opts.elrange_size
# (the example's header has the number). edmm_rx is linked with its code
# segment R|W|X (a generated copy of enclave.lds) because EMODPR can only
# take permissions away: the enclave drops W at run time.
$(BUILD)/examples/edmm_heap/enclave.sig: SIGN_FLAGS += --size 128M
$(BUILD)/examples/edmm_thread/enclave.sig: SIGN_FLAGS += --size 2M
$(BUILD)/examples/bench/eaug.sig: SIGN_FLAGS += --size 64M
$(BUILD)/examples/edmm_heap/host: examples/edmm_heap/edmm_heap.h
$(BUILD)/examples/edmm_thread/host: examples/edmm_thread/edmm_thread.h

$(BUILD)/sdk/enclave/enclave-rwx.lds: sdk/enclave/enclave.lds
	@mkdir -p $(dir $@)
	sed -e 's/text   PT_LOAD FLAGS(5);/text   PT_LOAD FLAGS(7);/' \
		-e 's/KEEP(\*(.text.sdk_entry))/__sdk_text_start = .;\n\t\tKEEP(*(.text.sdk_entry))/' \
		-e 's/} :text/__sdk_text_end = .;\n\t} :text/' $< > $@
	grep -q 'FLAGS(7)' $@ && grep -q __sdk_text_end $@

$(BUILD)/examples/edmm_rx/enclave.elf: examples/edmm_rx/enclave.c sdk/enclave/layout.S \
		$(BUILD)/sdk/enclave/enclave-rwx.lds $(SDK_ENCL_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ENCL_CFLAGS) -DSDK_NUM_TCS=1 -MMD -MP -o $@ $< sdk/enclave/layout.S \
		$(SDK_ENCL_OBJS) $(subst sdk/enclave/enclave.lds,$(BUILD)/sdk/enclave/enclave-rwx.lds,$(ENCL_LDFLAGS)) \
		-Wl,--no-warn-rwx-segments
examples: $(BUILD)/examples/edmm_rx/enclave.elf $(BUILD)/examples/edmm_rx/enclave.sig

# bench_eaug: the raw-trap baseline natively, then eaug_host under `sgxemu run`.
$(BUILD)/bench/eaug_host: bench/eaug_host.c $(SDK_HOST_OBJS) \
		$(BUILD)/examples/bench/eaug.elf $(BUILD)/examples/bench/eaug.sig
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Isdk/include -DEAUG_ENCLAVE='"$(abspath $(BUILD)/examples/bench/eaug)"' \
		-o $@ $< $(SDK_HOST_OBJS) -lpthread

$(BUILD)/bench/bench_eaug: bench/bench_eaug.c $(BUILD)/bench/eaug_host $(BUILD)/sgxemu \
		$(BUILD)/libsgxemu-preload.so
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -DSGXEMU_BIN='"$(abspath $(BUILD)/sgxemu)"' \
		-DEAUG_HOST='"$(abspath $(BUILD)/bench/eaug_host)"' \
		-DPRELOAD_LIB='"$(abspath $(BUILD)/libsgxemu-preload.so)"' -o $@ $<

# The stress test drives examples/edmm_heap's host; `make test` runs a
# 10-cycle version (test_edmm_stress), `make stress` the full 100 cycles.
$(BUILD)/tests/test_edmm_stress $(BUILD)/tests-san/test_edmm_stress: | examples \
	$(BUILD)/libsgxemu-preload.so $(BUILD)/sgxemu

.PHONY: stress
stress: $(BUILD)/tests/test_edmm_stress examples
	SGXEMU_BIN=$(abspath $(BUILD)/sgxemu) SGXEMU_STRESS_CYCLES=100 \
		$(BUILD)/tests/test_edmm_stress --verbose
