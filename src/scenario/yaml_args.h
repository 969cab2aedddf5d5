// Reading one YAML map against a list of ParamSpecs: unknown, duplicate and missing keys,
// typed values, defaults. The loader's building block; every error cites file:line:column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dmakit/core/result.h"
#include "dmakit/scenario/params.h"
#include "dmakit/scenario/scenario.h"

namespace dmakit::scenario {

struct Args {
  std::map<std::string, Value, std::less<>> values;
  std::map<std::string, YAML::Node, std::less<>> sections;  // kSection keys given
  SourceLoc where;                                          // of the map

  bool Has(std::string_view key) const { return values.count(std::string(key)) != 0; }
  uint64_t Number(std::string_view key) const { return values.at(std::string(key)).number; }
  const std::string& Text(std::string_view key) const { return values.at(std::string(key)).text; }
  const Value& Get(std::string_view key) const { return values.at(std::string(key)); }
};

class YamlReader {
 public:
  explicit YamlReader(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  SourceLoc Where(const YAML::Node& node) const;
  // "<file>:<line>:<col>: <message>" as a kParse error.
  Error At(const YAML::Node& node, std::string_view message) const;
  Error At(const SourceLoc& where, std::string_view message) const;

  // Reads `node` (a map, or null for an empty one) against `specs`. `context` names it in
  // messages ("buffer 'rx'", "platform cache"). `absent_where`, when given, is where a null
  // or missing `node` is cited (missing keys, defaults): e.g. the step a bare `- cpu_write`
  // names.
  Result<Args> Read(const YAML::Node& node, std::span<const ParamSpec* const> specs,
                    std::string_view context,
                    std::optional<SourceLoc> absent_where = std::nullopt) const;
  Result<Args> Read(const YAML::Node& node, std::string_view section,
                    std::string_view context) const;

  // A scalar parsed as `spec` says.
  Result<Value> ParseValue(const YAML::Node& node, const ParamSpec& spec,
                           std::string_view context) const;

 private:
  std::string file_;
};

}  // namespace dmakit::scenario
