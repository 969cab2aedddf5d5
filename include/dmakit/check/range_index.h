// RangeIndex: the half-open ranges [begin, end) currently live, each with a value, indexed so
// that "which ranges overlap [a, b)?" costs O(log n + k + s), where k is the number of hits
// and s the number of ranges that start in [a - max_len, a) and end before a.
//
// Ranges may overlap each other (two to-device mappings of one buffer). Implementation: a
// B-tree keyed by begin, scanned backwards from b while a range starting there could still
// reach a, using the longest range ever inserted as the bound (it never shrinks: a single
// huge range makes later queries scan further; the checker's ranges are buffers, pages and
// IOMMU blocks, so the bound stays small in practice).
#pragma once

#include <algorithm>
#include <cstdint>

#include <absl/container/btree_map.h>

namespace dmakit {

template <typename V>
class RangeIndex {
 public:
  // Precondition: begin < end.
  void Insert(uint64_t begin, uint64_t end, V value) {
    max_len_ = std::max(max_len_, end - begin);
    map_.emplace(begin, Entry{end, value});
  }

  // Removes the range that starts at `begin` with `value`; false when there is none.
  bool Erase(uint64_t begin, const V& value) {
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
  // of begin; fn returns false to stop early.
  template <typename F>
  void ForEachOverlap(uint64_t begin, uint64_t end, F&& fn) const {
    if (begin >= end) return;
    auto it = map_.lower_bound(end);
    while (it != map_.begin()) {
      --it;
      if (it->first + max_len_ <= begin) break;
      if (it->second.end > begin) {
        if (!fn(it->first, it->second.end, it->second.value)) return;
      }
    }
  }

  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }

 private:
  struct Entry {
    uint64_t end;
    V value;
  };
  absl::btree_multimap<uint64_t, Entry> map_;
  uint64_t max_len_ = 0;
};

}  // namespace dmakit
