// Trace import speed. Target (DESIGN.md): ftrace text import >= 5 M events/s. The floor in the
// same run: splitting the same text into lines and touching each one (no parsing at all).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "dmakit/core/rng.h"
#include "dmakit/trace/ftrace_reader.h"
#include "dmakit/trace/jsonl_reader.h"
#include "dmakit/trace/jsonl_writer.h"

namespace dmakit {
namespace {

constexpr int kLines = 1'000'000;

class CountingSink final : public EventSink {
 public:
  void OnEvent(const Event& e) override {
    ++count;
    bytes += e.size;
  }
  uint64_t count = 0;
  uint64_t bytes = 0;
};

// A mixed dma/iommu workload in the tracefs format: the per-call shapes of a NIC and a GPU.
const std::string& FtraceText() {
  static const std::string text = [] {
    std::string t;
    t.reserve(size_t{kLines} * 170);
    auto out = std::back_inserter(t);
    const char* devices[] = {"0000:01:00.0", "0000:00:1f.6", "ff100000.gpu", "fe000000.npu"};
    uint64_t x = 0x9e3779b97f4a7c15;
    for (int i = 0; i < kLines; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      const char* dev = devices[x % 4];
      const uint64_t dma = 0xfff00000 + (x >> 40 & 0xffff) * 0x1000;
      const uint64_t phys = 0x80000000 + (x >> 20 & 0xfffff) * 0x1000;
      fmt::format_to(out, "     kworker/u16:3-201     [00{}] d..1. {}.{:06}: ", x % 8,
                     1000 + i / 1000, i % 1000000);
      switch (i % 8) {
        case 0:
          fmt::format_to(
              out, "dma_map_phys: {} dir=TO_DEVICE dma_addr={:x} size=4096 phys_addr={:x} attrs=\n",
              dev, dma, phys);
          break;
        case 1:
          fmt::format_to(out,
                         "dma_sync_single_for_device: {} dir=TO_DEVICE dma_addr={:x} size=4096\n",
                         dev, dma);
          break;
        case 2:
          fmt::format_to(out,
                         "dma_sync_single_for_cpu: {} dir=FROM_DEVICE dma_addr={:x} size=1536\n",
                         dev, dma);
          break;
        case 3:
          fmt::format_to(
              out, "dma_unmap_phys: {} dir=TO_DEVICE dma_addr={:x} size=4096 attrs=SKIP_CPU_SYNC\n",
              dev, dma);
          break;
        case 4:
          fmt::format_to(
              out,
              "dma_map_sg: {} dir=BIDIRECTIONAL nents=2/2 ents=2/2 dma_addrs={{0x{:x},0x{:x}}} "
              "sizes={{0x1000,0x1000}} phys_addrs={{0x{:x},0x{:x}}} attrs=\n",
              dev, dma, dma + 0x1000, phys, phys + 0x3000);
          break;
        case 5:
          fmt::format_to(out,
                         "dma_sync_sg_for_cpu: {} dir=BIDIRECTIONAL dma_addrs={{0x{:x},0x{:x}}} "
                         "sizes={{0x1000,0x1000}}\n",
                         dev, dma, dma + 0x1000);
          break;
        case 6:
          fmt::format_to(out,
                         "dma_unmap_sg: {} dir=BIDIRECTIONAL phys_addrs={{0x{:x},0x{:x}}} attrs=\n",
                         dev, phys, phys + 0x3000);
          break;
        default:
          fmt::format_to(out, "map: IOMMU: iova=0x{:016x} - 0x{:016x} paddr=0x{:016x} size=4096\n",
                         dma, dma + 0x1000, phys);
          break;
      }
    }
    return t;
  }();
  return text;
}

const std::vector<Event>& Events() {
  static const std::vector<Event> events = [] {
    EventLog log;
    (void)ReadFtrace(FtraceText(), log);
    return log.events();
  }();
  return events;
}

const std::string& JsonlText() {
  static const std::string text = [] {
    std::string t = JsonlHeaderLine() + "\n";
    for (const Event& e : Events()) {
      AppendJsonlEvent(e, &t);
      t.push_back('\n');
    }
    return t;
  }();
  return text;
}

// The floor: find every line and read one byte of it.
void SplitLines(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    size_t lines = 0, pos = 0;
    unsigned sum = 0;
    while (pos < text.size()) {
      const void* nl = std::memchr(text.data() + pos, '\n', text.size() - pos);
      const size_t end =
          nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : text.size();
      sum += static_cast<unsigned char>(text[pos]);
      ++lines;
      pos = end + 1;
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(lines);
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

void BM_FtraceLineSplitBaseline(benchmark::State& state) { SplitLines(state, FtraceText()); }
BENCHMARK(BM_FtraceLineSplitBaseline)->Unit(benchmark::kMillisecond);

void BM_FtraceImport(benchmark::State& state) {
  const std::string& text = FtraceText();
  for (auto _ : state) {
    CountingSink sink;
    Result<TraceReadSummary> s = ReadFtrace(text, sink);
    if (!s.ok() || sink.count != kLines) state.SkipWithError("import lost events");
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetItemsProcessed(state.iterations() * kLines);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_FtraceImport)->Unit(benchmark::kMillisecond);

void BM_JsonlLineSplitBaseline(benchmark::State& state) { SplitLines(state, JsonlText()); }
BENCHMARK(BM_JsonlLineSplitBaseline)->Unit(benchmark::kMillisecond);

void BM_JsonlWrite(benchmark::State& state) {
  const std::vector<Event>& events = Events();
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const Event& e : events) {
      AppendJsonlEvent(e, &out);
      out.push_back('\n');
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events.size()));
}
BENCHMARK(BM_JsonlWrite)->Unit(benchmark::kMillisecond);

void BM_JsonlRead(benchmark::State& state) {
  const std::string& text = JsonlText();
  for (auto _ : state) {
    CountingSink sink;
    Result<TraceReadSummary> s = ReadJsonl(text, sink);
    if (!s.ok() || sink.count != Events().size()) state.SkipWithError("read lost events");
    benchmark::DoNotOptimize(sink.bytes);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Events().size()));
}
BENCHMARK(BM_JsonlRead)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
