// The two ownership moves of a live mapping (or a dma sub-range of it), with the copies and
// the cache maintenance they need. The maintenance decision itself is MaintenanceFor
// (cache_sync.h); this file only applies it to the memory the device really reaches (the
// driver's memory, or its bounce slot) and orders it with the bounce copies.
#pragma once

#include "bounce_pool.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/sim/soc.h"
#include "live_mapping_table.h"

namespace dmakit {

struct MoveContext {
  Soc& soc;
  BouncePool* pool;  // null when there is none (no chunk is bounced then)
  bool coherent;
  SourceLoc where;
};

// CPU -> device (map, sync_for_device) over the part of `m` inside `dma_range`: bounced
// chunks are first copied into their slot (kToDevice, kBidirectional; not with SkipCpuSync),
// then the device-side memory is cleaned when the device is not coherent.
Status HandToDevice(const MoveContext& ctx, const LiveMapping& m, DmaRange dma_range,
                    DmaDirection dir, DmaAttrs attrs);
// Device -> CPU (sync_for_cpu, unmap): the device-side memory is invalidated (kFromDevice,
// kBidirectional on a non-coherent device), then bounced chunks are copied back (kFromDevice,
// kBidirectional; not with SkipCpuSync).
Status TakeBack(const MoveContext& ctx, const LiveMapping& m, DmaRange dma_range, DmaDirection dir,
                DmaAttrs attrs);

}  // namespace dmakit
