// IoPageTable: one IOMMU page-table format behind map / unmap / iova_to_phys / free, plus the
// hardware walk the IOMMU performs on an IOTLB miss.
//
// Two views of a table exist, as on real hardware: the CPU's (what the kernel wrote, through
// its cache) and the walker's (what the IOMMU reads from memory). Map/Unmap/IovaToPhys work
// on the CPU's view; HwWalk reads descriptors from simulated memory through the IOMMU's
// walker bus master, so a descriptor write that never left a CPU cache (non-coherent walker,
// no clean) is invisible to it.
//
// Not thread-safe: a page table belongs to one domain, used from one simulated CPU.
#pragma once

#include <cstdint>
#include <string_view>

#include "dmakit/core/addr.h"
#include "dmakit/core/result.h"
#include "dmakit/sim/bus_master.h"

namespace dmakit {

// Mapping permissions and memory type, a bit set with Linux's IOMMU_* values so traces decode
// without a table.
class IoProt {
 public:
  enum Bit : uint32_t {
    kRead = 1u << 0,
    kWrite = 1u << 1,
    kCache = 1u << 2,   // normal write-back cacheable memory (coherent device); else non-cacheable
    kNoExec = 1u << 3,  // execute-never
    kMmio = 1u << 4,    // device memory (overrides kCache)
  };
  static constexpr uint32_t kKnownBits = kRead | kWrite | kCache | kNoExec | kMmio;

  constexpr IoProt() = default;
  constexpr IoProt(Bit bit) : bits_(bit) {}  // NOLINT: a single flag reads naturally
  static constexpr IoProt FromBits(uint32_t bits) {
    IoProt p;
    p.bits_ = bits;
    return p;
  }
  constexpr uint32_t bits() const { return bits_; }
  constexpr bool Has(Bit bit) const { return (bits_ & bit) != 0; }
  constexpr IoProt operator|(IoProt other) const { return FromBits(bits_ | other.bits_); }
  constexpr bool operator==(const IoProt&) const = default;

 private:
  uint32_t bits_ = 0;
};
constexpr IoProt operator|(IoProt::Bit a, IoProt::Bit b) { return IoProt(a) | IoProt(b); }

// Why a hardware walk did not produce a usable translation.
enum class WalkFault : uint8_t {
  kNone,
  kTranslation,  // an invalid (or reserved) descriptor on the way, or the IOVA is out of range
  kAccessFlag,   // the leaf descriptor has AF = 0
  kBus,          // the walker's read of a descriptor failed (table not in RAM)
};
std::string_view ToString(WalkFault fault);

// What the walker found for one IOVA.
struct WalkResult {
  WalkFault fault = WalkFault::kNone;
  int level = 0;        // level of the last descriptor read (0..3)
  PhysAddr descriptor;  // address of the last descriptor read
  uint64_t descriptor_value = 0;
  PhysAddr phys;           // translated address of the IOVA (valid when fault == kNone)
  uint64_t page_size = 0;  // 4 KiB, 2 MiB or 1 GiB
  bool read_only = false;  // AP[2]
  bool execute_never = false;
  uint8_t attr_index = 0;  // AttrIndx
};

class IoPageTable {
 public:
  virtual ~IoPageTable() = default;

  // The largest IOVA + 1 the format translates.
  virtual uint64_t ias_limit() const = 0;
  // Sizes a single descriptor can map (bit set of powers of two: 4 KiB | 2 MiB | 1 GiB).
  virtual uint64_t pgsize_bitmap() const = 0;

  // Maps [iova, iova + size) to [phys, phys + size) with `prot`. Larger descriptors are used
  // wherever iova, phys and the remaining size allow. Write-only is mapped read-write (the
  // stage-1 format cannot express it). Errors:
  //   kInvalidArgument  size is 0; iova, phys or size not 4 KiB-aligned; prot has neither
  //                     kRead nor kWrite, or unknown bits;
  //   kOutOfRange       the IOVA range ends beyond ias_limit(), or phys beyond 2^48;
  //   kAlreadyExists    some page of the range is already mapped;
  //   kExhausted        no page for a table;
  //   kFailedPrecondition  the table was freed.
  // On every error nothing is left mapped (a partial map is rolled back).
  virtual Status Map(DmaAddr iova, PhysAddr phys, uint64_t size, IoProt prot) = 0;

  // Unmaps [iova, iova + size); blocks only partly covered are split first. Errors:
  //   kInvalidArgument  size is 0; iova or size not 4 KiB-aligned;
  //   kOutOfRange       the range ends beyond ias_limit();
  //   kNotFound         some page of the range is not mapped;
  //   kExhausted        a block must be split and no page is left for the table;
  //   kFailedPrecondition  the table was freed.
  // On every error no translation changes (a split is translation-preserving).
  virtual Status Unmap(DmaAddr iova, uint64_t size) = 0;

  // The CPU's view: the physical address `iova` maps to. Errors: kNotFound (not mapped),
  // kOutOfRange (beyond ias_limit()), kFailedPrecondition (freed).
  virtual Result<PhysAddr> IovaToPhys(DmaAddr iova) const = 0;

  // The IOMMU's view: walks the descriptors in simulated memory through `walker` (one read of
  // 8 bytes per level). Faults are results, not errors.
  virtual WalkResult HwWalk(BusMaster& walker, DmaAddr iova) = 0;

  // Physical address of the root table (what the IOMMU's context points at).
  virtual PhysAddr root() const = 0;

  // Returns every table page (root included) to the page allocator; the table is unusable
  // afterwards. Mappings still present are dropped. Idempotent.
  virtual void Free() = 0;

  // Table pages currently allocated (root included; 0 after Free()).
  virtual uint64_t table_pages() const = 0;
};

}  // namespace dmakit
