#include "format_util.h"

#include <fmt/format.h>

namespace dmakit::report {

std::string HexBytes(std::span<const uint8_t> bytes, size_t max_bytes) {
  std::string out;
  const size_t shown = std::min(bytes.size(), max_bytes);
  out.reserve(shown * 3);
  for (size_t i = 0; i < shown; ++i) {
    if (i != 0) out += ' ';
    fmt::format_to(std::back_inserter(out), "{:02x}", bytes[i]);
  }
  if (shown < bytes.size())
    fmt::format_to(std::back_inserter(out), " ... ({} bytes)", bytes.size());
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Plural(uint64_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

}  // namespace dmakit::report
