// Options: how an Outbox is opened. Every field states its default.
#ifndef OUTBOX_OPTIONS_H_
#define OUTBOX_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "outbox/clock.h"

namespace outbox {

struct Options {
  // Directory of the RocksDB database; created (mode 0700) if missing.
  // Required.
  std::string data_dir;

  // Time source for validation windows, retries and retention.
  // Not owned; must outlive the Outbox. Default: SystemClock().
  const Clock* clock = nullptr;

  // Events whose deadline (timestamp + 7 days) is closer than this are not
  // sent: enqueue refuses them and delivery marks them EXPIRED, because the
  // API would reject them, failing their whole batch.
  // Default: 10 minutes.
  int64_t expiry_margin_ms = 10 * 60 * 1000;

  // Enqueue fails with RESOURCE_EXHAUSTED once the database uses more than
  // this many bytes on disk (SST files + memtables). 0 = no quota.
  // Default: 0.
  uint64_t max_disk_bytes = 0;

  // Memory for cached database blocks: the data blocks reads touch, and
  // the index and Bloom filter blocks of every database file. These live in
  // this one cache (shared by all column families), so memory stays bounded
  // however many records are stored; the blocks of the newest files and the
  // top level of each file's partitioned index are pinned in it.
  // Default: 64 MiB.
  uint64_t block_cache_bytes = 64ULL << 20;

  // Memory all column families' write buffers (memtables) may use together.
  // Past it the largest is flushed to disk. It also bounds the write-ahead
  // log replayed after a crash, and so the time a restart takes. 0: no
  // shared limit (each column family may then use 128 MiB, and the log
  // grows with them).
  // Default: 128 MiB.
  uint64_t write_buffer_bytes = 128ULL << 20;

  // How long DEAD and EXPIRED records are kept for inspection and replay,
  // counted from the moment they became terminal. DELIVERED records are kept
  // until their event is older than the API's 7-day window, so that a resend
  // of the same key is recognised as a duplicate.
  // Default: 14 days.
  int64_t terminal_retention_ms = 14LL * 24 * 3600 * 1000;

  // Keep the event JSON of DELIVERED records (for inspection). When false it
  // is dropped as soon as the record is delivered; the key is kept anyway.
  // Default: true.
  bool keep_delivered_payload = true;

  // Attempts kept in each record's history (the most recent ones).
  // Default: 10.
  uint32_t max_attempt_history = 10;

  // Application column families for the transactional outbox (see
  // AppWriteBatch). Created on open if missing. Names must be non-empty and
  // contain no '/'.
  // Default: none.
  std::vector<std::string> app_column_families;

  // Run retention in a background thread owned by the Outbox. When false,
  // call Outbox::RunMaintenance() yourself (tests do).
  // Default: true.
  bool background_maintenance = true;
};

}  // namespace outbox

#endif  // OUTBOX_OPTIONS_H_
