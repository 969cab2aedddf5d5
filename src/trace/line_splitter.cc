#include "trace/line_splitter.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace dmakit::trace_internal {
namespace {

constexpr size_t kChunkSize = 64 * 1024;

std::string_view StripCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

void SplitLines(std::string_view text, size_t max_line_length, LineHandler& handler) {
  uint32_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
    const size_t end =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
    std::string_view line = StripCr(text.substr(pos, end - pos));
    const bool too_long = line.size() > max_line_length;
    if (too_long) line = line.substr(0, max_line_length);
    if (!handler.OnLine(++number, line, too_long)) return;
    pos = end + 1;
  }
}

Status SplitLines(std::istream& in, size_t max_line_length, LineHandler& handler) {
  std::vector<char> chunk(kChunkSize);
  std::string carry;      // the start of a line split across chunks
  bool skipping = false;  // inside an over-long line, after reporting it
  uint32_t number = 0;
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const size_t got = static_cast<size_t>(in.gcount());
    if (in.bad()) return Error(ErrorCode::kIo, "reading the trace stream failed");
    std::string_view data(chunk.data(), got);
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      const std::string_view piece = data.substr(0, nl);
      if (!skipping) {
        const size_t room = max_line_length + 1 - std::min(carry.size(), max_line_length + 1);
        carry.append(piece.substr(0, std::min(piece.size(), room)));
      }
      if (nl == std::string_view::npos) {
        if (!skipping && carry.size() > max_line_length) {
          // Report now, then drop the rest of the line as it arrives.
          if (!handler.OnLine(++number, std::string_view(carry).substr(0, max_line_length), true))
            return Ok();
          skipping = true;
          carry.clear();
        }
        break;
      }
      if (!skipping) {
        std::string_view line = StripCr(carry);
        const bool too_long = line.size() > max_line_length;
        if (too_long) line = line.substr(0, max_line_length);
        if (!handler.OnLine(++number, line, too_long)) return Ok();
      }
      skipping = false;
      carry.clear();
      data.remove_prefix(nl + 1);
    }
  }
  if (!skipping && !carry.empty()) {
    std::string_view line = StripCr(carry);
    const bool too_long = line.size() > max_line_length;
    if (too_long) line = line.substr(0, max_line_length);
    handler.OnLine(++number, line, too_long);
  }
  return Ok();
}

}  // namespace dmakit::trace_internal
