// libFuzzer target: any bytes fed to the scenario loader must neither crash, hang, nor grow
// memory without bound. A rejected file must be a kParse error citing "<file>:<line>:<col>:"
// (or the whole file); an accepted one must hold what the loader promises: every step has a
// kind from the table and a value for each of its kind's required parameters, every buffer a
// non-zero size and a power-of-two alignment.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dmakit/scenario/loader.h"
#include "dmakit/scenario/step_kinds.h"

namespace {

constexpr std::string_view kFile = "fuzz.yaml";

bool CitesTheFile(const std::string& message) {
  return message.compare(0, kFile.size() + 1, std::string(kFile) + ":") == 0;
}

void CheckLoaded(const dmakit::scenario::Scenario& s) {
  for (const dmakit::scenario::Step& step : s.steps) {
    if (step.kind == nullptr || dmakit::scenario::FindStepKind(step.kind->name) != step.kind) {
      __builtin_trap();
    }
    for (const dmakit::scenario::ParamSpec& p : step.kind->params) {
      if (p.required && !step.Has(p.key)) __builtin_trap();
    }
    if (!step.Has("error")) __builtin_trap();
  }
  for (const dmakit::scenario::BufferSpec& b : s.buffers) {
    if (b.size == 0 || b.align == 0 || (b.align & (b.align - 1)) != 0) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto loaded = dmakit::scenario::LoadScenarioText(text, kFile);
  if (loaded.ok()) {
    CheckLoaded(*loaded);
  } else {
    if (loaded.error().code() != dmakit::ErrorCode::kParse) __builtin_trap();
    if (!CitesTheFile(loaded.error().message())) __builtin_trap();
  }
  return 0;
}
