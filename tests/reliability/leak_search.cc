#include "tests/reliability/leak_search.h"

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace outbox::testing {
namespace {

std::string FileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// The decoded keys and values of an SST file; "" if it cannot be read.
std::string SstContents(const std::string& path) {
  rocksdb::Options options;
  rocksdb::SstFileReader reader(options);
  if (!reader.Open(path).ok()) return "";
  std::unique_ptr<rocksdb::Iterator> it(
      reader.NewIterator(rocksdb::ReadOptions()));
  std::string out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.append(it->key().data(), it->key().size());
    out.append(it->value().data(), it->value().size());
  }
  return out;
}

}  // namespace

size_t SearchText(const std::vector<Needle>& needles, const std::string& where,
                  const std::string& haystack) {
  size_t found = 0;
  for (const Needle& needle : needles) {
    for (size_t at = haystack.find(needle.bytes); at != std::string::npos;
         at = haystack.find(needle.bytes, at + 1)) {
      ++found;
      BOOST_ERROR(needle.what << " found in " << where);
    }
  }
  return found;
}

DirectorySearch SearchDirectory(const std::vector<Needle>& needles,
                                const std::string& dir) {
  DirectorySearch result;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++result.files;
    const std::string name = entry.path().filename().string();
    result.found += SearchText(needles, name, FileBytes(entry.path()));
    if (entry.path().extension() == ".sst") {
      ++result.ssts;
      result.found +=
          SearchText(needles, name + " (decoded)", SstContents(entry.path()));
    }
  }
  return result;
}

}  // namespace outbox::testing
