#include "dmakit/scenario/loader.h"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>

#include <fstream>
#include <set>
#include <sstream>

#include "dmakit/scenario/step_kinds.h"
#include "gpu_platform.h"
#include "yaml_args.h"

namespace dmakit::scenario {
namespace {

class Loader {
 public:
  explicit Loader(std::string file) : y_(std::move(file)) {}

  Result<Scenario> Load(const YAML::Node& root) {
    s_.file = y_.file();
    s_.where = y_.Where(root);
    if (!root.IsMap()) {
      return y_.At(root,
                   "a scenario must be a map (keys: name, description, seed, platform, "
                   "buffers, steps, expect)");
    }
    Args top = DMAKIT_TRY(y_.Read(root, "scenario", "the scenario"));
    s_.name = top.Has("name") ? top.Text("name") : Stem(y_.file());
    s_.description = top.Has("description") ? top.Text("description") : "";
    s_.seed = top.Number("seed");
    s_.soc.seed = s_.seed;
    DMAKIT_TRY(Platform(Section(top, "platform")));
    DMAKIT_TRY(Buffers(Section(top, "buffers")));
    DMAKIT_TRY(Steps(Section(top, "steps")));
    DMAKIT_TRY(Expect(Section(top, "expect")));
    return std::move(s_);
  }

 private:
  static std::string Stem(const std::string& path) {
    size_t slash = path.find_last_of('/');
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    size_t dot = base.rfind('.');
    return dot == std::string::npos ? base : base.substr(0, dot);
  }
  static YAML::Node Section(const Args& a, std::string_view key) {
    auto it = a.sections.find(key);
    return it == a.sections.end() ? YAML::Node() : it->second;
  }
  // A number the SoC keeps in 32 bits.
  Result<uint32_t> U32(const Args& a, std::string_view key, std::string_view ctx) const {
    const Value& v = a.Get(key);
    if (v.number > UINT32_MAX) {
      return y_.At(v.where,
                   fmt::format("'{}' in {}: {} does not fit in 32 bits", key, ctx, v.number));
    }
    return static_cast<uint32_t>(v.number);
  }
  // A list section: null (absent) or a sequence.
  Result<std::vector<YAML::Node>> List(const YAML::Node& node, std::string_view what) {
    std::vector<YAML::Node> out;
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsSequence()) return y_.At(node, fmt::format("{} must be a list", what));
    for (const YAML::Node& n : node) out.push_back(n);
    return out;
  }

  Status Platform(const YAML::Node& node) {
    Args p = DMAKIT_TRY(y_.Read(node, "platform", "platform"));
    s_.soc.wc_buffer_bytes = DMAKIT_TRY(U32(p, "wc_buffer_bytes", "platform"));
    auto banks = DMAKIT_TRY(List(Section(p, "memory"), "platform memory"));
    if (!banks.empty()) s_.soc.banks.clear();
    for (const YAML::Node& n : banks) {
      Args b = DMAKIT_TRY(y_.Read(n, "platform.memory", "a memory bank"));
      s_.soc.banks.push_back(
          MemoryBank{b.Text("name"), PhysAddr(b.Number("base")), b.Number("size")});
    }
    Args c = DMAKIT_TRY(y_.Read(Section(p, "cache"), "platform.cache", "platform cache"));
    s_.soc.cache.size = c.Number("size");
    s_.soc.cache.ways = DMAKIT_TRY(U32(c, "ways", "platform cache"));
    s_.soc.cache.line_size = DMAKIT_TRY(U32(c, "line_size", "platform cache"));
    s_.soc.cache.policy = *ParseEvictionPolicy(c.Text("policy"));
    for (const YAML::Node& n : DMAKIT_TRY(List(Section(p, "iommus"), "platform iommus"))) {
      Args a = DMAKIT_TRY(y_.Read(n, "platform.iommus", "an iommu"));
      IommuConfig cfg;
      cfg.name = a.Text("name");
      if (!iommus_.insert(cfg.name).second) {
        return y_.At(a.Get("name").where, fmt::format("duplicate iommu name '{}'", cfg.name));
      }
      cfg.coherent_walk = a.Number("coherent_walk") != 0;
      cfg.skip_pte_clean = a.Number("skip_pte_clean") != 0;
      cfg.iotlb_entries = DMAKIT_TRY(U32(a, "iotlb_entries", "an iommu"));
      cfg.policy = a.Text("flush") == "lazy" ? FlushPolicy::kLazy : FlushPolicy::kStrict;
      cfg.flush_queue_size = DMAKIT_TRY(U32(a, "flush_queue_size", "an iommu"));
      s_.iommus.push_back(cfg);
    }
    for (const YAML::Node& n : DMAKIT_TRY(List(Section(p, "devices"), "platform devices"))) {
      DMAKIT_TRY(Device(n));
    }
    DMAKIT_TRY(ReadGpuPlatform(y_, Section(p, "gpu"), s_, devices_, iommus_));
    Args b = DMAKIT_TRY(y_.Read(Section(p, "bounce"), "platform.bounce", "platform bounce"));
    s_.dma.bounce.size = b.Number("size");
    s_.dma.bounce.slot_size = b.Number("slot_size");
    s_.dma.bounce.below = b.Number("below");
    s_.dma.bounce.force_bounce = b.Number("force") != 0;
    return Ok();
  }

  Status Device(const YAML::Node& n) {
    Args a = DMAKIT_TRY(y_.Read(n, "platform.devices", "a device"));
    DeviceNode d;
    d.name = a.Text("name");
    std::string ctx = fmt::format("device '{}'", d.name);
    if (devices_.count(d.name) != 0) {
      return y_.At(a.Get("name").where, fmt::format("duplicate device name '{}'", d.name));
    }
    if (a.Has("parent")) {
      d.parent = a.Text("parent");
      if (devices_.count(d.parent) == 0) {
        return y_.At(
            a.Get("parent").where,
            fmt::format("parent '{}' of {} is not a device listed before it", d.parent, ctx));
      }
    }
    d.coherent = a.Number("coherent") != 0;
    d.dma_mask = a.Number("dma_mask");
    d.max_seg_size = a.Number("max_seg_size");
    d.seg_boundary = a.Number("seg_boundary");
    YAML::Node att = Section(a, "iommu");
    if (att.IsDefined() && !att.IsNull()) {
      Args i =
          DMAKIT_TRY(y_.Read(att, "platform.devices.iommu", fmt::format("the iommu of {}", ctx)));
      if (iommus_.count(i.Text("iommu")) == 0) {
        return y_.At(i.Get("iommu").where,
                     fmt::format("unknown iommu '{}' in {} (declare it under platform: iommus)",
                                 i.Text("iommu"), ctx));
      }
      uint32_t sid = DMAKIT_TRY(U32(i, "stream_id", fmt::format("the iommu of {}", ctx)));
      d.iommu = IommuAttachment{i.Text("iommu"), sid};
    }
    devices_.insert(d.name);
    s_.devices.push_back(std::move(d));
    return Ok();
  }

  Status Buffers(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return Ok();
    if (!node.IsMap()) return y_.At(node, "buffers must be a map of buffer names to buffers");
    for (const auto& kv : node) {
      std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (name.empty()) return y_.At(kv.first, "a buffer name must be a plain name");
      if (!names_[RefKind::kBuffer].insert(name).second) {
        return y_.At(kv.first, fmt::format("duplicate buffer '{}'", name));
      }
      std::string ctx = fmt::format("buffer '{}'", name);
      Args a = DMAKIT_TRY(y_.Read(kv.second, "buffers", ctx));
      BufferSpec b;
      b.name = name;
      b.where = y_.Where(kv.first);
      b.size = a.Number("size");
      if (b.size == 0) return y_.At(a.Get("size").where, fmt::format("{} has size 0", ctx));
      b.align = a.Number("align");
      if (b.align == 0 || (b.align & (b.align - 1)) != 0) {
        return y_.At(a.Get("align").where, fmt::format("align of {} must be a power of two", ctx));
      }
      const std::string& pl = a.Text("placement");
      b.placement = pl == "pages"        ? Placement::kPages
                    : pl == "contiguous" ? Placement::kContiguous
                                         : Placement::kKmalloc;
      for (const YAML::Node& m : DMAKIT_TRY(List(Section(a, "mappings"), ctx + " mappings"))) {
        Args v = DMAKIT_TRY(y_.Read(m, "buffers.mappings", "a mapping of " + ctx));
        const std::string& attr = v.Text("attr");
        b.views.push_back(CpuViewSpec{v.Text("name"),
                                      attr == "uncached"        ? MemAttr::kUncached
                                      : attr == "write_combine" ? MemAttr::kWriteCombine
                                                                : MemAttr::kCached,
                                      v.Get("name").where});
        if (!names_[RefKind::kView].insert(v.Text("name")).second) {
          return y_.At(v.Get("name").where,
                       fmt::format("duplicate CPU view name '{}' in {}", v.Text("name"), ctx));
        }
      }
      s_.buffers.push_back(std::move(b));
    }
    return Ok();
  }

  Status Steps(const YAML::Node& node) {
    for (const YAML::Node& n : DMAKIT_TRY(List(node, "steps"))) DMAKIT_TRY(StepOf(n));
    return Ok();
  }

  static std::string KindList() {
    std::string out;
    for (const StepKind& k : StepKinds()) out += (out.empty() ? "" : ", ") + std::string(k.name);
    return out;
  }

  Status StepOf(const YAML::Node& n) {
    // yaml-cpp's Node::operator= writes into the node referred to: use reset() to rebind.
    YAML::Node key_node;
    YAML::Node params;
    if (n.IsMap() && n.size() == 1) {
      key_node.reset(n.begin()->first);
      params.reset(n.begin()->second);
    } else if (n.IsScalar()) {
      key_node.reset(n);
    } else {
      return y_.At(n,
                   "a step must be a step kind with its parameters, e.g. "
                   "'- map_single: {device: nic, buffer: rx, dir: from_device}'");
    }
    std::string kind_name = key_node.IsScalar() ? key_node.Scalar() : "";
    const StepKind* kind = FindStepKind(kind_name);
    if (kind == nullptr) {
      return y_.At(key_node, fmt::format("unknown step kind '{}' (expected one of: {})", kind_name,
                                         KindList()));
    }
    std::vector<const ParamSpec*> specs;
    for (const ParamSpec& p : CommonStepParams()) specs.push_back(&p);
    for (const ParamSpec& p : kind->params) specs.push_back(&p);
    std::string ctx = fmt::format("step '{}'", kind_name);
    Args a = DMAKIT_TRY(y_.Read(params, specs, ctx, y_.Where(key_node)));
    if (a.Has("pattern") && a.Number("pattern") > 0xff) {
      return y_.At(a.Get("pattern").where,
                   fmt::format("'pattern' in {} must be a byte value, 0..0xff, got 0x{:x}", ctx,
                               a.Number("pattern")));
    }
    Step step;
    step.kind = kind;
    step.where = y_.Where(key_node);
    for (auto& [k, v] : a.values) {
      if (!v.given) v.where = step.where;
    }
    // References must name something defined before this step; then this step's names exist.
    for (const ParamSpec* p : specs) {
      if (p->type != ParamType::kRef || !a.Has(p->key)) continue;
      const Value& v = a.Get(p->key);
      if (!Known(p->ref, v.text)) {
        return y_.At(v.where, fmt::format("{}: unknown {} '{}'{}", ctx, ToString(p->ref), v.text,
                                          Hint(p->ref)));
      }
    }
    for (const ParamSpec* p : specs) {
      if (p->type != ParamType::kDef || !a.Has(p->key)) continue;
      names_[p->ref].insert(a.Text(p->key));
      if (kind_name.starts_with("alloc_")) names_[RefKind::kBuffer].insert(a.Text(p->key));
    }
    step.args = std::move(a.values);
    s_.steps.push_back(std::move(step));
    return Ok();
  }

  bool Known(RefKind kind, const std::string& name) const {
    if (kind == RefKind::kDevice) return devices_.count(name) != 0;
    if (kind == RefKind::kIommu) return iommus_.count(name) != 0;
    auto it = names_.find(kind);
    return it != names_.end() && it->second.count(name) != 0;
  }
  static std::string_view Hint(RefKind kind) {
    switch (kind) {
      case RefKind::kBuffer:
        return " (declare it under buffers, or create it with an alloc_* step before)";
      case RefKind::kDevice:
        return " (declare it under platform: devices)";
      case RefKind::kIommu:
        return " (declare it under platform: iommus)";
      case RefKind::kMapping:
        return " (no earlier step creates a mapping of that name: name it with `as`)";
      case RefKind::kView:
        return " (declare it under the buffer's mappings, or create it with cpu_map before)";
      case RefKind::kDomain:
        return " (create it with domain_create before)";
      case RefKind::kRead:
        return " (no cpu_read step has that `as` label)";
      case RefKind::kBo:
        return " (create it with gpu_bo_create before)";
      case RefKind::kFence:
        return " (no earlier gpu_submit names its fence so: name it with `as`)";
      case RefKind::kGpuContext:
        return " (create it with gpu_context_create before; without `context` a step uses the "
               "context the driver starts with)";
      default:
        return "";
    }
  }

  Status Expect(const YAML::Node& node) {
    Args a = DMAKIT_TRY(y_.Read(node, "expect", "expect"));
    Expectations& e = s_.expect;
    if (a.Has("violations_include")) {
      e.violations_include = a.Get("violations_include").rules;
      e.include_where = a.Get("violations_include").where;
      if (a.Get("violations").given) {
        e.violations = a.Get("violations").rules;
        e.violations_where = a.Get("violations").where;
      }
    } else {
      e.violations = a.Get("violations").rules;
      e.violations_where = a.Get("violations").where;
    }
    e.corruption = DMAKIT_TRY(Count(a.Get("corruption"), "corruption"));
    e.faults = DMAKIT_TRY(Count(a.Get("faults"), "faults"));
    for (const YAML::Node& n : DMAKIT_TRY(List(Section(a, "reads"), "expect reads"))) {
      Args r = DMAKIT_TRY(y_.Read(n, "expect.reads", "an expected read"));
      ReadExpect re;
      re.read = r.Text("read");
      re.where = r.where;
      if (!Known(RefKind::kRead, re.read)) {
        return y_.At(r.Get("read").where, fmt::format("expect reads: unknown read '{}'{}", re.read,
                                                      Hint(RefKind::kRead)));
      }
      if (r.Has("pattern") == r.Has("bytes")) {
        return y_.At(n, "an expected read needs exactly one of 'pattern' and 'bytes'");
      }
      if (r.Has("pattern")) {
        if (r.Number("pattern") > 0xff) {
          return y_.At(r.Get("pattern").where,
                       fmt::format("'pattern' in an expected read must be a byte value, 0..0xff, "
                                   "got 0x{:x}",
                                   r.Number("pattern")));
        }
        re.pattern = static_cast<uint8_t>(r.Number("pattern"));
      } else {
        re.bytes = r.Get("bytes").bytes;
      }
      e.reads.push_back(std::move(re));
    }
    return Ok();
  }

  Result<CountExpect> Count(const Value& v, std::string_view key) {
    CountExpect c;
    c.where = v.where;
    std::string t = NormalizeEnum(v.text);
    if (t == "any") {
      c.mode = CountExpectation::kAny;
    } else if (t == "none") {
      c.mode = CountExpectation::kNone;
    } else if (t == "some") {
      c.mode = CountExpectation::kSome;
    } else if (auto n = ParseUint(t); n.ok()) {
      c.mode = *n == 0 ? CountExpectation::kNone : CountExpectation::kExactly;
      c.count = *n;
    } else {
      return y_.At(v.where, fmt::format("'{}' in expect: expected any, none, some or a count, got "
                                        "'{}'",
                                        key, v.text));
    }
    return c;
  }

  YamlReader y_;
  Scenario s_;
  std::set<std::string> devices_;
  std::set<std::string> iommus_;
  std::map<RefKind, std::set<std::string>> names_;
};

}  // namespace

Result<Scenario> LoadScenarioText(std::string_view text, std::string_view file_name) {
  std::string file(file_name);
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsDefined() || root.IsNull()) {
      return Error(ErrorCode::kParse,
                   fmt::format("{}:1:1: the file is empty (a scenario is a map with name, "
                               "platform, buffers, steps, expect)",
                               file));
    }
    return Loader(file).Load(root);
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's own message for this one is "bad file".
    return Error(ErrorCode::kParse,
                 fmt::format("{}:{}:{}: malformed YAML: nested {} levels deep or more", file,
                             e.mark.line + 1, e.mark.column + 1, e.depth()));
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kParse, fmt::format("{}:{}:{}: malformed YAML: {}", file,
                                                e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const std::exception& e) {
    return Error(ErrorCode::kParse, fmt::format("{}: cannot load: {}", file, e.what()));
  }
}

Result<Scenario> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, fmt::format("{}: cannot open the scenario file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return LoadScenarioText(ss.str(), path);
}

}  // namespace dmakit::scenario
