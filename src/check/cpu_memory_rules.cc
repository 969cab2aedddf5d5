// Rules on CPU memory attributes (DMA105 attribute aliasing, DMA106 attribute change without
// clean) and the cache bookkeeping they need.
//
// Lines "possibly cached" are those a cached kCpuAccess touched; an invalidate, a
// clean+invalidate or a kPrepareCpuMapping removes them. A clean alone does not: the line
// stays in the cache, clean, and a later cached access through another alias re-dirties it
// (then an eviction writes it over data written through the uncached mapping).
#include <fmt/format.h>

#include "dmakit/check/checker.h"

namespace dmakit {

void Checker::OnCpuMap(const Event& e) {
  std::vector<PhysRange> pages;
  for (const SgSegment& s : e.sg) pages.push_back(PhysRange(s.phys, s.length));
  if (pages.empty() && e.size != 0) pages.push_back(e.phys_range());
  std::vector<CpuAliasTable::Conflict> conflicts =
      cpu_aliases_.Map(e.cpu, e.mem_attr, pages, e.seq, e.where);
  if (!conflicts.empty() && Enabled(RuleId::kAttributeAlias)) {
    const CpuAliasTable::Conflict& c = conflicts.front();
    Violation v = Make(RuleId::kAttributeAlias, e, nullptr,
                       fmt::format("CPU maps a page with a memory attribute different from a "
                                   "live mapping of it [phys page={}] [cpu address={}] "
                                   "[attr={}] [other cpu address={}] [other attr={}] [pages={}]",
                                   Hex(c.page), Hex(e.cpu), ToString(e.mem_attr), Hex(c.other.cpu),
                                   ToString(c.other.attr), conflicts.size()));
    v.mapping_where = c.other.where;
    v.mapping_seq = c.other.seq;
    for (const auto& x : conflicts) v.lines.push_back(PhysRange(x.page, kPageSize));
    Report(std::move(v));
  }
  if (e.mem_attr == MemAttr::kCached || !Enabled(RuleId::kAttributeChangeWithoutClean)) return;
  std::vector<PhysRange> cached;
  for (const PhysRange& p : pages) {
    std::vector<PhysRange> found = maybe_cached_.Find(p);
    cached.insert(cached.end(), found.begin(), found.end());
  }
  if (cached.empty()) return;
  uint64_t count = 0;
  for (const PhysRange& r : cached) count += r.size / options_.line_size;
  Violation v =
      Make(RuleId::kAttributeChangeWithoutClean, e, nullptr,
           fmt::format("CPU maps memory {} while its lines may be in the cache "
                       "[cpu address={}] [size={} bytes] [cacheline={}] [cached "
                       "lines={}]",
                       ToString(e.mem_attr), Hex(e.cpu), e.size, Hex(cached.front().base), count));
  v.lines = std::move(cached);
  Report(std::move(v));
}

void Checker::OnCacheMaintenance(const Event& e) {
  // Most platforms' checkers track none of these lines (no CPU access events).
  if (cpu_written_.size() == 0 && maybe_cached_.size() == 0 && pt_dirty_.size() == 0) return;
  if (e.cache_op != CacheOp::kInvalidate) cpu_written_.Remove(e.phys_range());
  const PhysRange range = e.phys_range();
  if (e.cache_op == CacheOp::kInvalidate || e.cache_op == CacheOp::kCleanInvalidate) {
    maybe_cached_.Remove(range);
  }
  // An invalidate alone discards a dirty descriptor: the walker still sees the old one.
  if (e.cache_op == CacheOp::kClean || e.cache_op == CacheOp::kCleanInvalidate) {
    pt_dirty_.Remove(range);
  }
}

}  // namespace dmakit
