// What every trace reader shares: its options and the summary it returns.
//
// Readers never abort on bad input unless asked: a malformed line is reported with its line
// number and the reason, counted, and skipped; an event the reader does not know is counted
// per name and skipped. In strict mode the first problem (malformed line or unknown event)
// stops the read with an ErrorCode::kParse error naming the file, the line and the reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "dmakit/core/event_loss.h"

namespace dmakit {

struct TraceReadOptions {
  // Stop at the first malformed line or unknown event instead of skipping it.
  bool strict = false;
  // The name events refer to in SourceLoc (ftrace) and problems cite ("<stream>" if empty).
  std::string file_name;
  // Lines longer than this are malformed (bounds memory on hostile input). Bytes.
  size_t max_line_length = 64 * 1024;
  // Arrays (sg entries, byte strings) longer than this make the line malformed. Entries.
  size_t max_array_length = 4096;
  // Problems kept in TraceReadSummary::problems; the counters still count every one.
  size_t max_problems_kept = 1000;
};

// One malformed line or unknown event: "trace.txt:12: dma_map_page: bad hex in dma_addr".
struct TraceProblem {
  uint32_t line = 0;
  std::string message;
  bool operator==(const TraceProblem&) const = default;
};

struct TraceReadSummary {
  uint64_t lines = 0;      // every line read, including comments and blank lines
  uint64_t events = 0;     // events delivered to the sink
  uint64_t unknown = 0;    // well-formed lines naming an event this reader does not map
  uint64_t malformed = 0;  // lines skipped because they could not be parsed
  uint64_t lost = 0;       // events the kernel reported lost (the counts it gave)
  // Every gap the trace reports, in order, each where it lies among the delivered events
  // (EventLoss::after_seq). Gaps with no event between them are merged into one, so there
  // are never more of them than events + 1.
  std::vector<EventLoss> losses;
  std::map<std::string, uint64_t, std::less<>> unknown_by_name;  // bounded like problems
  std::vector<TraceProblem> problems;  // the first TraceReadOptions::max_problems_kept of them

  // "1200 lines, 1100 events, 3 unknown (foo_event: 3), 2 malformed[, 17 lost by the kernel
  // in 2 gaps]"; a gap of unknown size reads "at least 17 lost by the kernel in 3 gaps".
  std::string ToString() const;
  // "17 lost by the kernel in 1 gap", "at least 3 lost by the kernel in 2 gaps" (a gap of
  // unknown size), "none lost by the kernel".
  std::string LossesToString() const;
};

}  // namespace dmakit
