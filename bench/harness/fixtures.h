// Prepared outbox databases (a backlog of 1,000,000 pending events, 10,000
// delivered records, ...) built once per bench run and cloned for each
// trial, so that repeated runs start from the same state without paying the
// fill every time.
#ifndef BENCH_HARNESS_FIXTURES_H_
#define BENCH_HARNESS_FIXTURES_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "outbox/status.h"

namespace bench {

struct FixtureSpec {
  uint64_t events = 0;
  int pixels = 1;
  bool delivered = false;  // Drained into fake-capi: delivered-retained.
};

// Where delivered fixtures are drained to.
struct CapiTarget {
  std::string url;  // http://127.0.0.1:PORT/v1/events
  pid_t pid = 0;
};

// Returns the directory of a closed outbox database holding `spec`, built
// under `work_dir`/fixtures on first use (ids "f<n>").
outbox::StatusOr<std::string> EnsureFixture(const std::string& work_dir,
                                            const FixtureSpec& spec,
                                            const CapiTarget& capi);

// Copies the closed database `from` to the new directory `to`. Table files
// are hard-linked (RocksDB never changes one in place); the rest is copied.
outbox::Status CloneDb(const std::string& from, const std::string& to);

// Total size of the files under `dir`, in bytes.
uint64_t DirectoryBytes(const std::string& dir);

}  // namespace bench

#endif  // BENCH_HARNESS_FIXTURES_H_
