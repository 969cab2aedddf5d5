// Internal: the text of one ftrace event's fields, split into tokens, and the value parsers
// the event decoders share. No allocation: tokens are views into the line.
//
// Split classifies each "key=value" token once: the keys the decoders read (FieldKey) are
// looked up by index afterwards, not by comparing strings again. Other keys are accepted and
// ignored, as before.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace dmakit::trace_internal {

// Every key a dma or iommu decoder reads.
enum class FieldKey : uint8_t {
  kDir,
  kDmaAddr,
  kSize,
  kPhysAddr,
  kAttrs,
  kNents,
  kEnts,
  kDmaAddrs,
  kSizes,
  kPhysAddrs,
  kErr,
  kVirtAddr,
  kIova,
  kPaddr,
  kUnmappedSize,
  kDevice,
  kGroupId,
  kFlags,
  kCount,  // not a key: the number of keys
};

// The key as it appears in the trace ("dma_addr", "groupID", ...).
std::string_view FieldName(FieldKey key);
// The FieldKey spelled `name`, or FieldKey::kCount for a key no decoder reads.
FieldKey ClassifyField(std::string_view name);

class FtraceFields {
 public:
  static constexpr size_t kMaxTokens = 24;

  // Splits at runs of spaces. Returns false when there are more than kMaxTokens tokens.
  bool Split(std::string_view text);

  // The value of the first "key=value" token with this key, or nullptr.
  const std::string_view* Get(FieldKey key) const {
    return (present_ >> static_cast<unsigned>(key) & 1u) != 0 ? &values_[static_cast<size_t>(key)]
                                                              : nullptr;
  }
  // The i-th token without '=', or empty.
  std::string_view Positional(size_t i) const {
    return i < positional_ ? positionals_[i] : std::string_view();
  }
  size_t positional_count() const { return positional_; }

 private:
  static constexpr size_t kKeys = static_cast<size_t>(FieldKey::kCount);
  static_assert(kKeys <= 32, "present_ is a 32-bit mask");
  std::array<std::string_view, kKeys> values_;
  std::array<std::string_view, kMaxTokens> positionals_;
  uint32_t present_ = 0;  // bit k: values_[k] is set
  size_t positional_ = 0;
};

// a == b, without a memcmp call for the short strings ftrace names are (device and event
// names, 8 to 16 bytes: two overlapping 8-byte loads per side).
inline bool SameText(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (n >= 8 && n <= 16) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&a1, a.data() + n - 8, 8);
    std::memcpy(&b1, b.data() + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  return a == b;
}

// Hex digits with an optional "0x" prefix ("%llx" and "0x%016llx" both parse). Fails on an
// empty string, any other character, or a value above 2^64-1 (leading zeros are fine).
// `*out` is written only on success.
bool ParseHex(std::string_view s, uint64_t* out);
// Decimal, or hex with a "0x" prefix. Same failures and guarantee as ParseHex.
bool ParseNumber(std::string_view s, uint64_t* out);
// "{0x1,0x2}" (or "{}"); elements hex when `hex` or "0x"-prefixed, else decimal. Fails when
// braces are missing, an element is bad, or there are more than `max` elements.
bool ParseArray(std::string_view s, bool hex, size_t max, std::vector<uint64_t>* out);

}  // namespace dmakit::trace_internal
