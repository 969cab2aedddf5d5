// The step table. Each entry: name, summary, a complete example, its parameters, its function.
#include "dmakit/scenario/step_kinds.h"

#include "step_gpu_params.h"
#include "steps.h"

namespace dmakit::scenario {
namespace {

using T = ParamType;
using R = RefKind;

// The tables read best one entry per line.
// clang-format off
constexpr std::string_view kDir = "to_device|from_device|bidirectional";
constexpr std::string_view kMemAttr = "cached|write_combine|uncached";

constexpr ParamSpec kCommon[] = {
    {"step", "error", T::kEnum, "none", "",
     "The error the step must fail with (a failing step without it is a failed expectation)",
     false,
     "none|any|invalid_argument|out_of_range|not_found|already_exists|exhausted|failed_"
     "precondition|permission_denied|fault|unsupported"},
};

constexpr ParamSpec kNote[] = {
    {"step.note", "text", T::kString, "", "", "A label for the timeline and the trace", true},
};
constexpr ParamSpec kCpuWrite[] = {
    {"step.cpu_write", "buffer", T::kRef, "", "", "Buffer written", true, "", R::kBuffer},
    {"step.cpu_write", "offset", T::kSize, "0", "bytes", "Where in the buffer"},
    {"step.cpu_write", "size", T::kSize, "", "bytes", "Bytes written (default: length of `bytes`, else the rest of the buffer)"},
    {"step.cpu_write", "pattern", T::kUint, "0xa5", "", "Byte value written (when no `bytes`)"},
    {"step.cpu_write", "bytes", T::kBytes, "", "hex", "Data written, repeated to `size`"},
    {"step.cpu_write", "via", T::kRef, "", "", "CPU view to write through (default: the buffer's own, cached)", false, "", R::kView},
};
constexpr ParamSpec kCpuRead[] = {
    {"step.cpu_read", "buffer", T::kRef, "", "", "Buffer read", true, "", R::kBuffer},
    {"step.cpu_read", "offset", T::kSize, "0", "bytes", "Where in the buffer"},
    {"step.cpu_read", "size", T::kSize, "", "bytes", "Bytes read (default: the rest of the buffer)"},
    {"step.cpu_read", "via", T::kRef, "", "", "CPU view to read through (default: the buffer's own)", false, "", R::kView},
    {"step.cpu_read", "as", T::kDef, "", "", "Label for `expect: reads`", false, "", R::kRead},
};
constexpr ParamSpec kCpuMap[] = {
    {"step.cpu_map", "buffer", T::kRef, "", "", "Buffer whose pages are mapped", true, "", R::kBuffer},
    {"step.cpu_map", "attr", T::kEnum, "", "", "Memory type of the new view", true, kMemAttr},
    {"step.cpu_map", "as", T::kDef, "", "", "View name for `via`", true, "", R::kView},
};
constexpr ParamSpec kCpuUnmap[] = {
    {"step.cpu_unmap", "view", T::kRef, "", "", "View to remove", true, "", R::kView},
};
constexpr ParamSpec kCache[] = {
    {"step.cache", "op", T::kEnum, "", "", "Maintenance operation", true, "clean|invalidate|clean_invalidate"},
    {"step.cache", "buffer", T::kRef, "", "", "Buffer maintained", true, "", R::kBuffer},
    {"step.cache", "offset", T::kSize, "0", "bytes", "Start in the buffer"},
    {"step.cache", "size", T::kSize, "", "bytes", "Bytes (default: the rest of the buffer)"},
};

#define DMAKIT_MAP_PARAMS(S)                                                                    \
  {S, "device", T::kRef, "", "", "Device node the mapping is for", true, "", R::kDevice},       \
      {S, "buffer", T::kRef, "", "", "Buffer mapped", true, "", R::kBuffer},                    \
      {S, "offset", T::kSize, "0", "bytes", "Start in the buffer"},                            \
      {S, "size", T::kSize, "", "bytes", "Bytes mapped (default: the rest of the buffer)"},    \
      {S, "dir", T::kEnum, "", "", "DMA direction", true, kDir},                                \
      {S, "attrs", T::kDmaAttrs, "0", "", "DMA attributes"},                                    \
      {S, "as", T::kDef, "=buffer", "", "Mapping name for later steps", false, "", R::kMapping}, \
  {                                                                                             \
    S, "check", T::kBool, "true", "", "Call dma_mapping_error() right after, as drivers must"   \
  }
constexpr ParamSpec kMapSingle[] = {DMAKIT_MAP_PARAMS("step.map_single")};
constexpr ParamSpec kMapPage[] = {DMAKIT_MAP_PARAMS("step.map_page")};
constexpr ParamSpec kMapSg[] = {DMAKIT_MAP_PARAMS("step.map_sg")};
#undef DMAKIT_MAP_PARAMS

#define DMAKIT_UNMAP_PARAMS(S)                                                                \
  {S, "mapping", T::kRef, "", "", "Mapping to unmap", true, "", R::kMapping},                 \
      {S, "size", T::kSize, "", "bytes", "Size passed (default: the mapping's)"},            \
      {S, "dir", T::kEnum, "", "", "Direction passed (default: the mapping's)", false, kDir}, \
  {                                                                                           \
    S, "attrs", T::kDmaAttrs, "", "", "Attributes passed (default: the mapping's)"            \
  }
constexpr ParamSpec kUnmapSingle[] = {DMAKIT_UNMAP_PARAMS("step.unmap_single")};
constexpr ParamSpec kUnmapPage[] = {DMAKIT_UNMAP_PARAMS("step.unmap_page")};
#undef DMAKIT_UNMAP_PARAMS
constexpr ParamSpec kUnmapSg[] = {
    {"step.unmap_sg", "mapping", T::kRef, "", "", "Mapping to unmap", true, "", R::kMapping},
    {"step.unmap_sg", "nents", T::kUint, "", "", "orig_nents passed (default: the table's)"},
    {"step.unmap_sg", "dir", T::kEnum, "", "", "Direction passed (default: the mapping's)", false, kDir},
    {"step.unmap_sg", "attrs", T::kDmaAttrs, "", "", "Attributes passed (default: the mapping's)"},
};

#define DMAKIT_SYNC_PARAMS(S)                                                                 \
  {S, "mapping", T::kRef, "", "", "Mapping synced", true, "", R::kMapping},                   \
      {S, "offset", T::kSize, "0", "bytes", "Start in the mapping"},                         \
      {S, "size", T::kSize, "", "bytes", "Bytes (default: the rest of the mapping)"},        \
  {                                                                                           \
    S, "dir", T::kEnum, "", "", "Direction passed (default: the mapping's)", false, kDir      \
  }
constexpr ParamSpec kSyncSingleForCpu[] = {DMAKIT_SYNC_PARAMS("step.sync_single_for_cpu")};
constexpr ParamSpec kSyncSingleForDevice[] = {DMAKIT_SYNC_PARAMS("step.sync_single_for_device")};
#undef DMAKIT_SYNC_PARAMS
constexpr ParamSpec kSyncSgForCpu[] = {
    {"step.sync_sg_for_cpu", "mapping", T::kRef, "", "", "Mapping synced", true, "", R::kMapping},
    {"step.sync_sg_for_cpu", "nents", T::kUint, "", "", "orig_nents passed (default: the table's)"},
    {"step.sync_sg_for_cpu", "dir", T::kEnum, "", "", "Direction passed (default: the mapping's)", false, kDir},
};
constexpr ParamSpec kSyncSgForDevice[] = {
    {"step.sync_sg_for_device", "mapping", T::kRef, "", "", "Mapping synced", true, "", R::kMapping},
    {"step.sync_sg_for_device", "nents", T::kUint, "", "", "orig_nents passed (default: the table's)"},
    {"step.sync_sg_for_device", "dir", T::kEnum, "", "", "Direction passed (default: the mapping's)", false, kDir},
};
constexpr ParamSpec kMappingError[] = {
    {"step.mapping_error", "mapping", T::kRef, "", "", "Mapping whose handle is checked", true, "", R::kMapping},
};
constexpr ParamSpec kAllocCoherent[] = {
    {"step.alloc_coherent", "device", T::kRef, "", "", "Device allocating", true, "", R::kDevice},
    {"step.alloc_coherent", "size", T::kSize, "", "bytes", "Bytes", true},
    {"step.alloc_coherent", "attrs", T::kDmaAttrs, "0", "", "DMA attributes"},
    {"step.alloc_coherent", "as", T::kDef, "", "", "Names both the buffer and the mapping", true, "", R::kMapping},
};
constexpr ParamSpec kAllocNoncoherent[] = {
    {"step.alloc_noncoherent", "device", T::kRef, "", "", "Device allocating", true, "", R::kDevice},
    {"step.alloc_noncoherent", "size", T::kSize, "", "bytes", "Bytes", true},
    {"step.alloc_noncoherent", "dir", T::kEnum, "", "", "DMA direction", true, kDir},
    {"step.alloc_noncoherent", "as", T::kDef, "", "", "Names both the buffer and the mapping", true, "", R::kMapping},
};
constexpr ParamSpec kAllocPages[] = {
    {"step.alloc_pages", "device", T::kRef, "", "", "Device allocating", true, "", R::kDevice},
    {"step.alloc_pages", "size", T::kSize, "", "bytes", "Bytes", true},
    {"step.alloc_pages", "dir", T::kEnum, "", "", "DMA direction", true, kDir},
    {"step.alloc_pages", "as", T::kDef, "", "", "Names both the buffer and the mapping", true, "", R::kMapping},
};
constexpr ParamSpec kFreeCoherent[] = {
    {"step.free_coherent", "mapping", T::kRef, "", "", "Allocation freed", true, "", R::kMapping},
    {"step.free_coherent", "size", T::kSize, "", "bytes", "Size passed (default: the allocation's)"},
};
constexpr ParamSpec kFreeNoncoherent[] = {
    {"step.free_noncoherent", "mapping", T::kRef, "", "", "Allocation freed", true, "", R::kMapping},
    {"step.free_noncoherent", "size", T::kSize, "", "bytes", "Size passed (default: the allocation's)"},
};
constexpr ParamSpec kFreePages[] = {
    {"step.free_pages", "mapping", T::kRef, "", "", "Allocation freed", true, "", R::kMapping},
    {"step.free_pages", "size", T::kSize, "", "bytes", "Size passed (default: the allocation's)"},
};
constexpr ParamSpec kSetDmaMask[] = {
    {"step.set_dma_mask", "device", T::kRef, "", "", "Device", true, "", R::kDevice},
    {"step.set_dma_mask", "mask", T::kAddr, "", "hex", "New mask, 2^n - 1", true},
};
constexpr ParamSpec kRelease[] = {
    {"step.release", "device", T::kRef, "", "", "Device the driver lets go of", true, "", R::kDevice},
};
constexpr ParamSpec kDeviceRead[] = {
    {"step.device_read", "mapping", T::kRef, "", "", "Mapping whose DMA address the device reads (it may be unmapped already)", true, "", R::kMapping},
    {"step.device_read", "offset", T::kSize, "0", "bytes", "Start in the mapping"},
    {"step.device_read", "size", T::kSize, "", "bytes", "Bytes (default: the rest of the mapping)"},
};
constexpr ParamSpec kDeviceWrite[] = {
    {"step.device_write", "mapping", T::kRef, "", "", "Mapping whose DMA address the device writes (it may be unmapped already)", true, "", R::kMapping},
    {"step.device_write", "offset", T::kSize, "0", "bytes", "Start in the mapping"},
    {"step.device_write", "size", T::kSize, "", "bytes", "Bytes (default: length of `bytes`, else the rest of the mapping)"},
    {"step.device_write", "pattern", T::kUint, "0x5a", "", "Byte value written (when no `bytes`)"},
    {"step.device_write", "bytes", T::kBytes, "", "hex", "Data written, repeated to `size`"},
};
constexpr ParamSpec kDomainCreate[] = {
    {"step.domain_create", "iommu", T::kRef, "", "", "IOMMU the unmanaged domain belongs to", true, "", R::kIommu},
    {"step.domain_create", "device", T::kRef, "", "", "Device whose driver manages the domain (attached to it)", true, "", R::kDevice},
    {"step.domain_create", "as", T::kDef, "", "", "Domain name", true, "", R::kDomain},
};
constexpr ParamSpec kDomainMapSg[] = {
    {"step.domain_map_sg", "domain", T::kRef, "", "", "Domain mapped into", true, "", R::kDomain},
    {"step.domain_map_sg", "buffer", T::kRef, "", "", "Buffer mapped (whole pages)", true, "", R::kBuffer},
    {"step.domain_map_sg", "iova", T::kAddr, "", "hex", "IOVA chosen by the driver, page-aligned", true},
    {"step.domain_map_sg", "dir", T::kEnum, "", "", "DMA direction", true, kDir},
    {"step.domain_map_sg", "prot", T::kEnum, "rw", "", "IOMMU permissions", false, "r|w|rw"},
    {"step.domain_map_sg", "as", T::kDef, "=buffer", "", "Mapping name", false, "", R::kMapping},
};
constexpr ParamSpec kDomainSync[] = {
    {"step.domain_sync", "mapping", T::kRef, "", "", "Domain mapping synced", true, "", R::kMapping},
    {"step.domain_sync", "for", T::kEnum, "", "", "Who gets the memory", true, "cpu|device"},
    {"step.domain_sync", "offset", T::kSize, "0", "bytes", "Start in the mapping"},
    {"step.domain_sync", "size", T::kSize, "", "bytes", "Bytes (default: the rest)"},
    {"step.domain_sync", "dir", T::kEnum, "", "", "Direction passed (default: the mapping's)", false, kDir},
};
constexpr ParamSpec kDomainUnmap[] = {
    {"step.domain_unmap", "mapping", T::kRef, "", "", "Domain mapping removed", true, "", R::kMapping},
    {"step.domain_unmap", "size", T::kSize, "", "bytes", "Size passed (default: the mapping's)"},
    {"step.domain_unmap", "dir", T::kEnum, "", "", "Direction passed (default: the mapping's)", false, kDir},
};
constexpr ParamSpec kPrepareCpuMapping[] = {
    {"step.prepare_cpu_mapping", "domain", T::kRef, "", "", "Domain whose driver prepares the pages", true, "", R::kDomain},
    {"step.prepare_cpu_mapping", "buffer", T::kRef, "", "", "Buffer about to be mapped", true, "", R::kBuffer},
    {"step.prepare_cpu_mapping", "attr", T::kEnum, "", "", "Memory type of the coming view", true, "write_combine|uncached"},
};
constexpr ParamSpec kIommuFlush[] = {
    {"step.iommu_flush", "iommu", T::kRef, "", "", "IOMMU whose lazy flush queue is flushed", true, "", R::kIommu},
};
constexpr ParamSpec kIommuTimerTick[] = {
    {"step.iommu_timer_tick", "iommu", T::kRef, "", "", "IOMMU whose flush timer fires", true, "", R::kIommu},
};

constexpr StepKind kKinds[] = {
    {"note", "Annotate the run (a note event)", "- note: {text: \"the NIC receives a frame\"}", kNote, steps::Note},
    {"cpu_write", "The CPU stores to a buffer", "- cpu_write: {buffer: rx, offset: 0, size: 64, pattern: 0xa5, via: rx_wc}", kCpuWrite, steps::CpuWrite},
    {"cpu_read", "The CPU loads from a buffer (checked by the oracle)", "- cpu_read: {buffer: rx, offset: 0, size: 64, as: frame}", kCpuRead, steps::CpuRead},
    {"cpu_map", "Map a buffer's pages into a new CPU view (vmap / mmap)", "- cpu_map: {buffer: bo, attr: write_combine, as: bo_wc}", kCpuMap, steps::CpuMap},
    {"cpu_unmap", "Remove a CPU view (drains the WC buffer)", "- cpu_unmap: {view: bo_wc}", kCpuUnmap, steps::CpuUnmap},
    {"barrier", "Write barrier: drain the write-combining buffer (wmb)", "- barrier", {}, steps::Barrier},
    {"cache", "Raw cache maintenance by range (what the DMA API does for you)", "- cache: {op: clean, buffer: tx, offset: 0, size: 4KiB}", kCache, steps::Cache},
    {"cache_evict_all", "Unrelated work evicts every cache line (dirty ones are written back)", "- cache_evict_all", {}, steps::CacheEvictAll},
    {"map_single", "dma_map_single of a buffer's linear-map address", "- map_single: {device: nic, buffer: tx, dir: to_device, as: tx_map}", kMapSingle, steps::MapSingle},
    {"map_page", "dma_map_page of a buffer's page and offset", "- map_page: {device: nic, buffer: tx, offset: 0, size: 4KiB, dir: to_device}", kMapPage, steps::MapPage},
    {"map_sg", "dma_map_sg of a table with one entry per page of the buffer", "- map_sg: {device: gpu, buffer: bo, dir: bidirectional, as: bo_sg}", kMapSg, steps::MapSg},
    {"unmap_single", "dma_unmap_single", "- unmap_single: {mapping: tx_map}", kUnmapSingle, steps::UnmapSingle},
    {"unmap_page", "dma_unmap_page", "- unmap_page: {mapping: tx_map, dir: from_device}", kUnmapPage, steps::UnmapPage},
    {"unmap_sg", "dma_unmap_sg", "- unmap_sg: {mapping: bo_sg}", kUnmapSg, steps::UnmapSg},
    {"sync_single_for_cpu", "dma_sync_single_for_cpu: the CPU takes the memory back", "- sync_single_for_cpu: {mapping: rx_map, offset: 0, size: 64}", kSyncSingleForCpu, steps::SyncSingleForCpu},
    {"sync_single_for_device", "dma_sync_single_for_device: the device gets the memory", "- sync_single_for_device: {mapping: rx_map}", kSyncSingleForDevice, steps::SyncSingleForDevice},
    {"sync_sg_for_cpu", "dma_sync_sg_for_cpu", "- sync_sg_for_cpu: {mapping: bo_sg}", kSyncSgForCpu, steps::SyncSgForCpu},
    {"sync_sg_for_device", "dma_sync_sg_for_device", "- sync_sg_for_device: {mapping: bo_sg, nents: 4}", kSyncSgForDevice, steps::SyncSgForDevice},
    {"mapping_error", "dma_mapping_error on a mapping's handle", "- mapping_error: {mapping: tx_map}", kMappingError, steps::MappingError},
    {"alloc_coherent", "dma_alloc_coherent (a buffer and a mapping of that name)", "- alloc_coherent: {device: nic, size: 4KiB, as: ring}", kAllocCoherent, steps::AllocCoherent},
    {"alloc_noncoherent", "dma_alloc_noncoherent (synced like a streaming mapping)", "- alloc_noncoherent: {device: nic, size: 4KiB, dir: from_device, as: stats}", kAllocNoncoherent, steps::AllocNoncoherent},
    {"alloc_pages", "dma_alloc_pages (synced like a streaming mapping)", "- alloc_pages: {device: nic, size: 8KiB, dir: to_device, as: fw}", kAllocPages, steps::AllocPages},
    {"free_coherent", "dma_free_coherent", "- free_coherent: {mapping: ring}", kFreeCoherent, steps::FreeCoherent},
    {"free_noncoherent", "dma_free_noncoherent", "- free_noncoherent: {mapping: stats}", kFreeNoncoherent, steps::FreeNoncoherent},
    {"free_pages", "dma_free_pages", "- free_pages: {mapping: fw}", kFreePages, steps::FreePages},
    {"set_dma_mask", "dma_set_mask_and_coherent", "- set_dma_mask: {device: nic, mask: 0xffffffff}", kSetDmaMask, steps::SetDmaMask},
    {"release", "The driver lets go of a device (live mappings are leaks)", "- release: {device: nic}", kRelease, steps::Release},
    {"device_read", "The device DMA-reads at a mapping's DMA address", "- device_read: {mapping: tx_map, offset: 0, size: 64}", kDeviceRead, steps::DeviceRead},
    {"device_write", "The device DMA-writes at a mapping's DMA address", "- device_write: {mapping: rx_map, size: 256, pattern: 0x5a}", kDeviceWrite, steps::DeviceWrite},
    {"domain_create", "Allocate an unmanaged IOMMU domain and attach a device's driver to it", "- domain_create: {iommu: smmu0, device: gpu, as: gpu_vm}", kDomainCreate, steps::DomainCreate},
    {"domain_map_sg", "Ownership-aware IOMMU API: map a buffer at a driver-chosen IOVA", "- domain_map_sg: {domain: gpu_vm, buffer: bo, iova: 0x100000, dir: bidirectional, as: bo_gpu}", kDomainMapSg, steps::DomainMapSg},
    {"domain_sync", "Ownership-aware IOMMU API: sync a domain mapping for the CPU or the device", "- domain_sync: {mapping: bo_gpu, for: cpu}", kDomainSync, steps::DomainSync},
    {"domain_unmap", "Ownership-aware IOMMU API: unmap a domain mapping", "- domain_unmap: {mapping: bo_gpu}", kDomainUnmap, steps::DomainUnmap},
    {"prepare_cpu_mapping", "Clean+invalidate a buffer's pages before an uncached / WC CPU view", "- prepare_cpu_mapping: {domain: gpu_vm, buffer: bo, attr: write_combine}", kPrepareCpuMapping, steps::PrepareCpuMapping},
    {"iommu_flush", "Flush an IOMMU's lazy invalidation queue", "- iommu_flush: {iommu: smmu0}", kIommuFlush, steps::IommuFlush},
    {"iommu_timer_tick", "The lazy-flush timer fires", "- iommu_timer_tick: {iommu: smmu0}", kIommuTimerTick, steps::IommuTimerTick},
    // The GPU driver (platform gpu), step_gpu.cc.
    {"gpu_bo_create", "Create a GPU buffer object (scattered pages, cleared through the cached linear map)", "- gpu_bo_create: {size: 16KiB, caching: write_combine, as: cmds}", gpu_params::kBoCreate, steps::GpuBoCreate},
    {"gpu_context_create", "Create a GPU context: its own address space (an unmanaged domain), ring and fence, like a new msm submitqueue in a new process", "- gpu_context_create: {as: app2}", gpu_params::kContextCreate, steps::GpuContextCreate},
    {"gpu_pin", "Pin a buffer object at a driver-chosen IOVA (ownership-aware IOMMU API: to the GPU)", "- gpu_pin: {bo: src, context: app2}", gpu_params::kPin, steps::GpuPin},
    {"gpu_unpin", "Unpin a buffer object (unmapped first, then its IOVA freed)", "- gpu_unpin: {bo: src}", gpu_params::kUnpin, steps::GpuUnpin},
    {"gpu_mmap", "Give a buffer object a CPU view with its caching mode (WC / uncached cleaned first)", "- gpu_mmap: {bo: cmds}", gpu_params::kMmap, steps::GpuMmap},
    {"gpu_cpu_prep", "MSM_GEM_CPU_PREP: wait for the GPU, then the CPU owns the range", "- gpu_cpu_prep: {bo: dst, op: read}", gpu_params::kCpuPrep, steps::GpuCpuPrep},
    {"gpu_cpu_fini", "MSM_GEM_CPU_FINI: the range goes back to the GPU", "- gpu_cpu_fini: {bo: dst}", gpu_params::kCpuFini, steps::GpuCpuFini},
    {"gpu_cpu_write", "The CPU stores through a buffer object's CPU view (ownership is the scenario's)", "- gpu_cpu_write: {bo: src, offset: 0, size: 4KiB, pattern: 0x11}", gpu_params::kCpuWrite, steps::GpuCpuWrite},
    {"gpu_cpu_read", "The CPU loads through a buffer object's CPU view (checked by the oracle)", "- gpu_cpu_read: {bo: dst, size: 4KiB, as: result}", gpu_params::kCpuRead, steps::GpuCpuRead},
    {"gpu_emit", "The CPU encodes one GPU command into a command buffer, with pinned buffers' addresses", "- gpu_emit: {cmd: cmds, op: copy, dst: dst, src: src, size: 4KiB}", gpu_params::kEmit, steps::GpuEmit},
    {"gpu_submit", "Submit the commands emitted since the last submission; names the fence", "- gpu_submit: {cmd: cmds, as: job1}", gpu_params::kSubmit, steps::GpuSubmit},
    {"gpu_wait", "Wait for a fence (the GPU runs)", "- gpu_wait: {fence: job1}", gpu_params::kWait, steps::GpuWait},
    {"gpu_free", "Free a buffer object (deferred while the GPU may use it)", "- gpu_free: {bo: src}", gpu_params::kFree, steps::GpuFree},
    {"gpu_hack_sync_sg_for_device", "The seed's first hack: dma_sync_sg_for_device on a buffer never DMA-mapped", "- gpu_hack_sync_sg_for_device: {bo: wc, device: mdss, error: any}", gpu_params::kHackSyncSg, steps::GpuHackSyncSgForDevice},
    {"gpu_hack_map_sg", "The seed's second hack: dma_map_sg of a buffer's sg table on a driver-managed domain", "- gpu_hack_map_sg: {bo: wc}", gpu_params::kHackMapSg, steps::GpuHackMapSg},
};

// clang-format on
}  // namespace

std::span<const StepKind> StepKinds() { return kKinds; }

const StepKind* FindStepKind(std::string_view name) {
  for (const StepKind& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::span<const ParamSpec> CommonStepParams() { return kCommon; }

}  // namespace dmakit::scenario
