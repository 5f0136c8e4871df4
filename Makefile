# capi-outbox: the two commands are `make demo` and `make test`.
# Every target installs missing Debian packages first (`make deps`).

BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
TSAN_DIR   ?= build-tsan
REL_DIR    ?= build-reliability
FUZZ_DIR   ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=

# Debian 12 packages the build and tests need. Keep this the only list.
DEB_PACKAGES := cmake g++ make pkg-config curl \
  librocksdb-dev libprotobuf-dev protobuf-compiler \
  libboost-test-dev libboost-dev libssl-dev libicu-dev rapidjson-dev \
  libcurl4-openssl-dev \
  libgrpc++-dev protobuf-compiler-grpc libcli11-dev libtomlplusplus-dev \
  python3-grpcio python3-protobuf nodejs npm openssl \
  postgresql libpq-dev libsqlite3-dev \
  e2fsprogs clang

.PHONY: deps configure build test demo asan clean bench tsan fuzz reliability

# Debian packages, then the Node example's npm packages from its committed
# package-lock.json (npm ci; nothing is fetched once they are installed).
deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)
	@scripts/install-node-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: build
	BUILD_DIR=$(BUILD_DIR) scripts/demo.sh

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DOUTBOX_SANITIZE=address
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) -L unit $(CTEST_ARGS)

# The concurrency tests under ThreadSanitizer.
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
TSAN_ENV := TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 \
  suppressions=$(CURDIR)/tests/tsan.supp print_suppressions=1"
tsan: deps
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS="$(TSAN_FLAGS)" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread
	cmake --build $(TSAN_DIR) -j $(JOBS) --target outbox_tests outbox_http_tests
	$(TSAN_ENV) $(TSAN_DIR)/bin/outbox_tests --run_test=OutboxTest:StoreTest:DrainerTest
	$(TSAN_ENV) $(TSAN_DIR)/bin/outbox_http_tests

# libFuzzer targets (tests/fuzz/), FUZZ_SECONDS each; needs clang.
fuzz: deps
	cmake -S tests/fuzz/libfuzzer -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(FUZZ_DIR) -j $(JOBS)
	tests/fuzz/run_fuzzers.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# The long tier of the reliability suite (README "Reliability"): crash
# points in a build of their own, power loss, disk full, the leak canaries,
# and the daemon scenarios (kill -9 loop, hostile input, network faults)
# with 10x the work, each fuzz target for FUZZ_SECONDS, then `make tsan`.
reliability: deps
	cmake -S . -B $(REL_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DOUTBOX_CRASH_POINTS=ON
	cmake --build $(REL_DIR) -j $(JOBS) --target reliability_tests \
	  crash_points_test daemon_reliability_tests
	cd $(REL_DIR) && OUTBOX_RELIABILITY_TIER=long \
	  ctest --output-on-failure -L reliability $(CTEST_ARGS)
	$(MAKE) fuzz
	$(MAKE) tsan

# The issue-7 benchmark (bench/, README "Benchmarks"): one table on stdout,
# JSON and CSV in bench/results/. Not part of `make test`: 30-60 minutes;
# BENCH_ARGS=--quick checks the pipeline in minutes. The gRPC daemon is
# optional: if outboxd does not build, its rows are reported as skipped.
BENCH_ARGS ?=
bench: configure
	cmake --build $(BUILD_DIR) -j $(JOBS) --target capi-bench grpc-noop-server fake-capi
	cmake --build $(BUILD_DIR) -j $(JOBS) --target outboxd || \
	  echo "make bench: outboxd does not build; its rows will be skipped" >&2
	$(BUILD_DIR)/bin/capi-bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(REL_DIR) $(FUZZ_DIR)
