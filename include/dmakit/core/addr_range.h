// A half-open range [base, base + size) of addresses of one kind.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "dmakit/core/addr.h"

namespace dmakit {

template <typename A>
struct AddrRange {
  A base{};
  uint64_t size = 0;

  constexpr AddrRange() = default;
  constexpr AddrRange(A b, uint64_t s) : base(b), size(s) {}
  static constexpr AddrRange FromBounds(A begin, A end) { return AddrRange(begin, end - begin); }

  constexpr A begin() const { return base; }
  // One past the last byte. A range that ends at 2^64 is not representable; callers keep
  // ranges below that (the simulator's addresses are at most 52 bits).
  constexpr A end() const { return base + size; }
  constexpr A last() const { return base + (size - 1); }
  constexpr bool empty() const { return size == 0; }

  constexpr bool Contains(A addr) const { return addr >= base && addr - base < size; }
  constexpr bool Contains(const AddrRange& other) const {
    return other.base >= base && other.base - base <= size &&
           other.size <= size - (other.base - base);
  }
  constexpr bool Overlaps(const AddrRange& other) const {
    return size != 0 && other.size != 0 && base < other.end() && other.base < end();
  }
  // The common part of two ranges; empty when they do not overlap.
  constexpr AddrRange Intersect(const AddrRange& other) const {
    if (!Overlaps(other)) return AddrRange(base, 0);
    A b = std::max(base, other.base);
    A e = std::min(end(), other.end());
    return FromBounds(b, e);
  }

  // The smallest range of whole `granule`-sized blocks covering this one (cache lines, pages).
  constexpr AddrRange AlignOut(uint64_t granule) const {
    if (size == 0) return AddrRange(base.AlignDown(granule), 0);
    return FromBounds(base.AlignDown(granule), end().AlignUp(granule));
  }
  constexpr bool IsAligned(uint64_t granule) const {
    return base.IsAligned(granule) && (size & (granule - 1)) == 0;
  }
  // Number of `granule` blocks the range touches (a partial block counts).
  constexpr uint64_t BlockCount(uint64_t granule) const {
    return size == 0 ? 0 : AlignOut(granule).size / granule;
  }
  // First and last block touched are only partly covered.
  constexpr bool StartsMidBlock(uint64_t granule) const { return !base.IsAligned(granule); }
  constexpr bool EndsMidBlock(uint64_t granule) const { return !end().IsAligned(granule); }

  constexpr bool operator==(const AddrRange&) const = default;
};

using PhysRange = AddrRange<PhysAddr>;
using DmaRange = AddrRange<DmaAddr>;
using CpuRange = AddrRange<CpuAddr>;

// "[0x1000-0x1fff]" (inclusive bounds), or "[0x1000, empty]".
template <typename A>
std::string ToString(const AddrRange<A>& r) {
  if (r.empty()) return "[" + Hex(r.base) + ", empty]";
  return "[" + Hex(r.base) + "-" + Hex(r.last()) + "]";
}

}  // namespace dmakit
