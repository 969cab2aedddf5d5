#include "dmakit/scenario/params.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "dmakit/scenario/step_kinds.h"

namespace dmakit::scenario {
namespace {

using T = ParamType;
using R = RefKind;

// The table reads best one entry per line.
// clang-format off
// Every section except the steps' (those live in the step table, one entry per kind).
constexpr ParamSpec kStatic[] = {
    {"scenario", "name", T::kString, "=file", "", "Name shown in reports (default: the file name)"},
    {"scenario", "description", T::kString, "", "", "What the scenario shows, one paragraph"},
    {"scenario", "seed", T::kUint, "1", "", "Seeds page placement and random cache eviction"},
    {"scenario", "platform", T::kSection, "", "", "The simulated SoC (section platform)"},
    {"scenario", "buffers", T::kSection, "", "", "Named buffers (section buffers)"},
    {"scenario", "steps", T::kSection, "", "", "The program, a list of steps (see step kinds)"},
    {"scenario", "expect", T::kSection, "", "", "What the run must show (section expect)"},

    {"platform", "memory", T::kSection, "", "", "RAM banks, a list (default: dram0, 256 MiB at 0x80000000)"},
    {"platform", "cache", T::kSection, "", "", "The CPU data cache"},
    {"platform", "iommus", T::kSection, "", "", "IOMMUs, a list (default: none)"},
    {"platform", "devices", T::kSection, "", "", "Device nodes, a list (default: none)"},
    {"platform", "bounce", T::kSection, "", "", "The bounce-buffer pool (swiotlb)"},
    {"platform", "gpu", T::kSection, "", "", "The msm-like GPU and its driver (absent: no GPU)"},
    {"platform", "wc_buffer_bytes", T::kSize, "64", "bytes", "Write-combining buffer size, a power of two 8..4096"},

    {"platform.memory", "name", T::kString, "dram0", "", "Bank name for messages"},
    {"platform.memory", "base", T::kAddr, "0x80000000", "hex", "First physical address, page-aligned"},
    {"platform.memory", "size", T::kSize, "256MiB", "bytes", "Bank size, a multiple of 4 KiB"},

    {"platform.cache", "size", T::kSize, "64KiB", "bytes", "Data cache capacity, a power of two"},
    {"platform.cache", "ways", T::kUint, "4", "", "Associativity, a power of two"},
    {"platform.cache", "line_size", T::kSize, "64", "bytes", "Cache line size, a power of two 16..256"},
    {"platform.cache", "policy", T::kEnum, "lru", "", "Eviction policy", false, "lru|random|adversarial"},

    {"platform.iommus", "name", T::kString, "", "", "IOMMU name that devices attach to", true},
    {"platform.iommus", "coherent_walk", T::kBool, "true", "", "The page-table walker snoops the CPU cache"},
    {"platform.iommus", "skip_pte_clean", T::kBool, "false", "", "Bug knob: page-table writes are not cleaned for a non-coherent walker"},
    {"platform.iommus", "iotlb_entries", T::kUint, "64", "entries", "IOTLB capacity in 4 KiB entries"},
    {"platform.iommus", "flush", T::kEnum, "strict", "", "IOTLB invalidation on unmap: at once or queued", false, "strict|lazy"},
    {"platform.iommus", "flush_queue_size", T::kUint, "64", "entries", "lazy: queued unmaps that trigger a flush"},

    {"platform.devices", "name", T::kString, "", "", "Device node name", true},
    {"platform.devices", "parent", T::kString, "", "", "Parent node (absent: a root node)"},
    {"platform.devices", "coherent", T::kBool, "false", "", "DMA snoops the CPU cache"},
    {"platform.devices", "dma_mask", T::kAddr, "0xffffffff", "hex", "Highest address the device can put on the bus"},
    {"platform.devices", "max_seg_size", T::kSize, "64KiB", "bytes", "Largest scatter-gather segment"},
    {"platform.devices", "seg_boundary", T::kAddr, "0xffffffff", "hex", "A segment may not cross a multiple of this + 1"},
    {"platform.devices", "iommu", T::kSection, "", "", "IOMMU attachment (absent: direct DMA)"},

    {"platform.devices.iommu", "iommu", T::kRef, "", "", "The IOMMU's name", true, "", R::kIommu},
    {"platform.devices.iommu", "stream_id", T::kUint, "0", "", "Stream ID on that IOMMU"},

    {"platform.bounce", "size", T::kSize, "0", "bytes", "Pool size; 0 means no bounce pool"},
    {"platform.bounce", "slot_size", T::kSize, "2048", "bytes", "Bytes per slot, a power of two >= 64"},
    {"platform.bounce", "below", T::kAddr, "0x100000000", "hex", "The pool lies below this physical address"},
    {"platform.bounce", "force", T::kBool, "false", "", "Bounce every direct streaming mapping (swiotlb=force)"},

    {"platform.gpu", "name", T::kString, "gpu", "", "Device node the GPU driver binds to (added to the devices)"},
    {"platform.gpu", "parent", T::kString, "", "", "Parent node of the GPU (absent: a root node)"},
    {"platform.gpu", "iommu", T::kRef, "", "", "The IOMMU the GPU translates through", true, "", R::kIommu},
    {"platform.gpu", "stream_id", T::kUint, "0", "", "Stream ID on that IOMMU"},
    {"platform.gpu", "iommu_on", T::kEnum, "gpu_node", "", "Which node carries the IOMMU attachment: the GPU's own, or a sub-device (the other hardware generation)", false, "gpu_node|sub_device"},
    {"platform.gpu", "sub_device", T::kString, "", "", "iommu_on sub_device: the sub-device's node name (default: <name>-cx)"},
    {"platform.gpu", "coherent", T::kBool, "false", "", "The GPU's DMA snoops the CPU cache"},
    {"platform.gpu", "clean", T::kEnum, "prepare_cpu_mapping", "", "How the driver cleans write-combined / uncached buffers before mmap: the sanctioned operation, none (bug), or one of the seed's DMA-API hacks", false, "prepare_cpu_mapping|skip|dma_sync_sg_for_device|dma_map_sg"},
    {"platform.gpu", "hack_device", T::kRef, "", "", "Device the DMA-API hacks call (default: the GPU's own DMA node)", false, "", R::kDevice},
    {"platform.gpu", "ring_bytes", T::kSize, "16KiB", "bytes", "Ring buffer size per context, a multiple of 4 KiB"},
    {"platform.gpu", "kernel_base", T::kAddr, "0x1000000", "hex", "GPU address space: start of the kernel region (rings, fences)"},
    {"platform.gpu", "kernel_size", T::kSize, "0xf000000", "bytes", "GPU address space: size of the kernel region"},
    {"platform.gpu", "user_base", T::kAddr, "0x100000000", "hex", "GPU address space: start of the user region (buffer objects)"},
    {"platform.gpu", "user_size", T::kSize, "0xf00000000", "bytes", "GPU address space: size of the user region"},

    {"buffers", "size", T::kSize, "", "bytes", "Buffer size", true},
    {"buffers", "placement", T::kEnum, "kmalloc", "", "kmalloc: cached slab, small buffers share lines; pages: scattered pages; contiguous: contiguous pages", false, "kmalloc|pages|contiguous"},
    {"buffers", "align", T::kSize, "8", "bytes", "kmalloc: alignment in the slab"},
    {"buffers", "mappings", T::kSection, "", "", "Extra CPU views made at start, a list (the linear map always exists)"},

    {"buffers.mappings", "name", T::kDef, "", "", "View name for `via`", true, "", R::kView},
    {"buffers.mappings", "attr", T::kEnum, "", "", "Memory type of the view", true, "cached|write_combine|uncached"},

    {"expect", "violations", T::kRuleList, "[]", "", "Exactly these violations (a multiset of rule IDs)"},
    {"expect", "violations_include", T::kRuleList, "", "", "At least these violations (others allowed; replaces the default `violations: []`)"},
    {"expect", "corruption", T::kString, "none", "", "Oracle corruptions: none, some, or a count"},
    {"expect", "faults", T::kString, "any", "", "IOMMU faults: any, none, some, or a count"},
    {"expect", "reads", T::kSection, "", "", "Values cpu_read steps must have seen, a list"},

    {"expect.reads", "read", T::kRef, "", "", "The `as` label of a cpu_read step", true, "", R::kRead},
    {"expect.reads", "pattern", T::kUint, "", "", "Every byte read equals this"},
    {"expect.reads", "bytes", T::kBytes, "", "hex", "The bytes read start with these"},
};
// clang-format on

std::vector<ParamSpec> BuildAll() {
  std::vector<ParamSpec> all(std::begin(kStatic), std::end(kStatic));
  for (const ParamSpec& p : CommonStepParams()) all.push_back(p);
  for (const StepKind& k : StepKinds()) {
    for (const ParamSpec& p : k.params) all.push_back(p);
  }
  return all;
}

Error ParseError(std::string_view what, std::string_view text) {
  return Error(ErrorCode::kParse, fmt::format("expected {}, got '{}'", what, text));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> ParseNumber(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string_view TypeHint(const ParamSpec& p) {
  switch (p.type) {
    case T::kSection:
      return "section";
    case T::kSize:
      return "size";
    case T::kUint:
      return "number";
    case T::kAddr:
      return "hex";
    case T::kBool:
      return "bool";
    case T::kString:
      return "text";
    case T::kEnum:
      return p.choices;
    case T::kBytes:
      return "hex bytes";
    case T::kRuleList:
      return "rule list";
    case T::kDmaAttrs:
      return "dma attrs";
    case T::kRef:
    case T::kDef:
      return ToString(p.ref);
  }
  return "";
}

std::string DefaultText(const ParamSpec& p) {
  if (p.required) return "required";
  if (p.default_value.empty()) return "-";
  if (p.default_value[0] == '=') return fmt::format("same as `{}`", p.default_value.substr(1));
  return std::string(p.default_value);
}

}  // namespace

std::string_view ToString(ParamType type) {
  switch (type) {
    case T::kSection:
      return "section";
    case T::kSize:
      return "size";
    case T::kUint:
      return "number";
    case T::kAddr:
      return "address";
    case T::kBool:
      return "bool";
    case T::kString:
      return "string";
    case T::kEnum:
      return "enum";
    case T::kBytes:
      return "bytes";
    case T::kRuleList:
      return "rule list";
    case T::kDmaAttrs:
      return "dma attrs";
    case T::kRef:
      return "reference";
    case T::kDef:
      return "name";
  }
  return "?";
}

std::string_view ToString(RefKind kind) {
  switch (kind) {
    case R::kNone:
      return "none";
    case R::kBuffer:
      return "buffer";
    case R::kDevice:
      return "device";
    case R::kIommu:
      return "iommu";
    case R::kMapping:
      return "mapping";
    case R::kView:
      return "view";
    case R::kDomain:
      return "domain";
    case R::kRead:
      return "read";
    case R::kBo:
      return "bo";
    case R::kFence:
      return "fence";
    case R::kGpuContext:
      return "gpu context";
  }
  return "?";
}

std::span<const ParamSpec> AllParams() {
  static const std::vector<ParamSpec> all = BuildAll();
  return all;
}

std::vector<const ParamSpec*> ParamsOf(std::string_view section) {
  std::vector<const ParamSpec*> out;
  for (const ParamSpec& p : AllParams()) {
    if (p.section == section) out.push_back(&p);
  }
  return out;
}

const ParamSpec* FindParam(std::string_view section, std::string_view key) {
  for (const ParamSpec& p : AllParams()) {
    if (p.section == section && p.key == key) return &p;
  }
  return nullptr;
}

Result<uint64_t> ParseSize(std::string_view text) {
  std::string_view s = Trim(text);
  size_t split = s.size();
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    // Hex digits belong to the number ("0x1B" is 27 bytes): the unit starts after them.
    split = 2;
    while (split < s.size() && std::isxdigit(static_cast<unsigned char>(s[split]))) ++split;
  } else {
    while (split > 0 && std::isalpha(static_cast<unsigned char>(s[split - 1]))) --split;
  }
  // Only a known suffix is a unit.
  std::string_view unit = Trim(s.substr(split));
  std::string_view num = Trim(s.substr(0, split));
  uint64_t mult = 1;
  if (unit == "KiB" || unit == "K" || unit == "KB" || unit == "k") {
    mult = 1ull << 10;
  } else if (unit == "MiB" || unit == "M" || unit == "MB") {
    mult = 1ull << 20;
  } else if (unit == "GiB" || unit == "G" || unit == "GB") {
    mult = 1ull << 30;
  } else if (unit == "B" || unit.empty()) {
    mult = 1;
  } else {
    num = s;
  }
  auto v = ParseNumber(num);
  if (!v || (*v != 0 && *v > UINT64_MAX / mult)) {
    return ParseError("a size (bytes, or with a unit: 4KiB, 1MiB, 2GiB)", text);
  }
  return *v * mult;
}

Result<uint64_t> ParseUint(std::string_view text) {
  auto v = ParseNumber(Trim(text));
  if (!v) return ParseError("a number (decimal or 0x hex)", text);
  return *v;
}

Result<bool> ParseBool(std::string_view text) {
  std::string s = NormalizeEnum(Trim(text));
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return ParseError("true or false", text);
}

Result<std::vector<uint8_t>> ParseHexBytes(std::string_view text) {
  std::string digits;
  std::string_view s = Trim(text);
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  for (char c : s) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      digits += c;
    } else if (!std::isspace(static_cast<unsigned char>(c)) && c != ':' && c != ',') {
      return ParseError("hex bytes (\"de ad be ef\")", text);
    }
  }
  if (digits.empty() || digits.size() % 2 != 0) {
    return ParseError("hex bytes, two digits each (\"de ad be ef\")", text);
  }
  std::vector<uint8_t> out;
  for (size_t i = 0; i < digits.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string NormalizeEnum(std::string_view text) {
  std::string out;
  for (char c : text) {
    out += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::optional<std::string> MatchChoice(std::string_view text, std::string_view choices) {
  std::string want = NormalizeEnum(Trim(text));
  while (!choices.empty()) {
    size_t bar = choices.find('|');
    std::string_view c = choices.substr(0, bar);
    if (c == want) return std::string(c);
    if (bar == std::string_view::npos) break;
    choices.remove_prefix(bar + 1);
  }
  return std::nullopt;
}

namespace {

// A table cell: '|' would end the cell.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

void WriteMarkdownTable(std::ostream& out, std::span<const ParamSpec> params) {
  out << "| key | type | default | unit | description |\n|---|---|---|---|---|\n";
  for (const ParamSpec& p : params) {
    out << fmt::format("| `{}` | {} | {} | {} | {} |\n", p.key, Cell(TypeHint(p)),
                       Cell(DefaultText(p)), Cell(p.unit), Cell(p.description));
  }
}

}  // namespace

void WriteParamReferenceMarkdown(std::ostream& out) {
  out << "### Step kinds\n\n| kind | what it does |\n|---|---|\n";
  for (const StepKind& k : StepKinds()) {
    out << fmt::format("| [`{}`](#step-{}) | {} |\n", k.name, k.name, Cell(k.summary));
  }
  for (const StepKind& k : StepKinds()) {
    out << fmt::format("\n<a id=\"step-{}\"></a>\n#### `{}`\n\n{}\n\n```yaml\n{}\n```\n\n", k.name,
                       k.name, k.summary, k.example);
    if (k.params.empty()) {
      out << "No parameters besides `error`.\n";
    } else {
      WriteMarkdownTable(out, k.params);
    }
  }
  out << "\n### Every parameter, by section\n";
  std::vector<ParamSpec> section_params;
  auto flush = [&] {
    if (section_params.empty()) return;
    out << fmt::format("\n#### `{}`\n\n", section_params.front().section);
    WriteMarkdownTable(out, section_params);
    section_params.clear();
  };
  for (const ParamSpec& p : AllParams()) {
    if (p.section.starts_with("step.")) continue;  // with their step kind, above
    if (!section_params.empty() && p.section != section_params.front().section) flush();
    section_params.push_back(p);
  }
  flush();
}

void WriteParamReferenceText(std::ostream& out) {
  std::string_view section;
  for (const ParamSpec& p : AllParams()) {
    if (p.section != section) {
      section = p.section;
      out << fmt::format("\n[{}]\n", section);
    }
    out << fmt::format(
        "  {:<20} {:<28} {:<14} {}\n", p.key,
        fmt::format("{}{}", TypeHint(p),
                    p.unit.empty() || p.unit == "hex" ? "" : fmt::format(" ({})", p.unit)),
        DefaultText(p), p.description);
  }
  for (const StepKind& k : StepKinds()) {
    if (k.params.empty())
      out << fmt::format("\n[step.{}]  {} (no parameters)\n", k.name, k.summary);
  }
}

}  // namespace dmakit::scenario
