// Reads Linux ftrace text, as printed by /sys/kernel/tracing/trace and by `trace-cmd report`,
// into dmakit Events.
//
// Line shapes accepted (leading spaces, the irq-flags column and the tgid column optional):
//   <task>-<pid> [<cpu>] <flags> <timestamp>: <event>: <fields>     (tracefs)
//   <task>-<pid> [<cpu>] <timestamp>: <event>: <fields>             (trace-cmd, no latency)
// Skipped without a problem: blank lines, '#' comments, trace-cmd's "cpus=N" / "version = N"
// / "CPU N is empty" header lines. Gaps the kernel reports become TraceReadSummary::losses:
// "CPU:N [LOST M EVENTS]" (tracefs), "CPU:N [M EVENTS DROPPED]" and "CPU:N [EVENTS DROPPED]"
// (trace-cmd report, the last of unknown size), and a tracefs header
// "# entries-in-buffer/entries-written: A/B" with B > A (the buffer overwrote its B - A oldest
// events).
//
// Events mapped (the `dma` system, Linux 6.12 and later, every name it has had; `iommu`):
//   dma_map_page, dma_map_resource, dma_map_phys   -> kDmaMap    api kPage / kResource / kPage
//                                                      (kResource when attrs has MMIO)
//   dma_unmap_page, dma_unmap_resource, dma_unmap_phys -> kDmaUnmap (same apis)
//   dma_map_sg, dma_map_sg_err, dma_unmap_sg       -> kDmaMap / kDmaMap failed / kDmaUnmap, kSg
//   dma_sync_single_for_cpu/_for_device            -> kDmaSyncForCpu/Device, api kPage
//   dma_sync_sg_for_cpu/_for_device                -> kDmaSyncForCpu/Device, api kSg
//   dma_alloc, dma_alloc_pages, dma_alloc_sgt(_err) -> kDmaAlloc api kCoherent/kPages/kNoncoherent
//   dma_free, dma_free_pages, dma_free_sgt         -> kDmaFree  (same apis)
//   iommu map / unmap                              -> kIommuMap / kIommuUnmap (domain 0: the
//                                                     tracepoints do not say which domain)
//   attach_device_to_domain / detach_device_from_domain -> kIommuAttach / kIommuDetach
//   add_device_to_group / remove_device_from_group -> kNote ("add_device_to_group group=N")
//   io_page_fault                                  -> kIommuFault (access from flags bit 0)
// Field decoding: dir names through ParseDmaDirection; attrs flags ("SKIP_CPU_SYNC|
// WEAK_ORDERING", empty for none) to DmaAttrs bits, Linux-only names without a dmakit bit are
// accepted and dropped; __print_array lists "{0x..,0x..}" to sg segments (phys from phys_addrs,
// dma and dma_length from dma_addrs and sizes; length = dma_length when both lists have the
// same length, else 0 since the CPU-side lengths are not traced). A map whose dma_addr is
// DMA_MAPPING_ERROR, or an alloc whose virt_addr is NULL, has failed = true.
// dma_unmap_sg records only phys_addrs: the reader gives the unmap the dma addresses, sizes
// and mapped count of the newest earlier dma_map_sg of the same device and the same pages that
// no unmap has taken yet (the newest 4096 live ones are remembered), as dma-debug matches
// them; without one, its dma is 0 and its size 0 (the checker reports an unmap of nothing).
// Each event gets seq = its position among delivered events (1-based) and
// where = SourceLoc::Interned(file_name, line).
//
// Unknown events are counted per name and skipped; malformed lines (no [cpu] or timestamp,
// a missing field, bad hex or number, an unknown direction, unbalanced array, too long) are
// reported as "<file>:<line>: <event>: <reason>" and skipped. Strict mode stops at the first
// problem of either kind with kParse.
#pragma once

#include <istream>
#include <string_view>

#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"
#include "dmakit/trace/trace_read.h"

namespace dmakit {

// Reads a trace held in memory; events go to `sink` (OnEnd is left to the caller).
// Errors: kParse in strict mode.
Result<TraceReadSummary> ReadFtrace(std::string_view text, EventSink& sink,
                                    const TraceReadOptions& options = {});
// Same from a stream, in bounded memory. Errors: also kIo when the stream fails.
Result<TraceReadSummary> ReadFtrace(std::istream& in, EventSink& sink,
                                    const TraceReadOptions& options = {});

}  // namespace dmakit
