#include "tests/reliability/power_loss_fs.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace outbox::testing {
namespace {

using rocksdb::FileOptions;
using rocksdb::FSDirectory;
using rocksdb::FSWritableFile;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

std::string DirOf(const std::string& file) {
  size_t slash = file.rfind('/');
  return slash == std::string::npos ? "." : file.substr(0, slash);
}

std::optional<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Forwards to the real file and reports appends and syncs to the file
// system, which decides what a power cut keeps.
class TrackedFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  TrackedFile(PowerLossFileSystem* fs, std::string name,
              std::unique_ptr<FSWritableFile> target, uint64_t size)
      : FSWritableFileOwnerWrapper(std::move(target)),
        fs_(fs),
        name_(std::move(name)),
        size_(size) {}

  IOStatus Append(const Slice& data, const IOOptions& o,
                  IODebugContext* dbg) override {
    IOStatus s = fs_->BeginOp();
    if (s.ok()) s = target()->Append(data, o, dbg);
    if (s.ok()) fs_->OnAppend(name_, size_ += data.size());
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& o,
                  const rocksdb::DataVerificationInfo&,
                  IODebugContext* dbg) override {
    return Append(data, o, dbg);
  }
  IOStatus PositionedAppend(const Slice&, uint64_t, const IOOptions&,
                            IODebugContext*) override {
    return IOStatus::NotSupported("PowerLossFileSystem: no direct IO");
  }
  IOStatus PositionedAppend(const Slice&, uint64_t, const IOOptions&,
                            const rocksdb::DataVerificationInfo&,
                            IODebugContext*) override {
    return IOStatus::NotSupported("PowerLossFileSystem: no direct IO");
  }
  IOStatus Truncate(uint64_t size, const IOOptions& o,
                    IODebugContext* dbg) override {
    IOStatus s = fs_->BeginOp();
    if (s.ok()) s = target()->Truncate(size, o, dbg);
    if (s.ok()) fs_->OnTruncate(name_, size_ = size);
    return s;
  }
  IOStatus Sync(const IOOptions& o, IODebugContext* dbg) override {
    return SyncWith(target()->Sync(o, dbg));
  }
  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    return SyncWith(target()->Fsync(o, dbg));
  }
  // Close keeps working without power: it only releases the descriptor (and
  // trims preallocation), and a dead machine's files stay as they were.

 private:
  IOStatus SyncWith(IOStatus synced) {
    // Checked before the sync's result is trusted: a sync that returns after
    // the cut must not count, so the power check comes first.
    IOStatus s = fs_->BeginOp();
    if (!s.ok()) return s;
    if (synced.ok()) fs_->OnSync(name_);
    return synced;
  }

  PowerLossFileSystem* fs_;
  std::string name_;
  uint64_t size_;
};

class TrackedDirectory : public rocksdb::FSDirectoryWrapper {
 public:
  TrackedDirectory(PowerLossFileSystem* fs, std::string name,
                   std::unique_ptr<FSDirectory> target)
      : FSDirectoryWrapper(std::move(target)),
        fs_(fs),
        name_(std::move(name)) {}

  IOStatus Fsync(const IOOptions& o, IODebugContext* dbg) override {
    IOStatus s = fs_->BeginOp();
    if (s.ok()) s = FSDirectoryWrapper::Fsync(o, dbg);
    if (s.ok()) fs_->OnDirSync(name_);
    return s;
  }
  IOStatus FsyncWithDirOptions(
      const IOOptions& o, IODebugContext* dbg,
      const rocksdb::DirFsyncOptions& dir_options) override {
    IOStatus s = fs_->BeginOp();
    if (s.ok())
      s = FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, dir_options);
    if (s.ok()) fs_->OnDirSync(name_);
    return s;
  }

 private:
  PowerLossFileSystem* fs_;
  std::string name_;
};

}  // namespace

PowerLossFileSystem::PowerLossFileSystem(
    std::shared_ptr<rocksdb::FileSystem> base)
    : FileSystemWrapper(std::move(base)) {}

void PowerLossFileSystem::CutPowerAfter(int64_t ops) {
  cut_at_ = ops_.load() + ops;
}

bool PowerLossFileSystem::powered() const {
  int64_t cut = cut_at_.load();
  return cut < 0 || ops_.load() < cut;
}

IOStatus PowerLossFileSystem::BeginOp() {
  int64_t n = ops_.fetch_add(1);
  int64_t cut = cut_at_.load();
  if (cut >= 0 && n >= cut) return IOStatus::IOError("simulated power loss");
  return IOStatus::OK();
}

IOStatus PowerLossFileSystem::Track(const std::string& file, IOStatus opened,
                                    bool created,
                                    std::unique_ptr<FSWritableFile>* r) {
  if (!opened.ok()) return opened;
  uint64_t size = 0;
  if (!created) {
    std::error_code ec;
    size = std::filesystem::file_size(file, ec);
    if (ec) size = 0;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    FileState& state = files_[file];
    state = FileState{size, size, !created};
  }
  *r = std::make_unique<TrackedFile>(this, file, std::move(*r), size);
  return opened;
}

IOStatus PowerLossFileSystem::NewWritableFile(
    const std::string& f, const FileOptions& o,
    std::unique_ptr<FSWritableFile>* r, IODebugContext* dbg) {
  IOStatus s = BeginOp();
  if (!s.ok()) return s;
  return Track(f, target()->NewWritableFile(f, o, r, dbg), true, r);
}

IOStatus PowerLossFileSystem::ReopenWritableFile(
    const std::string& f, const FileOptions& o,
    std::unique_ptr<FSWritableFile>* r, IODebugContext* dbg) {
  IOStatus s = BeginOp();
  if (!s.ok()) return s;
  bool existed = std::filesystem::exists(f);
  return Track(f, target()->ReopenWritableFile(f, o, r, dbg), !existed, r);
}

IOStatus PowerLossFileSystem::ReuseWritableFile(
    const std::string& f, const std::string& old, const FileOptions& o,
    std::unique_ptr<FSWritableFile>* r, IODebugContext* dbg) {
  // WAL recycling (off by default) would need rename tracking here; refusing
  // makes RocksDB create a new file instead.
  (void)f, (void)old, (void)o, (void)r, (void)dbg;
  return IOStatus::NotSupported("PowerLossFileSystem: no file reuse");
}

IOStatus PowerLossFileSystem::NewRandomRWFile(
    const std::string& f, const FileOptions& o,
    std::unique_ptr<rocksdb::FSRandomRWFile>* r, IODebugContext* dbg) {
  (void)f, (void)o, (void)r, (void)dbg;
  return IOStatus::NotSupported("PowerLossFileSystem: no random-write files");
}

IOStatus PowerLossFileSystem::NewDirectory(const std::string& name,
                                           const IOOptions& o,
                                           std::unique_ptr<FSDirectory>* r,
                                           IODebugContext* dbg) {
  IOStatus s = target()->NewDirectory(name, o, r, dbg);
  if (s.ok())
    *r = std::make_unique<TrackedDirectory>(this, name, std::move(*r));
  return s;
}

IOStatus PowerLossFileSystem::RenameFile(const std::string& src,
                                         const std::string& dst,
                                         const IOOptions& o,
                                         IODebugContext* dbg) {
  IOStatus s = BeginOp();
  if (!s.ok()) return s;
  std::optional<std::string> old_dst = ReadWhole(dst);
  s = target()->RenameFile(src, dst, o, dbg);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(src);
  if (it != files_.end()) {
    files_[dst] = it->second;
    files_.erase(src);
  }
  renames_.push_back({src, dst, std::move(old_dst)});
  return s;
}

IOStatus PowerLossFileSystem::DeleteFile(const std::string& f,
                                         const IOOptions& o,
                                         IODebugContext* dbg) {
  IOStatus s = BeginOp();
  if (!s.ok()) return s;
  s = target()->DeleteFile(f, o, dbg);
  if (s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    files_.erase(f);
  }
  return s;
}

void PowerLossFileSystem::OnAppend(const std::string& file, uint64_t new_size) {
  std::lock_guard<std::mutex> lock(mu_);
  files_[file].size = new_size;
}

void PowerLossFileSystem::OnTruncate(const std::string& file, uint64_t size) {
  std::lock_guard<std::mutex> lock(mu_);
  FileState& state = files_[file];
  state.size = size;
  state.synced = std::min(state.synced, size);
}

void PowerLossFileSystem::OnSync(const std::string& file) {
  std::lock_guard<std::mutex> lock(mu_);
  FileState& state = files_[file];
  state.synced = state.size;
}

void PowerLossFileSystem::OnDirSync(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [file, state] : files_) {
    if (DirOf(file) == dir) state.entry_durable = true;
  }
  std::vector<Rename> pending;
  for (Rename& rename : renames_) {
    if (DirOf(rename.dst) != dir) pending.push_back(std::move(rename));
  }
  renames_.swap(pending);
}

PowerLossFileSystem::Losses PowerLossFileSystem::LoseUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  Losses losses;
  // Undo renames newest first, so a chain of renames unwinds in order.
  for (auto it = renames_.rbegin(); it != renames_.rend(); ++it) {
    std::rename(it->dst.c_str(), it->src.c_str());
    if (it->old_dst) std::ofstream(it->dst, std::ios::binary) << *it->old_dst;
    auto state = files_.find(it->dst);
    if (state != files_.end()) {
      files_[it->src] = state->second;
      files_.erase(state);
    }
    ++losses.renames_undone;
  }
  for (const auto& [file, state] : files_) {
    if (!state.entry_durable) {
      if (::unlink(file.c_str()) == 0) ++losses.files_removed;
      continue;
    }
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(file, ec);
    if (ec || size <= state.synced) continue;
    if (::truncate(file.c_str(), static_cast<off_t>(state.synced)) == 0) {
      ++losses.files_truncated;
      losses.bytes_dropped += size - state.synced;
    }
  }
  files_.clear();
  renames_.clear();
  cut_at_ = -1;
  return losses;
}

}  // namespace outbox::testing
