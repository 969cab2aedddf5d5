#include "trace/json_cursor.h"

#include <fmt/format.h>

#include <charconv>

namespace dmakit::trace_internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | cp >> 6));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | cp >> 12));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | cp >> 18));
    out->push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

}  // namespace

void JsonCursor::SkipSpace() {
  while (pos_ < s_.size() &&
         (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r' || s_[pos_] == '\n')) {
    ++pos_;
  }
}

Error JsonCursor::Invalid(std::string_view what) const {
  return Error(ErrorCode::kParse, fmt::format("invalid JSON: {} at column {}", what, pos_ + 1));
}

Error JsonCursor::WrongType(std::string_view field, std::string_view want) {
  return Error(ErrorCode::kParse,
               fmt::format("field '{}' must be {}, got {}", field, want, PeekType()));
}

std::string_view JsonCursor::PeekType() {
  SkipSpace();
  if (pos_ == s_.size()) return "invalid";
  const char c = s_[pos_];
  if (c == '"') return "string";
  if (c == '-' || (c >= '0' && c <= '9')) return "number";
  if (c == 't' || c == 'f') return "boolean";
  if (c == 'n') return "null";
  if (c == '{') return "object";
  if (c == '[') return "array";
  return "invalid";
}

Result<uint64_t> JsonCursor::Uint(std::string_view field) {
  SkipSpace();
  if (pos_ == s_.size() || s_[pos_] < '0' || s_[pos_] > '9') {
    if (PeekType() == "invalid") return Invalid("unexpected character");
    return WrongType(field, "an unsigned integer");
  }
  uint64_t v = 0;
  const char* begin = s_.data() + pos_;
  auto [p, ec] = std::from_chars(begin, s_.data() + s_.size(), v);
  const size_t end = static_cast<size_t>(p - s_.data());
  const bool fraction = end < s_.size() && (s_[end] == '.' || s_[end] == 'e' || s_[end] == 'E');
  if (ec != std::errc() || fraction) return WrongType(field, "an unsigned integer");
  pos_ = end;
  return v;
}

Result<bool> JsonCursor::Bool(std::string_view field) {
  SkipSpace();
  if (s_.substr(pos_).starts_with("true")) {
    pos_ += 4;
    return true;
  }
  if (s_.substr(pos_).starts_with("false")) {
    pos_ += 5;
    return false;
  }
  if (PeekType() == "invalid") return Invalid("unexpected character");
  return WrongType(field, "true or false");
}

Result<std::string_view> JsonCursor::String(std::string_view field) {
  SkipSpace();
  if (pos_ == s_.size() || s_[pos_] != '"') {
    if (PeekType() == "invalid") return Invalid("unexpected character");
    return WrongType(field, "a string");
  }
  std::string_view out;
  DMAKIT_TRY(ReadString(&out));
  return out;
}

// Bytes that end the fast scan of a string: the quote, a backslash, control characters.
struct StopTable {
  bool stop[256] = {};
  constexpr StopTable() {
    for (int c = 0; c < 0x20; ++c) stop[c] = true;
    stop[static_cast<int>('"')] = true;
    stop[static_cast<int>('\\')] = true;
  }
};
constexpr StopTable kStop;

Status JsonCursor::ReadString(std::string_view* out) {
  const size_t start = ++pos_;  // past the opening quote
  while (pos_ < s_.size() && !kStop.stop[static_cast<unsigned char>(s_[pos_])]) ++pos_;
  if (pos_ < s_.size() && s_[pos_] == '"') {
    *out = s_.substr(start, pos_ - start);  // no escapes: a view into the line
    ++pos_;
    return Ok();
  }
  return ReadEscaped(start, out);
}

Status JsonCursor::ReadEscaped(size_t start, std::string_view* result) {
  std::string* out = &scratch_;
  out->clear();
  pos_ = start;
  while (true) {
    const size_t run = pos_;
    while (pos_ < s_.size() && !kStop.stop[static_cast<unsigned char>(s_[pos_])]) ++pos_;
    out->append(s_.substr(run, pos_ - run));
    if (pos_ == s_.size()) return Invalid("unterminated string");
    const char c = s_[pos_++];
    if (c == '"') {
      *result = *out;
      return Ok();
    }
    if (c != '\\') return Invalid("control character in string");
    if (pos_ == s_.size()) return Invalid("unterminated string");
    const char e = s_[pos_++];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out->push_back(e);
        break;  // clang-format off
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;  // clang-format on
      case 'u': {
        auto hex4 = [&](uint32_t* cp) {
          if (pos_ + 4 > s_.size()) return false;
          *cp = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = HexValue(s_[pos_++]);
            if (h < 0) return false;
            *cp = *cp << 4 | static_cast<uint32_t>(h);
          }
          return true;
        };
        uint32_t cp = 0;
        if (!hex4(&cp)) return Invalid("bad \\u escape");
        if (cp >= 0xdc00 && cp <= 0xdfff) return Invalid("lone low surrogate");
        if (cp >= 0xd800 && cp <= 0xdbff) {
          uint32_t low = 0;
          if (!s_.substr(pos_).starts_with("\\u")) return Invalid("lone high surrogate");
          pos_ += 2;
          if (!hex4(&low) || low < 0xdc00 || low > 0xdfff) return Invalid("bad surrogate pair");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        return Invalid("bad escape");
    }
  }
}

Status JsonCursor::SkipNumber() {
  auto digits = [&] {
    const size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  };
  if (s_[pos_] == '-') ++pos_;
  if (!digits()) return Invalid("bad number");
  if (pos_ < s_.size() && s_[pos_] == '.') {
    ++pos_;
    if (!digits()) return Invalid("bad number");
  }
  if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (!digits()) return Invalid("bad number");
  }
  return Ok();
}

Status JsonCursor::Literal(std::string_view word) {
  if (!s_.substr(pos_).starts_with(word)) return Invalid("unexpected character");
  pos_ += word.size();
  return Ok();
}

Status JsonCursor::Skip(int depth) {
  if (depth > kMaxDepth) return Invalid("nesting too deep");
  const std::string_view type = PeekType();
  if (type == "string") {
    std::string_view ignored;
    return ReadString(&ignored);
  }
  if (type == "number") return SkipNumber();
  if (type == "boolean") return Literal(s_[pos_] == 't' ? "true" : "false");
  if (type == "null") return Literal("null");
  if (type == "object") {
    DMAKIT_TRY(BeginObject("?"));
    std::string_view key;
    while (DMAKIT_TRY(NextMember(&key))) DMAKIT_TRY(Skip(depth + 1));
    return Ok();
  }
  if (type == "array") {
    DMAKIT_TRY(BeginArray("?"));
    while (DMAKIT_TRY(NextElement())) DMAKIT_TRY(Skip(depth + 1));
    return Ok();
  }
  return pos_ == s_.size() ? Invalid("unexpected end") : Invalid("unexpected character");
}

Status JsonCursor::BeginObject(std::string_view field) {
  SkipSpace();
  if (pos_ == s_.size() || s_[pos_] != '{') {
    if (PeekType() == "invalid") return Invalid("unexpected character");
    return WrongType(field, "an object");
  }
  ++pos_;
  first_ = true;
  return Ok();
}

Result<bool> JsonCursor::NextMember(std::string_view* key) {
  SkipSpace();
  if (pos_ == s_.size()) return Invalid("unterminated object");
  if (s_[pos_] == '}') {
    ++pos_;
    first_ = false;
    return false;
  }
  if (!first_) {
    if (s_[pos_] != ',') return Invalid("expected ',' or '}'");
    ++pos_;
    SkipSpace();
  }
  if (pos_ == s_.size() || s_[pos_] != '"') return Invalid("expected a key");
  DMAKIT_TRY(ReadString(key));
  SkipSpace();
  if (pos_ == s_.size() || s_[pos_] != ':') return Invalid("expected ':'");
  ++pos_;
  first_ = false;
  return true;
}

Status JsonCursor::BeginArray(std::string_view field) {
  SkipSpace();
  if (pos_ == s_.size() || s_[pos_] != '[') {
    if (PeekType() == "invalid") return Invalid("unexpected character");
    return WrongType(field, "an array");
  }
  ++pos_;
  first_ = true;
  return Ok();
}

Result<bool> JsonCursor::NextElement() {
  SkipSpace();
  if (pos_ == s_.size()) return Invalid("unterminated array");
  if (s_[pos_] == ']') {
    ++pos_;
    first_ = false;
    return false;
  }
  if (!first_) {
    if (s_[pos_] != ',') return Invalid("expected ',' or ']'");
    ++pos_;
  }
  first_ = false;
  return true;
}

Status JsonCursor::End() {
  SkipSpace();
  if (pos_ != s_.size()) return Invalid("text after the value");
  return Ok();
}

}  // namespace dmakit::trace_internal
