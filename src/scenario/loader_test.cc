// The scenario loader: one test per malformed-input class with the exact message (file:line:
// column first), and what a well-formed file loads to (defaults from the params table).
#include "dmakit/scenario/loader.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dmakit/scenario/params.h"
#include "dmakit/scenario/step_kinds.h"

namespace dmakit::scenario {
namespace {

// The error message of a file that must not load (kParse).
std::string LoadError(std::string_view text) {
  auto r = LoadScenarioText(text, "t.yaml");
  EXPECT_FALSE(r.ok()) << "loaded:\n" << text;
  if (r.ok()) return "<loaded>";
  EXPECT_EQ(r.error().code(), ErrorCode::kParse);
  return r.error().message();
}

Scenario LoadOk(std::string_view text) {
  auto r = LoadScenarioText(text, "dir/ok.yaml");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? std::move(r).value() : Scenario{};
}

// The keys of a section as the loader lists them (the table is the contract).
std::string Keys(std::string_view section) {
  std::string out;
  for (const ParamSpec* p : ParamsOf(section))
    out += (out.empty() ? "" : ", ") + std::string(p->key);
  return out;
}

// A platform and buffers every reference test can use.
constexpr std::string_view kBase = R"(platform:
  iommus:
    - {name: smmu0}
  devices:
    - {name: nic}
    - {name: gpu, iommu: {iommu: smmu0}}
buffers:
  rx: {size: 4KiB}
steps:
)";

std::string WithSteps(std::string_view steps) { return std::string(kBase) + std::string(steps); }

// --- malformed YAML, wrong shapes -------------------------------------------------------------

TEST(LoaderErrors, MalformedYamlCitesTheParserPosition) {
  EXPECT_EQ(LoadError("name: x\nsteps: [a, b\n"),
            "t.yaml:3:1: malformed YAML: end of sequence flow not found");
}

TEST(LoaderErrors, YamlSyntaxErrorInABlockMap) {
  EXPECT_EQ(LoadError("name: x\n  seed: 3\n"), "t.yaml:2:7: malformed YAML: illegal map value");
}

TEST(LoaderErrors, EmptyFile) {
  EXPECT_EQ(LoadError(""),
            "t.yaml:1:1: the file is empty (a scenario is a map with name, platform, buffers, "
            "steps, expect)");
}

TEST(LoaderErrors, FileOfCommentsOnlyIsEmpty) {
  EXPECT_EQ(LoadError("# nothing here\n\n"),
            "t.yaml:1:1: the file is empty (a scenario is a map with name, platform, buffers, "
            "steps, expect)");
}

TEST(LoaderErrors, TopLevelListIsNotAScenario) {
  EXPECT_EQ(LoadError("- a\n- b\n"),
            "t.yaml:1:1: a scenario must be a map (keys: name, description, seed, platform, "
            "buffers, steps, expect)");
}

TEST(LoaderErrors, TopLevelScalarIsNotAScenario) {
  EXPECT_EQ(LoadError("hello"),
            "t.yaml:1:1: a scenario must be a map (keys: name, description, seed, platform, "
            "buffers, steps, expect)");
}

// --- unknown keys at every level ---------------------------------------------------------------

TEST(LoaderErrors, UnknownTopLevelKey) {
  EXPECT_EQ(LoadError("name: x\nnmae: y\n"),
            "t.yaml:2:1: unknown key 'nmae' in the scenario (expected one of: name, description, "
            "seed, platform, buffers, steps, expect)");
}

TEST(LoaderErrors, UnknownPlatformKey) {
  EXPECT_EQ(
      LoadError("platform:\n  cahce: {size: 4KiB}\n"),
      "t.yaml:2:3: unknown key 'cahce' in platform (expected one of: " + Keys("platform") + ")");
}

TEST(LoaderErrors, UnknownCacheKey) {
  EXPECT_EQ(LoadError("platform:\n  cache: {size: 4KiB, assoc: 2}\n"),
            "t.yaml:2:23: unknown key 'assoc' in platform cache (expected one of: size, ways, "
            "line_size, policy)");
}

TEST(LoaderErrors, UnknownMemoryBankKey) {
  EXPECT_EQ(LoadError("platform:\n  memory:\n    - {name: d0, start: 0x0}\n"),
            "t.yaml:3:18: unknown key 'start' in a memory bank (expected one of: name, base, "
            "size)");
}

TEST(LoaderErrors, UnknownDeviceKey) {
  EXPECT_EQ(LoadError("platform:\n  devices:\n    - {name: nic, coherant: true}\n"),
            "t.yaml:3:19: unknown key 'coherant' in a device (expected one of: " +
                Keys("platform.devices") + ")");
}

TEST(LoaderErrors, UnknownDeviceIommuAttachmentKey) {
  EXPECT_EQ(LoadError("platform:\n  iommus: [{name: s0}]\n  devices:\n"
                      "    - {name: gpu, iommu: {iommu: s0, sid: 3}}\n"),
            "t.yaml:4:38: unknown key 'sid' in the iommu of device 'gpu' (expected one of: "
            "iommu, stream_id)");
}

TEST(LoaderErrors, UnknownIommuKey) {
  EXPECT_EQ(LoadError("platform:\n  iommus:\n    - {name: s0, coherent: false}\n"),
            "t.yaml:3:18: unknown key 'coherent' in an iommu (expected one of: " +
                Keys("platform.iommus") + ")");
}

TEST(LoaderErrors, UnknownBounceKey) {
  EXPECT_EQ(LoadError("platform:\n  bounce: {slots: 4}\n"),
            "t.yaml:2:12: unknown key 'slots' in platform bounce (expected one of: size, "
            "slot_size, below, force)");
}

TEST(LoaderErrors, UnknownBufferKey) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {sizee: 4096}\n"),
            "t.yaml:2:8: unknown key 'sizee' in buffer 'rx' (expected one of: size, placement, "
            "align, mappings)");
}

TEST(LoaderErrors, UnknownBufferMappingKey) {
  EXPECT_EQ(LoadError("buffers:\n  rx:\n    size: 4096\n    mappings:\n"
                      "      - {name: rx_wc, type: uncached}\n"),
            "t.yaml:5:23: unknown key 'type' in a mapping of buffer 'rx' (expected one of: name, "
            "attr)");
}

TEST(LoaderErrors, UnknownStepKey) {
  EXPECT_EQ(LoadError(WithSteps("  - map_single: {device: nic, bufer: rx, dir: to_device}\n")),
            "t.yaml:10:31: unknown key 'bufer' in step 'map_single' (expected one of: error, "
            "device, buffer, offset, size, dir, attrs, as, check)");
}

TEST(LoaderErrors, UnknownExpectKey) {
  EXPECT_EQ(LoadError("expect:\n  violation: []\n"),
            "t.yaml:2:3: unknown key 'violation' in expect (expected one of: violations, "
            "violations_include, corruption, faults, reads)");
}

TEST(LoaderErrors, UnknownExpectedReadKey) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_read: {buffer: rx, as: f}\n"
                                "expect:\n  reads:\n    - {read: f, value: 0}\n")),
            "t.yaml:13:17: unknown key 'value' in an expected read (expected one of: read, "
            "pattern, bytes)");
}

TEST(LoaderErrors, DuplicateKeyInAMap) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: 64, size: 128}\n"),
            "t.yaml:2:18: duplicate key 'size' in buffer 'rx'");
}

TEST(LoaderErrors, DuplicateTopLevelSection) {
  EXPECT_EQ(LoadError("steps: []\nsteps: []\n"),
            "t.yaml:2:1: duplicate key 'steps' in the scenario");
}

TEST(LoaderErrors, KeyThatIsNotAName) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {[a]: 1}\n"),
            "t.yaml:2:8: a key in buffer 'rx' must be a plain name");
}

// --- wrong types -------------------------------------------------------------------------------

TEST(LoaderErrors, StringWherePlatformMapExpected) {
  EXPECT_EQ(LoadError("platform: big\n"),
            "t.yaml:1:11: platform must be a map (keys: " + Keys("platform") + ")");
}

TEST(LoaderErrors, StringWhereCacheMapExpected) {
  EXPECT_EQ(LoadError("platform:\n  cache: lru\n"),
            "t.yaml:2:10: platform cache must be a map (keys: size, ways, line_size, policy)");
}

TEST(LoaderErrors, ListWhereBuffersMapExpected) {
  EXPECT_EQ(LoadError("buffers: [rx, tx]\n"),
            "t.yaml:1:10: buffers must be a map of buffer names to buffers");
}

TEST(LoaderErrors, NumberWhereBufferMapExpected) {
  EXPECT_EQ(LoadError("buffers:\n  rx: 4096\n"),
            "t.yaml:2:7: buffer 'rx' must be a map (keys: size, placement, align, mappings)");
}

TEST(LoaderErrors, BufferNameThatIsNotAName) {
  EXPECT_EQ(LoadError("buffers:\n  [a, b]: {size: 64}\n"),
            "t.yaml:2:3: a buffer name must be a plain name");
}

TEST(LoaderErrors, MapWhereStepsListExpected) {
  EXPECT_EQ(LoadError("steps:\n  barrier: {}\n"), "t.yaml:2:3: steps must be a list");
}

TEST(LoaderErrors, MapWhereDeviceListExpected) {
  EXPECT_EQ(LoadError("platform:\n  devices: {name: nic}\n"),
            "t.yaml:2:12: platform devices must be a list");
}

TEST(LoaderErrors, MapWhereSizeValueExpected) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: {kib: 4}}\n"),
            "t.yaml:2:14: 'size' in buffer 'rx' must be a single value: a size (bytes, or with a "
            "unit: 4KiB, 1MiB, 2GiB)");
}

TEST(LoaderErrors, ListWhereEnumValueExpectedListsTheChoices) {
  EXPECT_EQ(LoadError("platform:\n  cache: {policy: [lru]}\n"),
            "t.yaml:2:19: 'policy' in platform cache must be a single value: "
            "lru|random|adversarial");
}

TEST(LoaderErrors, ListWhereStepParametersExpected) {
  EXPECT_EQ(LoadError("steps:\n  - note: [hello]\n"),
            "t.yaml:2:11: step 'note' must be a map (keys: error, text)");
}

TEST(LoaderErrors, StepWithTwoKinds) {
  EXPECT_EQ(LoadError("steps:\n  - {barrier: {}, cache_evict_all: {}}\n"),
            "t.yaml:2:5: a step must be a step kind with its parameters, e.g. '- map_single: "
            "{device: nic, buffer: rx, dir: from_device}'");
}

TEST(LoaderErrors, BadBool) {
  EXPECT_EQ(LoadError("platform:\n  bounce: {force: maybe}\n"),
            "t.yaml:2:19: 'force' in platform bounce: expected true or false, got 'maybe'");
}

TEST(LoaderErrors, BadNumber) {
  EXPECT_EQ(LoadError("seed: twelve\n"),
            "t.yaml:1:7: 'seed' in the scenario: expected a number (decimal or 0x hex), got "
            "'twelve'");
}

TEST(LoaderErrors, NumberTooLargeForItsField) {
  EXPECT_EQ(LoadError("platform:\n  cache: {ways: 0x100000004}\n"),
            "t.yaml:2:17: 'ways' in platform cache: 4294967300 does not fit in 32 bits");
}

TEST(LoaderErrors, BadHexBytes) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_write: {buffer: rx, bytes: \"de ad b\"}\n")),
            "t.yaml:10:36: 'bytes' in step 'cpu_write': expected hex bytes (\"de ad be ef\"), "
            "got 'de ad b'");
}

TEST(LoaderErrors, StepPatternThatIsNotAByte) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_write: {buffer: rx, pattern: 0x1a5}\n")),
            "t.yaml:10:38: 'pattern' in step 'cpu_write' must be a byte value, 0..0xff, got "
            "0x1a5");
}

TEST(LoaderErrors, BadDmaAttrs) {
  EXPECT_EQ(LoadError(WithSteps("  - map_single: {device: nic, buffer: rx, dir: to_device, "
                                "attrs: fast}\n")),
            "t.yaml:10:66: 'attrs' in step 'map_single': expected DMA attributes "
            "(skip_cpu_sync|write_combine|weak_ordering|no_kernel_mapping, or 0), got 'fast'");
}

// --- sizes and addresses -----------------------------------------------------------------------

constexpr std::string_view kSizeExpected = "a size (bytes, or with a unit: 4KiB, 1MiB, 2GiB)";

TEST(LoaderErrors, SizeWithAnUnknownUnit) {
  EXPECT_EQ(
      LoadError("buffers:\n  rx: {size: 4Kb}\n"),
      "t.yaml:2:14: 'size' in buffer 'rx': expected " + std::string(kSizeExpected) + ", got '4Kb'");
}

TEST(LoaderErrors, NegativeSize) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: -4096}\n"),
            "t.yaml:2:14: 'size' in buffer 'rx': expected " + std::string(kSizeExpected) +
                ", got '-4096'");
}

TEST(LoaderErrors, SizeOverflowingSixtyFourBits) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: 18446744073709551616}\n"),
            "t.yaml:2:14: 'size' in buffer 'rx': expected " + std::string(kSizeExpected) +
                ", got '18446744073709551616'");
}

TEST(LoaderErrors, SizeOverflowingThroughItsUnit) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: 17179869184GiB}\n"),
            "t.yaml:2:14: 'size' in buffer 'rx': expected " + std::string(kSizeExpected) +
                ", got '17179869184GiB'");
}

TEST(LoaderErrors, ZeroSizeBuffer) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: 0KiB}\n"), "t.yaml:2:14: buffer 'rx' has size 0");
}

TEST(LoaderErrors, AlignNotAPowerOfTwo) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: 64, align: 48}\n"),
            "t.yaml:2:25: align of buffer 'rx' must be a power of two");
}

TEST(LoaderErrors, BadHexAddress) {
  EXPECT_EQ(LoadError("platform:\n  devices:\n    - {name: nic, dma_mask: 0xfffffffg}\n"),
            "t.yaml:3:29: 'dma_mask' in a device: expected an address (0x hex), got "
            "'0xfffffffg'");
}

TEST(LoaderErrors, AddressWithAUnitIsNotAnAddress) {
  EXPECT_EQ(LoadError("platform:\n  memory:\n    - {base: 2GiB}\n"),
            "t.yaml:3:14: 'base' in a memory bank: expected an address (0x hex), got '2GiB'");
}

// --- enum values -------------------------------------------------------------------------------

TEST(LoaderErrors, BadEnumListsTheAllowedValues) {
  EXPECT_EQ(LoadError("platform:\n  cache: {policy: fifo}\n"),
            "t.yaml:2:19: 'policy' in platform cache: expected one of lru|random|adversarial, got "
            "'fifo'");
}

TEST(LoaderErrors, BadDirectionListsTheAllowedValues) {
  EXPECT_EQ(LoadError(WithSteps("  - map_single: {device: nic, buffer: rx, dir: to_cpu}\n")),
            "t.yaml:10:48: 'dir' in step 'map_single': expected one of "
            "to_device|from_device|bidirectional, got 'to_cpu'");
}

TEST(LoaderErrors, BadExpectedErrorCodeListsTheAllowedValues) {
  EXPECT_EQ(LoadError("steps:\n  - barrier: {error: oops}\n"),
            "t.yaml:2:22: 'error' in step 'barrier': expected one of " +
                std::string(FindParam("step", "error")->choices) + ", got 'oops'");
}

TEST(LoaderErrors, BadCountExpectation) {
  EXPECT_EQ(LoadError("expect:\n  corruption: lots\n"),
            "t.yaml:2:15: 'corruption' in expect: expected any, none, some or a count, got "
            "'lots'");
}

// --- missing required keys ---------------------------------------------------------------------

TEST(LoaderErrors, MissingBufferSize) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {placement: pages}\n"),
            "t.yaml:2:7: missing key 'size' in buffer 'rx' (Buffer size)");
}

TEST(LoaderErrors, MissingStepParameter) {
  EXPECT_EQ(LoadError(WithSteps("  - map_single: {device: nic, buffer: rx}\n")),
            "t.yaml:10:17: missing key 'dir' in step 'map_single' (DMA direction)");
}

TEST(LoaderErrors, MissingParameterOfABareStepCitesTheStep) {
  EXPECT_EQ(LoadError(WithSteps("  - barrier\n  - cpu_write\n")),
            "t.yaml:11:5: missing key 'buffer' in step 'cpu_write' (Buffer written)");
}

TEST(LoaderErrors, MissingParameterOfAnEmptyStepCitesTheStep) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_read:\n")),
            "t.yaml:10:5: missing key 'buffer' in step 'cpu_read' (Buffer read)");
}

TEST(LoaderErrors, MissingDeviceName) {
  EXPECT_EQ(LoadError("platform:\n  devices:\n    - {coherent: true}\n"),
            "t.yaml:3:7: missing key 'name' in a device (Device node name)");
}

TEST(LoaderErrors, MissingViewAttr) {
  EXPECT_EQ(LoadError("buffers:\n  rx:\n    size: 64\n    mappings: [{name: v}]\n"),
            "t.yaml:4:16: missing key 'attr' in a mapping of buffer 'rx' (Memory type of the "
            "view)");
}

// --- step kinds --------------------------------------------------------------------------------

std::string KindNames() {
  std::string out;
  for (const StepKind& k : StepKinds()) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

TEST(LoaderErrors, UnknownStepKindListsTheKinds) {
  EXPECT_EQ(LoadError(WithSteps("  - map_singel: {device: nic, buffer: rx, dir: to_device}\n")),
            "t.yaml:10:5: unknown step kind 'map_singel' (expected one of: " + KindNames() + ")");
}

TEST(LoaderErrors, StepThatIsAList) {
  EXPECT_EQ(LoadError("steps:\n  - [barrier]\n"),
            "t.yaml:2:5: a step must be a step kind with its parameters, e.g. '- map_single: "
            "{device: nic, buffer: rx, dir: from_device}'");
}

// --- references --------------------------------------------------------------------------------

TEST(LoaderErrors, UndefinedBuffer) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_write: {buffer: tx}\n")),
            "t.yaml:10:25: step 'cpu_write': unknown buffer 'tx' (declare it under buffers, or "
            "create it with an alloc_* step before)");
}

TEST(LoaderErrors, UndefinedDevice) {
  EXPECT_EQ(LoadError(WithSteps("  - map_single: {device: eth0, buffer: rx, dir: to_device}\n")),
            "t.yaml:10:26: step 'map_single': unknown device 'eth0' (declare it under platform: "
            "devices)");
}

TEST(LoaderErrors, UndefinedMapping) {
  EXPECT_EQ(LoadError(WithSteps("  - unmap_single: {mapping: rx}\n")),
            "t.yaml:10:29: step 'unmap_single': unknown mapping 'rx' (no earlier step creates a "
            "mapping of that name: name it with `as`)");
}

TEST(LoaderErrors, MappingUsedBeforeTheStepThatDefinesIt) {
  EXPECT_EQ(LoadError(WithSteps("  - sync_single_for_cpu: {mapping: rx}\n"
                                "  - map_single: {device: nic, buffer: rx, dir: from_device}\n")),
            "t.yaml:10:36: step 'sync_single_for_cpu': unknown mapping 'rx' (no earlier step "
            "creates a mapping of that name: name it with `as`)");
}

TEST(LoaderErrors, UndefinedView) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_write: {buffer: rx, via: rx_wc}\n")),
            "t.yaml:10:34: step 'cpu_write': unknown view 'rx_wc' (declare it under the buffer's "
            "mappings, or create it with cpu_map before)");
}

TEST(LoaderErrors, UndefinedDomain) {
  EXPECT_EQ(LoadError(WithSteps("  - domain_map_sg: {domain: vm, buffer: rx, iova: 0x10000, "
                                "dir: to_device}\n")),
            "t.yaml:10:29: step 'domain_map_sg': unknown domain 'vm' (create it with "
            "domain_create before)");
}

TEST(LoaderErrors, UndefinedIommuInAStep) {
  EXPECT_EQ(LoadError(WithSteps("  - iommu_flush: {iommu: smmu1}\n")),
            "t.yaml:10:26: step 'iommu_flush': unknown iommu 'smmu1' (declare it under platform: "
            "iommus)");
}

TEST(LoaderErrors, UndefinedIommuInADeviceAttachment) {
  EXPECT_EQ(LoadError("platform:\n  devices:\n    - {name: gpu, iommu: {iommu: smmu0}}\n"),
            "t.yaml:3:34: unknown iommu 'smmu0' in device 'gpu' (declare it under platform: "
            "iommus)");
}

TEST(LoaderErrors, ParentDeviceListedAfterItsChild) {
  EXPECT_EQ(LoadError("platform:\n  devices:\n    - {name: gpu, parent: bus}\n    - {name: bus}\n"),
            "t.yaml:3:27: parent 'bus' of device 'gpu' is not a device listed before it");
}

TEST(LoaderErrors, ExpectedReadOfAnUnknownLabel) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_read: {buffer: rx, as: frame}\n"
                                "expect:\n  reads:\n    - {read: fram, pattern: 0}\n")),
            "t.yaml:13:14: expect reads: unknown read 'fram' (no cpu_read step has that `as` "
            "label)");
}

// --- duplicate names ---------------------------------------------------------------------------

TEST(LoaderErrors, DuplicateBufferName) {
  EXPECT_EQ(LoadError("buffers:\n  rx: {size: 64}\n  tx: {size: 64}\n  rx: {size: 128}\n"),
            "t.yaml:4:3: duplicate buffer 'rx'");
}

TEST(LoaderErrors, DuplicateDeviceName) {
  EXPECT_EQ(LoadError("platform:\n  devices:\n    - {name: nic}\n    - {name: nic}\n"),
            "t.yaml:4:14: duplicate device name 'nic'");
}

TEST(LoaderErrors, DuplicateIommuName) {
  EXPECT_EQ(LoadError("platform:\n  iommus:\n    - {name: s0}\n    - {name: s0, flush: lazy}\n"),
            "t.yaml:4:14: duplicate iommu name 's0'");
}

TEST(LoaderErrors, DuplicateCpuViewName) {
  EXPECT_EQ(LoadError("buffers:\n  a: {size: 64, mappings: [{name: v, attr: uncached}]}\n"
                      "  b: {size: 64, mappings: [{name: v, attr: uncached}]}\n"),
            "t.yaml:3:35: duplicate CPU view name 'v' in buffer 'b'");
}

// --- expectations ------------------------------------------------------------------------------

TEST(LoaderErrors, ExpectationNamingAnUnknownRule) {
  EXPECT_EQ(LoadError("expect:\n  violations: [DMA101, DMA999]\n"),
            "t.yaml:2:24: unknown rule 'DMA999' in 'violations' (expected a rule ID like DMA012 "
            "or a rule name; `dmakit explain` lists them)");
}

TEST(LoaderErrors, ViolationsThatAreNotAList) {
  EXPECT_EQ(LoadError("expect:\n  violations_include: DMA101\n"),
            "t.yaml:2:23: 'violations_include' in expect must be a list of rule IDs, e.g. "
            "[DMA012]");
}

TEST(LoaderErrors, ExpectedReadWithPatternAndBytes) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_read: {buffer: rx, as: f}\n"
                                "expect:\n  reads:\n    - {read: f, pattern: 0, bytes: \"00\"}\n")),
            "t.yaml:13:7: an expected read needs exactly one of 'pattern' and 'bytes'");
}

TEST(LoaderErrors, ExpectedReadWithNeither) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_read: {buffer: rx, as: f}\n"
                                "expect:\n  reads:\n    - {read: f}\n")),
            "t.yaml:13:7: an expected read needs exactly one of 'pattern' and 'bytes'");
}

TEST(LoaderErrors, ExpectedReadPatternThatIsNotAByte) {
  EXPECT_EQ(LoadError(WithSteps("  - cpu_read: {buffer: rx, as: f}\n"
                                "expect:\n  reads:\n    - {read: f, pattern: 256}\n")),
            "t.yaml:13:26: 'pattern' in an expected read must be a byte value, 0..0xff, got "
            "0x100");
}

// --- files -------------------------------------------------------------------------------------

TEST(LoaderErrors, MissingFileIsAnIoError) {
  auto r = LoadScenarioFile("/nonexistent/dir/x.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kIo);
  EXPECT_EQ(r.error().message(), "/nonexistent/dir/x.yaml: cannot open the scenario file");
}

TEST(LoaderErrors, FileErrorsCiteThePathGiven) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("dmakit_loader_test_" + std::to_string(::getpid()) + ".yaml"))
                         .string();
  {
    std::ofstream f(path);
    f << "name: x\nbuffers:\n  rx: {size: 4Kb}\n";
  }
  auto r = LoadScenarioFile(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ":3:14: 'size' in buffer 'rx': expected " +
                                     std::string(kSizeExpected) + ", got '4Kb'");
}

// --- well-formed files -------------------------------------------------------------------------

TEST(Loader, EmptyMapGetsEveryDefaultFromTheTable) {
  Scenario s = LoadOk("{}");
  EXPECT_EQ(s.name, "ok");  // the file's stem
  EXPECT_EQ(s.file, "dir/ok.yaml");
  EXPECT_EQ(s.seed, 1u);
  EXPECT_EQ(s.soc.seed, 1u);
  EXPECT_EQ(s.soc.cache.size, 64u * 1024);
  EXPECT_EQ(s.soc.cache.ways, 4u);
  EXPECT_EQ(s.soc.cache.line_size, 64u);
  EXPECT_EQ(s.soc.cache.policy, EvictionPolicy::kLru);
  EXPECT_EQ(s.soc.wc_buffer_bytes, 64u);
  EXPECT_EQ(s.dma.bounce.size, 0u);
  EXPECT_EQ(s.dma.bounce.slot_size, 2048u);
  EXPECT_EQ(s.dma.bounce.below, 0x100000000u);
  EXPECT_FALSE(s.dma.bounce.force_bounce);
  EXPECT_TRUE(s.iommus.empty());
  EXPECT_TRUE(s.devices.empty());
  EXPECT_TRUE(s.buffers.empty());
  EXPECT_TRUE(s.steps.empty());
  ASSERT_TRUE(s.expect.violations.has_value());
  EXPECT_TRUE(s.expect.violations->empty());
  EXPECT_EQ(s.expect.corruption.mode, CountExpectation::kNone);
  EXPECT_EQ(s.expect.faults.mode, CountExpectation::kAny);
}

TEST(Loader, PlatformValuesAndDefaultsOfListItems) {
  Scenario s = LoadOk(R"(name: explicit
seed: 0x2a
platform:
  wc_buffer_bytes: 128
  memory:
    - {name: lo, base: 0x40000000, size: 16MiB}
    - {base: 0x100000000, size: 1GiB}
  cache: {size: 32 KiB, ways: 8, line_size: 128, policy: Random}
  iommus:
    - {name: smmu0, coherent_walk: no, flush: lazy, flush_queue_size: 8}
  devices:
    - {name: bus}
    - {name: gpu, parent: bus, coherent: yes, dma_mask: 0xffffffffff, iommu: {iommu: smmu0, stream_id: 7}}
  bounce: {size: 1MiB, force: true}
)");
  EXPECT_EQ(s.name, "explicit");
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.soc.wc_buffer_bytes, 128u);
  ASSERT_EQ(s.soc.banks.size(), 2u);
  EXPECT_EQ(s.soc.banks[0].name, "lo");
  EXPECT_EQ(s.soc.banks[0].base, PhysAddr(0x40000000));
  EXPECT_EQ(s.soc.banks[0].size, 16u << 20);
  EXPECT_EQ(s.soc.banks[1].name, "dram0");
  EXPECT_EQ(s.soc.banks[1].size, 1u << 30);
  EXPECT_EQ(s.soc.cache.size, 32u * 1024);
  EXPECT_EQ(s.soc.cache.ways, 8u);
  EXPECT_EQ(s.soc.cache.line_size, 128u);
  EXPECT_EQ(s.soc.cache.policy, EvictionPolicy::kRandom);
  ASSERT_EQ(s.iommus.size(), 1u);
  EXPECT_FALSE(s.iommus[0].coherent_walk);
  EXPECT_FALSE(s.iommus[0].skip_pte_clean);
  EXPECT_EQ(s.iommus[0].iotlb_entries, 64u);
  EXPECT_EQ(s.iommus[0].policy, FlushPolicy::kLazy);
  EXPECT_EQ(s.iommus[0].flush_queue_size, 8u);
  ASSERT_EQ(s.devices.size(), 2u);
  EXPECT_EQ(s.devices[0].dma_mask, 0xffffffffu);
  EXPECT_EQ(s.devices[0].max_seg_size, 64u * 1024);
  EXPECT_FALSE(s.devices[0].iommu.has_value());
  EXPECT_EQ(s.devices[1].parent, "bus");
  EXPECT_TRUE(s.devices[1].coherent);
  EXPECT_EQ(s.devices[1].dma_mask, 0xffffffffffu);
  ASSERT_TRUE(s.devices[1].iommu.has_value());
  EXPECT_EQ(s.devices[1].iommu->iommu, "smmu0");
  EXPECT_EQ(s.devices[1].iommu->stream_id, 7u);
  EXPECT_EQ(s.dma.bounce.size, 1u << 20);
  EXPECT_TRUE(s.dma.bounce.force_bounce);
}

TEST(Loader, BuffersWithUnitsPlacementsAndViews) {
  Scenario s = LoadOk(R"(buffers:
  a: {size: 4KiB}
  b: {size: 0x2000, placement: pages}
  c:
    size: 1 MiB
    placement: Contiguous
    align: 64
    mappings:
      - {name: c_wc, attr: write-combine}
      - {name: c_uc, attr: uncached}
)");
  ASSERT_EQ(s.buffers.size(), 3u);
  EXPECT_EQ(s.buffers[0].name, "a");
  EXPECT_EQ(s.buffers[0].size, 4096u);
  EXPECT_EQ(s.buffers[0].placement, Placement::kKmalloc);
  EXPECT_EQ(s.buffers[0].align, 8u);
  EXPECT_EQ(s.buffers[0].where.ToString(), "dir/ok.yaml:2:3");
  EXPECT_EQ(s.buffers[1].size, 0x2000u);
  EXPECT_EQ(s.buffers[1].placement, Placement::kPages);
  EXPECT_EQ(s.buffers[2].size, 1u << 20);
  EXPECT_EQ(s.buffers[2].placement, Placement::kContiguous);
  EXPECT_EQ(s.buffers[2].align, 64u);
  ASSERT_EQ(s.buffers[2].views.size(), 2u);
  EXPECT_EQ(s.buffers[2].views[0].name, "c_wc");
  EXPECT_EQ(s.buffers[2].views[0].attr, MemAttr::kWriteCombine);
  EXPECT_EQ(s.buffers[2].views[1].attr, MemAttr::kUncached);
}

TEST(Loader, StepDefaultsComeFromTheTable) {
  Scenario s =
      LoadOk(WithSteps("  - map_single: {device: nic, buffer: rx, dir: to-device}\n"
                       "  - barrier\n"));
  ASSERT_EQ(s.steps.size(), 2u);
  const Step& map = s.steps[0];
  EXPECT_EQ(map.kind, FindStepKind("map_single"));
  EXPECT_EQ(map.where.ToString(), "dir/ok.yaml:10:5");
  EXPECT_EQ(map.Text("dir"), "to_device");
  EXPECT_TRUE(map.Get("dir").given);
  EXPECT_EQ(map.Get("dir").where.ToString(), "dir/ok.yaml:10:48");
  EXPECT_EQ(map.Text("error"), "none");
  EXPECT_EQ(map.Number("offset"), 0u);
  EXPECT_EQ(map.Number("attrs"), 0u);
  EXPECT_EQ(map.Number("check"), 1u);
  EXPECT_FALSE(map.Has("size"));  // no default: the rest of the buffer
  // `as` defaults to the buffer's name ("=buffer"), and is not marked as given.
  EXPECT_EQ(map.Text("as"), "rx");
  EXPECT_FALSE(map.Get("as").given);
  EXPECT_FALSE(map.Get("offset").given);
  EXPECT_EQ(map.Get("offset").where, map.where);
  EXPECT_EQ(s.steps[1].kind, FindStepKind("barrier"));
  EXPECT_EQ(s.steps[1].Text("error"), "none");
}

TEST(Loader, HexSizeEndingInB) {
  Scenario s = LoadOk("buffers:\n  rx: {size: 0x1B}\n");
  ASSERT_EQ(s.buffers.size(), 1u);
  EXPECT_EQ(s.buffers[0].size, 0x1bu);
}

TEST(Loader, ExpectationsAreRead) {
  Scenario s = LoadOk(WithSteps(R"(  - cpu_read: {buffer: rx, as: frame}
  - cpu_read: {buffer: rx, as: head}
expect:
  violations_include: [DMA101, cpu-access-device-owned]
  corruption: 2
  faults: some
  reads:
    - {read: frame, pattern: 0x5a}
    - {read: head, bytes: "de:ad:be:ef"}
)"));
  EXPECT_FALSE(s.expect.violations.has_value());  // include replaces the default `[]`
  EXPECT_EQ(s.expect.violations_include.size(), 2u);
  EXPECT_EQ(s.expect.include_where.ToString(), "dir/ok.yaml:13:23");
  EXPECT_EQ(s.expect.corruption.mode, CountExpectation::kExactly);
  EXPECT_EQ(s.expect.corruption.count, 2u);
  EXPECT_EQ(s.expect.faults.mode, CountExpectation::kSome);
  ASSERT_EQ(s.expect.reads.size(), 2u);
  EXPECT_EQ(s.expect.reads[0].pattern, std::optional<uint8_t>(0x5a));
  EXPECT_EQ(s.expect.reads[1].bytes, (std::vector<uint8_t>{0xde, 0xad, 0xbe, 0xef}));
  EXPECT_EQ(s.expect.reads[1].where.ToString(), "dir/ok.yaml:18:7");
}

TEST(Loader, ViolationsAndIncludeTogether) {
  Scenario s = LoadOk(
      "expect:\n  violations: [DMA101]\n  violations_include: [DMA101]\n"
      "  corruption: 0\n");
  ASSERT_TRUE(s.expect.violations.has_value());
  EXPECT_EQ(*s.expect.violations, std::vector<std::string>{"DMA101"});
  EXPECT_EQ(s.expect.corruption.mode, CountExpectation::kNone);
}

TEST(Loader, AllocStepDefinesABufferAndAMapping) {
  Scenario s = LoadOk(WithSteps(R"(  - alloc_coherent: {device: nic, size: 4KiB, as: ring}
  - cpu_write: {buffer: ring, bytes: "01 02"}
  - free_coherent: {mapping: ring}
)"));
  EXPECT_EQ(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[1].Bytes("bytes"), (std::vector<uint8_t>{1, 2}));
}

TEST(Loader, EveryBundledExampleLoads) {
  namespace fs = std::filesystem;
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(DMAKIT_SOURCE_DIR) / "examples")) {
    if (e.path().extension() != ".yaml") continue;
    auto r = LoadScenarioFile(e.path().string());
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    ++n;
  }
  EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace dmakit::scenario

// --- inputs the fuzzer exercises: never a crash, always a cited error -------------------------

namespace dmakit::scenario {
namespace {

TEST(LoaderRobustness, DeepNestingIsAnErrorNotAStackOverflow) {
  EXPECT_EQ(LoadError(std::string(100000, '[')),
            "t.yaml:1:1: malformed YAML: nested 500 levels deep or more");
}

TEST(LoaderRobustness, DeepNestingInsideAValue) {
  std::string text =
      "expect: {violations: " + std::string(3000, '[') + std::string(3000, ']') + "}";
  EXPECT_EQ(LoadError(text), "t.yaml:1:6022: malformed YAML: nested 500 levels deep or more");
}

TEST(LoaderRobustness, SelfReferencingAliases) {
  EXPECT_EQ(LoadError("steps: &a [*a, *a]\n"),
            "t.yaml:1:8: a step must be a step kind with its parameters, e.g. '- map_single: "
            "{device: nic, buffer: rx, dir: from_device}'");
  EXPECT_EQ(LoadError("buffers: &b {rx: *b}\n"),
            "t.yaml:1:14: unknown key 'rx' in buffer 'rx' (expected one of: size, placement, "
            "align, mappings)");
}

TEST(LoaderRobustness, ControlBytesAndInvalidUtf8) {
  EXPECT_EQ(LoadError(std::string("name: \0\xff\xfe\nseed: 1\n", 18)),
            "t.yaml:1:9: malformed YAML: unknown escape character: \xff");
}

}  // namespace
}  // namespace dmakit::scenario
