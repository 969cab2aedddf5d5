#include "dmakit/sim/cpu_cache.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "set_associative_cache.h"

namespace dmakit {

std::string_view ToString(EvictionPolicy policy) {
  switch (policy) {
    case EvictionPolicy::kLru:
      return "lru";
    case EvictionPolicy::kRandom:
      return "random";
    case EvictionPolicy::kAdversarial:
      return "adversarial";
  }
  return "unknown";
}

std::optional<EvictionPolicy> ParseEvictionPolicy(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (EvictionPolicy p :
       {EvictionPolicy::kLru, EvictionPolicy::kRandom, EvictionPolicy::kAdversarial}) {
    if (lower == ToString(p)) return p;
  }
  return std::nullopt;
}

Result<std::unique_ptr<CpuCache>> CreateSetAssociativeCache(const CacheGeometry& geometry,
                                                            PhysicalMemory& memory) {
  std::unique_ptr<SetAssociativeCache> cache =
      DMAKIT_TRY(SetAssociativeCache::Create(geometry, memory));
  return std::unique_ptr<CpuCache>(std::move(cache));
}

}  // namespace dmakit
