// Result<T>: a value or an Error. No exception crosses dmakit's API; every recoverable
// failure is returned as an Error with a code and a message that says what, where and why.
#pragma once

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dmakit {

enum class ErrorCode {
  kInvalidArgument,     // a parameter is malformed (zero size, misaligned, unknown name)
  kOutOfRange,          // an address or size lies outside what the object covers
  kNotFound,            // the thing named does not exist (unknown handle, unmapped IOVA)
  kAlreadyExists,       // the thing would overlap something live (map over a mapping)
  kExhausted,           // a finite resource ran out (pages, IOVA space, bounce slots)
  kFailedPrecondition,  // the call is not allowed in the current state
  kPermissionDenied,    // the access is not allowed (read-only mapping, blocked domain)
  kFault,               // a simulated bus or translation fault
  kParse,               // malformed input text (scenario, trace)
  kUnsupported,         // a valid request this model does not implement
  kIo,                  // the operating system refused a file operation
  kInternal,            // a broken invariant surfaced as an error instead of a crash
};

std::string_view ToString(ErrorCode code);

class [[nodiscard]] Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code>: <message>"
  std::string ToString() const;

  // Prefix the message with context ("while loading foo.yaml: ...").
  Error WithContext(std::string_view context) const&;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return Checked(), std::get<0>(v_); }
  const T& value() const& { return Checked(), std::get<0>(v_); }
  T&& value() && { return Checked(), std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    if (ok()) Die("Result::error() called on a value");
    return std::get<1>(v_);
  }
  Error&& error() && {
    if (ok()) Die("Result::error() called on a value");
    return std::get<1>(std::move(v_));
  }

 private:
  void Checked() const {
    if (!ok()) Die(std::get<1>(v_).ToString().c_str());
  }
  [[noreturn]] static void Die(const char* what) {
    std::fprintf(stderr, "dmakit: value() of a failed Result: %s\n", what);
    std::abort();
  }
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  // Success costs one flag: no Error (and no string) is built until something fails.
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    if (ok()) Die();
    return *error_;
  }
  Error&& error() && {
    if (ok()) Die();
    return std::move(*error_);
  }
  void value() const {}

 private:
  [[noreturn]] static void Die() {
    std::fprintf(stderr, "dmakit: error() called on a successful Status\n");
    std::abort();
  }
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace dmakit

// DMAKIT_TRY(expr): evaluate a Result; on error return the error from the enclosing function,
// else yield the value. Makes fallible code read as a straight line.
#define DMAKIT_TRY(expr)                            \
  __extension__({                                   \
    auto dmakit_try_result_ = (expr);               \
    if (!dmakit_try_result_.ok()) {                 \
      return std::move(dmakit_try_result_).error(); \
    }                                               \
    std::move(dmakit_try_result_).value();          \
  })

// DMAKIT_CHECK(cond, msg): a broken internal invariant (never bad user input) aborts with a
// message naming the condition and the source position.
#define DMAKIT_CHECK(cond, msg)                                                                    \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "%s:%d: dmakit invariant broken: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   msg);                                                                           \
      std::abort();                                                                                \
    }                                                                                              \
  } while (0)
