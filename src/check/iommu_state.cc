#include "dmakit/check/iommu_state.h"

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

IommuState::LiveMap::const_iterator IommuState::FirstOverlap(const LiveMap& m,
                                                             uint64_t iova) const {
  auto it = m.upper_bound(iova);
  if (it != m.begin()) {
    auto prev = std::prev(it);
    if (slots_[prev->second].end > iova) return prev;
  }
  return it;
}

IommuState::Translations IommuState::Overlapping(uint64_t domain, uint64_t iova,
                                                 uint64_t end) const {
  Translations out;
  auto d = live_.find(domain);
  if (d == live_.end() || iova >= end) return out;
  const LiveMap& m = d->second;
  for (auto it = FirstOverlap(m, iova); it != m.end() && it->first < end; ++it) {
    out.push_back(slots_[it->second]);
  }
  return out;
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

void IommuState::Insert(uint64_t domain, const Translation& t) {
  live_[domain][t.iova] = NewSlot(t);
  by_phys_.Insert(t.phys, t.phys + (t.end - t.iova), PhysRef{domain, t.iova});
  phys_pages_.Add(t.phys, t.phys + (t.end - t.iova));
}

void IommuState::Map(uint64_t domain, const Translation& t) {
  ClearPending(domain, t.iova, t.end);
  Insert(domain, t);
}

IommuState::Translations IommuState::MapIfFree(uint64_t domain, const Translation& t) {
  Translations out;
  if (t.iova >= t.end) {  // overlaps nothing: recorded as Map records it
    Map(domain, t);
    return out;
  }
  LiveMap& m = live_[domain];
  // upper_bound is both where the overlap search starts and where `t` goes: one descent.
  const auto next = m.upper_bound(t.iova);
  auto it = next;
  if (it != m.begin() && slots_[std::prev(it)->second].end > t.iova) it = std::prev(it);
  for (; it != m.end() && it->first < t.end; ++it) out.push_back(slots_[it->second]);
  if (!out.empty()) return out;
  ClearPending(domain, t.iova, t.end);
  m.emplace_hint(next, t.iova, NewSlot(t));
  by_phys_.Insert(t.phys, t.phys + (t.end - t.iova), PhysRef{domain, t.iova});
  phys_pages_.Add(t.phys, t.phys + (t.end - t.iova));
  return out;
}

IommuState::Translations IommuState::Unmap(uint64_t domain, uint64_t iova, uint64_t end,
                                           uint64_t seq, SourceLoc where) {
  Translations hit;
  auto d = live_.find(domain);
  if (d == live_.end() || iova >= end) return hit;
  LiveMap& live = d->second;
  auto first = FirstOverlap(live, iova);
  auto last = first;
  for (; last != live.end() && last->first < end; ++last) {
    hit.push_back(slots_[last->second]);
    free_slots_.push_back(last->second);
  }
  if (hit.empty()) return hit;
  live.erase(first, last);
  for (const Translation& t : hit) {
    by_phys_.Erase(t.phys, PhysRef{domain, t.iova});
    if (t.iova < iova) {  // keep the head
      Translation head = t;
      head.end = iova;
      Insert(domain, head);
    }
    if (t.end > end) {  // keep the tail
      Translation tail = t;
      tail.phys = t.phys + (end - t.iova);
      tail.iova = end;
      Insert(domain, tail);
    }
  }
  uint32_t slot;
  if (free_pending_.empty()) {
    slot = static_cast<uint32_t>(pending_slots_.size());
    pending_slots_.emplace_back();
  } else {
    slot = free_pending_.back();
    free_pending_.pop_back();
  }
  Pending& p = pending_slots_[slot];
  p.iova = iova;
  p.end = end;
  p.seq = seq;
  p.where = where;
  p.unmapped = hit;
  pending_[domain].Insert(iova, end, slot);
  return hit;
}

void IommuState::ClearPending(uint64_t domain, uint64_t iova, uint64_t end) {
  auto p = pending_.find(domain);
  if (p == pending_.end()) return;
  absl::InlinedVector<std::pair<uint64_t, uint32_t>, 4> gone;
  p->second.ForEachOverlap(iova, end, [&](uint64_t begin, uint64_t, uint32_t slot) {
    gone.emplace_back(begin, slot);
    return true;
  });
  for (auto [begin, slot] : gone) {
    p->second.Erase(begin, slot);
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
  auto p = pending_.find(domain);
  if (p == pending_.end()) return std::nullopt;
  std::optional<Pending> out;
  p->second.ForEachOverlap(iova, iova + 1, [&](uint64_t, uint64_t, uint32_t slot) {
    out = pending_slots_[slot];
    return false;
  });
  return out;
}

}  // namespace dmakit
