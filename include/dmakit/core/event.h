// The Event vocabulary: everything that happens on a dmakit system, as one flat record.
//
// Data flows one way: driver code -> dma/iommu API -> simulator -> events -> sinks (checker,
// recorder, timeline). The checker sees nothing but events, so whatever a rule needs must be
// in them, and events read back from a trace must be indistinguishable from live ones (the
// JSONL trace writes every field below).
//
// An Event is a tagged record rather than a variant: each kind uses the subset of fields its
// comment lists, the rest keep their defaults. This mirrors a tracepoint's TP_STRUCT and
// keeps the recorder and reader one loop over fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/addr_range.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/core/symbol.h"

namespace dmakit {

enum class EventKind : uint8_t {
  // --- DMA-mapping API and ownership-aware IOMMU API (dma layer) ---
  kDmaMap,             // device, api, dma, phys, size, dir, attrs; sg: nents, mapped_nents, sg;
                       // failed: the map returned a mapping error (dma is the error cookie)
  kDmaUnmap,           // device, api, dma, size, dir, attrs; sg: nents
  kDmaSyncForCpu,      // device, api, dma, size, dir; sg: nents, sg
  kDmaSyncForDevice,   // device, api, dma, size, dir; sg: nents, sg
  kDmaMappingError,    // device, dma: the driver checked a handle with dma_mapping_error()
  kDmaAlloc,           // device, api (kCoherent/kNoncoherent/kPages), dma, phys, cpu, size, dir
  kDmaFree,            // device, api, dma, cpu, size, dir
  kDeviceRelease,      // device: the driver let go of the device (leak check)
  kPrepareCpuMapping,  // device, phys, size, mem_attr: lines cleaned+invalidated before an
                       // uncached / write-combined CPU mapping (the sanctioned seed operation)

  // --- IOMMU (iommu layer) ---
  kIommuAttach,      // device, domain, text = domain type ("dma", "unmanaged", ...)
  kIommuDetach,      // device, domain
  kIommuMap,         // device (owner, may be empty), domain, dma (iova), phys, size, prot
  kIommuUnmap,       // domain, dma (iova), size; failed when nothing was mapped
  kIotlbInvalidate,  // domain (0 = all), dma, size (0 = whole domain)
  kIommuFault,       // device, domain, dma (iova), access, text = fault type
  kIotlbStaleHit,    // device, domain, dma, phys, access: translated by an IOTLB entry whose
                     // page-table mapping is gone (lazy-flush window)
  kPageTableWrite,   // domain, phys, size, text = "coherent" / "noncoherent" walker
  kPageTableWalk,    // domain, dma (iova), phys (descriptor address), size

  // --- CPU side (sim layer) ---
  kCpuAccess,         // device ("cpu"), access, cpu, phys, size, mem_attr
  kCpuMap,            // cpu, size, mem_attr, sg (the pages): a CPU mapping was created
  kCpuUnmap,          // cpu, size
  kCacheMaintenance,  // cache_op, phys, size (the whole range asked for)
  kPageAlloc,         // phys, size: pages handed out by the page allocator
  kPageFree,          // phys, size

  // --- Devices and ground truth (sim layer) ---
  kDeviceAccess,  // device, access, dma (bus address), phys, size, domain (the IOMMU domain
                  // that translated dma; 0 when none did)
  kCorruption,    // device (reader), phys, size, expected, observed, writer (last writer),
                  // writer_seq: a read returned bytes that differ from the ideal memory

  // --- Platform description (emitted once at the start of a run) ---
  kRamBank,    // phys, size, text = bank name: RAM the DMA API may map
  kDeviceAdd,  // device, coherent, dma_mask, max_seg_size, seg_boundary, text = the
               // device node that carries its IOMMU attachment (empty when none)
  kCpuCache,   // size (bytes of data), line_size, ways, text = eviction policy: the CPU data
               // cache; its line size is the checker's unit of ownership

  // --- Annotations ---
  kNote,  // text: a scenario step label, a GPU submit, anything for the timeline
};
inline constexpr int kEventKindCount = static_cast<int>(EventKind::kNote) + 1;

// "dma_map", "cpu_access", ...: the stable names used in traces and reports.
std::string_view ToString(EventKind kind);
std::optional<EventKind> ParseEventKind(std::string_view name);

// Which API a map/unmap/sync/alloc event belongs to. dma-debug calls unmap "with the wrong
// function" when these differ between the map and the unmap.
enum class MapApi : uint8_t {
  kNone,
  kSingle,       // dma_map_single
  kPage,         // dma_map_page
  kSg,           // dma_map_sg
  kResource,     // dma_map_resource (MMIO, never cache-maintained)
  kCoherent,     // dma_alloc_coherent
  kNoncoherent,  // dma_alloc_noncoherent
  kPages,        // dma_alloc_pages
  kDomain,       // the ownership-aware IOMMU API (DomainMapper) on a driver-managed domain
};
std::string_view ToString(MapApi api);
std::optional<MapApi> ParseMapApi(std::string_view name);

enum class Access : uint8_t { kRead, kWrite };
std::string_view ToString(Access access);

enum class CacheOp : uint8_t { kClean, kInvalidate, kCleanInvalidate };
std::string_view ToString(CacheOp op);
std::optional<CacheOp> ParseCacheOp(std::string_view name);

// One scatter-gather entry: the CPU side (phys, length) and, once mapped, the DMA side.
struct SgSegment {
  PhysAddr phys;
  uint64_t length = 0;
  DmaAddr dma;
  uint64_t dma_length = 0;
  bool operator==(const SgSegment&) const = default;
};

struct Event {
  EventKind kind = EventKind::kNote;
  uint64_t seq = 0;  // position on the bus, assigned by EventBus::Emit
  Symbol device;
  MapApi api = MapApi::kNone;
  DmaDirection dir = DmaDirection::kNone;
  DmaAttrs attrs;
  MemAttr mem_attr = MemAttr::kCached;
  Access access = Access::kRead;
  CacheOp cache_op = CacheOp::kClean;
  bool failed = false;
  DmaAddr dma;
  PhysAddr phys;
  CpuAddr cpu;
  uint64_t size = 0;
  uint32_t nents = 0;
  uint32_t mapped_nents = 0;
  uint64_t domain = 0;
  uint32_t prot = 0;
  bool coherent = false;
  uint64_t dma_mask = 0;
  uint64_t max_seg_size = 0;
  uint64_t seg_boundary = 0;
  uint32_t line_size = 0;  // kCpuCache: bytes per cache line
  uint32_t ways = 0;       // kCpuCache: associativity
  std::vector<SgSegment> sg;
  std::vector<uint8_t> expected;
  std::vector<uint8_t> observed;
  Symbol writer;
  uint64_t writer_seq = 0;
  Symbol text;
  SourceLoc where;

  PhysRange phys_range() const { return PhysRange(phys, size); }
  DmaRange dma_range() const { return DmaRange(dma, size); }

  // Field-by-field equality (used to prove trace round trips lossless).
  bool operator==(const Event& other) const;
};

// One line for logs and test failure messages: "#12 dma_map dev=eth0 dma=0x... size=4096 ...".
std::string ToString(const Event& event);

}  // namespace dmakit
