#include "trace/ftrace_line.h"

#include "trace/ftrace_fields.h"

namespace dmakit::trace_internal {
namespace {

using Shape = FtraceLine::Shape;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void SkipSpaces(std::string_view s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t')) ++*i;
}

// "123.456789" or "123456" (clock=counter).
bool IsTimestamp(std::string_view s) {
  if (s.empty() || !IsDigit(s.front()) || !IsDigit(s.back())) return false;
  bool dot = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (!IsDigit(c)) {
      return false;
    }
  }
  return true;
}

bool IsEventNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_';
}

// Position just after "[<digits>]", or npos.
size_t FindCpu(std::string_view s) {
  size_t pos = 0;
  while ((pos = s.find('[', pos)) != std::string_view::npos) {
    size_t i = pos + 1;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i > pos + 1 && i < s.size() && s[i] == ']') return i + 1;
    pos = pos + 1;
  }
  return std::string_view::npos;
}

FtraceLine Malformed(const char* reason) {
  FtraceLine l;
  l.shape = Shape::kMalformed;
  l.reason = reason;
  return l;
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

FtraceLine SplitFtraceLine(std::string_view line) {
  size_t i = 0;
  SkipSpaces(line, &i);
  const std::string_view s = line.substr(i);
  if (s.empty() || s.front() == '#') return FtraceLine{};
  if (IsHeader(s)) return FtraceLine{};
  FtraceLine out;
  if (ParseLost(s, &out.lost)) {
    out.shape = Shape::kLost;
    return out;
  }
  i = FindCpu(s);
  if (i == std::string_view::npos) return Malformed("no [cpu] field");
  // Up to two columns (irq flags, then the timestamp) after the cpu.
  std::string_view stamp;
  for (int column = 0; column < 3 && stamp.empty(); ++column) {
    SkipSpaces(s, &i);
    size_t end = i;
    while (end < s.size() && s[end] != ' ') ++end;
    const std::string_view token = s.substr(i, end - i);
    i = end;
    if (token.size() > 1 && token.back() == ':' && IsTimestamp(token.substr(0, token.size() - 1))) {
      stamp = token;
    }
  }
  if (stamp.empty()) return Malformed("no timestamp after the [cpu] field");
  SkipSpaces(s, &i);
  const size_t name_start = i;
  while (i < s.size() && IsEventNameChar(s[i])) ++i;
  if (i == name_start) return Malformed("no event name after the timestamp");
  if (i == s.size() || s[i] != ':') return Malformed("no ':' after the event name");
  out.shape = Shape::kEvent;
  out.event = s.substr(name_start, i - name_start);
  ++i;
  SkipSpaces(s, &i);
  out.fields = s.substr(i);
  return out;
}

}  // namespace dmakit::trace_internal
