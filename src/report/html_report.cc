// The HTML report: one self-contained page (inline CSS, inline SVG drawn here, a little inline
// JS for filtering and highlighting; no network access, no external fonts).
#include <fmt/format.h>

#include "dmakit/report/report.h"
#include "format_util.h"
#include "ownership_timeline.h"

namespace dmakit {
namespace {

using report::HexBytes;
using report::HtmlEscape;
using report::Plural;

constexpr size_t kMaxListed = 500;  // violations / corruptions listed per run

constexpr std::string_view kStyle = R"css(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
 color:#1f2328;background:#fafafa;font-size:14px;line-height:1.45}
header{background:#24292f;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px}
header .summary{margin:4px 0 0;color:#d0d7de}
main{padding:8px 24px 40px}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
.run{background:#fff;border:1px solid #d0d7de;border-radius:6px;margin:16px 0;padding:8px 18px 14px}
.run.fail{border-left:6px solid #cf222e}.run.pass{border-left:6px solid #1a7f37}
.run h2{font-size:17px;margin:8px 0 2px}
.badge{display:inline-block;border-radius:4px;padding:0 7px;color:#fff;font-size:12px;
 vertical-align:2px;margin-right:6px}
.badge.pass{background:#1a7f37}.badge.fail{background:#cf222e}
.meta{color:#57606a;margin:2px 0 8px}
h3{font-size:14px;margin:14px 0 6px;color:#24292f}
.counters{display:flex;flex-wrap:wrap;gap:6px}
.counter{background:#f6f8fa;border:1px solid #d8dee4;border-radius:4px;padding:2px 8px}
.counter b{font-weight:600}
.timeline-wrap{overflow-x:auto;border:1px solid #d8dee4;border-radius:4px;background:#fff}
svg.timeline text{font-family:inherit}
svg.timeline .blabel{font-size:12px;font-weight:600;fill:#24292f}
svg.timeline .bsub{font-size:10.5px;fill:#57606a}
svg.timeline .axis-label,svg.timeline .legend-label{font-size:10.5px;fill:#57606a}
svg.timeline a.mark{cursor:pointer}
ol.violations,ol.corruptions{padding-left:22px}
li.violation,li.corruption{margin:6px 0;padding:4px 8px;border-radius:4px}
li:target,li.flash{background:#fff8c5;outline:2px solid #d4a72c}
.rule{color:#cf222e;font-weight:600}.rname{font-weight:600}
.ctx{color:#57606a;margin-left:4px}
.caveat{color:#9a6700}
.err{background:#ffebe9;border:1px solid #ff8182;border-radius:4px;padding:6px 10px}
.exp-ok{color:#1a7f37}.exp-fail{color:#cf222e;font-weight:600}
.note{color:#57606a;font-style:italic}
#js-toolbar{margin:12px 0 0;color:#57606a}
table.rules{border-collapse:collapse;margin-top:6px}
table.rules td{padding:1px 10px 1px 0;color:#d0d7de}
)css";

constexpr std::string_view kScript = R"js(
(function(){
  var bar=document.getElementById('js-toolbar');
  var runs=document.querySelectorAll('section.run');
  var failed=document.querySelectorAll('section.run.fail').length;
  bar.innerHTML='';
  var label=document.createElement('label');
  var box=document.createElement('input');box.type='checkbox';box.id='only-failed';
  label.appendChild(box);
  label.appendChild(document.createTextNode(' show only failed runs ('+failed+' of '+runs.length+')'));
  bar.appendChild(label);
  box.addEventListener('change',function(){
    runs.forEach(function(r){r.style.display=(box.checked&&!r.classList.contains('fail'))?'none':'';});
  });
  document.querySelectorAll('svg.timeline a.mark').forEach(function(a){
    a.addEventListener('click',function(){
      var t=document.getElementById(a.getAttribute('href').slice(1));
      if(!t)return;
      document.querySelectorAll('li.flash').forEach(function(e){e.classList.remove('flash');});
      t.classList.add('flash');
    });
  });
})();
)js";

std::string Loc(const SourceLoc& loc) { return HtmlEscape(loc.ToString()); }

void WriteViolation(const Violation& v, std::string_view prefix, size_t i, std::string& out) {
  fmt::format_to(std::back_inserter(out),
                 "<li class=\"violation\" id=\"{}-v{}\"><span class=\"rule\">{}</span> "
                 "<span class=\"rname\">{}</span> <span class=\"ctx\">#{}</span><br>"
                 "<span class=\"mono\">{}</span><br>",
                 prefix, i, RuleCode(v.rule), RuleName(v.rule), v.seq, HtmlEscape(v.message));
  if (!v.device.empty()) {
    fmt::format_to(std::back_inserter(out), "<span class=\"ctx\">device</span> <b>{}</b> ",
                   HtmlEscape(v.device.view()));
  }
  if (v.where.known()) {
    fmt::format_to(std::back_inserter(out), "<span class=\"ctx\">call</span> <code>{}</code> ",
                   Loc(v.where));
  }
  if (v.mapping_where.known() || v.mapping_seq) {
    fmt::format_to(std::back_inserter(out),
                   "<span class=\"ctx\">mapping</span> <code>{}</code> (#{})",
                   v.mapping_where.known() ? Loc(v.mapping_where) : "?", v.mapping_seq);
  }
  if (!v.caveat.empty()) {
    fmt::format_to(std::back_inserter(out), "<br><span class=\"caveat\">caveat: {}</span>",
                   HtmlEscape(v.caveat));
  }
  if (!v.history.empty()) {
    out += "<details><summary>ownership history</summary><ul>";
    for (const OwnershipTransition& t : v.history) {
      fmt::format_to(std::back_inserter(out), "<li class=\"mono\">{}</li>",
                     HtmlEscape(t.ToString()));
    }
    out += "</ul></details>";
  }
  out += "</li>";
}

void WriteCorruption(const Event& c, std::string_view prefix, size_t i, std::string& out) {
  fmt::format_to(std::back_inserter(out),
                 "<li class=\"corruption\" id=\"{}-c{}\"><b>#{}</b> {} read {} at <code>{}</code>"
                 "; last writer <b>{}</b> (#{})<br><span class=\"ctx\">expected</span> "
                 "<code>{}</code><br><span class=\"ctx\">observed</span> <code>{}</code></li>",
                 prefix, i, c.seq, HtmlEscape(c.device.view()), Plural(c.size, "byte"), Hex(c.phys),
                 HtmlEscape(c.writer.view()), c.writer_seq, HexBytes(c.expected, 32),
                 HexBytes(c.observed, 32));
}

void WriteTimeline(const RunRecord& r, std::string_view prefix, std::string& out) {
  out += "<h3>Ownership timeline</h3>";
  if (r.events.empty()) {
    out += "<p class=\"note\">No events were kept for this run.</p>";
    return;
  }
  const auto t = report::OwnershipTimeline::Build(r);
  if (t.events_used < t.events_total) {
    fmt::format_to(std::back_inserter(out),
                   "<p class=\"note\">The timeline shows the first {} of {} events.</p>",
                   t.events_used, t.events_total);
  }
  if (t.buffers.size() < t.buffers_total) {
    fmt::format_to(std::back_inserter(out),
                   "<p class=\"note\">The timeline shows the first {} of {} buffers.</p>",
                   t.buffers.size(), t.buffers_total);
  }
  if (t.buffers.empty()) {
    out += "<p class=\"note\">No DMA buffer was mapped or allocated in this run.</p>";
    return;
  }
  out += "<div class=\"timeline-wrap\">" + report::RenderTimelineSvg(t, prefix) + "</div>";
}

void WriteRun(const RunRecord& r, size_t index, std::string& out) {
  const std::string prefix = fmt::format("r{}", index);
  const bool ok = r.passed();
  fmt::format_to(std::back_inserter(out),
                 "<section class=\"run {0}\" id=\"{1}\"><h2><span class=\"badge {0}\">{2}</span>"
                 "{3}</h2>",
                 ok ? "pass" : "fail", prefix, ok ? "PASS" : "FAIL", HtmlEscape(r.name));
  if (!r.description.empty()) out += "<p>" + HtmlEscape(r.description) + "</p>";
  fmt::format_to(std::back_inserter(out), "<p class=\"meta\">{} &middot; seed {}{}</p>",
                 r.kind == RunKind::kTrace ? "trace" : "scenario", r.seed,
                 r.source.empty() ? "" : " &middot; <code>" + HtmlEscape(r.source) + "</code>");
  if (r.error) out += "<p class=\"err\">" + HtmlEscape(r.error->ToString()) + "</p>";
  if (!r.expectations.empty()) {
    out += "<h3>Expectations</h3><ul class=\"expectations\">";
    for (const ExpectationResult& e : r.expectations) {
      fmt::format_to(std::back_inserter(out), "<li class=\"{}\">{} {}{}</li>",
                     e.met ? "exp-ok" : "exp-fail", e.met ? "&#10003;" : "&#10007;",
                     HtmlEscape(e.what),
                     e.met || e.detail.empty() ? "" : " &mdash; saw " + HtmlEscape(e.detail));
    }
    out += "</ul>";
  }
  out += "<h3>Counters</h3><div class=\"counters\">";
  fmt::format_to(std::back_inserter(out),
                 "<span class=\"counter\">events <b>{}</b></span><span class=\"counter\">"
                 "violations <b>{}</b></span><span class=\"counter\">corruptions <b>{}</b></span>",
                 r.events.size(), r.violation_count(), r.corruptions.size());
  for (const auto& [name, value] : r.counters) {
    fmt::format_to(std::back_inserter(out), "<span class=\"counter\">{} <b>{}</b></span>",
                   HtmlEscape(name), value);
  }
  out += "</div>";
  WriteTimeline(r, prefix, out);
  const uint64_t nviol = r.violation_count();
  fmt::format_to(std::back_inserter(out), "<h3>Violations ({})</h3>", nviol);
  if (!r.violations.empty()) {
    out += "<ol class=\"violations\" start=\"0\">";
    for (size_t i = 0; i < r.violations.size() && i < kMaxListed; ++i) {
      WriteViolation(r.violations[i], prefix, i, out);
    }
    out += "</ol>";
  }
  const size_t listed = std::min(r.violations.size(), kMaxListed);
  if (nviol > listed) {
    fmt::format_to(std::back_inserter(out), "<p class=\"note\">... and {} more</p>",
                   nviol - listed);
  }
  if (!r.corruptions.empty()) {
    fmt::format_to(std::back_inserter(out),
                   "<h3>Corruptions ({})</h3><ol class=\"corruptions\" start=\"0\">",
                   r.corruptions.size());
    for (size_t i = 0; i < r.corruptions.size() && i < kMaxListed; ++i) {
      WriteCorruption(r.corruptions[i], prefix, i, out);
    }
    out += "</ol>";
  }
  if (!r.warnings.empty()) {
    out += "<h3>Warnings</h3><ul class=\"warnings\">";
    for (const std::string& w : r.warnings) out += "<li>" + HtmlEscape(w) + "</li>";
    out += "</ul>";
  }
  if (!r.notes.empty()) {
    out += "<h3>Notes</h3><ul class=\"notes\">";
    for (const std::string& n : r.notes) out += "<li>" + HtmlEscape(n) + "</li>";
    out += "</ul>";
  }
  out += "</section>";
}

}  // namespace

void WriteHtmlReport(std::span<const RunRecord> runs, std::ostream& out) {
  size_t passed = 0;
  uint64_t violations = 0, corruptions = 0;
  std::map<RuleId, uint64_t> rules;
  for (const RunRecord& r : runs) {
    passed += r.passed() ? 1 : 0;
    violations += r.violation_count();
    corruptions += r.corruptions.size();
    for (const auto& [rule, n] : r.RuleTotals()) rules[rule] += n;
  }
  std::string page;
  page +=
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\">"
      "<title>dmakit report</title><style>";
  page += kStyle;
  page += "</style></head><body><header><h1>dmakit report</h1>";
  fmt::format_to(std::back_inserter(page),
                 "<p class=\"summary\" id=\"summary\">{}: {} passed, {} failed &middot; {} "
                 "&middot; {}</p>",
                 Plural(runs.size(), "run"), passed, runs.size() - passed,
                 Plural(violations, "violation"), Plural(corruptions, "corruption"));
  if (!rules.empty()) {
    page += "<table class=\"rules\">";
    for (const auto& [rule, n] : rules) {
      fmt::format_to(std::back_inserter(page), "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                     RuleCode(rule), RuleName(rule), n);
    }
    page += "</table>";
  }
  page += "<div id=\"js-toolbar\">(interactive filtering needs JavaScript)</div></header><main>";
  for (size_t i = 0; i < runs.size(); ++i) WriteRun(runs[i], i, page);
  page += "</main><script>";
  page += kScript;
  page += "</script></body></html>\n";
  out << page;
}

}  // namespace dmakit
