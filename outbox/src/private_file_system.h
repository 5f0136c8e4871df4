// PrivateFileSystem: a RocksDB FileSystem that makes every file it creates
// readable and writable by the owner only (0600). The database holds hashed
// personal data; RocksDB's POSIX file system would create files 0644, and
// changing the process umask from a library would surprise its host.
#ifndef OUTBOX_SRC_PRIVATE_FILE_SYSTEM_H_
#define OUTBOX_SRC_PRIVATE_FILE_SYSTEM_H_

#include <memory>

namespace rocksdb {
class Env;
}

namespace outbox {

// Returns an Env whose file system wraps the default one as described.
std::unique_ptr<rocksdb::Env> NewPrivateEnv();

}  // namespace outbox

#endif  // OUTBOX_SRC_PRIVATE_FILE_SYSTEM_H_
