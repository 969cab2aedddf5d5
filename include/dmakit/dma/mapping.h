// The modern face of the DMA API: RAII handles over the same DmaDevice calls, so correct code
// is the easy code.
//
//   DMAKIT_TRY-able:  auto m = DmaMapping::Single(dev, buf, 4096, DmaDirection::kFromDevice);
//                     ... device writes ...
//                     { auto cpu = m->CpuAccess(); read the buffer; }  // sync for CPU, back
//   destruction unmaps; m->Unmap() does it explicitly and reports errors.
#pragma once

#include <functional>
#include <optional>

#include "dmakit/dma/dma_device.h"

namespace dmakit {

class CpuAccessGuard;

// A live streaming mapping of one contiguous buffer (single or page).
class DmaMapping {
 public:
  // Maps; a mapping error becomes the Error of DmaDevice::last_error() (the mapping error is
  // checked, so the checker's "not checked" rule is satisfied by construction).
  static Result<DmaMapping> Single(DmaDevice& dev, CpuAddr cpu, uint64_t size, DmaDirection dir,
                                   DmaAttrs attrs = {}, SourceLoc where = Here());
  static Result<DmaMapping> Page(DmaDevice& dev, PhysAddr page, uint64_t offset, uint64_t size,
                                 DmaDirection dir, DmaAttrs attrs = {}, SourceLoc where = Here());

  DmaMapping(DmaMapping&& other) noexcept;
  DmaMapping& operator=(DmaMapping&& other) noexcept;
  DmaMapping(const DmaMapping&) = delete;
  DmaMapping& operator=(const DmaMapping&) = delete;
  ~DmaMapping();  // unmaps when still live (errors are reported as events only)

  bool live() const { return dev_ != nullptr; }
  DmaAddr dma() const { return dma_; }
  uint64_t size() const { return size_; }
  DmaDirection dir() const { return dir_; }

  // Sync the whole mapping or [offset, offset + size) of it. Errors: those of DmaDevice, and
  // kFailedPrecondition after Unmap.
  Status SyncForCpu(SourceLoc where = Here());
  Status SyncForDevice(SourceLoc where = Here());
  Status SyncForCpu(uint64_t offset, uint64_t size, SourceLoc where = Here());
  Status SyncForDevice(uint64_t offset, uint64_t size, SourceLoc where = Here());

  // The CPU borrows the buffer: sync for the CPU now, back to the device when the guard dies.
  Result<CpuAccessGuard> CpuAccess(SourceLoc where = Here());

  Status Unmap(SourceLoc where = Here());

 private:
  enum class Kind : uint8_t { kSingle, kPage };
  DmaMapping(DmaDevice& dev, Kind kind, DmaAddr dma, uint64_t size, DmaDirection dir,
             DmaAttrs attrs);
  DmaDevice* dev_ = nullptr;
  Kind kind_ = Kind::kSingle;
  DmaAddr dma_;
  uint64_t size_ = 0;
  DmaDirection dir_ = DmaDirection::kNone;
  DmaAttrs attrs_;
};

// A live mapping of an sg table; the table must outlive it.
class SgMapping {
 public:
  static Result<SgMapping> Map(DmaDevice& dev, SgTable& sg, DmaDirection dir, DmaAttrs attrs = {},
                               SourceLoc where = Here());
  SgMapping(SgMapping&& other) noexcept;
  SgMapping& operator=(SgMapping&& other) noexcept;
  SgMapping(const SgMapping&) = delete;
  SgMapping& operator=(const SgMapping&) = delete;
  ~SgMapping();

  bool live() const { return dev_ != nullptr; }
  const SgTable& table() const { return *sg_; }
  Status SyncForCpu(SourceLoc where = Here());
  Status SyncForDevice(SourceLoc where = Here());
  Result<CpuAccessGuard> CpuAccess(SourceLoc where = Here());
  Status Unmap(SourceLoc where = Here());

 private:
  SgMapping(DmaDevice& dev, SgTable& sg, DmaDirection dir, DmaAttrs attrs);
  DmaDevice* dev_ = nullptr;
  SgTable* sg_ = nullptr;
  DmaDirection dir_ = DmaDirection::kNone;
  DmaAttrs attrs_;
};

// Returned by CpuAccess(): the CPU owns the memory while it lives; its destructor syncs the
// memory back to the device (Release() does it explicitly and reports errors).
class CpuAccessGuard {
 public:
  CpuAccessGuard(CpuAccessGuard&& other) noexcept;
  CpuAccessGuard& operator=(CpuAccessGuard&&) = delete;
  CpuAccessGuard(const CpuAccessGuard&) = delete;
  ~CpuAccessGuard();
  Status Release(SourceLoc where = Here());

 private:
  friend class DmaMapping;
  friend class SgMapping;
  explicit CpuAccessGuard(std::function<Status(SourceLoc)> give_back);
  std::function<Status(SourceLoc)> give_back_;
};

}  // namespace dmakit
