#include "dmakit/scenario/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "dmakit/check/checker.h"
#include "dmakit/scenario/step_kinds.h"
#include "dmakit/trace/jsonl_writer.h"
#include "expectations.h"
#include "step_context.h"

namespace dmakit::scenario {
namespace {

// Keeps every event (or only corruptions and faults) for the record.
class RecordSink final : public EventSink {
 public:
  explicit RecordSink(bool keep_all) : keep_all_(keep_all) {}
  void OnEvent(const Event& e) override {
    if (keep_all_) events.push_back(e);
    if (e.kind == EventKind::kCorruption) corruptions.push_back(e);
    if (e.kind == EventKind::kIommuFault) ++faults;
  }
  std::vector<Event> events;
  std::vector<Event> corruptions;
  uint64_t faults = 0;

 private:
  bool keep_all_;
};

std::optional<ErrorCode> ExpectedCode(const std::string& name) {
  static const std::pair<std::string_view, ErrorCode> kCodes[] = {
      {"invalid_argument", ErrorCode::kInvalidArgument},
      {"out_of_range", ErrorCode::kOutOfRange},
      {"not_found", ErrorCode::kNotFound},
      {"already_exists", ErrorCode::kAlreadyExists},
      {"exhausted", ErrorCode::kExhausted},
      {"failed_precondition", ErrorCode::kFailedPrecondition},
      {"permission_denied", ErrorCode::kPermissionDenied},
      {"fault", ErrorCode::kFault},
      {"unsupported", ErrorCode::kUnsupported},
  };
  for (auto [n, c] : kCodes) {
    if (n == name) return c;
  }
  return std::nullopt;
}

// Compares a step's outcome with its `error:`; returns an expectation result when there is
// something to report (a declared error, or an unexpected outcome).
std::optional<ExpectationResult> JudgeStep(const Step& step, const Status& st) {
  const std::string& want = step.Text("error");
  std::string label = fmt::format("step {} at {}", step.kind->name, step.where.ToString());
  if (want == "none") {
    if (st.ok()) return std::nullopt;
    return ExpectationResult{label + " succeeds", false, st.error().ToString(), step.where};
  }
  ExpectationResult r{fmt::format("{} fails with {}", label, want), false, "", step.where};
  if (st.ok()) {
    r.detail = "it succeeded";
  } else if (want == "any" || ExpectedCode(want) == st.error().code()) {
    r.met = true;
  } else {
    r.detail = st.error().ToString();
  }
  return r;
}

void FillCounters(StepContext& ctx, RunRecord& rec) {
  const CacheStats& c = ctx.soc().cache().stats();
  rec.counters["cache.hits"] = c.hits;
  rec.counters["cache.misses"] = c.misses;
  rec.counters["cache.write_backs"] = c.write_backs;
  rec.counters["cache.evictions"] = c.evictions;
  rec.counters["cache.lines_cleaned"] = c.lines_cleaned;
  rec.counters["cache.lines_invalidated"] = c.lines_invalidated;
  rec.counters["oracle.corruption_events"] = ctx.soc().oracle().corruption_events();
  rec.counters["oracle.corrupted_bytes"] = ctx.soc().oracle().corrupted_bytes();
  if (Gpu* gpu = ctx.gpu()) {
    rec.counters["gpu.faults"] = gpu->faults().size();
    rec.counters["gpu.cp_errors"] = gpu->cp().errors().size();
    rec.counters["gpu.deferred_frees"] = gpu->deferred_frees();
  }
  for (const auto& iommu : ctx.iommus()) {
    const IommuCounters& k = iommu->counters();
    std::string p = fmt::format("iommu.{}.", iommu->name().view());
    rec.counters[p + "iotlb_hits"] = k.iotlb_hits;
    rec.counters[p + "iotlb_misses"] = k.iotlb_misses;
    rec.counters[p + "walks"] = k.walks;
    rec.counters[p + "invalidations"] = k.invalidations;
    rec.counters[p + "stale_hits"] = k.stale_hits;
    rec.counters[p + "faults"] = k.faults;
    rec.counters[p + "flushes"] = k.flushes;
  }
}

}  // namespace

RunRecord RunScenario(const Scenario& scenario, const RunOptions& options) {
  RunRecord rec;
  rec.kind = RunKind::kScenario;
  rec.name = scenario.name;
  rec.description = scenario.description;
  rec.source = scenario.file;
  rec.seed = options.seed.value_or(scenario.seed);

  SocConfig soc_config = scenario.soc;
  soc_config.seed = rec.seed;
  if (options.cache_policy) soc_config.cache.policy = *options.cache_policy;
  auto created = StepContext::Create(scenario, soc_config);
  if (!created.ok()) {
    rec.error = created.error().WithContext(scenario.file);
    return rec;
  }
  StepContext& ctx = **created;

  // The checker learns the line size from the platform announcement (kCpuCache), as it does
  // from a recorded trace.
  CheckerOptions check_options;
  if (options.stop_on_first) check_options.mode = CheckMode::kStopAtFirst;
  Checker checker(check_options);
  RecordSink record(options.keep_events);
  std::unique_ptr<JsonlRecorder> recorder;
  EventBus& bus = ctx.soc().bus();
  bus.Subscribe(&checker);
  bus.Subscribe(&record);
  if (options.trace != nullptr) {
    recorder = std::make_unique<JsonlRecorder>(*options.trace);
    bus.Subscribe(recorder.get());
  }
  ctx.dma().Announce();
  Status setup = ctx.AllocateBuffers();
  if (setup.ok()) setup = ctx.CreateGpu();  // on the same SoC, IOMMU and bus as the steps
  if (!setup.ok()) {
    rec.error = setup.error();
  } else {
    uint64_t executed = 0;
    for (const Step& step : scenario.steps) {
      Status outcome = step.kind->run(ctx, step);
      ++executed;
      if (auto judged = JudgeStep(step, outcome)) rec.expectations.push_back(std::move(*judged));
      if (checker.stopped()) break;
    }
    rec.counters["run.steps"] = executed;
  }
  // Counters first (the GPU's go with it), then the driver unloads: its rings and fences are
  // unmapped before the end-of-run leak check.
  FillCounters(ctx, rec);
  ctx.DestroyGpu();
  bus.OnEnd();
  // Tearing the system down (the GPU's buffers, domains) happens after the run, when these
  // sinks are gone: they must not hear it.
  bus.Unsubscribe(&checker);
  bus.Unsubscribe(&record);
  if (recorder) bus.Unsubscribe(recorder.get());
  if (recorder && !recorder->status().ok())
    rec.warnings.push_back(recorder->status().error().ToString());

  rec.violations = checker.violations();
  for (int i = 0; i < kRuleCount; ++i) {
    auto rule = static_cast<RuleId>(i);
    if (checker.count(rule) != 0) rec.rule_counts[rule] = checker.count(rule);
  }
  rec.corruptions = record.corruptions;
  rec.events = std::move(record.events);
  rec.counters["iommu.fault_events"] = record.faults;
  if (!rec.error) JudgeExpectations(scenario, ctx.reads, record.faults, rec);
  return rec;
}

}  // namespace dmakit::scenario
