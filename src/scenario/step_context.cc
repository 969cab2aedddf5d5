#include "step_context.h"

#include <fmt/format.h>

#include <algorithm>

namespace dmakit::scenario {

StepContext::~StepContext() = default;

Result<std::unique_ptr<StepContext>> StepContext::Create(const Scenario& scenario,
                                                         const SocConfig& soc_config) {
  std::unique_ptr<StepContext> ctx(new StepContext(scenario));
  auto soc = Soc::Create(soc_config);
  if (!soc.ok()) return soc.error().WithContext("platform");
  ctx->soc_ = std::move(soc).value();
  for (const IommuConfig& config : scenario.iommus) {
    auto iommu = Iommu::Create(*ctx->soc_, config);
    if (!iommu.ok()) return iommu.error().WithContext(fmt::format("iommu '{}'", config.name));
    ctx->iommus_.push_back(std::move(iommu).value());
  }
  for (const DeviceNode& node : scenario.devices) {
    Status st = ctx->topology_.AddNode(node);
    if (!st.ok()) return st.error().WithContext(fmt::format("device '{}'", node.name));
  }
  auto dma = DmaSystem::Create(*ctx->soc_, ctx->topology_, scenario.dma);
  if (!dma.ok()) return dma.error().WithContext("platform bounce pool");
  ctx->dma_ = std::move(dma).value();
  for (auto& iommu : ctx->iommus_) DMAKIT_TRY(ctx->dma_->AddIommu(*iommu));
  return ctx;
}

Result<BufferState> StepContext::AllocateBuffer(const BufferSpec& spec) {
  BufferState b;
  b.name = spec.name;
  b.size = spec.size;
  PageAllocator& pages = soc_->pages();
  uint64_t npages = (spec.size + kPageSize - 1) / kPageSize;
  switch (spec.placement) {
    case Placement::kKmalloc: {
      uint64_t at = (slab_used_ + spec.align - 1) / spec.align * spec.align;
      if (slab_bytes_ == 0 || at + spec.size > slab_bytes_) {
        uint64_t slab_pages = std::max<uint64_t>(npages, 4);
        slab_ = DMAKIT_TRY(pages.AllocContiguous(slab_pages));
        slab_bytes_ = slab_pages * kPageSize;
        at = 0;
      }
      slab_used_ = at + spec.size;
      PhysAddr first = slab_ + at;
      b.start = first.OffsetIn(kPageSize);
      uint64_t span = (b.start + spec.size + kPageSize - 1) / kPageSize;
      for (uint64_t i = 0; i < span; ++i)
        b.pages.push_back(first.AlignDown(kPageSize) + i * kPageSize);
      b.cpu = soc_->LinearAddress(first);
      break;
    }
    case Placement::kContiguous: {
      PhysAddr first = DMAKIT_TRY(pages.AllocContiguous(npages));
      for (uint64_t i = 0; i < npages; ++i) b.pages.push_back(first + i * kPageSize);
      b.cpu = soc_->LinearAddress(first);
      break;
    }
    case Placement::kPages:
      b.pages = DMAKIT_TRY(pages.AllocScattered(npages));
      break;
  }
  return b;
}

Status StepContext::AllocateBuffers() {
  for (const BufferSpec& spec : scenario_.buffers) {
    auto b = AllocateBuffer(spec);
    if (!b.ok()) {
      return b.error().WithContext(
          fmt::format("{}: buffer '{}'", spec.where.ToString(), spec.name));
    }
    for (const CpuViewSpec& v : spec.views) {
      auto base = soc_->MapPages(b->pages, v.attr, v.where);
      if (!base.ok()) {
        return base.error().WithContext(fmt::format("{}: view '{}'", v.where.ToString(), v.name));
      }
      views[v.name] = ViewState{spec.name, *base, v.attr, true};
    }
    buffers[spec.name] = std::move(b).value();
  }
  return Ok();
}

Error StepContext::StepError(const Step& step, ErrorCode code, std::string_view message) const {
  return Error(code, fmt::format("{}: {}", step.where.ToString(), message));
}

namespace {
template <typename Map>
auto Lookup(Map& map, const Step& step, std::string_view key, std::string_view what,
            const StepContext& ctx) -> Result<typename Map::mapped_type*> {
  const std::string& name = step.Text(key);
  auto it = map.find(name);
  if (it == map.end()) {
    return ctx.StepError(step, ErrorCode::kNotFound, fmt::format("no {} named '{}'", what, name));
  }
  return &it->second;
}
}  // namespace

Result<BufferState*> StepContext::Buffer(const Step& step, std::string_view key) {
  return Lookup(buffers, step, key, "buffer", *this);
}
Result<MappingState*> StepContext::Mapping(const Step& step, std::string_view key) {
  return Lookup(mappings, step, key, "mapping", *this);
}
Result<DomainState*> StepContext::Domain(const Step& step, std::string_view key) {
  return Lookup(domains, step, key, "domain", *this);
}

Status StepContext::CreateGpu() {
  if (!scenario_.gpu) return Ok();
  const GpuSpec& spec = *scenario_.gpu;
  Iommu* iommu = dma_->FindIommu(spec.iommu);
  if (iommu == nullptr) {
    return Error(ErrorCode::kNotFound, fmt::format("{}: gpu '{}': no iommu named '{}'",
                                                   spec.where.ToString(), spec.device, spec.iommu));
  }
  auto gpu = Gpu::Create(*dma_, *iommu, spec.device, spec.options);
  if (!gpu.ok()) {
    return gpu.error().WithContext(fmt::format("{}: gpu '{}'", spec.where.ToString(), spec.device));
  }
  gpu_ = std::move(gpu).value();
  return Ok();
}

Result<Gpu*> StepContext::GpuOf(const Step& step) {
  if (gpu_ == nullptr) {
    return StepError(step, ErrorCode::kFailedPrecondition,
                     "the platform has no GPU (add a `gpu` section under platform)");
  }
  return gpu_.get();
}

Result<std::pair<BoState*, GemObject*>> StepContext::Bo(const Step& step, std::string_view key) {
  Gpu* gpu = DMAKIT_TRY(GpuOf(step));
  BoState* state = DMAKIT_TRY(Lookup(bos, step, key, "buffer object", *this));
  GemObject* bo = gpu->Find(state->handle);
  if (bo == nullptr) {
    return StepError(step, ErrorCode::kNotFound,
                     fmt::format("buffer object '{}' was freed", step.Text(key)));
  }
  return std::make_pair(state, bo);
}

Result<FenceState> StepContext::Fence(const Step& step, std::string_view key) {
  FenceState* fence = DMAKIT_TRY(Lookup(fences, step, key, "fence", *this));
  return *fence;
}

Result<uint32_t> StepContext::GpuContext(const Step& step) {
  if (!step.Has("context")) return 0;
  uint32_t* id = DMAKIT_TRY(Lookup(gpu_contexts, step, "context", "gpu context", *this));
  return *id;
}

Result<DmaDevice*> StepContext::Device(const Step& step, std::string_view key) {
  auto dev = dma_->Probe(step.Text(key));
  if (!dev.ok()) return StepError(step, dev.error().code(), dev.error().message());
  return *dev;
}

Result<Iommu*> StepContext::FindIommu(const Step& step, std::string_view key) {
  Iommu* iommu = dma_->FindIommu(step.Text(key));
  if (iommu == nullptr) {
    return StepError(step, ErrorCode::kNotFound,
                     fmt::format("no iommu named '{}'", step.Text(key)));
  }
  return iommu;
}

Result<std::pair<uint64_t, uint64_t>> StepContext::Extent(const Step& step, uint64_t total,
                                                          std::string_view what) const {
  uint64_t offset = step.Has("offset") ? step.Number("offset") : 0;
  if (offset > total) {
    return StepError(step, ErrorCode::kOutOfRange,
                     fmt::format("offset {} is beyond the {} bytes of {}", offset, total, what));
  }
  uint64_t size = total - offset;
  if (step.Has("size")) size = step.Number("size");
  if (size > total - offset) {
    return StepError(
        step, ErrorCode::kOutOfRange,
        fmt::format("offset {} + size {} runs past the {} bytes of {}", offset, size, total, what));
  }
  return std::make_pair(offset, size);
}

Status StepContext::CpuAccess(const Step& step, const BufferState& buffer, uint64_t offset,
                              std::span<uint8_t> read_into, std::span<const uint8_t> write_from) {
  bool read = !read_into.empty();
  uint64_t size = read ? read_into.size() : write_from.size();
  auto access = [&](CpuAddr at, uint64_t done, uint64_t len) -> Status {
    if (read) return soc_->CpuRead(at, read_into.subspan(done, len), step.where);
    return soc_->CpuWrite(at, write_from.subspan(done, len), step.where);
  };
  if (step.Has("via")) {
    auto it = views.find(step.Text("via"));
    if (it == views.end() || it->second.buffer != buffer.name) {
      return StepError(
          step, ErrorCode::kNotFound,
          fmt::format("buffer '{}' has no CPU view named '{}'", buffer.name, step.Text("via")));
    }
    if (!it->second.live) {
      return StepError(step, ErrorCode::kNotFound,
                       fmt::format("CPU view '{}' was unmapped", step.Text("via")));
    }
    return access(it->second.base + buffer.start + offset, 0, size);
  }
  if (buffer.cpu) return access(*buffer.cpu + offset, 0, size);
  // Scattered pages: through the linear map, one physically contiguous piece at a time.
  uint64_t done = 0;
  while (done < size) {
    PhysAddr phys = buffer.PhysAt(offset + done);
    uint64_t len = std::min<uint64_t>(size - done, kPageSize - phys.OffsetIn(kPageSize));
    DMAKIT_TRY(access(soc_->LinearAddress(phys), done, len));
    done += len;
  }
  return Ok();
}

}  // namespace dmakit::scenario
