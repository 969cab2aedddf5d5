#include "dmakit/check/page_filter.h"

namespace dmakit {
void PageFilter::AddPages(uint64_t first, uint64_t last) {
  if ((last >> kWordBits) - (first >> kWordBits) >= kMaxWords) {
    everything_ = true;
    return;
  }
  for (uint64_t key = first >> kWordBits; key <= last >> kWordBits; ++key) {
    const uint64_t lo = key == first >> kWordBits ? first & kWordMask : 0;
    const uint64_t hi = key == last >> kWordBits ? last & kWordMask : kWordMask;
    auto [it, inserted] = words_.try_emplace(key, 0);
    if (inserted) probe_key_ = ~uint64_t{0};  // the insert may have moved probe_word_'s entry
    uint64_t& word = it->second;
    word |= SpanBits(lo, hi);
    last_key_ = key;
    last_bits_ = word;
  }
}

bool PageFilter::MayTouchSlow(uint64_t begin, uint64_t end) const {
  if (begin >= end) return false;
  const uint64_t first = begin >> kPageBits, last = (end - 1) >> kPageBits;
  if (everything_ || (last >> kWordBits) - (first >> kWordBits) >= kMaxWords) return true;
  for (uint64_t key = first >> kWordBits; key <= last >> kWordBits; ++key) {
    auto it = words_.find(key);
    if (first >> kWordBits == last >> kWordBits) {  // a one-word range: remember its word
      probe_key_ = key;
      probe_word_ = it == words_.end() ? nullptr : &it->second;
    }
    if (it == words_.end()) continue;
    const uint64_t lo = key == first >> kWordBits ? first & kWordMask : 0;
    const uint64_t hi = key == last >> kWordBits ? last & kWordMask : kWordMask;
    if ((it->second & SpanBits(lo, hi)) != 0) return true;
  }
  return false;
}

}  // namespace dmakit
