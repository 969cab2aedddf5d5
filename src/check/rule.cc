#include "dmakit/check/rule.h"

#include <array>
#include <cctype>

namespace dmakit {
namespace {

constexpr std::array<RuleInfo, kRuleCount> kRules = {{
    {RuleId::kMapOutsideRam, "DMA001", "map-outside-ram",
     "a streaming map of memory that is not RAM",
     "The DMA API maps RAM; MMIO and holes go through dma_map_resource. Mapping anything else "
     "hands the device an address whose cache maintenance is meaningless and whose contents "
     "the CPU never wrote. Applied only when the platform announced its RAM banks. Fix: map "
     "RAM pages, or use dma_map_resource for device memory."},
    {RuleId::kSgSegmentTooLong, "DMA002", "sg-segment-too-long",
     "an sg segment longer than the device's max segment size",
     "The device cannot describe a segment longer than its max_seg_size in one descriptor and "
     "will truncate or wrap it. Fix: set dma_set_max_seg_size() correctly, or split the sg "
     "table (sg_alloc_table_from_pages_segment with the device's limit)."},
    {RuleId::kSgSegmentCrossesBoundary, "DMA003", "sg-segment-crosses-boundary",
     "an sg segment crossing the device's segment boundary",
     "Some DMA engines cannot cross an address boundary (e.g. 4 GiB) inside one segment: the "
     "address counter wraps. Fix: declare the boundary with dma_set_seg_boundary() so the "
     "mapping code splits segments."},
    {RuleId::kOverlappingMapping, "DMA004", "overlapping-mapping",
     "two live streaming mappings share a cache line",
     "Ownership moves per cache line. Two live mappings of one line (other than to-device or "
     "SKIP_CPU_SYNC ones) means one mapping's sync_for_cpu invalidates data the other device "
     "still writes, or its map cleans a line over data the other device wrote. dma-debug "
     "tracks only the first line of each mapping; dmakit checks every line. Fix: give each "
     "buffer its own cache-line-aligned memory."},
    {RuleId::kFreeUnknown, "DMA005", "free-unknown", "unmap or free of a handle that is not mapped",
     "The device address does not match any live mapping of this device: a double unmap, an "
     "unmap of a never-mapped handle, or the wrong device. On an IOMMU this can unmap another "
     "driver's buffer. Fix: unmap exactly the handle the map returned, once."},
    {RuleId::kUnmapSizeMismatch, "DMA006", "unmap-size-mismatch",
     "unmap with a size different from the map",
     "The unmap must pass the size the map was given. With an IOMMU a wrong size leaves IOVA "
     "pages mapped (device can still reach them) or unmaps a neighbour; with bounce buffers "
     "the copy back is short or overruns."},
    {RuleId::kUnmapWrongFunction, "DMA007", "unmap-wrong-function",
     "unmap or free with a function that does not match the map",
     "dma_map_single must be undone by dma_unmap_single, dma_map_sg by dma_unmap_sg, "
     "dma_alloc_coherent by dma_free_coherent, and so on: each pair differs in what it "
     "releases and which cache maintenance it does."},
    {RuleId::kFreeCpuAddressMismatch, "DMA008", "free-cpu-address-mismatch",
     "free_coherent with a CPU address different from the allocation",
     "dma_free_coherent must get back the CPU address dma_alloc_coherent returned; another "
     "address frees the wrong pages or corrupts the allocator's remap."},
    {RuleId::kUnmapSgNentsMismatch, "DMA009", "unmap-sg-nents-mismatch",
     "unmap_sg with an entry count different from the map_sg call",
     "dma_unmap_sg takes the nents passed to dma_map_sg (not the count it returned); another "
     "count leaves segments mapped or unmaps entries that were never mapped."},
    {RuleId::kUnmapDirectionMismatch, "DMA010", "unmap-direction-mismatch",
     "unmap with a direction different from the map",
     "The direction decides the cache maintenance on unmap: unmapping a FROM_DEVICE mapping "
     "as TO_DEVICE skips the invalidate, so the CPU then reads stale cached data instead of "
     "what the device wrote."},
    {RuleId::kMappingErrorUnchecked, "DMA011", "mapping-error-unchecked",
     "a map's handle used without a dma_mapping_error() check",
     "dma_map_single/page can fail (IOVA or bounce space exhausted) and return an error "
     "cookie; a driver that never checks hands the device a bogus address. Fix: call "
     "dma_mapping_error() on every handle before using it."},
    {RuleId::kSyncNotMapped, "DMA012", "sync-not-mapped", "sync of memory that is not mapped",
     "A sync names a live mapping by its device address; syncing memory that was never "
     "mapped (the msm driver's dma_sync_sg_for_device on its own pages) does nothing "
     "reliable: dma-direct may clean the wrong lines, an IOMMU backend finds no translation. "
     "Fix: map before syncing, or use the sanctioned prepare-for-CPU-mapping operation."},
    {RuleId::kSyncOutsideRange, "DMA013", "sync-outside-range",
     "sync extending past the end of the mapping",
     "Syncing beyond the mapped range maintains lines that belong to other buffers (and on "
     "partial lines invalidates their data). Fix: sync offset+size within the mapping."},
    {RuleId::kSyncDirectionMismatch, "DMA014", "sync-direction-mismatch",
     "sync with a direction different from the map",
     "The sync's direction chooses clean or invalidate; a direction other than the mapping's "
     "does the wrong maintenance (e.g. no invalidate before reading device data). "
     "BIDIRECTIONAL mappings accept any direction."},
    {RuleId::kSyncReadOnlyForCpu, "DMA015", "sync-read-only-for-cpu",
     "sync_for_cpu of a TO_DEVICE mapping with a direction that expects device data",
     "The device only reads a TO_DEVICE mapping, so there is nothing for the CPU to receive; "
     "syncing it for the CPU as FROM_DEVICE or BIDIRECTIONAL shows the driver expects data "
     "the device was never allowed to write."},
    {RuleId::kSyncWriteOnlyForDevice, "DMA016", "sync-write-only-for-device",
     "sync_for_device of a FROM_DEVICE mapping with a direction that sends CPU data",
     "The device only writes a FROM_DEVICE mapping; syncing it for the device as TO_DEVICE or "
     "BIDIRECTIONAL shows the driver expects the device to read CPU data it will not see "
     "cleaned."},
    {RuleId::kSyncSgNentsMismatch, "DMA017", "sync-sg-nents-mismatch",
     "sync_sg with an entry count different from the map_sg call",
     "dma_sync_sg_* takes the nents passed to dma_map_sg; another count syncs too few "
     "segments (stale data) or entries that are not mapped."},
    {RuleId::kLiveAtDeviceRelease, "DMA018", "live-at-device-release",
     "mappings still live when the driver releases the device",
     "Every mapping must be unmapped before the driver lets go of the device; a leftover "
     "mapping keeps IOVA space and, behind an IOMMU, lets the device keep reaching memory the "
     "kernel reuses."},
    {RuleId::kLeakAtEnd, "DMA019", "leak-at-end",
     "a mapping or allocation still live at the end of the run",
     "Leaked mappings exhaust IOVA and bounce space and leave pages reachable by the device "
     "after they are reused."},
    {RuleId::kCpuAccessDeviceOwned, "DMA101", "cpu-access-device-owned",
     "the CPU touched a cache line a device owns",
     "Between map (or sync_for_device) and unmap (or sync_for_cpu) the buffer belongs to the "
     "device. On a non-coherent SoC a CPU load pulls a stale line into the cache that later "
     "hides device writes, and a store leaves a dirty line that eviction writes back over "
     "device data. Fix: sync_for_cpu before touching, sync_for_device before handing back."},
    {RuleId::kDeviceAccessNotOwned, "DMA102", "device-access-not-owned",
     "a device accessed a cache line it does not own",
     "The device read or wrote memory that is not mapped for DMA, or whose mapping is "
     "currently owned by the CPU (after sync_for_cpu). It can read stale memory (the CPU's "
     "data still dirty in the cache) or have its writes overwritten by a later eviction. "
     "Fix: map the memory, and sync_for_device before starting the device."},
    {RuleId::kDeviceWriteToDevice, "DMA103", "device-write-to-device",
     "a device wrote a TO_DEVICE mapping",
     "A TO_DEVICE mapping is read-only for the device: its unmap does no invalidate, so the "
     "CPU keeps reading stale cached data instead of what the device wrote. Fix: map it "
     "FROM_DEVICE or BIDIRECTIONAL."},
    {RuleId::kCacheLineSharing, "DMA104", "cache-line-sharing",
     "a non-coherent mapping shares a cache line with data the CPU uses",
     "A streaming mapping that does not start and end on a cache-line boundary shares its "
     "first or last line with other data. Rule: the CPU accesses bytes outside the mapping "
     "but on one of its lines while the line is device-owned, for a non-coherent device that "
     "may write the mapping (not TO_DEVICE). The "
     "CPU's copy of that line is then written back over the device's data, or the "
     "invalidate of sync_for_cpu discards the CPU's write. Fix: align and pad DMA buffers to "
     "the cache line (ARCH_DMA_MINALIGN)."},
    {RuleId::kAttributeAlias, "DMA105", "attribute-alias",
     "one page mapped by the CPU with two different memory attributes",
     "Two live CPU mappings of one physical page with different attributes (cached and "
     "uncached/write-combined) are a mismatched alias: the cached alias fills and evicts "
     "lines behind the other mapping's back. Fix: one attribute per page at a time."},
    {RuleId::kAttributeChangeWithoutClean, "DMA106", "attribute-change-without-clean",
     "a page mapped uncached or write-combined while its lines may be in the cache",
     "Rule: a CPU mapping with an uncached or write-combine attribute is created over a line "
     "that a cached CPU access brought into the cache and no invalidate, clean+invalidate or "
     "prepare-for-CPU-mapping has removed since. A clean alone is not enough: the line stays "
     "cached and a cached access through another alias re-dirties it, and a later eviction "
     "writes it over data written through the uncached mapping. Fix: clean+invalidate the "
     "pages first (the dmakit prepare-CPU-mapping operation)."},
    {RuleId::kDmaApiOnUnmanagedDomain, "DMA107", "dma-api-on-unmanaged-domain",
     "DMA API map/sync/unmap on a device whose IOMMU domain the driver manages",
     "When a driver owns its IOMMU domain (msm's GPU), the DMA API's IOMMU backend allocates "
     "IOVA space the device never uses and overwrites sg->dma_address; using dma_map_sg just "
     "to get cache maintenance is the hack the seed thread rejects. Fix: use the "
     "ownership-aware domain API (map/sync/unmap on the driver's domain) or the sanctioned "
     "prepare-for-CPU-mapping operation."},
    {RuleId::kStaleIotlbAccess, "DMA108", "stale-iotlb-access",
     "a device access through an IOTLB entry whose mapping was unmapped",
     "With lazy IOTLB flushing, an unmapped IOVA stays reachable until the next invalidate: "
     "the device can still read or write pages that are already freed or reused. Fix: stop "
     "the device before unmapping, or flush the IOTLB (strict mode) before reusing pages."},
    {RuleId::kIommuMapOverLive, "DMA109", "iommu-map-over-live",
     "an IOMMU map over an IOVA range that is already mapped",
     "Mapping over a live translation either fails or silently replaces it; the previous "
     "buffer's owner still believes it is mapped. Fix: unmap first, or allocate IOVA from "
     "an allocator."},
    {RuleId::kIommuUnmapNothing, "DMA110", "iommu-unmap-nothing",
     "an IOMMU unmap of a range with nothing mapped",
     "Unmapping an IOVA range that holds no translation is a double unmap or a wrong address; "
     "the real mapping stays reachable by the device."},
    {RuleId::kPageTableWriteNotCleaned, "DMA111", "page-table-write-not-cleaned",
     "a non-coherent IOMMU walked a page-table line the CPU wrote but did not clean",
     "An IOMMU whose table walker does not snoop the CPU cache reads descriptors from memory; "
     "a PTE written by the CPU and still dirty in the cache is invisible to it, so the walk "
     "uses the old descriptor. Fix: clean the written descriptor lines before the walk "
     "(before the TLB invalidate)."},
    {RuleId::kPageFreedWhileMapped, "DMA112", "page-freed-while-mapped",
     "pages freed while still mapped for a device",
     "Freeing pages a device can still reach (a live DMA mapping or IOMMU translation) lets "
     "the device corrupt the pages' next owner. Fix: unmap (and flush the IOTLB) before "
     "freeing; quarantine pages a device might still touch."},
    {RuleId::kCpuWriteDiscarded, "DMA113", "cpu-write-discarded",
     "sync_for_cpu or unmap over lines the CPU wrote while it owned them",
     "Giving a device-writable mapping to the CPU invalidates its lines on a non-coherent "
     "device (or copies the bounce slot back over the buffer): a CPU write made while the CPU "
     "already owned those lines, and not handed back with sync_for_device, is thrown away. "
     "Fix: sync_for_device after the CPU writes (before the next sync_for_cpu or unmap), or do "
     "not write a buffer the device fills."},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const RuleInfo& Info(RuleId rule) { return kRules[static_cast<size_t>(rule)]; }

std::optional<RuleId> ParseRule(std::string_view text) {
  for (const RuleInfo& info : kRules) {
    if (EqualsIgnoreCase(text, info.id) || text == info.name) return info.rule;
  }
  return std::nullopt;
}

std::span<const RuleId> RulesNeedingEvent(EventKind kind) {
  static constexpr RuleId kMappingErrorRules[] = {RuleId::kMappingErrorUnchecked};
  if (kind == EventKind::kDmaMappingError) return kMappingErrorRules;
  return {};
}

}  // namespace dmakit
