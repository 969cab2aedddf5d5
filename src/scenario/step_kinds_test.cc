// The step table: every kind's documented example loads inside a minimal scenario. The
// scenario around an example is derived from the tables alone: each name the example refers
// to is declared (buffers, devices, IOMMUs) or made by the first step kind whose table entry
// defines that kind of name, itself made from its own example.
#include "dmakit/scenario/step_kinds.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "dmakit/scenario/loader.h"
#include "dmakit/scenario/params.h"

namespace dmakit::scenario {
namespace {

class MinimalScenario {
 public:
  // Adds the steps (and declarations) that `example` needs, then the example itself.
  // Returns false when a reference cannot be provided.
  bool Add(const StepKind& kind, std::string_view example, int depth = 0) {
    YAML::Node item = YAML::Load(std::string(example));
    if (!item.IsSequence() || item.size() != 1) return false;
    YAML::Node step = item[0];
    YAML::Node params = step.IsMap() ? step.begin()->second : YAML::Node();
    if (params.IsMap()) {
      for (const ParamSpec& p : kind.params) {
        if (p.type != ParamType::kRef || !params[std::string(p.key)]) continue;
        if (!Provide(p.ref, params[std::string(p.key)].as<std::string>(), depth)) return false;
      }
    }
    steps_ += "  " + std::string(example) + "\n";
    for (const ParamSpec& p : kind.params) {
      if (p.type == ParamType::kDef && params.IsMap() && params[std::string(p.key)]) {
        defined_[p.ref].insert(params[std::string(p.key)].as<std::string>());
      }
    }
    return true;
  }

  std::string Text() const {
    std::string out = "platform:\n  iommus:\n";
    for (const std::string& i : iommus_) out += "    - {name: " + i + "}\n";
    out += "  devices:\n";
    for (const std::string& d : devices_) {
      out += "    - {name: " + d;
      if (!iommus_.empty()) out += ", iommu: {iommu: " + *iommus_.begin() + "}";
      out += "}\n";
    }
    out += "buffers:\n";
    for (const auto& [b, views] : buffers_) {
      out += "  " + b + ":\n    size: 64KiB\n    placement: pages\n    mappings:\n";
      for (const std::string& v : views) out += "      - {name: " + v + ", attr: write_combine}\n";
      if (views.empty()) out.resize(out.size() - std::string("    mappings:\n").size());
    }
    return out + "steps:\n" + steps_;
  }

 private:
  bool Provide(RefKind ref, const std::string& name, int depth) {
    if (defined_[ref].count(name) != 0) return true;
    switch (ref) {
      case RefKind::kBuffer:
        buffers_[name];
        break;
      case RefKind::kDevice:
        devices_.insert(name);
        break;
      case RefKind::kIommu:
        iommus_.insert(name);
        break;
      case RefKind::kView:
        // A view of some buffer, declared with it.
        buffers_[buffers_.empty() ? "viewed" : buffers_.begin()->first].push_back(name);
        break;
      default:
        if (!Make(ref, name, depth)) return false;
        break;
    }
    defined_[ref].insert(name);
    return true;
  }

  // The first step kind defining a `ref` name makes it, from its own example renamed.
  bool Make(RefKind ref, const std::string& name, int depth) {
    if (depth > 8) return false;
    for (const StepKind& k : StepKinds()) {
      for (const ParamSpec& p : k.params) {
        if (p.type != ParamType::kDef || p.ref != ref) continue;
        YAML::Node item = YAML::Load(std::string(k.example));
        YAML::Node params = item[0].begin()->second;
        params[std::string(p.key)] = name;
        YAML::Emitter e;
        e << YAML::Flow << item[0];
        return Add(k, "- " + std::string(e.c_str()), depth + 1);
      }
    }
    return false;
  }

  std::set<std::string> iommus_;
  std::set<std::string> devices_;
  std::map<std::string, std::vector<std::string>> buffers_;
  std::map<RefKind, std::set<std::string>> defined_;
  std::string steps_;
};

TEST(StepKinds, EveryExampleLoadsInsideAMinimalScenario) {
  ASSERT_FALSE(StepKinds().empty());
  for (const StepKind& kind : StepKinds()) {
    SCOPED_TRACE(std::string(kind.name));
    MinimalScenario m;
    ASSERT_TRUE(m.Add(kind, kind.example)) << "cannot provide the references of " << kind.example;
    std::string text = m.Text();
    auto s = LoadScenarioText(text, "example.yaml");
    ASSERT_TRUE(s.ok()) << s.error().message() << "\n" << text;
    ASSERT_FALSE(s->steps.empty());
    const Step& last = s->steps.back();
    EXPECT_EQ(last.kind, &kind);
    // Every key the example writes is given, every required key has a value.
    for (const ParamSpec& p : kind.params) {
      if (p.required) {
        EXPECT_TRUE(last.Has(p.key)) << p.key;
      }
    }
    YAML::Node params = YAML::Load(std::string(kind.example))[0].begin()->second;
    if (params.IsMap()) {
      for (const auto& kv : params) {
        const std::string key = kv.first.as<std::string>();
        ASSERT_TRUE(last.Has(key)) << key;
        EXPECT_TRUE(last.Get(key).given) << key;
      }
    }
  }
}

TEST(StepKinds, ExamplesAreOneListItemOfTheirOwnKind) {
  for (const StepKind& kind : StepKinds()) {
    YAML::Node item = YAML::Load(std::string(kind.example));
    ASSERT_TRUE(item.IsSequence()) << kind.name;
    ASSERT_EQ(item.size(), 1u) << kind.name;
    std::string head =
        item[0].IsMap() ? item[0].begin()->first.as<std::string>() : item[0].as<std::string>();
    EXPECT_EQ(head, kind.name);
  }
}

TEST(StepKinds, EveryStepAcceptsTheCommonKeys) {
  ASSERT_EQ(CommonStepParams().size(), 1u);
  EXPECT_EQ(CommonStepParams()[0].key, "error");
  EXPECT_EQ(CommonStepParams()[0].default_value, "none");
}

}  // namespace
}  // namespace dmakit::scenario
