#include "trace/read_run.h"

#include <fmt/format.h>

#include <algorithm>

namespace dmakit {

std::string TraceReadSummary::ToString() const {
  std::string s = fmt::format("{} lines, {} events, {} unknown", lines, events, unknown);
  if (!unknown_by_name.empty()) {
    s += " (";
    bool first = true;
    for (const auto& [name, count] : unknown_by_name) {
      s += fmt::format("{}{}: {}", first ? "" : ", ", name, count);
      first = false;
    }
    s += ")";
  }
  s += fmt::format(", {} malformed", malformed);
  if (!losses.empty()) s += ", " + LossesToString();
  return s;
}

std::string TraceReadSummary::LossesToString() const {
  if (losses.empty()) return "none lost by the kernel";
  bool unknown_size = false;
  for (const EventLoss& l : losses) unknown_size |= l.count == 0;
  return fmt::format("{}{} lost by the kernel in {} gap{}", unknown_size ? "at least " : "", lost,
                     losses.size(), losses.size() == 1 ? "" : "s");
}

namespace trace_internal {

ReadRun::ReadRun(const TraceReadOptions& options)
    : options_(options), file_name_(options.file_name.empty() ? "<stream>" : options.file_name) {}

bool ReadRun::Malformed(uint32_t line, std::string_view reason) {
  ++summary_.malformed;
  return Problem(line, fmt::format("{}:{}: {}", file_name_, line, reason));
}

bool ReadRun::Unknown(uint32_t line, std::string_view name) {
  ++summary_.unknown;
  auto it = summary_.unknown_by_name.find(name);
  if (it == summary_.unknown_by_name.end()) {
    // Bounded: hostile input could name endless distinct events.
    if (summary_.unknown_by_name.size() < options_.max_problems_kept) {
      summary_.unknown_by_name.emplace(std::string(name), 1);
    }
  } else {
    ++it->second;
  }
  if (!options_.strict) return true;  // unknown events are expected in real traces
  return Problem(line, fmt::format("{}:{}: unknown event '{}'", file_name_, line, name));
}

void ReadRun::Lost(uint32_t line, uint64_t count, uint64_t since_seq) {
  summary_.lost += count;
  const uint64_t after = summary_.events;
  std::vector<EventLoss>& losses = summary_.losses;
  if (!losses.empty() && losses.back().after_seq == after) {
    // No event between the two gaps: one gap. Its size is unknown if either's is.
    EventLoss& last = losses.back();
    last.since_seq = std::min(last.since_seq, since_seq);
    last.count = last.count == 0 || count == 0 ? 0 : last.count + count;
    return;
  }
  losses.push_back(EventLoss{
      .since_seq = std::min(since_seq, after), .after_seq = after, .count = count, .line = line});
}

bool ReadRun::Problem(uint32_t line, std::string message) {
  if (options_.strict) {
    error_.emplace(ErrorCode::kParse, message);
  }
  if (summary_.problems.size() < options_.max_problems_kept) {
    summary_.problems.push_back(TraceProblem{line, std::move(message)});
  }
  return !options_.strict;
}

Result<TraceReadSummary> ReadRun::Finish() && {
  if (error_) return std::move(*error_);
  return std::move(summary_);
}

}  // namespace trace_internal
}  // namespace dmakit
