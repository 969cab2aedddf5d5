// CpuCache: the CPU's data cache as seen from the point of coherency.
//
// The model is a single level, physically indexed and tagged, write-back and write-allocate
// cache: a store dirties a line that reaches memory only when the line is evicted or
// cleaned. Non-coherent devices read and write memory behind its back, which is exactly how
// stale reads and lost writes happen on real arm64 SoCs.
//
// Modelled: geometry (size, ways, line size), valid/dirty per line, eviction policies (LRU,
// seeded random, adversarial), maintenance by physical range (clean, invalidate,
// clean+invalidate; invalidating a partial line cleans it first, as arm64's
// dcache_inval_poc does), snooping for coherent masters, counters.
// Not modelled: multiple levels, multiple CPUs, speculative prefetch, timing.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "dmakit/core/addr.h"
#include "dmakit/core/addr_range.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/event.h"
#include "dmakit/core/result.h"
#include "dmakit/sim/physical_memory.h"

namespace dmakit {

// Every policy fills an invalid way of the set first; the policy picks among valid ways.
enum class EvictionPolicy : uint8_t {
  kLru,          // least recently used line of the set
  kRandom,       // a seeded random line of the set
  kAdversarial,  // prefers dirty victims (a seeded random dirty line of the set, else a seeded
                 // random line), and writes dirty lines back at the worst moment: right after
                 // a device wrote the same memory (see OnDeviceWrite)
};
// "lru", "random", "adversarial".
std::string_view ToString(EvictionPolicy policy);
// Accepts the names above in any case; nullopt for anything else.
std::optional<EvictionPolicy> ParseEvictionPolicy(std::string_view text);

struct CacheGeometry {
  uint64_t size = 64 * 1024;  // bytes of data; size / (ways * line_size) sets, power of two
  uint32_t ways = 4;          // associativity
  uint32_t line_size = kDefaultLineSize;  // bytes, power of two, 16..256
  EvictionPolicy policy = EvictionPolicy::kLru;
  uint64_t seed = 0;  // for kRandom and kAdversarial
};

// Counters. A CPU access counts one hit or miss per cache line it touches.
struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t write_backs = 0;              // dirty lines written to memory for any reason
  uint64_t evictions = 0;                // valid lines displaced to make room
  uint64_t lines_cleaned = 0;            // valid lines in a Maintain range that a clean visited
                                         // (kClean, kCleanInvalidate, partial-line kInvalidate)
  uint64_t lines_invalidated = 0;        // valid lines Maintain dropped
  uint64_t adversarial_write_backs = 0;  // write-backs OnDeviceWrite forced
};

struct LineState {
  bool valid = false;
  bool dirty = false;
};

class CpuCache {
 public:
  virtual ~CpuCache() = default;

  virtual const CacheGeometry& geometry() const = 0;
  uint32_t line_size() const { return geometry().line_size; }

  // CPU load/store of cacheable memory. Missing lines are filled from `memory` (write-allocate
  // on stores); victims are written back when dirty. Errors: kOutOfRange when any byte is not
  // RAM (nothing changes then).
  virtual Status Read(PhysAddr addr, std::span<uint8_t> out) = 0;
  virtual Status Write(PhysAddr addr, std::span<const uint8_t> data) = 0;

  // Maintenance by physical range; every line the range touches is affected. Clean writes
  // dirty lines back and keeps them valid; Invalidate drops lines (a partially covered dirty
  // line at either end is cleaned first); CleanInvalidate does both. An empty range is a
  // no-op. Errors: kOutOfRange when any byte is not RAM (nothing changes then).
  virtual Status Maintain(CacheOp op, PhysRange range) = 0;

  // Snooping, for coherent masters. SnoopRead returns what the coherent view holds: memory
  // with dirty cached lines laid over it. SnoopWrite is called before a coherent master
  // writes memory: dirty lines in the range are written back (so bytes outside the write
  // survive) and every overlapping line is invalidated.
  // Neither changes hit/miss counters; SnoopWrite counts its write-backs. Errors:
  // kOutOfRange when any byte is not RAM (nothing changes then).
  virtual Status SnoopRead(PhysAddr addr, std::span<uint8_t> out) = 0;
  virtual Status SnoopWrite(PhysRange range) = 0;

  // A non-coherent master has just written `range` of memory. The cache does not see this on
  // real hardware; the hook exists so the adversarial policy can pick its moment: it writes
  // back every dirty line overlapping the range (the line stays valid, now clean), clobbering
  // the device's data as a badly timed natural eviction would. LRU and random ignore it.
  // Parts of the range outside RAM are ignored (no line can be cached there).
  virtual void OnDeviceWrite(PhysRange range) = 0;

  // Write back every dirty line and drop everything (power-down, tests).
  virtual void FlushAll() = 0;

  // The state of the line holding `addr` (invalid when not cached). Never fails.
  virtual LineState Probe(PhysAddr addr) const = 0;
  virtual const CacheStats& stats() const = 0;
  virtual void ResetStats() = 0;
};

// The write-back, write-allocate, set-associative model above. `memory` must outlive the
// cache. Errors: kInvalidArgument naming the parameter when the geometry is inconsistent:
// size, ways and line_size must be powers of two, line_size within 16..256,
// size >= ways * line_size, and size at most 1 GiB.
Result<std::unique_ptr<CpuCache>> CreateSetAssociativeCache(const CacheGeometry& geometry,
                                                            PhysicalMemory& memory);

}  // namespace dmakit
