// The one table of scenario parameters: every key a scenario file may use, with its type,
// default, unit and a one-line description. The loader validates files against it (unknown
// keys are errors that list the expected ones), `dmakit run --help` prints it, and
// docs/scenarios.md embeds its Markdown rendering (a test keeps the two identical).
//
// Sections name where a key lives: "scenario" (top level), "platform", "platform.memory",
// "platform.cache", "platform.iommus", "platform.devices", "platform.devices.iommu",
// "platform.bounce", "platform.gpu", "buffers", "buffers.mappings", "expect", "expect.reads",
// "step" (keys every step accepts) and "step.<kind>" (the keys of one step kind, see
// step_kinds.h).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dmakit/core/result.h"

namespace dmakit::scenario {

enum class ParamType : uint8_t {
  kSection,   // a nested map or list described by its own section
  kSize,      // bytes: a number (decimal or 0x hex) or with a unit: 64, 4KiB, 1MiB, 2GiB
  kUint,      // a number, decimal or 0x hex
  kAddr,      // an address or mask, 0x hex (decimal accepted)
  kBool,      // true / false
  kString,    // free text
  kEnum,      // one of `choices` ("a|b|c"); '-' and '_' are interchangeable, any case
  kBytes,     // hex bytes: "de ad be ef" or "deadbeef"
  kRuleList,  // a list of rule IDs or names: [DMA012, cache-line-sharing]
  kDmaAttrs,  // DMA attributes: "skip_cpu_sync|write_combine", or 0
  kRef,       // the name of something defined earlier (see `ref`)
  kDef,       // defines a name of kind `ref` for later steps
};
std::string_view ToString(ParamType type);

// What a kRef / kDef name refers to.
enum class RefKind : uint8_t {
  kNone,
  kBuffer,
  kDevice,
  kIommu,
  kMapping,
  kView,
  kDomain,
  kRead,
  kBo,          // a GPU buffer object (gpu_bo_create)
  kFence,       // a GPU submission's fence (gpu_submit)
  kGpuContext,  // a GPU context (gpu_context_create)
};
std::string_view ToString(RefKind kind);

struct ParamSpec {
  constexpr ParamSpec(std::string_view section_, std::string_view key_, ParamType type_,
                      std::string_view default_value_, std::string_view unit_,
                      std::string_view description_, bool required_ = false,
                      std::string_view choices_ = {}, RefKind ref_ = RefKind::kNone)
      : section(section_),
        key(key_),
        type(type_),
        default_value(default_value_),
        unit(unit_),
        description(description_),
        required(required_),
        choices(choices_),
        ref(ref_) {}

  std::string_view section;
  std::string_view key;
  ParamType type = ParamType::kString;
  // Default as scenario text. "" with required = false: absent unless given (the description
  // says what absence means); "=other" means "the value of key `other`".
  std::string_view default_value;
  std::string_view unit;  // "bytes", "hex", "" (none)
  std::string_view description;
  bool required = false;
  std::string_view choices;  // kEnum: "lru|random|adversarial"
  RefKind ref = RefKind::kNone;
};

// Every parameter, grouped by section in documentation order.
std::span<const ParamSpec> AllParams();
// The parameters of one section, in table order (empty for an unknown section).
std::vector<const ParamSpec*> ParamsOf(std::string_view section);
const ParamSpec* FindParam(std::string_view section, std::string_view key);

// --- Value syntax shared by the loader and the CLI ---
// "4096", "0x1000", "4KiB", "4 KiB", "1MiB", "2GiB", "4K", "1M". Errors: kParse naming what
// was expected.
Result<uint64_t> ParseSize(std::string_view text);
// "42", "0x2a". Errors: kParse.
Result<uint64_t> ParseUint(std::string_view text);
// "true"/"false"/"yes"/"no"/"on"/"off". Errors: kParse.
Result<bool> ParseBool(std::string_view text);
// "de ad be ef", "deadbeef", "0xdeadbeef". Errors: kParse.
Result<std::vector<uint8_t>> ParseHexBytes(std::string_view text);
// Lowercase with '-' turned into '_': the canonical spelling of an enum value.
std::string NormalizeEnum(std::string_view text);
// The choice `text` names, canonical; nullopt when it is not one of `choices` ("a|b|c").
std::optional<std::string> MatchChoice(std::string_view text, std::string_view choices);

// Markdown tables of every section's parameters (what docs/scenarios.md embeds).
void WriteParamReferenceMarkdown(std::ostream& out);
// The same as plain text for `dmakit run --help`.
void WriteParamReferenceText(std::ostream& out);

}  // namespace dmakit::scenario
