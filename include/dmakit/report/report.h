// Report writers: one RunRecord list, three forms.
//
//   text  for the terminal: a summary first (runs, passed/failed, violations per rule,
//         corruptions), then each run with its failed expectations and each violation with its
//         context (message, device, call sites, ownership history); colour only when asked.
//   json  for tools: the schema is documented in docs/report-json.md and versioned
//         ("schema": "dmakit-report/1").
//   html  one self-contained page (no network access): per run, a timeline per buffer of who
//         owned each part of it over time, each call, each violation and corruption marked,
//         and the counters.
#pragma once

#include <optional>
#include <ostream>
#include <span>
#include <string_view>

#include "dmakit/core/result.h"
#include "dmakit/report/run_record.h"

namespace dmakit {

enum class ReportFormat : uint8_t { kText, kJson, kHtml };
std::string_view ToString(ReportFormat format);
std::optional<ReportFormat> ParseReportFormat(std::string_view text);

struct TextReportOptions {
  bool color = false;          // ANSI colours (the CLI turns them on for a terminal only)
  size_t max_violations = 50;  // per run; the rest are counted
  bool verbose = false;        // include ownership histories and every expectation
};

void WriteTextReport(std::span<const RunRecord> runs, std::ostream& out,
                     const TextReportOptions& options = {});
void WriteJsonReport(std::span<const RunRecord> runs, std::ostream& out);
void WriteHtmlReport(std::span<const RunRecord> runs, std::ostream& out);

// Writes `runs` in `format` to `path` ("-" is standard output). Errors: kIo naming the path
// and the reason.
Status WriteReport(std::span<const RunRecord> runs, ReportFormat format, std::string_view path,
                   const TextReportOptions& text_options = {});

}  // namespace dmakit
