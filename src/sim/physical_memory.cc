#include "dmakit/sim/physical_memory.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace dmakit {

// Page storage is a two-level table per bank: a vector of chunk pointers indexed by
// (page number >> kChunkShift), each chunk an array of page pointers. Both levels are indexed
// directly (no hashing); the second level keeps a multi-gigabyte bank that is barely touched
// from costing a pointer per page up front.
namespace {
constexpr uint64_t kChunkShift = 9;  // 512 pages (2 MiB of RAM) per chunk
constexpr uint64_t kChunkPages = uint64_t{1} << kChunkShift;
using Page = std::unique_ptr<uint8_t[]>;
using Chunk = std::array<Page, kChunkPages>;
}  // namespace

struct PhysicalMemory::Bank {
  uint64_t base = 0;
  uint64_t end = 0;  // one past the last byte
  std::vector<std::unique_ptr<Chunk>> chunks;

  bool Contains(uint64_t addr) const { return addr >= base && addr < end; }

  const uint8_t* Find(uint64_t addr) const {
    const uint64_t page = (addr - base) >> kPageShift;
    const Chunk* chunk = chunks[page >> kChunkShift].get();
    return chunk == nullptr ? nullptr : (*chunk)[page & (kChunkPages - 1)].get();
  }

  // Returns the page and whether it was created now.
  std::pair<uint8_t*, bool> Materialise(uint64_t addr) {
    const uint64_t page = (addr - base) >> kPageShift;
    std::unique_ptr<Chunk>& chunk = chunks[page >> kChunkShift];
    if (!chunk) chunk = std::make_unique<Chunk>();
    Page& p = (*chunk)[page & (kChunkPages - 1)];
    if (p) return {p.get(), false};
    p.reset(new uint8_t[kPageSize]());  // zero-filled: fresh RAM reads as zeros
    return {p.get(), true};
  }
};

PhysicalMemory::PhysicalMemory(std::vector<std::unique_ptr<Bank>> banks)
    : banks_(std::move(banks)) {}

PhysicalMemory::~PhysicalMemory() = default;
PhysicalMemory::PhysicalMemory(PhysicalMemory&&) noexcept = default;
PhysicalMemory& PhysicalMemory::operator=(PhysicalMemory&&) noexcept = default;

Result<PhysicalMemory> PhysicalMemory::Create(std::vector<MemoryBank> banks) {
  if (banks.empty()) {
    return Error(ErrorCode::kInvalidArgument, "physical memory: no RAM bank given");
  }
  std::sort(banks.begin(), banks.end(),
            [](const MemoryBank& a, const MemoryBank& b) { return a.base < b.base; });
  for (size_t i = 0; i < banks.size(); ++i) {
    const MemoryBank& b = banks[i];
    if (b.size == 0) {
      return Error(ErrorCode::kInvalidArgument, "physical memory: bank '" + b.name + "' at " +
                                                    Hex(b.base) + " is empty (size 0)");
    }
    if (!b.base.IsAligned(kPageSize) || (b.size & (kPageSize - 1)) != 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "physical memory: bank '" + b.name + "' " + ToString(PhysRange(b.base, b.size)) +
                       " is not page-aligned (base and size must be multiples of " +
                       std::to_string(kPageSize) + ")");
    }
    if (b.base.value() + b.size < b.base.value() || b.base.value() + b.size > kMaxPhysAddr) {
      return Error(ErrorCode::kInvalidArgument,
                   "physical memory: bank '" + b.name + "' at " + Hex(b.base) + " of size " +
                       Hex(b.size) + " ends beyond the 52-bit physical address space");
    }
    if (i > 0 && banks[i - 1].base.value() + banks[i - 1].size > b.base.value()) {
      const MemoryBank& a = banks[i - 1];
      return Error(ErrorCode::kInvalidArgument,
                   "physical memory: banks '" + a.name + "' " +
                       ToString(PhysRange(a.base, a.size)) + " and '" + b.name + "' " +
                       ToString(PhysRange(b.base, b.size)) + " overlap");
    }
  }
  std::vector<std::unique_ptr<Bank>> storage;
  for (const MemoryBank& b : banks) {
    auto bank = std::make_unique<Bank>();
    bank->base = b.base.value();
    bank->end = b.base.value() + b.size;
    const uint64_t pages = b.size >> kPageShift;
    bank->chunks.resize((pages + kChunkPages - 1) >> kChunkShift);
    storage.push_back(std::move(bank));
  }
  PhysicalMemory memory(std::move(storage));
  memory.descs_ = std::move(banks);
  return memory;
}

const std::vector<MemoryBank>& PhysicalMemory::banks() const { return descs_; }

const PhysicalMemory::Bank* PhysicalMemory::FindBank(PhysAddr addr) const {
  // Hot loops stay within one bank: try the last one found first.
  const Bank* last = banks_[last_bank_].get();
  if (last->Contains(addr.value())) return last;
  for (size_t i = 0; i < banks_.size(); ++i) {
    if (banks_[i]->Contains(addr.value())) {
      last_bank_ = i;
      return banks_[i].get();
    }
  }
  return nullptr;
}

bool PhysicalMemory::IsRam(PhysRange range) const {
  uint64_t addr = range.base.value();
  const uint64_t size = range.size;
  if (size > kMaxPhysAddr || addr > kMaxPhysAddr - size) return false;
  const uint64_t end = addr + size;
  // Walk bank by bank: a range may run from one bank into an adjacent one.
  do {
    const Bank* bank = FindBank(PhysAddr(addr));
    if (bank == nullptr) return false;
    addr = bank->end;
  } while (addr < end);
  return true;
}

std::string PhysicalMemory::DescribeBanks() const {
  std::string text;
  for (const MemoryBank& b : descs_) {
    if (!text.empty()) text += ", ";
    text += b.name + " " + ToString(PhysRange(b.base, b.size));
  }
  return text;
}

Error PhysicalMemory::OutOfRange(PhysRange range) const {
  return Error(ErrorCode::kOutOfRange, "physical range " + ToString(range) + " (" +
                                           std::to_string(range.size) +
                                           " bytes) is not all RAM; RAM banks: " + DescribeBanks());
}

Status PhysicalMemory::CheckRam(PhysRange range) const {
  if (!IsRam(range)) return OutOfRange(range);
  return Ok();
}

Status PhysicalMemory::Read(PhysAddr addr, std::span<uint8_t> out) const {
  DMAKIT_TRY(CheckRam(PhysRange(addr, out.size())));
  uint64_t a = addr.value();
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t offset = a & (kPageSize - 1);
    const size_t n = std::min<uint64_t>(kPageSize - offset, out.size() - done);
    const uint8_t* page = PageDataIfPresent(PhysAddr(a));
    if (page == nullptr) {
      std::memset(out.data() + done, 0, n);
    } else {
      std::memcpy(out.data() + done, page + offset, n);
    }
    done += n;
    a += n;
  }
  return Ok();
}

Status PhysicalMemory::Write(PhysAddr addr, std::span<const uint8_t> data) {
  DMAKIT_TRY(CheckRam(PhysRange(addr, data.size())));
  uint64_t a = addr.value();
  size_t done = 0;
  while (done < data.size()) {
    const uint64_t offset = a & (kPageSize - 1);
    const size_t n = std::min<uint64_t>(kPageSize - offset, data.size() - done);
    std::memcpy(PageData(PhysAddr(a)) + offset, data.data() + done, n);
    done += n;
    a += n;
  }
  return Ok();
}

uint8_t* PhysicalMemory::PageData(PhysAddr addr) {
  Bank* bank = const_cast<Bank*>(FindBank(addr));
  DMAKIT_CHECK(bank != nullptr, "PhysicalMemory::PageData of an address outside RAM");
  auto [page, created] = bank->Materialise(addr.value());
  pages_present_ += created ? 1 : 0;
  return page;
}

const uint8_t* PhysicalMemory::PageDataIfPresent(PhysAddr addr) const {
  const Bank* bank = FindBank(addr);
  DMAKIT_CHECK(bank != nullptr, "PhysicalMemory::PageDataIfPresent of an address outside RAM");
  return bank->Find(addr.value());
}

uint64_t PhysicalMemory::pages_present() const { return pages_present_; }

}  // namespace dmakit
