#include "outbox/src/private_file_system.h"

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <sys/stat.h>

namespace outbox {
namespace {

using rocksdb::FileOptions;
using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;

class PrivateFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit PrivateFileSystem(std::shared_ptr<FileSystem> target)
      : FileSystemWrapper(std::move(target)) {}
  const char* Name() const override { return "OutboxPrivateFileSystem"; }

  IOStatus NewWritableFile(const std::string& f, const FileOptions& o,
                           std::unique_ptr<rocksdb::FSWritableFile>* r,
                           IODebugContext* dbg) override {
    return Private(f, target()->NewWritableFile(f, o, r, dbg));
  }
  IOStatus ReopenWritableFile(const std::string& f, const FileOptions& o,
                              std::unique_ptr<rocksdb::FSWritableFile>* r,
                              IODebugContext* dbg) override {
    return Private(f, target()->ReopenWritableFile(f, o, r, dbg));
  }
  IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                             const FileOptions& o,
                             std::unique_ptr<rocksdb::FSWritableFile>* r,
                             IODebugContext* dbg) override {
    return Private(f, target()->ReuseWritableFile(f, old, o, r, dbg));
  }
  IOStatus NewRandomRWFile(const std::string& f, const FileOptions& o,
                           std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                           IODebugContext* dbg) override {
    return Private(f, target()->NewRandomRWFile(f, o, r, dbg));
  }
  IOStatus NewLogger(const std::string& f, const IOOptions& o,
                     std::shared_ptr<rocksdb::Logger>* r,
                     IODebugContext* dbg) override {
    return Private(f, target()->NewLogger(f, o, r, dbg));
  }
  IOStatus LockFile(const std::string& f, const IOOptions& o,
                    rocksdb::FileLock** l, IODebugContext* dbg) override {
    return Private(f, target()->LockFile(f, o, l, dbg));
  }

 private:
  // The file exists once the target succeeded; narrowing its mode then
  // leaves no window in which others could open it, as the data directory
  // itself is 0700.
  static IOStatus Private(const std::string& file, IOStatus created) {
    if (created.ok()) chmod(file.c_str(), 0600);
    return created;
  }
};

}  // namespace

std::unique_ptr<rocksdb::Env> NewPrivateEnv() {
  return rocksdb::NewCompositeEnv(
      std::make_shared<PrivateFileSystem>(rocksdb::FileSystem::Default()));
}

}  // namespace outbox
