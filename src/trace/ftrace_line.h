// Internal: splits one line of ftrace text into its event name and fields, accepting the
// tracefs and trace-cmd prefixes (see ftrace_reader.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace dmakit::trace_internal {

struct FtraceLine {
  enum class Shape {
    kEvent,      // event and fields are set
    kSkip,       // blank, comment, trace-cmd header
    kLost,       // the kernel lost events before this point: lost is set (0: it did not
                 // say how many); the tracefs header of an overwritten buffer is one too
    kMalformed,  // reason is set
  };
  Shape shape = Shape::kSkip;
  std::string_view event;
  std::string_view fields;
  uint64_t lost = 0;
  // The [cpu] of an event, the N of "CPU:N [...]"; kNoCpu for other shapes and the header.
  static constexpr uint32_t kNoCpu = ~uint32_t{0};
  uint32_t cpu = kNoCpu;
  const char* reason = "";
};

// Fills `*out` (every member set). An out-parameter rather than a return value: copying the
// struct out cost a `rep movs` per line.
void SplitFtraceLine(std::string_view line, FtraceLine* out);

}  // namespace dmakit::trace_internal
