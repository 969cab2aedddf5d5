// The functions behind the step table (step_kinds.cc), grouped by what they drive: the CPU
// (step_cpu.cc), the DMA API (step_dma.cc), the ownership-aware IOMMU API and the IOMMU
// (step_domain.cc), the GPU driver (step_gpu.cc). Each executes one step on a StepContext.
#pragma once

#include <vector>

#include "dmakit/core/dma_types.h"
#include "dmakit/core/result.h"
#include "dmakit/scenario/scenario.h"
#include "step_context.h"

namespace dmakit::scenario::steps {

// --- step_cpu.cc ---
Status Note(StepContext& ctx, const Step& step);
Status CpuWrite(StepContext& ctx, const Step& step);
Status CpuRead(StepContext& ctx, const Step& step);
Status CpuMap(StepContext& ctx, const Step& step);
Status CpuUnmap(StepContext& ctx, const Step& step);
Status Barrier(StepContext& ctx, const Step& step);
Status Cache(StepContext& ctx, const Step& step);
Status CacheEvictAll(StepContext& ctx, const Step& step);

// --- step_dma.cc ---
Status MapSingle(StepContext& ctx, const Step& step);
Status MapPage(StepContext& ctx, const Step& step);
Status MapSg(StepContext& ctx, const Step& step);
Status UnmapSingle(StepContext& ctx, const Step& step);
Status UnmapPage(StepContext& ctx, const Step& step);
Status UnmapSg(StepContext& ctx, const Step& step);
Status SyncSingleForCpu(StepContext& ctx, const Step& step);
Status SyncSingleForDevice(StepContext& ctx, const Step& step);
Status SyncSgForCpu(StepContext& ctx, const Step& step);
Status SyncSgForDevice(StepContext& ctx, const Step& step);
Status MappingError(StepContext& ctx, const Step& step);
Status AllocCoherent(StepContext& ctx, const Step& step);
Status AllocNoncoherent(StepContext& ctx, const Step& step);
Status AllocPages(StepContext& ctx, const Step& step);
Status FreeCoherent(StepContext& ctx, const Step& step);
Status FreeNoncoherent(StepContext& ctx, const Step& step);
Status FreePages(StepContext& ctx, const Step& step);
Status SetDmaMask(StepContext& ctx, const Step& step);
Status Release(StepContext& ctx, const Step& step);
Status DeviceRead(StepContext& ctx, const Step& step);
Status DeviceWrite(StepContext& ctx, const Step& step);

// --- step_domain.cc ---
Status DomainCreate(StepContext& ctx, const Step& step);
Status DomainMapSg(StepContext& ctx, const Step& step);
Status DomainSync(StepContext& ctx, const Step& step);
Status DomainUnmap(StepContext& ctx, const Step& step);
Status PrepareCpuMapping(StepContext& ctx, const Step& step);
Status IommuFlush(StepContext& ctx, const Step& step);
Status IommuTimerTick(StepContext& ctx, const Step& step);

// --- step_gpu.cc ---
Status GpuBoCreate(StepContext& ctx, const Step& step);
Status GpuPin(StepContext& ctx, const Step& step);
Status GpuUnpin(StepContext& ctx, const Step& step);
Status GpuMmap(StepContext& ctx, const Step& step);
Status GpuCpuPrep(StepContext& ctx, const Step& step);
Status GpuCpuFini(StepContext& ctx, const Step& step);
Status GpuCpuWrite(StepContext& ctx, const Step& step);
Status GpuCpuRead(StepContext& ctx, const Step& step);
Status GpuEmit(StepContext& ctx, const Step& step);
Status GpuContextCreate(StepContext& ctx, const Step& step);
Status GpuSubmit(StepContext& ctx, const Step& step);
Status GpuWait(StepContext& ctx, const Step& step);
Status GpuFree(StepContext& ctx, const Step& step);
Status GpuHackSyncSgForDevice(StepContext& ctx, const Step& step);
Status GpuHackMapSg(StepContext& ctx, const Step& step);

// --- shared helpers (step_cpu.cc) ---
// The step's `dir` (or `key`) as a DmaDirection; kNone when absent.
DmaDirection Direction(const Step& step, std::string_view key = "dir");
MemAttr Attr(const Step& step, std::string_view key = "attr");
// `size` bytes of the step's data: `bytes` repeated, else `pattern` repeated.
std::vector<uint8_t> Data(const Step& step, uint64_t size);
// The (offset, size) of a data-carrying step over `total` bytes: size defaults to the length
// of `bytes` when given, else the rest.
Result<std::pair<uint64_t, uint64_t>> DataExtent(StepContext& ctx, const Step& step, uint64_t total,
                                                 std::string_view what);

}  // namespace dmakit::scenario::steps
