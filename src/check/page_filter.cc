#include "dmakit/check/page_filter.h"

namespace dmakit {
namespace {

// Bits [lo, hi] of a word (0 <= lo <= hi < 64).
uint64_t BitSpan(uint64_t lo, uint64_t hi) {
  const uint64_t upto_hi = hi == 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1;
  return upto_hi & ~((uint64_t{1} << lo) - 1);
}

}  // namespace

void PageFilter::AddPages(uint64_t first, uint64_t last) {
  if ((last >> kWordBits) - (first >> kWordBits) >= kMaxWords) {
    everything_ = true;
    return;
  }
  for (uint64_t key = first >> kWordBits; key <= last >> kWordBits; ++key) {
    const uint64_t lo = key == first >> kWordBits ? first & kWordMask : 0;
    const uint64_t hi = key == last >> kWordBits ? last & kWordMask : kWordMask;
    uint64_t& word = words_[key];
    word |= BitSpan(lo, hi);
    last_key_ = key;
    last_bits_ = word;
  }
}

bool PageFilter::MayTouch(uint64_t begin, uint64_t end) const {
  if (begin >= end) return false;
  const uint64_t first = begin >> kPageBits, last = (end - 1) >> kPageBits;
  if (everything_ || (last >> kWordBits) - (first >> kWordBits) >= kMaxWords) return true;
  for (uint64_t key = first >> kWordBits; key <= last >> kWordBits; ++key) {
    auto it = words_.find(key);
    if (it == words_.end()) continue;
    const uint64_t lo = key == first >> kWordBits ? first & kWordMask : 0;
    const uint64_t hi = key == last >> kWordBits ? last & kWordMask : kWordMask;
    if ((it->second & BitSpan(lo, hi)) != 0) return true;
  }
  return false;
}

}  // namespace dmakit
