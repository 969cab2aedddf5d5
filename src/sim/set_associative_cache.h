// SetAssociativeCache: the CpuCache model (see dmakit/sim/cpu_cache.h for the contract).
//
// Layout, chosen for the hit path: per line slot (set * ways + way) a tag word holding the
// full line number (address >> line_shift) or kInvalidTag, a dirty byte and an LRU stamp;
// line data lives in one contiguous array, slot i at data[i * line_size]. A lookup is a
// shift, a mask and `ways` tag compares. Private to the sim layer: other code uses the
// CpuCache interface through CreateSetAssociativeCache.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "dmakit/core/rng.h"
#include "dmakit/sim/cpu_cache.h"

namespace dmakit {

class SetAssociativeCache final : public CpuCache {
 public:
  // Errors: kInvalidArgument naming the parameter (size, ways, line_size) when the geometry is
  // inconsistent.
  static Result<std::unique_ptr<SetAssociativeCache>> Create(const CacheGeometry& geometry,
                                                             PhysicalMemory& memory);

  const CacheGeometry& geometry() const override { return geometry_; }
  Status Read(PhysAddr addr, std::span<uint8_t> out) override;
  Status Write(PhysAddr addr, std::span<const uint8_t> data) override;
  Status Maintain(CacheOp op, PhysRange range) override;
  Status SnoopRead(PhysAddr addr, std::span<uint8_t> out) override;
  Status SnoopWrite(PhysRange range) override;
  void OnDeviceWrite(PhysRange range) override;
  void FlushAll() override;
  LineState Probe(PhysAddr addr) const override;
  const CacheStats& stats() const override { return stats_; }
  void ResetStats() override { stats_ = CacheStats{}; }

  uint64_t sets() const { return set_mask_ + 1; }

 private:
  static constexpr uint64_t kInvalidTag = ~uint64_t{0};
  static constexpr size_t kNoSlot = ~size_t{0};

  SetAssociativeCache(const CacheGeometry& geometry, PhysicalMemory& memory);

  size_t Find(uint64_t line) const;
  // The slot holding `line`, filled from memory on a miss (not filled when the caller is about
  // to overwrite the whole line). Counts the hit or miss.
  // The hit path is inline in the .cc's loops; a miss goes out of line to Miss.
  inline size_t Access(uint64_t line, bool overwrites_whole_line);
  // Picks and evicts a victim in the set starting at `first`, fills it unless the caller
  // overwrites the whole line, and counts the miss.
  size_t Miss(uint64_t line, size_t first, bool overwrites_whole_line);
  size_t PickVictim(size_t first_slot);
  void WriteBack(size_t slot);
  // The host page of memory holding `addr`, for write-backs: consecutive write-backs mostly
  // hit the same page, so the last one is remembered (memory never moves or frees a page).
  uint8_t* WriteBackPage(uint64_t addr) {
    const uint64_t page = addr >> kPageShift;
    if (page != wb_page_) {
      wb_data_ = memory_.PageData(PhysAddr(addr));
      wb_page_ = page;
    }
    return wb_data_;
  }
  // An invalid slot has stamp 0, below every valid line's (the clock starts at 1), so the
  // LRU victim search finds invalid slots first without a separate pass.
  void Drop(size_t slot) {
    tags_[slot] = kInvalidTag;
    dirty_[slot] = 0;
    stamps_[slot] = 0;
  }
  uint8_t* LineData(size_t slot) { return data_.get() + (slot << line_shift_); }
  const uint8_t* LineData(size_t slot) const { return data_.get() + (slot << line_shift_); }
  // Calls f(slot) for every valid line whose number lies in [first, last]. Walks the range's
  // lines when it is small, the cache's lines when the range covers every set.
  template <typename F>
  void ForEachCached(uint64_t first, uint64_t last, F&& f);
  Status SlowRead(PhysAddr addr, std::span<uint8_t> out);
  Status SlowWrite(PhysAddr addr, std::span<const uint8_t> data);
  // Stores `lines` whole lines from `src` at line-aligned `addr` (known to be RAM).
  template <uint32_t kLineSize>
  void WriteWholeLines(uint64_t addr, const uint8_t* src, size_t lines);

  CacheGeometry geometry_;
  PhysicalMemory& memory_;
  uint32_t line_shift_;
  uint64_t line_mask_;  // line_size - 1
  uint64_t set_mask_;   // sets - 1
  uint32_t ways_;
  size_t slots_;
  std::vector<uint64_t> tags_;
  std::vector<uint8_t> dirty_;
  std::vector<uint64_t> stamps_;  // LRU: larger is more recent
  std::unique_ptr<uint8_t[]> data_;
  uint64_t clock_ = 0;
  uint64_t wb_page_ = kInvalidTag;  // WriteBackPage's page number and its host data
  uint8_t* wb_data_ = nullptr;
  Rng rng_;
  CacheStats stats_;
};

}  // namespace dmakit
