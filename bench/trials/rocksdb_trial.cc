// The storage ceiling: raw RocksDB synced writes of 600-byte values, with no
// outbox logic, from 1 or 32 threads (RocksDB's own group commit merges
// concurrent writers) or in batches.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "bench/trials/trials.h"

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

struct WriterResult {
  uint64_t writes = 0;
  std::vector<double> latencies_ms;
};

void WriteLoop(rocksdb::DB* db, int thread, int batch, Clock::time_point end,
               const std::string& value, WriterResult* out,
               rocksdb::Status* error) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  for (uint64_t n = 0; Clock::now() < end; ++n) {
    rocksdb::WriteBatch wb;
    for (int i = 0; i < batch; ++i) {
      wb.Put("k" + std::to_string(thread) + "-" + std::to_string(n) + "-" +
                 std::to_string(i),
             value);
    }
    const Clock::time_point start = Clock::now();
    rocksdb::Status s = db->Write(sync, &wb);
    if (!s.ok()) {
      *error = s;
      return;
    }
    out->latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - start)
            .count());
    ++out->writes;
  }
}

}  // namespace

outbox::StatusOr<Metrics> RocksDbCeilingTrial(const Params& p) {
  const int threads = static_cast<int>(p.Int("threads", 1));
  const int batch = static_cast<int>(p.Int("batch", 1));
  const double seconds = p.Num("seconds", 5);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(options, p.Str("work_dir") + "/rocksdb", &raw);
  if (!s.ok()) return outbox::Status::Unavailable(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  const std::string value(600, 'v');
  const Clock::time_point end =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(seconds));
  std::vector<WriterResult> results(static_cast<size_t>(threads));
  std::vector<rocksdb::Status> errors(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back(WriteLoop, db.get(), t, batch, end, std::cref(value),
                         &results[t], &errors[t]);
  }
  for (std::thread& w : workers) w.join();
  for (const rocksdb::Status& e : errors) {
    if (!e.ok()) return outbox::Status::Unavailable(e.ToString());
  }
  uint64_t writes = 0;
  std::vector<double> latencies;
  for (WriterResult& r : results) {
    writes += r.writes;
    latencies.insert(latencies.end(), r.latencies_ms.begin(),
                     r.latencies_ms.end());
  }
  Metrics m;
  m["writes_per_s"] = static_cast<double>(writes) / seconds;
  m["events_per_s"] = static_cast<double>(writes) * batch / seconds;
  AddLatencyQuantiles(std::move(latencies), "", &m);
  return m;
}

}  // namespace bench
