// RunRecord: everything a report needs about one run (a scenario on the simulator, or a trace
// checked offline). The scenario runner and the trace checker fill it; the text, JSON and
// HTML writers read it. It holds values, not references, so a record outlives the run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dmakit/check/rule.h"
#include "dmakit/check/violation.h"
#include "dmakit/core/event.h"
#include "dmakit/core/result.h"
#include "dmakit/core/source_loc.h"

namespace dmakit {

// One expectation of a scenario ("expect: violations: [DMA012]", "expect: corruption: none",
// "expect: read: {buffer: rx, offset: 0, bytes: ...}"), and whether the run met it.
struct ExpectationResult {
  std::string what;  // "violation DMA012", "no corruption", "read rx+0x0 == 0xaa..."
  bool met = false;
  std::string detail;  // what was seen instead, when not met
  SourceLoc where;     // the expectation's place in the scenario file
};

enum class RunKind : uint8_t { kScenario, kTrace };

struct RunRecord {
  RunKind kind = RunKind::kScenario;
  std::string name;         // scenario name, or the trace file's name
  std::string description;  // the scenario's description (what it shows)
  std::string source;       // the file it came from
  uint64_t seed = 0;

  // A run that could not start or was aborted (bad scenario file, unreadable trace): the
  // error says what, where and why; the other fields hold what was gathered before.
  std::optional<Error> error;

  // Every event of the run, in order (the HTML timeline draws them); may be empty when the
  // caller chose not to keep events.
  std::vector<Event> events;
  std::vector<Violation> violations;
  std::map<RuleId, uint64_t> rule_counts;  // also filled in count-only mode
  std::vector<Event> corruptions;          // the oracle's kCorruption events
  std::vector<ExpectationResult> expectations;
  // Named counters: "cache.hits", "iommu.smmu0.iotlb_misses", "trace.unknown_events", ...
  std::map<std::string, uint64_t> counters;
  // Non-fatal problems met on the way (malformed trace lines, skipped events), one per line.
  std::vector<std::string> warnings;
  // What the check could not do, said once each: "DMA011 not checked: ftrace has no
  // dma_mapping_error event". Not problems with the input, and they do not fail a run.
  std::vector<std::string> notes;
  // The checker's cache line size in bytes; 0 when the producer did not say (see LineSize).
  uint64_t line_size = 0;

  // A scenario passes when it ran and every expectation was met; a trace check passes when
  // it ran and found no violation.
  bool passed() const;
  // Violations per rule: rule_counts when filled, else counted from `violations`.
  std::map<RuleId, uint64_t> RuleTotals() const;
  // Sum of RuleTotals() (at least violations.size()).
  uint64_t violation_count() const;
  // Bytes per cache line of the run: line_size when set, else the first kCpuCache event's
  // line size (when a power of two), else kDefaultLineSize.
  uint64_t LineSize() const;
};

}  // namespace dmakit
