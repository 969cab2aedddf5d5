#include "trace/ftrace_fields.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace dmakit::trace_internal {
namespace {

constexpr std::string_view kFieldNames[] = {
    "dir",  "dma_addr",  "size",          "phys_addr",  "attrs",   "nents",
    "ents", "dma_addrs", "sizes",         "phys_addrs", "err",     "virt_addr",
    "iova", "paddr",     "unmapped_size", "device",     "groupID", "flags",
};
static_assert(std::size(kFieldNames) == static_cast<size_t>(FieldKey::kCount));

// -1 for a byte that is not a hex digit.
struct HexTable {
  int8_t value[256];
  constexpr HexTable() : value() {
    for (int i = 0; i < 256; ++i) value[i] = -1;
    for (int i = 0; i < 10; ++i) value['0' + i] = static_cast<int8_t>(i);
    for (int i = 0; i < 6; ++i) {
      value['a' + i] = static_cast<int8_t>(10 + i);
      value['A' + i] = static_cast<int8_t>(10 + i);
    }
  }
};
constexpr HexTable kHex;

bool HasHexPrefix(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

bool ParseHexDigits(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  // Leading zeros never overflow ("0x%016llx"); past them, more than 16 digits would.
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  if (s.size() > 16) return false;
  uint64_t v = 0;
  int bad = 0;  // negative once any byte is not a hex digit: one test after the loop
  for (const char c : s) {
    const int d = kHex.value[static_cast<unsigned char>(c)];
    bad |= d;
    v = v << 4 | static_cast<uint64_t>(d & 0xf);
  }
  if (bad < 0) return false;
  *out = v;
  return true;
}

bool ParseDecimalDigits(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (const char c : s) {
    const auto d = static_cast<unsigned>(static_cast<unsigned char>(c) - '0');
    if (d > 9) return false;
    if (__builtin_mul_overflow(v, uint64_t{10}, &v) || __builtin_add_overflow(v, d, &v)) {
      return false;
    }
  }
  *out = v;
  return true;
}

// The first ' ' in [p, end), or end.
const char* FindSpace(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  while (end - p >= 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, space)));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && *p != ' ') ++p;
  return p;
}

}  // namespace

std::string_view FieldName(FieldKey key) { return kFieldNames[static_cast<size_t>(key)]; }

FieldKey ClassifyField(std::string_view name) {
  // Length first, then whole-string compares against fixed-size literals (no memcmp call).
  auto is = [name](FieldKey k) { return name == kFieldNames[static_cast<size_t>(k)]; };
  switch (name.size()) {
    case 3:
      if (is(FieldKey::kDir)) return FieldKey::kDir;
      if (is(FieldKey::kErr)) return FieldKey::kErr;
      break;
    case 4:
      if (is(FieldKey::kSize)) return FieldKey::kSize;
      if (is(FieldKey::kEnts)) return FieldKey::kEnts;
      if (is(FieldKey::kIova)) return FieldKey::kIova;
      break;
    case 5:
      if (is(FieldKey::kAttrs)) return FieldKey::kAttrs;
      if (is(FieldKey::kNents)) return FieldKey::kNents;
      if (is(FieldKey::kSizes)) return FieldKey::kSizes;
      if (is(FieldKey::kPaddr)) return FieldKey::kPaddr;
      if (is(FieldKey::kFlags)) return FieldKey::kFlags;
      break;
    case 6:
      if (is(FieldKey::kDevice)) return FieldKey::kDevice;
      break;
    case 7:
      if (is(FieldKey::kGroupId)) return FieldKey::kGroupId;
      break;
    case 8:
      if (is(FieldKey::kDmaAddr)) return FieldKey::kDmaAddr;
      break;
    case 9:
      if (is(FieldKey::kPhysAddr)) return FieldKey::kPhysAddr;
      if (is(FieldKey::kDmaAddrs)) return FieldKey::kDmaAddrs;
      if (is(FieldKey::kVirtAddr)) return FieldKey::kVirtAddr;
      break;
    case 10:
      if (is(FieldKey::kPhysAddrs)) return FieldKey::kPhysAddrs;
      break;
    case 13:
      if (is(FieldKey::kUnmappedSize)) return FieldKey::kUnmappedSize;
      break;
    default:
      break;
  }
  return FieldKey::kCount;
}

bool FtraceFields::Split(std::string_view text) {
  present_ = 0;
  positional_ = 0;
  size_t count = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    // The key is short: scan it bytewise up to the first '='; the value (hex, arrays) can be
    // long: find its end 16 bytes at a time.
    const char* const start = p;
    const char* eq = nullptr;
    while (p < end && *p != ' ' && *p != '=') ++p;
    if (p < end && *p == '=') {
      eq = p;
      p = FindSpace(p + 1, end);
    }
    if (count == kMaxTokens) return false;
    ++count;
    if (eq == nullptr || eq == start) {
      // No key: a positional token. "=x" has an empty key and counts as the positional "x".
      const char* const value = eq == nullptr ? start : eq + 1;
      positionals_[positional_++] = std::string_view(value, static_cast<size_t>(p - value));
      continue;
    }
    const FieldKey key = ClassifyField(std::string_view(start, static_cast<size_t>(eq - start)));
    const auto bit = uint32_t{1} << static_cast<unsigned>(key);
    if (key == FieldKey::kCount || (present_ & bit) != 0) continue;  // unread, or a repeat
    present_ |= bit;
    values_[static_cast<size_t>(key)] = std::string_view(eq + 1, static_cast<size_t>(p - eq - 1));
  }
  return true;
}

bool ParseHex(std::string_view s, uint64_t* out) {
  if (HasHexPrefix(s)) s.remove_prefix(2);
  return ParseHexDigits(s, out);
}

bool ParseNumber(std::string_view s, uint64_t* out) {
  if (HasHexPrefix(s)) return ParseHexDigits(s.substr(2), out);
  return ParseDecimalDigits(s, out);
}

bool ParseArray(std::string_view s, bool hex, size_t max, std::vector<uint64_t>* out) {
  out->clear();
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return false;
  const char* p = s.data() + 1;
  const char* const end = s.data() + s.size() - 1;
  if (p == end) return true;
  while (true) {
    const char* comma = p;
    while (comma < end && *comma != ',') ++comma;
    const std::string_view item(p, static_cast<size_t>(comma - p));
    if (out->size() == max) return false;
    uint64_t v = 0;
    if (!(hex ? ParseHex(item, &v) : ParseNumber(item, &v))) return false;
    out->push_back(v);
    if (comma == end) return true;
    p = comma + 1;
  }
}

}  // namespace dmakit::trace_internal
