#include "iotlb.h"

namespace dmakit {

Iotlb::Iotlb(uint32_t capacity) : capacity_(capacity), slots_(capacity) {
  free_.reserve(capacity);
  for (uint32_t i = capacity; i > 0; --i) free_.push_back(i - 1);
}

void Iotlb::Unlink(uint32_t slot) {
  Slot& s = slots_[slot];
  if (s.prev != kNil)
    slots_[s.prev].next = s.next;
  else
    head_ = s.next;
  if (s.next != kNil)
    slots_[s.next].prev = s.prev;
  else
    tail_ = s.prev;
  s.prev = s.next = kNil;
}

void Iotlb::PushFront(uint32_t slot) {
  Slot& s = slots_[slot];
  s.prev = kNil;
  s.next = head_;
  if (head_ != kNil) slots_[head_].prev = slot;
  head_ = slot;
  if (tail_ == kNil) tail_ = slot;
}

void Iotlb::Drop(uint32_t slot) {
  Slot& s = slots_[slot];
  Unlink(slot);
  index_.erase({s.entry.domain, s.entry.iova_page});
  s.used = false;
  free_.push_back(slot);
}

const IotlbEntry* Iotlb::Lookup(uint64_t domain, uint64_t iova_page) {
  auto it = index_.find({domain, iova_page});
  if (it == index_.end()) return nullptr;
  if (head_ != it->second) {
    Unlink(it->second);
    PushFront(it->second);
  }
  return &slots_[it->second].entry;
}

void Iotlb::Insert(const IotlbEntry& entry) {
  auto it = index_.find({entry.domain, entry.iova_page});
  if (it != index_.end()) Drop(it->second);
  if (free_.empty()) Drop(tail_);
  const uint32_t slot = free_.back();
  free_.pop_back();
  slots_[slot].entry = entry;
  slots_[slot].used = true;
  PushFront(slot);
  index_.emplace(std::pair(entry.domain, entry.iova_page), slot);
}

uint64_t Iotlb::InvalidateAll() {
  uint64_t n = 0;
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (slots_[i].used) {
      Drop(i);
      ++n;
    }
  }
  return n;
}

uint64_t Iotlb::InvalidateDomain(uint64_t domain) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < capacity_; ++i) {
    if (slots_[i].used && slots_[i].entry.domain == domain) {
      Drop(i);
      ++n;
    }
  }
  return n;
}

uint64_t Iotlb::InvalidateRange(uint64_t domain, DmaRange range) {
  if (range.empty()) return 0;
  const uint64_t first = range.base.value() >> kPageShift;
  const uint64_t last = range.last().value() >> kPageShift;
  uint64_t n = 0;
  if (last - first < capacity_) {
    for (uint64_t p = first; p <= last; ++p) {
      auto it = index_.find({domain, p});
      if (it != index_.end()) {
        Drop(it->second);
        ++n;
      }
    }
    return n;
  }
  for (uint32_t i = 0; i < capacity_; ++i) {
    const IotlbEntry& e = slots_[i].entry;
    if (slots_[i].used && e.domain == domain && e.iova_page >= first && e.iova_page <= last) {
      Drop(i);
      ++n;
    }
  }
  return n;
}

}  // namespace dmakit
