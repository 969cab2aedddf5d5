// RangeIndex: the half-open ranges [begin, end) currently live, each with a value, indexed so
// that "which ranges overlap [a, b)?" costs O(log n + k + s + N), where k is the number of hits,
// s the number of ranges that start in [a - max_len, a) and end before a, and N the nursery's
// size (below).
//
// Ranges may overlap each other (two to-device mappings of one buffer). Implementation: a
// B-tree keyed by begin, scanned backwards from b while a range starting there could still
// reach a, using the longest range ever inserted as the bound (it never shrinks: a single
// huge range makes later queries scan further; the checker's ranges are buffers, pages and
// IOMMU blocks, so the bound stays small in practice).
//
// Most ranges die young (a streaming mapping lives for one map -> sync -> unmap cycle), so
// the newest kNursery ranges are kept in a small array in insertion order and reach the
// B-tree only when pushed out by newer ones: inserting and erasing a short-lived range is a
// scan of a few entries, not two B-tree descents with their node splits and merges. Every
// range in the nursery is newer than every range in the tree, so queries see the same ranges
// in the same order as with the tree alone.
//
// A query that finds nothing in the tree remembers the gap around it (from the nearest tree
// range ending at or before the query to the next one starting after it); a later query
// inside that gap skips the tree, until the next range enters the tree (erasing only widens
// gaps). A mapping that is made, looked up and removed over and over at the same place then
// costs no B-tree descent at all. The gap is a cache that const queries update: an index is
// not safe to query from two threads at once.
//
// Disjoint(): the caller promises that no two live ranges overlap (IOMMU translations of one
// domain); the backward scan then stops at the first range that ends at or before the query,
// whatever the longest range is.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include <absl/container/btree_map.h>

namespace dmakit {

template <typename V>
class RangeIndex {
 public:
  static constexpr size_t kNursery = 8;

  // begin == end is allowed: such a range overlaps the queries [b, e) with b < begin < e.
  void Insert(uint64_t begin, uint64_t end, V value) {
    max_len_ = std::max(max_len_, end - begin);
    if (young_ == kNursery) {  // the oldest young range moves to the tree
      const Young& old = nursery_[0];
      map_.emplace(old.begin, Entry{old.end, old.value});
      gap_lo_ = gap_hi_ = 0;  // the tree changed: the gap may be one no more
      std::move(nursery_.begin() + 1, nursery_.end(), nursery_.begin());
      --young_;
    }
    nursery_[young_++] = Young{begin, end, value};
  }

  // Removes the range that starts at `begin` with `value`; false when there is none.
  bool Erase(uint64_t begin, const V& value) {
    for (size_t i = young_; i-- > 0;) {
      if (nursery_[i].begin != begin || !(nursery_[i].value == value)) continue;
      std::move(nursery_.begin() + static_cast<ptrdiff_t>(i) + 1,
                nursery_.begin() + static_cast<ptrdiff_t>(young_),
                nursery_.begin() + static_cast<ptrdiff_t>(i));
      --young_;
      return true;
    }
    // One descent (equal_range would make two); ranges sharing a begin are rare.
    for (auto it = map_.lower_bound(begin); it != map_.end() && it->first == begin; ++it) {
      if (it->second.value == value) {
        map_.erase(it);
        return true;
      }
    }
    return false;
  }

  // Calls fn(begin, end, value) for every range overlapping [begin, end), in descending order
  // of begin, the newest first among ranges with the same begin; fn returns false to stop
  // early. fn must not change the index.
  template <typename F>
  void ForEachOverlap(uint64_t begin, uint64_t end, F&& fn) const {
    if (begin >= end) return;
    // The young hits, ordered as the tree would order them: begin descending, newest first.
    std::array<uint8_t, kNursery> hits{};
    size_t n = 0;
    for (size_t i = young_; i-- > 0;) {
      const Young& y = nursery_[i];
      if (y.begin >= end || y.end <= begin) continue;
      size_t at = n++;  // insertion sort, stable: an equal begin stays after (older than) it
      for (; at > 0 && nursery_[hits[at - 1]].begin < y.begin; --at) hits[at] = hits[at - 1];
      hits[at] = static_cast<uint8_t>(i);
    }
    size_t h = 0;
    if (begin < gap_lo_ || end > gap_hi_) {
      // The tree part. Hits are reported as they are found; a search that finds none leaves
      // the gap it proved empty: [end of the nearest range ending at or before begin, first
      // begin at or after end).
      auto it = map_.lower_bound(end);
      const uint64_t hi = it == map_.end() ? UINT64_MAX : it->first;
      uint64_t lo = 0;
      bool tree_hit = false;
      while (it != map_.begin()) {
        --it;
        for (; h < n && nursery_[hits[h]].begin >= it->first; ++h) {
          const Young& y = nursery_[hits[h]];
          if (!fn(y.begin, y.end, y.value)) return;
        }
        if (it->first + max_len_ <= begin) {  // it and every range before it end by then
          lo = std::max(lo, it->first + max_len_);
          break;
        }
        if (it->second.end > begin) {
          tree_hit = true;
          if (!fn(it->first, it->second.end, it->second.value)) return;
        } else {
          lo = std::max(lo, it->second.end);
          if (disjoint_) break;  // every range before it ends before it starts
        }
      }
      if (!tree_hit) {
        gap_lo_ = std::min(lo, begin);
        gap_hi_ = hi;
      }
    }
    for (; h < n; ++h) {
      const Young& y = nursery_[hits[h]];
      if (!fn(y.begin, y.end, y.value)) return;
    }
  }

  size_t size() const { return map_.size() + young_; }
  bool empty() const { return size() == 0; }

  // See the header comment; call before the first Insert.
  void Disjoint() { disjoint_ = true; }

 private:
  struct Entry {
    uint64_t end;
    V value;
  };
  struct Young {
    uint64_t begin;
    uint64_t end;
    V value;
  };
  absl::btree_multimap<uint64_t, Entry> map_;
  std::array<Young, kNursery> nursery_{};
  size_t young_ = 0;  // nursery_[0, young_) are live, oldest first
  uint64_t max_len_ = 0;
  bool disjoint_ = false;
  // No range of the tree overlaps [gap_lo_, gap_hi_) (empty when gap_lo_ >= gap_hi_).
  mutable uint64_t gap_lo_ = 0;
  mutable uint64_t gap_hi_ = 0;
};

}  // namespace dmakit
