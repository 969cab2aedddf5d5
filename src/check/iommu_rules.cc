// IOMMU rules: DMA108 stale IOTLB access, DMA109 map over a live translation, DMA110 unmap of
// nothing, DMA111 page-table write not cleaned for a non-coherent walker.
#include <algorithm>

#include <fmt/format.h>

#include "dmakit/check/checker.h"

namespace dmakit {

namespace {

// A DMA108's mapping is the map call of the translation that went stale at `iova`; the unmap
// that opened the window when nothing was mapped there.
void NameStaleMapping(const IommuState::Pending& p, uint64_t iova, Violation& v) {
  if (const IommuState::Translation* t = p.MappingAt(iova)) {
    v.mapping_where = t->where;
    v.mapping_seq = t->seq;
  } else {
    v.mapping_where = p.where;
    v.mapping_seq = p.seq;
  }
}

}  // namespace

void Checker::OnIommuMap(const Event& e) {
  const uint64_t iova = e.dma.value();
  IommuState::Translations live = iommu_.MapIfFree(
      e.domain,
      IommuState::Translation{iova, iova + e.size, e.phys.value(), e.seq, e.where, e.device});
  if (live.empty()) return;
  if (!Enabled(RuleId::kIommuMapOverLive)) return;
  const IommuState::Translation& t = live.front();
  Violation v = Make(RuleId::kIommuMapOverLive, e, nullptr,
                     fmt::format("IOMMU map over a live mapping [domain={}] [iova={}] [size={} "
                                 "bytes] [phys={}] [live iova={}] [live size={} bytes] [live "
                                 "phys={}]",
                                 e.domain, Hex(iova), e.size, Hex(e.phys), Hex(t.iova),
                                 t.end - t.iova, Hex(t.phys)));
  v.mapping_where = t.where;
  v.mapping_seq = t.seq;
  v.lines = {PhysRange(PhysAddr(t.phys), t.end - t.iova).AlignOut(options_.line_size)};
  Report(std::move(v));
}

void Checker::OnIommuUnmap(const Event& e) {
  const uint64_t iova = e.dma.value();
  bool nothing = e.failed;
  if (!e.failed) nothing = iommu_.Unmap(e.domain, iova, iova + e.size, e.seq, e.where).empty();
  if (!nothing || !Enabled(RuleId::kIommuUnmapNothing)) return;
  Report(Make(RuleId::kIommuUnmapNothing, e, nullptr,
              fmt::format("IOMMU unmap of a range with nothing mapped [domain={}] [iova={}] "
                          "[size={} bytes]",
                          e.domain, Hex(iova), e.size)));
}

void Checker::OnIotlbStaleHit(const Event& e) {
  if (!Enabled(RuleId::kStaleIotlbAccess)) return;
  stale_hits_.push_back(
      StaleHit{e.seq, e.device, e.domain, e.dma.value(), e.phys.value(), e.size, e.access});
}

void Checker::FlushStaleHits() {
  // Hits of an access that never reached the bus: one report per device, about the first hit.
  std::vector<StaleHit> hits;
  hits.swap(stale_hits_);
  std::vector<Symbol> done;
  for (const StaleHit& h : hits) {
    if (std::find(done.begin(), done.end(), h.device) != done.end()) continue;
    done.push_back(h.device);
    if (!Enabled(RuleId::kStaleIotlbAccess)) continue;
    Event e;
    e.kind = EventKind::kIotlbStaleHit;
    e.seq = h.seq;
    e.device = h.device;
    e.domain = h.domain;
    e.dma = DmaAddr(h.iova);
    e.phys = PhysAddr(h.phys);
    e.size = h.size;
    e.access = h.access;
    Violation v = Make(RuleId::kStaleIotlbAccess, e, nullptr,
                       fmt::format("device {} through a stale IOTLB entry [domain={}] [iova={}] "
                                   "[phys={}] [size={} bytes]",
                                   ToString(h.access), h.domain, Hex(e.dma), Hex(e.phys), h.size));
    if (auto p = iommu_.StaleAt(h.domain, h.iova)) NameStaleMapping(*p, h.iova, v);
    v.lines = {PhysRange(e.phys, std::max<uint64_t>(h.size, 1)).AlignOut(options_.line_size)};
    Report(std::move(v));
  }
}

void Checker::CheckStaleTranslation(const Event& e) {
  if (!Enabled(RuleId::kStaleIotlbAccess)) return;
  // The simulator's own stale hits for this access's pages: the bytes of each stale page the
  // access covers, at their place in this run.
  std::vector<PhysRange> lines;
  const StaleHit* first = nullptr;
  const uint64_t begin = e.dma.value(), end = begin + e.size;
  for (const StaleHit& h : stale_hits_) {
    if (h.device != e.device || h.iova < begin || h.iova >= end) continue;
    if (first == nullptr) first = &h;
    const uint64_t page_end = (h.iova | (kPageSize - 1)) + 1;
    const uint64_t part_end = std::min(page_end, end);
    PhysRange bytes(e.phys + (h.iova - begin), part_end - h.iova);
    lines.push_back(bytes.AlignOut(options_.line_size));
  }
  if (first != nullptr) {
    Violation v = Make(RuleId::kStaleIotlbAccess, e, nullptr,
                       fmt::format("device {} through a stale IOTLB entry [domain={}] [iova={}] "
                                   "[phys={}] [size={} bytes] [stale iova={}]",
                                   ToString(e.access), first->domain, Hex(e.dma), Hex(e.phys),
                                   e.size, Hex(DmaAddr(first->iova))));
    if (auto p = iommu_.StaleAt(first->domain, first->iova)) NameStaleMapping(*p, first->iova, v);
    std::erase_if(stale_hits_, [&](const StaleHit& h) {
      return h.device == e.device && h.iova >= begin && h.iova < end;
    });
    v.lines = std::move(lines);
    Report(std::move(v));
    return;
  }
  // A trace without stale-hit events: decide from the unmaps not yet invalidated.
  const DeviceInfo* info = Device(e.device);
  Symbol node = info != nullptr && !info->iommu_node.empty() ? info->iommu_node : e.device;
  const IommuState::Attachment* att = iommu_.AttachmentOf(node);
  if (att == nullptr) return;
  auto p = iommu_.StaleAt(att->domain, e.dma.value());
  if (!p) return;
  Violation v =
      Make(RuleId::kStaleIotlbAccess, e, nullptr,
           fmt::format("device {} of an IOVA unmapped since the last IOTLB invalidate "
                       "[domain={}] [iova={}] [phys={}] [size={} bytes] [unmapped "
                       "range={}]",
                       ToString(e.access), att->domain, Hex(e.dma), Hex(e.phys), e.size,
                       ToString(DmaRange::FromBounds(DmaAddr(p->iova), DmaAddr(p->end)))));
  NameStaleMapping(*p, e.dma.value(), v);
  if (e.size != 0) v.lines = {e.phys_range().AlignOut(options_.line_size)};
  Report(std::move(v));
}

void Checker::OnPageTableWalk(const Event& e) {
  const PhysRange range(e.phys, e.size == 0 ? 8 : e.size);
  std::vector<PhysRange> dirty = pt_dirty_.Find(range);
  if (dirty.empty()) return;
  pt_dirty_.Remove(range);  // one report per unflushed write
  if (!Enabled(RuleId::kPageTableWriteNotCleaned)) return;
  Violation v = Make(RuleId::kPageTableWriteNotCleaned, e, nullptr,
                     fmt::format("non-coherent IOMMU walk reads a page-table line the CPU wrote "
                                 "but did not clean [domain={}] [iova={}] [descriptor={}] "
                                 "[cacheline={}]",
                                 e.domain, Hex(e.dma), Hex(e.phys), Hex(dirty.front().base)));
  // The mapping it concerns: the translation the walk resolves (its IOMMU map call), or the
  // one an unmap not yet invalidated removed from there.
  const uint64_t iova = e.dma.value();
  if (const IommuState::Translation* t = iommu_.LiveAt(e.domain, iova)) {
    v.mapping_where = t->where;
    v.mapping_seq = t->seq;
  } else if (auto p = iommu_.StaleAt(e.domain, iova)) {
    NameStaleMapping(*p, iova, v);
  }
  v.lines = std::move(dirty);
  Report(std::move(v));
}

}  // namespace dmakit
