// RatioReporter: the console table, then for every pair of benchmarks that differ only in a
// final "/NAME:0" / "/NAME:1" argument, the ratio of their CPU times (NAME:1 over NAME:0),
// so a target stated as a ratio against a baseline measured in the same run is printed by
// the run itself. With --benchmark_repetitions the medians are compared; without, the single
// runs. Runs that failed (SkipWithError) are left out.
//
//   RatioReporter reporter("checker", 1.3);
//   benchmark::RunSpecifiedBenchmarks(&reporter);
#pragma once

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace dmakit {

class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  // `target`: the largest acceptable ratio, printed beside each (0: none).
  RatioReporter(std::string arg_name, double target)
      : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular),
        arg_("/" + std::move(arg_name) + ":"),
        target_(target) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.run_type == Run::RT_Aggregate && !median) continue;
      const std::string name = r.run_name.str();
      const size_t at = name.rfind(arg_);
      if (at == std::string::npos) continue;
      const std::string value = name.substr(at + arg_.size());
      if (value != "0" && value != "1") continue;
      Pair& p = pairs_[name.substr(0, at)];
      Side& side = value == "1" ? p.on : p.off;
      (median ? side.median : side.single) = r.GetAdjustedCPUTime();
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::ostream& out = GetOutputStream();
    for (const auto& [name, p] : pairs_) {
      const double on = p.on.time(), off = p.off.time();
      if (on <= 0 || off <= 0) continue;
      char line[256];
      std::snprintf(line, sizeof line, "%s%s1 / %s0 CPU time: %.3f", name.c_str(), arg_.c_str(),
                    arg_.c_str() + 1, on / off);
      out << line;
      if (target_ > 0) {
        std::snprintf(line, sizeof line, "  (%starget <= %.2f)",
                      on / off <= target_ ? "" : "MISSED: ", target_);
        out << line;
      }
      out << "\n";
    }
  }

 private:
  struct Side {
    double median = 0;  // from the repetitions' aggregate, when there were repetitions
    double single = 0;  // from the last single run
    double time() const { return median > 0 ? median : single; }
  };
  struct Pair {
    Side on, off;
  };
  std::string arg_;  // "/NAME:"
  double target_;
  std::map<std::string, Pair> pairs_;
};

}  // namespace dmakit
