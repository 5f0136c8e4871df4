// The checks of an event's `data`: its type, money fields and contents.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "outbox/src/validation.h"
#include "outbox/src/validation_internal.h"

namespace outbox {
namespace validation_internal {
namespace {

constexpr std::string_view kDataTypes[] = {"contents", "customer_action",
                                           "plan_enrollment", "custom"};

bool IsDataType(std::string_view value) {
  for (std::string_view data_type : kDataTypes) {
    if (value == data_type) return true;
  }
  return false;
}

bool IsCurrencyCode(std::string_view value) {
  if (value.size() != 3) return false;
  for (char c : value) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// The category the event belongs to: the one its type requires, else (for an
// unknown type, already reported) whatever data.type says.
std::string_view Category(const Event& event) {
  std::string_view expected = DataTypeForEventType(event.type);
  return expected.empty() ? std::string_view(event.data.type) : expected;
}

void CheckDataType(const Event& event, EventErrors* errors) {
  const std::string& data_type = event.data.type;
  const std::string_view expected = DataTypeForEventType(event.type);
  if (data_type.empty()) {
    errors->Add("data.type", expected.empty()
                                 ? "required"
                                 : "required: " + Quote(expected) +
                                       " for type " + Quote(event.type));
  } else if (!IsDataType(data_type)) {
    errors->Add("data.type", Quote(data_type) +
                                 " is not one of contents, customer_action, "
                                 "plan_enrollment, custom");
  } else if (!expected.empty() && data_type != expected) {
    errors->Add("data.type", Quote(data_type) + " does not match type " +
                                 Quote(event.type) + "; expected " +
                                 Quote(expected));
  }
}

// Checks an amount and its currency at `prefix` ("data." or an item's path).
// `fallback_currency` is the currency that applies when `currency` is empty.
void CheckMoney(const std::string& prefix, std::optional<int64_t> amount,
                std::string_view currency, std::string_view fallback_currency,
                EventErrors* errors) {
  if (amount && *amount < 0) {
    errors->Add(prefix + "amount", "negative (" + std::to_string(*amount) +
                                       "); amounts are >= 0, in minor units");
  }
  if (!currency.empty() && !IsCurrencyCode(currency)) {
    errors->Add(prefix + "currency",
                Quote(currency) +
                    " is not an ISO 4217 code (three upper-case letters, "
                    "e.g. \"USD\")");
  }
  if (amount && currency.empty() && fallback_currency.empty()) {
    errors->Add(prefix + "currency",
                prefix == "data." ? "required when data.amount is set"
                                  : "required when the item has an amount and "
                                    "data.currency is empty");
  }
}

void CheckVariantDict(const std::string& prefix,
                      const std::map<std::string, std::string>& variants,
                      EventErrors* errors) {
  const std::string path = prefix + "variant_dict";
  if (variants.size() > kMaxVariantEntries) {
    errors->Add(path, std::to_string(variants.size()) + " entries; at most " +
                          std::to_string(kMaxVariantEntries));
    return;
  }
  size_t position = 0;
  for (const auto& [key, value] : variants) {
    std::string problem = TextProblem(key, kMaxStringBytes);
    if (!problem.empty()) {
      errors->Add(path, "key #" + std::to_string(position) + ": " + problem);
    } else {
      CheckText(path + "[" + Quote(key) + "]", value, kMaxStringBytes, errors);
    }
    ++position;
  }
}

void CheckContent(const Content& item, const std::string& path,
                  const Event& event, EventErrors* errors) {
  const std::string prefix = path + ".";
  CheckText(prefix + "id", item.id, kMaxStringBytes, errors);
  CheckText(prefix + "group_id", item.group_id, kMaxStringBytes, errors);
  CheckText(prefix + "name", item.name, kMaxStringBytes, errors);
  CheckText(prefix + "content_type", item.content_type, kMaxStringBytes,
            errors);
  if (item.quantity && *item.quantity < 0) {
    errors->Add(prefix + "quantity",
                "negative (" + std::to_string(*item.quantity) + ")");
  }
  CheckMoney(prefix, item.amount, item.currency, event.data.currency, errors);
  CheckVariantDict(prefix, item.variant_dict, errors);
}

void CheckContents(const Event& event, EventErrors* errors) {
  const std::vector<Content>& contents = event.data.contents;
  if (contents.empty()) return;
  const std::string_view category = Category(event);
  if (category == "customer_action") {
    errors->Add("data.contents",
                "not allowed on customer_action events (only on contents, "
                "plan_enrollment and custom events)");
    return;
  }
  if (contents.size() > kMaxContents) {
    errors->Add("data.contents", std::to_string(contents.size()) +
                                     " items; at most " +
                                     std::to_string(kMaxContents));
    return;
  }
  for (size_t i = 0; i < contents.size(); ++i) {
    CheckContent(contents[i], Indexed("data.contents", i), event, errors);
  }
}

void CheckPlanId(const Event& event, EventErrors* errors) {
  const std::string& plan_id = event.data.plan_id;
  if (plan_id.empty()) return;
  const std::string_view category = Category(event);
  if (category == "contents" || category == "customer_action") {
    errors->Add("data.plan_id", "not allowed on " + std::string(category) +
                                    " events (only on plan_enrollment and "
                                    "custom events)");
    return;
  }
  CheckText("data.plan_id", plan_id, kMaxStringBytes, errors);
}

}  // namespace

void CheckEventData(const Event& event, EventErrors* errors) {
  CheckDataType(event, errors);
  CheckMoney("data.", event.data.amount, event.data.currency, "", errors);
  CheckContents(event, errors);
  CheckPlanId(event, errors);
}

}  // namespace validation_internal
}  // namespace outbox
