// PageFilter: a conservative record of the pages that ranges were ever added to, so that a
// search of a range index can be skipped for pages nothing ever covered (a page-table page
// freed while 256k buffers are mapped elsewhere).
//
// Contract: MayTouch(b, e) is false only when no range added so far overlaps [b, e). Pages
// are never removed (a count per page would cost a hash update on every removal as well), so
// a run that maps many pages answers "maybe" more often and its searches run as before; it
// never answers "no" wrongly. Empty ranges (begin >= end) are not recorded: they overlap
// nothing. A range over more than kMaxWords * 64 pages (256 MiB) is not recorded page by page:
// from then on every answer is "maybe"; such a query is answered "maybe" without a look.
#pragma once

#include <cstdint>

#include <absl/container/flat_hash_map.h>

namespace dmakit {

class PageFilter {
 public:
  PageFilter() = default;
  // Movable (MayTouch's cached pointer points into words_'s storage, which a move carries
  // along), not copyable.
  PageFilter(PageFilter&&) = default;
  PageFilter& operator=(PageFilter&&) = default;
  PageFilter(const PageFilter&) = delete;
  PageFilter& operator=(const PageFilter&) = delete;

  // Records the pages [begin, end) overlaps (nothing when begin >= end).
  void Add(uint64_t begin, uint64_t end) {
    if (begin >= end) return;
    // Fast path: one page already recorded in the word last touched (bits are never cleared,
    // so last_bits_ is a subset of that word).
    const uint64_t first = begin >> kPageBits, last = (end - 1) >> kPageBits;
    if (first == last && (first >> kWordBits) == last_key_ &&
        (last_bits_ >> (first & kWordMask) & 1) != 0) {
      return;
    }
    AddPages(first, last);
  }
  // False only when no range added so far overlaps [begin, end) (false when begin >= end).
  bool MayTouch(uint64_t begin, uint64_t end) const {
    const uint64_t first = begin >> kPageBits, last = (end - 1) >> kPageBits;
    // Fast path: a range within one word, the word asked about last (a page freed and
    // allocated again is asked about again and again).
    if (begin < end && (first >> kWordBits) == probe_key_ && (last >> kWordBits) == probe_key_) {
      const uint64_t bits = probe_word_ == nullptr ? 0 : *probe_word_;
      return everything_ || (bits & SpanBits(first & kWordMask, last & kWordMask)) != 0;
    }
    return MayTouchSlow(begin, end);
  }

 private:
  static constexpr int kPageBits = 12;  // 4 KiB pages
  static constexpr int kWordBits = 6;   // 64 pages per word
  static constexpr uint64_t kWordMask = (uint64_t{1} << kWordBits) - 1;
  static constexpr uint64_t kMaxWords = 1024;

  void AddPages(uint64_t first, uint64_t last);
  bool MayTouchSlow(uint64_t begin, uint64_t end) const;
  // Bits [lo, hi] of a word (0 <= lo <= hi < 64).
  static uint64_t SpanBits(uint64_t lo, uint64_t hi) {
    const uint64_t upto_hi = hi == 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1;
    return upto_hi & ~((uint64_t{1} << lo) - 1);
  }

  absl::flat_hash_map<uint64_t, uint64_t> words_;  // page >> kWordBits -> bit per page
  uint64_t last_key_ = ~uint64_t{0};
  uint64_t last_bits_ = 0;
  bool everything_ = false;  // a range too long to record was added
  // The word MayTouch last looked up (probe_key_) and its entry in words_ (nullptr: no entry);
  // reset when AddPages inserts a key (a rehash may move entries).
  mutable uint64_t probe_key_ = ~uint64_t{0};
  mutable const uint64_t* probe_word_ = nullptr;
};

}  // namespace dmakit
