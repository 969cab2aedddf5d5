// Opening a trace file without knowing its format: dmakit's JSONL or Linux ftrace text.
#pragma once

#include <string>
#include <string_view>

#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"
#include "dmakit/trace/trace_read.h"

namespace dmakit {

enum class TraceFormat { kJsonl, kFtrace };
std::string_view ToString(TraceFormat format);

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
