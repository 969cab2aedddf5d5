// DmaDevice: the DMA-mapping API for one device, in Linux's shape.
//
// Streaming mappings move ownership of memory between the CPU and the device (DESIGN.md,
// "The ownership model"); every call does the cache maintenance the device's coherency and
// the attributes require, decided in one place (dma/cache_sync.h), and emits one event for the
// checker with the caller's source location.
//
// Map calls return a DmaAddr, kDmaMappingError on failure, exactly as Linux does: the driver
// must test it with MappingError() (which the checker watches for). last_error() says why
// the last map failed. Unmap, sync and free calls validate their arguments against the live
// mappings of this device: a call that does not match (unknown handle, different size,
// direction, entry count or API) is still reported as an event (so the checker names the
// bug) but is refused with an error and changes nothing. The library never crashes on
// misuse.
//
// Not thread-safe: one DmaDevice is driven from one simulated CPU.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>

#include "dmakit/core/addr.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/event.h"
#include "dmakit/core/result.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/core/symbol.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/dma/sg_table.h"

namespace dmakit {

// What a failed map returns (Linux's DMA_MAPPING_ERROR).
inline constexpr DmaAddr kDmaMappingError{~uint64_t{0}};

struct CoherentBuffer {
  CpuAddr cpu;  // uncached on a non-coherent device, cached (linear map) on a coherent one
  DmaAddr dma;
  uint64_t size = 0;
};

struct NoncoherentBuffer {
  CpuAddr cpu;  // cached linear-map address; the caller syncs like a streaming mapping
  PhysAddr phys;
  DmaAddr dma;
  uint64_t size = 0;
};

struct LiveMapping;  // internal (src/dma/live_mapping_table.h)

class DmaDevice {
 public:
  ~DmaDevice();
  DmaDevice(const DmaDevice&) = delete;
  DmaDevice& operator=(const DmaDevice&) = delete;

  Symbol name() const { return name_; }
  bool coherent() const;
  uint64_t dma_mask() const { return dma_mask_; }
  uint64_t max_seg_size() const;
  uint64_t seg_boundary() const;
  // For reports and tests; drivers have no business with it.
  DmaBackendKind backend() const { return backend_; }
  DmaSystem& system() { return system_; }

  // dma_set_mask_and_coherent. On success emits a kNote (device, dma_mask = the new mask,
  // text "dma_set_mask", where) for traces and timelines; no checker rule depends on it.
  // Errors: kInvalidArgument (mask below 4 GiB - 1 is allowed; zero, or not of the form
  // 2^n - 1, is not); nothing is emitted and the mask is unchanged then.
  Status SetDmaMask(uint64_t mask, SourceLoc where = Here());

  // --- Streaming mappings ---
  // `cpu` must be a linear-map address (kmalloc memory), as for dma_map_single. Failures
  // (zero size, kNone direction, memory outside RAM, address above the mask with no bounce
  // pool, IOVA or bounce space exhausted, a vmalloc address) return kDmaMappingError.
  DmaAddr MapSingle(CpuAddr cpu, uint64_t size, DmaDirection dir, DmaAttrs attrs = {},
                    SourceLoc where = Here());
  DmaAddr MapPage(PhysAddr page, uint64_t offset, uint64_t size, DmaDirection dir,
                  DmaAttrs attrs = {}, SourceLoc where = Here());
  // Errors: kNotFound (no live mapping at `dma` for this device), kInvalidArgument (size,
  // direction or API differ from the map's), kFailedPrecondition (driver-owned domain).
  Status UnmapSingle(DmaAddr dma, uint64_t size, DmaDirection dir, DmaAttrs attrs = {},
                     SourceLoc where = Here());
  Status UnmapPage(DmaAddr dma, uint64_t size, DmaDirection dir, DmaAttrs attrs = {},
                   SourceLoc where = Here());

  // dma_mapping_error: true when `dma` is the error cookie. Emits kDmaMappingError.
  bool MappingError(DmaAddr dma, SourceLoc where = Here());
  // Why the last map of this device failed (empty message before any failure).
  const Error& last_error() const { return last_error_; }

  // Maps every CPU entry of `sg`, fills its DMA side and returns nents (>= 1), or 0 on failure
  // (then last_error() says why and the DMA side is left as it was). Behind an IOMMU the
  // entries share one IOVA range (each entry's page-aligned span, back to back) and
  // consecutive entries that meet on a page boundary coalesce into one DMA segment as long as
  // it stays within max_seg_size and does not cross seg_boundary; direct and bounce mappings
  // give one DMA segment per entry. Failures: those of MapSingle, and an empty table or an
  // empty entry.
  //
  // On a device probed with ProbeUnmanaged (its driver manages the domain) MapSg does what
  // Linux's did in the seed story: it maps the pages in the DMA API's own default domain
  // (which is not the one attached, so the device cannot use those IOVAs), overwrites the
  // table's DMA side with them and succeeds; the event lets the checker name the bug. UnmapSg
  // undoes such a mapping; every other call on such a device is refused (see below).
  uint32_t MapSg(SgTable& sg, DmaDirection dir, DmaAttrs attrs = {}, SourceLoc where = Here());
  // `orig_nents` is the CPU-side count passed to MapSg. Errors: as UnmapSingle, and
  // kInvalidArgument when orig_nents differs.
  Status UnmapSg(SgTable& sg, uint32_t orig_nents, DmaDirection dir, DmaAttrs attrs = {},
                 SourceLoc where = Here());

  // Sync [dma, dma + size), which must lie inside a live mapping (a partial sync is legal).
  // Errors: kNotFound (not inside a live mapping: the seed's "sync without map"),
  // kInvalidArgument (zero size, kNone direction, direction differs from the map's),
  // kFailedPrecondition (driver-owned domain).
  Status SyncSingleForCpu(DmaAddr dma, uint64_t size, DmaDirection dir, SourceLoc where = Here());
  Status SyncSingleForDevice(DmaAddr dma, uint64_t size, DmaDirection dir,
                             SourceLoc where = Here());
  // Errors: as above, and kInvalidArgument when orig_nents differs from the map's.
  Status SyncSgForCpu(SgTable& sg, uint32_t orig_nents, DmaDirection dir, SourceLoc where = Here());
  Status SyncSgForDevice(SgTable& sg, uint32_t orig_nents, DmaDirection dir,
                         SourceLoc where = Here());

  // --- Allocations ---
  // dma_alloc_coherent: memory both sides see without maintenance (uncached CPU view on a
  // non-coherent device). Errors: kInvalidArgument (zero size), kExhausted.
  Result<CoherentBuffer> AllocCoherent(uint64_t size, DmaAttrs attrs = {},
                                       SourceLoc where = Here());
  // Errors: kNotFound (no such allocation), kInvalidArgument (size or CPU address differ).
  Status FreeCoherent(uint64_t size, CpuAddr cpu, DmaAddr dma, DmaAttrs attrs = {},
                      SourceLoc where = Here());
  // dma_alloc_noncoherent: CPU-owned cached memory the caller syncs with the Sync*() calls.
  Result<NoncoherentBuffer> AllocNoncoherent(uint64_t size, DmaDirection dir,
                                             SourceLoc where = Here());
  Status FreeNoncoherent(uint64_t size, CpuAddr cpu, DmaAddr dma, DmaDirection dir,
                         SourceLoc where = Here());
  // dma_alloc_pages: like noncoherent, returning pages.
  Result<NoncoherentBuffer> AllocPages(uint64_t size, DmaDirection dir, SourceLoc where = Here());
  Status FreePages(uint64_t size, PhysAddr page, DmaAddr dma, DmaDirection dir,
                   SourceLoc where = Here());

  // The driver lets go of the device (kDeviceRelease: the checker reports live mappings).
  // Returns the number of mappings still live.
  size_t Release(SourceLoc where = Here());
  size_t live_mappings() const;

  // --- The device's side: what the hardware does with a dma address ---
  // Through the IOMMU when there is one, else straight to the bus (a dma address above the
  // mask or outside RAM is a kFault bus error).
  Status DeviceRead(DmaAddr dma, std::span<uint8_t> out);
  Status DeviceWrite(DmaAddr dma, std::span<const uint8_t> data);

 private:
  friend class DmaSystem;
  struct Impl;
  DmaDevice(DmaSystem& system, Symbol name, DmaBackendKind backend);

  Event MakeEvent(EventKind kind, MapApi api, DmaDirection dir, DmaAttrs attrs,
                  SourceLoc where) const;
  void Emit(Event& e);
  Status CheckDmaApiOwned() const;
  DmaAddr MapContiguous(MapApi api, PhysAddr phys, uint64_t size, DmaDirection dir, DmaAttrs attrs,
                        Status precheck, SourceLoc where);
  DmaAddr FailMap(Event& e, Error error);
  Status MapChunks(LiveMapping& m);
  Status UnmapImpl(MapApi api, DmaAddr dma, uint64_t size, DmaDirection dir, DmaAttrs attrs,
                   uint32_t nents, SgTable* sg, SourceLoc where);
  Status SyncImpl(EventKind kind, DmaAddr dma, uint64_t size, DmaDirection dir, SourceLoc where);
  Status SyncSgImpl(EventKind kind, SgTable& sg, uint32_t orig_nents, DmaDirection dir,
                    SourceLoc where);
  Status Move(EventKind kind, const LiveMapping& m, DmaRange range, DmaDirection dir,
              DmaAttrs attrs, SourceLoc where);
  Result<NoncoherentBuffer> AllocImpl(MapApi api, uint64_t size, DmaDirection dir, DmaAttrs attrs,
                                      SourceLoc where);
  Status FreeImpl(MapApi api, uint64_t size, CpuAddr cpu, PhysAddr phys, DmaAddr dma,
                  DmaDirection dir, SourceLoc where);

  DmaSystem& system_;
  Symbol name_;
  DmaBackendKind backend_;
  uint64_t dma_mask_ = 0xffff'ffffull;
  Error last_error_{ErrorCode::kInternal, ""};
  std::unique_ptr<Impl> impl_;
};

}  // namespace dmakit
