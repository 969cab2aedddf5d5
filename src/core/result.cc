#include "dmakit/core/result.h"

namespace dmakit {

std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kOutOfRange:
      return "out of range";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kAlreadyExists:
      return "already exists";
    case ErrorCode::kExhausted:
      return "exhausted";
    case ErrorCode::kFailedPrecondition:
      return "failed precondition";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kFault:
      return "fault";
    case ErrorCode::kParse:
      return "parse error";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown error";
}

std::string Error::ToString() const {
  return std::string(dmakit::ToString(code_)) + ": " + message_;
}

Error Error::WithContext(std::string_view context) const& {
  return Error(code_, std::string(context) + ": " + message_);
}

}  // namespace dmakit
