#include "ownership_move.h"

#include "cache_sync.h"

namespace dmakit {
namespace {

// Calls fn(driver_phys, device_phys, size, bounced) for each chunk piece inside `dma_range`.
template <typename Fn>
Status ForEachPiece(const LiveMapping& m, DmaRange dma_range, Fn fn) {
  for (const MappedChunk& c : m.chunks) {
    const DmaRange piece = DmaRange(c.dma, c.size).Intersect(dma_range);
    if (piece.empty()) continue;
    const uint64_t offset = piece.base - c.dma;
    DMAKIT_TRY(fn(c.phys + offset, c.device_phys + offset, piece.size, c.bounced));
  }
  return Ok();
}

}  // namespace

Status HandToDevice(const MoveContext& ctx, const LiveMapping& m, DmaRange dma_range,
                    DmaDirection dir, DmaAttrs attrs) {
  const auto op = MaintenanceFor(OwnershipMove::kToDevice, dir, ctx.coherent, attrs);
  return ForEachPiece(
      m, dma_range,
      [&](PhysAddr phys, PhysAddr device_phys, uint64_t size, bool bounced) -> Status {
        if (bounced && DeviceReads(dir) && !attrs.skip_cpu_sync()) {
          DMAKIT_TRY(ctx.pool->Copy(phys, device_phys, size));
        }
        // Clean after the copy: the slot's dirty lines hold what the device
        // must read, and no dirty line may be written back over its data.
        if (op) DMAKIT_TRY(ctx.soc.CacheMaintain(*op, PhysRange(device_phys, size), ctx.where));
        return Ok();
      });
}

Status TakeBack(const MoveContext& ctx, const LiveMapping& m, DmaRange dma_range, DmaDirection dir,
                DmaAttrs attrs) {
  const auto op = MaintenanceFor(OwnershipMove::kToCpu, dir, ctx.coherent, attrs);
  return ForEachPiece(
      m, dma_range,
      [&](PhysAddr phys, PhysAddr device_phys, uint64_t size, bool bounced) -> Status {
        // Invalidate before the copy-back reads the slot: it must see what the
        // device wrote to memory, not lines the CPU cached earlier.
        if (op) DMAKIT_TRY(ctx.soc.CacheMaintain(*op, PhysRange(device_phys, size), ctx.where));
        if (bounced && DeviceWrites(dir) && !attrs.skip_cpu_sync()) {
          DMAKIT_TRY(ctx.pool->Copy(device_phys, phys, size));
        }
        return Ok();
      });
}

}  // namespace dmakit
