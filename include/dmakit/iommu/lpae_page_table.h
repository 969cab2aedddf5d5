// The ARMv8 VMSA LPAE stage-1 page-table format: 4 KiB granule, 48-bit IOVA, 4 levels
// (level 0 indexes IOVA[47:39], level 1 [38:30], level 2 [29:21], level 3 [20:12]).
//
// Descriptors (64-bit, little-endian in memory):
//   bits[1:0]  0b11 table (levels 0-2) or page (level 3); 0b01 block (levels 1, 2);
//              anything else at a level is invalid
//   [4:2] AttrIndx into the attribute table (MAIR-like, see kMair* below)
//   [7:6] AP[2:1]: AP[1] = 1 (accessible to the device), AP[2] = 1 read-only
//   [9:8] SH: inner shareable for cacheable memory, outer shareable otherwise
//   [10]  AF: always set when mapping (the walker faults on AF = 0)
//   [47:12] output address; [54] XN
// Blocks: 1 GiB at level 1, 2 MiB at level 2. Used whenever iova, phys and size allow.
//
// Tables live in simulated RAM, one page each from soc.pages(). The CPU writes them with
// Soc::KernelStore (one call per contiguous run of descriptors changed) and, for a
// non-coherent walker, cleans each run with Soc::CacheMaintain(kClean) right after; each run
// emits one kPageTableWrite event (domain, phys, size, text "coherent"/"noncoherent").
// A new table page is zeroed the same way before it is linked. Empty tables are freed at
// unmap (the root stays). A host-side shadow of every table (descriptor values and child
// pointers) is the CPU's view used by Map/Unmap/IovaToPhys: it equals what the CPU would read
// back through its cache, while DRAM may lag behind until a clean.
//
// Modelled: descriptor format, blocks, splitting, table allocation/freeing, CPU write path and
// cache cleaning, the walker's memory reads. Not modelled: contiguous hint, nG/ASID bits in
// descriptors, hierarchical table attributes (APTable/XNTable are written as 0), stage 2,
// hardware access-flag / dirty-bit management, break-before-make timing.
#pragma once

#include <cstdint>
#include <memory>

#include "dmakit/core/result.h"
#include "dmakit/iommu/io_page_table.h"
#include "dmakit/sim/soc.h"

namespace dmakit {

// The attribute table the AttrIndx field indexes (one byte per entry, MAIR encoding).
inline constexpr uint8_t kLpaeAttrIdxNonCacheable = 0;  // 0x44: normal, inner/outer NC
inline constexpr uint8_t kLpaeAttrIdxCached = 1;        // 0xff: normal, write-back RW-allocate
inline constexpr uint8_t kLpaeAttrIdxDevice = 2;        // 0x04: device-nGnRE
inline constexpr uint64_t kLpaeMair = 0x0000'0000'0004'ff44ull;

struct LpaeConfig {
  uint64_t domain = 0;        // domain id carried on events
  bool coherent_walk = true;  // the walker snoops the CPU cache (no clean needed)
  // Bug knob: with a non-coherent walker, do not clean descriptor writes (a driver that
  // forgets to). The walker then reads stale descriptors and the oracle reports it.
  bool skip_clean = false;
  Symbol writer{"iommu-pgtable"};  // the oracle's name for the CPU writing descriptors
};

// Allocates the root table. Errors: kExhausted (no page for the root).
Result<std::unique_ptr<IoPageTable>> CreateLpaePageTable(Soc& soc, const LpaeConfig& config);

}  // namespace dmakit
