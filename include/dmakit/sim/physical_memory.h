// PhysicalMemory: the DRAM of the simulated SoC.
//
// Sparse and page-granular: a bank may span gigabytes, but only pages that were touched own
// host memory (zero-filled on first touch, as a fresh simulated machine reads zeros). Banks
// may leave holes between them; an access that falls in a hole or beyond the last bank is an
// error (kOutOfRange), never a crash. Addresses are 64-bit; banks must be page-aligned.
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

struct MemoryBank {
  std::string name;   // for messages ("dram0")
  PhysAddr base;      // page-aligned
  uint64_t size = 0;  // bytes, a non-zero multiple of the page size
};

class PhysicalMemory {
 public:
  // Errors: kInvalidArgument when there is no bank, a bank is empty or not page-aligned, or
  // two banks overlap.
  static Result<PhysicalMemory> Create(std::vector<MemoryBank> banks);

  PhysicalMemory(PhysicalMemory&&) = default;
  PhysicalMemory& operator=(PhysicalMemory&&) = default;

  const std::vector<MemoryBank>& banks() const;
  // True when every byte of `range` is RAM (an empty range is RAM when its base is).
  bool IsRam(PhysRange range) const;

  // Copy bytes out of / into RAM. Errors: kOutOfRange (names the address and the banks) when
  // any byte is outside RAM; nothing is read or written then.
  Status Read(PhysAddr addr, std::span<uint8_t> out) const;
  Status Write(PhysAddr addr, std::span<const uint8_t> data);

  // Fast path for the simulator's own hot loops: the 4 KiB of one page, materialised on first
  // use. Precondition (checked): the page is RAM.
  uint8_t* PageData(PhysAddr addr);
  // Like PageData, but nullptr for a page never written (it reads as zeros).
  const uint8_t* PageDataIfPresent(PhysAddr addr) const;

  // Host pages materialised so far (how sparse the run stayed).
  uint64_t pages_present() const;

 private:
  struct Bank;
  explicit PhysicalMemory(std::vector<std::unique_ptr<Bank>> banks);
  const Bank* FindBank(PhysAddr addr) const;
  std::vector<std::unique_ptr<Bank>> banks_;
  std::vector<MemoryBank> descs_;
};

}  // namespace dmakit
