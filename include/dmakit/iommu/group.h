// IommuGroup: the devices an IOMMU cannot tell apart (they share one domain, always).
//
// Ownership: a group is used either by the DMA API (attached to a kDma or kIdentity domain)
// or by a driver that manages its own domain (kUnmanaged), never both. The first attach of
// either kind claims the group; attaching the other kind is refused (kFailedPrecondition)
// until the group is detached. A kBlocked domain changes no ownership. This is the rule the
// seed's GPU driver broke: DMA API calls on a device whose domain the driver manages.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "dmakit/core/symbol.h"

namespace dmakit {

class IommuDomain;

enum class GroupOwner : uint8_t { kNone, kDmaApi, kDriver };
std::string_view ToString(GroupOwner owner);

class IommuGroup {
 public:
  explicit IommuGroup(uint32_t id) : id_(id) {}

  uint32_t id() const { return id_; }
  const std::vector<Symbol>& devices() const { return devices_; }
  IommuDomain* domain() const { return domain_; }
  GroupOwner owner() const { return owner_; }
  // "group 2 (gpu, gpu-cx)", for messages.
  std::string Describe() const;

 private:
  friend class Iommu;
  uint32_t id_;
  std::vector<Symbol> devices_;
  IommuDomain* domain_ = nullptr;
  GroupOwner owner_ = GroupOwner::kNone;
};

}  // namespace dmakit
