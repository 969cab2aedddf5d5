// Test helper: a tiny "driver" that feeds hand-built events to a Checker, so a test reads like
// the bug report it reproduces. Every call numbers its event and records the test's line as
// the call site.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dmakit/check/checker.h"
#include "dmakit/core/event.h"

namespace dmakit::testing {

inline constexpr DmaDirection kTo = DmaDirection::kToDevice;
inline constexpr DmaDirection kFrom = DmaDirection::kFromDevice;
inline constexpr DmaDirection kBidi = DmaDirection::kBidirectional;

class FakeDriver {
 public:
  explicit FakeDriver(EventSink& sink, std::string_view device = "eth0")
      : sink_(sink), dev_(device) {}

  Symbol device() const { return dev_; }
  uint64_t last_seq() const { return seq_; }

  void Feed(Event e, SourceLoc where = Here()) {
    e.seq = ++seq_;
    if (!e.where.known()) e.where = where;
    sink_.OnEvent(e);
  }

  // --- platform ---
  void RamBank(uint64_t phys, uint64_t size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kRamBank);
    e.device = Symbol();
    e.phys = PhysAddr(phys);
    e.size = size;
    Feed(e, where);
  }
  // The CPU data cache as Soc::AnnouncePlatform describes it (64 KiB, 4 ways, LRU).
  void CpuCache(uint32_t line_size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kCpuCache);
    e.device = Symbol();
    e.size = 64 * 1024;
    e.line_size = line_size;
    e.ways = 4;
    e.text = Symbol("lru");
    Feed(e, where);
  }
  void DeviceAdd(bool coherent, uint64_t max_seg = 0, uint64_t boundary = 0,
                 std::string_view iommu_node = "", SourceLoc where = Here()) {
    Event e = Make(EventKind::kDeviceAdd);
    e.coherent = coherent;
    e.max_seg_size = max_seg;
    e.seg_boundary = boundary;
    e.text = Symbol(iommu_node);
    Feed(e, where);
  }

  // --- streaming DMA API ---
  Event MapEvent(uint64_t dma, uint64_t phys, uint64_t size, DmaDirection dir,
                 MapApi api = MapApi::kSingle, DmaAttrs attrs = {}) const {
    Event e = Make(EventKind::kDmaMap);
    e.api = api;
    e.dma = DmaAddr(dma);
    e.phys = PhysAddr(phys);
    e.size = size;
    e.dir = dir;
    e.attrs = attrs;
    return e;
  }
  // dma_map_single without the dma_mapping_error() check.
  void MapUnchecked(uint64_t dma, uint64_t phys, uint64_t size, DmaDirection dir,
                    MapApi api = MapApi::kSingle, DmaAttrs attrs = {}, SourceLoc where = Here()) {
    Feed(MapEvent(dma, phys, size, dir, api, attrs), where);
  }
  // dma_map_single followed by the dma_mapping_error() check a correct driver does.
  void Map(uint64_t dma, uint64_t phys, uint64_t size, DmaDirection dir,
           MapApi api = MapApi::kSingle, DmaAttrs attrs = {}, SourceLoc where = Here()) {
    MapUnchecked(dma, phys, size, dir, api, attrs, where);
    MappingError(dma, where);
  }
  void MappingError(uint64_t dma, SourceLoc where = Here()) {
    Event e = Make(EventKind::kDmaMappingError);
    e.dma = DmaAddr(dma);
    Feed(e, where);
  }
  void Unmap(uint64_t dma, uint64_t size, DmaDirection dir, MapApi api = MapApi::kSingle,
             SourceLoc where = Here()) {
    Event e = Make(EventKind::kDmaUnmap);
    e.api = api;
    e.dma = DmaAddr(dma);
    e.size = size;
    e.dir = dir;
    Feed(e, where);
  }
  void SyncForCpu(uint64_t dma, uint64_t size, DmaDirection dir, SourceLoc where = Here()) {
    Sync(EventKind::kDmaSyncForCpu, dma, size, dir, where);
  }
  void SyncForDevice(uint64_t dma, uint64_t size, DmaDirection dir, SourceLoc where = Here()) {
    Sync(EventKind::kDmaSyncForDevice, dma, size, dir, where);
  }
  void Sync(EventKind kind, uint64_t dma, uint64_t size, DmaDirection dir, SourceLoc where) {
    Event e = Make(kind);
    e.api = MapApi::kSingle;
    e.dma = DmaAddr(dma);
    e.size = size;
    e.dir = dir;
    Feed(e, where);
  }

  // --- scatter-gather ---
  // Segments of `len` bytes at phys, phys + stride, ...; mapped 1:1 at dma, dma + stride, ...
  static std::vector<SgSegment> Sg(uint64_t dma, uint64_t phys, uint32_t n, uint64_t len,
                                   uint64_t stride) {
    std::vector<SgSegment> sg;
    for (uint32_t i = 0; i < n; ++i) {
      sg.push_back(SgSegment{PhysAddr(phys + i * stride), len, DmaAddr(dma + i * stride), len});
    }
    return sg;
  }
  void MapSg(const std::vector<SgSegment>& sg, DmaDirection dir, SourceLoc where = Here()) {
    Event e = Make(EventKind::kDmaMap);
    e.api = MapApi::kSg;
    e.sg = sg;
    e.dma = sg.front().dma;
    e.phys = sg.front().phys;
    for (const SgSegment& s : sg) e.size += s.dma_length;
    e.nents = static_cast<uint32_t>(sg.size());
    e.mapped_nents = 0;
    for (const SgSegment& s : sg) e.mapped_nents += s.dma_length != 0;
    e.dir = dir;
    Feed(e, where);
  }
  void UnmapSg(uint64_t dma, uint32_t nents, DmaDirection dir, SourceLoc where = Here()) {
    Event e = Make(EventKind::kDmaUnmap);
    e.api = MapApi::kSg;
    e.dma = DmaAddr(dma);
    e.nents = nents;
    e.dir = dir;
    Feed(e, where);
  }
  void SyncSg(EventKind kind, const std::vector<SgSegment>& sg, uint32_t nents, DmaDirection dir,
              SourceLoc where = Here()) {
    Event e = Make(kind);
    e.api = MapApi::kSg;
    e.sg = sg;
    e.nents = nents;
    e.dir = dir;
    Feed(e, where);
  }

  // --- allocations ---
  void Alloc(MapApi api, uint64_t dma, uint64_t phys, uint64_t cpu, uint64_t size,
             SourceLoc where = Here()) {
    Event e = Make(EventKind::kDmaAlloc);
    e.api = api;
    e.dma = DmaAddr(dma);
    e.phys = PhysAddr(phys);
    e.cpu = CpuAddr(cpu);
    e.size = size;
    e.dir = DmaDirection::kBidirectional;
    Feed(e, where);
  }
  // An allocation that failed (Linux traces it with a zero CPU address).
  void FailedAlloc(MapApi api, uint64_t size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kDmaAlloc);
    e.api = api;
    e.size = size;
    e.dir = DmaDirection::kBidirectional;
    e.failed = true;
    Feed(e, where);
  }
  void Free(MapApi api, uint64_t dma, uint64_t cpu, uint64_t size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kDmaFree);
    e.api = api;
    e.dma = DmaAddr(dma);
    e.cpu = CpuAddr(cpu);
    e.size = size;
    e.dir = DmaDirection::kBidirectional;
    Feed(e, where);
  }
  void Release(SourceLoc where = Here()) { Feed(Make(EventKind::kDeviceRelease), where); }

  // --- accesses ---
  void CpuAccess(Access access, uint64_t phys, uint64_t size, MemAttr attr = MemAttr::kCached,
                 SourceLoc where = Here()) {
    Event e = Make(EventKind::kCpuAccess);
    e.device = Symbol("cpu");
    e.access = access;
    e.phys = PhysAddr(phys);
    e.size = size;
    e.mem_attr = attr;
    Feed(e, where);
  }
  void CpuRead(uint64_t phys, uint64_t size, SourceLoc where = Here()) {
    CpuAccess(Access::kRead, phys, size, MemAttr::kCached, where);
  }
  void CpuWrite(uint64_t phys, uint64_t size, SourceLoc where = Here()) {
    CpuAccess(Access::kWrite, phys, size, MemAttr::kCached, where);
  }
  void DeviceAccess(Access access, uint64_t dma, uint64_t phys, uint64_t size,
                    SourceLoc where = Here()) {
    Event e = Make(EventKind::kDeviceAccess);
    e.access = access;
    e.dma = DmaAddr(dma);
    e.phys = PhysAddr(phys);
    e.size = size;
    Feed(e, where);
  }
  void DeviceRead(uint64_t dma, uint64_t phys, uint64_t size, SourceLoc where = Here()) {
    DeviceAccess(Access::kRead, dma, phys, size, where);
  }
  void DeviceWrite(uint64_t dma, uint64_t phys, uint64_t size, SourceLoc where = Here()) {
    DeviceAccess(Access::kWrite, dma, phys, size, where);
  }
  void Maintain(CacheOp op, uint64_t phys, uint64_t size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kCacheMaintenance);
    e.device = Symbol();
    e.cache_op = op;
    e.phys = PhysAddr(phys);
    e.size = size;
    Feed(e, where);
  }
  void CpuMap(uint64_t cpu, uint64_t phys, uint64_t size, MemAttr attr, SourceLoc where = Here()) {
    Event e = Make(EventKind::kCpuMap);
    e.device = Symbol();
    e.cpu = CpuAddr(cpu);
    e.size = size;
    e.mem_attr = attr;
    e.sg = {SgSegment{PhysAddr(phys), size, DmaAddr(), 0}};
    Feed(e, where);
  }
  void CpuUnmap(uint64_t cpu, uint64_t size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kCpuUnmap);
    e.device = Symbol();
    e.cpu = CpuAddr(cpu);
    e.size = size;
    Feed(e, where);
  }
  void PrepareCpuMapping(uint64_t phys, uint64_t size, MemAttr attr, SourceLoc where = Here()) {
    Event e = Make(EventKind::kPrepareCpuMapping);
    e.phys = PhysAddr(phys);
    e.size = size;
    e.mem_attr = attr;
    Feed(e, where);
  }
  void PageFree(uint64_t phys, uint64_t size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kPageFree);
    e.device = Symbol();
    e.phys = PhysAddr(phys);
    e.size = size;
    Feed(e, where);
  }

  // --- IOMMU ---
  void Attach(uint64_t domain, std::string_view type, SourceLoc where = Here()) {
    Event e = Make(EventKind::kIommuAttach);
    e.domain = domain;
    e.text = Symbol(type);
    Feed(e, where);
  }
  void IommuMap(uint64_t domain, uint64_t iova, uint64_t phys, uint64_t size,
                SourceLoc where = Here()) {
    Event e = Make(EventKind::kIommuMap);
    e.domain = domain;
    e.dma = DmaAddr(iova);
    e.phys = PhysAddr(phys);
    e.size = size;
    Feed(e, where);
  }
  void IommuUnmap(uint64_t domain, uint64_t iova, uint64_t size, bool failed = false,
                  SourceLoc where = Here()) {
    Event e = Make(EventKind::kIommuUnmap);
    e.device = Symbol();
    e.domain = domain;
    e.dma = DmaAddr(iova);
    e.size = size;
    e.failed = failed;
    Feed(e, where);
  }
  void IotlbInvalidate(uint64_t domain, uint64_t iova, uint64_t size, SourceLoc where = Here()) {
    Event e = Make(EventKind::kIotlbInvalidate);
    e.device = Symbol();
    e.domain = domain;
    e.dma = DmaAddr(iova);
    e.size = size;
    Feed(e, where);
  }
  void IotlbStaleHit(uint64_t domain, uint64_t iova, uint64_t phys, SourceLoc where = Here()) {
    Event e = Make(EventKind::kIotlbStaleHit);
    e.domain = domain;
    e.dma = DmaAddr(iova);
    e.phys = PhysAddr(phys);
    e.size = 64;
    e.access = Access::kRead;
    Feed(e, where);
  }
  void PageTableWrite(uint64_t domain, uint64_t phys, uint64_t size, std::string_view walker,
                      SourceLoc where = Here()) {
    Event e = Make(EventKind::kPageTableWrite);
    e.device = Symbol();
    e.domain = domain;
    e.phys = PhysAddr(phys);
    e.size = size;
    e.text = Symbol(walker);
    Feed(e, where);
  }
  void PageTableWalk(uint64_t domain, uint64_t iova, uint64_t descriptor,
                     SourceLoc where = Here()) {
    Event e = Make(EventKind::kPageTableWalk);
    e.device = Symbol();
    e.domain = domain;
    e.dma = DmaAddr(iova);
    e.phys = PhysAddr(descriptor);
    e.size = 8;
    Feed(e, where);
  }

 private:
  Event Make(EventKind kind) const {
    Event e;
    e.kind = kind;
    e.device = dev_;
    return e;
  }

  EventSink& sink_;
  Symbol dev_;
  uint64_t seq_ = 0;
};

// Shares one sequence counter: several devices on one bus.
class FakeBus final : public EventSink {
 public:
  explicit FakeBus(EventSink& sink) : sink_(sink) {}
  void OnEvent(const Event& e) override {
    Event copy = e;
    copy.seq = ++seq_;
    sink_.OnEvent(copy);
  }
  void OnEnd() override { sink_.OnEnd(); }

 private:
  EventSink& sink_;
  uint64_t seq_ = 0;
};

// The rules of every violation, in order (for failure messages and exact expectations).
inline std::vector<RuleId> Rules(const Checker& c) {
  std::vector<RuleId> out;
  for (const Violation& v : c.violations()) out.push_back(v.rule);
  return out;
}

inline std::string Dump(const Checker& c) {
  std::string s;
  for (const Violation& v : c.violations()) s += v.ToString() + "\n";
  return s;
}

}  // namespace dmakit::testing
