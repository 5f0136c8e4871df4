#include "outbox/src/private_file_system.h"

#include <fcntl.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>

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

class PrivateInfoLog : public rocksdb::Logger {
 public:
  explicit PrivateInfoLog(int fd) : fd_(fd) {}
  ~PrivateInfoLog() override { close(fd_); }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[2048];
    timeval now;
    gettimeofday(&now, nullptr);
    tm t;
    localtime_r(&now.tv_sec, &t);
    int n =
        std::snprintf(line, sizeof line, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ",
                      t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                      t.tm_min, t.tm_sec, static_cast<long>(now.tv_usec));
    int m = std::vsnprintf(line + n, sizeof line - n - 1, format, ap);
    size_t len =
        std::min(sizeof line - 2, static_cast<size_t>(n + std::max(m, 0)));
    line[len++] = '\n';
    // A line that does not fit on a full disk is lost; the next may fit.
    if (write(fd_, line, len) < 0) return;
  }

 private:
  const int fd_;
};

std::mutex base_mu;
std::shared_ptr<rocksdb::FileSystem> base_for_testing;  // guarded by base_mu

}  // namespace

std::unique_ptr<rocksdb::Env> NewPrivateEnv() {
  std::shared_ptr<rocksdb::FileSystem> base;
  {
    std::lock_guard<std::mutex> lock(base_mu);
    base = base_for_testing;
  }
  if (base == nullptr) base = rocksdb::FileSystem::Default();
  return rocksdb::NewCompositeEnv(
      std::make_shared<PrivateFileSystem>(std::move(base)));
}

std::shared_ptr<rocksdb::Logger> NewPrivateInfoLog(
    const std::string& data_dir) {
  const std::string path = data_dir + "/LOG";
  std::rename(path.c_str(), (path + ".old").c_str());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  return std::make_shared<PrivateInfoLog>(fd);
}

void SetBaseFileSystemForTesting(std::shared_ptr<rocksdb::FileSystem> base) {
  std::lock_guard<std::mutex> lock(base_mu);
  base_for_testing = std::move(base);
}

}  // namespace outbox
