// PrivateFileSystem: a RocksDB FileSystem that makes every file it creates
// readable and writable by the owner only (0600). The database holds hashed
// personal data; RocksDB's POSIX file system would create files 0644, and
// changing the process umask from a library would surprise its host.
#ifndef OUTBOX_SRC_PRIVATE_FILE_SYSTEM_H_
#define OUTBOX_SRC_PRIVATE_FILE_SYSTEM_H_

#include <memory>
#include <string>

namespace rocksdb {
class Env;
class FileSystem;
class Logger;
}  // namespace rocksdb

namespace outbox {

// Returns an Env whose file system wraps the default one as described.
std::unique_ptr<rocksdb::Env> NewPrivateEnv();

// Returns RocksDB's info log for the database in `data_dir`: the file LOG
// (0600; the previous one kept as LOG.old), written one line per write(2),
// whose failures are ignored. RocksDB's own logger, after one failed write
// (a full disk), aborts the process in debug builds of librocksdb (Debian
// ships one) and drops every later line in release builds. Null if the file
// cannot be created.
std::shared_ptr<rocksdb::Logger> NewPrivateInfoLog(const std::string& data_dir);

// Tests only (simulated power loss, tests/reliability/): makes NewPrivateEnv
// wrap `base` instead of the default file system, for databases opened
// afterwards; nullptr restores the default. Thread-safe.
void SetBaseFileSystemForTesting(std::shared_ptr<rocksdb::FileSystem> base);

}  // namespace outbox

#endif  // OUTBOX_SRC_PRIVATE_FILE_SYSTEM_H_
