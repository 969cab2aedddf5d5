// Violation: one broken rule, with the concrete values a driver author needs to find it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dmakit/check/line_ownership.h"
#include "dmakit/check/rule.h"
#include "dmakit/core/addr_range.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/core/symbol.h"

namespace dmakit {

struct Violation {
  RuleId rule = RuleId::kFreeUnknown;
  uint64_t seq = 0;  // the offending event (0 for end-of-run reports)
  Symbol device;
  // dma-debug style: "device driver frees DMA memory with different direction [device
  // address=0x...] [size=... bytes] [mapped with TO_DEVICE] [unmapped with FROM_DEVICE]".
  std::string message;
  DmaAddr dma;
  PhysAddr phys;
  uint64_t size = 0;
  DmaDirection dir = DmaDirection::kNone;          // of the offending call
  DmaDirection mapping_dir = DmaDirection::kNone;  // of the mapping it concerns
  SourceLoc where;                                 // the offending call
  SourceLoc mapping_where;   // the map/alloc call of the mapping it concerns (if any)
  uint64_t mapping_seq = 0;  // 0 when no mapping is concerned
  // Physical cache lines the violation is about, as line-aligned ranges.
  std::vector<PhysRange> lines;
  // Recent ownership transitions of the first line in `lines`, oldest first.
  std::vector<OwnershipTransition> history;
  // Why the verdict may be wrong, empty when it is not in doubt: "in doubt: the kernel lost
  // 120 events after event #6 (trace line 57); ..." (see loss_caveats.h).
  std::string caveat;

  bool CoversLine(PhysAddr addr) const;
  // Several lines: "DMA010 unmap-direction-mismatch: <message>\n  device: ...\n  at: ...".
  std::string ToString() const;
};

}  // namespace dmakit
