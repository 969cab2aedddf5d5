// DomainMapper: the ownership-aware IOMMU API, for a driver that manages its own IOMMU
// domain (the GPU of the seed story).
//
// The driver chooses IOVAs itself, but buffers move between CPU and device ownership exactly
// as with the DMA API: MapSg hands the pages to the device (clean on a non-coherent device),
// SyncForCpu / SyncForDevice move them back and forth with the same maintenance per
// direction, Unmap returns them to the CPU. The events are the DMA API's (api = kDomain), so
// the checker treats both alike.
//
// PrepareCpuMapping is the operation the seed's driver was missing: before the CPU maps pages
// uncached or write-combined, their lines are cleaned and invalidated once, so no dirty line
// can be written back over data written through the new view later. No DMA API involved.
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>

#include "dmakit/core/dma_types.h"
#include "dmakit/core/result.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/dma/sg_table.h"
#include "dmakit/iommu/domain.h"

namespace dmakit {

class DomainMapper {
 public:
  // `device` names the device (resolved to its DMA node through the topology); `domain` must
  // be a kUnmanaged domain of that node's Iommu. Attaches the domain (the group becomes
  // driver-owned). Errors: kNotFound (unknown device), kFailedPrecondition (no IOMMU, domain
  // not unmanaged or of another Iommu, group owned by the DMA API).
  static Result<std::unique_ptr<DomainMapper>> Create(DmaSystem& system, std::string_view device,
                                                      IommuDomain& domain);
  ~DomainMapper();  // leaves mappings in place (the driver unmaps; the checker reports leaks)

  Symbol device() const { return device_; }
  IommuDomain& domain() { return domain_; }

  // Maps the CPU side of `sg` contiguously at `iova` (page-aligned; every entry but the first
  // starts on a page boundary and every entry but the last ends on one), writes the DMA side
  // (one entry), and hands the memory to the device. Errors: kInvalidArgument (kNone direction,
  // empty table, unaligned layout, prot without read or write), kAlreadyExists (overlaps a
  // live mapping), and the page table's errors; nothing is mapped on error.
  Status MapSg(SgTable& sg, DmaAddr iova, DmaDirection dir, IoProt prot, SourceLoc where = Here());
  // Sync [iova, iova + size), inside one live mapping. Errors: kNotFound (not inside a live
  // mapping), kInvalidArgument (direction differs).
  Status SyncForCpu(DmaAddr iova, uint64_t size, DmaDirection dir, SourceLoc where = Here());
  Status SyncForDevice(DmaAddr iova, uint64_t size, DmaDirection dir, SourceLoc where = Here());
  // Unmaps the mapping that starts at `iova` (size and direction must match the map's) and
  // gives the memory back to the CPU (invalidate per direction). Errors: kNotFound,
  // kInvalidArgument.
  Status Unmap(DmaAddr iova, uint64_t size, DmaDirection dir, SourceLoc where = Here());
  // Unmaps what MapSg(sg, ...) mapped, taking what the map took (as dma_unmap_sg takes the
  // table): the mapping is the one the table's DMA side names, the table's CPU side must be
  // the one that was mapped, and on success the DMA side is cleared (the table no longer
  // names device addresses). Errors: kNotFound (the table has no DMA side: never mapped or
  // already unmapped; or it names no live mapping of this mapper), kInvalidArgument (the CPU
  // side differs from what was mapped, the direction differs), and the errors of
  // Unmap(iova, size, dir). The call is reported as an event either way; on error the table
  // and the mapping are left as they were.
  Status Unmap(SgTable& sg, DmaDirection dir, SourceLoc where = Here());

  // Clean + invalidate every line of `pages` once, before a CPU mapping with `attr` (emits
  // kPrepareCpuMapping). Errors: kInvalidArgument (kCached: nothing to prepare; unaligned
  // page), kOutOfRange (a page outside RAM).
  Status PrepareCpuMapping(std::span<const PhysAddr> pages, MemAttr attr, SourceLoc where = Here());

  size_t live_mappings() const { return mappings_.size(); }

 private:
  struct Mapping {
    uint64_t size = 0;
    DmaDirection dir = DmaDirection::kNone;
    std::vector<PhysRange> phys;  // the CPU side, in IOVA order
  };
  DomainMapper(DmaSystem& system, Symbol device, bool coherent, IommuDomain& domain);

  DmaSystem& system_;
  Symbol device_;
  bool coherent_;
  IommuDomain& domain_;
  std::map<uint64_t, Mapping> mappings_;  // by IOVA
};

}  // namespace dmakit
