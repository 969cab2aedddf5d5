#include "trace/ftrace_fields.h"

#include <charconv>
#include <cstring>

namespace dmakit::trace_internal {

bool FtraceFields::Split(std::string_view text) {
  count_ = 0;
  positional_ = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    const char* stop = static_cast<const char*>(std::memchr(p, ' ', static_cast<size_t>(end - p)));
    if (stop == nullptr) stop = end;
    const size_t len = static_cast<size_t>(stop - p);
    const char* eq = static_cast<const char*>(std::memchr(p, '=', len));
    if (count_ == kMaxTokens) return false;
    FieldToken& t = tokens_[count_++];
    if (eq == nullptr) {
      t.key = {};
      t.value = std::string_view(p, len);
      ++positional_;
    } else {
      t.key = std::string_view(p, static_cast<size_t>(eq - p));
      t.value = std::string_view(eq + 1, static_cast<size_t>(stop - eq - 1));
    }
    p = stop;
  }
  return true;
}

const std::string_view* FtraceFields::Get(std::string_view key) const {
  for (size_t i = 0; i < count_; ++i) {
    const std::string_view k = tokens_[i].key;
    // Size and first byte first: most keys differ there, and memcmp is a call.
    if (k.size() == key.size() && !k.empty() && k[0] == key[0] && k == key) {
      return &tokens_[i].value;
    }
  }
  return nullptr;
}

std::string_view FtraceFields::Positional(size_t n) const {
  for (size_t i = 0; i < count_; ++i) {
    if (tokens_[i].key.empty() && n-- == 0) return tokens_[i].value;
  }
  return {};
}

namespace {

bool HasHexPrefix(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

bool Parse(std::string_view s, int base, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

bool ParseHex(std::string_view s, uint64_t* out) {
  if (HasHexPrefix(s)) s.remove_prefix(2);
  return Parse(s, 16, out);
}

bool ParseNumber(std::string_view s, uint64_t* out) {
  if (HasHexPrefix(s)) return Parse(s.substr(2), 16, out);
  return Parse(s, 10, out);
}

bool ParseArray(std::string_view s, bool hex, size_t max, std::vector<uint64_t>* out) {
  out->clear();
  if (s.size() < 2 || s.front() != '{' || s.back() != '}') return false;
  s = s.substr(1, s.size() - 2);
  if (s.empty()) return true;
  while (true) {
    const size_t comma = s.find(',');
    const std::string_view item = s.substr(0, comma);
    if (out->size() == max) return false;
    uint64_t v = 0;
    if (!(hex ? ParseHex(item, &v) : ParseNumber(item, &v))) return false;
    out->push_back(v);
    if (comma == std::string_view::npos) return true;
    s.remove_prefix(comma + 1);
  }
}

}  // namespace dmakit::trace_internal
