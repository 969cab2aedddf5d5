// The subcommands of `dmakit`. Each returns the process exit code: 0 success, 1 when the
// runs failed (expectations not met, violations in a trace), 2 for usage or input errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dmakit::cli {

struct OutputOptions {
  std::string format = "text";  // text | json | html
  std::string output = "-";     // "-" is standard output
  bool verbose = false;
};

struct RunCommand {
  std::vector<std::string> scenarios;  // empty: the bundled examples
  std::optional<uint64_t> seed;
  uint64_t seeds = 1;
  std::string cache_policy;  // empty: the scenario's
  std::string trace;         // JSONL trace file, empty for none
  bool stop_on_first = false;
  OutputOptions out;
};

int Run(const RunCommand& cmd, const char* argv0);
// `line_size`: the checker's cache line size (a power of two, 16..4096); unset: the trace's
// cpu_cache event (dmakit JSONL), else 64 (Linux ftrace carries none). Exit 2 when invalid.
int CheckTrace(const std::vector<std::string>& files, const OutputOptions& out,
               std::optional<uint64_t> line_size = std::nullopt);
int Explain(const std::string& rule);
int List(const char* argv0, bool params_markdown);

}  // namespace dmakit::cli
