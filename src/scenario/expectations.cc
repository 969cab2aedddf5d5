#include "expectations.h"

#include <fmt/format.h>

#include <algorithm>

namespace dmakit::scenario {
namespace {

std::string RuleMultiset(const std::vector<std::string>& rules) {
  return fmt::format("[{}]", fmt::join(rules, ", "));
}

std::vector<std::string> Observed(const RunRecord& rec) {
  std::vector<std::string> out;
  for (const auto& [rule, count] : rec.rule_counts) {
    for (uint64_t i = 0; i < count; ++i) out.emplace_back(RuleCode(rule));
  }
  std::sort(out.begin(), out.end());
  return out;
}

ExpectationResult JudgeCount(const CountExpect& c, uint64_t seen, std::string_view what) {
  ExpectationResult r;
  r.where = c.where;
  switch (c.mode) {
    case CountExpectation::kAny:
      r.what = fmt::format("any {}", what);
      r.met = true;
      break;
    case CountExpectation::kNone:
      r.what = fmt::format("no {}", what);
      r.met = seen == 0;
      break;
    case CountExpectation::kSome:
      r.what = fmt::format("some {}", what);
      r.met = seen != 0;
      break;
    case CountExpectation::kExactly:
      r.what = fmt::format("{} {}", c.count, what);
      r.met = seen == c.count;
      break;
  }
  if (!r.met) r.detail = fmt::format("saw {}", seen);
  return r;
}

std::string Hex(std::span<const uint8_t> bytes) {
  std::string s;
  for (size_t i = 0; i < bytes.size() && i < 16; ++i) s += fmt::format("{:02x}", bytes[i]);
  if (bytes.size() > 16) s += "...";
  return s;
}

}  // namespace

void JudgeExpectations(const Scenario& scenario,
                       const std::map<std::string, std::vector<uint8_t>, std::less<>>& reads,
                       uint64_t faults, RunRecord& rec) {
  const Expectations& e = scenario.expect;
  std::vector<std::string> seen = Observed(rec);
  if (e.violations) {
    std::vector<std::string> want = *e.violations;
    std::sort(want.begin(), want.end());
    ExpectationResult r{
        want.empty() ? "no violations" : fmt::format("violations exactly {}", RuleMultiset(want)),
        want == seen, "", e.violations_where};
    if (!r.met) r.detail = fmt::format("saw {}", RuleMultiset(seen));
    rec.expectations.push_back(std::move(r));
  }
  if (!e.violations_include.empty()) {
    std::vector<std::string> want = e.violations_include;
    std::sort(want.begin(), want.end());
    bool met = std::includes(seen.begin(), seen.end(), want.begin(), want.end());
    rec.expectations.push_back(
        ExpectationResult{fmt::format("violations include {}", RuleMultiset(want)), met,
                          met ? "" : fmt::format("saw {}", RuleMultiset(seen)), e.include_where});
  }
  rec.expectations.push_back(JudgeCount(e.corruption, rec.corruptions.size(), "corruption"));
  if (e.faults.mode != CountExpectation::kAny) {
    rec.expectations.push_back(JudgeCount(e.faults, faults, "IOMMU faults"));
  }
  for (const ReadExpect& re : e.reads) {
    ExpectationResult r;
    r.where = re.where;
    auto it = reads.find(re.read);
    std::vector<uint8_t> want = re.bytes;
    r.what = re.pattern ? fmt::format("read '{}' is all 0x{:02x}", re.read, *re.pattern)
                        : fmt::format("read '{}' starts with {}", re.read, Hex(want));
    if (it == reads.end()) {
      r.detail = "the cpu_read step did not complete";
    } else {
      const std::vector<uint8_t>& got = it->second;
      if (re.pattern) want.assign(got.size(), *re.pattern);
      r.met = got.size() >= want.size() && std::equal(want.begin(), want.end(), got.begin());
      if (!r.met) r.detail = fmt::format("read {}", Hex(got));
    }
    rec.expectations.push_back(std::move(r));
  }
}

}  // namespace dmakit::scenario
