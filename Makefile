# capi-outbox: the two commands are `make demo` and `make test`.
# Every target installs missing Debian packages first (`make deps`).

BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
JOBS       ?= $(shell nproc)
CTEST_ARGS ?=

# Debian 12 packages the build and tests need. Keep this the only list.
DEB_PACKAGES := cmake g++ make pkg-config \
  librocksdb-dev libprotobuf-dev protobuf-compiler \
  libboost-test-dev libboost-dev libssl-dev libicu-dev rapidjson-dev \
  libcurl4-openssl-dev

.PHONY: deps configure build test demo asan clean

deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: build
	$(BUILD_DIR)/bin/outbox-example --data-dir "$$(mktemp -d)/outbox"

# Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DOUTBOX_SANITIZE=address
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS) -L unit $(CTEST_ARGS)

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
