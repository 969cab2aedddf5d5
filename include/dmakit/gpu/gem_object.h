// GemObject: a GPU buffer object (msm_gem_object's shape): backing pages scattered across
// RAM, a caching mode for CPU views, a pin into one GPU address space, CPU mappings, and the
// ownership moves around CPU access.
//
// Life of a buffer, on dmakit's ownership-aware IOMMU API (never the DMA API for mapping):
//   Create     pages from PageAllocator::AllocScattered, zeroed by the CPU through the cached
//              linear map (as shmem clears pages: their lines may sit dirty in the CPU cache)
//   Pin        an IOVA from the address space's own allocator, DomainMapper::MapSg at it
//              (CPU -> GPU ownership, a clean on a non-coherent GPU); the DMA side of the
//              buffer's sg table then holds the GPU address the driver programs (gpu_address)
//   Mmap       for kWriteCombine / kUncached, the pages are first cleaned by the driver's
//              CleanMethod (the sanctioned DomainMapper::PrepareCpuMapping, or one of the
//              seed's hacks and bugs, kept for scenarios), then Soc::MapPages with the
//              buffer's attribute; kCached buffers need no clean
//   CpuPrep    GPU -> CPU ownership of a range for a pinned buffer (DomainMapper::SyncForCpu;
//              invalidates for a non-coherent GPU and a direction the GPU writes)
//   CpuFini    CPU -> GPU again (DomainMapper::SyncForDevice; cleans)
//   Unpin      DomainMapper::Unmap first (the IOMMU stops translating, ownership returns to
//              the CPU), then the IOVA goes back to the allocator
//   Release    CPU views unmapped, unpinned, pages freed
// CpuPrep / CpuFini are required for every caching mode by the ownership rules (the checker
// names a CPU access to GPU-owned memory whatever the view's attribute); only cached views
// need the maintenance they do, and only those read stale data without it.
//
// Waiting for the GPU before a CPU access is the driver's job (Gpu::CpuPrep waits for the
// buffer's last fence, then calls CpuPrep here). Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dmakit/core/dma_types.h"
#include "dmakit/core/result.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/domain_mapper.h"
#include "dmakit/dma/sg_table.h"
#include "dmakit/gpu/address_space.h"
#include "dmakit/sim/soc.h"

namespace dmakit {

enum class GemCaching : uint8_t { kCached, kWriteCombine, kUncached };
std::string_view ToString(GemCaching caching);
MemAttr ToMemAttr(GemCaching caching);

// msm's MSM_PREP_READ / MSM_PREP_WRITE.
enum class CpuPrepFlags : uint8_t { kRead = 1, kWrite = 2, kReadWrite = 3 };

// How the pages of a write-combined / uncached buffer are cleaned before its CPU mapping.
enum class CleanMethod : uint8_t {
  kPrepareCpuMapping,   // the sanctioned operation: DomainMapper::PrepareCpuMapping
  kSkip,                // bug: no clean at all (dirty lines written back over the view's data)
  kDmaSyncSgForDevice,  // the seed's first hack: dma_sync_sg_for_device on pages never
                        // DMA-mapped (DmaDevice::SyncSgForDevice on the buffer's sg table)
  kDmaMapSg,            // the seed's second hack: dma_map_sg on the device whose domain the
                        // driver manages (DmaDevice::MapSg: overwrites the sg table's DMA side)
};
std::string_view ToString(CleanMethod method);

struct GemCreateInfo {
  uint64_t size = 0;  // bytes, rounded up to whole pages
  GemCaching caching = GemCaching::kCached;
  DmaDirection dir = DmaDirection::kBidirectional;  // of the GPU mapping
  bool gpu_read_only = false;                       // map without IoProt::kWrite
  std::string name;                                 // for fault reports; default "bo<handle>"
};

// Who cleans before a CPU mapping: the method and what it needs.
struct CleanContext {
  CleanMethod method = CleanMethod::kPrepareCpuMapping;
  DomainMapper* mapper = nullptr;  // kPrepareCpuMapping
  DmaDevice* device = nullptr;     // kDmaSyncSgForDevice, kDmaMapSg: the device called
};

class GemObject {
 public:
  // Errors: kInvalidArgument (size 0, direction kNone), kExhausted (not enough free pages).
  static Result<std::unique_ptr<GemObject>> Create(Soc& soc, uint32_t handle, GemCreateInfo info,
                                                   SourceLoc where = Here());
  // Releases whatever Release() did not (errors are dropped: call Release() to see them).
  ~GemObject();
  GemObject(const GemObject&) = delete;
  GemObject& operator=(const GemObject&) = delete;

  uint32_t handle() const { return handle_; }
  const std::string& name() const { return name_; }
  uint64_t size() const { return pages_.size() * kPageSize; }
  GemCaching caching() const { return caching_; }
  DmaDirection dir() const { return dir_; }
  const std::vector<PhysAddr>& pages() const { return pages_; }
  SgTable& sg() { return sg_; }

  // --- GPU side ---
  // Errors: kFailedPrecondition (already pinned, or held by the CPU after CpuPrep), the
  // address space's IOVA errors (kExhausted, kOutOfRange), and DomainMapper::MapSg's (the
  // IOVA is given back then).
  Status Pin(AddressSpace& as, VaRegion region, SourceLoc where = Here());
  // Errors: kFailedPrecondition (not pinned), DomainMapper::Unmap's.
  Status Unpin(SourceLoc where = Here());
  bool pinned() const { return as_ != nullptr; }
  AddressSpace* address_space() const { return as_; }
  DmaRange iova_range() const { return iova_; }  // the range the driver allocated
  // What the driver programs the GPU with: the DMA side of the sg table (written by the pin's
  // MapSg, and overwritten by the seed's dma_map_sg hack). DmaAddr(0) when it has none.
  DmaAddr gpu_address() const;

  // --- CPU side ---
  // The CPU view (created on the first call, then reused). Errors: kFailedPrecondition (a
  // CleanContext without the mapper / device its method needs), PrepareCpuMapping's, and
  // Soc::MapPages's. The hacks' DMA API calls are void in Linux and the seed's driver went
  // on whatever they did: their errors do not fail the mmap, they are kept in clean_error().
  Result<CpuAddr> Mmap(const CleanContext& clean, SourceLoc where = Here());
  // Errors: kFailedPrecondition (not mapped).
  Status Munmap(SourceLoc where = Here());
  std::optional<CpuAddr> cpu_address() const { return cpu_; }
  // What the DMA API refused during a hack's clean (none: it did not refuse).
  const std::optional<Error>& clean_error() const { return clean_error_; }

  // [offset, offset + size) to the CPU (size 0: to the end). No-op on the ownership of an
  // unpinned buffer (the CPU owns it). Errors: kFailedPrecondition (already prepared),
  // kOutOfRange (range outside the buffer), DomainMapper::SyncForCpu's.
  Status CpuPrep(CpuPrepFlags flags, uint64_t offset = 0, uint64_t size = 0,
                 SourceLoc where = Here());
  // Back to the GPU. Errors: kFailedPrecondition (no CpuPrep), DomainMapper::SyncForDevice's.
  Status CpuFini(SourceLoc where = Here());
  bool cpu_held() const { return prep_.has_value(); }

  // Loads / stores through the CPU view. No ownership check (the checker watches).
  // Errors: kFailedPrecondition (not mapped), kOutOfRange, Soc::CpuRead/CpuWrite's.
  Status Read(uint64_t offset, std::span<uint8_t> out, SourceLoc where = Here());
  Status Write(uint64_t offset, std::span<const uint8_t> data, SourceLoc where = Here());

  // Munmap, Unpin, the hack's DMA-API mapping undone, pages freed; once.
  // Errors: the first error met (the rest is still released).
  Status Release(SourceLoc where = Here());

  // The last submission that uses this buffer: (context, fence) for deferred free / prep.
  struct FenceRef {
    uint32_t context = 0;
    uint32_t seqno = 0;
  };
  std::optional<FenceRef> last_fence;

 private:
  GemObject(Soc& soc, uint32_t handle, GemCreateInfo info);
  Status Clean(const CleanContext& clean, SourceLoc where);
  Status CheckRange(uint64_t offset, uint64_t size) const;

  Soc& soc_;
  uint32_t handle_;
  std::string name_;
  GemCaching caching_;
  DmaDirection dir_;
  bool gpu_read_only_;
  std::vector<PhysAddr> pages_;
  SgTable sg_;
  AddressSpace* as_ = nullptr;
  DmaRange iova_;
  std::optional<CpuAddr> cpu_;
  struct Prepared {
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  std::optional<Prepared> prep_;  // the range given to the CPU
  // The seed's dma_map_sg hack: the device and a copy of the table it mapped, to undo it.
  DmaDevice* dma_api_device_ = nullptr;
  std::optional<SgTable> dma_api_sg_;
  std::optional<Error> clean_error_;
  bool released_ = false;
};

}  // namespace dmakit
