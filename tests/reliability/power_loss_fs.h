// PowerLossFileSystem: a RocksDB FileSystem for tests that remembers what
// has reached the disk for certain and can throw the rest away, as a power
// cut would.
//
// Certain means: file contents up to the last Sync/Fsync of the file, and a
// file's existence or new name once its directory was fsynced after the
// create or rename. RangeSync and Flush promise nothing. Only files written
// through this object since it was created (or since the last
// LoseUnsyncedData) are tracked; older files count as durable.
//
//   CutPower()          every later write, sync, create, rename and delete
//                       fails with an IO error: the machine is off
//   LoseUnsyncedData()  with the database closed: truncates each tracked
//                       file to its synced size, removes files whose
//                       creation was never followed by a directory sync,
//                       undoes such renames; then power comes back
//
// Thread-safety: all methods are thread-safe.
#ifndef OUTBOX_TESTS_RELIABILITY_POWER_LOSS_FS_H_
#define OUTBOX_TESTS_RELIABILITY_POWER_LOSS_FS_H_

#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace outbox::testing {

class PowerLossFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit PowerLossFileSystem(std::shared_ptr<rocksdb::FileSystem> base =
                                   rocksdb::FileSystem::Default());
  const char* Name() const override { return "PowerLossFileSystem"; }

  // What the last LoseUnsyncedData threw away.
  struct Losses {
    size_t files_truncated = 0;
    uint64_t bytes_dropped = 0;
    size_t files_removed = 0;
    size_t renames_undone = 0;
  };

  // The power goes off now, or after `ops` more mutating operations
  // (appends, syncs, creates, renames, deletes): a random instant that may
  // fall inside an open, a flush or a recovery.
  void CutPower() { CutPowerAfter(0); }
  void CutPowerAfter(int64_t ops);
  bool powered() const;
  // Mutating operations seen so far (to pick a random instant).
  int64_t ops() const { return ops_.load(); }

  // See the file comment. Call only once nothing uses the files.
  Losses LoseUnsyncedData();

  // --- rocksdb::FileSystem ---
  rocksdb::IOStatus NewWritableFile(const std::string& f,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& f, const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& f, const std::string& old,
      const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& f,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name,
                                 const rocksdb::IOOptions& o,
                                 std::unique_ptr<rocksdb::FSDirectory>* r,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst,
                               const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& f,
                               const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override;

  // Hooks for the wrapped files and directories.
  rocksdb::IOStatus BeginOp();  // IO error once the power is off.
  void OnAppend(const std::string& file, uint64_t new_size);
  void OnTruncate(const std::string& file, uint64_t size);
  void OnSync(const std::string& file);
  void OnDirSync(const std::string& dir);

 private:
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool entry_durable = false;  // Its directory was fsynced since create.
  };
  struct Rename {
    std::string src, dst;
    std::optional<std::string> old_dst;  // Contents dst had, if it existed.
  };
  rocksdb::IOStatus Track(const std::string& file, rocksdb::IOStatus opened,
                          bool created,
                          std::unique_ptr<rocksdb::FSWritableFile>* r);

  std::atomic<int64_t> ops_{0};
  std::atomic<int64_t> cut_at_{-1};  // ops_ value at which power goes off.
  mutable std::mutex mu_;
  std::map<std::string, FileState> files_;  // guarded by mu_
  std::vector<Rename> renames_;             // guarded by mu_; not yet durable
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_POWER_LOSS_FS_H_
