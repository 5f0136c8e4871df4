#include "bench/harness/fixtures.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "bench/harness/outbox_load.h"
#include "outbox/outbox.h"
#include "outbox/src/store.h"

namespace bench {
namespace fs = std::filesystem;
namespace {

std::string FixtureName(const FixtureSpec& spec) {
  return std::string(spec.delivered ? "delivered-" : "pending-") +
         std::to_string(spec.events) + "x" + std::to_string(spec.pixels);
}

// Waits until RocksDB has compacted what the fill (and drain) left: a
// fixture stands for records at rest. A bulk load leaves compactions due,
// and closing the database then would carry them into every trial cloned
// from it, to be measured there. (On the 10M delivered fixture they ended
// within seconds of the drain; the wait makes that certain.)
outbox::Status Settle(const outbox::Store& store) {
  constexpr auto kLimit = std::chrono::minutes(30);
  const auto start = std::chrono::steady_clock::now();
  auto last_report = start;
  while (store.BackgroundWorkPending()) {
    const auto now = std::chrono::steady_clock::now();
    if (now - start > kLimit) {
      return outbox::Status::Unavailable(
          "RocksDB's compactions of the fixture did not finish in 30 "
          "minutes; is the disk full or very slow?");
    }
    if (now - last_report > std::chrono::seconds(10)) {
      std::fprintf(stderr,
                   "    settling: compactions running (%.0f s, %.1f GB)\n",
                   std::chrono::duration<double>(now - start).count(),
                   static_cast<double>(store.DiskBytes()) / 1e9);
      last_report = now;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return outbox::Status::Ok();
}

outbox::Status Build(const std::string& dir, const FixtureSpec& spec,
                     const CapiTarget& capi) {
  outbox::Options options;
  options.data_dir = dir;
  options.background_maintenance = false;
  auto box = outbox::Outbox::Open(options);
  if (!box.ok()) return box.status();
  OUTBOX_RETURN_IF_ERROR(FillOutbox(**box, spec.events, spec.pixels, "f"));
  if (spec.delivered) {
    auto drained = DrainAll(**box, capi.url, spec.events, capi.pid, 3600);
    if (!drained.ok()) return drained.status();
  }
  return Settle((*box)->store());
}

}  // namespace

outbox::StatusOr<std::string> EnsureFixture(const std::string& work_dir,
                                            const FixtureSpec& spec,
                                            const CapiTarget& capi) {
  const std::string dir = work_dir + "/fixtures/" + FixtureName(spec);
  if (fs::exists(dir)) return dir;
  std::fprintf(stderr, "  building fixture %s (not measured)\n",
               FixtureName(spec).c_str());
  const auto start = std::chrono::steady_clock::now();
  const std::string temp = dir + ".partial";
  std::error_code ignored;
  fs::remove_all(temp, ignored);
  outbox::Status built = Build(temp, spec, capi);
  if (!built.ok()) return built;
  // Renamed only when complete, so a bench killed mid-build never reuses
  // a half-filled fixture.
  fs::rename(temp, dir);
  std::fprintf(
      stderr, "  fixture %s built in %.1f s\n", FixtureName(spec).c_str(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count());
  return dir;
}

outbox::Status CloneDb(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec)
    return outbox::Status::Unavailable("mkdir " + to + ": " + ec.message());
  fs::permissions(to, fs::perms::owner_all, ec);
  for (const fs::directory_entry& entry : fs::directory_iterator(from, ec)) {
    const fs::path target = fs::path(to) / entry.path().filename();
    if (entry.path().extension() == ".sst") {
      fs::create_hard_link(entry.path(), target, ec);
    } else {
      fs::copy_file(entry.path(), target, ec);
    }
    if (ec) {
      return outbox::Status::Unavailable("clone " + entry.path().string() +
                                         ": " + ec.message());
    }
  }
  return outbox::Status::Ok();
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

}  // namespace bench
