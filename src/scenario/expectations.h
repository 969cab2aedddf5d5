// Judging a finished run against the scenario's `expect:` section.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dmakit/report/run_record.h"
#include "dmakit/scenario/scenario.h"

namespace dmakit::scenario {

// Appends one ExpectationResult per expectation (violations, corruption, faults, reads) to
// `rec`, whose violations, rule counts and corruptions are filled already. `faults` is the
// number of IOMMU fault events of the run.
void JudgeExpectations(const Scenario& scenario,
                       const std::map<std::string, std::vector<uint8_t>, std::less<>>& reads,
                       uint64_t faults, RunRecord& rec);

}  // namespace dmakit::scenario
