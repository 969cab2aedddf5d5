// DirectBackend: dma address == physical address (dma-direct), with the bounce pool for
// memory above the device's DMA mask, or for everything under swiotlb=force.
#pragma once

#include "bounce_pool.h"
#include "dma_backend.h"

namespace dmakit {

enum class ForceBounce : uint8_t { kNo, kYes };

class DirectBackend final : public DmaBackend {
 public:
  // `pool` may be null (no bounce pool: memory above the mask cannot be mapped).
  DirectBackend(BouncePool* pool, ForceBounce force) : pool_(pool), force_(force) {}

  // Errors: kOutOfRange (memory above the mask and no pool, or an allocation above the mask),
  // kExhausted (bounce slots).
  Status Map(LiveMapping& m, DmaDirection dir, const DeviceLimits& dev,
             MayBounce may_bounce) override;
  Status Unmap(LiveMapping& m) override;

 private:
  BouncePool* pool_;
  ForceBounce force_;
};

}  // namespace dmakit
