#include "dmakit/core/event.h"

#include <array>

#include <fmt/format.h>

namespace dmakit {
namespace {

constexpr std::array<std::string_view, kEventKindCount> kKindNames = {
    "dma_map",
    "dma_unmap",
    "dma_sync_for_cpu",
    "dma_sync_for_device",
    "dma_mapping_error",
    "dma_alloc",
    "dma_free",
    "device_release",
    "prepare_cpu_mapping",
    "iommu_attach",
    "iommu_detach",
    "iommu_map",
    "iommu_unmap",
    "iotlb_invalidate",
    "iommu_fault",
    "iotlb_stale_hit",
    "page_table_write",
    "page_table_walk",
    "cpu_access",
    "cpu_map",
    "cpu_unmap",
    "cache_maintenance",
    "page_alloc",
    "page_free",
    "device_access",
    "corruption",
    "ram_bank",
    "device_add",
    "cpu_cache",
    "note",
};

constexpr std::array<std::string_view, 9> kApiNames = {
    "none", "single", "page", "sg", "resource", "coherent", "noncoherent", "pages", "domain",
};

constexpr std::array<std::string_view, 3> kCacheOpNames = {"clean", "invalidate",
                                                           "clean_invalidate"};

template <typename E, size_t N>
std::optional<E> Lookup(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view ToString(EventKind kind) { return kKindNames[static_cast<size_t>(kind)]; }
std::optional<EventKind> ParseEventKind(std::string_view name) {
  return Lookup<EventKind>(kKindNames, name);
}

std::string_view ToString(MapApi api) { return kApiNames[static_cast<size_t>(api)]; }
std::optional<MapApi> ParseMapApi(std::string_view name) { return Lookup<MapApi>(kApiNames, name); }

std::string_view ToString(Access access) { return access == Access::kRead ? "read" : "write"; }

std::string_view ToString(CacheOp op) { return kCacheOpNames[static_cast<size_t>(op)]; }
std::optional<CacheOp> ParseCacheOp(std::string_view name) {
  return Lookup<CacheOp>(kCacheOpNames, name);
}

bool Event::operator==(const Event& o) const {
  return kind == o.kind && seq == o.seq && device == o.device && api == o.api && dir == o.dir &&
         attrs == o.attrs && mem_attr == o.mem_attr && access == o.access &&
         cache_op == o.cache_op && failed == o.failed && dma == o.dma && phys == o.phys &&
         cpu == o.cpu && size == o.size && nents == o.nents && mapped_nents == o.mapped_nents &&
         domain == o.domain && prot == o.prot && coherent == o.coherent && dma_mask == o.dma_mask &&
         max_seg_size == o.max_seg_size && seg_boundary == o.seg_boundary &&
         line_size == o.line_size && ways == o.ways && sg == o.sg && expected == o.expected &&
         observed == o.observed && writer == o.writer && writer_seq == o.writer_seq &&
         text == o.text && where == o.where;
}

std::string ToString(const Event& e) {
  std::string s = fmt::format("#{} {}", e.seq, ToString(e.kind));
  if (!e.device.empty()) s += fmt::format(" dev={}", e.device.view());
  if (e.api != MapApi::kNone) s += fmt::format(" api={}", ToString(e.api));
  if (e.dir != DmaDirection::kNone) s += fmt::format(" dir={}", ToString(e.dir));
  if (e.attrs.bits() != 0) s += fmt::format(" attrs={}", ToString(e.attrs));
  if (e.dma.value() != 0) s += fmt::format(" dma={:#x}", e.dma.value());
  if (e.phys.value() != 0) s += fmt::format(" phys={:#x}", e.phys.value());
  if (e.cpu.value() != 0) s += fmt::format(" cpu={:#x}", e.cpu.value());
  if (e.size != 0) s += fmt::format(" size={}", e.size);
  if (e.kind == EventKind::kCpuAccess || e.kind == EventKind::kDeviceAccess ||
      e.kind == EventKind::kIommuFault || e.kind == EventKind::kIotlbStaleHit) {
    s += fmt::format(" {}", ToString(e.access));
  }
  if (e.kind == EventKind::kCpuAccess || e.kind == EventKind::kCpuMap ||
      e.kind == EventKind::kPrepareCpuMapping) {
    s += fmt::format(" attr={}", ToString(e.mem_attr));
  }
  if (e.kind == EventKind::kCacheMaintenance) s += fmt::format(" op={}", ToString(e.cache_op));
  if (e.nents != 0) s += fmt::format(" nents={}", e.nents);
  if (e.mapped_nents != 0) s += fmt::format(" mapped_nents={}", e.mapped_nents);
  if (e.domain != 0) s += fmt::format(" domain={}", e.domain);
  if (e.prot != 0) s += fmt::format(" prot={:#x}", e.prot);
  if (e.kind == EventKind::kDeviceAdd) {
    s += fmt::format(" {} dma_mask={:#x} max_seg_size={} seg_boundary={:#x}",
                     e.coherent ? "coherent" : "noncoherent", e.dma_mask, e.max_seg_size,
                     e.seg_boundary);
  }
  if (e.line_size != 0) s += fmt::format(" line_size={}", e.line_size);
  if (e.ways != 0) s += fmt::format(" ways={}", e.ways);
  if (e.failed) s += " failed";
  if (!e.writer.empty()) s += fmt::format(" writer={}#{}", e.writer.view(), e.writer_seq);
  if (!e.text.empty()) s += fmt::format(" \"{}\"", e.text.view());
  if (e.where.known()) s += fmt::format(" at {}", e.where.ToString());
  return s;
}

}  // namespace dmakit
