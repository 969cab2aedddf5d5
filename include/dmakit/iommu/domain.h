// IommuDomain: one translation context (an address space) of an Iommu.
//
// Types, as in Linux:
//   kDma        owned by the DMA API; has its own IovaAllocator over the aperture.
//   kUnmanaged  a driver owns the IOVA layout and calls Map/Unmap itself (the GPU case).
//   kIdentity   bypass: IOVA == physical address; no page table, Map/Unmap refused.
//   kBlocked    every device access faults; no page table, Map/Unmap refused.
// Domains are created by Iommu::AllocDomain and owned by the caller; destroying one detaches
// every group still attached (they are left with no domain: their accesses fault), completes
// its queued invalidations, and frees its page table.
//
// Map emits kIommuMap (failed=true when refused) and Unmap emits kIommuUnmap (failed=true when
// nothing, or not all of the range, was mapped), each with `where` as its call site: the
// caller's, or the driver call a DMA layer passes down (dma_map_*, DomainMapper::Map, ...);
// a strict unmap's kIotlbInvalidate carries it too. After a successful Unmap the IOTLB is
// invalidated according to the Iommu's flush policy: at once (strict) or queued (lazy); the
// optional `release` callback runs once no IOTLB entry can translate the range any more (this
// is when a DMA domain may reuse the IOVA). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "dmakit/core/addr.h"
#include "dmakit/core/result.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/core/symbol.h"
#include "dmakit/iommu/io_page_table.h"
#include "dmakit/iommu/iova_allocator.h"

namespace dmakit {

class Iommu;
struct FaultRecord;

enum class DomainType : uint8_t { kDma, kUnmanaged, kIdentity, kBlocked };
// "dma", "unmanaged", "identity", "blocked" (the text of kIommuAttach events).
std::string_view ToString(DomainType type);

using FaultHandler = std::function<void(const FaultRecord&)>;

class IommuDomain {
 public:
  ~IommuDomain();
  IommuDomain(const IommuDomain&) = delete;
  IommuDomain& operator=(const IommuDomain&) = delete;

  uint64_t id() const { return id_; }  // never 0 (0 means "all domains" in events)
  DomainType type() const { return type_; }
  Iommu& iommu() const { return *iommu_; }
  // The page table (kDma, kUnmanaged); nullptr for kIdentity and kBlocked.
  IoPageTable* page_table() const { return page_table_.get(); }
  // The IOVA allocator (kDma only); nullptr otherwise.
  IovaAllocator* iova_allocator() const { return iova_.get(); }

  // Maps [iova, iova + size) -> phys. `owner` names who asked (for the event; may be empty).
  // Errors: kFailedPrecondition (identity or blocked domain), and every error of
  // IoPageTable::Map (kInvalidArgument, kOutOfRange, kAlreadyExists, kExhausted).
  Status Map(DmaAddr iova, PhysAddr phys, uint64_t size, IoProt prot, Symbol owner = {},
             SourceLoc where = Here());
  // Unmaps and invalidates per the flush policy. Errors: kFailedPrecondition (identity or
  // blocked domain), and every error of IoPageTable::Unmap (kInvalidArgument, kOutOfRange,
  // kNotFound, kExhausted); `release` does not run on error.
  Status Unmap(DmaAddr iova, uint64_t size, std::function<void()> release = {},
               SourceLoc where = Here());

  // Called for every fault of a device attached to this domain, after it is recorded.
  void SetFaultHandler(FaultHandler handler) { fault_handler_ = std::move(handler); }
  const FaultHandler& fault_handler() const { return fault_handler_; }

 private:
  friend class Iommu;
  IommuDomain(Iommu& iommu, uint64_t id, DomainType type);

  Iommu* iommu_;
  uint64_t id_;
  DomainType type_;
  std::unique_ptr<IoPageTable> page_table_;
  std::unique_ptr<IovaAllocator> iova_;
  FaultHandler fault_handler_;
};

}  // namespace dmakit
