#include "direct_backend.h"

namespace dmakit {

Status DirectBackend::Map(LiveMapping& m, DmaDirection /*dir*/, const DeviceLimits& dev,
                          MayBounce may_bounce) {
  size_t done = 0;
  Status status = Ok();
  for (MappedChunk& c : m.chunks) {
    const bool reachable = c.phys.value() + (c.size - 1) <= dev.dma_mask;
    const bool bounce =
        may_bounce == MayBounce::kYes && (force_ == ForceBounce::kYes || !reachable);
    if (!bounce) {
      if (!reachable) {
        status = Error(
            ErrorCode::kOutOfRange,
            "device " + std::string(dev.name.view()) + " cannot reach " +
                ToString(PhysRange(c.phys, c.size)) + ": above its DMA mask " + Hex(dev.dma_mask) +
                (pool_ == nullptr && may_bounce == MayBounce::kYes ? " and there is no bounce pool"
                                                                   : ""));
        break;
      }
      c.dma = DmaAddr(c.phys.value());
      c.device_phys = c.phys;
      c.bounced = false;
    } else {
      if (pool_ == nullptr) {
        status = Error(ErrorCode::kOutOfRange,
                       "device " + std::string(dev.name.view()) + " cannot reach " +
                           ToString(PhysRange(c.phys, c.size)) + ": above its DMA mask " +
                           Hex(dev.dma_mask) + " and there is no bounce pool");
        break;
      }
      Result<PhysAddr> slot = pool_->Alloc(c.size);
      if (!slot.ok()) {
        status = slot.error();
        break;
      }
      c.dma = DmaAddr(slot->value());
      c.device_phys = *slot;
      c.bounced = true;
    }
    ++done;
  }
  if (!status.ok()) {
    for (size_t i = 0; i < done; ++i) {
      if (m.chunks[i].bounced) (void)pool_->Free(m.chunks[i].device_phys, m.chunks[i].size);
    }
  }
  return status;
}

Status DirectBackend::Unmap(LiveMapping& m) {
  Status status = Ok();
  for (const MappedChunk& c : m.chunks) {
    if (!c.bounced) continue;
    Status freed = pool_->Free(c.device_phys, c.size);
    if (!freed.ok() && status.ok()) status = freed;
  }
  return status;
}

}  // namespace dmakit
