// The terminal report: a summary of every run, then each run's failures in detail.
#include <fmt/format.h>

#include <map>
#include <string>

#include "dmakit/report/report.h"
#include "format_util.h"

namespace dmakit {
namespace {

using report::HexBytes;
using report::Plural;

constexpr size_t kHexBytesShown = 32;

// ANSI styles, empty when colour is off.
class Style {
 public:
  explicit Style(bool on) : on_(on) {}
  std::string Bold(std::string_view s) const { return Wrap("1", s); }
  std::string Dim(std::string_view s) const { return Wrap("2", s); }
  std::string Red(std::string_view s) const { return Wrap("1;31", s); }
  std::string Green(std::string_view s) const { return Wrap("1;32", s); }
  std::string Yellow(std::string_view s) const { return Wrap("33", s); }
  std::string Magenta(std::string_view s) const { return Wrap("1;35", s); }

 private:
  std::string Wrap(std::string_view code, std::string_view s) const {
    if (!on_) return std::string(s);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, s);
  }
  bool on_;
};

struct Totals {
  size_t runs = 0, passed = 0, errors = 0;
  uint64_t violations = 0, corruptions = 0;
  std::map<RuleId, uint64_t> rules;
};

Totals Sum(std::span<const RunRecord> runs) {
  Totals t;
  for (const RunRecord& r : runs) {
    ++t.runs;
    if (r.passed()) ++t.passed;
    if (r.error) ++t.errors;
    for (const auto& [rule, n] : r.RuleTotals()) t.rules[rule] += n;
    t.violations += r.violation_count();
    t.corruptions += r.corruptions.size();
  }
  return t;
}

void WriteSummary(const Totals& t, std::ostream& out, const Style& st) {
  const size_t failed = t.runs - t.passed;
  out << st.Bold("dmakit report") << ": " << Plural(t.runs, "run") << ", "
      << st.Green(fmt::format("{} passed", t.passed)) << ", "
      << (failed ? st.Red(fmt::format("{} failed", failed)) : fmt::format("{} failed", failed));
  if (t.errors) out << " (" << Plural(t.errors, "error") << ")";
  out << "\n";
  out << "  " << Plural(t.violations, "violation") << "\n";
  for (const auto& [rule, n] : t.rules) {
    out << fmt::format("    {} {:<32} {}\n", st.Red(RuleCode(rule)), RuleName(rule), n);
  }
  out << "  " << Plural(t.corruptions, "corruption") << "\n";
}

void WriteExpectations(const RunRecord& r, std::ostream& out, const Style& st, bool verbose) {
  for (const ExpectationResult& e : r.expectations) {
    if (e.met && !verbose) continue;
    out << "    " << (e.met ? st.Green("ok  ") : st.Red("FAIL")) << " expected " << e.what;
    if (e.where.known()) out << " " << st.Dim("(" + e.where.ToString() + ")");
    out << "\n";
    if (!e.met && !e.detail.empty()) out << "         saw: " << e.detail << "\n";
  }
}

void WriteViolation(const Violation& v, std::ostream& out, const Style& st, bool verbose) {
  out << "    " << st.Red(RuleCode(v.rule)) << " " << st.Bold(RuleName(v.rule));
  if (v.seq) out << " " << st.Dim(fmt::format("#{}", v.seq));
  out << "\n      " << v.message << "\n";
  if (!v.device.empty()) out << "      device:  " << v.device.view() << "\n";
  if (v.where.known()) out << "      call:    " << v.where.ToString() << "\n";
  if (v.mapping_where.known() || v.mapping_seq) {
    out << "      mapping: " << (v.mapping_where.known() ? v.mapping_where.ToString() : "?");
    if (v.mapping_seq) out << fmt::format(" (#{})", v.mapping_seq);
    out << "\n";
  }
  if (!v.caveat.empty()) out << "      " << st.Yellow("caveat") << ":  " << v.caveat << "\n";
  if (!v.lines.empty()) {
    out << "      lines:  ";
    for (const PhysRange& l : v.lines) out << " " << ToString(l);
    out << "\n";
  }
  if (verbose && !v.history.empty()) {
    out << "      ownership history (oldest first):\n";
    for (const OwnershipTransition& t : v.history) out << "        " << t.ToString() << "\n";
  }
}

void WriteCorruption(const Event& c, std::ostream& out, const Style& st) {
  out << "    " << st.Magenta("corruption") << " " << st.Dim(fmt::format("#{}", c.seq)) << " at "
      << Hex(c.phys) << " (" << Plural(c.size, "byte") << "), read by "
      << (c.device.empty() ? std::string("?") : c.device.str()) << "\n";
  out << "      expected: " << HexBytes(c.expected, kHexBytesShown) << "\n";
  out << "      observed: " << HexBytes(c.observed, kHexBytesShown) << "\n";
  out << "      last writer: " << (c.writer.empty() ? std::string("?") : c.writer.str());
  if (c.writer_seq) out << fmt::format(" (#{})", c.writer_seq);
  out << "\n";
}

void WriteRun(const RunRecord& r, std::ostream& out, const Style& st,
              const TextReportOptions& options) {
  const bool ok = r.passed();
  out << "\n"
      << (ok ? st.Green("PASS") : st.Red("FAIL")) << " " << st.Bold(r.name) << " "
      << st.Dim(
             fmt::format("({}, seed {})", r.kind == RunKind::kTrace ? "trace" : "scenario", r.seed))
      << "\n";
  if (!r.description.empty()) out << "  " << r.description << "\n";
  if (!r.source.empty()) out << "  " << st.Dim("source: " + r.source) << "\n";
  if (r.error) out << "  " << st.Red("error") << ": " << r.error->ToString() << "\n";
  if (!ok || options.verbose) WriteExpectations(r, out, st, options.verbose);
  const uint64_t nviol = r.violation_count();
  if (nviol) out << "  " << Plural(nviol, "violation") << ":\n";
  const size_t shown = std::min(r.violations.size(), options.max_violations);
  for (size_t i = 0; i < shown; ++i) WriteViolation(r.violations[i], out, st, options.verbose);
  if (nviol > shown) out << "    ... and " << (nviol - shown) << " more\n";
  if (!r.corruptions.empty()) out << "  " << Plural(r.corruptions.size(), "corruption") << ":\n";
  const size_t shown_c = std::min(r.corruptions.size(), options.max_violations);
  for (size_t i = 0; i < shown_c; ++i) WriteCorruption(r.corruptions[i], out, st);
  if (r.corruptions.size() > shown_c) {
    out << "    ... and " << (r.corruptions.size() - shown_c) << " more\n";
  }
  for (const std::string& w : r.warnings) out << "  " << st.Yellow("warning") << ": " << w << "\n";
  for (const std::string& n : r.notes) out << "  note: " << n << "\n";
  if (options.verbose && !r.counters.empty()) {
    out << "  counters:\n";
    for (const auto& [name, value] : r.counters) out << "    " << name << " = " << value << "\n";
  }
}

}  // namespace

void WriteTextReport(std::span<const RunRecord> runs, std::ostream& out,
                     const TextReportOptions& options) {
  const Style st(options.color);
  WriteSummary(Sum(runs), out, st);
  for (const RunRecord& r : runs) WriteRun(r, out, st, options);
}

}  // namespace dmakit
