#include "dmakit/iommu/domain.h"

#include <fmt/format.h>

#include "dmakit/core/event.h"
#include "dmakit/iommu/iommu.h"

namespace dmakit {

std::string_view ToString(DomainType type) {
  switch (type) {
    case DomainType::kDma:
      return "dma";
    case DomainType::kUnmanaged:
      return "unmanaged";
    case DomainType::kIdentity:
      return "identity";
    case DomainType::kBlocked:
      return "blocked";
  }
  return "?";
}

IommuDomain::IommuDomain(Iommu& iommu, uint64_t id, DomainType type)
    : iommu_(&iommu), id_(id), type_(type) {}

IommuDomain::~IommuDomain() { iommu_->OnDomainDestroyed(*this); }

Status IommuDomain::Map(DmaAddr iova, PhysAddr phys, uint64_t size, IoProt prot, Symbol owner,
                        SourceLoc where) {
  Status s = page_table_ == nullptr
                 ? Status(Error(ErrorCode::kFailedPrecondition,
                                fmt::format("domain {} is {}: it has no page table to map into",
                                            id_, ToString(type_))))
                 : page_table_->Map(iova, phys, size, prot);
  EventBus& bus = iommu_->soc().bus();
  if (bus.has_sinks()) {
    Event e;
    e.kind = EventKind::kIommuMap;
    e.device = owner;
    e.domain = id_;
    e.dma = iova;
    e.phys = phys;
    e.size = size;
    e.prot = prot.bits();
    e.failed = !s.ok();
    e.where = where;
    bus.Emit(e);
  }
  if (!s.ok()) return std::move(s).error().WithContext(fmt::format("iommu_map on domain {}", id_));
  return Ok();
}

Status IommuDomain::Unmap(DmaAddr iova, uint64_t size, std::function<void()> release,
                          SourceLoc where) {
  Status s = page_table_ == nullptr
                 ? Status(Error(ErrorCode::kFailedPrecondition,
                                fmt::format("domain {} is {}: it has no page table to unmap from",
                                            id_, ToString(type_))))
                 : page_table_->Unmap(iova, size);
  EventBus& bus = iommu_->soc().bus();
  if (bus.has_sinks()) {
    Event e;
    e.kind = EventKind::kIommuUnmap;
    e.domain = id_;
    e.dma = iova;
    e.size = size;
    e.failed = !s.ok();
    e.where = where;
    bus.Emit(e);
  }
  if (!s.ok()) {
    return std::move(s).error().WithContext(fmt::format("iommu_unmap on domain {}", id_));
  }
  iommu_->OnUnmap(*this, DmaRange(iova, size), std::move(release), where);
  return Ok();
}

}  // namespace dmakit
