// dmakit's own event trace, reading side (the format is described in jsonl_writer.h).
//
// The first non-blank line must be the header {"dmakit_trace":N}. A missing header is a
// malformed line (reading goes on as version 1); a version newer than kJsonlFormatVersion
// stops the read with kUnsupported, since its lines cannot be trusted to mean the same thing.
// Each event line must be a JSON object with "kind" naming a known EventKind; keys this
// version does not know are ignored (forward compatibility). Malformed lines (invalid JSON,
// unknown kind, a missing or ill-typed field, bad hex, an out-of-range number, an unknown
// enum name, an array longer than max_array_length) are reported with their line number and
// skipped; in strict mode the first one stops the read with kParse.
#pragma once

#include <istream>
#include <string_view>

#include "dmakit/core/event.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"
#include "dmakit/trace/trace_read.h"

namespace dmakit {

// Parses one event line. Errors: kParse with the reason (no file or line prefix).
Result<Event> ParseJsonlEvent(std::string_view line, size_t max_array_length = 4096);

// Reads a whole trace held in memory, delivering each event to `sink` (OnEnd is not called:
// the caller decides when the run is over). Errors: kParse (strict mode), kUnsupported.
Result<TraceReadSummary> ReadJsonl(std::string_view text, EventSink& sink,
                                   const TraceReadOptions& options = {});
// Same from a stream, in bounded memory. Errors: also kIo when the stream fails.
Result<TraceReadSummary> ReadJsonl(std::istream& in, EventSink& sink,
                                   const TraceReadOptions& options = {});

}  // namespace dmakit
