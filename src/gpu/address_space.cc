#include "dmakit/gpu/address_space.h"

#include <fmt/format.h>

namespace dmakit {

std::string_view ToString(VaRegion region) {
  return region == VaRegion::kKernel ? "kernel" : "user";
}

Result<std::unique_ptr<AddressSpace>> AddressSpace::Create(DmaSystem& system, Iommu& iommu,
                                                           std::string_view device,
                                                           std::string name,
                                                           AddressSpaceLayout layout) {
  for (DmaRange r : {layout.kernel, layout.user}) {
    if (r.empty() || !r.base.IsAligned(kPageSize) || !r.end().IsAligned(kPageSize)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("address space {}: region {} is empty or not page-aligned", name,
                               ToString(r)));
    }
  }
  if (layout.kernel.Overlaps(layout.user)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("address space {}: kernel region {} overlaps user region {}", name,
                             ToString(layout.kernel), ToString(layout.user)));
  }
  std::unique_ptr<AddressSpace> as(new AddressSpace(std::move(name), layout));
  as->kernel_iova_ = DMAKIT_TRY(IovaAllocator::Create(layout.kernel));
  as->user_iova_ = DMAKIT_TRY(IovaAllocator::Create(layout.user));
  as->domain_ = DMAKIT_TRY(iommu.AllocDomain(DomainType::kUnmanaged));
  as->mapper_ = DMAKIT_TRY(DomainMapper::Create(system, device, *as->domain_));
  return as;
}

AddressSpace::~AddressSpace() {
  mapper_.reset();
  domain_.reset();
}

Result<DmaRange> AddressSpace::AllocIova(VaRegion region, uint64_t size) {
  IovaAllocator& alloc = region == VaRegion::kKernel ? *kernel_iova_ : *user_iova_;
  auto r = alloc.Alloc(size);
  if (!r.ok()) {
    return r.error().WithContext(
        fmt::format("address space {}, {} region, {} bytes", name_, ToString(region), size));
  }
  return r;
}

IovaAllocator& AddressSpace::AllocatorFor(DmaAddr addr) {
  return layout_.kernel.Contains(addr) ? *kernel_iova_ : *user_iova_;
}

Status AddressSpace::FreeIova(DmaRange range) {
  if (!layout_.kernel.Contains(range.base) && !layout_.user.Contains(range.base)) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("address space {}: {} is in no region", name_, ToString(range)));
  }
  return AllocatorFor(range.base).Free(range);
}

std::pair<GemObject*, DmaRange> AddressSpace::Lookup(DmaAddr iova) const {
  auto it = pinned_.upper_bound(iova.value());
  if (it == pinned_.begin()) return {nullptr, DmaRange()};
  --it;
  if (!it->second.first.Contains(iova)) return {nullptr, DmaRange()};
  return {it->second.second, it->second.first};
}

}  // namespace dmakit
