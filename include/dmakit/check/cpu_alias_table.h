// CpuAliasTable: the live CPU mappings (kCpuMap) of each physical page and their memory
// attributes, to find mismatched aliases (one page mapped cached and uncached at once).
#pragma once

#include <cstdint>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include "dmakit/core/addr.h"
#include "dmakit/core/addr_range.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/source_loc.h"

namespace dmakit {

class CpuAliasTable {
 public:
  struct Alias {
    CpuAddr cpu;
    MemAttr attr = MemAttr::kCached;
    uint64_t seq = 0;
    SourceLoc where;
  };
  struct Conflict {
    PhysAddr page;
    Alias other;
  };

  // Records a CPU mapping at `cpu` of `pages` (physical ranges) and returns the live aliases
  // of those pages with a different attribute (one per page, the oldest).
  std::vector<Conflict> Map(CpuAddr cpu, MemAttr attr, const std::vector<PhysRange>& pages,
                            uint64_t seq, SourceLoc where);
  // Forgets the CPU mapping at `cpu`; false when there is none.
  bool Unmap(CpuAddr cpu);

 private:
  absl::flat_hash_map<uint64_t, absl::InlinedVector<Alias, 1>> by_page_;  // page number
  absl::flat_hash_map<uint64_t, std::vector<uint64_t>> pages_of_;         // cpu -> pages
};

}  // namespace dmakit
