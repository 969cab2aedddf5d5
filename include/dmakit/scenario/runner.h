// Running a loaded scenario: builds the SoC, IOMMUs, topology and DMA system from the
// platform, subscribes a Checker (and optionally a JSONL recorder), announces the platform,
// allocates the buffers, executes the steps in order, ends the run (bus OnEnd) and fills a
// RunRecord: events, violations, rule counts, corruptions, expectation results and counters
// ("cache.*", "iommu.<name>.*", "oracle.*", "run.*").
//
// A step that fails where the scenario did not say `error:` (or succeeds where it did) is a
// failed expectation citing the step's file:line:column, never a crash; the run goes on.
// A platform the simulator refuses makes RunRecord::error. Deterministic per seed; runs share
// no state, so different scenarios or seeds may run on different threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>

#include "dmakit/report/run_record.h"
#include "dmakit/scenario/scenario.h"
#include "dmakit/sim/cpu_cache.h"

namespace dmakit::scenario {

struct RunOptions {
  std::optional<uint64_t> seed;                // overrides the scenario's seed
  std::optional<EvictionPolicy> cache_policy;  // overrides platform.cache.policy
  bool stop_on_first = false;                  // stop at the first violation
  bool keep_events = true;                     // RunRecord::events
  std::ostream* trace = nullptr;               // JSONL event trace, when set
};

RunRecord RunScenario(const Scenario& scenario, const RunOptions& options = {});

}  // namespace dmakit::scenario
