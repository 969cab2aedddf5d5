// Iommu: the device DMA path (translation, faults) and IOTLB invalidation.
#include <fmt/format.h>

#include <algorithm>

#include "dmakit/iommu/iommu.h"
#include "iotlb.h"

namespace dmakit {
namespace {

FaultType FromWalk(WalkFault f) {
  switch (f) {
    case WalkFault::kAccessFlag:
      return FaultType::kAccessFlag;
    case WalkFault::kBus:
      return FaultType::kBus;
    default:
      return FaultType::kTranslation;
  }
}

}  // namespace

Error Iommu::Fault(const Device& dev, Symbol name, IommuDomain* domain, DmaAddr iova, Access access,
                   FaultType type) {
  FaultRecord r{name, dev.stream_id, domain ? domain->id() : 0, iova, access, type};
  faults_.push_back(r);
  ++counters_.faults;
  Event e;
  e.kind = EventKind::kIommuFault;
  e.device = name;
  e.domain = r.domain;
  e.dma = iova;
  e.access = access;
  e.text = Symbol(ToString(type));
  soc_.bus().Emit(e);
  if (domain != nullptr && domain->fault_handler()) domain->fault_handler()(r);
  return Error(ErrorCode::kFault,
               fmt::format("{}: {} fault: device '{}' (stream {}) {} iova {} in domain {}",
                           name_.view(), ToString(type), name.view(), dev.stream_id,
                           access == Access::kRead ? "read of" : "write to", Hex(iova), r.domain));
}

Result<PhysAddr> Iommu::TranslatePage(const Device& dev, Symbol name, IommuDomain& domain,
                                      DmaAddr iova, Access access) {
  const uint64_t page = iova.value() >> kPageShift;
  const uint64_t offset = iova.OffsetIn(kPageSize);
  EventBus& bus = soc_.bus();
  if (const IotlbEntry* hit = iotlb_->Lookup(domain.id(), page)) {
    ++counters_.iotlb_hits;
    const IotlbEntry entry = *hit;
    if (access == Access::kWrite && entry.read_only) {
      return Fault(dev, name, &domain, iova, access, FaultType::kPermission);
    }
    // Model-only check: does the CPU's page table still say the same?
    auto now = domain.page_table()->IovaToPhys(iova);
    if (!now.ok() || *now != entry.phys_page + offset) {
      ++counters_.stale_hits;
      Event e;
      e.kind = EventKind::kIotlbStaleHit;
      e.device = name;
      e.domain = domain.id();
      e.dma = iova;
      e.phys = entry.phys_page + offset;
      e.access = access;
      bus.Emit(e);
    }
    return entry.phys_page + offset;
  }
  ++counters_.iotlb_misses;
  ++counters_.walks;
  WalkResult w = domain.page_table()->HwWalk(*walker_, iova);
  if (bus.has_sinks()) {
    Event e;
    e.kind = EventKind::kPageTableWalk;
    e.device = name;
    e.domain = domain.id();
    e.dma = iova;
    e.phys = w.descriptor;
    e.size = 8;
    bus.Emit(e);
  }
  if (w.fault != WalkFault::kNone) {
    return Fault(dev, name, &domain, iova, access, FromWalk(w.fault));
  }
  iotlb_->Insert(IotlbEntry{domain.id(), page, w.phys.AlignDown(kPageSize), w.read_only});
  if (access == Access::kWrite && w.read_only) {
    return Fault(dev, name, &domain, iova, access, FaultType::kPermission);
  }
  return w.phys;
}

Result<std::vector<Iommu::Run>> Iommu::Translate(Symbol device, DmaAddr iova, uint64_t size,
                                                 Access access, BusMaster** master,
                                                 uint64_t* domain_id) {
  auto it = devices_.find(device);
  if (it == devices_.end()) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("{}: no device '{}'", name_.view(), device.view()));
  }
  const Device& dev = it->second;
  *master = dev.master;
  std::vector<Run> runs;
  if (size == 0) return runs;
  IommuDomain* domain = dev.group->domain();
  *domain_id = domain != nullptr ? domain->id() : 0;
  if (domain == nullptr || domain->type() == DomainType::kBlocked) {
    return Fault(dev, device, domain, iova, access, FaultType::kBlocked);
  }
  if (domain->type() == DomainType::kIdentity) {
    runs.push_back(Run{PhysAddr(iova.value()), 0, size});
    return runs;
  }
  uint64_t done = 0;
  while (done < size) {
    const DmaAddr at = iova + done;
    const uint64_t n = std::min<uint64_t>(kPageSize - at.OffsetIn(kPageSize), size - done);
    PhysAddr phys = DMAKIT_TRY(TranslatePage(dev, device, *domain, at, access));
    if (!runs.empty() && runs.back().phys + runs.back().size == phys) {
      runs.back().size += n;
    } else {
      runs.push_back(Run{phys, done, n});
    }
    done += n;
  }
  return runs;
}

Status Iommu::DeviceRead(Symbol device, DmaAddr iova, std::span<uint8_t> out) {
  BusMaster* master = nullptr;
  uint64_t domain = 0;
  auto runs = DMAKIT_TRY(Translate(device, iova, out.size(), Access::kRead, &master, &domain));
  for (const Run& r : runs) {
    DMAKIT_TRY(master->Read(r.phys, out.subspan(r.offset, r.size), iova + r.offset, domain));
  }
  return Ok();
}

Status Iommu::DeviceWrite(Symbol device, DmaAddr iova, std::span<const uint8_t> data) {
  BusMaster* master = nullptr;
  uint64_t domain = 0;
  auto runs = DMAKIT_TRY(Translate(device, iova, data.size(), Access::kWrite, &master, &domain));
  for (const Run& r : runs) {
    DMAKIT_TRY(master->Write(r.phys, data.subspan(r.offset, r.size), iova + r.offset, domain));
  }
  return Ok();
}

// --- Invalidation ---

void Iommu::EmitInvalidate(uint64_t domain, DmaAddr dma, uint64_t size, SourceLoc where) {
  ++counters_.invalidations;
  EventBus& bus = soc_.bus();
  if (!bus.has_sinks()) return;
  Event e;
  e.kind = EventKind::kIotlbInvalidate;
  e.domain = domain;
  e.dma = dma;
  e.size = size;
  e.where = where;
  bus.Emit(e);
}

void Iommu::InvalidateAll() {
  counters_.invalidated_entries += iotlb_->InvalidateAll();
  EmitInvalidate(0, DmaAddr(), 0);
}

void Iommu::InvalidateDomain(uint64_t domain) {
  counters_.invalidated_entries += iotlb_->InvalidateDomain(domain);
  EmitInvalidate(domain, DmaAddr(), 0);
}

void Iommu::InvalidateRange(uint64_t domain, DmaRange range) {
  counters_.invalidated_entries += iotlb_->InvalidateRange(domain, range);
  EmitInvalidate(domain, range.base, range.size);
}

void Iommu::OnUnmap(IommuDomain& domain, DmaRange range, std::function<void()> release,
                    SourceLoc where) {
  if (config_.policy == FlushPolicy::kStrict) {
    counters_.invalidated_entries += iotlb_->InvalidateRange(domain.id(), range);
    EmitInvalidate(domain.id(), range.base, range.size, where);
    if (release) release();
    return;
  }
  queue_.push_back(Queued{domain.id(), range, std::move(release)});
  if (queue_.size() >= config_.flush_queue_size) FlushQueue();
}

void Iommu::FlushQueue() {
  if (queue_.empty()) return;
  ++counters_.flushes;
  std::vector<Queued> batch = std::move(queue_);
  queue_.clear();
  std::vector<uint64_t> domains;
  for (const Queued& q : batch) {
    if (std::find(domains.begin(), domains.end(), q.domain) == domains.end()) {
      domains.push_back(q.domain);
    }
  }
  for (uint64_t d : domains) InvalidateDomain(d);
  for (Queued& q : batch) {
    if (q.release) q.release();
  }
}

}  // namespace dmakit
