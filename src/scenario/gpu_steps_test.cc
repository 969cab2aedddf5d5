// The GPU in scenarios: the platform's `gpu` section and the gpu_* step kinds. Wrong input is
// an error naming file:line:column (at load time where the file alone shows it, at run time
// as a failed step), and the seed story's proper design stays clean under every cache policy.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "dmakit/scenario/loader.h"
#include "dmakit/scenario/runner.h"

namespace dmakit::scenario {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kPlatform = R"(name: g
platform:
  memory:
    - {size: 16MiB}
  iommus:
    - {name: smmu0}
  devices:
    - {name: mdss}
  gpu: {iommu: smmu0}
)";

// A scenario on the GPU platform with `steps` (each line indented as a list item).
std::string WithSteps(std::string_view steps, std::string_view platform = kPlatform) {
  return std::string(platform) + "steps:\n" + std::string(steps) +
         "expect:\n  violations_include: []\n";
}

Error LoadError(std::string_view text) {
  auto r = LoadScenarioText(text, "g.yaml");
  EXPECT_FALSE(r.ok()) << "loaded:\n" << text;
  return r.ok() ? Error(ErrorCode::kInternal, "loaded") : r.error();
}

RunRecord RunText(std::string_view text, RunOptions options = {}) {
  auto s = LoadScenarioText(text, "g.yaml");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  if (!s.ok()) return RunRecord{};
  return RunScenario(*s, options);
}

// What the first step that failed without an `error:` said ("" when none did).
std::string StepFailure(const RunRecord& rec) {
  for (const ExpectationResult& e : rec.expectations) {
    if (!e.met && e.what.starts_with("step ")) return e.detail;
  }
  return "";
}

constexpr std::string_view kPinned = R"(  - gpu_bo_create: {size: 4KiB, as: a}
  - gpu_bo_create: {size: 4KiB, as: b}
  - gpu_bo_create: {size: 4KiB, caching: write_combine, dir: to_device, as: cmds}
  - gpu_mmap: {bo: cmds}
  - gpu_pin: {bo: a}
  - gpu_pin: {bo: b}
)";

// --- load time ---

TEST(GpuStepsLoad, AnUnknownBoIsAnErrorAtItsPlace) {
  Error e =
      LoadError(WithSteps("  - gpu_bo_create: {size: 4KiB, as: a}\n  - gpu_pin: {bo: nope}\n"));
  EXPECT_EQ(e.code(), ErrorCode::kParse);
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:12:19: step 'gpu_pin': unknown bo 'nope'"));
  EXPECT_THAT(e.message(), HasSubstr("gpu_bo_create"));
}

TEST(GpuStepsLoad, AnUnknownFenceIsAnErrorAtItsPlace) {
  Error e = LoadError(WithSteps("  - gpu_wait: {fence: job}\n"));
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:11:23: step 'gpu_wait': unknown fence 'job'"));
}

TEST(GpuStepsLoad, AnUnknownContextIsAnErrorAtItsPlace) {
  Error e = LoadError(
      WithSteps("  - gpu_bo_create: {size: 4KiB, as: a}\n  - gpu_pin: {bo: a, context: app2}\n"));
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:12:31: step 'gpu_pin': unknown gpu context 'app2'"));
  EXPECT_THAT(e.message(), HasSubstr("gpu_context_create"));
}

TEST(GpuStepsLoad, ABadCachingValueNamesTheChoices) {
  Error e = LoadError(WithSteps("  - gpu_bo_create: {size: 4KiB, caching: writeback, as: a}\n"));
  EXPECT_EQ(e.code(), ErrorCode::kParse);
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:11:42:"));
  EXPECT_THAT(e.message(), HasSubstr("cached|write_combine|uncached"));
  EXPECT_THAT(e.message(), HasSubstr("writeback"));
}

TEST(GpuStepsLoad, ABadCommandOpNamesTheChoices) {
  Error e =
      LoadError(WithSteps(std::string(kPinned) + "  - gpu_emit: {cmd: cmds, op: mul, dst: a}\n"));
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:17:31:"));
  EXPECT_THAT(e.message(), HasSubstr("write_imm|copy|fill|add|xor"));
}

TEST(GpuPlatformLoad, TheGpuSectionNeedsAKnownIommu) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu9}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:16: unknown iommu 'smmu9' in platform gpu"));
}

TEST(GpuPlatformLoad, TheGpuSectionNeedsAnIommu) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {coherent: true}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:8: missing key 'iommu' in platform gpu"));
}

TEST(GpuPlatformLoad, TheGpusNodesMayNotTakeADevicesName) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, name: mdss}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:29: the GPU's device node 'mdss' is already"));
}

TEST(GpuPlatformLoad, SubDeviceNameNeedsTheSubDeviceTopology) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, sub_device: cx}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:35: 'sub_device' in platform gpu needs iommu_on"));
}

TEST(GpuPlatformLoad, AnUnknownHackDeviceIsAnError) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, hack_device: drm}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:36: unknown device 'drm' for hack_device"));
}

TEST(GpuPlatformLoad, RingBytesMustBeWholePages) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, ring_bytes: 1000}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:35: ring_bytes 1000 in platform gpu"));
}

TEST(GpuPlatformLoad, AStreamIdBeyond32BitsIsAnErrorAtItsPlace) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, stream_id: 4294967296}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_EQ(e.code(), ErrorCode::kParse);
  EXPECT_THAT(e.message(),
              HasSubstr("g.yaml:9:34: 'stream_id' in platform gpu: 4294967296 does not fit in "
                        "32 bits"));
}

TEST(GpuPlatformLoad, TheLargest32BitStreamIdReachesTheGpuNode) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, stream_id: 4294967295}");
  auto s = LoadScenarioText(text + "steps: []\n", "g.yaml");
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_TRUE(s->gpu.has_value());
  const DeviceNode& gpu = s->devices.back();
  EXPECT_EQ(gpu.name, s->gpu->device);
  ASSERT_TRUE(gpu.iommu.has_value());
  EXPECT_EQ(gpu.iommu->stream_id, 4294967295u);
}

TEST(GpuPlatformLoad, OverlappingRegionsAreAnError) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19,
               "gpu: {iommu: smmu0, user_base: 0x2000000, user_size: 16MiB}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:34: the GPU's kernel and user regions overlap"));
}

TEST(GpuPlatformLoad, UnalignedRegionsAreAnError) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, user_size: 100}");
  Error e = LoadError(text + "steps: []\n");
  EXPECT_THAT(e.message(), HasSubstr("g.yaml:9:34: the GPU's user region"));
}

TEST(GpuPlatformLoad, TheSubDeviceTopologyAddsBothNodes) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19,
               "gpu: {iommu: smmu0, iommu_on: sub_device, coherent: true}");
  auto s = LoadScenarioText(text + "steps: []\n", "g.yaml");
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_EQ(s->devices.size(), 3u);
  EXPECT_EQ(s->devices[1].name, "gpu");
  EXPECT_FALSE(s->devices[1].iommu.has_value());
  EXPECT_EQ(s->devices[2].name, "gpu-cx");
  EXPECT_EQ(s->devices[2].parent, "gpu");
  EXPECT_TRUE(s->devices[2].coherent);
  ASSERT_TRUE(s->devices[2].iommu.has_value());
  EXPECT_EQ(s->devices[2].iommu->iommu, "smmu0");
}

// --- run time: each step's errors, as failed steps citing the step ---

TEST(GpuStepsRun, AGpuStepWithoutAGpuIsAnError) {
  constexpr std::string_view kNoGpu = R"(name: g
platform:
  iommus:
    - {name: smmu0}
)";
  RunRecord rec = RunText(WithSteps("  - gpu_bo_create: {size: 4KiB, as: a}\n", kNoGpu));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:6:5: the platform has no GPU"));
}

TEST(GpuStepsRun, EncodingAnUnpinnedBoIsAnError) {
  RunRecord rec =
      RunText(WithSteps("  - gpu_bo_create: {size: 4KiB, as: a}\n"
                        "  - gpu_bo_create: {size: 4KiB, as: cmds}\n"
                        "  - gpu_mmap: {bo: cmds}\n"
                        "  - gpu_emit: {cmd: cmds, op: fill, dst: a, value: 1}\n"));
  EXPECT_THAT(StepFailure(rec),
              HasSubstr("g.yaml:14:5: buffer object 'a' is not pinned: the GPU has no address"));
}

TEST(GpuStepsRun, SubmittingABoUnpinnedAfterItsAddressWasEncodedIsAnError) {
  RunRecord rec = RunText(WithSteps(std::string(kPinned) +
                                    "  - gpu_emit: {cmd: cmds, op: copy, dst: a, src: b}\n"
                                    "  - gpu_unpin: {bo: b}\n"
                                    "  - gpu_submit: {cmd: cmds, as: job}\n"));
  EXPECT_THAT(StepFailure(rec),
              HasSubstr("g.yaml:19:5: buffer object 'b' was unpinned after gpu_emit encoded"));
}

TEST(GpuStepsRun, SubmittingAFreedBoIsAnError) {
  RunRecord rec = RunText(WithSteps(std::string(kPinned) +
                                    "  - gpu_emit: {cmd: cmds, op: fill, dst: a, value: 7}\n"
                                    "  - gpu_free: {bo: a}\n"
                                    "  - gpu_submit: {cmd: cmds, as: job}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:19:5: buffer object 'a' was freed after"));
}

TEST(GpuStepsRun, SubmittingNothingIsAnError) {
  RunRecord rec =
      RunText(WithSteps(std::string(kPinned) + "  - gpu_submit: {cmd: cmds, as: job}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:17:5: no commands were emitted into 'cmds'"));
}

TEST(GpuStepsRun, AFreedBoIsNotFound) {
  RunRecord rec = RunText(WithSteps(
      "  - gpu_bo_create: {size: 4KiB, as: a}\n  - gpu_free: {bo: a}\n  - gpu_mmap: {bo: a}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:13:5: buffer object 'a' was freed"));
}

TEST(GpuStepsRun, ALiveBoCannotBeCreatedTwice) {
  RunRecord rec = RunText(WithSteps(
      "  - gpu_bo_create: {size: 4KiB, as: a}\n  - gpu_bo_create: {size: 8KiB, as: a}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:12:5: buffer object 'a' exists"));
}

TEST(GpuStepsRun, AZeroSizedBoIsRefusedByTheDriver) {
  RunRecord rec = RunText(WithSteps("  - gpu_bo_create: {size: 0, as: a}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:11:5: buffer object of size 0"));
}

TEST(GpuStepsRun, CpuAccessWithoutAViewIsAnError) {
  RunRecord rec =
      RunText(WithSteps("  - gpu_bo_create: {size: 4KiB, as: a}\n"
                        "  - gpu_cpu_read: {bo: a, size: 16}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:12:5: buffer object a: read without a CPU"));
}

TEST(GpuStepsRun, CpuAccessOutsideTheBoIsAnError) {
  RunRecord rec =
      RunText(WithSteps("  - gpu_bo_create: {size: 4KiB, as: a}\n"
                        "  - gpu_mmap: {bo: a}\n"
                        "  - gpu_cpu_write: {bo: a, offset: 4KiB, size: 1}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:13:5: offset 4096 + size 1 runs past"));
}

TEST(GpuStepsRun, PinningTwiceIsAnError) {
  RunRecord rec = RunText(WithSteps(std::string(kPinned) + "  - gpu_pin: {bo: a}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:17:5: buffer object 'a' is already pinned"));
}

TEST(GpuStepsRun, CpuFiniWithoutCpuPrepIsAnError) {
  RunRecord rec = RunText(WithSteps(std::string(kPinned) + "  - gpu_cpu_fini: {bo: a}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:17:5: buffer object a: cpu_fini without"));
}

TEST(GpuStepsRun, CommandOperandsAreChecked) {
  const std::pair<std::string, std::string> kCases[] = {
      {"{cmd: cmds, op: fill, dst: a, size: 6}",
       "fill: size 6 must be non-zero and a multiple of 4"},
      {"{cmd: cmds, op: add, dst: a, value: 0x100000000}",
       "value 0x100000000 does not fit a 32-bit word"},
      {"{cmd: cmds, op: copy, dst: a}", "copy needs a `src`"},
      {"{cmd: cmds, op: copy, dst: a, src: b, src_offset: 1KiB}", "buffer object 'b' +0x400"},
      {"{cmd: cmds, op: fill, dst: a, dst_offset: 8KiB}", "fill: size 0 must be non-zero"},
  };
  for (const auto& [args, message] : kCases) {
    SCOPED_TRACE(args);
    RunRecord rec = RunText(WithSteps(std::string(kPinned) + "  - gpu_emit: " + args + "\n"));
    EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:17:5: " + message));
  }
}

TEST(GpuStepsRun, AFullCommandBufferIsAnError) {
  std::string steps(kPinned);  // a one-page command buffer; a FILL is 5 words
  for (int i = 0; i < 300; ++i) steps += "  - gpu_emit: {cmd: cmds, op: fill, dst: a, value: 1}\n";
  RunRecord rec = RunText(WithSteps(steps));
  EXPECT_THAT(StepFailure(rec),
              HasSubstr("g.yaml:221:5: command buffer 'cmds' is full (4080 of 4096 bytes used)"));
}

TEST(GpuStepsRun, UnpinWhileTheGpuMayUseTheBoIsAnError) {
  RunRecord rec = RunText(WithSteps(std::string(kPinned) +
                                    "  - gpu_emit: {cmd: cmds, op: fill, dst: a, value: 7}\n"
                                    "  - gpu_submit: {cmd: cmds, as: job}\n"
                                    "  - gpu_unpin: {bo: a}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:19:5: buffer object 'a': the GPU may still"));
}

TEST(GpuStepsRun, TheHacksReturnWhatTheDmaApiRefused) {
  RunRecord rec =
      RunText(WithSteps("  - gpu_bo_create: {size: 4KiB, as: a}\n"
                        "  - gpu_hack_sync_sg_for_device: {bo: a, error: failed_precondition}\n"
                        "  - gpu_hack_sync_sg_for_device: {bo: a, device: mdss, error: not_found}\n"
                        "  - gpu_hack_map_sg: {bo: a}\n"));
  EXPECT_TRUE(rec.passed()) << StepFailure(rec);
  EXPECT_EQ(rec.rule_counts.count(RuleId::kSyncNotMapped), 1u);
  EXPECT_EQ(rec.rule_counts.count(RuleId::kDmaApiOnUnmanagedDomain), 1u);
}

// --- the GPU is the run's: one SoC, IOMMU, bus, checker and oracle ---

TEST(GpuStepsRun, TheGpusWorkIsCheckedAndSeenByTheRun) {
  RunRecord rec =
      RunText(WithSteps(std::string(kPinned) +
                        "  - gpu_cpu_prep: {bo: cmds, op: write}\n"
                        "  - gpu_emit: {cmd: cmds, op: fill, dst: a, value: 0x5a5a5a5a}\n"
                        "  - gpu_emit: {cmd: cmds, op: copy, dst: b, src: a, size: 64}\n"
                        "  - gpu_cpu_fini: {bo: cmds}\n"
                        "  - gpu_submit: {cmd: cmds, as: job}\n"
                        "  - gpu_wait: {fence: job}\n"
                        "  - gpu_mmap: {bo: b}\n"
                        "  - gpu_cpu_prep: {bo: b, op: read}\n"
                        "  - gpu_cpu_read: {bo: b, size: 64, as: out}\n"
                        "  - gpu_cpu_fini: {bo: b}\n"));
  EXPECT_TRUE(rec.passed()) << StepFailure(rec);
  EXPECT_TRUE(rec.violations.empty());
  size_t gpu_dma = 0;
  for (const Event& e : rec.events) {
    if (e.device.view() == "gpu" && e.kind == EventKind::kDeviceAccess) ++gpu_dma;
  }
  EXPECT_GT(gpu_dma, 0u);
  EXPECT_EQ(rec.counters.at("gpu.faults"), 0u);
}

// Two contexts: each pins its buffer at the same GPU address in its own address space, fills
// it from its own ring, and each fence is waited for on its own context.
TEST(GpuStepsRun, EachContextHasItsOwnAddressSpaceRingAndFence) {
  RunRecord rec = RunText(WithSteps(
      "  - gpu_context_create: {as: app2}\n"
      "  - gpu_bo_create: {size: 4KiB, as: a}\n"
      "  - gpu_bo_create: {size: 4KiB, as: c}\n"
      "  - gpu_bo_create: {size: 4KiB, caching: write_combine, dir: to_device, as: cmds}\n"
      "  - gpu_bo_create: {size: 4KiB, caching: write_combine, dir: to_device, as: cmds2}\n"
      "  - gpu_mmap: {bo: cmds}\n"
      "  - gpu_mmap: {bo: cmds2}\n"
      "  - gpu_pin: {bo: a}\n"
      "  - gpu_pin: {bo: c, context: app2}\n"
      "  - gpu_emit: {cmd: cmds, op: fill, dst: a, value: 0x11111111}\n"
      "  - gpu_emit: {cmd: cmds2, op: fill, dst: c, value: 0x22222222}\n"
      "  - gpu_submit: {cmd: cmds, as: job1}\n"
      "  - gpu_submit: {cmd: cmds2, context: app2, as: job2}\n"
      "  - gpu_wait: {fence: job2}\n"
      "  - gpu_wait: {fence: job1}\n"
      "  - gpu_mmap: {bo: a}\n"
      "  - gpu_mmap: {bo: c}\n"
      "  - gpu_cpu_prep: {bo: a, op: read}\n"
      "  - gpu_cpu_read: {bo: a, size: 8, as: ra}\n"
      "  - gpu_cpu_fini: {bo: a}\n"
      "  - gpu_cpu_prep: {bo: c, op: read}\n"
      "  - gpu_cpu_read: {bo: c, size: 8, as: rc}\n"
      "  - gpu_cpu_fini: {bo: c}\n"));
  EXPECT_TRUE(rec.passed()) << StepFailure(rec);
  for (const Violation& v : rec.violations) ADD_FAILURE() << v.ToString();
  EXPECT_TRUE(rec.violations.empty());
  EXPECT_TRUE(rec.corruptions.empty());
  // The two user buffers' IOMMU maps: one address, two domains.
  std::vector<const Event*> user_maps;
  for (const Event& e : rec.events) {
    if (e.kind == EventKind::kIommuMap && e.size == 4096 && e.device.view() != "") {
      user_maps.push_back(&e);
    }
  }
  bool same_address_two_domains = false;
  for (const Event* x : user_maps) {
    for (const Event* y : user_maps) {
      same_address_two_domains |= x->dma == y->dma && x->domain != y->domain;
    }
  }
  EXPECT_TRUE(same_address_two_domains);
  EXPECT_EQ(rec.counters.at("gpu.faults"), 0u);
}

TEST(GpuStepsRun, ABoPinnedInOneContextCannotBeSubmittedFromAnother) {
  RunRecord rec = RunText(WithSteps(std::string(kPinned) +
                                    "  - gpu_context_create: {as: app2}\n"
                                    "  - gpu_emit: {cmd: cmds, op: fill, dst: a, value: 1}\n"
                                    "  - gpu_submit: {cmd: cmds, context: app2, as: job}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:19:5:"));
  EXPECT_THAT(StepFailure(rec),
              HasSubstr("buffer object a is pinned in address space ctx0, not ctx1"));
}

TEST(GpuStepsRun, AContextNameCannotBeCreatedTwice) {
  RunRecord rec = RunText(
      WithSteps("  - gpu_context_create: {as: app2}\n  - gpu_context_create: {as: app2}\n"));
  EXPECT_THAT(StepFailure(rec), HasSubstr("g.yaml:12:5: gpu context 'app2' exists"));
}

TEST(GpuStepsRun, AGpuFaultIsCountedByTheFaultsExpectationAndNoted) {
  std::string text(kPlatform);
  text.replace(text.find("gpu: {iommu: smmu0}"), 19, "gpu: {iommu: smmu0, clean: dma_map_sg}");
  text = WithSteps(std::string(kPinned) +
                       "  - gpu_bo_create: {size: 4KiB, caching: uncached, as: c}\n"
                       "  - gpu_pin: {bo: c}\n"
                       "  - gpu_mmap: {bo: c}\n"
                       "  - gpu_emit: {cmd: cmds, op: copy, dst: a, src: c}\n"
                       "  - gpu_submit: {cmd: cmds, as: job}\n"
                       "  - gpu_wait: {fence: job}\n",
                   text);
  text.replace(text.find("violations_include: []"), 22,
               "violations_include: [DMA107]\n  faults: 1");
  RunRecord rec = RunText(text);
  EXPECT_TRUE(rec.passed()) << StepFailure(rec);
  EXPECT_EQ(rec.counters.at("gpu.faults"), 1u);
  bool noted = false;
  for (const Event& e : rec.events) {
    noted |= e.kind == EventKind::kNote && e.text.view().starts_with("gpu page fault") &&
             e.where.ToString() == "g.yaml:22:5";
  }
  EXPECT_TRUE(noted);
}

// --- the seed story's proper design: clean under every cache policy, on both topologies ---

class ProperDesignScenario : public ::testing::TestWithParam<EvictionPolicy> {};

TEST_P(ProperDesignScenario, NoViolationNoCorruptionAndTheResultsAreRight) {
  for (std::string file : {"gpu-proper-design.yaml", "gpu-proper-design-sub-device.yaml"}) {
    SCOPED_TRACE(file);
    auto s = LoadScenarioFile(std::string(DMAKIT_SOURCE_DIR) + "/examples/" + file);
    ASSERT_TRUE(s.ok()) << s.error().message();
    ASSERT_TRUE(s->gpu.has_value());
    for (uint64_t seed : {1, 2, 3}) {
      RunOptions options;
      options.cache_policy = GetParam();
      options.seed = seed;
      RunRecord rec = RunScenario(*s, options);
      EXPECT_TRUE(rec.passed()) << StepFailure(rec);
      EXPECT_TRUE(rec.violations.empty());
      EXPECT_TRUE(rec.corruptions.empty());
      EXPECT_EQ(rec.counters.at("gpu.faults"), 0u);
      EXPECT_EQ(rec.counters.at("gpu.cp_errors"), 0u);
      EXPECT_FALSE(s->expect.reads.empty());  // the results are checked, not only the reports
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, ProperDesignScenario,
                         ::testing::Values(EvictionPolicy::kLru, EvictionPolicy::kRandom,
                                           EvictionPolicy::kAdversarial),
                         [](const auto& p) { return std::string(ToString(p.param)); });

}  // namespace
}  // namespace dmakit::scenario
