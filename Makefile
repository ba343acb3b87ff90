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

LIB_SRCS  := $(sort $(wildcard src/cpu/*.c src/os/*.c src/entry/*.c src/entry/*.S))
TOOL_SRCS := $(sort $(wildcard tools/*.c))
TEST_SRCS := $(sort $(wildcard tests/test_*.c))
TEST_UTIL := $(sort $(wildcard tests/util/*.c))
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJS      := $(patsubst %.S,$(BUILD)/obj/%.o,$(LIB_SRCS:%.c=$(BUILD)/obj/%.o))
LIB_SAN_OBJS  := $(patsubst %.S,$(BUILD)/san/%.o,$(LIB_SRCS:%.c=$(BUILD)/san/%.o))
TOOL_OBJS     := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
TEST_UTIL_OBJS := $(TEST_UTIL:%.c=$(BUILD)/obj/%.o)
TEST_UTIL_SAN  := $(TEST_UTIL:%.c=$(BUILD)/san/%.o)
TESTS      := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TESTS_SAN  := $(TEST_SRCS:tests/%.c=$(BUILD)/tests-san/%)
BENCHES    := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
FUZZERS    := $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)

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
	$(CC) -shared -Wl,-soname,libsgxemu.so -o $@ $^ $(LDLIBS)

$(BUILD)/sgxemu: $(TOOL_OBJS) $(BUILD)/libsgxemu.a
	$(CC) -o $@ $(TOOL_OBJS) $(BUILD)/libsgxemu.a $(LDLIBS)

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
		sh scripts/run-tests.sh plain $(TESTS)

test-san: $(TESTS_SAN) $(BUILD)/sgxemu
	@SGXEMU_TESTVECTORS=$(TESTVECTORS) SGXEMU_BIN=$(abspath $(BUILD)/sgxemu) \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
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
