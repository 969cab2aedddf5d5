// Internal: the text of one ftrace event's fields, split into tokens, and the value parsers
// the event decoders share. No allocation: tokens are views into the line.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace dmakit::trace_internal {

struct FieldToken {
  std::string_view key;  // empty for a positional token (the device name, "IOMMU:", "-")
  std::string_view value;
};

class FtraceFields {
 public:
  static constexpr size_t kMaxTokens = 24;

  // Splits at runs of spaces. Returns false when there are more than kMaxTokens tokens.
  bool Split(std::string_view text);

  // The value of "key=value", or nullptr.
  const std::string_view* Get(std::string_view key) const;
  // The i-th token without '=', or empty.
  std::string_view Positional(size_t i) const;
  size_t positional_count() const { return positional_; }

 private:
  std::array<FieldToken, kMaxTokens> tokens_;
  size_t count_ = 0;
  size_t positional_ = 0;
};

// Hex digits with an optional "0x" prefix ("%llx" and "0x%016llx" both parse).
bool ParseHex(std::string_view s, uint64_t* out);
// Decimal, or hex with a "0x" prefix.
bool ParseNumber(std::string_view s, uint64_t* out);
// "{0x1,0x2}" (or "{}"); elements hex when `hex` or "0x"-prefixed, else decimal. Fails when
// braces are missing, an element is bad, or there are more than `max` elements.
bool ParseArray(std::string_view s, bool hex, size_t max, std::vector<uint64_t>* out);

}  // namespace dmakit::trace_internal
