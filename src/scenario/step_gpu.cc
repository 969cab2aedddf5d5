// Steps that drive the GPU driver (the platform's `gpu`): buffer objects, their pins and CPU
// views, cpu_prep / cpu_fini, command buffers written by the CPU, submissions and fences, and
// the seed's DMA-API hacks. Calls pass the step's location, so the checker's reports cite the
// scenario line. GPU page faults and illegal commands become notes on the timeline (the
// `faults` expectation counts the IOMMU faults underneath).
#include <fmt/format.h>

#include "steps.h"

namespace dmakit::scenario::steps {
namespace {

Status Check(StepContext& ctx, const Step& step, Status st) {
  if (st.ok()) return st;
  return ctx.StepError(step, st.error().code(), st.error().message());
}

void Note(StepContext& ctx, const Step& step, std::string text) {
  Event e;
  e.kind = EventKind::kNote;
  e.text = Symbol(text);
  e.where = step.where;
  ctx.soc().bus().Emit(e);
}

// What the GPU reported since the last step that let it run.
void ReportGpu(StepContext& ctx, const Step& step) {
  Gpu* gpu = ctx.gpu();
  if (gpu == nullptr) return;
  for (; ctx.gpu_faults_reported < gpu->faults().size(); ++ctx.gpu_faults_reported) {
    Note(ctx, step, gpu->faults()[ctx.gpu_faults_reported].message);
  }
  const auto& errors = gpu->cp().errors();
  for (; ctx.gpu_cp_errors_reported < errors.size(); ++ctx.gpu_cp_errors_reported) {
    const CpError& e = errors[ctx.gpu_cp_errors_reported];
    if (e.kind == CpError::Kind::kIllegalCommand) Note(ctx, step, "gpu: " + e.message);
  }
}

// Waits for the buffer's last submission, as the driver does before the CPU may touch it.
Status WaitIdle(StepContext& ctx, const Step& step, Gpu& gpu, const GemObject& bo) {
  if (!bo.last_fence) return Ok();
  Status st = gpu.Wait(bo.last_fence->context, bo.last_fence->seqno);
  ReportGpu(ctx, step);
  return Check(ctx, step, std::move(st));
}

GemCaching Caching(const std::string& text) {
  if (text == "write_combine") return GemCaching::kWriteCombine;
  if (text == "uncached") return GemCaching::kUncached;
  return GemCaching::kCached;
}

CpuPrepFlags PrepFlags(const std::string& text) {
  if (text == "read") return CpuPrepFlags::kRead;
  if (text == "write") return CpuPrepFlags::kWrite;
  return CpuPrepFlags::kReadWrite;
}

std::string BoWhat(const Step& step, std::string_view key = "bo") {
  return fmt::format("buffer object '{}'", step.Text(key));
}

// The device a hack calls: the step's `device`, else the driver's configured one.
Result<DmaDevice*> HackDevice(StepContext& ctx, const Step& step, Gpu& gpu) {
  if (!step.Has("device")) return &gpu.hack_device();
  return ctx.Device(step);
}

// A pinned buffer's GPU address at `offset`, for a command operand.
Result<DmaAddr> Operand(StepContext& ctx, const Step& step, std::string_view key,
                        std::string_view offset_key, uint64_t size) {
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step, key));
  (void)state;
  if (!bo->pinned()) {
    return ctx.StepError(step, ErrorCode::kFailedPrecondition,
                         fmt::format("{} is not pinned: the GPU has no address for it yet "
                                     "(gpu_pin it before encoding a command that uses it)",
                                     BoWhat(step, key)));
  }
  const uint64_t offset = step.Number(offset_key);
  if (offset > bo->size() || size > bo->size() - offset) {
    return ctx.StepError(step, ErrorCode::kOutOfRange,
                         fmt::format("{} +{:#x} of {:#x} bytes lies outside its {:#x} bytes",
                                     BoWhat(step, key), offset, size, bo->size()));
  }
  return bo->gpu_address() + offset;
}

Result<CommandBuilder> Encode(StepContext& ctx, const Step& step) {
  const std::string& op = step.Text("op");
  auto [dst_state, dst] = DMAKIT_TRY(ctx.Bo(step, "dst"));
  (void)dst_state;
  const uint64_t dst_offset = step.Number("dst_offset");
  const uint64_t rest = dst_offset < dst->size() ? dst->size() - dst_offset : 0;
  const uint64_t size = op == "write_imm" ? 4 : step.Has("size") ? step.Number("size") : rest;
  if (step.Number("value") > UINT32_MAX) {
    return ctx.StepError(
        step, ErrorCode::kInvalidArgument,
        fmt::format("value {:#x} does not fit a 32-bit word", step.Number("value")));
  }
  const auto value = static_cast<uint32_t>(step.Number("value"));
  if (size == 0 || size > UINT32_MAX || (op != "copy" && size % 4 != 0)) {
    return ctx.StepError(step, ErrorCode::kInvalidArgument,
                         fmt::format("{}: size {} must be non-zero{}", op, size,
                                     op == "copy" ? "" : " and a multiple of 4 (32-bit words)"));
  }
  const DmaAddr to = DMAKIT_TRY(Operand(ctx, step, "dst", "dst_offset", size));
  CommandBuilder b;
  const auto n = static_cast<uint32_t>(size);
  if (op == "copy") {
    if (!step.Has("src")) {
      return ctx.StepError(step, ErrorCode::kInvalidArgument, "copy needs a `src` buffer object");
    }
    b.Copy(to, DMAKIT_TRY(Operand(ctx, step, "src", "src_offset", size)), n);
  } else if (op == "fill") {
    b.Fill(to, n, value);
  } else if (op == "add" || op == "xor") {
    b.Alu(op == "add" ? AluOp::kAdd : AluOp::kXor, to, n, value);
  } else {
    b.WriteImm(to, value);
  }
  return b;
}

}  // namespace

Status GpuBoCreate(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  const std::string& name = step.Text("as");
  if (auto it = ctx.bos.find(name); it != ctx.bos.end() && gpu->Find(it->second.handle)) {
    return ctx.StepError(step, ErrorCode::kAlreadyExists,
                         fmt::format("buffer object '{}' exists (gpu_free it first)", name));
  }
  GemCreateInfo info{step.Number("size"), Caching(step.Text("caching")), Direction(step),
                     step.Number("gpu_read_only") != 0, name};
  auto handle = gpu->CreateBo(std::move(info));
  if (!handle.ok()) return Check(ctx, step, handle.error());
  BoState state;
  state.handle = *handle;
  ctx.bos[name] = std::move(state);
  return Ok();
}

Status GpuContextCreate(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  const std::string& name = step.Text("as");
  if (ctx.gpu_contexts.contains(name)) {
    return ctx.StepError(step, ErrorCode::kAlreadyExists,
                         fmt::format("gpu context '{}' exists", name));
  }
  auto id = gpu->CreateContext();
  if (!id.ok()) return Check(ctx, step, id.error());
  ctx.gpu_contexts[name] = *id;
  return Ok();
}

Status GpuPin(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  const uint32_t context = DMAKIT_TRY(ctx.GpuContext(step));
  if (bo->pinned()) {
    return ctx.StepError(step, ErrorCode::kFailedPrecondition,
                         fmt::format("{} is already pinned", BoWhat(step)));
  }
  return Check(ctx, step, bo->Pin(gpu->address_space(context), VaRegion::kUser, step.where));
}

Status GpuUnpin(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  if (bo->last_fence) {
    auto done = gpu->ReadFence(bo->last_fence->context);
    if (!done.ok()) return Check(ctx, step, done.error());
    if (*done < bo->last_fence->seqno) {
      return ctx.StepError(step, ErrorCode::kFailedPrecondition,
                           fmt::format("{}: the GPU may still use it (fence {} pending: "
                                       "gpu_wait first)",
                                       BoWhat(step), bo->last_fence->seqno));
    }
  }
  state->uses.clear();
  return Check(ctx, step, bo->Unpin(step.where));
}

Status GpuMmap(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  const bool had_view = bo->cpu_address().has_value();
  // The driver's clean: its configured method, with the mapper of the buffer's address space.
  AddressSpace& as = bo->pinned() ? *bo->address_space() : gpu->address_space(0);
  const CleanContext clean{ctx.scenario().gpu->options.clean, &as.mapper(), &gpu->hack_device()};
  if (auto view = bo->Mmap(clean, step.where); !view.ok()) {
    return Check(ctx, step, view.error());
  }
  if (!had_view && bo->clean_error()) {
    Note(ctx, step,
         fmt::format("the DMA API refused the driver's clean of '{}' ({}); the mmap went on",
                     bo->name(), bo->clean_error()->ToString()));
  }
  return Ok();
}

Status GpuCpuPrep(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  DMAKIT_TRY(WaitIdle(ctx, step, *gpu, *bo));
  const uint64_t size = step.Has("size") ? step.Number("size") : 0;
  if (step.Has("size") && size == 0) {
    return ctx.StepError(step, ErrorCode::kInvalidArgument, "cpu_prep of 0 bytes");
  }
  return Check(ctx, step,
               bo->CpuPrep(PrepFlags(step.Text("op")), step.Number("offset"), size, step.where));
}

Status GpuCpuFini(StepContext& ctx, const Step& step) {
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  return Check(ctx, step, bo->CpuFini(step.where));
}

Status GpuCpuWrite(StepContext& ctx, const Step& step) {
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  auto [offset, size] = DMAKIT_TRY(DataExtent(ctx, step, bo->size(), BoWhat(step)));
  const std::vector<uint8_t> data = Data(step, size);
  return Check(ctx, step, bo->Write(offset, data, step.where));
}

Status GpuCpuRead(StepContext& ctx, const Step& step) {
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  auto [offset, size] = DMAKIT_TRY(ctx.Extent(step, bo->size(), BoWhat(step)));
  std::vector<uint8_t> seen(size);
  DMAKIT_TRY(Check(ctx, step, bo->Read(offset, seen, step.where)));
  if (step.Has("as")) ctx.reads[step.Text("as")] = std::move(seen);
  return Ok();
}

Status GpuEmit(StepContext& ctx, const Step& step) {
  auto [cmd_state, cmd] = DMAKIT_TRY(ctx.Bo(step, "cmd"));
  const CommandBuilder b = DMAKIT_TRY(Encode(ctx, step));
  if (uint64_t{cmd_state->emitted} + b.size_bytes() > cmd->size()) {
    return ctx.StepError(step, ErrorCode::kOutOfRange,
                         fmt::format("command buffer '{}' is full ({} of {} bytes used)",
                                     step.Text("cmd"), cmd_state->emitted, cmd->size()));
  }
  // A user-space driver's store into its command buffer: through the CPU view, no ownership
  // move of its own (gpu_cpu_prep / gpu_cpu_fini around the emits are the scenario's).
  DMAKIT_TRY(Check(ctx, step, cmd->Write(cmd_state->emitted, b.Bytes(), step.where)));
  cmd_state->emitted += b.size_bytes();
  for (std::string_view key : {"dst", "src"}) {
    if (!step.Has(key) || (key == "src" && step.Text("op") != "copy")) continue;
    GemObject* bo = ctx.gpu()->Find(ctx.bos.at(step.Text(key)).handle);
    cmd_state->uses.push_back(BoState::Use{step.Text(key), bo->iova_range().base});
  }
  return Ok();
}

Status GpuSubmit(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [cmd_state, cmd] = DMAKIT_TRY(ctx.Bo(step, "cmd"));
  const uint32_t context = DMAKIT_TRY(ctx.GpuContext(step));
  if (cmd_state->emitted == cmd_state->submitted) {
    return ctx.StepError(step, ErrorCode::kFailedPrecondition,
                         fmt::format("no commands were emitted into '{}' since its last "
                                     "submission (gpu_emit them first)",
                                     step.Text("cmd")));
  }
  Submission s{
      context, {}, cmd->handle(), cmd_state->submitted, cmd_state->emitted - cmd_state->submitted};
  for (const BoState::Use& use : cmd_state->uses) {
    GemObject* bo = gpu->Find(ctx.bos.at(use.bo).handle);
    if (bo == nullptr || !bo->pinned() || bo->iova_range().base != use.pinned_at) {
      return ctx.StepError(step, ErrorCode::kFailedPrecondition,
                           fmt::format("buffer object '{}' was {} after gpu_emit encoded its "
                                       "address: the commands would reach whatever is mapped "
                                       "there now",
                                       use.bo, bo == nullptr ? "freed" : "unpinned"));
    }
    s.bos.push_back(bo->handle());
  }
  auto seqno = gpu->Submit(s);
  ReportGpu(ctx, step);
  if (!seqno.ok()) return Check(ctx, step, seqno.error());
  ctx.fences[step.Text("as")] = FenceState{context, *seqno};
  cmd_state->submitted = cmd_state->emitted;
  cmd_state->uses.clear();
  if (step.Number("rewind") != 0) cmd_state->emitted = cmd_state->submitted = 0;
  return Ok();
}

Status GpuWait(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  const FenceState fence = DMAKIT_TRY(ctx.Fence(step));
  Status st = gpu->Wait(fence.context, fence.seqno);
  ReportGpu(ctx, step);
  return Check(ctx, step, std::move(st));
}

Status GpuFree(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)bo;
  return Check(ctx, step, gpu->FreeBo(state->handle));
}

Status GpuHackSyncSgForDevice(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  DmaDevice* dev = DMAKIT_TRY(HackDevice(ctx, step, *gpu));
  return Check(ctx, step,
               dev->SyncSgForDevice(bo->sg(), bo->sg().orig_nents(), DmaDirection::kBidirectional,
                                    step.where));
}

Status GpuHackMapSg(StepContext& ctx, const Step& step) {
  Gpu* gpu = DMAKIT_TRY(ctx.GpuOf(step));
  auto [state, bo] = DMAKIT_TRY(ctx.Bo(step));
  (void)state;
  DmaDevice* dev = DMAKIT_TRY(HackDevice(ctx, step, *gpu));
  if (dev->MapSg(bo->sg(), DmaDirection::kBidirectional, {}, step.where) == 0) {
    return Check(ctx, step, dev->last_error());
  }
  return Ok();
}

}  // namespace dmakit::scenario::steps
