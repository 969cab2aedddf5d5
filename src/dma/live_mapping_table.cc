#include "live_mapping_table.h"

#include <algorithm>
#include <utility>

namespace dmakit {

DmaRange LiveMapping::dma_span() const {
  if (chunks.empty()) return DmaRange(dma, size);
  DmaAddr begin = chunks.front().dma;
  DmaAddr end = chunks.front().dma + chunks.front().size;
  for (const MappedChunk& c : chunks) {
    begin = std::min(begin, c.dma);
    end = std::max(end, c.dma + c.size);
  }
  return DmaRange::FromBounds(begin, end);
}

LiveMapping& LiveMappingTable::Insert(LiveMapping m) {
  uint32_t slot;
  if (free_.empty()) {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(std::move(m));
  } else {
    slot = free_.back();
    free_.pop_back();
    slots_[slot] = std::move(m);
  }
  // A multimap inserts after the mappings already there with the same handle: Find (the first
  // of them) stays the oldest, FindContaining (the last before the address) the newest.
  by_dma_.emplace(slots_[slot].dma.value(), slot);
  return slots_[slot];
}

LiveMapping* LiveMappingTable::Find(DmaAddr dma) {
  auto it = by_dma_.lower_bound(dma.value());
  if (it == by_dma_.end() || it->first != dma.value()) return nullptr;
  return &slots_[it->second];
}

LiveMapping* LiveMappingTable::FindContaining(DmaAddr dma, uint64_t size) {
  auto it = by_dma_.upper_bound(dma.value());
  if (it == by_dma_.begin()) return nullptr;
  --it;
  LiveMapping& m = slots_[it->second];
  const DmaRange span = m.dma_span();
  if (!span.Contains(DmaRange(dma, size == 0 ? 1 : size))) return nullptr;
  return &m;
}

LiveMapping LiveMappingTable::Take(const LiveMapping* m) {
  for (auto it = by_dma_.lower_bound(m->dma.value());
       it != by_dma_.end() && it->first == m->dma.value(); ++it) {
    const uint32_t slot = it->second;
    if (&slots_[slot] != m) continue;
    by_dma_.erase(it);
    LiveMapping out = std::move(slots_[slot]);
    slots_[slot] = LiveMapping{};  // drop what the moved-from object may still hold
    free_.push_back(slot);
    return out;
  }
  return LiveMapping{};
}

}  // namespace dmakit
