// Helpers shared by the Soc-level tests of the sim layer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "dmakit/sim/soc.h"

namespace dmakit::testing {

// A small SoC: one 16 MiB bank at 2 GiB, a 16 KiB 4-way cache of 64-byte lines.
inline SocConfig SmallSocConfig(EvictionPolicy policy = EvictionPolicy::kLru, uint64_t seed = 1) {
  SocConfig config;
  config.banks = {{"dram0", PhysAddr(0x8000'0000), 16ull << 20}};
  config.cache.size = 16 * 1024;
  config.cache.ways = 4;
  config.cache.policy = policy;
  config.seed = seed;
  return config;
}

inline std::unique_ptr<Soc> MakeSoc(const SocConfig& config) {
  auto soc = Soc::Create(config);
  EXPECT_TRUE(soc.ok()) << soc.error().ToString();
  return std::move(soc).value();
}

// `n` bytes counting up from `first` through 1..255, never 0: fresh memory (zeros) differs
// from the pattern in every byte, so a stale read is visible in every byte.
inline std::vector<uint8_t> Pattern(size_t n, uint8_t first) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(1 + (first + i) % 255);
  return out;
}

// Reads, through the cached linear map with no event, `factor` times the cache's size of
// otherwise unused memory: every line that was cached before is evicted (written back when
// dirty), as a busy kernel would do sooner or later.
inline void EvictEverything(Soc& soc, PhysAddr scratch, uint64_t factor = 8) {
  std::vector<uint8_t> sink(kPageSize);
  uint64_t bytes = soc.config().cache.size * factor;
  for (uint64_t off = 0; off < bytes; off += kPageSize) {
    ASSERT_TRUE(soc.KernelLoad(scratch + off, sink, Symbol("kernel")).ok());
  }
}

}  // namespace dmakit::testing
