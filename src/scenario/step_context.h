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

 public:
  // Builds the system (nothing is announced yet). Errors: the platform's, naming the part.
  static Result<std::unique_ptr<StepContext>> Create(const Scenario& scenario,
                                                     const SocConfig& soc_config);
  ~StepContext();

  Soc& soc() { return *soc_; }
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
