#include "dmakit/core/dma_types.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace dmakit {
namespace {

// Uppercase, '-' and ' ' folded to '_', an optional prefix removed.
std::string Normalize(std::string_view text, std::string_view prefix) {
  std::string s;
  s.reserve(text.size());
  for (char c : text) {
    if (c == '-' || c == ' ') c = '_';
    s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (s.rfind(prefix, 0) == 0) s.erase(0, prefix.size());
  return s;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

struct AttrName {
  DmaAttrs::Bit bit;
  std::string_view name;
};
constexpr AttrName kAttrNames[] = {
    {DmaAttrs::kWeakOrdering, "WEAK_ORDERING"},
    {DmaAttrs::kWriteCombine, "WRITE_COMBINE"},
    {DmaAttrs::kNoKernelMapping, "NO_KERNEL_MAPPING"},
    {DmaAttrs::kSkipCpuSync, "SKIP_CPU_SYNC"},
};

}  // namespace

std::string_view ToString(DmaDirection dir) {
  switch (dir) {
    case DmaDirection::kBidirectional:
      return "BIDIRECTIONAL";
    case DmaDirection::kToDevice:
      return "TO_DEVICE";
    case DmaDirection::kFromDevice:
      return "FROM_DEVICE";
    case DmaDirection::kNone:
      return "NONE";
  }
  return "INVALID";
}

std::optional<DmaDirection> ParseDmaDirection(std::string_view text) {
  const std::string s = Normalize(Trim(text), "DMA_");
  if (s == "BIDIRECTIONAL") return DmaDirection::kBidirectional;
  if (s == "TO_DEVICE") return DmaDirection::kToDevice;
  if (s == "FROM_DEVICE") return DmaDirection::kFromDevice;
  if (s == "NONE") return DmaDirection::kNone;
  return std::nullopt;
}

std::string ToString(DmaAttrs attrs) {
  uint32_t bits = attrs.bits();
  if (bits == 0) return "0";
  std::string out;
  for (const AttrName& a : kAttrNames) {
    if (bits & a.bit) {
      if (!out.empty()) out += '|';
      out += a.name;
      bits &= ~static_cast<uint32_t>(a.bit);
    }
  }
  if (bits != 0) {
    if (!out.empty()) out += '|';
    out += fmt::format("{:#x}", bits);
  }
  return out;
}

std::optional<DmaAttrs> ParseDmaAttrs(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return DmaAttrs();
  uint32_t bits = 0;
  while (!text.empty()) {
    size_t cut = text.find_first_of("|,");
    std::string_view token = Trim(text.substr(0, cut));
    text = cut == std::string_view::npos ? std::string_view() : text.substr(cut + 1);
    if (token.empty()) return std::nullopt;
    if (std::isdigit(static_cast<unsigned char>(token.front()))) {
      int base = 10;
      if (token.size() > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X')) {
        token.remove_prefix(2);
        base = 16;
      }
      uint32_t v = 0;
      auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), v, base);
      if (ec != std::errc() || p != token.data() + token.size()) return std::nullopt;
      bits |= v;
      continue;
    }
    const std::string name = Normalize(token, "DMA_ATTR_");
    auto it = std::find_if(std::begin(kAttrNames), std::end(kAttrNames),
                           [&](const AttrName& a) { return a.name == name; });
    if (it == std::end(kAttrNames)) return std::nullopt;
    bits |= it->bit;
  }
  return DmaAttrs::FromBits(bits);
}

std::string_view ToString(MemAttr attr) {
  switch (attr) {
    case MemAttr::kCached:
      return "cached";
    case MemAttr::kWriteCombine:
      return "write-combine";
    case MemAttr::kUncached:
      return "uncached";
  }
  return "invalid";
}

std::optional<MemAttr> ParseMemAttr(std::string_view text) {
  const std::string s = Normalize(Trim(text), "");
  if (s == "CACHED") return MemAttr::kCached;
  if (s == "WRITE_COMBINE" || s == "WRITECOMBINE" || s == "WC") return MemAttr::kWriteCombine;
  if (s == "UNCACHED" || s == "NONCACHED") return MemAttr::kUncached;
  return std::nullopt;
}

}  // namespace dmakit
