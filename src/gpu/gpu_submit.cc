// Gpu: submission, the GPU's execution, fences, retirement and fault reports.
#include <algorithm>

#include <fmt/format.h>

#include "dmakit/gpu/gpu_device.h"

namespace dmakit {
namespace {

constexpr uint32_t kWrapBytes = 4;

}  // namespace

Status Gpu::ValidateSubmit(const Submission& s, Context& ctx, std::vector<GemObject*>& bos) {
  if (s.cmd_bytes == 0 || s.cmd_bytes % 4 != 0 || s.cmd_offset % 4 != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("command range +{:#x} of {} bytes: empty or not word-aligned",
                             s.cmd_offset, s.cmd_bytes));
  }
  std::vector<uint32_t> handles = s.bos;
  handles.push_back(s.cmd_bo);
  std::sort(handles.begin(), handles.end());
  handles.erase(std::unique(handles.begin(), handles.end()), handles.end());
  for (uint32_t h : handles) bos.push_back(DMAKIT_TRY(Lookup(h)));
  GemObject* cmd = DMAKIT_TRY(Lookup(s.cmd_bo));
  if (uint64_t{s.cmd_offset} + s.cmd_bytes > cmd->size()) {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("command range +{:#x} of {} bytes lies outside buffer object {}",
                             s.cmd_offset, s.cmd_bytes, cmd->name()));
  }
  for (GemObject* bo : bos) {
    if (bo->pinned() && bo->address_space() != ctx.as.get()) {
      return Error(ErrorCode::kFailedPrecondition,
                   fmt::format("buffer object {} is pinned in address space {}, not {}", bo->name(),
                               bo->address_space()->name(), ctx.as->name()));
    }
    if (bo->cpu_held()) {
      return Error(ErrorCode::kFailedPrecondition,
                   fmt::format("buffer object {} is held by the CPU (cpu_prep without cpu_fini)",
                               bo->name()));
    }
  }
  for (GemObject* bo : bos) {
    if (!bo->pinned()) DMAKIT_TRY(bo->Pin(*ctx.as, VaRegion::kUser));
  }
  return Ok();
}

Status Gpu::WriteRing(Context& ctx, const CommandBuilder& cmds) {
  const uint32_t size = options_.ring_bytes;
  // One slot stays empty so that rptr == wptr means "empty".
  auto free_bytes = [&] { return (ctx.rptr + size - ctx.wptr - 4) % size; };
  auto needed = [&] {
    const bool wrap = ctx.wptr + cmds.size_bytes() > size - kWrapBytes;
    return (wrap ? size - ctx.wptr : 0) + cmds.size_bytes();
  };
  if (free_bytes() < needed()) DMAKIT_TRY(Run());  // wait for ring space
  if (free_bytes() < needed()) {
    return Error(ErrorCode::kExhausted,
                 fmt::format("{} bytes of commands do not fit in a ring of {} bytes",
                             cmds.size_bytes(), size));
  }
  GemObject& ring = *ctx.ring;
  auto put = [&](const std::vector<uint8_t>& bytes) -> Status {
    DMAKIT_TRY(ring.CpuPrep(CpuPrepFlags::kWrite, ctx.wptr, bytes.size()));
    Status st = ring.Write(ctx.wptr, bytes);
    system_.soc().WriteBarrier();  // the GPU must see the commands once the pointer moves
    DMAKIT_TRY(ring.CpuFini());
    DMAKIT_TRY(st);
    ctx.wptr = (ctx.wptr + static_cast<uint32_t>(bytes.size())) % size;
    return Ok();
  };
  if (ctx.wptr + cmds.size_bytes() > size - kWrapBytes) {
    CommandBuilder wrap;
    wrap.Wrap();
    DMAKIT_TRY(put(wrap.Bytes()));
    ctx.wptr = 0;
  }
  return put(cmds.Bytes());
}

Result<uint32_t> Gpu::Submit(const Submission& s) {
  Context* ctx = DMAKIT_TRY(ContextAt(s.context));
  std::vector<GemObject*> bos;
  DMAKIT_TRY(ValidateSubmit(s, *ctx, bos));
  GemObject* cmd = DMAKIT_TRY(Lookup(s.cmd_bo));
  const uint32_t seqno = ctx->next;
  CommandBuilder ring;
  ring.Indirect(cmd->gpu_address() + s.cmd_offset, s.cmd_bytes);
  ring.Fence(fence_address(s.context), seqno, kFenceIrq);
  DMAKIT_TRY(WriteRing(*ctx, ring));
  ++ctx->next;
  for (GemObject* bo : bos) bo->last_fence = GemObject::FenceRef{s.context, seqno};
  return seqno;
}

DmaAddr Gpu::fence_address(uint32_t context) const {
  return contexts_.at(context)->fence->gpu_address();
}

Status Gpu::Attach(Context& ctx) {
  if (attached_ == &ctx) return Ok();
  IommuGroup* group = iommu_.GroupOf(device_);
  if (group == nullptr) return Error(ErrorCode::kInternal, "the GPU is not registered");
  DMAKIT_TRY(iommu_.AttachGroup(*group, ctx.as->domain()));
  attached_ = &ctx;
  return Ok();
}

Status Gpu::Run() {
  for (uint32_t id = 0; id < contexts_.size(); ++id) {
    Context& ctx = *contexts_[id];
    if (ctx.rptr == ctx.wptr) continue;
    DMAKIT_TRY(Attach(ctx));  // the context switch: the GPU now translates through ctx's space
    running_ = id;
    ctx.rptr =
        DMAKIT_TRY(cp_->RunRing(ctx.ring->gpu_address(), options_.ring_bytes, ctx.rptr, ctx.wptr));
    Retire(id);
  }
  return Ok();
}

Result<uint32_t> Gpu::ReadFence(uint32_t context) {
  Context* ctx = DMAKIT_TRY(ContextAt(context));
  GemObject& fence = *ctx->fence;
  uint8_t word[4];
  DMAKIT_TRY(fence.CpuPrep(CpuPrepFlags::kRead, 0, sizeof(word)));
  Status st = fence.Read(0, word);
  DMAKIT_TRY(fence.CpuFini());
  DMAKIT_TRY(st);
  return word[0] | (uint32_t{word[1]} << 8) | (uint32_t{word[2]} << 16) | (uint32_t{word[3]} << 24);
}

Status Gpu::Wait(uint32_t context, uint32_t seqno) {
  Context* ctx = DMAKIT_TRY(ContextAt(context));
  if (seqno == 0 || seqno >= ctx->next) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("context {}: fence {} was never submitted (last {})", context, seqno,
                             ctx->next - 1));
  }
  if (DMAKIT_TRY(ReadFence(context)) >= seqno) return Ok();
  DMAKIT_TRY(Run());
  const uint32_t value = DMAKIT_TRY(ReadFence(context));
  if (value >= seqno) return Ok();
  return Error(ErrorCode::kFailedPrecondition,
               fmt::format("context {}: the GPU is idle and fence {} never signaled (fence "
                           "memory holds {})",
                           context, seqno, value));
}

void Gpu::OnIrq() { Retire(running_); }

void Gpu::Retire(uint32_t context) {
  auto value = ReadFence(context);
  if (!value.ok()) return;
  contexts_[context]->completed = std::max(contexts_[context]->completed, *value);
  auto done = [&](const std::unique_ptr<GemObject>& bo) {
    const auto& f = bo->last_fence;
    return !f || contexts_[f->context]->completed >= f->seqno;
  };
  std::vector<std::unique_ptr<GemObject>> keep;
  for (auto& bo : deferred_) {
    if (done(bo)) {
      (void)bo->Release();
    } else {
      keep.push_back(std::move(bo));
    }
  }
  deferred_ = std::move(keep);
}

void Gpu::OnFault(uint32_t context, const FaultRecord& record) {
  GpuFaultReport r;
  r.context = context;
  r.iova = record.iova;
  r.access = record.access;
  r.type = record.type;
  auto [bo, range] = contexts_[context]->as->Lookup(record.iova);
  std::string where = "no buffer object is mapped there";
  if (bo != nullptr) {
    r.bo_handle = bo->handle();
    r.bo_name = bo->name();
    r.bo_offset = record.iova - range.base;
    where = fmt::format("in bo '{}' [handle {}] +{:#x}", bo->name(), bo->handle(), r.bo_offset);
  }
  r.message = fmt::format("gpu page fault: context {} {} at iova {} ({} fault): {}", context,
                          ToString(record.access), Hex(record.iova), ToString(record.type), where);
  faults_.push_back(std::move(r));
}

}  // namespace dmakit
