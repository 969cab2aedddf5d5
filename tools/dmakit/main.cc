// dmakit: the command-line face of the toolkit. Until scenarios exist, `dmakit run` (and plain
// `dmakit`) runs the built-in demonstrations on the simulated SoC.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include "demo.h"

namespace {

int RunDemonstrations(const std::vector<std::string>& ids, const std::string& policy_name) {
  auto policy = dmakit::ParseEvictionPolicy(policy_name);
  if (!policy) {
    fmt::print(stderr,
               "dmakit: --policy: unknown eviction policy '{}' (lru, random, "
               "adversarial)\n",
               policy_name);
    return 2;
  }
  std::vector<const dmakit::demo::Demonstration*> chosen;
  for (const std::string& id : ids) {
    const auto* d = dmakit::demo::FindDemonstration(id);
    if (d == nullptr) {
      fmt::print(stderr, "dmakit: run: unknown demonstration '{}'; known:", id);
      for (const auto& known : dmakit::demo::Demonstrations()) fmt::print(stderr, " {}", known.id);
      fmt::print(stderr, "\n");
      return 2;
    }
    chosen.push_back(d);
  }
  if (chosen.empty()) {
    for (const auto& d : dmakit::demo::Demonstrations()) chosen.push_back(&d);
  }
  int failed = 0;
  for (const auto* d : chosen) {
    if (!dmakit::demo::RunBoth(*d, *policy, std::cout)) ++failed;
  }
  fmt::print(
      "{} of {} demonstrations behaved as expected (wrong variant corrupted, right "
      "variant clean)\n",
      chosen.size() - failed, chosen.size());
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dmakit: DMA buffer ownership on non-coherent SoCs, simulated and checked"};
  app.set_version_flag("--version", std::string("dmakit ") + DMAKIT_VERSION);
  std::vector<std::string> ids;
  std::string policy = "lru";
  CLI::App* run = app.add_subcommand(
      "run", "Run the built-in demonstrations (all, or those named) on the simulated SoC");
  run->add_option("demonstration", ids, "Demonstrations to run (default: all)");
  run->add_option("--policy", policy, "CPU cache eviction policy: lru, random, adversarial")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return RunDemonstrations(ids, policy);
}
