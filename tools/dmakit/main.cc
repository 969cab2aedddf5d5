// dmakit: the command-line face of the toolkit.
#include <CLI/CLI.hpp>
#include <sstream>
#include <string>

#include "commands.h"
#include "dmakit/scenario/params.h"

int main(int argc, char** argv) {
  CLI::App app{"dmakit: DMA buffer ownership on non-coherent SoCs, simulated and checked"};
  app.set_version_flag("--version", std::string("dmakit ") + DMAKIT_VERSION);
  app.require_subcommand(0, 1);

  dmakit::cli::RunCommand run_cmd;
  CLI::App* run = app.add_subcommand(
      "run", "Run scenarios on the simulated SoC under the checker and the oracle");
  run->add_option("scenario", run_cmd.scenarios, "Scenario files (default: every bundled example)");
  run->add_option("--seed", run_cmd.seed, "Seed (overrides each scenario's seed)");
  run->add_option("--seeds", run_cmd.seeds,
                  "Sweep N seeds (seed, seed+1, ...) in parallel on every core")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 20));
  run->add_option("--cache-policy", run_cmd.cache_policy,
                  "CPU cache eviction policy: lru, random, adversarial (overrides the scenario)");
  run->add_option("--trace", run_cmd.trace, "Record the JSONL event trace to FILE");
  run->add_flag("--stop-on-first", run_cmd.stop_on_first,
                "Stop a run at its first violation, and a sweep at its first failed run");
  auto add_output = [](CLI::App* cmd, dmakit::cli::OutputOptions& out) {
    cmd->add_option("--format", out.format, "Report format: text, json, html")
        ->check(CLI::IsMember({"text", "json", "html"}))
        ->capture_default_str();
    cmd->add_option("--output", out.output, "Write the report to FILE ('-': standard output)")
        ->capture_default_str();
    cmd->add_flag("-v,--verbose", out.verbose, "Ownership histories and every expectation");
  };
  add_output(run, run_cmd.out);
  std::ostringstream params;
  params << "\nScenario parameters (section, key, type, default, description); "
            "docs/scenarios.md explains the format with an example of every step kind:\n";
  dmakit::scenario::WriteParamReferenceText(params);
  run->footer(params.str());

  std::vector<std::string> traces;
  std::optional<uint64_t> trace_line_size;
  dmakit::cli::OutputOptions trace_out;
  CLI::App* check = app.add_subcommand(
      "check-trace", "Check a recorded trace (dmakit JSONL or Linux ftrace text, detected)");
  check->add_option("file", traces, "Trace files")->required();
  check->add_option("--line-size", trace_line_size,
                    "CPU cache line size in bytes, the unit of ownership (a power of two, "
                    "16..4096; default: the trace's cpu_cache event, else 64)");
  add_output(check, trace_out);

  std::string rule;
  CLI::App* explain =
      app.add_subcommand("explain", "What a rule means, why it matters, how to fix it");
  explain->add_option("rule", rule, "Rule ID or name (default: list every rule)");

  bool params_markdown = false;
  CLI::App* list = app.add_subcommand("list", "Bundled scenarios and the checker's rules");
  list->add_flag("--params-markdown", params_markdown,
                 "Print the scenario parameter reference as Markdown (docs/scenarios.md)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2 (commands.h).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*check) return dmakit::cli::CheckTrace(traces, trace_out, trace_line_size);
  if (*explain) return dmakit::cli::Explain(rule);
  if (*list) return dmakit::cli::List(argv[0], params_markdown);
  return dmakit::cli::Run(run_cmd, argv[0]);  // `dmakit` alone runs the bundled scenarios
}
