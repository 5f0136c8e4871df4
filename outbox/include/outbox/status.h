// Status and StatusOr<T>: how every library call reports success or failure.
//
// The codes follow the canonical (gRPC/Abseil) set and tell the caller what to
// do next:
//   kInvalidArgument    fix the input; retrying the same call fails again.
//   kNotFound           the named record does not exist.
//   kFailedPrecondition the system is not in a state for this call (e.g. a
//                       replay of an EXPIRED record); fix the state first.
//   kResourceExhausted  out of quota or disk; free space, then retry.
//   kUnavailable        transient (shutting down, storage recovering); retry.
//   kInternal           a broken invariant or unexpected storage error.
//   kDataLoss           stored bytes could not be decoded.
//
// Thread-safety: values; safe to copy between threads.
#ifndef OUTBOX_STATUS_H_
#define OUTBOX_STATUS_H_

#include <cassert>
#include <ostream>
#include <optional>
#include <string>
#include <utility>

namespace outbox {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
};

// Returns the canonical upper-case name of `code`, e.g. "INVALID_ARGUMENT".
const char* StatusCodeName(StatusCode code);
inline std::ostream& operator<<(std::ostream& os, StatusCode code) {
  return os << StatusCodeName(code);
}

class [[nodiscard]] Status {
 public:
  // An OK status. Costs nothing: no allocation.
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) {
    return {StatusCode::kNotFound, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) {
    return {StatusCode::kUnavailable, std::move(m)};
  }
  static Status Internal(std::string m) {
    return {StatusCode::kInternal, std::move(m)};
  }
  static Status DataLoss(std::string m) {
    return {StatusCode::kDataLoss, std::move(m)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK", or "<CODE>: <message>".
  std::string ToString() const;

  // Marks a status as deliberately unchecked.
  void IgnoreError() const {}

  friend std::ostream& operator<<(std::ostream& os, const Status& s) {
    return os << s.ToString();
  }
  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value of type T or a non-OK Status explaining why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // Requires !status.ok().
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok());
    if (status_.ok()) status_ = Status::Internal("StatusOr built from OK");
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // Requires ok().
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace outbox

// Returns early from the enclosing function when `expr` is not OK.
#define OUTBOX_RETURN_IF_ERROR(expr)          \
  do {                                        \
    ::outbox::Status _outbox_status = (expr); \
    if (!_outbox_status.ok()) return _outbox_status; \
  } while (0)

#endif  // OUTBOX_STATUS_H_
