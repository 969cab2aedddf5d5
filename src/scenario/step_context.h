// StepContext: the simulated system a scenario runs on, and the names its steps refer to
// (buffers, CPU views, DMA mappings, domains, reads). Built by the runner from the platform;
// the step functions of the step table act on it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dmakit/core/result.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/dma/domain_mapper.h"
#include "dmakit/dma/sg_table.h"
#include "dmakit/gpu/gpu_device.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/scenario/scenario.h"
#include "dmakit/sim/soc.h"

namespace dmakit::scenario {

// A buffer's memory: `size` bytes starting `start` bytes into the first of `pages`.
struct BufferState {
  std::string name;
  std::vector<PhysAddr> pages;
  uint64_t start = 0;
  uint64_t size = 0;
  // The CPU address of byte 0 when the buffer has one contiguous default view (kmalloc,
  // contiguous, allocations); absent for scattered pages (accessed page by page through the
  // linear map).
  std::optional<CpuAddr> cpu;
  PhysAddr PhysAt(uint64_t offset) const {
    uint64_t at = start + offset;
    return pages[at / kPageSize] + at % kPageSize;
  }
};

struct ViewState {
  std::string buffer;
  CpuAddr base;  // CPU address of the first page
  MemAttr attr = MemAttr::kCached;
  bool live = true;
};

struct MappingState {
  MapApi api = MapApi::kNone;
  DmaDevice* device = nullptr;
  DomainMapper* mapper = nullptr;  // kDomain
  std::string buffer;
  DmaAddr dma;
  uint64_t size = 0;
  DmaDirection dir = DmaDirection::kNone;
  DmaAttrs attrs;
  CpuAddr cpu;    // allocations
  PhysAddr phys;  // alloc_pages
  std::unique_ptr<SgTable> sg;
  uint32_t orig_nents = 0;
  bool live = true;
};

// A GPU buffer object by its scenario name, and the commands the CPU has encoded into it as a
// command buffer (gpu_emit) that no gpu_submit has handed to the GPU yet.
struct BoState {
  uint32_t handle = 0;
  uint32_t emitted = 0;    // bytes of commands written into the buffer
  uint32_t submitted = 0;  // bytes already submitted: [submitted, emitted) is pending
  struct Use {
    std::string bo;
    DmaAddr pinned_at;  // the bo's pinned IOVA when its address was encoded
  };
  std::vector<Use> uses;  // buffers the pending commands address
};

// A submission's fence: the context whose ring signals it, and its sequence number there.
struct FenceState {
  uint32_t context = 0;
  uint32_t seqno = 0;
};

struct DomainState {
  std::unique_ptr<IommuDomain> domain;
  std::unique_ptr<DomainMapper> mapper;
  DmaDevice* device = nullptr;
};

class StepContext {
 private:
  // The system first, so it is destroyed last (mappers and domains before the IOMMUs, the
  // IOMMUs and the DMA system before the SoC).
  std::unique_ptr<Soc> soc_;
  Topology topology_;
  std::vector<std::unique_ptr<Iommu>> iommus_;
  std::unique_ptr<DmaSystem> dma_;
  std::unique_ptr<Gpu> gpu_;  // before the DMA system goes: its buffers are unmapped first

 public:
  // Builds the system (nothing is announced yet). Errors: the platform's, naming the part.
  static Result<std::unique_ptr<StepContext>> Create(const Scenario& scenario,
                                                     const SocConfig& soc_config);
  ~StepContext();

  Soc& soc() { return *soc_; }
  // The platform's GPU; nullptr when the platform has none (or before CreateGpu).
  Gpu* gpu() { return gpu_.get(); }
  // Builds the GPU from platform.gpu on this system (after the platform is announced, so the
  // checker sees its rings and fences). Errors: Gpu::Create's, naming the GPU.
  Status CreateGpu();
  // Unloads the driver (frees every buffer object, then the contexts); a no-op without a GPU.
  void DestroyGpu() { gpu_.reset(); }
  DmaSystem& dma() { return *dma_; }
  const Scenario& scenario() const { return scenario_; }
  std::span<const std::unique_ptr<Iommu>> iommus() const { return iommus_; }

  // Allocates the scenario's buffers and their CPU views (after the platform is announced, so
  // the checker sees their page allocations). Errors: exhausted memory, naming the buffer.
  Status AllocateBuffers();
  // Registers memory that an alloc_* step returned as a buffer.
  void AddBuffer(BufferState buffer) { buffers[buffer.name] = std::move(buffer); }

  // Lookups by name; errors (kNotFound) name the step's location and what is missing.
  Result<BufferState*> Buffer(const Step& step, std::string_view key = "buffer");
  Result<DmaDevice*> Device(const Step& step, std::string_view key = "device");
  Result<Iommu*> FindIommu(const Step& step, std::string_view key = "iommu");
  Result<MappingState*> Mapping(const Step& step, std::string_view key = "mapping");
  Result<DomainState*> Domain(const Step& step, std::string_view key = "domain");
  // The GPU (kFailedPrecondition: the platform has none), a live buffer object (kNotFound:
  // freed), a fence's seqno.
  Result<Gpu*> GpuOf(const Step& step);
  Result<std::pair<BoState*, GemObject*>> Bo(const Step& step, std::string_view key = "bo");
  Result<FenceState> Fence(const Step& step, std::string_view key = "fence");
  // The GPU context the step's `context` names, or 0 (the driver's first) without one.
  Result<uint32_t> GpuContext(const Step& step);

  // CPU access to [offset, offset + size) of a buffer through the step's `via` view (default:
  // the buffer's own view, or the linear map page by page). Exactly one of the spans is used.
  Status CpuAccess(const Step& step, const BufferState& buffer, uint64_t offset,
                   std::span<uint8_t> read_into, std::span<const uint8_t> write_from);

  // The (offset, size) of a step over an object of `total` bytes (size default: the rest).
  // Errors: kOutOfRange naming the step.
  Result<std::pair<uint64_t, uint64_t>> Extent(const Step& step, uint64_t total,
                                               std::string_view what) const;

  // "<file:line:col>: <kind>: <message>".
  Error StepError(const Step& step, ErrorCode code, std::string_view message) const;

  std::map<std::string, BufferState, std::less<>> buffers;
  std::map<std::string, ViewState, std::less<>> views;
  std::map<std::string, DomainState, std::less<>> domains;
  std::map<std::string, MappingState, std::less<>> mappings;
  std::map<std::string, std::vector<uint8_t>, std::less<>> reads;
  std::map<std::string, BoState, std::less<>> bos;
  std::map<std::string, FenceState, std::less<>> fences;
  std::map<std::string, uint32_t, std::less<>> gpu_contexts;  // name -> Gpu context id
  size_t gpu_faults_reported = 0;     // Gpu::faults() already turned into notes
  size_t gpu_cp_errors_reported = 0;  // CommandProcessor::errors() likewise

 private:
  explicit StepContext(const Scenario& scenario) : scenario_(scenario) {}
  Result<BufferState> AllocateBuffer(const BufferSpec& spec);

  const Scenario& scenario_;
  // kmalloc slab: the current contiguous run and how much of it is used.
  PhysAddr slab_;
  uint64_t slab_bytes_ = 0;
  uint64_t slab_used_ = 0;
};

}  // namespace dmakit::scenario
