#include "dmakit/check/cpu_alias_table.h"

#include <algorithm>

namespace dmakit {

std::vector<CpuAliasTable::Conflict> CpuAliasTable::Map(CpuAddr cpu, MemAttr attr,
                                                        const std::vector<PhysRange>& pages,
                                                        uint64_t seq, SourceLoc where) {
  std::vector<Conflict> conflicts;
  std::vector<uint64_t>& mine = pages_of_[cpu.value()];
  for (const PhysRange& r : pages) {
    if (r.empty()) continue;
    uint64_t first = r.base.value() >> kPageShift;
    uint64_t last = r.last().value() >> kPageShift;
    for (uint64_t p = first; p <= last; ++p) {
      auto& aliases = by_page_[p];
      for (const Alias& a : aliases) {
        if (a.attr != attr) {
          conflicts.push_back(Conflict{PhysAddr(p << kPageShift), a});
          break;
        }
      }
      aliases.push_back(Alias{cpu, attr, seq, where});
      mine.push_back(p);
    }
  }
  return conflicts;
}

bool CpuAliasTable::Unmap(CpuAddr cpu) {
  auto it = pages_of_.find(cpu.value());
  if (it == pages_of_.end()) return false;
  for (uint64_t p : it->second) {
    auto a = by_page_.find(p);
    if (a == by_page_.end()) continue;
    auto& v = a->second;
    auto pos = std::find_if(v.begin(), v.end(), [&](const Alias& x) { return x.cpu == cpu; });
    if (pos != v.end()) v.erase(pos);
    if (v.empty()) by_page_.erase(a);
  }
  pages_of_.erase(it);
  return true;
}

}  // namespace dmakit
