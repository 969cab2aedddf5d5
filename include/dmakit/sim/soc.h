// Soc: the simulated non-coherent system-on-chip. It owns physical memory, the page
// allocator, the CPU cache, the write-combining buffer, the oracle, the bus masters and the
// event bus, and gives the CPU its load/store paths.
//
// CPU virtual addresses: the kernel's linear map covers all RAM, cached, at
// LinearAddress(phys) = kLinearMapBase + phys. MapPages() creates further views (vmap,
// ioremap, user mmap) with any attribute, above kVmallocBase. Accesses through a CpuAddr go
// down the path of the mapping's attribute:
//   Cached        through the CPU cache (write-back, write-allocate);
//   WriteCombine  stores gathered in one WC buffer of wc_buffer_bytes holding one physically
//                 contiguous run (drained by WriteBarrier, when full, when a store does not
//                 continue the run, by UnmapPages, and by any load through a WC mapping);
//                 loads straight from memory;
//   Uncached      straight to memory.
// Every CPU load is checked by the oracle, every CPU store recorded in it at store time.
//
// Modelled: one CPU, one data cache, one WC buffer, the aliasing of cached and uncached views
// of the same page. Not modelled: TLBs, instruction fetch, speculative loads, store buffers of
// the cached path, timing.
//
// Deterministic: the same config gives the same events and counters. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/sim/bus_master.h"
#include "dmakit/sim/cpu_cache.h"
#include "dmakit/sim/cpu_mapping.h"
#include "dmakit/sim/oracle.h"
#include "dmakit/sim/page_allocator.h"
#include "dmakit/sim/physical_memory.h"

namespace dmakit {

struct SocConfig {
  // RAM banks; default one 256 MiB bank at 2 GiB (as on many arm64 SoCs).
  std::vector<MemoryBank> banks = {{"dram0", PhysAddr(0x8000'0000), 256ull << 20}};
  CacheGeometry cache;            // CPU data cache geometry and eviction policy; its seed, when
                                  // 0, is derived from `seed`
  uint32_t wc_buffer_bytes = 64;  // bytes the write-combining buffer gathers before draining:
                                  // a power of two, 8..4096
  bool oracle = true;             // keep the ideal memory and check every read
  uint64_t seed = 1;              // seeds the allocator and the cache's random choices
};

class Soc {
 public:
  static constexpr uint64_t kLinearMapBase = 0xffff'0000'0000'0000ull;
  static constexpr uint64_t kVmallocBase = 0xffff'8000'0000'0000ull;

  // Errors: kInvalidArgument naming the bad parameter ("banks: ...", "cache: ...",
  // "wc_buffer_bytes: ...").
  static Result<std::unique_ptr<Soc>> Create(const SocConfig& config);
  ~Soc();

  const SocConfig& config() const { return config_; }
  EventBus& bus() { return bus_; }
  PhysicalMemory& memory() { return memory_; }
  PageAllocator& pages() { return *pages_; }
  CpuCache& cache() { return *cache_; }
  Oracle& oracle() { return *oracle_; }
  uint32_t line_size() const { return config_.cache.line_size; }

  // Emits kCpuCache (size, line_size, ways, text = eviction policy), then one kRamBank event
  // per bank (phys, size, text = bank name). Sinks subscribe after Create(), then the run calls
  // this once so they learn the platform from events alone (the checker its line size).
  void AnnouncePlatform();

  // --- CPU mappings ---
  // The linear map covers every byte of RAM (cached); holes between banks are unmapped.
  CpuAddr LinearAddress(PhysAddr phys) const { return CpuAddr(kLinearMapBase + phys.value()); }
  // A new view of `pages` (in that order, any of them may repeat) with `attr`, placed in the
  // vmalloc area with an unmapped guard page after it; emits kCpuMap with the pages as sg
  // segments (physically contiguous pages coalesced). Errors: kInvalidArgument (no pages,
  // unaligned page), kOutOfRange (a page outside RAM). Nothing is mapped on error.
  Result<CpuAddr> MapPages(const std::vector<PhysAddr>& pages, MemAttr attr,
                           SourceLoc where = Here());
  // Drains the WC buffer (the TLB maintenance of an unmap implies a barrier), emits kCpuUnmap.
  // Errors: kNotFound when `base` is not the start of a mapping made by MapPages.
  Status UnmapPages(CpuAddr base, SourceLoc where = Here());
  // The attribute and physical address behind a CPU address. Errors: kNotFound (unmapped).
  Result<PhysAddr> Translate(CpuAddr addr) const;
  Result<MemAttr> AttrOf(CpuAddr addr) const;
  size_t mapping_count() const { return mappings_.size(); }

  // --- CPU loads and stores (emit kCpuAccess per physically contiguous piece) ---
  // Errors: kNotFound (unmapped address), kOutOfRange (range runs off the mapping). Nothing is
  // accessed when the whole range is not valid. A zero-length access of a mapped address does
  // nothing and succeeds.
  Status CpuRead(CpuAddr addr, std::span<uint8_t> out, SourceLoc where = Here());
  Status CpuWrite(CpuAddr addr, std::span<const uint8_t> data, SourceLoc where = Here());
  // Drain the write-combining buffer (wmb / dma_wmb).
  void WriteBarrier();
  // Bytes gathered in the WC buffer, not yet in memory.
  uint64_t wc_pending_bytes() const;

  // Kernel-internal cached stores and loads by physical address through the linear map, with
  // no kCpuAccess event (page-table updates, bounce copies: their layers report them in their
  // own events). Oracle-recorded / checked like any CPU access, as `who`. Errors: kOutOfRange
  // (a byte outside RAM; nothing is accessed).
  Status KernelStore(PhysAddr addr, std::span<const uint8_t> data, Symbol who);
  Status KernelLoad(PhysAddr addr, std::span<uint8_t> out, Symbol who);

  // --- Cache maintenance by physical range (emits kCacheMaintenance, then does the op) ---
  // Errors: kOutOfRange (a byte outside RAM; no event, nothing maintained).
  Status CacheMaintain(CacheOp op, PhysRange range, SourceLoc where = Here());

  // --- Devices ---
  // A device's bus port. Names are unique: a second call with the same name returns the
  // existing master (its coherency updated). Walkers are the IOMMUs' page-table walkers.
  BusMaster& AddBusMaster(std::string_view name, bool coherent,
                          MasterKind kind = MasterKind::kDevice);
  // nullptr when no master has that name.
  BusMaster* FindBusMaster(std::string_view name);

  Symbol cpu_name() const { return cpu_name_; }

  // A number unique within this Soc (IOMMU domain ids, ...): unique across all its IOMMUs and
  // deterministic per run, unlike a process-wide counter. Never 0.
  uint64_t AllocateId() { return next_id_++; }

 private:
  // A physically contiguous piece of a CPU access.
  struct Piece {
    PhysAddr phys;
    uint64_t offset = 0;  // into the caller's buffer
    uint64_t size = 0;
    CpuAddr cpu;
  };
  struct Resolved {
    MemAttr attr = MemAttr::kCached;
    std::vector<Piece> pieces;
  };
  struct WcBuffer;

  explicit Soc(const SocConfig& config, PhysicalMemory memory);
  Result<Resolved> Resolve(CpuAddr addr, uint64_t size) const;
  uint64_t EmitCpuAccess(Access access, const Piece& piece, MemAttr attr, SourceLoc where);
  Status WcStore(PhysAddr addr, std::span<const uint8_t> data);
  const CpuMapping* FindMapping(CpuAddr addr) const;

  SocConfig config_;
  EventBus bus_;
  PhysicalMemory memory_;
  std::unique_ptr<PageAllocator> pages_;
  std::unique_ptr<CpuCache> cache_;
  std::unique_ptr<Oracle> oracle_;
  std::unique_ptr<WcBuffer> wc_;
  std::map<uint64_t, std::unique_ptr<CpuMapping>> mappings_;  // by CPU base address
  uint64_t next_vmalloc_ = kVmallocBase;
  std::vector<std::unique_ptr<BusMaster>> masters_;
  Symbol cpu_name_{"cpu"};
  uint64_t next_id_ = 1;
};

}  // namespace dmakit
