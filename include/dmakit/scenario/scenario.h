// Scenario: a loaded scenario file. The platform, the buffers, the program of steps and the
// expectations, every value validated and every default filled from the params table, every
// element carrying its place in the file (SourceLoc) so that reports point at the line.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dmakit/core/source_loc.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/gpu/gpu_device.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"

namespace dmakit::scenario {

struct StepKind;

// One parameter value of a step, typed by its ParamSpec.
struct Value {
  uint64_t number = 0;             // kSize, kUint, kAddr, kBool (0/1)
  std::string text;                // kString, kEnum (canonical), kRef, kDef
  std::vector<uint8_t> bytes;      // kBytes
  std::vector<std::string> rules;  // kRuleList (canonical IDs, "DMA012")
  SourceLoc where;                 // of the value (of the step when defaulted)
  bool given = false;              // written in the file (else a default)
};

struct Step {
  const StepKind* kind = nullptr;
  SourceLoc where;  // the step's kind key
  // Every parameter that has a value: given, or defaulted by the table.
  std::map<std::string, Value, std::less<>> args;
  bool Has(std::string_view key) const { return args.find(key) != args.end(); }
  // Accessors; preconditions (checked): the key has a value.
  uint64_t Number(std::string_view key) const;
  const std::string& Text(std::string_view key) const;
  const std::vector<uint8_t>& Bytes(std::string_view key) const;
  const Value& Get(std::string_view key) const;
};

enum class Placement : uint8_t {
  kKmalloc,     // carved from a shared cached slab at `align` (small buffers share lines)
  kPages,       // whole pages scattered across RAM (a GEM object's backing)
  kContiguous,  // physically contiguous whole pages (CMA)
};

struct CpuViewSpec {
  std::string name;
  MemAttr attr = MemAttr::kCached;
  SourceLoc where;
};

struct BufferSpec {
  std::string name;
  uint64_t size = 0;
  Placement placement = Placement::kKmalloc;
  uint64_t align = 8;
  std::vector<CpuViewSpec> views;
  SourceLoc where;
};

enum class CountExpectation : uint8_t { kAny, kNone, kSome, kExactly };
struct CountExpect {
  CountExpectation mode = CountExpectation::kAny;
  uint64_t count = 0;  // kExactly
  SourceLoc where;
};

struct ReadExpect {
  std::string read;  // the `as` label of a cpu_read step
  std::vector<uint8_t> bytes;
  std::optional<uint8_t> pattern;  // every byte equals this
  SourceLoc where;
};

struct Expectations {
  std::optional<std::vector<std::string>> violations;  // exact multiset of rule IDs
  SourceLoc violations_where;
  std::vector<std::string> violations_include;  // at least these (a multiset)
  SourceLoc include_where;
  CountExpect corruption;
  CountExpect faults;
  std::vector<ReadExpect> reads;
};

// The platform's GPU (section platform.gpu): the msm-like driver bound to `device`, behind
// IOMMU `iommu`, built by the runner after the DMA system on the same SoC, IOMMU and bus.
struct GpuSpec {
  std::string device;  // the node the driver binds to
  std::string iommu;
  GpuOptions options;
  SourceLoc where;
};

struct Scenario {
  std::string file;  // as given to the loader
  std::string name;
  std::string description;
  uint64_t seed = 1;
  SourceLoc where;  // the document

  SocConfig soc;
  std::vector<IommuConfig> iommus;
  std::vector<DeviceNode> devices;
  DmaSystemConfig dma;
  std::optional<GpuSpec> gpu;
  std::vector<BufferSpec> buffers;
  std::vector<Step> steps;
  Expectations expect;
};

}  // namespace dmakit::scenario
