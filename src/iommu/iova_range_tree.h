// IovaRangeTree: the general path of the IOVA allocator. It keeps the free holes of an
// aperture (indexed by address, for merging, and by size, for best fit) and every live
// allocation (indexed by address, for validating frees). Addresses and sizes are plain byte
// counts; the caller has already rounded them to its granule.
//
// std::map/std::set rather than absl's btree: measured faster here for these small keys
// (bench/iova_bench.cc, general path). Not thread-safe: IovaAllocator holds its lock around
// every call.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include <map>
#include <set>
#include "dmakit/core/addr_range.h"
#include "dmakit/core/result.h"

namespace dmakit {

class IovaRangeTree {
 public:
  // Who holds an allocation: a caller of the general path, or the magazine caches (which
  // hand it out and take it back without telling the tree).
  enum class Owner : uint8_t { kUser, kCache };
  struct Allocation {
    uint64_t size;
    Owner owner;
  };

  // The whole aperture starts free. Precondition: aperture non-empty, end representable.
  explicit IovaRangeTree(DmaRange aperture);

  // Removes `range` from the free space for good. Parts already reserved are accepted.
  // Errors: kOutOfRange (not inside the aperture), kAlreadyExists (overlaps an allocation,
  // which the message names). Nothing changes on error.
  Status Reserve(DmaRange range);

  // Best fit: the smallest hole that holds `size` bytes at an address aligned to `align`
  // (a power of two) whose last byte is at most `limit_last`. Returns the base, or nullopt
  // when no hole fits. Cost: O(log n) plus the holes of sufficient size skipped because
  // alignment or the limit rules them out.
  std::optional<uint64_t> Alloc(uint64_t size, uint64_t align, uint64_t limit_last, Owner owner);

  // The allocation starting exactly at `base`, if any.
  const Allocation* Find(uint64_t base) const;
  // Returns the allocation at `base` to the free space. Precondition: Find(base) != nullptr.
  void Release(uint64_t base);

  // The error for freeing `range` when it is not exactly one live allocation:
  // kInvalidArgument when it overlaps or differs in size from a live allocation (naming it),
  // kNotFound otherwise (never allocated, already freed, reserved). `cached_is_live` tells
  // whether a kCache allocation is in a caller's hands (true) or sitting in a magazine.
  Error BadFreeError(DmaRange range, const std::function<bool(uint64_t)>& cached_is_live) const;

  uint64_t free_bytes() const { return free_bytes_; }
  size_t hole_count() const { return holes_by_base_.size(); }
  size_t allocation_count() const { return allocs_.size(); }
  const std::vector<DmaRange>& reserved() const { return reserved_; }

 private:
  void AddHole(uint64_t base, uint64_t size);
  void RemoveHole(uint64_t base, uint64_t size);
  // Adds `size` bytes at `base` as free, merged with adjacent holes.
  void InsertFree(uint64_t base, uint64_t size);
  // The allocation overlapping [base, end), if any.
  const std::pair<const uint64_t, Allocation>* Overlapping(uint64_t base, uint64_t end) const;
  void AddReserved(DmaRange range);

  DmaRange aperture_;
  std::map<uint64_t, uint64_t> holes_by_base_;             // base -> size
  std::set<std::pair<uint64_t, uint64_t>> holes_by_size_;  // (size, base)
  std::map<uint64_t, Allocation> allocs_;                  // base -> allocation
  std::vector<DmaRange> reserved_;                         // sorted, merged
  uint64_t free_bytes_ = 0;
};

}  // namespace dmakit
