// Internal: a small JSON reader over one line of text, for the JSONL trace. It reads values
// in place (no document tree), which is what lets the trace reader keep up with the ftrace
// reader; nlohmann-json builds a tree per line and reads about ten times slower.
//
// Syntax errors come back as kParse "invalid JSON: <what> at column N"; reading a value of the
// wrong type as kParse "field '<name>' must be <type>, got <actual type>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dmakit/core/result.h"

namespace dmakit::trace_internal {

class JsonCursor {
 public:
  static constexpr int kMaxDepth = 64;

  explicit JsonCursor(std::string_view text) : s_(text) {}

  // The JSON type name of the value at the cursor ("string", "number", "boolean", "null",
  // "object", "array"), or "invalid".
  std::string_view PeekType();

  // Typed reads of the value at the cursor; `field` names it in errors.
  Result<uint64_t> Uint(std::string_view field);
  Result<bool> Bool(std::string_view field);
  // The string's decoded bytes: a view into the line when it has no escapes, else into a
  // scratch buffer valid until the next String() or NextMember() call.
  Result<std::string_view> String(std::string_view field);
  // Any value, checked for syntax and discarded.
  Status Skip(int depth = 0);

  // Object and array walking: Begin* consumes the bracket; Next* tells whether another
  // member/element follows (consuming the comma or the closing bracket).
  Status BeginObject(std::string_view field);
  Result<bool> NextMember(std::string_view* key);  // reads the key (as String()) and the ':'
  Status BeginArray(std::string_view field);
  Result<bool> NextElement();

  // Only whitespace may remain.
  Status End();

  Error Invalid(std::string_view what) const;

 private:
  void SkipSpace();
  Error WrongType(std::string_view field, std::string_view want);
  // Reads the string at the cursor (at its opening quote) into *out.
  Status ReadString(std::string_view* out);
  Status ReadEscaped(size_t start, std::string_view* out);
  Status SkipNumber();
  Status Literal(std::string_view word);

  std::string_view s_;
  size_t pos_ = 0;
  bool first_ = true;  // no member/element read yet in the innermost container
  std::string scratch_;
};

}  // namespace dmakit::trace_internal
