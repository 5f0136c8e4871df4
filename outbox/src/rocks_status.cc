#include "outbox/src/rocks_status.h"

#include <rocksdb/status.h>

namespace outbox {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  std::string msg = what + ": " + s.ToString();
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace() || s.subcode() == rocksdb::Status::kSpaceLimit) {
    return Status::ResourceExhausted(msg + " (free disk space, then retry)");
  }
  if (s.IsCorruption()) return Status::DataLoss(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain() || s.IsIncomplete()) {
    return Status::Unavailable(msg);
  }
  return Status::Internal(msg);
}

}  // namespace outbox
