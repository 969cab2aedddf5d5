#include "dmakit/check/iommu_state.h"

#include <algorithm>

namespace dmakit {

void IommuState::Attach(Symbol node, uint64_t domain, Symbol type) {
  attach_[node] = Attachment{domain, type};
  if (type.view() == "unmanaged") has_unmanaged_ = true;
}

void IommuState::Detach(Symbol node) { attach_.erase(node); }

const IommuState::Attachment* IommuState::AttachmentOf(Symbol node) const {
  auto it = attach_.find(node);
  return it == attach_.end() ? nullptr : &it->second;
}

IommuState::Hits IommuState::Overlaps(const LiveMap& m, uint64_t iova, uint64_t end) {
  Hits hits;
  m.ForEachOverlap(iova, end, [&](uint64_t begin, uint64_t, uint32_t slot) {
    hits.emplace_back(begin, slot);
    return true;
  });
  std::reverse(hits.begin(), hits.end());  // reported by first IOVA descending
  return hits;
}

IommuState::LiveMap* IommuState::LiveOf(uint64_t domain, bool create) {
  if (live_cached_ != nullptr && live_domain_ == domain) return live_cached_;
  if (create) {
    auto [it, inserted] = live_.try_emplace(domain);
    if (inserted) it->second.Disjoint();
    live_cached_ = &it->second;
  } else {
    auto it = live_.find(domain);
    if (it == live_.end()) return nullptr;
    live_cached_ = &it->second;
  }
  live_domain_ = domain;
  return live_cached_;
}

RangeIndex<uint32_t>* IommuState::PendingOf(uint64_t domain, bool create) {
  if (pending_cached_ != nullptr && pending_domain_ == domain) return pending_cached_;
  if (create) {
    pending_cached_ = &pending_[domain];
  } else {
    auto it = pending_.find(domain);
    if (it == pending_.end()) return nullptr;
    pending_cached_ = &it->second;
  }
  pending_domain_ = domain;
  return pending_cached_;
}

IommuState::Translations IommuState::Overlapping(uint64_t domain, uint64_t iova,
                                                 uint64_t end) const {
  Translations out;
  auto d = live_.find(domain);
  if (d == live_.end() || iova >= end) return out;
  for (auto [begin, slot] : Overlaps(d->second, iova, end)) out.push_back(slots_[slot]);
  return out;
}

const IommuState::Translation* IommuState::LiveAt(uint64_t domain, uint64_t iova) const {
  auto d = live_.find(domain);
  if (d == live_.end() || iova == UINT64_MAX) return nullptr;
  const Translation* found = nullptr;
  d->second.ForEachOverlap(iova, iova + 1, [&](uint64_t, uint64_t, uint32_t slot) {
    found = &slots_[slot];
    return false;
  });
  return found;
}

uint32_t IommuState::NewSlot(const Translation& t) {
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(t);
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = t;
  }
  return slot;
}

void IommuState::Insert(LiveMap& live, uint64_t domain, const Translation& t) {
  const uint32_t slot = NewSlot(t);
  live.Insert(t.iova, t.end < t.iova ? t.iova : t.end, slot);
  by_phys_.Insert(t.phys, t.phys + (t.end - t.iova), PhysRef{domain, t.iova, slot});
  phys_pages_.Add(t.phys, t.phys + (t.end - t.iova));
}

void IommuState::Map(uint64_t domain, const Translation& t) {
  ClearPending(domain, t.iova, t.end);
  Insert(*LiveOf(domain, true), domain, t);
}

IommuState::Translations IommuState::MapIfFree(uint64_t domain, const Translation& t) {
  Translations out;
  if (t.iova >= t.end) {  // overlaps nothing: recorded as Map records it
    Map(domain, t);
    return out;
  }
  LiveMap& live = *LiveOf(domain, true);
  bool overlaps = false;  // the usual answer is no: ask before collecting
  live.ForEachOverlap(t.iova, t.end, [&](uint64_t, uint64_t, uint32_t) {
    overlaps = true;
    return false;
  });
  if (overlaps) {
    for (auto [begin, slot] : Overlaps(live, t.iova, t.end)) out.push_back(slots_[slot]);
    return out;
  }
  ClearPending(domain, t.iova, t.end);
  Insert(live, domain, t);
  return out;
}

const IommuState::Translations& IommuState::Unmap(uint64_t domain, uint64_t iova, uint64_t end,
                                                  uint64_t seq, SourceLoc where) {
  static const Translations kNone;
  LiveMap* d = iova < end ? LiveOf(domain, false) : nullptr;
  if (d == nullptr) return kNone;
  LiveMap& live = *d;
  const Hits found = Overlaps(live, iova, end);
  if (found.empty()) return kNone;
  // The window's record is filled in place: what the unmap removed is kept there, and
  // returned from there.
  uint32_t pending_slot;
  if (free_pending_.empty()) {
    pending_slot = static_cast<uint32_t>(pending_slots_.size());
    pending_slots_.emplace_back();
  } else {
    pending_slot = free_pending_.back();
    free_pending_.pop_back();
  }
  Pending& p = pending_slots_[pending_slot];
  p.iova = iova;
  p.end = end;
  p.seq = seq;
  p.where = where;
  p.unmapped.clear();
  for (auto [begin, slot] : found) {
    p.unmapped.push_back(slots_[slot]);
    live.Erase(begin, slot);
    free_slots_.push_back(slot);
  }
  for (size_t i = 0; i < found.size(); ++i) {
    const Translation& t = p.unmapped[i];
    by_phys_.Erase(t.phys, PhysRef{domain, t.iova, found[i].second});
    if (t.iova < iova) {  // keep the head
      Translation head = t;
      head.end = iova;
      Insert(live, domain, head);
    }
    if (t.end > end) {  // keep the tail
      Translation tail = t;
      tail.phys = t.phys + (end - t.iova);
      tail.iova = end;
      Insert(live, domain, tail);
    }
  }
  Settle();
  held_slot_ = pending_slot;
  held_domain_ = domain;
  return p.unmapped;
}

void IommuState::Settle() {
  if (held_slot_ == kNoWindow) return;
  const Pending& p = pending_slots_[held_slot_];
  PendingOf(held_domain_, true)->Insert(p.iova, p.end, held_slot_);
  held_slot_ = kNoWindow;
}

void IommuState::ClearPending(uint64_t domain, uint64_t iova, uint64_t end) {
  if (held_slot_ != kNoWindow && held_domain_ == domain && iova < end) {
    const Pending& p = pending_slots_[held_slot_];
    if (p.iova < end && p.end > iova) {
      free_pending_.push_back(held_slot_);
      held_slot_ = kNoWindow;
    }
  }
  if (pending_.empty()) return;  // strict flushing closes each window while it is held
  RangeIndex<uint32_t>* index = PendingOf(domain, false);
  if (index == nullptr || index->empty()) return;
  absl::InlinedVector<std::pair<uint64_t, uint32_t>, 4> gone;
  index->ForEachOverlap(iova, end, [&](uint64_t begin, uint64_t, uint32_t slot) {
    gone.emplace_back(begin, slot);
    return true;
  });
  for (auto [begin, slot] : gone) {
    index->Erase(begin, slot);
    free_pending_.push_back(slot);
  }
}

void IommuState::Invalidate(uint64_t domain, uint64_t iova, uint64_t size) {
  uint64_t end = size == 0 ? UINT64_MAX : iova + size;
  if (size == 0) iova = 0;
  if (domain != 0) {
    ClearPending(domain, iova, end);
    return;
  }
  if (held_slot_ != kNoWindow) ClearPending(held_domain_, iova, end);
  std::vector<uint64_t> domains;
  for (const auto& [d, index] : pending_) domains.push_back(d);
  for (uint64_t d : domains) ClearPending(d, iova, end);
}

const IommuState::Translation* IommuState::Pending::MappingAt(uint64_t at) const {
  for (const Translation& t : unmapped) {
    if (at >= t.iova && at < t.end) return &t;
  }
  return nullptr;
}

std::optional<IommuState::Pending> IommuState::StaleAt(uint64_t domain, uint64_t iova) const {
  if (iova == UINT64_MAX) return std::nullopt;
  const Pending* found = nullptr;
  if (auto p = pending_.find(domain); p != pending_.end()) {
    p->second.ForEachOverlap(iova, iova + 1, [&](uint64_t, uint64_t, uint32_t slot) {
      found = &pending_slots_[slot];
      return false;
    });
  }
  if (held_slot_ != kNoWindow && held_domain_ == domain) {
    const Pending& h = pending_slots_[held_slot_];
    if (h.iova <= iova && h.end > iova && (found == nullptr || h.iova >= found->iova)) found = &h;
  }
  if (found == nullptr) return std::nullopt;
  return *found;
}

}  // namespace dmakit
