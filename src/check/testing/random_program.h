// Test-only (linked into the check layer's tests, never the library): random driver programs
// for the checker's soundness property test.
//
// A Program is a platform (coherent or not; direct, IOMMU or forced-bounce backend; cache size,
// associativity and eviction policy; IOMMU flush policy), a few buffers (each mapped one way:
// map_single, map_page or map_sg over 1-3 line-aligned chunks in pages of their own, with one
// direction) and a list of Ops. Programs are built from raw rapidcheck choices by Lower(),
// which keeps an ownership model of every buffer line:
//   - correct programs follow every rule: CPU accesses only to CPU-owned lines, device accesses
//     only to device-owned lines of live mappings in a direction that allows them, sync_for_cpu
//     only over device-owned lines, a CPU write to a mapped device-writable buffer handed back
//     with sync_for_device before the unmap (whose invalidation would discard it), every
//     map's error checked, everything unmapped at the end;
//   - buggy programs are the same programs with some calls dropped (the model still believes
//     they happened), some swapped with the next call (misplaced), and some "rogue" calls made
//     without regard to ownership (CPU or device access to any line, sync or unmap of a
//     mapping that is not live, a map whose error goes unchecked).
// Shrinking a choice list keeps a program well formed, so rapidcheck's counterexamples stay
// readable; Program::ToString() prints them as the op list a regression test can spell out.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/sim/cpu_cache.h"

namespace dmakit::testing {

inline constexpr uint32_t kProgLine = 64;  // the platform's cache line size

struct Platform {
  bool coherent = false;
  DmaBackendKind backend = DmaBackendKind::kDirect;
  EvictionPolicy policy = EvictionPolicy::kLru;
  uint32_t cache_kib = 2;  // small enough that buffers and the thrash region evict each other
  uint32_t ways = 2;
  bool lazy_flush = false;  // IOMMU flush policy
  uint64_t seed = 1;
};

enum class MapKind : uint8_t { kSingle, kPage, kSg };

struct Chunk {
  uint32_t offset = 0;  // in its first page, a multiple of kProgLine
  uint32_t length = 0;  // a multiple of kProgLine; may run into the next page
  uint32_t lines() const { return length / kProgLine; }
};

struct BufferSpec {
  MapKind kind = MapKind::kSingle;
  DmaDirection dir = DmaDirection::kBidirectional;
  std::vector<Chunk> chunks;  // exactly one unless kind == kSg
};

enum class OpKind : uint8_t {
  kCpuWrite,
  kCpuRead,
  kMap,
  kSyncForCpu,
  kSyncForDevice,
  kDevRead,
  kDevWrite,
  kUnmap,
  kThrash,
};
inline constexpr int kOpKindCount = static_cast<int>(OpKind::kThrash) + 1;

struct Op {
  OpKind kind = OpKind::kThrash;
  uint8_t buf = 0;
  uint8_t chunk = 0;
  uint32_t first_line = 0;  // in the chunk (syncs of sg buffers are always whole)
  uint32_t lines = 0;
  uint8_t pattern = 0;      // data written (CPU / device writes); thrash: also dirty lines
  bool check_error = true;  // kMap: the driver tests the handle with dma_mapping_error()
  bool whole = false;       // syncs: the whole mapping
};

struct Program {
  Platform platform;
  std::vector<BufferSpec> buffers;
  std::vector<Op> ops;
  bool buggy = false;
};

// One raw choice; Lower() turns it into zero or one op (or two when a misplaced op lands).
struct Choice {
  uint8_t kind = 0;
  uint8_t buf = 0;
  uint8_t chunk = 0;
  uint16_t a = 0;
  uint16_t b = 0;
  uint8_t pattern = 0;
  uint8_t mutation = 0;  // buggy programs: < 24 drop, < 40 misplace, < 64 rogue (of 256)
};

std::string ToString(OpKind k);
std::string ToString(const Op& op);
std::string ToString(const Program& p);

// Builds the op list of `buffers` from `choices` (see the file comment), then unmaps whatever
// is still mapped.
std::vector<Op> Lower(const std::vector<BufferSpec>& buffers, const std::vector<Choice>& choices,
                      bool buggy);

// rapidcheck generators.
rc::Gen<Platform> GenPlatform();
rc::Gen<Chunk> GenChunk();
rc::Gen<BufferSpec> GenBuffer();
rc::Gen<Choice> GenChoice();
rc::Gen<Program> GenProgram(bool buggy);

}  // namespace dmakit::testing
