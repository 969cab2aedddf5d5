// Opening a trace file without knowing its format: dmakit's JSONL or Linux ftrace text.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "dmakit/core/event.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"
#include "dmakit/trace/trace_read.h"

namespace dmakit {

enum class TraceFormat { kJsonl, kFtrace };
std::string_view ToString(TraceFormat format);

// An event kind a trace format has no way to record, and why. A checker fed such a trace
// cannot decide the rules that fire on the absence of that kind (RulesNeedingEvent in
// check/rule.h): their verdicts would be false positives.
struct UnrecordedEvent {
  EventKind kind;
  std::string_view why;  // "ftrace has no dma_mapping_error event"
};
// Empty for dmakit JSONL (it records every kind); for Linux ftrace, kDmaMappingError (the kernel
// has no tracepoint in dma_mapping_error).
std::span<const UnrecordedEvent> UnrecordedEvents(TraceFormat format);

// Decides from the start of a trace: the first non-blank line opening with '{' is JSONL,
// anything else (including nothing) is ftrace text, whose reader reports what it cannot read.
TraceFormat DetectTraceFormat(std::string_view head);

// Reads the first 4 KiB of `path` and decides. Errors: kIo when the file cannot be read.
Result<TraceFormat> DetectTraceFormatOfFile(const std::string& path);

// Detects the format of `path` and reads it, streaming, into `sink`. options.file_name
// defaults to `path`. Errors: kIo, and whatever the chosen reader returns.
Result<TraceReadSummary> ReadTraceFile(const std::string& path, EventSink& sink,
                                       TraceReadOptions options = {});

}  // namespace dmakit
