// Internal: feeds a trace to a per-line callback, from memory or from a stream, with a bound
// on line length so hostile input cannot make a reader buffer without limit.
#pragma once

#include <cstdint>
#include <istream>
#include <string_view>

#include "dmakit/core/result.h"

namespace dmakit::trace_internal {

// Called once per line with its 1-based number and its text without "\n" or "\r\n".
// `too_long` is true when the line exceeded the limit: `text` is then its first bytes only.
// Returning false stops the split.
class LineHandler {
 public:
  virtual ~LineHandler() = default;
  virtual bool OnLine(uint32_t number, std::string_view text, bool too_long) = 0;
};

// Splits `text` at '\n'.
void SplitLines(std::string_view text, size_t max_line_length, LineHandler& handler);

// Reads `in` in chunks and splits it. Memory stays bounded by max_line_length plus a chunk.
// Errors: kIo when the stream fails before its end.
Status SplitLines(std::istream& in, size_t max_line_length, LineHandler& handler);

}  // namespace dmakit::trace_internal
