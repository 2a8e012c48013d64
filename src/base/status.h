// Status and StatusOr<T>: the error currency of the whole tree. Vendor
// exceptions are caught at the edges (loaders, backends, HTTP) and become one.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace rse {

class Status {
 public:
  enum class Code {
    kOk,
    kInvalidArgument,
    kNotFound,
    kUnavailable,
    kDeadlineExceeded,
    kAborted,  // The server gave up for a reason of its own state; another server may not.
    kFailedPrecondition,  // The session reached a server that must not serve (a primary).
    kInternal
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  // Unavailable because the connection was refused at once (nothing listens,
  // or the server is starting or stopping): cheap to try again at the next
  // chance, unlike a timeout, a TLS or an authentication failure.
  static Status Refused(std::string msg) {
    Status status(Code::kUnavailable, std::move(msg));
    status.refused_ = true;
    return status;
  }
  static Status DeadlineExceeded(std::string msg) {
    return Status(Code::kDeadlineExceeded, std::move(msg));
  }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }
  static Status FailedPrecondition(std::string msg) {
    return Status(Code::kFailedPrecondition, std::move(msg));
  }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool refused() const { return refused_; }
  // The same status with `context` before its message ("database \"x\": ...").
  Status Prefixed(const std::string& context) const {
    Status status = *this;
    if (!ok()) status.message_ = context + message_;
    return status;
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
  bool refused_ = false;
};

// Holds either a value or the non-OK Status that explains its absence.
template <typename T>
class StatusOr {
 public:
  StatusOr(Status status) : data_(std::move(status)) {}  // NOLINT: implicit by design
  StatusOr(T value) : data_(std::move(value)) {}         // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> data_;
};

}  // namespace rse
