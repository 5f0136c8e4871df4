// SmallFileSystem: a size-capped file system mounted for one test, so the
// test can fill it. A loop-mounted ext4 image when the machine allows it
// (root, mkfs.ext4, loop devices), else a tmpfs with size=; neither is
// possible without root, and the test then skips.
#ifndef OUTBOX_TESTS_RELIABILITY_SMALL_FS_H_
#define OUTBOX_TESTS_RELIABILITY_SMALL_FS_H_

#include <cstdint>
#include <string>

namespace outbox::testing {

class SmallFileSystem {
 public:
  // Mounts `size_mb` MiB at `dir`/mnt (dir must exist). On failure
  // mounted() is false and why() says what was tried.
  SmallFileSystem(const std::string& dir, int size_mb);
  // Unmounts (lazily if something still holds it).
  ~SmallFileSystem();
  SmallFileSystem(const SmallFileSystem&) = delete;
  SmallFileSystem& operator=(const SmallFileSystem&) = delete;

  bool mounted() const { return !kind_.empty(); }
  const std::string& kind() const { return kind_; }  // "ext4 (loop)", "tmpfs"
  const std::string& why() const { return why_; }
  const std::string& path() const { return mount_point_; }

  // Writes `path` until the file system is full, or `max_bytes` are
  // written. Returns the bytes written.
  static uint64_t FillWith(const std::string& path,
                           uint64_t max_bytes = UINT64_MAX);
  // Free bytes on the file system holding `path`.
  static uint64_t FreeBytes(const std::string& path);

 private:
  std::string mount_point_;
  std::string kind_;
  std::string why_;
};

}  // namespace outbox::testing

#endif  // OUTBOX_TESTS_RELIABILITY_SMALL_FS_H_
