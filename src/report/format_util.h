// Small formatting helpers shared by the report writers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace dmakit::report {

// "aa bb cc" (lowercase, space separated); at most `max_bytes` bytes, then " ... (N bytes)".
std::string HexBytes(std::span<const uint8_t> bytes, size_t max_bytes = SIZE_MAX);
// Text safe inside HTML element content and double-quoted attribute values: & < > " ' escaped.
std::string HtmlEscape(std::string_view text);
// "1 violation" / "3 violations".
std::string Plural(uint64_t count, std::string_view noun);

}  // namespace dmakit::report
