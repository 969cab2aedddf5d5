// Strong address types.
//
// A physical address, a device (DMA) address and a CPU virtual address are all 64-bit
// numbers, and mixing them up is the classic DMA bug (handing sg_phys() to a device behind an
// IOMMU). Each gets its own type: they do not convert into each other, only offsets (plain
// uint64_t) can be added, and the distance between two addresses of the same kind is an
// offset.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace dmakit {

template <typename Tag>
class Addr {
 public:
  constexpr Addr() = default;
  constexpr explicit Addr(uint64_t value) : value_(value) {}

  constexpr uint64_t value() const { return value_; }

  constexpr Addr operator+(uint64_t offset) const { return Addr(value_ + offset); }
  constexpr Addr operator-(uint64_t offset) const { return Addr(value_ - offset); }
  constexpr Addr& operator+=(uint64_t offset) {
    value_ += offset;
    return *this;
  }
  // Distance between two addresses of the same kind.
  constexpr uint64_t operator-(Addr other) const { return value_ - other.value_; }

  constexpr Addr AlignDown(uint64_t alignment) const { return Addr(value_ & ~(alignment - 1)); }
  constexpr Addr AlignUp(uint64_t alignment) const {
    return Addr((value_ + alignment - 1) & ~(alignment - 1));
  }
  constexpr bool IsAligned(uint64_t alignment) const { return (value_ & (alignment - 1)) == 0; }
  constexpr uint64_t OffsetIn(uint64_t alignment) const { return value_ & (alignment - 1); }

  constexpr auto operator<=>(const Addr&) const = default;

 private:
  uint64_t value_ = 0;
};

struct PhysTag {};
struct DmaTag {};
struct CpuTag {};

// A physical (bus) address in simulated RAM.
using PhysAddr = Addr<PhysTag>;
// An address a device puts on the bus: an IOVA behind an IOMMU, else a physical address.
using DmaAddr = Addr<DmaTag>;
// A CPU virtual address of a CpuMapping.
using CpuAddr = Addr<CpuTag>;

// "0x" followed by lowercase hex digits, as dma-debug prints addresses.
std::string Hex(uint64_t value);
template <typename Tag>
std::string Hex(Addr<Tag> addr) {
  return Hex(addr.value());
}

inline constexpr uint64_t kPageShift = 12;
inline constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;
inline constexpr uint64_t kDefaultLineSize = 64;

}  // namespace dmakit

template <typename Tag>
struct std::hash<dmakit::Addr<Tag>> {
  size_t operator()(dmakit::Addr<Tag> a) const noexcept { return std::hash<uint64_t>{}(a.value()); }
};
