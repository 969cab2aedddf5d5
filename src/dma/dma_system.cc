#include "dmakit/dma/dma_system.h"

#include <string>
#include <utility>

#include "bounce_pool.h"
#include "direct_backend.h"
#include "dma_device_impl.h"
#include "dmakit/dma/dma_device.h"
#include "iommu_backend.h"

namespace dmakit {

std::string_view ToString(DmaBackendKind kind) {
  switch (kind) {
    case DmaBackendKind::kDirect:
      return "direct";
    case DmaBackendKind::kIommu:
      return "iommu";
    case DmaBackendKind::kBounce:
      return "bounce";
  }
  return "?";
}

Result<std::unique_ptr<DmaSystem>> DmaSystem::Create(Soc& soc, const Topology& topology,
                                                     DmaSystemConfig config) {
  std::unique_ptr<DmaSystem> system(new DmaSystem(soc, topology, config));
  if (config.bounce.size != 0) {
    system->bounce_ = DMAKIT_TRY(BouncePool::Create(soc, config.bounce));
  } else if (config.bounce.slot_size < 64 ||
             (config.bounce.slot_size & (config.bounce.slot_size - 1)) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "bounce.slot_size: " + std::to_string(config.bounce.slot_size) +
                     " is not a power of two >= 64");
  }
  return system;
}

DmaSystem::DmaSystem(Soc& soc, const Topology& topology, DmaSystemConfig config)
    : soc_(soc), topology_(topology), config_(config) {}

// Devices (and their domains) go before the pool and before the Iommus they reference.
DmaSystem::~DmaSystem() { devices_.clear(); }

Status DmaSystem::AddIommu(Iommu& iommu) {
  const std::string name(iommu.name().view());
  auto [it, inserted] = iommus_.try_emplace(name, &iommu);
  if (!inserted && it->second != &iommu) {
    return Error(ErrorCode::kAlreadyExists, "an IOMMU named '" + name + "' is already known");
  }
  return Ok();
}

void DmaSystem::Announce() {
  soc_.AnnouncePlatform();
  topology_.Announce(soc_.bus());
}

Iommu* DmaSystem::FindIommu(std::string_view name) {
  auto it = iommus_.find(name);
  return it == iommus_.end() ? nullptr : it->second;
}

Result<DmaDevice*> DmaSystem::Probe(std::string_view device) { return ProbeImpl(device, false); }

Result<DmaDevice*> DmaSystem::ProbeUnmanaged(std::string_view device) {
  return ProbeImpl(device, true);
}

Result<DmaDevice*> DmaSystem::ProbeImpl(std::string_view device, bool unmanaged) {
  const DeviceNode* node = DMAKIT_TRY(topology_.DmaNodeFor(std::string(device)));
  if (auto it = devices_.find(node->name); it != devices_.end()) {
    if (it->second->impl_->unmanaged != unmanaged) {
      return Error(ErrorCode::kFailedPrecondition,
                   "device " + node->name + " was already probed " +
                       (unmanaged ? "for the DMA API" : "for a driver-managed domain"));
    }
    return it->second.get();
  }
  if (unmanaged && !node->iommu) {
    return Error(ErrorCode::kFailedPrecondition,
                 "device " + node->name + " has no IOMMU: there is no domain to manage");
  }
  auto impl = std::make_unique<DmaDevice::Impl>();
  impl->node = *node;
  impl->unmanaged = unmanaged;
  impl->master = &soc_.AddBusMaster(node->name, node->coherent);
  DmaBackendKind kind =
      config_.bounce.force_bounce ? DmaBackendKind::kBounce : DmaBackendKind::kDirect;
  if (node->iommu) {
    Iommu* iommu = FindIommu(node->iommu->iommu);
    if (iommu == nullptr) {
      return Error(ErrorCode::kNotFound, "device " + node->name + " is behind IOMMU '" +
                                             node->iommu->iommu + "', which is not known");
    }
    if (!iommu->HasDevice(Symbol(node->name))) {
      DMAKIT_TRY(iommu->AddDevice(*impl->master, node->iommu->stream_id));
    }
    impl->domain = DMAKIT_TRY(iommu->AllocDomain(DomainType::kDma));
    if (!unmanaged) DMAKIT_TRY(iommu->AttachDevice(Symbol(node->name), *impl->domain));
    impl->iommu = iommu;
    impl->backend = std::make_unique<IommuBackend>(*impl->domain);
    kind = DmaBackendKind::kIommu;
  } else {
    impl->backend = std::make_unique<DirectBackend>(
        bounce_.get(), config_.bounce.force_bounce ? ForceBounce::kYes : ForceBounce::kNo);
  }
  std::unique_ptr<DmaDevice> dev(new DmaDevice(*this, Symbol(node->name), kind));
  dev->dma_mask_ = node->dma_mask;
  dev->impl_ = std::move(impl);
  DmaDevice* out = dev.get();
  devices_.emplace(node->name, std::move(dev));
  return out;
}

}  // namespace dmakit
