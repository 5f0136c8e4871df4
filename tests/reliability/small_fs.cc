#include "tests/reliability/small_fs.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace outbox::testing {
namespace {

bool Run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace

SmallFileSystem::SmallFileSystem(const std::string& dir, int size_mb)
    : mount_point_(dir + "/mnt") {
  std::filesystem::create_directories(mount_point_);
  if (geteuid() != 0) {
    why_ = "mounting needs root";
    return;
  }
  const std::string size = std::to_string(size_mb) + "M";
  const std::string image = dir + "/fs.img";
  // -m 0: no blocks reserved for root, who runs the test and would use them.
  if (Run("truncate -s " + size + " " + image) &&
      Run("mkfs.ext4 -q -F -m 0 " + image) &&
      Run("mount -o loop " + image + " " + mount_point_)) {
    kind_ = "ext4 (loop)";
    return;
  }
  if (Run("mount -t tmpfs -o size=" + size + " tmpfs " + mount_point_)) {
    kind_ = "tmpfs";
    return;
  }
  why_ = "neither a loop-mounted ext4 image nor a tmpfs could be mounted";
}

SmallFileSystem::~SmallFileSystem() {
  if (!mounted()) return;
  if (!Run("umount " + mount_point_)) Run("umount -l " + mount_point_);
}

uint64_t SmallFileSystem::FillWith(const std::string& path,
                                   uint64_t max_bytes) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  std::vector<char> chunk(64 << 10, 'x');
  uint64_t written = 0;
  for (size_t step : {chunk.size(), size_t{512}}) {  // 512: the last crumbs.
    while (written + step <= max_bytes) {
      ssize_t n = write(fd, chunk.data(), step);
      if (n <= 0) break;  // ENOSPC: full.
      written += static_cast<uint64_t>(n);
    }
  }
  fsync(fd);
  close(fd);
  return written;
}

uint64_t SmallFileSystem::FreeBytes(const std::string& path) {
  struct statvfs st;
  if (statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace outbox::testing
