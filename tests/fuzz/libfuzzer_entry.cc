// libFuzzer's entry point for one target, chosen at compile time with
// -DOUTBOX_FUZZ_TARGET=FuzzEventJson (see libfuzzer/CMakeLists.txt).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return outbox::fuzz::OUTBOX_FUZZ_TARGET(data, size);
}
