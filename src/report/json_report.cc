// The JSON report (schema "dmakit-report/1", documented field by field in docs/report-json.md).
// Addresses are "0x..." strings: JSON numbers lose precision above 2^53 in most readers.
#include <nlohmann/json.hpp>

#include "dmakit/report/report.h"
#include "format_util.h"

namespace dmakit {
namespace {

using nlohmann::ordered_json;

ordered_json Loc(const SourceLoc& loc) {
  if (!loc.known()) return nullptr;
  ordered_json j;
  j["file"] = loc.file;
  j["line"] = loc.line;
  j["column"] = loc.column;
  j["function"] = loc.function;
  return j;
}

ordered_json History(const OwnershipTransition& t) {
  ordered_json j;
  j["seq"] = t.seq;
  j["kind"] = ToString(t.kind);
  j["device"] = t.device.str();
  j["dir"] = ToString(t.dir);
  j["owner"] = ToString(t.owner_after);
  j["dma"] = Hex(t.dma.base);
  j["size"] = t.dma.size;
  j["where"] = Loc(t.where);
  return j;
}

ordered_json ViolationJson(const Violation& v) {
  ordered_json j;
  j["rule"] = RuleCode(v.rule);
  j["name"] = RuleName(v.rule);
  j["seq"] = v.seq;
  j["device"] = v.device.str();
  j["message"] = v.message;
  j["dma"] = Hex(v.dma);
  j["phys"] = Hex(v.phys);
  j["size"] = v.size;
  j["dir"] = ToString(v.dir);
  j["mapping_dir"] = ToString(v.mapping_dir);
  j["where"] = Loc(v.where);
  j["mapping_where"] = Loc(v.mapping_where);
  j["mapping_seq"] = v.mapping_seq;
  j["caveat"] = v.caveat;
  j["lines"] = ordered_json::array();
  for (const PhysRange& l : v.lines)
    j["lines"].push_back({{"phys", Hex(l.base)}, {"size", l.size}});
  j["history"] = ordered_json::array();
  for (const OwnershipTransition& t : v.history) j["history"].push_back(History(t));
  return j;
}

ordered_json CorruptionJson(const Event& c) {
  ordered_json j;
  j["seq"] = c.seq;
  j["reader"] = c.device.str();
  j["phys"] = Hex(c.phys);
  j["size"] = c.size;
  j["expected"] = report::HexBytes(c.expected);
  j["observed"] = report::HexBytes(c.observed);
  j["writer"] = c.writer.str();
  j["writer_seq"] = c.writer_seq;
  j["where"] = Loc(c.where);
  return j;
}

// An event: seq and kind always, every other field only when it differs from its default.
ordered_json EventJson(const Event& e) {
  const Event d;
  ordered_json j;
  j["seq"] = e.seq;
  j["kind"] = ToString(e.kind);
  if (!e.device.empty()) j["device"] = e.device.str();
  if (e.api != d.api) j["api"] = ToString(e.api);
  if (e.dir != d.dir) j["dir"] = ToString(e.dir);
  if (!(e.attrs == d.attrs)) j["attrs"] = ToString(e.attrs);
  if (e.mem_attr != d.mem_attr) j["mem_attr"] = ToString(e.mem_attr);
  if (e.access != d.access) j["access"] = ToString(e.access);
  if (e.cache_op != d.cache_op) j["cache_op"] = ToString(e.cache_op);
  if (e.failed) j["failed"] = true;
  if (e.dma != d.dma) j["dma"] = Hex(e.dma);
  if (e.phys != d.phys) j["phys"] = Hex(e.phys);
  if (e.cpu != d.cpu) j["cpu"] = Hex(e.cpu);
  if (e.size) j["size"] = e.size;
  if (e.nents) j["nents"] = e.nents;
  if (e.mapped_nents) j["mapped_nents"] = e.mapped_nents;
  if (e.domain) j["domain"] = e.domain;
  if (e.prot) j["prot"] = e.prot;
  if (e.coherent) j["coherent"] = true;
  if (e.dma_mask) j["dma_mask"] = Hex(e.dma_mask);
  if (e.max_seg_size) j["max_seg_size"] = e.max_seg_size;
  if (e.seg_boundary) j["seg_boundary"] = Hex(e.seg_boundary);
  if (e.line_size) j["line_size"] = e.line_size;
  if (e.ways) j["ways"] = e.ways;
  if (!e.sg.empty()) {
    auto& sg = j["sg"] = ordered_json::array();
    for (const SgSegment& s : e.sg) {
      sg.push_back({{"phys", Hex(s.phys)},
                    {"length", s.length},
                    {"dma", Hex(s.dma)},
                    {"dma_length", s.dma_length}});
    }
  }
  if (!e.expected.empty()) j["expected"] = report::HexBytes(e.expected);
  if (!e.observed.empty()) j["observed"] = report::HexBytes(e.observed);
  if (!e.writer.empty()) j["writer"] = e.writer.str();
  if (e.writer_seq) j["writer_seq"] = e.writer_seq;
  if (!e.text.empty()) j["text"] = e.text.str();
  if (e.where.known()) j["where"] = Loc(e.where);
  return j;
}

ordered_json RunJson(const RunRecord& r) {
  ordered_json j;
  j["name"] = r.name;
  j["kind"] = r.kind == RunKind::kTrace ? "trace" : "scenario";
  j["description"] = r.description;
  j["source"] = r.source;
  j["seed"] = r.seed;
  j["passed"] = r.passed();
  if (r.error) {
    j["error"] = {{"code", ToString(r.error->code())}, {"message", r.error->message()}};
  } else {
    j["error"] = nullptr;
  }
  auto& ex = j["expectations"] = ordered_json::array();
  for (const ExpectationResult& e : r.expectations) {
    ex.push_back({{"what", e.what}, {"met", e.met}, {"detail", e.detail}, {"where", Loc(e.where)}});
  }
  j["violation_count"] = r.violation_count();
  auto& rc = j["rule_counts"] = ordered_json::object();
  for (const auto& [rule, n] : r.RuleTotals()) rc[std::string(RuleCode(rule))] = n;
  auto& vs = j["violations"] = ordered_json::array();
  for (const Violation& v : r.violations) vs.push_back(ViolationJson(v));
  auto& cs = j["corruptions"] = ordered_json::array();
  for (const Event& c : r.corruptions) cs.push_back(CorruptionJson(c));
  j["counters"] = ordered_json::object();
  for (const auto& [name, value] : r.counters) j["counters"][name] = value;
  j["warnings"] = r.warnings;
  j["notes"] = r.notes;
  j["line_size"] = r.LineSize();
  if (!r.events.empty()) {
    auto& es = j["events"] = ordered_json::array();
    for (const Event& e : r.events) es.push_back(EventJson(e));
  }
  return j;
}

ordered_json Summary(std::span<const RunRecord> runs) {
  uint64_t passed = 0, violations = 0, corruptions = 0;
  std::map<RuleId, uint64_t> rules;
  for (const RunRecord& r : runs) {
    passed += r.passed() ? 1 : 0;
    violations += r.violation_count();
    corruptions += r.corruptions.size();
    for (const auto& [rule, n] : r.RuleTotals()) rules[rule] += n;
  }
  ordered_json j;
  j["runs"] = runs.size();
  j["passed"] = passed;
  j["failed"] = runs.size() - passed;
  j["violations"] = violations;
  j["corruptions"] = corruptions;
  auto& rs = j["rules"] = ordered_json::array();
  for (const auto& [rule, n] : rules) {
    rs.push_back({{"rule", RuleCode(rule)}, {"name", RuleName(rule)}, {"count", n}});
  }
  return j;
}

}  // namespace

void WriteJsonReport(std::span<const RunRecord> runs, std::ostream& out) {
  ordered_json j;
  j["schema"] = "dmakit-report/1";
  j["summary"] = Summary(runs);
  auto& rs = j["runs"] = ordered_json::array();
  for (const RunRecord& r : runs) rs.push_back(RunJson(r));
  // Invalid UTF-8 in user text is replaced rather than thrown on: no exception leaves dmakit.
  out << j.dump(2, ' ', false, ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace dmakit
