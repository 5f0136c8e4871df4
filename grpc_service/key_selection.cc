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

StatusOr<std::optional<ErrorClass>> ErrorClassFromProto(v1::ErrorClass c) {
  switch (c) {
    case v1::ERROR_CLASS_UNSPECIFIED:
      return std::optional<ErrorClass>();
    case v1::NETWORK:
      return std::optional(ErrorClass::kNetwork);
    case v1::AUTH:
      return std::optional(ErrorClass::kAuth);
    case v1::RATE_LIMITED:
      return std::optional(ErrorClass::kRateLimited);
    case v1::CLIENT_ERROR:
      return std::optional(ErrorClass::kClientError);
    case v1::SERVER_ERROR:
      return std::optional(ErrorClass::kServerError);
    default:
      return Status::InvalidArgument("filter.error_class: unknown value " +
                                     std::to_string(c));
  }
}

StatusOr<KeySelection> ListKeys(const Outbox& outbox,
                                const v1::EventFilter& filter, uint32_t limit,
                                const std::string& page_token) {
  StatusOr<ListQuery> query = QueryFromFilter(filter);
  if (!query.ok()) return query.status();
  query->page_token = page_token;
  KeySelection selection;
  size_t scanned = 0;
  do {
    query->limit = std::min<size_t>(1000, limit - selection.keys.size());
    StatusOr<RecordPage> page = outbox.List(*query);
    if (!page.ok()) return page.status();
    for (Record& record : page->records) {
      selection.keys.push_back(std::move(record.key));
    }
    query->page_token = std::move(page->next_page_token);
    scanned += std::max(query->limit, query->max_scanned);
  } while (!query->page_token.empty() && selection.keys.size() < limit &&
           scanned < kMaxScannedPerSelection);
  // May say "truncated" when the next page would have been empty; calling
  // again is then harmless.
  selection.truncated = !query->page_token.empty();
  selection.next_page_token = std::move(query->page_token);
  return selection;
}

}  // namespace

bool IsEmptyFilter(const v1::EventFilter& f) {
  return f.state() == v1::STATE_UNSPECIFIED && f.pixel_id().empty() &&
         f.event_name().empty() &&
         f.error_class() == v1::ERROR_CLASS_UNSPECIFIED &&
         !f.has_http_status() && f.enqueued_before_ms() == 0 &&
         f.enqueued_after_ms() == 0 && f.timestamp_before_ms() == 0 &&
         f.timestamp_after_ms() == 0;
}

StatusOr<ListQuery> QueryFromFilter(const v1::EventFilter& f) {
  ListQuery query;
  query.state = StateFromProto(f.state());
  if (!query.state && f.state() != v1::STATE_UNSPECIFIED) {
    return Status::InvalidArgument("filter.state: unknown value " +
                                   std::to_string(f.state()));
  }
  query.pixel_id = f.pixel_id();
  RecordFilter& r = query.filter;
  r.event_name = f.event_name();
  StatusOr<std::optional<ErrorClass>> error_class =
      ErrorClassFromProto(f.error_class());
  if (!error_class.ok()) return error_class.status();
  r.error_class = *error_class;
  if (f.has_http_status()) r.http_status = f.http_status();
  if (f.enqueued_before_ms() < 0 || f.enqueued_after_ms() < 0 ||
      f.timestamp_before_ms() < 0 || f.timestamp_after_ms() < 0) {
    return Status::InvalidArgument(
        "filter: times are epoch milliseconds, not negative");
  }
  r.enqueued_before_ms = f.enqueued_before_ms();
  r.enqueued_after_ms = f.enqueued_after_ms();
  r.timestamp_before_ms = f.timestamp_before_ms();
  r.timestamp_after_ms = f.timestamp_after_ms();
  return query;
}

StatusOr<KeySelection> SelectKeys(
    const Outbox& outbox,
    const google::protobuf::RepeatedPtrField<v1::DedupKey>& keys,
    const v1::EventFilter* filter, uint32_t limit,
    const std::string& page_token) {
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
  if (IsEmptyFilter(*filter)) {
    return Status::InvalidArgument(
        "filter: set at least one condition (an empty filter would select "
        "every record)");
  }
  return ListKeys(outbox, *filter, limit == 0 ? kDefaultSelectionLimit : limit,
                  page_token);
}

}  // namespace outbox::grpc_service
