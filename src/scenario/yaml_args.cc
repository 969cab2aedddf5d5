#include "yaml_args.h"

#include <fmt/format.h>

#include "dmakit/check/rule.h"
#include "dmakit/core/dma_types.h"

namespace dmakit::scenario {
namespace {

std::string KeyList(std::span<const ParamSpec* const> specs) {
  std::string out;
  for (const ParamSpec* p : specs) {
    if (!out.empty()) out += ", ";
    out += p->key;
  }
  return out;
}

std::string_view Expected(const ParamSpec& spec) {
  switch (spec.type) {
    case ParamType::kSize:
      return "a size (bytes, or with a unit: 4KiB, 1MiB, 2GiB)";
    case ParamType::kUint:
      return "a number (decimal or 0x hex)";
    case ParamType::kAddr:
      return "an address (0x hex)";
    case ParamType::kBool:
      return "true or false";
    case ParamType::kBytes:
      return "hex bytes (\"de ad be ef\")";
    case ParamType::kDmaAttrs:
      return "DMA attributes (skip_cpu_sync|write_combine|weak_ordering|no_kernel_mapping, or 0)";
    default:
      return "a value";
  }
}

}  // namespace

SourceLoc YamlReader::Where(const YAML::Node& node) const {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return SourceLoc::Interned(file_, 1, 1);
  return SourceLoc::Interned(file_, static_cast<uint32_t>(m.line + 1),
                             static_cast<uint32_t>(m.column + 1));
}

Error YamlReader::At(const YAML::Node& node, std::string_view message) const {
  return At(Where(node), message);
}

Error YamlReader::At(const SourceLoc& where, std::string_view message) const {
  return Error(ErrorCode::kParse, fmt::format("{}: {}", where.ToString(), message));
}

Result<Value> YamlReader::ParseValue(const YAML::Node& node, const ParamSpec& spec,
                                     std::string_view context) const {
  Value v;
  v.where = Where(node);
  v.given = true;
  if (spec.type == ParamType::kRuleList) {
    if (!node.IsSequence()) {
      return At(node, fmt::format("'{}' in {} must be a list of rule IDs, e.g. [DMA012]", spec.key,
                                  context));
    }
    for (const YAML::Node& item : node) {
      std::string text = item.IsScalar() ? item.Scalar() : std::string();
      auto rule = ParseRule(text);
      if (!item.IsScalar() || !rule) {
        return At(item,
                  fmt::format("unknown rule '{}' in '{}' (expected a rule ID like DMA012 or a "
                              "rule name; `dmakit explain` lists them)",
                              text, spec.key));
      }
      v.rules.emplace_back(RuleCode(*rule));
    }
    return v;
  }
  if (!node.IsScalar()) {
    return At(node, fmt::format("'{}' in {} must be a single value: {}", spec.key, context,
                                spec.type == ParamType::kEnum ? spec.choices : Expected(spec)));
  }
  const std::string& text = node.Scalar();
  auto bad = [&](std::string_view what) {
    return At(node,
              fmt::format("'{}' in {}: expected {}, got '{}'", spec.key, context, what, text));
  };
  switch (spec.type) {
    case ParamType::kSize: {
      auto r = ParseSize(text);
      if (!r.ok()) return bad(Expected(spec));
      v.number = *r;
      break;
    }
    case ParamType::kUint:
    case ParamType::kAddr: {
      auto r = ParseUint(text);
      if (!r.ok()) return bad(Expected(spec));
      v.number = *r;
      break;
    }
    case ParamType::kBool: {
      auto r = ParseBool(text);
      if (!r.ok()) return bad(Expected(spec));
      v.number = *r ? 1 : 0;
      break;
    }
    case ParamType::kBytes: {
      auto r = ParseHexBytes(text);
      if (!r.ok()) return bad(Expected(spec));
      v.bytes = std::move(r).value();
      break;
    }
    case ParamType::kDmaAttrs: {
      std::string norm = text;
      for (char& c : norm) c = c == '|' ? ',' : c;
      auto r = text.empty() ? std::optional<DmaAttrs>(DmaAttrs()) : ParseDmaAttrs(norm);
      if (!r) return bad(Expected(spec));
      v.number = r->bits();
      break;
    }
    case ParamType::kEnum: {
      auto c = MatchChoice(text, spec.choices);
      if (!c) return bad(fmt::format("one of {}", spec.choices));
      v.text = *c;
      break;
    }
    case ParamType::kRef:
    case ParamType::kDef:
      if (text.empty()) return bad(fmt::format("a {} name", ToString(spec.ref)));
      v.text = text;
      break;
    default:
      v.text = text;
      break;
  }
  return v;
}

Result<Args> YamlReader::Read(const YAML::Node& node, std::string_view section,
                              std::string_view context) const {
  std::vector<const ParamSpec*> specs = ParamsOf(section);
  return Read(node, specs, context);
}

Result<Args> YamlReader::Read(const YAML::Node& node, std::span<const ParamSpec* const> specs,
                              std::string_view context,
                              std::optional<SourceLoc> absent_where) const {
  Args args;
  bool absent = !node.IsDefined() || node.IsNull();
  args.where = absent && absent_where ? *absent_where : Where(node);
  if (!node.IsMap() && !node.IsNull()) {
    return At(node, fmt::format("{} must be a map (keys: {})", context, KeyList(specs)));
  }
  if (node.IsMap()) {
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        return At(kv.first, fmt::format("a key in {} must be a plain name", context));
      }
      const std::string& key = kv.first.Scalar();
      const ParamSpec* spec = nullptr;
      for (const ParamSpec* p : specs) {
        if (p->key == key) spec = p;
      }
      if (spec == nullptr) {
        return At(kv.first, fmt::format("unknown key '{}' in {} (expected one of: {})", key,
                                        context, KeyList(specs)));
      }
      if (args.values.count(key) != 0 || args.sections.count(key) != 0) {
        return At(kv.first, fmt::format("duplicate key '{}' in {}", key, context));
      }
      if (spec->type == ParamType::kSection) {
        args.sections[key] = kv.second;
        continue;
      }
      args.values[key] = DMAKIT_TRY(ParseValue(kv.second, *spec, context));
    }
  }
  for (const ParamSpec* p : specs) {
    if (p->type == ParamType::kSection || args.Has(p->key)) continue;
    if (p->required) {
      return At(args.where,
                fmt::format("missing key '{}' in {} ({})", p->key, context, p->description));
    }
    if (p->default_value.empty() || p->default_value[0] == '=') continue;
    if (p->type == ParamType::kRuleList) {
      Value v;
      v.where = args.where;
      args.values[std::string(p->key)] = v;  // "[]"
      continue;
    }
    Value v = DMAKIT_TRY(ParseValue(YAML::Node(std::string(p->default_value)), *p, context));
    v.where = args.where;
    v.given = false;
    args.values[std::string(p->key)] = std::move(v);
  }
  // Defaults naming another key ("=buffer").
  for (const ParamSpec* p : specs) {
    if (args.Has(p->key) || p->default_value.size() < 2 || p->default_value[0] != '=') continue;
    auto other = args.values.find(p->default_value.substr(1));
    if (other == args.values.end()) continue;
    Value v = other->second;
    v.given = false;
    args.values[std::string(p->key)] = std::move(v);
  }
  return args;
}

}  // namespace dmakit::scenario
