// The built-in demonstrations of `dmakit run`: the classic bugs of DMA on a non-coherent SoC,
// each done wrong (cache maintenance missing: the oracle shows the corrupted bytes) and right
// (the maintenance of the ownership table in DESIGN.md: no corruption).
//
// They drive the simulated SoC directly, as a driver's DMA-API calls would once the dma layer
// does the maintenance for them: every step is narrated in driver terms.
#pragma once

#include <ostream>
#include <string_view>
#include <vector>

#include "dmakit/core/event.h"
#include "dmakit/sim/cpu_cache.h"

namespace dmakit::demo {

enum class Variant : uint8_t {
  kWrong,  // the driver forgets the maintenance: corruption is expected
  kRight,  // the driver does what the ownership table prescribes: no corruption is expected
};
std::string_view ToString(Variant variant);

struct Outcome {
  std::vector<Event> corruptions;  // the oracle's reports during the run
  bool as_expected = false;        // wrong corrupted, right stayed clean
};

struct Demonstration {
  std::string_view id;     // "cpu-write-no-clean"
  std::string_view title;  // one line
  // Runs the demonstration on a fresh SoC whose cache uses `policy`, narrating each step to
  // `out`.
  Outcome (*run)(Variant variant, EvictionPolicy policy, std::ostream& out);
};

// Every demonstration, in the order `dmakit run` prints them.
const std::vector<Demonstration>& Demonstrations();
const Demonstration* FindDemonstration(std::string_view id);

// Runs `demo` wrong then right and prints a verdict. True when both behaved as expected.
bool RunBoth(const Demonstration& demo, EvictionPolicy policy, std::ostream& out);

}  // namespace dmakit::demo
