// Soundness of the checker against the simulator's oracle (DESIGN.md, "The oracle"): random
// driver programs on random platforms (random_program.h), run with the checker subscribed
// (program_runner.h).
//   - No false negatives: every line of every corruption the oracle reports is named by a
//     violation of an earlier event (for bounce slots: the buffer line the slot stands for).
//   - No false positives: programs that follow the rules raise no violation (not even at the
//     end of the run) and the oracle sees no corruption.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "check/testing/program_runner.h"
#include "check/testing/random_program.h"

namespace dmakit {
namespace {

using testing::Program;
using testing::RunProgram;

std::string Violations(const Checker& c) {
  std::string s;
  for (const Violation& v : c.violations()) s += v.ToString() + "\n";
  return s;
}

RC_GTEST_PROP(CheckerSoundness, CorrectProgramsRaiseNoViolationAndNoCorruption, ()) {
  const Program p = *testing::GenProgram(/*buggy=*/false);
  auto run = RunProgram(p);
  RC_LOG() << testing::ToString(p);
  RC_ASSERT(run->api_errors == 0);
  RC_ASSERT(run->log.corruptions.empty());
  if (run->checker.total() != 0) RC_LOG() << Violations(run->checker);
  RC_ASSERT(run->checker.total() == 0u);
}

RC_GTEST_PROP(CheckerSoundness, EveryCorruptionFollowsAViolationOnTheSameLine, ()) {
  const Program p = *testing::GenProgram(/*buggy=*/true);
  auto run = RunProgram(p);
  RC_TAG(run->log.corruptions.empty() ? "no corruption" : "corruption",
         run->checker.total() == 0 ? "no violation" : "violations");
  const auto unexplained = run->Unexplained(p.platform.backend == DmaBackendKind::kBounce);
  if (!unexplained.empty()) {
    RC_LOG() << testing::ToString(p);
    for (const auto& u : unexplained) RC_LOG() << u << "\n";
    RC_LOG() << Violations(run->checker);
  }
  RC_ASSERT(unexplained.empty());
}

}  // namespace
}  // namespace dmakit
