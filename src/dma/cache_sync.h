// The one place that decides what cache maintenance a DMA ownership move needs.
//
// DESIGN.md's ownership table, arm64 semantics, for a non-coherent device:
//   map(dir) / sync_for_device(dir)   clean, whatever the direction: no dirty line may be
//                                      written back later over what the device reads/writes;
//   sync_for_cpu(dir) / unmap(dir)    kToDevice: nothing (the device only read);
//                                      kFromDevice, kBidirectional: invalidate, so the CPU
//                                      refetches what the device wrote;
// and nothing at all for a coherent device or a call with DMA_ATTR_SKIP_CPU_SYNC.
#pragma once

#include <optional>

#include "dmakit/core/dma_types.h"
#include "dmakit/core/event.h"

namespace dmakit {

enum class OwnershipMove : uint8_t { kToDevice, kToCpu };

// The maintenance `move` needs, or nullopt for none.
constexpr std::optional<CacheOp> MaintenanceFor(OwnershipMove move, DmaDirection dir, bool coherent,
                                                DmaAttrs attrs) {
  if (coherent || attrs.skip_cpu_sync()) return std::nullopt;
  if (move == OwnershipMove::kToDevice) return CacheOp::kClean;
  if (dir == DmaDirection::kToDevice) return std::nullopt;
  return CacheOp::kInvalidate;
}

}  // namespace dmakit
