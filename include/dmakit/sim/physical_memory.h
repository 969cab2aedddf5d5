// PhysicalMemory: the DRAM of the simulated SoC.
//
// Sparse and page-granular: a bank may span gigabytes, but only pages that were touched own
// host memory (zero-filled on first touch, as a fresh simulated machine reads zeros). Banks
// may leave holes between them; an access that falls in a hole or beyond the last bank is an
// error (kOutOfRange), never a crash. Addresses are 64-bit, RAM lies below 2^52 (the arm64
// physical address limit); banks must be page-aligned. Accesses may cross page boundaries and
// run from one bank into an adjacent one (banks that touch form one stretch of RAM).
//
// Host storage: per bank, pages are found by direct indexing (bank offset >> 12) through a
// two-level table of page pointers, so PageData is O(1) without hashing.
//
// Not modelled: ECC, timing, bank interleaving. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/addr_range.h"
#include "dmakit/core/result.h"

namespace dmakit {

// One past the highest physical address RAM may occupy (52 bits).
inline constexpr uint64_t kMaxPhysAddr = uint64_t{1} << 52;

struct MemoryBank {
  std::string name;   // for messages ("dram0")
  PhysAddr base;      // page-aligned
  uint64_t size = 0;  // bytes, a non-zero multiple of the page size
};

class PhysicalMemory {
 public:
  // Errors: kInvalidArgument when there is no bank, a bank is empty or not page-aligned, ends
  // beyond kMaxPhysAddr, or two banks overlap. banks() lists them sorted by base.
  static Result<PhysicalMemory> Create(std::vector<MemoryBank> banks);

  ~PhysicalMemory();
  PhysicalMemory(PhysicalMemory&&) noexcept;
  PhysicalMemory& operator=(PhysicalMemory&&) noexcept;

  const std::vector<MemoryBank>& banks() const;
  // True when every byte of `range` is RAM (an empty range is RAM when its base is).
  bool IsRam(PhysRange range) const;
  // Ok when IsRam(range), else the kOutOfRange error that Read/Write return.
  Status CheckRam(PhysRange range) const;
  // "dram0 [0x80000000-0x8fffffff], dram1 [...]", for error messages.
  std::string DescribeBanks() const;

  // Copy bytes out of / into RAM. Errors: kOutOfRange (names the address and the banks) when
  // any byte is outside RAM; nothing is read or written then.
  Status Read(PhysAddr addr, std::span<uint8_t> out) const;
  Status Write(PhysAddr addr, std::span<const uint8_t> data);

  // Fast path for the simulator's own hot loops: the 4 KiB of the page containing `addr`
  // (pointer to its first byte), materialised zero-filled on first use. Precondition
  // (checked, aborts): the page is RAM.
  uint8_t* PageData(PhysAddr addr);
  // Like PageData, but nullptr for a page never written (it reads as zeros).
  const uint8_t* PageDataIfPresent(PhysAddr addr) const;

  // Host pages materialised so far (how sparse the run stayed).
  uint64_t pages_present() const;

 private:
  struct Bank;
  explicit PhysicalMemory(std::vector<std::unique_ptr<Bank>> banks);
  const Bank* FindBank(PhysAddr addr) const;
  Error OutOfRange(PhysRange range) const;
  std::vector<std::unique_ptr<Bank>> banks_;  // sorted by base
  std::vector<MemoryBank> descs_;
  uint64_t pages_present_ = 0;
  mutable size_t last_bank_ = 0;  // FindBank's guess; not part of the observable state
};

}  // namespace dmakit
