// Internal: the bookkeeping every reader shares: counters, kept problems, strict mode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dmakit/core/result.h"
#include "dmakit/trace/trace_read.h"

namespace dmakit::trace_internal {

class ReadRun {
 public:
  explicit ReadRun(const TraceReadOptions& options);

  // Records a malformed line. In strict mode also remembers the first one as the run's error.
  // Returns false when the read must stop.
  bool Malformed(uint32_t line, std::string_view reason);
  // Records a well-formed line naming an event the reader does not map.
  bool Unknown(uint32_t line, std::string_view name);

  // Records a gap the trace reports at `line`: `count` events lost (0: unknown) after event
  // `since_seq` and before the next event delivered.
  void Lost(uint32_t line, uint64_t count, uint64_t since_seq);

  TraceReadSummary& summary() { return summary_; }
  const std::string& file_name() const { return file_name_; }
  // The summary, or the strict-mode error.
  Result<TraceReadSummary> Finish() &&;

 private:
  bool Problem(uint32_t line, std::string message);

  const TraceReadOptions& options_;
  std::string file_name_;
  TraceReadSummary summary_;
  std::optional<Error> error_;
};

}  // namespace dmakit::trace_internal
