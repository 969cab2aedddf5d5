// LineSet: a set of physical cache lines with range operations (add, remove and query every
// line a byte range touches). Used for lines that may sit in the CPU cache and for page-table
// lines a non-coherent walker cannot see yet.
#pragma once

#include <cstdint>
#include <vector>

#include <absl/container/btree_set.h>

#include "dmakit/core/addr_range.h"

namespace dmakit {

class LineSet {
 public:
  explicit LineSet(uint64_t line_size) : line_size_(line_size) {}

  // Adds / removes every line `range` touches (a partial line counts).
  void Add(PhysRange range);
  void Remove(PhysRange range) {
    if (!lines_.empty()) RemoveLines(range);  // most calls find the set empty
  }
  // The lines of the set that `range` touches, merged into line-aligned ranges.
  std::vector<PhysRange> Find(PhysRange range) const;
  bool Any(PhysRange range) const;
  size_t size() const { return lines_.size(); }

 private:
  void RemoveLines(PhysRange range);

  uint64_t line_size_;
  absl::btree_set<uint64_t> lines_;  // line numbers (address / line size)
};

}  // namespace dmakit
