// Replays the committed fuzz corpus (tests/fuzz/corpus/<target>/) through
// the fuzz targets in the normal build, and keeps every input a fuzzer once
// broke as a named regression case. Needs no clang: this is the fuzzing
// tier of `make test` and `make asan`.
#define BOOST_TEST_MODULE fuzz_corpus_tests
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/fuzz/fuzz_targets.h"

namespace outbox::fuzz {
namespace {

using Target = int (*)(const uint8_t*, size_t);

int Run(Target target, const std::string& bytes) {
  return target(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Runs every file of the target's corpus; returns how many there were.
size_t Replay(const std::string& name, Target target) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(OUTBOX_FUZZ_CORPUS_DIR) + "/" + name)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    BOOST_TEST_CONTEXT(entry.path().filename()) {
      BOOST_TEST(Run(target, bytes.str()) == 0);
    }
    ++files;
  }
  BOOST_TEST_MESSAGE(name << ": " << files << " corpus inputs replayed");
  return files;
}

BOOST_AUTO_TEST_SUITE(FuzzCorpusTest)

BOOST_AUTO_TEST_CASE(EventJsonCorpusKeepsItsProperties) {
  BOOST_TEST(Replay("event_json", FuzzEventJson) > 0u);
}

BOOST_AUTO_TEST_CASE(RecordCodecCorpusKeepsItsProperties) {
  BOOST_TEST(Replay("record_codec", FuzzRecordCodec) > 0u);
}

BOOST_AUTO_TEST_CASE(DedupKeyCorpusKeepsItsProperties) {
  BOOST_TEST(Replay("dedup_key", FuzzDedupKey) > 0u);
}

BOOST_AUTO_TEST_CASE(ConfigCorpusKeepsItsProperties) {
  BOOST_TEST(Replay("config", FuzzConfig) > 0u);
}

// Found by FuzzRecordCodec: an attempt's request id (a response header) or
// transport error that was not UTF-8 (or was cut inside a character) made
// proto3 refuse to parse the whole record: DATA_LOSS for a stored event.
BOOST_AUTO_TEST_CASE(RecordWithNonUtf8AttemptTextReadsBack) {
  BOOST_TEST(Run(FuzzRecordCodec, "req-\xe9t\xe9") == 0);
  BOOST_TEST(Run(FuzzRecordCodec, "caf\xc3") == 0);  // Cut after one byte.
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox::fuzz
