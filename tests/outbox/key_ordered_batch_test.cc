#include "outbox/src/key_ordered_batch.h"

#include <rocksdb/comparator.h>
#include <rocksdb/db.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace outbox {
namespace {

// A column family handle without a database: WriteBatch needs only its id
// and comparator.
class FakeHandle : public rocksdb::ColumnFamilyHandle {
 public:
  explicit FakeHandle(uint32_t id) : id_(id) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
    return rocksdb::Status::NotSupported();
  }
  const rocksdb::Comparator* GetComparator() const override {
    return rocksdb::BytewiseComparator();
  }

 private:
  uint32_t id_;
  std::string name_ = "fake";
};

// One line per entry of a batch: "cf:key=value" or "cf:key deleted".
class Lister : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    lines.push_back(std::to_string(cf) + ":" + key.ToString() + "=" +
                    value.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    lines.push_back(std::to_string(cf) + ":" + key.ToString() + " deleted");
    return rocksdb::Status::OK();
  }
  std::vector<std::string> lines;
};

std::vector<std::string> Entries(const rocksdb::WriteBatch& batch) {
  Lister lister;
  BOOST_REQUIRE(batch.Iterate(&lister).ok());
  return lister.lines;
}

struct Fixture {
  FakeHandle records{2};
  FakeHandle meta{5};
  std::vector<rocksdb::ColumnFamilyHandle*> handles = {&meta, &records};
};

BOOST_FIXTURE_TEST_SUITE(KeyOrderedBatchTest, Fixture)

BOOST_AUTO_TEST_CASE(OrdersByColumnFamilyThenKey) {
  rocksdb::WriteBatch first;
  BOOST_REQUIRE(first.Put(&meta, "counter", "1").ok());
  BOOST_REQUIRE(first.Put(&records, "px/c", "C").ok());
  BOOST_REQUIRE(first.Put(&records, "px/a", "A").ok());
  rocksdb::WriteBatch second;
  BOOST_REQUIRE(second.Delete(&records, "px/b").ok());
  BOOST_REQUIRE(second.Put(&meta, "a-lease", "keys").ok());

  KeyOrderedBatch ordered(handles);
  BOOST_REQUIRE(ordered.Add(first).ok());
  BOOST_REQUIRE(ordered.Add(second).ok());
  const std::vector<std::string> expected = {
      "2:px/a=A", "2:px/b deleted", "2:px/c=C", "5:a-lease=keys",
      "5:counter=1"};
  BOOST_TEST(Entries(ordered.Build()) == expected,
             boost::test_tools::per_element());
}

// The last entry for a key is what the write leaves; sorting must not
// change which one that is.
BOOST_AUTO_TEST_CASE(KeepsTheOrderOfTheEntriesForOneKey) {
  rocksdb::WriteBatch first;
  BOOST_REQUIRE(first.Put(&records, "px/k", "old").ok());
  BOOST_REQUIRE(first.Put(&records, "px/z", "Z").ok());
  BOOST_REQUIRE(first.Delete(&records, "px/k").ok());
  rocksdb::WriteBatch second;
  BOOST_REQUIRE(second.Put(&records, "px/k", "new").ok());
  BOOST_REQUIRE(second.Put(&records, "px/a", "A").ok());
  BOOST_REQUIRE(second.Delete(&records, "px/a").ok());

  KeyOrderedBatch ordered(handles);
  BOOST_REQUIRE(ordered.Add(first).ok());
  BOOST_REQUIRE(ordered.Add(second).ok());
  const std::vector<std::string> expected = {
      "2:px/a=A", "2:px/a deleted", "2:px/k=old", "2:px/k deleted",
      "2:px/k=new", "2:px/z=Z"};
  BOOST_TEST(Entries(ordered.Build()) == expected,
             boost::test_tools::per_element());
}

// Many entries for one key among others: more than a sort that is stable
// only for short runs (insertion sort) would keep in order.
BOOST_AUTO_TEST_CASE(KeepsTheOrderOfManyEntriesForOneKey) {
  rocksdb::WriteBatch batch;
  for (int i = 0; i < 200; ++i) {
    const std::string value = std::to_string(i);
    BOOST_REQUIRE(batch.Put(&records, "px/k", value).ok());
    BOOST_REQUIRE(batch.Put(&records, "px/" + value, value).ok());
  }
  KeyOrderedBatch ordered(handles);
  BOOST_REQUIRE(ordered.Add(batch).ok());
  std::vector<std::string> values_of_k;
  for (const std::string& line : Entries(ordered.Build())) {
    if (line.rfind("2:px/k=", 0) == 0) values_of_k.push_back(line.substr(7));
  }
  BOOST_REQUIRE(values_of_k.size() == 200u);
  for (int i = 0; i < 200; ++i) {
    BOOST_TEST(values_of_k[i] == std::to_string(i));
  }
}

BOOST_AUTO_TEST_CASE(RefusesABatchItCannotReorderAndAddsNoneOfIt) {
  FakeHandle unknown{9};
  rocksdb::WriteBatch bad_family;
  BOOST_REQUIRE(bad_family.Put(&records, "px/a", "A").ok());
  BOOST_REQUIRE(bad_family.Put(&unknown, "x", "y").ok());
  rocksdb::WriteBatch merge;
  BOOST_REQUIRE(merge.Merge(&records, "px/b", "+1").ok());

  KeyOrderedBatch ordered(handles);
  BOOST_TEST(!ordered.Add(bad_family).ok());
  BOOST_TEST(!ordered.Add(merge).ok());
  BOOST_TEST(ordered.empty());
  BOOST_TEST(ordered.Build().Count() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace outbox
