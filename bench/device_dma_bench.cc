// Simulated non-coherent device DMA of a 4 MiB buffer, with the oracle on and off, beside the
// baseline: memcpy of the same bytes in the same program. Target (DESIGN.md): within 3x of
// memcpy with the oracle on.
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>
#include <vector>

#include "dmakit/sim/soc.h"

namespace dmakit {
namespace {

constexpr uint64_t kBytes = 4ull << 20;

void BM_Memcpy(benchmark::State& state) {
  std::vector<uint8_t> src(kBytes, 0x5a);
  std::vector<uint8_t> dst(kBytes, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kBytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBytes));
}
BENCHMARK(BM_Memcpy);

struct Fixture {
  explicit Fixture(bool oracle) {
    SocConfig config;
    config.oracle = oracle;
    soc = std::move(Soc::Create(config)).value();
    buf = soc->pages().AllocContiguous(kBytes / kPageSize).value();
    dev = &soc->AddBusMaster("dev", /*coherent=*/false);
    data.assign(kBytes, 0x5a);
    // Materialise the simulated pages (and the ideal copy) so steady state is measured.
    if (!dev->Write(buf, data).ok()) std::abort();
  }
  std::unique_ptr<Soc> soc;
  PhysAddr buf;
  BusMaster* dev = nullptr;
  std::vector<uint8_t> data;
};

void BM_DeviceRead(benchmark::State& state) {
  Fixture f(state.range(0) != 0);
  std::vector<uint8_t> out(kBytes);
  for (auto _ : state) {
    if (!f.dev->Read(f.buf, out).ok()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBytes));
  state.counters["corruptions"] = static_cast<double>(f.soc->oracle().corruption_events());
}
BENCHMARK(BM_DeviceRead)->ArgName("oracle")->Arg(0)->Arg(1);

void BM_DeviceWrite(benchmark::State& state) {
  Fixture f(state.range(0) != 0);
  for (auto _ : state) {
    if (!f.dev->Write(f.buf, f.data).ok()) state.SkipWithError("write failed");
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBytes));
}
BENCHMARK(BM_DeviceWrite)->ArgName("oracle")->Arg(0)->Arg(1);

}  // namespace
}  // namespace dmakit

BENCHMARK_MAIN();
