// LiveMappingTable: the live mappings and allocations of one DmaDevice, keyed by the dma
// address the driver was given, with containment lookup for (partial) syncs.
//
// A LiveMapping is a list of chunks: each a physically contiguous piece of the driver's
// memory, the dma address the device was given for it, and the physical memory the device's
// accesses really reach (the same memory, or a bounce slot).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <absl/container/btree_map.h>

#include "dmakit/core/addr_range.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/event.h"
#include "dmakit/dma/sg_table.h"

namespace dmakit {

class IommuDomain;

struct MappedChunk {
  PhysAddr phys;  // the driver's memory
  uint64_t size = 0;
  DmaAddr dma;           // what the device is given for `phys`
  PhysAddr device_phys;  // what its accesses reach: `phys`, or a bounce slot
  bool bounced = false;
};

struct LiveMapping {
  MapApi api = MapApi::kNone;
  DmaAddr dma;        // the handle: the first chunk's dma address
  uint64_t size = 0;  // bytes mapped (the sum of the chunks)
  DmaDirection dir = DmaDirection::kNone;
  DmaAttrs attrs;
  uint32_t orig_nents = 0;  // sg: the CPU-side entry count
  // The call site of the DMA API call acting on the mapping now (the map, then the unmap or
  // free): the backend hands it to the IOMMU events that call causes.
  SourceLoc where;
  std::vector<MappedChunk> chunks;
  // IOMMU-backed: the IOVA range allocated and the domain it is mapped in.
  IommuDomain* domain = nullptr;
  DmaRange iova;        // what is mapped
  DmaRange iova_alloc;  // what the allocator handed out (to give back)
  // Allocations: the CPU view and the pages behind it.
  CpuAddr cpu;
  bool cpu_view_mapped = false;  // `cpu` is a MapPages view to undo
  PhysAddr pages;
  uint64_t page_count = 0;

  // The dma range from the first chunk's start to the last chunk's end.
  DmaRange dma_span() const;
};

// Lookups cost O(log n) in a B-tree of handles (a few cache lines per level) and a returned
// pointer stays valid until the mapping is taken (mappings live in a slot store that never
// moves them).
class LiveMappingTable {
 public:
  // Several live mappings may share a handle (the same buffer mapped twice, direct).
  LiveMapping& Insert(LiveMapping m);
  // The oldest mapping whose handle is exactly `dma`, or nullptr.
  LiveMapping* Find(DmaAddr dma);
  // The mapping whose dma span contains all of [dma, dma + size), or nullptr.
  LiveMapping* FindContaining(DmaAddr dma, uint64_t size);
  // Removes `m` (a pointer this table returned) and hands it back.
  LiveMapping Take(const LiveMapping* m);

  size_t size() const { return by_dma_.size(); }
  bool empty() const { return by_dma_.empty(); }

 private:
  std::deque<LiveMapping> slots_;  // a deque: growing it never moves a live mapping
  std::vector<uint32_t> free_;     // slots of taken mappings, reused first
  absl::btree_multimap<uint64_t, uint32_t> by_dma_;  // handle -> slot, in insertion order
};

}  // namespace dmakit
