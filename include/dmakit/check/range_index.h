// RangeIndex: the half-open ranges [begin, end) currently live, each with a value, indexed so
// that "which ranges overlap [a, b)?" costs O(c log n + k + s + N): c is the number of length
// classes in use (below), k the number of hits, s the number of ranges that start shortly
// before a and end before it, and N the nursery's size (below).
//
// Ranges may overlap each other (two to-device mappings of one buffer). Implementation: the
// older ranges live in B-trees keyed by begin, one per length class (lengths in [2^(c-1),
// 2^c)); a query scans each class's tree backwards from b while a range of that class
// starting there could still reach a, bounded by the longest range that class ever held.
// Since a class's ranges are within a factor of two of each other in length, one huge
// mapping (a GPU buffer, a large coherent allocation) among a quarter million packet buffers
// does not make every query scan back through the buffers within its length: it sits in a
// class of its own. Hits of the classes are merged into one order.
//
// Most ranges die young (a streaming mapping lives for one map -> sync -> unmap cycle), so
// the newest kNursery ranges are kept in a small array in insertion order and reach the
// trees only when pushed out by newer ones: inserting and erasing a short-lived range is a
// scan of a few entries, not two B-tree descents with their node splits and merges. Every
// range in the nursery is newer than every range in the trees, so queries see the same
// ranges in the same order as with the trees alone.
//
// A query that finds nothing in the trees remembers the gap around it (from the nearest tree
// range ending at or before the query to the next one starting after it); a later query
// inside that gap skips the trees, until the next range enters one (erasing only widens
// gaps). A mapping that is made, looked up and removed over and over at the same place then
// costs no B-tree descent at all. The gap is a cache that const queries update: an index is
// not safe to query from two threads at once.
//
// Disjoint(): the caller promises that no two live ranges overlap (IOMMU translations of one
// domain); the backward scan of a class then stops at the first range that ends at or before
// the query, whatever the class's longest range is.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include <absl/container/btree_map.h>
#include <absl/container/inlined_vector.h>

namespace dmakit {

template <typename V>
class RangeIndex {
 public:
  static constexpr size_t kNursery = 8;

  // begin == end is allowed: such a range overlaps the queries [b, e) with b < begin < e.
  void Insert(uint64_t begin, uint64_t end, V value) {
    if (young_ == kNursery) {  // the oldest young range moves to a tree
      const Young& old = nursery_[0];
      ClassFor(old.end - old.begin).Add(old.begin, Entry{old.end, old.value, ++order_});
      ++tree_size_;
      gap_lo_ = gap_hi_ = 0;  // a tree changed: the gap may be one no more
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
    for (Class& c : classes_) {
      // One descent (equal_range would make two); ranges sharing a begin are rare.
      for (auto it = c.map.lower_bound(begin); it != c.map.end() && it->first == begin; ++it) {
        if (it->second.value == value) {
          c.map.erase(it);
          --tree_size_;
          return true;
        }
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
    // The young hits, ordered as the trees would order them: begin descending, newest first.
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
    auto young_down_to = [&](uint64_t b) {  // the young hits that come before a tree hit at b
      for (; h < n && nursery_[hits[h]].begin >= b; ++h) {
        const Young& y = nursery_[hits[h]];
        if (!fn(y.begin, y.end, y.value)) return false;
      }
      return true;
    };
    if (tree_size_ != 0 && (begin < gap_lo_ || end > gap_hi_)) {
      // One cursor per class, each on its class's next hit; the merge takes the largest begin
      // (the newest on a tie). A search that finds none leaves the gap it proved empty.
      absl::InlinedVector<Cursor, 4> cursors;
      Scan scan{begin, end, 0, UINT64_MAX};
      for (const Class& c : classes_) {
        if (c.map.empty()) continue;
        Cursor k{&c, c.map.lower_bound(end)};
        scan.hi = std::min(scan.hi, k.it == c.map.end() ? UINT64_MAX : k.it->first);
        if (NextHit(k, scan)) cursors.push_back(k);
      }
      const bool tree_hit = !cursors.empty();
      while (!cursors.empty()) {
        size_t best = 0;
        for (size_t i = 1; i < cursors.size(); ++i) {
          const auto& a = *cursors[i].it;
          const auto& b = *cursors[best].it;
          if (a.first > b.first || (a.first == b.first && a.second.order > b.second.order)) {
            best = i;
          }
        }
        Cursor& k = cursors[best];
        if (!young_down_to(k.it->first)) return;
        if (!fn(k.it->first, k.it->second.end, k.it->second.value)) return;
        if (!NextHit(k, scan)) cursors.erase(cursors.begin() + static_cast<ptrdiff_t>(best));
      }
      if (!tree_hit) {
        gap_lo_ = std::min(scan.lo, begin);
        gap_hi_ = scan.hi;
      }
    }
    young_down_to(0);
  }

  size_t size() const { return tree_size_ + young_; }
  bool empty() const { return size() == 0; }

  // See the header comment; call before the first Insert.
  void Disjoint() { disjoint_ = true; }

 private:
  struct Entry {
    uint64_t end;
    V value;
    uint64_t order;  // when the range entered a tree: ties between classes go to the newest
  };
  using Tree = absl::btree_multimap<uint64_t, Entry>;
  // The ranges of one length class and the longest it ever held (it never shrinks).
  struct Class {
    int id;  // std::bit_width(length)
    uint64_t max_len = 0;
    Tree map;
    void Add(uint64_t begin, const Entry& e) {
      max_len = std::max(max_len, e.end - begin);
      map.emplace(begin, e);
    }
  };
  struct Young {
    uint64_t begin;
    uint64_t end;
    V value;
  };
  struct Cursor {
    const Class* c;
    typename Tree::const_iterator it;  // the class's current hit, or where the scan stands
  };
  struct Scan {
    uint64_t begin, end;
    uint64_t lo, hi;  // the gap so far: no tree range overlaps [lo, hi) but the hits
  };

  // Moves `k` back to its class's next range overlapping the query; false when none is left
  // (the scan then widens scan.lo by what it proved).
  bool NextHit(Cursor& k, Scan& scan) const {
    while (k.it != k.c->map.begin()) {
      const auto prev = std::prev(k.it);
      const uint64_t reach =
          prev->first > UINT64_MAX - k.c->max_len ? UINT64_MAX : prev->first + k.c->max_len;
      if (reach <= scan.begin) {  // it and every range of the class before it end by then
        scan.lo = std::max(scan.lo, reach);
        return false;
      }
      k.it = prev;
      if (prev->second.end > scan.begin) return true;
      scan.lo = std::max(scan.lo, prev->second.end);
      if (disjoint_) return false;  // every range before it ends before it starts
    }
    return false;
  }

  Class& ClassFor(uint64_t length) {
    const int id = std::bit_width(length);
    for (Class& c : classes_) {
      if (c.id == id) return c;
    }
    classes_.push_back(Class{id, 0, Tree()});
    return classes_.back();
  }

  std::vector<Class> classes_;  // the length classes ever used, a few in practice
  size_t tree_size_ = 0;
  uint64_t order_ = 0;
  std::array<Young, kNursery> nursery_{};
  size_t young_ = 0;  // nursery_[0, young_) are live, oldest first
  bool disjoint_ = false;
  // No range of the trees overlaps [gap_lo_, gap_hi_) (empty when gap_lo_ >= gap_hi_).
  mutable uint64_t gap_lo_ = 0;
  mutable uint64_t gap_hi_ = 0;
};

}  // namespace dmakit
