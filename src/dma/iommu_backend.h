// IommuBackend: dma addresses are IOVAs of the device's kDma domain. One IOVA range per
// mapping, below the DMA mask, holding each chunk's page-aligned span back to back (so an sg
// table's entries can coalesce into one DMA segment); permissions from the direction.
#pragma once

#include "dma_backend.h"
#include "dmakit/iommu/domain.h"

namespace dmakit {

// Linux's dma_info_to_prot: kToDevice read-only, kFromDevice write-only, kBidirectional
// both; kCache for a coherent device.
IoProt ProtFor(DmaDirection dir, bool coherent);

class IommuBackend final : public DmaBackend {
 public:
  explicit IommuBackend(IommuDomain& domain) : domain_(domain) {}

  // Errors: those of IovaAllocator::Alloc (kExhausted, kOutOfRange for a mask below the
  // aperture) and of IommuDomain::Map.
  Status Map(LiveMapping& m, DmaDirection dir, const DeviceLimits& dev,
             MayBounce may_bounce) override;
  // Unmaps from the page table; the IOVA goes back to the allocator once the IOTLB can no
  // longer translate it (the domain's release callback, strict or lazy).
  Status Unmap(LiveMapping& m) override;

 private:
  IommuDomain& domain_;
};

}  // namespace dmakit
