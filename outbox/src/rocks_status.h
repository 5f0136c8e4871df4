// How a RocksDB error reaches the library's callers.
#ifndef OUTBOX_SRC_ROCKS_STATUS_H_
#define OUTBOX_SRC_ROCKS_STATUS_H_

#include <string>

#include "outbox/status.h"

namespace rocksdb {
class Status;
}  // namespace rocksdb

namespace outbox {

// Maps a RocksDB error to the code that tells the caller what to do:
// RESOURCE_EXHAUSTED for a full disk, DATA_LOSS for corruption, UNAVAILABLE
// for I/O errors, INTERNAL otherwise. The message is `what`: RocksDB's text.
Status FromRocks(const rocksdb::Status& s, const std::string& what);

}  // namespace outbox

#endif  // OUTBOX_SRC_ROCKS_STATUS_H_
