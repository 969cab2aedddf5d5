#include "bounce_pool.h"

#include <algorithm>
#include <bit>
#include <string>

namespace dmakit {

Result<std::unique_ptr<BouncePool>> BouncePool::Create(Soc& soc, const BouncePoolConfig& config) {
  if (config.slot_size < 64 || !std::has_single_bit(config.slot_size)) {
    return Error(
        ErrorCode::kInvalidArgument,
        "bounce.slot_size: " + std::to_string(config.slot_size) + " is not a power of two >= 64");
  }
  if (config.size == 0 || config.size % config.slot_size != 0 || config.size % kPageSize != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "bounce.size: " + std::to_string(config.size) +
                     " is not a non-zero multiple of the slot size and of the page size");
  }
  const uint64_t pages = config.size / kPageSize;
  Result<PhysAddr> base = soc.pages().AllocContiguous(pages);
  if (!base.ok()) {
    return Error(ErrorCode::kExhausted, "bounce pool: no " + std::to_string(config.size) +
                                            " contiguous bytes of RAM: " + base.error().message());
  }
  if (base->value() + config.size > config.below) {
    (void)soc.pages().Free(*base, pages);
    return Error(ErrorCode::kExhausted, "bounce pool: no " + std::to_string(config.size) +
                                            " contiguous bytes of RAM below " + Hex(config.below));
  }
  return std::unique_ptr<BouncePool>(
      new BouncePool(soc, PhysRange(*base, config.size), config.slot_size));
}

BouncePool::BouncePool(Soc& soc, PhysRange range, uint64_t slot_size)
    : soc_(soc),
      range_(range),
      slot_size_(slot_size),
      run_(range.size / slot_size, 0),
      used_(range.size / slot_size, false) {}

BouncePool::~BouncePool() { (void)soc_.pages().Free(range_.base, range_.size / kPageSize); }

uint64_t BouncePool::free_slots() const {
  return static_cast<uint64_t>(std::count(used_.begin(), used_.end(), false));
}

Result<PhysAddr> BouncePool::Alloc(uint64_t size) {
  if (size == 0) return Error(ErrorCode::kInvalidArgument, "bounce: zero-size slot request");
  const uint64_t want = SlotsFor(size);
  uint64_t start = 0;
  uint64_t have = 0;
  for (uint64_t i = 0; i < used_.size(); ++i) {
    if (used_[i]) {
      have = 0;
      start = i + 1;
      continue;
    }
    if (++have == want) {
      std::fill(used_.begin() + static_cast<int64_t>(start),
                used_.begin() + static_cast<int64_t>(start + want), true);
      run_[start] = static_cast<uint32_t>(want);
      return range_.base + start * slot_size_;
    }
  }
  return Error(ErrorCode::kExhausted, "bounce: no " + std::to_string(want) +
                                          " contiguous free slots for " + std::to_string(size) +
                                          " bytes (" + std::to_string(free_slots()) + " free)");
}

Status BouncePool::Free(PhysAddr slot, uint64_t size) {
  if (!range_.Contains(slot) || (slot - range_.base) % slot_size_ != 0 ||
      run_[(slot - range_.base) / slot_size_] == 0) {
    return Error(ErrorCode::kNotFound, "bounce: " + Hex(slot) + " is not an allocated slot run");
  }
  const uint64_t index = (slot - range_.base) / slot_size_;
  if (run_[index] != SlotsFor(size)) {
    return Error(ErrorCode::kInvalidArgument, "bounce: freeing " + std::to_string(size) +
                                                  " bytes at " + Hex(slot) + ", allocated " +
                                                  std::to_string(run_[index]) + " slots");
  }
  std::fill(used_.begin() + static_cast<int64_t>(index),
            used_.begin() + static_cast<int64_t>(index + run_[index]), false);
  run_[index] = 0;
  return Ok();
}

Status BouncePool::Copy(PhysAddr from, PhysAddr to, uint64_t size) {
  std::vector<uint8_t> buf(size);
  DMAKIT_TRY(soc_.KernelLoad(from, buf, who_));
  return soc_.KernelStore(to, buf, who_);
}

}  // namespace dmakit
