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

// Just after the first "[<digits>]", or nullptr; `*cpu` gets the digits' value (saturated).
const char* FindCpu(const char* p, const char* end, uint32_t* cpu) {
  while (p < end) {
    const auto* open = static_cast<const char*>(std::memchr(p, '[', static_cast<size_t>(end - p)));
    if (open == nullptr) return nullptr;
    const char* i = open + 1;
    uint32_t n = 0;
    for (; i < end && IsDigit(*i); ++i) n = n < 100'000'000 ? n * 10 + (*i - '0') : n;
    if (i > open + 1 && i < end && *i == ']') {
      *cpu = n;
      return i + 1;
    }
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

// The three ways a gap is printed: "CPU:3 [LOST 120 EVENTS]" (tracefs), "CPU:3 [120 EVENTS
// DROPPED]" and "CPU:3 [EVENTS DROPPED]" (trace-cmd report; the last does not say how many).
bool ParseLost(std::string_view s, uint64_t* lost, uint32_t* cpu) {
  if (!s.starts_with("CPU:")) return false;
  const size_t open = s.find(" [");
  if (open == std::string_view::npos) return false;
  uint64_t n = 0;
  if (!ParseNumber(s.substr(4, open - 4), &n)) return false;
  *cpu = n < FtraceLine::kNoCpu ? static_cast<uint32_t>(n) : FtraceLine::kNoCpu;
  std::string_view rest = s.substr(open + 2);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  if (rest == "EVENTS DROPPED]") {
    *lost = 0;
    return true;
  }
  std::string_view number;
  if (rest.starts_with("LOST ") && rest.ends_with(" EVENTS]")) {
    number = rest.substr(5, rest.size() - 5 - 8);
  } else if (rest.ends_with(" EVENTS DROPPED]")) {
    number = rest.substr(0, rest.size() - 16);
  } else {
    return false;
  }
  return ParseNumber(number, lost);
}

// "# entries-in-buffer/entries-written: 140080/250880   #P:4": a tracefs buffer that wrote
// more events than it still holds overwrote its oldest ones.
bool ParseOverwritten(std::string_view s, uint64_t* lost) {
  constexpr std::string_view kKey = "entries-in-buffer/entries-written:";
  const size_t at = s.find(kKey);
  if (at == std::string_view::npos) return false;
  std::string_view rest = s.substr(at + kKey.size());
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return false;
  size_t end = slash + 1;
  while (end < rest.size() && IsDigit(rest[end])) ++end;
  uint64_t in_buffer = 0;
  uint64_t written = 0;
  if (!ParseNumber(rest.substr(0, slash), &in_buffer) ||
      !ParseNumber(rest.substr(slash + 1, end - slash - 1), &written) || written <= in_buffer) {
    return false;
  }
  *lost = written - in_buffer;
  return true;
}

}  // namespace

void SplitFtraceLine(std::string_view line, FtraceLine* out) {
  out->shape = Shape::kSkip;
  out->event = {};
  out->fields = {};
  out->lost = 0;
  out->cpu = FtraceLine::kNoCpu;
  out->reason = "";
  const char* const end = line.data() + line.size();
  const char* const begin = SkipSpaces(line.data(), end);
  if (begin == end) return;
  if (*begin == '#') {
    if (ParseOverwritten(std::string_view(begin, static_cast<size_t>(end - begin)), &out->lost)) {
      out->shape = Shape::kLost;
    }
    return;
  }
  // Header and lost-events lines start with 'c', 'v' or 'C'; event lines rarely do.
  if (*begin == 'c' || *begin == 'v' || *begin == 'C') {
    const std::string_view s(begin, static_cast<size_t>(end - begin));
    if (IsHeader(s)) return;
    if (ParseLost(s, &out->lost, &out->cpu)) {
      out->shape = Shape::kLost;
      return;
    }
    out->lost = 0;
    out->cpu = FtraceLine::kNoCpu;
  }
  const char* i = FindCpu(begin, end, &out->cpu);
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
