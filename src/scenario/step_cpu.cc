// Steps that drive the CPU side: loads, stores, views, barriers, cache maintenance, notes.
#include <fmt/format.h>

#include "steps.h"

namespace dmakit::scenario::steps {

DmaDirection Direction(const Step& step, std::string_view key) {
  if (!step.Has(key)) return DmaDirection::kNone;
  return ParseDmaDirection(step.Text(key)).value_or(DmaDirection::kNone);
}

MemAttr Attr(const Step& step, std::string_view key) {
  const std::string& t = step.Text(key);
  if (t == "write_combine") return MemAttr::kWriteCombine;
  if (t == "uncached") return MemAttr::kUncached;
  return MemAttr::kCached;
}

std::vector<uint8_t> Data(const Step& step, uint64_t size) {
  std::vector<uint8_t> out(size, static_cast<uint8_t>(step.Number("pattern")));
  if (step.Has("bytes")) {
    const std::vector<uint8_t>& b = step.Bytes("bytes");
    for (uint64_t i = 0; i < size; ++i) out[i] = b[i % b.size()];
  }
  return out;
}

Status Note(StepContext& ctx, const Step& step) {
  Event e;
  e.kind = EventKind::kNote;
  e.text = Symbol(step.Text("text"));
  e.where = step.where;
  ctx.soc().bus().Emit(e);
  return Ok();
}

// The (offset, size) of a data-carrying step: size defaults to the data's length.
Result<std::pair<uint64_t, uint64_t>> DataExtent(StepContext& ctx, const Step& step, uint64_t total,
                                                 std::string_view what) {
  if (step.Has("bytes") && !step.Has("size")) {
    Step sized = step;
    Value v;
    v.number = step.Bytes("bytes").size();
    sized.args["size"] = v;
    return ctx.Extent(sized, total, what);
  }
  return ctx.Extent(step, total, what);
}

Status CpuWrite(StepContext& ctx, const Step& step) {
  BufferState* b = DMAKIT_TRY(ctx.Buffer(step));
  auto [offset, size] =
      DMAKIT_TRY(DataExtent(ctx, step, b->size, fmt::format("buffer '{}'", b->name)));
  std::vector<uint8_t> data = Data(step, size);
  return ctx.CpuAccess(step, *b, offset, {}, data);
}

Status CpuRead(StepContext& ctx, const Step& step) {
  BufferState* b = DMAKIT_TRY(ctx.Buffer(step));
  auto [offset, size] = DMAKIT_TRY(ctx.Extent(step, b->size, fmt::format("buffer '{}'", b->name)));
  std::vector<uint8_t> seen(size);
  if (size != 0) DMAKIT_TRY(ctx.CpuAccess(step, *b, offset, seen, {}));
  if (step.Has("as")) ctx.reads[step.Text("as")] = std::move(seen);
  return Ok();
}

Status CpuMap(StepContext& ctx, const Step& step) {
  BufferState* b = DMAKIT_TRY(ctx.Buffer(step));
  MemAttr attr = Attr(step);
  CpuAddr base = DMAKIT_TRY(ctx.soc().MapPages(b->pages, attr, step.where));
  ctx.views[step.Text("as")] = ViewState{b->name, base, attr, true};
  return Ok();
}

Status CpuUnmap(StepContext& ctx, const Step& step) {
  auto it = ctx.views.find(step.Text("view"));
  if (it == ctx.views.end() || !it->second.live) {
    return ctx.StepError(step, ErrorCode::kNotFound,
                         fmt::format("no live CPU view named '{}'", step.Text("view")));
  }
  DMAKIT_TRY(ctx.soc().UnmapPages(it->second.base, step.where));
  it->second.live = false;
  return Ok();
}

Status Barrier(StepContext& ctx, const Step&) {
  ctx.soc().WriteBarrier();
  return Ok();
}

Status Cache(StepContext& ctx, const Step& step) {
  BufferState* b = DMAKIT_TRY(ctx.Buffer(step));
  auto [offset, size] = DMAKIT_TRY(ctx.Extent(step, b->size, fmt::format("buffer '{}'", b->name)));
  CacheOp op = ParseCacheOp(step.Text("op")).value_or(CacheOp::kClean);
  // One operation per physically contiguous piece (scattered pages are maintained page by page).
  uint64_t done = 0;
  while (done < size) {
    PhysAddr phys = b->PhysAt(offset + done);
    uint64_t len = std::min<uint64_t>(size - done, kPageSize - phys.OffsetIn(kPageSize));
    while (done + len < size && b->PhysAt(offset + done + len) == phys + len) {
      len += std::min<uint64_t>(size - done - len, kPageSize);
    }
    DMAKIT_TRY(ctx.soc().CacheMaintain(op, PhysRange(phys, len), step.where));
    done += len;
  }
  return Ok();
}

Status CacheEvictAll(StepContext& ctx, const Step&) {
  ctx.soc().cache().FlushAll();
  return Ok();
}

}  // namespace dmakit::scenario::steps
