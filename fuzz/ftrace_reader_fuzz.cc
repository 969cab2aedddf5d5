// libFuzzer target: any bytes fed to the ftrace text reader must neither crash, hang, nor
// grow memory without bound, in lenient and strict mode, from memory and from a stream.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string_view>

#include "dmakit/trace/ftrace_reader.h"

namespace {

class CheckingSink final : public dmakit::EventSink {
 public:
  void OnEvent(const dmakit::Event& e) override {
    // Every delivered event is numbered in order and located on a line.
    if (e.seq != ++count_ || e.where.line == 0) __builtin_trap();
  }
  uint64_t count_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dmakit::TraceReadOptions options;
  options.max_line_length = 4096;
  options.max_array_length = 256;
  options.max_problems_kept = 16;
  {
    CheckingSink sink;
    auto summary = dmakit::ReadFtrace(text, sink, options);
    if (!summary.ok() || summary->events != sink.count_) __builtin_trap();
    if (summary->problems.size() > options.max_problems_kept) __builtin_trap();
  }
  {
    options.strict = true;
    CheckingSink sink;
    std::istringstream in{std::string(text)};
    (void)dmakit::ReadFtrace(in, sink, options);
  }
  return 0;
}
