#include "dmakit/core/addr.h"

#include <fmt/format.h>

namespace dmakit {

std::string Hex(uint64_t value) { return fmt::format("{:#x}", value); }

}  // namespace dmakit
