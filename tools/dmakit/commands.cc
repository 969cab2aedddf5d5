#include "commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "bundled.h"
#include "dmakit/check/checker.h"
#include "dmakit/check/loss_caveats.h"
#include "dmakit/check/rule.h"
#include "dmakit/report/report.h"
#include "dmakit/scenario/loader.h"
#include "dmakit/scenario/params.h"
#include "dmakit/scenario/runner.h"
#include "dmakit/trace/trace_file.h"

namespace dmakit::cli {
namespace {

int Emit(const std::vector<RunRecord>& runs, const OutputOptions& out) {
  auto format = ParseReportFormat(out.format);
  if (!format) {
    fmt::print(stderr, "dmakit: unknown --format '{}' (text, json, html)\n", out.format);
    return 2;
  }
  TextReportOptions text;
  text.color = out.output == "-" && isatty(STDOUT_FILENO) != 0;
  text.verbose = out.verbose;
  if (Status st = WriteReport(runs, *format, out.output, text); !st.ok()) {
    fmt::print(stderr, "dmakit: {}\n", st.error().message());
    return 2;
  }
  bool all = std::all_of(runs.begin(), runs.end(), [](const RunRecord& r) { return r.passed(); });
  return all ? 0 : 1;
}

// "trace.jsonl" -> "trace-<name>-s<seed>.jsonl" when a command makes several runs.
std::string TracePath(const std::string& base, const RunRecord& run, bool several) {
  if (!several) return base;
  std::filesystem::path p(base);
  std::string stem = p.stem().string() + "-" + run.name + "-s" + std::to_string(run.seed);
  return (p.parent_path() / (stem + p.extension().string())).string();
}

struct Job {
  size_t scenario;
  uint64_t seed;
};

// Suppresses the rules a trace of `format` cannot decide (they fire on the absence of an event
// kind the format never records) and returns one note per rule saying so.
std::vector<std::string> SuppressUndecidable(TraceFormat format, Checker& checker) {
  std::vector<std::string> notes;
  for (const UnrecordedEvent& gap : UnrecordedEvents(format)) {
    for (RuleId rule : RulesNeedingEvent(gap.kind)) {
      if (checker.suppressed(rule)) continue;
      checker.Suppress(rule);
      notes.push_back(fmt::format("{} not checked: {}", RuleCode(rule), gap.why));
    }
  }
  return notes;
}

}  // namespace

int Run(const RunCommand& cmd, const char* argv0) {
  std::vector<std::string> files = cmd.scenarios;
  if (files.empty()) {
    std::string dir = BundledExamplesDir(argv0);
    if (dir.empty()) {
      fmt::print(stderr, "dmakit: no scenario given and no bundled examples found\n");
      return 2;
    }
    files = ScenarioFilesIn(dir);
    fmt::print(stderr, "dmakit: running the {} bundled scenarios in {}\n", files.size(), dir);
  }
  std::optional<EvictionPolicy> policy;
  if (!cmd.cache_policy.empty()) {
    policy = ParseEvictionPolicy(cmd.cache_policy);
    if (!policy) {
      fmt::print(stderr, "dmakit: --cache-policy: unknown policy '{}' (lru, random, adversarial)\n",
                 cmd.cache_policy);
      return 2;
    }
  }
  std::vector<scenario::Scenario> loaded;
  for (const std::string& f : files) {
    auto s = scenario::LoadScenarioFile(f);
    if (!s.ok()) {
      fmt::print(stderr, "{}\n", s.error().message());
      return 2;
    }
    loaded.push_back(std::move(s).value());
  }
  std::vector<Job> jobs;
  for (size_t i = 0; i < loaded.size(); ++i) {
    uint64_t first = cmd.seed.value_or(loaded[i].seed);
    for (uint64_t k = 0; k < cmd.seeds; ++k) jobs.push_back(Job{i, first + k});
  }
  std::vector<RunRecord> runs(jobs.size());
  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::mutex trace_mu;
  bool several = jobs.size() > 1;
  // Sweeps keep no per-event log (memory); single runs keep it for the HTML timeline.
  bool keep_events = jobs.size() <= 64;
  auto worker = [&] {
    for (size_t j = next++; j < jobs.size() && !stop; j = next++) {
      scenario::RunOptions opt;
      opt.seed = jobs[j].seed;
      opt.cache_policy = policy;
      opt.stop_on_first = cmd.stop_on_first;
      opt.keep_events = keep_events;
      std::ostringstream trace;
      if (!cmd.trace.empty()) opt.trace = &trace;
      runs[j] = scenario::RunScenario(loaded[jobs[j].scenario], opt);
      if (!cmd.trace.empty()) {
        std::lock_guard<std::mutex> lock(trace_mu);
        std::string path = TracePath(cmd.trace, runs[j], several);
        std::ofstream f(path, std::ios::binary);
        f << trace.str();
        if (!f) runs[j].warnings.push_back(fmt::format("cannot write the trace to {}", path));
      }
      if (cmd.stop_on_first && !runs[j].passed()) stop = true;
      ++done;
    }
  };
  unsigned threads = several ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  threads = static_cast<unsigned>(std::min<size_t>(threads, jobs.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker);
  bool progress = cmd.seeds > 1 && isatty(STDERR_FILENO) != 0;
  while (progress && done < jobs.size() && !stop) {
    size_t d = done;
    int width = 40, filled = static_cast<int>(width * d / jobs.size());
    fmt::print(stderr, "\r[{}{}] {}/{} runs", std::string(filled, '#'),
               std::string(width - filled, ' '), d, jobs.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (std::thread& t : pool) t.join();
  if (progress) fmt::print(stderr, "\r{:60}\r", "");
  // Runs a --stop-on-first sweep never started are dropped.
  std::vector<RunRecord> finished;
  for (size_t j = 0; j < runs.size(); ++j) {
    if (!runs[j].name.empty()) finished.push_back(std::move(runs[j]));
  }
  if (!cmd.trace.empty()) {
    fmt::print(stderr, "dmakit: event trace{} written to {}\n", several ? "s" : "",
               several ? TracePath(cmd.trace, finished.front(), true) + " ..." : cmd.trace);
  }
  return Emit(finished, cmd.out);
}

int CheckTrace(const std::vector<std::string>& files, const OutputOptions& out,
               std::optional<uint64_t> line_size) {
  if (line_size && (*line_size < 16 || *line_size > 4096 || (*line_size & (*line_size - 1)))) {
    fmt::print(stderr, "dmakit: --line-size {} is not a power of two from 16 to 4096\n",
               *line_size);
    return 2;
  }
  CheckerOptions check_options;
  check_options.line_size = line_size.value_or(0);  // 0: the trace's, else 64
  std::vector<RunRecord> runs;
  for (const std::string& file : files) {
    RunRecord rec;
    rec.kind = RunKind::kTrace;
    rec.name = std::filesystem::path(file).filename().string();
    rec.source = file;
    Checker checker(check_options);
    EventLog log;
    EventBus bus;
    bus.Subscribe(&checker);
    bus.Subscribe(&log);
    auto format = DetectTraceFormatOfFile(file);
    if (format.ok()) rec.notes = SuppressUndecidable(*format, checker);
    auto summary = ReadTraceFile(file, bus);
    bus.OnEnd();
    if (!summary.ok()) {
      rec.error = summary.error();
    } else {
      rec.description = fmt::format("{} trace: {}", format.ok() ? ToString(*format) : "unknown",
                                    summary->ToString());
      rec.counters["trace.lines"] = summary->lines;
      rec.counters["trace.events"] = summary->events;
      rec.counters["trace.unknown_events"] = summary->unknown;
      rec.counters["trace.malformed_lines"] = summary->malformed;
      rec.counters["trace.lost_events"] = summary->lost;
      rec.counters["trace.line_size"] = checker.options().line_size;
      rec.line_size = checker.options().line_size;
      for (const TraceProblem& p : summary->problems) rec.warnings.push_back(p.message);
    }
    rec.violations = checker.violations();
    if (summary.ok() && !summary->losses.empty()) {
      // What the checker concluded from calls it never saw is marked, not dropped: the
      // verdict may still be right, and dropping it would hide a real bug.
      const size_t doubtful = AddLossCaveats(summary->losses, rec.violations);
      rec.notes.push_back(fmt::format(
          "{}: calls among them went unchecked, and {} of the {} verdicts may be artefacts of "
          "the loss (each says so in a caveat)",
          summary->LossesToString(), doubtful, rec.violations.size()));
    }
    for (int i = 0; i < kRuleCount; ++i) {
      auto rule = static_cast<RuleId>(i);
      if (checker.count(rule) != 0) rec.rule_counts[rule] = checker.count(rule);
    }
    rec.events = log.events();
    rec.corruptions = log.OfKind(EventKind::kCorruption);
    runs.push_back(std::move(rec));
  }
  return Emit(runs, out);
}

int Explain(const std::string& rule) {
  if (rule.empty()) {
    for (int i = 0; i < kRuleCount; ++i) {
      const RuleInfo& info = Info(static_cast<RuleId>(i));
      fmt::print("{}  {:<32} {}\n", info.id, info.name, info.summary);
    }
    fmt::print(
        "\n`dmakit explain RULE` tells what a rule means, why it matters and how to fix it.\n");
    return 0;
  }
  auto id = ParseRule(rule);
  if (!id) {
    fmt::print(stderr, "dmakit: explain: unknown rule '{}' (`dmakit explain` lists them)\n", rule);
    return 2;
  }
  const RuleInfo& info = Info(*id);
  fmt::print("{} {}: {}\n\n{}\n", info.id, info.name, info.summary, info.explain);
  return 0;
}

int List(const char* argv0, bool params_markdown) {
  if (params_markdown) {
    scenario::WriteParamReferenceMarkdown(std::cout);
    return 0;
  }
  std::string dir = BundledExamplesDir(argv0);
  fmt::print("Bundled scenarios ({}):\n", dir.empty() ? "none found" : dir);
  for (const std::string& f : ScenarioFilesIn(dir)) {
    auto s = scenario::LoadScenarioFile(f);
    if (!s.ok()) {
      fmt::print("  {:<34} (does not load: {})\n", std::filesystem::path(f).filename().string(),
                 s.error().message());
      continue;
    }
    std::string summary = s->description.substr(0, s->description.find('.') + 1);
    fmt::print("  {:<34} {}\n", s->name, summary);
  }
  fmt::print("\nRules:\n");
  for (int i = 0; i < kRuleCount; ++i) {
    const RuleInfo& info = Info(static_cast<RuleId>(i));
    fmt::print("  {}  {:<32} {}\n", info.id, info.name, info.summary);
  }
  return 0;
}

}  // namespace dmakit::cli
