// LpaePageTable: the implementation behind CreateLpaePageTable (see the public header for the
// format and what is modelled).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "dmakit/iommu/lpae_page_table.h"

namespace dmakit {

class LpaePageTable final : public IoPageTable {
 public:
  static constexpr int kLevels = 4;
  static constexpr uint32_t kEntries = 512;
  static constexpr uint64_t kIasLimit = uint64_t{1} << 48;
  static constexpr uint64_t kOaLimit = uint64_t{1} << 48;

  static Result<std::unique_ptr<LpaePageTable>> Create(Soc& soc, const LpaeConfig& config);
  ~LpaePageTable() override;

  uint64_t ias_limit() const override { return kIasLimit; }
  uint64_t pgsize_bitmap() const override;
  Status Map(DmaAddr iova, PhysAddr phys, uint64_t size, IoProt prot) override;
  Status Unmap(DmaAddr iova, uint64_t size) override;
  Result<PhysAddr> IovaToPhys(DmaAddr iova) const override;
  WalkResult HwWalk(BusMaster& walker, DmaAddr iova) override;
  PhysAddr root() const override;
  void Free() override;
  uint64_t table_pages() const override { return table_pages_; }

 private:
  // The CPU's view of one table page.
  struct Table {
    PhysAddr phys;
    uint32_t live = 0;  // valid descriptors: the bits set in `used`
    // Bit i: desc[i] is valid. A run's "is any of it mapped" / "is all of it mapped" is a few
    // word tests instead of a scan of its descriptors. At level 3 a valid descriptor is
    // always a page.
    std::array<uint64_t, kEntries / 64> used{};
    int level = 0;
    // Filled by NewTable's zeroing or by its caller, so not initialised here.
    std::array<uint64_t, kEntries> desc;

    // The next-level table behind descriptor i (nullptr at level 3, which holds pages).
    inline Table* child(uint32_t i) const;
    inline void set_child(uint32_t i, Table* t);

    // Descriptors [first, first + n) became valid / invalid (the caller writes them).
    void MarkValid(uint32_t first, uint32_t n) {
      ForEachWord(first, n, [&](uint32_t w, uint64_t mask) { used[w] |= mask; });
      live += n;
    }
    void MarkInvalid(uint32_t first, uint32_t n) {
      ForEachWord(first, n, [&](uint32_t w, uint64_t mask) { used[w] &= ~mask; });
      live -= n;
    }
    bool AnyValid(uint32_t first, uint32_t n) const {
      uint64_t any = 0;
      ForEachWord(first, n, [&](uint32_t w, uint64_t mask) { any |= used[w] & mask; });
      return any != 0;
    }
    bool AllValid(uint32_t first, uint32_t n) const {
      uint64_t missing = 0;
      ForEachWord(first, n, [&](uint32_t w, uint64_t mask) { missing |= ~used[w] & mask; });
      return missing == 0;
    }

   private:
    // Calls f(word index, mask) for each word of `used` that [first, first + n) touches.
    template <typename F>
    static void ForEachWord(uint32_t first, uint32_t n, F&& f) {
      while (n > 0) {
        const uint32_t bit = first & 63;
        const uint32_t take = n < 64 - bit ? n : 64 - bit;
        const uint64_t ones = take == 64 ? ~uint64_t{0} : (uint64_t{1} << take) - 1;
        f(first >> 6, ones << bit);
        first += take;
        n -= take;
      }
    }
  };

  // A table at levels 0-2 also holds its children, in the same allocation so a walk reads
  // them at a fixed offset from the table (no pointer to chase); a level-3 table does without
  // the array, which saves 4 KiB per 2 MiB mapped in pages.
  struct DirTable : Table {
    std::array<Table*, kEntries> children{};
  };

  LpaePageTable(Soc& soc, const LpaeConfig& config);

  // A table page for `level`, zeroed (host view and memory) unless the caller is about to
  // fill and store all of its descriptors itself (`zero` false).
  Result<Table*> NewTable(int level, bool zero = true);
  void FreeTable(Table* table);  // recursively, with every child
  // Writes descriptors [first, first + count) of `t` to memory (and cleans them).
  void Store(const Table& t, uint32_t first, uint32_t count);

  Status CheckUsable() const;
  Status CheckRange(DmaAddr iova, uint64_t size, const char* what) const;
  // Maps one run of leaves within one table; returns the bytes mapped.
  Result<uint64_t> MapRun(uint64_t iova, uint64_t phys, uint64_t size, uint64_t attrs);
  void Rollback(uint64_t iova, uint64_t done, uint64_t fail_at);
  // Frees the empty tables on the path to `iova`, deepest first.
  bool PrunePath(Table& t, int level, uint64_t iova);

  bool AllMapped(const Table& t, int level, uint64_t start, uint64_t end) const;
  // The level-3 table holding `iova`'s descriptor when levels 0-2 are all table descriptors
  // (no block on the way), else nullptr.
  Table* Level3TableFor(uint64_t iova) const;
  // Unmap of pages within one level-3 table that keeps other pages (no split, no table to
  // free): one walk. Returns false, having changed nothing, when the case does not apply.
  bool UnmapWithinOneTable(uint64_t start, uint64_t end);
  // Replaces the block covering `iova` (when iova is inside it, not at its start) by a table.
  Status SplitAt(uint64_t iova);
  void ClearRange(Table& t, int level, uint64_t start, uint64_t end, std::vector<Table*>& to_free);

  Soc& soc_;
  LpaeConfig config_;
  Symbol state_text_;
  Table* root_ = nullptr;
  uint64_t table_pages_ = 0;
};

LpaePageTable::Table* LpaePageTable::Table::child(uint32_t i) const {
  return level < 3 ? static_cast<const DirTable*>(this)->children[i] : nullptr;
}

void LpaePageTable::Table::set_child(uint32_t i, Table* t) {
  static_cast<DirTable*>(this)->children[i] = t;
}

}  // namespace dmakit
