// Loading a scenario file: YAML (yaml-cpp) validated against the params table and the step
// table. Every error is "<file>:<line>:<column>: <what> (<what was expected>)", e.g.
//   rx.yaml:12:7: unknown key 'sizee' in buffer 'rx' (expected one of: size, placement, align,
//   mappings)
// Errors found at load time: malformed YAML; a document that is not a map; unknown keys (at
// every level); missing required keys; duplicate keys; values of the wrong type (size,
// number, address, bool, enum choice, hex bytes, rule ID); unknown step kinds; references to
// buffers, devices, IOMMUs, domains, CPU views, mappings or reads that are not defined (yet,
// for names that steps define); duplicate buffer, device or IOMMU names. All are kParse,
// except kIo for a file that cannot be read. Never throws, never crashes on any input.
#pragma once

#include <string>
#include <string_view>

#include "dmakit/core/result.h"
#include "dmakit/scenario/scenario.h"

namespace dmakit::scenario {

// `file_name` is what locations and messages cite.
Result<Scenario> LoadScenarioText(std::string_view text, std::string_view file_name);
Result<Scenario> LoadScenarioFile(const std::string& path);

}  // namespace dmakit::scenario
