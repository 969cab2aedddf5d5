#include "dmakit/trace/ftrace_reader.h"

#include <fmt/format.h>

#include <vector>

#include "trace/ftrace_decoder.h"
#include "trace/ftrace_line.h"
#include "trace/line_splitter.h"
#include "trace/read_run.h"

namespace dmakit {
namespace {

using trace_internal::FtraceDecoder;
using trace_internal::FtraceLine;

class FtraceLineHandler final : public trace_internal::LineHandler {
 public:
  FtraceLineHandler(const TraceReadOptions& options, EventSink& sink)
      : options_(options),
        sink_(sink),
        run_(options),
        decoder_(options.max_array_length),
        where_(SourceLoc::Interned(run_.file_name(), 0)) {}

  bool OnLine(uint32_t number, std::string_view text, bool too_long) override {
    TraceReadSummary& summary = run_.summary();
    ++summary.lines;
    if (too_long) {
      return run_.Malformed(number,
                            fmt::format("line longer than {} bytes", options_.max_line_length));
    }
    trace_internal::SplitFtraceLine(text, &line_);
    const FtraceLine& line = line_;
    switch (line.shape) {
      case FtraceLine::Shape::kSkip:
        return true;
      case FtraceLine::Shape::kLost:
        run_.Lost(number, line.lost, LastSeqOf(line.cpu));
        return true;
      case FtraceLine::Shape::kMalformed:
        return run_.Malformed(number, line.reason);
      case FtraceLine::Shape::kEvent:
        break;
    }
    switch (decoder_.Decode(line.event, line.fields, event_)) {
      case FtraceDecoder::Outcome::kUnknown:
        return run_.Unknown(number, line.event);
      case FtraceDecoder::Outcome::kMalformed:
        return run_.Malformed(number, fmt::format("{}: {}", line.event, decoder_.error()));
      case FtraceDecoder::Outcome::kEvent:
        break;
    }
    event_.seq = ++summary.events;
    if (line.cpu < kCpusTracked) {
      if (line.cpu >= last_seq_.size()) last_seq_.resize(line.cpu + 1, 0);
      last_seq_[line.cpu] = event_.seq;
    }
    event_.where = where_;
    event_.where.line = number;
    sink_.OnEvent(event_);
    return true;
  }

  Result<TraceReadSummary> Finish() && { return std::move(run_).Finish(); }

 private:
  // A gap of CPU n lies after n's last event; CPUs beyond this bound (or a gap naming none)
  // are taken as possibly before every event.
  static constexpr uint32_t kCpusTracked = 4096;
  uint64_t LastSeqOf(uint32_t cpu) const { return cpu < last_seq_.size() ? last_seq_[cpu] : 0; }

  const TraceReadOptions& options_;
  EventSink& sink_;
  trace_internal::ReadRun run_;
  FtraceDecoder decoder_;
  SourceLoc where_;
  FtraceLine line_;
  Event event_;
  std::vector<uint64_t> last_seq_;  // by cpu: the seq of its newest delivered event
};

}  // namespace

Result<TraceReadSummary> ReadFtrace(std::string_view text, EventSink& sink,
                                    const TraceReadOptions& options) {
  FtraceLineHandler handler(options, sink);
  trace_internal::SplitLines(text, options.max_line_length, handler);
  return std::move(handler).Finish();
}

Result<TraceReadSummary> ReadFtrace(std::istream& in, EventSink& sink,
                                    const TraceReadOptions& options) {
  FtraceLineHandler handler(options, sink);
  DMAKIT_TRY(trace_internal::SplitLines(in, options.max_line_length, handler));
  return std::move(handler).Finish();
}

}  // namespace dmakit
