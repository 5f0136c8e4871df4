#include "grpc_service/key_selection.h"

#include <algorithm>
#include <string>

#include "grpc_service/event_mapping.h"

namespace outbox::grpc_service {
namespace {

StatusOr<KeySelection> ParseKeys(
    const google::protobuf::RepeatedPtrField<v1::DedupKey>& keys) {
  KeySelection selection;
  selection.keys.reserve(keys.size());
  for (int i = 0; i < keys.size(); ++i) {
    StatusOr<DedupKey> key =
        KeyFromProto(keys[i], "keys[" + std::to_string(i) + "]");
    if (!key.ok()) return key.status();
    selection.keys.push_back(std::move(*key));
  }
  return selection;
}

StatusOr<KeySelection> ListKeys(const Outbox& outbox,
                                const v1::EventFilter& filter, uint32_t limit) {
  ListQuery query;
  query.state = StateFromProto(filter.state());
  query.pixel_id = filter.pixel_id();
  if (!query.state && query.pixel_id.empty()) {
    return Status::InvalidArgument(
        "filter: set a state or a pixel_id (an empty filter would select "
        "every record)");
  }
  KeySelection selection;
  do {
    query.limit = std::min<size_t>(1000, limit - selection.keys.size());
    StatusOr<RecordPage> page = outbox.List(query);
    if (!page.ok()) return page.status();
    for (Record& record : page->records) {
      selection.keys.push_back(std::move(record.key));
    }
    query.page_token = std::move(page->next_page_token);
  } while (!query.page_token.empty() && selection.keys.size() < limit);
  // May say "truncated" when the next page would have been empty; calling
  // again is then harmless.
  selection.truncated = !query.page_token.empty();
  return selection;
}

}  // namespace

StatusOr<KeySelection> SelectKeys(
    const Outbox& outbox,
    const google::protobuf::RepeatedPtrField<v1::DedupKey>& keys,
    const v1::EventFilter* filter, uint32_t limit) {
  if (filter != nullptr && !keys.empty()) {
    return Status::InvalidArgument("give either keys or a filter, not both");
  }
  if (filter == nullptr && keys.empty()) {
    return Status::InvalidArgument("keys: give at least one key, or a filter");
  }
  if (limit > kMaxSelectionLimit) {
    return Status::InvalidArgument("limit: at most " +
                                   std::to_string(kMaxSelectionLimit));
  }
  if (filter == nullptr) return ParseKeys(keys);
  return ListKeys(outbox, *filter, limit == 0 ? kDefaultSelectionLimit : limit);
}

}  // namespace outbox::grpc_service
