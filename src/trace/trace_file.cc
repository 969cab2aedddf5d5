#include "dmakit/trace/trace_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "dmakit/trace/ftrace_reader.h"
#include "dmakit/trace/jsonl_reader.h"

namespace dmakit {
namespace {

constexpr size_t kHeadBytes = 4096;

Error IoError(const std::string& path) {
  return Error(ErrorCode::kIo,
               fmt::format("cannot read trace '{}': {}", path, std::strerror(errno)));
}

}  // namespace

std::string_view ToString(TraceFormat format) {
  return format == TraceFormat::kJsonl ? "jsonl" : "ftrace";
}

std::span<const UnrecordedEvent> UnrecordedEvents(TraceFormat format) {
  static constexpr UnrecordedEvent kFtrace[] = {
      {EventKind::kDmaMappingError, "ftrace has no dma_mapping_error event"},
  };
  if (format == TraceFormat::kFtrace) return kFtrace;
  return {};
}

TraceFormat DetectTraceFormat(std::string_view head) {
  const size_t first = head.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && head[first] == '{') return TraceFormat::kJsonl;
  return TraceFormat::kFtrace;
}

Result<TraceFormat> DetectTraceFormatOfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path);
  std::string head(kHeadBytes, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.bad()) return IoError(path);
  head.resize(static_cast<size_t>(in.gcount()));
  return DetectTraceFormat(head);
}

Result<TraceReadSummary> ReadTraceFile(const std::string& path, EventSink& sink,
                                       TraceReadOptions options) {
  const TraceFormat format = DMAKIT_TRY(DetectTraceFormatOfFile(path));
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError(path);
  if (options.file_name.empty()) options.file_name = path;
  if (format == TraceFormat::kJsonl) return ReadJsonl(in, sink, options);
  return ReadFtrace(in, sink, options);
}

}  // namespace dmakit
