#include "outbox/src/column_families.h"

#include <rocksdb/cache.h>
#include <rocksdb/comparator.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>

#include "outbox/src/storage_keys.h"

namespace outbox {
namespace {

// One block cache holds every column family's data, index and filter
// blocks, so memory stays bounded however many files the database has
// (index and filter blocks kept outside it grow with the data).
std::shared_ptr<rocksdb::TableFactory> NewTableFactory(
    const std::shared_ptr<rocksdb::Cache>& cache, bool bloom) {
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  // The newest files take most reads; their blocks never leave the cache.
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  if (bloom) {
    // A point lookup visits every file whose key range covers the key (each
    // L0 file, then one per level) until it finds it; a Bloom filter lets
    // it pass the files that do not hold the key without reading a block.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // Partitioned: a probe needs one small partition cached, not a file's
    // whole filter and index. Only the top levels are pinned.
    table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
    table.partition_filters = true;
    table.pin_top_level_index_and_filter = true;
  }
  return std::shared_ptr<rocksdb::TableFactory>(
      rocksdb::NewBlockBasedTableFactory(table));
}

// A claim reads its records and payloads in deadline order, which is
// random in key order, so each read decompresses a block of its own: with
// a backlog of 1M events that was half of the drain's CPU, and the drain
// ran at half the speed (bench/FINDINGS.md). The levels that hold recent
// data (L0-L2: up to about 2.8 GB per column family with the default level
// sizes) are therefore stored uncompressed, and only deeper levels, mostly
// delivered records kept for their retention window, are compressed.
void CompressOnlyDeepLevels(rocksdb::ColumnFamilyOptions* cf) {
  cf->compression_per_level.assign(cf->num_levels,
                                   rocksdb::kSnappyCompression);
  for (int level = 0; level < 3 && level < cf->num_levels; ++level) {
    cf->compression_per_level[level] = rocksdb::kNoCompression;
  }
}

// The store writes each group's batch in key order (key_ordered_batch.h):
// one hint for the whole column family lets each insert start its search
// where the one before it ended, a few entries back, instead of at the top
// of the skiplist. Without sorted batches, records arrive in random key
// order and the hint would save nothing.
void HintInsertsFromThePreviousOne(rocksdb::ColumnFamilyOptions* cf) {
  cf->memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(0));
}

// Enqueue probes every key for a duplicate; most probes are for new keys,
// which the Bloom filter answers without reading a block.
rocksdb::ColumnFamilyOptions RecordsCfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  CompressOnlyDeepLevels(&cf);
  cf.table_factory = NewTableFactory(cache, /*bloom=*/true);
  cf.memtable_whole_key_filtering = true;
  cf.memtable_prefix_bloom_size_ratio = 0.02;
  HintInsertsFromThePreviousOne(&cf);
  return cf;
}

// Bytewise order under a name of its own (see FormatGuardComparator()).
class GuardComparator : public rocksdb::Comparator {
 public:
  const char* Name() const override {
    return "capi-outbox storage format 2 (bytewise)";
  }
  int Compare(const rocksdb::Slice& a, const rocksdb::Slice& b) const override {
    return rocksdb::BytewiseComparator()->Compare(a, b);
  }
  void FindShortestSeparator(std::string* start,
                             const rocksdb::Slice& limit) const override {
    rocksdb::BytewiseComparator()->FindShortestSeparator(start, limit);
  }
  void FindShortSuccessor(std::string* key) const override {
    rocksdb::BytewiseComparator()->FindShortSuccessor(key);
  }
};

// Payloads are read by key, for records known to exist but not known to
// be in which file: a claim's 1,000 reads each went through every L0 file
// and level above the one holding the key, reading (pread, checksum, cache
// insert) a data block in each. A Bloom filter skips those files; it cut
// the claim's read by 10-29% and raised the drain 3-37% (bench/FINDINGS.md).
// Lookups that reach the last level find their key there, so that level,
// the largest, needs no filter (optimize_filters_for_hits).
rocksdb::ColumnFamilyOptions PayloadsCfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  CompressOnlyDeepLevels(&cf);
  cf.table_factory = NewTableFactory(cache, /*bloom=*/true);
  cf.optimize_filters_for_hits = true;
  HintInsertsFromThePreviousOne(&cf);
  return cf;
}

// The part of a `due` key before the deadline: its pixel (u8 len, bytes).
class PixelPrefixTransform : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "outbox.PixelPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    std::string_view prefix = PixelPrefixOfDueKey(key.ToStringView());
    return rocksdb::Slice(prefix.data(), prefix.size());
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return !PixelPrefixOfDueKey(key.ToStringView()).empty();
  }
};

rocksdb::ColumnFamilyOptions IndexCfOptions(
    const std::shared_ptr<rocksdb::Cache>& cache, bool due) {
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory = NewTableFactory(cache, /*bloom=*/false);
  // Index keys arrive mostly in order within their first bytes (a pixel's
  // deadlines, times, a state): the memtable starts each insert's search
  // at the last insert with the same prefix instead of at its top.
  cf.memtable_insert_with_hint_prefix_extractor =
      due ? std::shared_ptr<const rocksdb::SliceTransform>(
                std::make_shared<PixelPrefixTransform>())
          : std::shared_ptr<const rocksdb::SliceTransform>(
                rocksdb::NewFixedPrefixTransform(1));
  // Index entries are deleted as records move on; SST files full of such
  // tombstones are compacted early so scans do not wade through them.
  cf.table_properties_collector_factories.emplace_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(/*sliding_window=*/10000,
                                                    /*deletion_trigger=*/5000));
  return cf;
}

}  // namespace

const rocksdb::Comparator* FormatGuardComparator() {
  static const GuardComparator* const comparator = new GuardComparator();
  return comparator;
}

rocksdb::ColumnFamilyOptions ColumnFamilyOptionsFor(
    std::string_view name, const std::shared_ptr<rocksdb::Cache>& cache) {
  if (name == kRecordsCf) return RecordsCfOptions(cache);
  if (name == kPayloadsCf || name == kRecordKeyedPayloadsCf) {
    return PayloadsCfOptions(cache);
  }
  if (name == kFormatGuardCf) {
    rocksdb::ColumnFamilyOptions cf;
    cf.comparator = FormatGuardComparator();
    return cf;
  }
  return IndexCfOptions(cache, name == kDueCf);
}

}  // namespace outbox
