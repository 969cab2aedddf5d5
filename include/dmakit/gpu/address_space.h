// AddressSpace: one GPU virtual address space (a context's), on an unmanaged IOMMU domain the
// driver owns.
//
// Layout: a kernel region (rings, fences: driver-internal objects) and a user region (the
// buffers a context's submissions use), each with its own IovaAllocator; the driver picks
// every IOVA, never the DMA API. Buffer mappings go through a DomainMapper (the ownership-aware
// IOMMU API) on the domain, so CPU/GPU ownership moves exactly as with the DMA API.
//
// The address space also remembers which buffer object each pinned IOVA range belongs to, so
// a GPU page fault can be traced back to a buffer (as msm's fault handler does).
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "dmakit/core/addr_range.h"
#include "dmakit/core/result.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/dma/domain_mapper.h"
#include "dmakit/iommu/domain.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/iova_allocator.h"

namespace dmakit {

class GemObject;

enum class VaRegion : uint8_t { kKernel, kUser };
std::string_view ToString(VaRegion region);

struct AddressSpaceLayout {
  // Driver-internal objects (ring buffers, fence memory).
  DmaRange kernel{DmaAddr(0x0100'0000), 0x0f00'0000};  // [16 MiB, 256 MiB)
  // Buffers of submissions.
  DmaRange user{DmaAddr(0x1'0000'0000), 0xf'0000'0000};  // [4 GiB, 64 GiB)
};

class AddressSpace {
 public:
  // Allocates an unmanaged domain of `iommu` and a DomainMapper for `device` on it (which
  // attaches it). Errors: kInvalidArgument (a region empty, unaligned, or the two overlap),
  // and the errors of Iommu::AllocDomain and DomainMapper::Create (kNotFound unknown device,
  // kFailedPrecondition no IOMMU / another IOMMU / group owned by the DMA API).
  static Result<std::unique_ptr<AddressSpace>> Create(DmaSystem& system, Iommu& iommu,
                                                      std::string_view device, std::string name,
                                                      AddressSpaceLayout layout = {});
  ~AddressSpace();  // mapper first, then the domain (which detaches the device)

  const std::string& name() const { return name_; }
  const AddressSpaceLayout& layout() const { return layout_; }
  IommuDomain& domain() { return *domain_; }
  DomainMapper& mapper() { return *mapper_; }
  Symbol device() const { return mapper_->device(); }

  // A size-aligned IOVA range of `size` bytes in `region`. Errors: kInvalidArgument (size 0),
  // kOutOfRange (larger than the region), kExhausted (the region is full), each naming the
  // address space and the region.
  Result<DmaRange> AllocIova(VaRegion region, uint64_t size);
  // Errors: kNotFound (not a live range of this address space), kInvalidArgument.
  Status FreeIova(DmaRange range);

  // Which buffer occupies a pinned range; the fault handler asks Lookup.
  void Track(DmaRange range, GemObject* bo) { pinned_[range.base.value()] = {range, bo}; }
  void Untrack(DmaRange range) { pinned_.erase(range.base.value()); }
  // The buffer whose pinned range contains `iova` (nullptr: none), and the range.
  std::pair<GemObject*, DmaRange> Lookup(DmaAddr iova) const;

 private:
  AddressSpace(std::string name, AddressSpaceLayout layout)
      : name_(std::move(name)), layout_(layout) {}
  IovaAllocator& AllocatorFor(DmaAddr addr);

  std::string name_;
  AddressSpaceLayout layout_;
  std::unique_ptr<IommuDomain> domain_;
  std::unique_ptr<DomainMapper> mapper_;
  std::unique_ptr<IovaAllocator> kernel_iova_;
  std::unique_ptr<IovaAllocator> user_iova_;
  std::map<uint64_t, std::pair<DmaRange, GemObject*>> pinned_;
};

}  // namespace dmakit
