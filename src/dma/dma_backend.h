// DmaBackend: how a device's dma addresses are made (direct, IOMMU, bounce). Internal: drivers
// never see which backend serves them. A backend only makes and releases addresses; copies
// and cache maintenance are the DmaDevice's, decided in one place (cache_sync.h).
#pragma once

#include <cstdint>

#include "dmakit/core/result.h"
#include "dmakit/core/symbol.h"
#include "live_mapping_table.h"

namespace dmakit {

struct DeviceLimits {
  Symbol name;
  bool coherent = false;
  uint64_t dma_mask = 0;
};

enum class MayBounce : uint8_t { kNo, kYes };

class DmaBackend {
 public:
  virtual ~DmaBackend() = default;
  // Gives every chunk of `m` (phys and size set) its dma address and device_phys; sets
  // m.domain / m.iova when it maps through an IOMMU. Allocations pass MayBounce::kNo. On error
  // nothing stays mapped and the error says what the device could not reach and why.
  virtual Status Map(LiveMapping& m, DmaDirection dir, const DeviceLimits& dev,
                     MayBounce may_bounce) = 0;
  // Releases what Map took.
  virtual Status Unmap(LiveMapping& m) = 0;
};

}  // namespace dmakit
