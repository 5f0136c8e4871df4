// The RocksDB options of the store's column families (docs/design.md has
// what each one holds): one shared block cache, a Bloom filter where enqueue
// probes for duplicates, memtable insert hints (the store writes each batch
// in key order), and the comparator that keeps older builds out
// (FormatGuardComparator).
#ifndef OUTBOX_SRC_COLUMN_FAMILIES_H_
#define OUTBOX_SRC_COLUMN_FAMILIES_H_

#include <rocksdb/options.h>

#include <memory>
#include <string_view>

namespace rocksdb {
class Cache;
class Comparator;
}  // namespace rocksdb

namespace outbox {

inline constexpr char kRecordsCf[] = "records";
// Payloads by PayloadKey (storage_keys.h), since format 4.
inline constexpr char kPayloadsCf[] = "payloads_by_time";
// Payloads by RecordKey (formats 2 and 3): emptied into kPayloadsCf and
// dropped when such a directory is opened.
inline constexpr char kRecordKeyedPayloadsCf[] = "payloads";
inline constexpr char kDueCf[] = "due";
// Always empty; see FormatGuardComparator.
inline constexpr char kFormatGuardCf[] = "format-2";

// The comparator of the empty "format-2" column family. Builds from before
// format 2 do not check the format; they open every column family with the
// bytewise comparator, and RocksDB refuses a column family whose comparator
// name differs from the one it was created with. So those builds cannot
// open a format-2 directory (and send its events without their JSON): they
// fail with "... does not match existing comparator capi-outbox storage
// format 2 (bytewise)". Anything else opening the database raw must pass
// this comparator for that column family.
const rocksdb::Comparator* FormatGuardComparator();

// The options for column family `name`. Every one keeps its blocks in
// `cache`. Names this file does not know (meta, the other indexes, the
// application's) get the options of a small index.
rocksdb::ColumnFamilyOptions ColumnFamilyOptionsFor(
    std::string_view name, const std::shared_ptr<rocksdb::Cache>& cache);

}  // namespace outbox

#endif  // OUTBOX_SRC_COLUMN_FAMILIES_H_
