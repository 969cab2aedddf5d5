#include "dmakit/sim/cpu_mapping.h"

#include <fmt/format.h>

namespace dmakit {

Result<PhysAddr> CpuMapping::Translate(CpuAddr addr) const {
  if (!Contains(addr)) {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("CPU address {} is outside the mapping at {} ({} bytes)", Hex(addr),
                             Hex(base_), size()));
  }
  uint64_t offset = addr - base_;
  return pages_[offset >> kPageShift] + (offset & (kPageSize - 1));
}

}  // namespace dmakit
