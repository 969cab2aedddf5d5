#include "dmakit/iommu/iommu.h"

#include <fmt/format.h>

#include <algorithm>

#include "dmakit/iommu/lpae_page_table.h"
#include "iotlb.h"

namespace dmakit {

std::string_view ToString(FlushPolicy policy) {
  return policy == FlushPolicy::kStrict ? "strict" : "lazy";
}

std::string_view ToString(FaultType type) {
  switch (type) {
    case FaultType::kTranslation:
      return "translation";
    case FaultType::kPermission:
      return "permission";
    case FaultType::kAccessFlag:
      return "access_flag";
    case FaultType::kBlocked:
      return "blocked";
    case FaultType::kBus:
      return "bus";
  }
  return "?";
}

Result<std::unique_ptr<Iommu>> Iommu::Create(Soc& soc, IommuConfig config) {
  auto bad = [](std::string what) { return Error(ErrorCode::kInvalidArgument, std::move(what)); };
  if (config.name.empty()) return bad("iommu name: empty");
  if (config.iotlb_entries == 0) return bad(config.name + ": iotlb_entries: must be >= 1");
  if (config.flush_queue_size == 0) return bad(config.name + ": flush_queue_size: must be >= 1");
  if (config.dma_aperture.empty() || !config.dma_aperture.IsAligned(kPageSize)) {
    return bad(config.name + ": dma_aperture: must be non-empty and 4 KiB-aligned");
  }
  return std::unique_ptr<Iommu>(new Iommu(soc, std::move(config)));
}

Iommu::Iommu(Soc& soc, IommuConfig config)
    : soc_(soc),
      config_(std::move(config)),
      name_(config_.name),
      walker_(
          &soc.AddBusMaster(config_.name + "-walker", config_.coherent_walk, MasterKind::kWalker)),
      iotlb_(std::make_unique<Iotlb>(config_.iotlb_entries)) {}

Iommu::~Iommu() { DMAKIT_CHECK(domains_.empty(), "an IommuDomain outlives its Iommu"); }

uint32_t Iommu::iotlb_size() const { return static_cast<uint32_t>(iotlb_->size()); }

// --- Devices and groups ---

Result<IommuGroup*> Iommu::AddDevice(BusMaster& master, uint32_t stream_id, Symbol group_with) {
  const Symbol name = master.name();
  if (devices_.count(name)) {
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("{}: device '{}' is already registered", name_.view(), name.view()));
  }
  if (streams_.count(stream_id)) {
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("{}: stream ID {} already belongs to '{}'", name_.view(), stream_id,
                             streams_[stream_id].view()));
  }
  IommuGroup* group = nullptr;
  if (!group_with.empty()) {
    auto it = devices_.find(group_with);
    if (it == devices_.end()) {
      return Error(ErrorCode::kNotFound, fmt::format("{}: no device '{}' to share a group with",
                                                     name_.view(), group_with.view()));
    }
    group = it->second.group;
  } else {
    groups_.push_back(std::make_unique<IommuGroup>(static_cast<uint32_t>(groups_.size() + 1)));
    group = groups_.back().get();
  }
  group->devices_.push_back(name);
  devices_[name] = Device{&master, stream_id, group};
  streams_[stream_id] = name;
  if (group->domain_ != nullptr) EmitAttach(EventKind::kIommuAttach, name, *group->domain_);
  return group;
}

IommuGroup* Iommu::GroupOf(Symbol device) {
  auto it = devices_.find(device);
  return it == devices_.end() ? nullptr : it->second.group;
}

// --- Domains ---

Result<std::unique_ptr<IommuDomain>> Iommu::AllocDomain(DomainType type) {
  // Ids come from the Soc so that domains of different IOMMUs never share one in events.
  const uint64_t id = soc_.AllocateId();
  std::unique_ptr<IommuDomain> d(new IommuDomain(*this, id, type));
  if (type == DomainType::kDma || type == DomainType::kUnmanaged) {
    LpaeConfig pc;
    pc.domain = id;
    pc.coherent_walk = config_.coherent_walk;
    pc.skip_clean = config_.skip_pte_clean;
    auto pt = CreateLpaePageTable(soc_, pc);
    if (!pt.ok()) {
      return std::move(pt).error().WithContext(fmt::format("{}: domain alloc", name_.view()));
    }
    d->page_table_ = std::move(*pt);
  }
  if (type == DomainType::kDma) {
    auto iova = IovaAllocator::Create(config_.dma_aperture);
    if (!iova.ok()) {
      return std::move(iova).error().WithContext(fmt::format("{}: domain alloc", name_.view()));
    }
    d->iova_ = std::move(*iova);
  }
  domains_[id] = d.get();
  return d;
}

void Iommu::OnDomainDestroyed(IommuDomain& domain) {
  // Queued invalidations of the domain complete now: its IOVA space goes away.
  std::vector<Queued> keep;
  bool had = false;
  for (Queued& q : queue_) {
    if (q.domain == domain.id()) {
      had = true;
      if (q.release) q.release();
    } else {
      keep.push_back(std::move(q));
    }
  }
  queue_ = std::move(keep);
  for (auto& g : groups_) {
    if (g->domain_ == &domain) {
      for (Symbol dev : g->devices_) EmitAttach(EventKind::kIommuDetach, dev, domain);
      g->domain_ = nullptr;
      g->owner_ = GroupOwner::kNone;
    }
  }
  if (had || domain.page_table() != nullptr) InvalidateDomain(domain.id());
  domains_.erase(domain.id());
}

void Iommu::EmitAttach(EventKind kind, Symbol device, const IommuDomain& domain) {
  Event e;
  e.kind = kind;
  e.device = device;
  e.domain = domain.id();
  e.text = Symbol(ToString(domain.type()));
  soc_.bus().Emit(e);
}

Status Iommu::AttachGroup(IommuGroup& group, IommuDomain& domain) {
  if (&domain.iommu() != this) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("{}: domain {} belongs to another IOMMU", name_.view(), domain.id()));
  }
  const DomainType t = domain.type();
  const GroupOwner wants = t == DomainType::kUnmanaged ? GroupOwner::kDriver
                           : t == DomainType::kBlocked ? group.owner_
                                                       : GroupOwner::kDmaApi;
  if (group.owner_ != GroupOwner::kNone && wants != group.owner_) {
    return Error(
        ErrorCode::kFailedPrecondition,
        fmt::format("{}: {} is owned by the {} (domain {}); a {} domain needs it owned "
                    "by the {}: detach it first",
                    name_.view(), group.Describe(), ToString(group.owner_),
                    group.domain_ ? group.domain_->id() : 0, ToString(t), ToString(wants)));
  }
  if (group.domain_ == &domain) return Ok();
  if (group.domain_ != nullptr) {
    for (Symbol dev : group.devices_) EmitAttach(EventKind::kIommuDetach, dev, *group.domain_);
  }
  group.domain_ = &domain;
  group.owner_ = wants;
  for (Symbol dev : group.devices_) EmitAttach(EventKind::kIommuAttach, dev, domain);
  return Ok();
}

Status Iommu::AttachDevice(Symbol device, IommuDomain& domain) {
  IommuGroup* g = GroupOf(device);
  if (g == nullptr) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("{}: no device '{}'", name_.view(), device.view()));
  }
  if (g->devices_.size() != 1) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("{}: '{}' is in {}: attach the whole group", name_.view(),
                             device.view(), g->Describe()));
  }
  return AttachGroup(*g, domain);
}

Status Iommu::DetachGroup(IommuGroup& group) {
  if (group.domain_ == nullptr) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("{}: {} is not attached", name_.view(), group.Describe()));
  }
  for (Symbol dev : group.devices_) EmitAttach(EventKind::kIommuDetach, dev, *group.domain_);
  group.domain_ = nullptr;
  group.owner_ = GroupOwner::kNone;
  return Ok();
}

}  // namespace dmakit
