// The step table: every kind of scenario step is one entry here, holding its name, a one-line
// summary, a complete YAML example (for the docs), its parameters (section "step.<name>" of
// the params table) and the function that executes it. Adding a step kind is adding an entry.
#pragma once

#include <span>
#include <string_view>

#include "dmakit/core/result.h"
#include "dmakit/scenario/params.h"

namespace dmakit::scenario {

class StepContext;  // the running system (src/scenario/step_context.h)
struct Step;

struct StepKind {
  std::string_view name;     // "map_single"
  std::string_view summary;  // one line
  std::string_view example;  // one YAML list item, as a scenario writes it
  std::span<const ParamSpec> params;
  // Executes the step. Errors: whatever the API called returns, or a run-time reference
  // error (kNotFound: "mapping 'rx' was unmapped") naming the step's location.
  Status (*run)(StepContext& ctx, const Step& step);
};

// Every step kind, in documentation order.
std::span<const StepKind> StepKinds();
// nullptr for an unknown name.
const StepKind* FindStepKind(std::string_view name);
// Keys every step accepts (section "step").
std::span<const ParamSpec> CommonStepParams();

}  // namespace dmakit::scenario
