// Gpu (alias MsmDriver): the msm-like GPU driver on dmakit's ownership-aware IOMMU API, set up
// in one call from the DMA system, the GPU's IOMMU and the GPU's device name.
//
// The device name is the node the driver binds to ("gpu"); the node that carries the IOMMU
// attachment (the GPU's own, or a sub-device such as "gpu-cx" on the other hardware
// generation) is found through Topology::DmaNodeFor by the DMA layer, so the driver is the
// same on both.
//
// Contexts: each has its own GPU address space (an unmanaged domain, a kernel and a user
// region with their own IOVA allocators), its own ring buffer (write-combined, kernel region)
// and fence memory (uncached, kernel region). Context 0 exists from Create.
//
// Submission: Submit pins every buffer it names (into the context's user region; a buffer
// pinned in another context or held by the CPU is refused), writes INDIRECT(command buffer)
// and FENCE(seqno, irq) into the ring through its CPU view, and returns the seqno. The GPU
// runs when time passes: Run(), Wait(), or a CpuPrep that must wait. The fence interrupt
// retires work: the driver reads the fence memory and frees the buffers whose free was
// deferred because the GPU could still use them.
//
// Faults: a GPU page fault (bad IOVA, write to a read-only buffer) becomes a GpuFaultReport
// naming the buffer object whose pinned range holds the faulting IOVA, as msm's fault handler
// does, or saying that no buffer is there.
//
// The seed's wrong turns are kept as named options and calls so that scenarios can replay
// them: GpuOptions::clean (how WC/uncached buffers are cleaned before mmap: the sanctioned
// PrepareCpuMapping, no clean, dma_sync_sg_for_device on pages never mapped, dma_map_sg on the
// device whose domain the driver manages), HackSyncSgForDevice / HackMapSg to call those DMA
// API abuses on a chosen device, and ReadWithoutCpuPrep (the CPU reads a buffer the GPU wrote
// without taking ownership back).
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dmakit/core/result.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/gpu/address_space.h"
#include "dmakit/gpu/command_processor.h"
#include "dmakit/gpu/gem_object.h"
#include "dmakit/iommu/iommu.h"

namespace dmakit {

struct GpuOptions {
  AddressSpaceLayout layout;        // of every context's address space
  uint32_t ring_bytes = 16 * 1024;  // ring buffer size, a multiple of the page size
  // How user buffers mapped write-combined / uncached are cleaned before their CPU mapping.
  CleanMethod clean = CleanMethod::kPrepareCpuMapping;
  // The device the DMA-API hacks call (the seed passed the drm device). Empty: the GPU's own
  // DmaDevice (the node carrying the IOMMU, probed for a driver-managed domain).
  std::string hack_device;
};

struct GpuFaultReport {
  uint32_t context = 0;
  DmaAddr iova;
  Access access = Access::kRead;
  FaultType type = FaultType::kTranslation;
  uint32_t bo_handle = 0;  // 0: no buffer object holds the IOVA
  std::string bo_name;
  uint64_t bo_offset = 0;
  // "gpu page fault: context 0 read at iova 0x100001000 (translation fault) in bo 'src'
  // [handle 3] +0x1000" or "... : no buffer object is mapped there"
  std::string message;
};

struct Submission {
  uint32_t context = 0;
  std::vector<uint32_t> bos;  // every buffer the commands use (the command buffer may be left
                              // out: it is always added)
  uint32_t cmd_bo = 0;        // the command buffer
  uint32_t cmd_offset = 0;    // bytes into it, a multiple of 4
  uint32_t cmd_bytes = 0;     // a non-zero multiple of 4
};

class Gpu {
 public:
  // Probes the device for a driver-managed domain and creates context 0. Errors: kNotFound
  // (unknown device), kFailedPrecondition (no IOMMU, or the device's IOMMU is not `iommu`),
  // kInvalidArgument (ring size), and the errors of AddressSpace::Create and of the ring and
  // fence objects.
  static Result<std::unique_ptr<Gpu>> Create(DmaSystem& system, Iommu& iommu,
                                             std::string_view device, GpuOptions options = {});
  // Frees every buffer (deferred ones too), then the contexts.
  ~Gpu();
  Gpu(const Gpu&) = delete;
  Gpu& operator=(const Gpu&) = delete;

  // A new context with its own address space; returns its id.
  Result<uint32_t> CreateContext();
  size_t context_count() const { return contexts_.size(); }
  AddressSpace& address_space(uint32_t context) { return *contexts_.at(context)->as; }

  // --- Buffer objects (handles from 1) ---
  // Errors: GemObject::Create's.
  Result<uint32_t> CreateBo(GemCreateInfo info);
  // nullptr for an unknown (or freed) handle.
  GemObject* Find(uint32_t handle);
  // Pins into the context's user region if needed and returns what the GPU is programmed with.
  // Errors: kNotFound (handle, context), Pin's.
  Result<DmaAddr> GetIova(uint32_t handle, uint32_t context = 0);
  // Errors: kNotFound, kFailedPrecondition (not pinned; the GPU may still use it).
  Status Unpin(uint32_t handle);
  // Errors: kNotFound, GemObject::Mmap's.
  Result<CpuAddr> Mmap(uint32_t handle);
  // Waits for the buffer's last submission, then gives [offset, offset + size) to the CPU.
  // Errors: kNotFound, Wait's, GemObject::CpuPrep's.
  Status CpuPrep(uint32_t handle, CpuPrepFlags flags, uint64_t offset = 0, uint64_t size = 0);
  Status CpuFini(uint32_t handle);
  // The proper CPU accesses: mmap, CpuPrep, access, barrier, CpuFini. Errors: of those.
  Status WriteBo(uint32_t handle, uint64_t offset, std::span<const uint8_t> data);
  Status ReadBo(uint32_t handle, uint64_t offset, std::span<uint8_t> out);
  // Frees now, or once the buffer's last fence signals. Errors: kNotFound, Release's.
  Status FreeBo(uint32_t handle);
  size_t deferred_frees() const { return deferred_.size(); }
  size_t bo_count() const { return bos_.size(); }

  // --- Submission and completion ---
  // Errors: kNotFound (context, or a handle: "unknown buffer object"), kInvalidArgument
  // (command range empty or unaligned), kOutOfRange (command range outside the buffer),
  // kFailedPrecondition (a buffer pinned in another context or held by the CPU), Pin's, and
  // the errors of running the GPU when the ring is full.
  Result<uint32_t> Submit(const Submission& submission);
  // Executes every ring up to its write pointer. Errors: CommandProcessor::RunRing's.
  Status Run();
  // Returns once the context's fence memory holds `seqno` or more, running the GPU if needed.
  // Errors: kNotFound (context), kInvalidArgument (never submitted), kFailedPrecondition (the
  // GPU went idle without writing the fence).
  Status Wait(uint32_t context, uint32_t seqno);
  // The value in the context's fence memory (read by the CPU, with the ownership moves).
  Result<uint32_t> ReadFence(uint32_t context);
  DmaAddr fence_address(uint32_t context) const;
  uint32_t last_submitted(uint32_t context) const { return contexts_.at(context)->next - 1; }

  // --- The seed's wrong turns, for scenarios ---
  // dma_sync_sg_for_device(dev, bo's sg table) on pages never DMA-mapped / dma_map_sg(dev, bo's
  // sg table) on a device whose domain the driver manages. `device` null: the configured hack
  // device. Return what the DMA API returned (the map: nents, or the error).
  Status HackSyncSgForDevice(uint32_t handle, DmaDevice* device = nullptr);
  Result<uint32_t> HackMapSg(uint32_t handle, DmaDevice* device = nullptr);
  // Reads through the CPU view with no CpuPrep (a stale read on a cached buffer the GPU wrote).
  Status ReadWithoutCpuPrep(uint32_t handle, uint64_t offset, std::span<uint8_t> out);

  const std::vector<GpuFaultReport>& faults() const { return faults_; }
  CommandProcessor& cp() { return *cp_; }
  DmaDevice& dma_device() { return *dma_device_; }
  DmaDevice& hack_device() { return *hack_device_; }
  Symbol device() const { return device_; }

 private:
  struct Context {
    std::unique_ptr<AddressSpace> as;
    std::unique_ptr<GemObject> ring;
    std::unique_ptr<GemObject> fence;
    uint32_t rptr = 0;
    uint32_t wptr = 0;
    uint32_t next = 1;       // next seqno
    uint32_t completed = 0;  // last fence value the driver read
  };
  Gpu(DmaSystem& system, Iommu& iommu, GpuOptions options);
  Result<GemObject*> Lookup(uint32_t handle);
  Result<Context*> ContextAt(uint32_t context);
  CleanContext CleanFor(GemObject& bo);
  Status ValidateSubmit(const Submission& s, Context& ctx, std::vector<GemObject*>& bos);
  Status WriteRing(Context& ctx, const CommandBuilder& cmds);
  Status Attach(Context& ctx);
  void OnIrq();
  void Retire(uint32_t context);
  void OnFault(uint32_t context, const FaultRecord& record);

  DmaSystem& system_;
  Iommu& iommu_;
  GpuOptions options_;
  std::string device_name_;
  Symbol device_;
  DmaDevice* dma_device_ = nullptr;
  DmaDevice* hack_device_ = nullptr;
  std::unique_ptr<CommandProcessor> cp_;
  std::vector<std::unique_ptr<Context>> contexts_;
  Context* attached_ = nullptr;
  uint32_t running_ = 0;  // the context whose ring the CP executes
  std::map<uint32_t, std::unique_ptr<GemObject>> bos_;
  std::vector<std::unique_ptr<GemObject>> deferred_;
  uint32_t next_handle_ = 1;
  std::vector<GpuFaultReport> faults_;
};

using MsmDriver = Gpu;

}  // namespace dmakit
