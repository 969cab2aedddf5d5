// Report formats by name, and writing a report to a file or standard output.
#include "dmakit/report/report.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

namespace dmakit {

std::string_view ToString(ReportFormat format) {
  switch (format) {
    case ReportFormat::kText:
      return "text";
    case ReportFormat::kJson:
      return "json";
    case ReportFormat::kHtml:
      return "html";
  }
  return "text";
}

std::optional<ReportFormat> ParseReportFormat(std::string_view text) {
  for (ReportFormat f : {ReportFormat::kText, ReportFormat::kJson, ReportFormat::kHtml}) {
    if (text == ToString(f)) return f;
  }
  return std::nullopt;
}

namespace {

void WriteFormat(std::span<const RunRecord> runs, ReportFormat format, std::ostream& out,
                 const TextReportOptions& text_options) {
  switch (format) {
    case ReportFormat::kText:
      WriteTextReport(runs, out, text_options);
      return;
    case ReportFormat::kJson:
      WriteJsonReport(runs, out);
      return;
    case ReportFormat::kHtml:
      WriteHtmlReport(runs, out);
      return;
  }
}

Error IoError(std::string_view path, std::string_view what, int err) {
  return Error(ErrorCode::kIo, "cannot " + std::string(what) + " report '" + std::string(path) +
                                   "': " + (err != 0 ? std::strerror(err) : "write failed"));
}

}  // namespace

Status WriteReport(std::span<const RunRecord> runs, ReportFormat format, std::string_view path,
                   const TextReportOptions& text_options) {
  if (path == "-") {
    WriteFormat(runs, format, std::cout, text_options);
    std::cout.flush();
    if (!std::cout) return IoError("-", "write", 0);
    return Ok();
  }
  errno = 0;
  std::ofstream out{std::string(path), std::ios::binary | std::ios::trunc};
  if (!out) return IoError(path, "open", errno);
  WriteFormat(runs, format, out, text_options);
  out.flush();
  if (!out) return IoError(path, "write", errno);
  out.close();
  if (out.fail()) return IoError(path, "close", errno);
  return Ok();
}

}  // namespace dmakit
