// Steps that drive the ownership-aware IOMMU API (DomainMapper) and the IOMMU itself.
#include <fmt/format.h>

#include "steps.h"

namespace dmakit::scenario::steps {
namespace {

Status Check(StepContext& ctx, const Step& step, Status st) {
  if (st.ok()) return st;
  return ctx.StepError(step, st.error().code(), st.error().message());
}

Result<MappingState*> DomainMapping(StepContext& ctx, const Step& step) {
  MappingState* m = DMAKIT_TRY(ctx.Mapping(step));
  if (m->mapper == nullptr) {
    return ctx.StepError(step, ErrorCode::kInvalidArgument,
                         fmt::format("mapping '{}' is not a domain mapping", step.Text("mapping")));
  }
  return m;
}

IoProt Prot(const std::string& text) {
  if (text == "r") return IoProt::kRead;
  if (text == "w") return IoProt::kWrite;
  return IoProt::kRead | IoProt::kWrite;
}

}  // namespace

Status DomainCreate(StepContext& ctx, const Step& step) {
  Iommu* iommu = DMAKIT_TRY(ctx.FindIommu(step));
  DomainState d;
  auto domain = iommu->AllocDomain(DomainType::kUnmanaged);
  if (!domain.ok()) return Check(ctx, step, domain.error());
  d.domain = std::move(domain).value();
  auto mapper = DomainMapper::Create(ctx.dma(), step.Text("device"), *d.domain);
  if (!mapper.ok()) return Check(ctx, step, mapper.error());
  d.mapper = std::move(mapper).value();
  auto dev = ctx.dma().ProbeUnmanaged(step.Text("device"));
  if (!dev.ok()) return Check(ctx, step, dev.error());
  d.device = *dev;
  ctx.domains[step.Text("as")] = std::move(d);
  return Ok();
}

Status DomainMapSg(StepContext& ctx, const Step& step) {
  DomainState* d = DMAKIT_TRY(ctx.Domain(step));
  BufferState* b = DMAKIT_TRY(ctx.Buffer(step));
  MappingState m;
  m.api = MapApi::kDomain;
  m.device = d->device;
  m.mapper = d->mapper.get();
  m.buffer = b->name;
  m.dir = Direction(step);
  m.sg = std::make_unique<SgTable>(SgTable::FromPages(b->pages));
  m.orig_nents = m.sg->orig_nents();
  m.size = m.sg->total_length();
  m.dma = DmaAddr(step.Number("iova"));
  DMAKIT_TRY(
      Check(ctx, step, d->mapper->MapSg(*m.sg, m.dma, m.dir, Prot(step.Text("prot")), step.where)));
  // Device accesses go to the IOVA (the table's DMA side), not through the sg walk.
  m.sg.reset();
  ctx.mappings[step.Text("as")] = std::move(m);
  return Ok();
}

Status DomainSync(StepContext& ctx, const Step& step) {
  MappingState* m = DMAKIT_TRY(DomainMapping(ctx, step));
  uint64_t offset = step.Number("offset");
  uint64_t size =
      step.Has("size") ? step.Number("size") : (offset < m->size ? m->size - offset : 0);
  DmaDirection dir = step.Has("dir") ? Direction(step) : m->dir;
  bool for_cpu = step.Text("for") == "cpu";
  return Check(ctx, step,
               for_cpu ? m->mapper->SyncForCpu(m->dma + offset, size, dir, step.where)
                       : m->mapper->SyncForDevice(m->dma + offset, size, dir, step.where));
}

Status DomainUnmap(StepContext& ctx, const Step& step) {
  MappingState* m = DMAKIT_TRY(DomainMapping(ctx, step));
  uint64_t size = step.Has("size") ? step.Number("size") : m->size;
  DmaDirection dir = step.Has("dir") ? Direction(step) : m->dir;
  DMAKIT_TRY(Check(ctx, step, m->mapper->Unmap(m->dma, size, dir, step.where)));
  m->live = false;
  return Ok();
}

Status PrepareCpuMapping(StepContext& ctx, const Step& step) {
  DomainState* d = DMAKIT_TRY(ctx.Domain(step));
  BufferState* b = DMAKIT_TRY(ctx.Buffer(step));
  return Check(ctx, step, d->mapper->PrepareCpuMapping(b->pages, Attr(step), step.where));
}

Status IommuFlush(StepContext& ctx, const Step& step) {
  Iommu* iommu = DMAKIT_TRY(ctx.FindIommu(step));
  iommu->FlushQueue();
  return Ok();
}

Status IommuTimerTick(StepContext& ctx, const Step& step) {
  Iommu* iommu = DMAKIT_TRY(ctx.FindIommu(step));
  iommu->TimerTick();
  return Ok();
}

}  // namespace dmakit::scenario::steps
