#include "iommu_backend.h"

namespace dmakit {

IoProt ProtFor(DmaDirection dir, bool coherent) {
  uint32_t bits = 0;
  if (DeviceReads(dir)) bits |= IoProt::kRead;
  if (DeviceWrites(dir)) bits |= IoProt::kWrite;
  if (coherent) bits |= IoProt::kCache;
  return IoProt::FromBits(bits);
}

Status IommuBackend::Map(LiveMapping& m, DmaDirection dir, const DeviceLimits& dev,
                         MayBounce /*may_bounce*/) {
  uint64_t total = 0;
  for (const MappedChunk& c : m.chunks) total += PhysRange(c.phys, c.size).AlignOut(kPageSize).size;
  IovaAllocator* iova = domain_.iova_allocator();
  if (iova == nullptr) {
    return Error(ErrorCode::kFailedPrecondition, "domain has no IOVA allocator (not a DMA domain)");
  }
  Result<DmaRange> range = iova->Alloc(total, DmaAddr(dev.dma_mask));
  if (!range.ok()) {
    return range.error().WithContext("device " + std::string(dev.name.view()) + ": IOVA");
  }
  const IoProt prot = ProtFor(dir, dev.coherent);
  uint64_t offset = 0;
  for (MappedChunk& c : m.chunks) {
    const PhysRange span = PhysRange(c.phys, c.size).AlignOut(kPageSize);
    Status mapped =
        domain_.Map(range->base + offset, span.base, span.size, prot, dev.name, m.where);
    if (!mapped.ok()) {
      if (offset != 0) (void)domain_.Unmap(range->base, offset, {}, m.where);
      (void)iova->Free(*range);
      return mapped;
    }
    c.dma = range->base + offset + c.phys.OffsetIn(kPageSize);
    c.device_phys = c.phys;
    c.bounced = false;
    offset += span.size;
  }
  m.domain = &domain_;
  m.iova = DmaRange(range->base, offset);
  // Keep the whole allocation for Free (Alloc may round up beyond `offset`).
  m.iova_alloc = *range;
  return Ok();
}

Status IommuBackend::Unmap(LiveMapping& m) {
  IovaAllocator* iova = domain_.iova_allocator();
  const DmaRange alloc = m.iova_alloc;
  return domain_.Unmap(
      m.iova.base, m.iova.size, [iova, alloc] { (void)iova->Free(alloc); }, m.where);
}

}  // namespace dmakit
