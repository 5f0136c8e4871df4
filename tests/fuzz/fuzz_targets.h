// The fuzz targets: each takes arbitrary bytes, feeds them to one decoder or
// validator of the library, and checks the properties that must hold for
// every input (no crash, no undefined behaviour, round trips that agree).
// A broken property prints what broke and aborts, which libFuzzer reports as
// a crash and the corpus test as a failure.
//
// They are built twice: with clang and -fsanitize=fuzzer,address,undefined
// as libFuzzer binaries (libfuzzer/CMakeLists.txt, `make reliability`), and
// into fuzz_corpus_tests, which replays the committed corpus and the
// regressions in the normal build (`make test`, `make asan`).
#ifndef OUTBOX_TESTS_FUZZ_FUZZ_TARGETS_H_
#define OUTBOX_TESTS_FUZZ_FUZZ_TARGETS_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace outbox::fuzz {

// bytes -> ParseEventJson -> PrepareEvent -> AppendEventJson ->
// ParseEventJson: the two encodings and the two parses must agree, and
// preparing a prepared event must change nothing. Also ParseRequestBody.
int FuzzEventJson(const uint8_t* data, size_t size);

// bytes -> DecodeRecordKey, the index key parsers and DecodeRecord; what
// decodes must re-encode to the same bytes. Also: any record built from the
// bytes must survive EncodeRecord -> DecodeRecord.
int FuzzRecordCodec(const uint8_t* data, size_t size);

// bytes -> DedupKey::Parse -> ToString -> Parse, and bytes split into three
// components -> DedupKey::Create -> ToString -> Parse: the same key back.
int FuzzDedupKey(const uint8_t* data, size_t size);

// bytes -> outboxd's config parsers (grpc_service/config.h) as a TOML file
// (what parses prints and parses back the same), an API key file (errors
// never echo a line) and a command line + environment (exit codes 0, 64,
// 78; the API key never shown). See config_fuzz.cc.
int FuzzConfig(const uint8_t* data, size_t size);

[[noreturn]] inline void FuzzFailure(const char* file, int line,
                                     const std::string& what) {
  std::fprintf(stderr, "%s:%d: fuzz property broken: %s\n", file, line,
               what.c_str());
  std::abort();
}

}  // namespace outbox::fuzz

#define FUZZ_CHECK(condition, what)                                            \
  do {                                                                         \
    if (!(condition)) ::outbox::fuzz::FuzzFailure(__FILE__, __LINE__, (what)); \
  } while (false)

#endif  // OUTBOX_TESTS_FUZZ_FUZZ_TARGETS_H_
