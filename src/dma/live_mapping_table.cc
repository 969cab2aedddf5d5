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
  const uint64_t key = m.dma.value();
  return by_dma_.emplace(key, std::move(m))->second;
}

LiveMapping* LiveMappingTable::Find(DmaAddr dma) {
  auto it = by_dma_.find(dma.value());
  return it == by_dma_.end() ? nullptr : &it->second;
}

LiveMapping* LiveMappingTable::FindContaining(DmaAddr dma, uint64_t size) {
  auto it = by_dma_.upper_bound(dma.value());
  if (it == by_dma_.begin()) return nullptr;
  --it;
  const DmaRange span = it->second.dma_span();
  if (!span.Contains(DmaRange(dma, size == 0 ? 1 : size))) return nullptr;
  return &it->second;
}

LiveMapping LiveMappingTable::Take(const LiveMapping* m) {
  auto [first, last] = by_dma_.equal_range(m->dma.value());
  for (auto it = first; it != last; ++it) {
    if (&it->second != m) continue;
    LiveMapping out = std::move(it->second);
    by_dma_.erase(it);
    return out;
  }
  return LiveMapping{};
}

}  // namespace dmakit
