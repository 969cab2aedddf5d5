// libFuzzer target: any bytes fed to the JSONL trace reader must neither crash, hang, nor
// grow memory without bound; every event it accepts must survive a write/read round trip.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "dmakit/trace/jsonl_reader.h"
#include "dmakit/trace/jsonl_writer.h"

namespace {

class RoundTripSink final : public dmakit::EventSink {
 public:
  void OnEvent(const dmakit::Event& e) override {
    std::string line;
    dmakit::AppendJsonlEvent(e, &line);
    auto back = dmakit::ParseJsonlEvent(line);
    if (!back.ok() || !(*back == e)) __builtin_trap();
    ++count;
  }
  uint64_t count = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dmakit::TraceReadOptions options;
  options.max_line_length = 4096;
  options.max_array_length = 256;
  options.max_problems_kept = 16;
  {
    RoundTripSink sink;
    auto summary = dmakit::ReadJsonl(text, sink, options);
    if (summary.ok() && summary->events != sink.count) __builtin_trap();
  }
  {
    options.strict = true;
    RoundTripSink sink;
    std::istringstream in{std::string(text)};
    (void)dmakit::ReadJsonl(in, sink, options);
  }
  return 0;
}
