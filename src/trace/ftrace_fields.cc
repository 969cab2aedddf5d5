#include "trace/ftrace_fields.h"

#include <charconv>

namespace dmakit::trace_internal {

bool FtraceFields::Split(std::string_view text) {
  count_ = 0;
  positional_ = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) break;
    size_t end = i;
    size_t eq = std::string_view::npos;
    while (end < text.size() && text[end] != ' ') {
      if (text[end] == '=' && eq == std::string_view::npos) eq = end;
      ++end;
    }
    if (count_ == kMaxTokens) return false;
    FieldToken& t = tokens_[count_++];
    if (eq == std::string_view::npos) {
      t.key = {};
      t.value = text.substr(i, end - i);
      ++positional_;
    } else {
      t.key = text.substr(i, eq - i);
      t.value = text.substr(eq + 1, end - eq - 1);
    }
    i = end;
  }
  return true;
}

const std::string_view* FtraceFields::Get(std::string_view key) const {
  for (size_t i = 0; i < count_; ++i) {
    if (tokens_[i].key == key) return &tokens_[i].value;
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
