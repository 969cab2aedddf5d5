// The DMA-API vocabulary shared by every layer: directions, attributes, CPU memory types.
// Numeric values match Linux (enum dma_data_direction, DMA_ATTR_* bits) so traces recorded
// from a kernel decode without a translation table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dmakit {

enum class DmaDirection : uint8_t {
  kBidirectional = 0,
  kToDevice = 1,
  kFromDevice = 2,
  kNone = 3,  // only valid for a few calls in Linux; every dmakit map/sync rejects it
};

// "BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE", "NONE", as dma-debug prints them.
std::string_view ToString(DmaDirection dir);
// Accepts the names above, Linux's "DMA_TO_DEVICE" spellings, and lowercase forms
// ("to_device", "to-device", "bidirectional").
std::optional<DmaDirection> ParseDmaDirection(std::string_view text);

// Does data flow device -> memory (the CPU must invalidate before reading)?
constexpr bool DeviceWrites(DmaDirection dir) {
  return dir == DmaDirection::kFromDevice || dir == DmaDirection::kBidirectional;
}
// Does data flow memory -> device (the CPU must clean before the device reads)?
constexpr bool DeviceReads(DmaDirection dir) {
  return dir == DmaDirection::kToDevice || dir == DmaDirection::kBidirectional;
}

// DMA attributes, a bit set with Linux's DMA_ATTR_* values.
class DmaAttrs {
 public:
  enum Bit : uint32_t {
    kWeakOrdering = 1u << 1,
    kWriteCombine = 1u << 2,
    kNoKernelMapping = 1u << 4,
    kSkipCpuSync = 1u << 5,
  };
  static constexpr uint32_t kKnownBits =
      kWeakOrdering | kWriteCombine | kNoKernelMapping | kSkipCpuSync;

  constexpr DmaAttrs() = default;
  constexpr DmaAttrs(Bit bit) : bits_(bit) {}  // NOLINT: a single flag reads naturally
  static constexpr DmaAttrs FromBits(uint32_t bits) {
    DmaAttrs a;
    a.bits_ = bits;
    return a;
  }

  constexpr uint32_t bits() const { return bits_; }
  constexpr bool Has(Bit bit) const { return (bits_ & bit) != 0; }
  constexpr bool skip_cpu_sync() const { return Has(kSkipCpuSync); }
  constexpr DmaAttrs operator|(DmaAttrs other) const { return FromBits(bits_ | other.bits_); }
  constexpr bool operator==(const DmaAttrs&) const = default;

 private:
  uint32_t bits_ = 0;
};
constexpr DmaAttrs operator|(DmaAttrs::Bit a, DmaAttrs::Bit b) { return DmaAttrs(a) | DmaAttrs(b); }

// "SKIP_CPU_SYNC|WRITE_COMBINE", or "0" for none; unknown bits print as hex.
std::string ToString(DmaAttrs attrs);
// Accepts names separated by '|' or ',' (with or without DMA_ATTR_ prefix, any case) or a
// number.
std::optional<DmaAttrs> ParseDmaAttrs(std::string_view text);

// The memory type of a CPU mapping.
enum class MemAttr : uint8_t {
  kCached,        // write-back cacheable: loads and stores go through the CPU cache
  kWriteCombine,  // normal non-cacheable with a write-combining buffer
  kUncached,      // device/strongly ordered: every access goes straight to memory
};
std::string_view ToString(MemAttr attr);
std::optional<MemAttr> ParseMemAttr(std::string_view text);

}  // namespace dmakit
