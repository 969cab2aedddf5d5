// Property: whatever the eviction policy and geometry, the cache keeps the guarantees a
// driver relies on. A reference model tracks, per byte, the CPU view and whether memory is
// known to hold it ("synced": after a clean, or after an invalidate re-exposed memory).
// Eviction timing is not modelled; only what the spec guarantees is compared:
//   - a CPU read returns the last CPU write (or what memory showed after an invalidate);
//   - after Clean / CleanInvalidate of a range, memory equals the CPU view over its lines;
//   - a partially covered line of an Invalidate is cleaned first;
//   - synced bytes stay synced until the CPU writes them;
//   - after FlushAll memory equals the CPU view everywhere;
//   - an access outside RAM fails with kOutOfRange and changes nothing.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <vector>

#include "dmakit/core/rng.h"
#include "set_associative_cache.h"

namespace dmakit {
namespace {

constexpr PhysAddr kRam(0x8000'0000);
constexpr uint64_t kRamSize = 4 * kPageSize;

class Model {
 public:
  explicit Model(std::vector<uint8_t> initial)
      : value_(std::move(initial)), synced_(value_.size(), true) {}

  void Write(uint64_t offset, const std::vector<uint8_t>& data) {
    for (size_t i = 0; i < data.size(); ++i) {
      value_[offset + i] = data[i];
      synced_[offset + i] = false;
    }
  }
  // Memory must equal the CPU view on [begin, end); afterwards it is known to.
  void ExpectCleaned(const std::vector<uint8_t>& memory, uint64_t begin, uint64_t end) {
    for (uint64_t i = begin; i < end; ++i) {
      RC_ASSERT(memory[i] == value_[i]);
      synced_[i] = true;
    }
  }
  // The CPU view of [begin, end) becomes whatever memory holds.
  void Expose(const std::vector<uint8_t>& memory, uint64_t begin, uint64_t end) {
    for (uint64_t i = begin; i < end; ++i) {
      value_[i] = memory[i];
      synced_[i] = true;
    }
  }
  void ExpectSyncedBytesHold(const std::vector<uint8_t>& memory) const {
    for (size_t i = 0; i < value_.size(); ++i) {
      if (synced_[i]) RC_ASSERT(memory[i] == value_[i]);
    }
  }
  const std::vector<uint8_t>& value() const { return value_; }

 private:
  std::vector<uint8_t> value_;
  std::vector<bool> synced_;
};

std::vector<uint8_t> Snapshot(const PhysicalMemory& memory) {
  std::vector<uint8_t> bytes(kRamSize);
  RC_ASSERT(memory.Read(kRam, bytes).ok());
  return bytes;
}

void ApplyMaintain(CpuCache& cache, const PhysicalMemory& memory, Model& model, CacheOp op,
                   uint64_t offset, uint64_t size) {
  RC_ASSERT(cache.Maintain(op, PhysRange(kRam + offset, size)).ok());
  if (size == 0) return;
  const uint64_t line = cache.line_size();
  const uint64_t begin = offset & ~(line - 1);
  const uint64_t end = (offset + size + line - 1) & ~(line - 1);
  const std::vector<uint8_t> mem = Snapshot(memory);
  if (op != CacheOp::kInvalidate) {
    model.ExpectCleaned(mem, begin, end);
    return;
  }
  uint64_t full_begin = begin;
  uint64_t full_end = end;
  if (offset != begin) {
    model.ExpectCleaned(mem, begin, begin + line);
    full_begin = begin + line;
  }
  if (offset + size != end && end - line >= full_begin) {
    model.ExpectCleaned(mem, end - line, end);
    full_end = end - line;
  }
  if (full_begin < full_end) model.Expose(mem, full_begin, full_end);
}

RC_GTEST_PROP(SetAssociativeCacheProperty, CpuViewFollowsTheSpecUnderEveryPolicy, ()) {
  const auto policy = *rc::gen::element(EvictionPolicy::kLru, EvictionPolicy::kRandom,
                                        EvictionPolicy::kAdversarial);
  const uint32_t line = *rc::gen::element(16u, 32u, 64u);
  const uint32_t ways = *rc::gen::element(1u, 2u, 4u);
  const CacheGeometry geometry{.size = 512,
                               .ways = ways,
                               .line_size = line,
                               .policy = policy,
                               .seed = *rc::gen::arbitrary<uint64_t>()};
  auto memory = std::move(PhysicalMemory::Create({{"dram0", kRam, kRamSize}})).value();
  // Initial memory from a seed: a 16 KiB generated vector would make shrinking crawl.
  Rng fill(*rc::gen::arbitrary<uint64_t>());
  std::vector<uint8_t> initial(kRamSize);
  for (uint8_t& byte : initial) byte = static_cast<uint8_t>(fill.Next());
  RC_ASSERT(memory.Write(kRam, initial).ok());
  auto cache = std::move(SetAssociativeCache::Create(geometry, memory)).value();
  Model model(initial);

  const int steps = *rc::gen::inRange(1, 150);
  for (int step = 0; step < steps; ++step) {
    // Offsets reach a little past the end of RAM so that some accesses must fail.
    const uint64_t offset = *rc::gen::inRange<uint64_t>(0, kRamSize + 64);
    const uint64_t size = *rc::gen::inRange<uint64_t>(0, 3 * line);
    const bool in_ram = offset + size <= kRamSize;
    const CacheStats before = cache->stats();
    switch (*rc::gen::inRange(0, 6)) {
      case 0: {  // CPU read
        std::vector<uint8_t> out(size);
        Status s = cache->Read(kRam + offset, out);
        RC_ASSERT(s.ok() == in_ram);
        if (in_ram) {
          RC_ASSERT(std::equal(out.begin(), out.end(), model.value().begin() + offset));
        }
        break;
      }
      case 1:
      case 2: {  // CPU write
        const auto data =
            *rc::gen::container<std::vector<uint8_t>>(size, rc::gen::arbitrary<uint8_t>());
        Status s = cache->Write(kRam + offset, data);
        RC_ASSERT(s.ok() == in_ram);
        if (in_ram) model.Write(offset, data);
        break;
      }
      case 3:
      case 4: {  // maintenance, sometimes over a range larger than the cache
        const auto op =
            *rc::gen::element(CacheOp::kClean, CacheOp::kInvalidate, CacheOp::kCleanInvalidate);
        const bool big = *rc::gen::inRange(0, 4) == 0;
        const uint64_t o = big ? 0 : offset;
        const uint64_t n = big ? kRamSize - *rc::gen::inRange<uint64_t>(0, 2) * 8 : size;
        if (o + n > kRamSize) {
          Status s = cache->Maintain(op, PhysRange(kRam + o, n));
          RC_ASSERT(!s.ok());
          RC_ASSERT(s.error().code() == ErrorCode::kOutOfRange);
        } else {
          ApplyMaintain(*cache, memory, model, op, o, n);
        }
        break;
      }
      case 5: {
        cache->FlushAll();
        const std::vector<uint8_t> mem = Snapshot(memory);
        model.ExpectCleaned(mem, 0, kRamSize);
        break;
      }
      case 6: {  // a coherent master's view equals the CPU's
        std::vector<uint8_t> out(size);
        Status s = cache->SnoopRead(kRam + offset, out);
        RC_ASSERT(s.ok() == in_ram);
        if (in_ram) {
          RC_ASSERT(std::equal(out.begin(), out.end(), model.value().begin() + offset));
        }
        break;
      }
    }
    if (!in_ram) {  // a failed access changes nothing, counters included
      RC_ASSERT(cache->stats().hits == before.hits);
      RC_ASSERT(cache->stats().misses == before.misses);
    }
    model.ExpectSyncedBytesHold(Snapshot(memory));
  }
}

}  // namespace
}  // namespace dmakit
