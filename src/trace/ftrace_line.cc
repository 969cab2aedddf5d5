#include "trace/ftrace_line.h"

#include <cstring>

#include "trace/ftrace_fields.h"

namespace dmakit::trace_internal {
namespace {

using Shape = FtraceLine::Shape;

bool IsDigit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0') <= 9; }

// [A-Za-z0-9_]: the bytes of an event name.
struct NameTable {
  bool ok[256] = {};
  constexpr NameTable() {
    for (int c = 'a'; c <= 'z'; ++c) ok[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) ok[c] = true;
    for (int c = '0'; c <= '9'; ++c) ok[c] = true;
    ok[static_cast<unsigned char>('_')] = true;
  }
};
constexpr NameTable kNameChars;

const char* SkipSpaces(const char* p, const char* end) {
  while (p < end && (*p == ' ' || *p == '\t')) ++p;
  return p;
}

// "123.456789" or "123456" (clock=counter): digits with at most one '.', not at either end.
bool IsTimestamp(const char* p, const char* end) {
  if (p == end || !IsDigit(*p) || !IsDigit(end[-1])) return false;
  bool dot = false;
  for (; p < end; ++p) {
    if (*p == '.') {
      if (dot) return false;
      dot = true;
    } else if (!IsDigit(*p)) {
      return false;
    }
  }
  return true;
}

// Just after the first "[<digits>]", or nullptr.
const char* FindCpu(const char* p, const char* end) {
  while (p < end) {
    const auto* open = static_cast<const char*>(std::memchr(p, '[', static_cast<size_t>(end - p)));
    if (open == nullptr) return nullptr;
    const char* i = open + 1;
    while (i < end && IsDigit(*i)) ++i;
    if (i > open + 1 && i < end && *i == ']') return i + 1;
    p = open + 1;
  }
  return nullptr;
}

void SetMalformed(FtraceLine* out, const char* reason) {
  out->shape = Shape::kMalformed;
  out->reason = reason;
}

bool IsHeader(std::string_view s) {
  if (s.starts_with("cpus=") || s.starts_with("version")) return true;
  return s.starts_with("CPU ") && s.ends_with(" is empty");
}

// "CPU:3 [LOST 120 EVENTS]"
bool ParseLost(std::string_view s, uint64_t* lost) {
  if (!s.starts_with("CPU:")) return false;
  const size_t at = s.find("[LOST ");
  if (at == std::string_view::npos) return false;
  std::string_view rest = s.substr(at + 6);
  const size_t sp = rest.find(' ');
  return sp != std::string_view::npos && rest.substr(sp) == " EVENTS]" &&
         ParseNumber(rest.substr(0, sp), lost);
}

}  // namespace

void SplitFtraceLine(std::string_view line, FtraceLine* out) {
  out->shape = Shape::kSkip;
  out->event = {};
  out->fields = {};
  out->lost = 0;
  out->reason = "";
  const char* const end = line.data() + line.size();
  const char* const begin = SkipSpaces(line.data(), end);
  if (begin == end || *begin == '#') return;
  // Header and lost-events lines start with 'c', 'v' or 'C'; event lines rarely do.
  if (*begin == 'c' || *begin == 'v' || *begin == 'C') {
    const std::string_view s(begin, static_cast<size_t>(end - begin));
    if (IsHeader(s)) return;
    if (ParseLost(s, &out->lost)) {
      out->shape = Shape::kLost;
      return;
    }
    out->lost = 0;
  }
  const char* i = FindCpu(begin, end);
  if (i == nullptr) return SetMalformed(out, "no [cpu] field");
  // Up to two columns (irq flags, then the timestamp) after the cpu.
  bool stamp = false;
  for (int column = 0; column < 3 && !stamp; ++column) {
    i = SkipSpaces(i, end);
    const char* token_end = i;
    while (token_end < end && *token_end != ' ') ++token_end;
    stamp = token_end - i > 1 && token_end[-1] == ':' && IsTimestamp(i, token_end - 1);
    i = token_end;
  }
  if (!stamp) return SetMalformed(out, "no timestamp after the [cpu] field");
  i = SkipSpaces(i, end);
  const char* const name_start = i;
  while (i < end && kNameChars.ok[static_cast<unsigned char>(*i)]) ++i;
  if (i == name_start) return SetMalformed(out, "no event name after the timestamp");
  if (i == end || *i != ':') return SetMalformed(out, "no ':' after the event name");
  out->shape = Shape::kEvent;
  out->event = std::string_view(name_start, static_cast<size_t>(i - name_start));
  i = SkipSpaces(i + 1, end);
  out->fields = std::string_view(i, static_cast<size_t>(end - i));
}

}  // namespace dmakit::trace_internal
