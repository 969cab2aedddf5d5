#include "dmakit/trace/jsonl_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

#include "dmakit/trace/jsonl_writer.h"
#include "trace/json_cursor.h"
#include "trace/line_splitter.h"
#include "trace/read_run.h"

namespace dmakit {
namespace {

using trace_internal::JsonCursor;

Error Bad(std::string message) { return Error(ErrorCode::kParse, std::move(message)); }

constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();

Result<uint64_t> GetUint(JsonCursor& c, std::string_view key,
                         uint64_t max = std::numeric_limits<uint64_t>::max()) {
  const uint64_t n = DMAKIT_TRY(c.Uint(key));
  if (n > max) return Bad(fmt::format("field '{}' out of range: {}", key, n));
  return n;
}

Result<uint32_t> GetUint32(JsonCursor& c, std::string_view key) {
  return static_cast<uint32_t>(DMAKIT_TRY(GetUint(c, key, kMax32)));
}

Result<uint64_t> GetHex(JsonCursor& c, std::string_view key) {
  std::string_view s = DMAKIT_TRY(c.String(key));
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return Bad(fmt::format("bad hex in '{}': \"{}\" (want \"0x...\")", key, s));
  }
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(s.data() + 2, s.data() + s.size(), n, 16);
  if (ec != std::errc() || p != s.data() + s.size()) {
    return Bad(fmt::format("bad hex in '{}': \"{}\"", key, s));
  }
  return n;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::vector<uint8_t>> GetBytes(JsonCursor& c, std::string_view key, size_t max) {
  std::string_view s = DMAKIT_TRY(c.String(key));
  if (s.size() % 2 != 0) return Bad(fmt::format("bad hex in '{}': odd number of digits", key));
  if (s.size() / 2 > max) return Bad(fmt::format("field '{}' longer than {} bytes", key, max));
  std::vector<uint8_t> out(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigit(s[2 * i]);
    const int lo = HexDigit(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return Bad(fmt::format("bad hex in '{}' at digit {}", key, 2 * i));
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

template <typename E>
Result<E> GetEnum(JsonCursor& c, std::string_view key,
                  std::optional<E> (*parse)(std::string_view)) {
  std::string_view s = DMAKIT_TRY(c.String(key));
  std::optional<E> e = parse(s);
  if (!e) return Bad(fmt::format("unknown {} \"{}\"", key, s));
  return *e;
}

// The writer's spellings first: ParseDmaDirection normalises through a std::string.
std::optional<DmaDirection> ParseDir(std::string_view s) {
  if (s == "TO_DEVICE") return DmaDirection::kToDevice;
  if (s == "FROM_DEVICE") return DmaDirection::kFromDevice;
  if (s == "BIDIRECTIONAL") return DmaDirection::kBidirectional;
  return ParseDmaDirection(s);
}

std::optional<Access> ParseAccess(std::string_view s) {
  if (s == "read") return Access::kRead;
  if (s == "write") return Access::kWrite;
  return std::nullopt;
}

Result<SgSegment> GetSegment(JsonCursor& c, std::string_view* key) {
  DMAKIT_TRY(c.BeginObject("sg[]"));
  SgSegment s;
  while (DMAKIT_TRY(c.NextMember(key))) {
    if (*key == "phys") {
      s.phys = PhysAddr(DMAKIT_TRY(GetHex(c, "sg.phys")));
    } else if (*key == "len") {
      s.length = DMAKIT_TRY(GetUint(c, "sg.len"));
    } else if (*key == "dma") {
      s.dma = DmaAddr(DMAKIT_TRY(GetHex(c, "sg.dma")));
    } else if (*key == "dma_len") {
      s.dma_length = DMAKIT_TRY(GetUint(c, "sg.dma_len"));
    } else {
      DMAKIT_TRY(c.Skip());
    }
  }
  return s;
}

Status GetSg(JsonCursor& c, size_t max_array, Event& e) {
  DMAKIT_TRY(c.BeginArray("sg"));
  e.sg.clear();
  std::string_view key;
  while (DMAKIT_TRY(c.NextElement())) {
    if (e.sg.size() == max_array) {
      return Bad(fmt::format("field 'sg' longer than {} entries", max_array));
    }
    e.sg.push_back(DMAKIT_TRY(GetSegment(c, &key)));
  }
  return Ok();
}

Result<SourceLoc> GetWhere(JsonCursor& c) {
  DMAKIT_TRY(c.BeginObject("where"));
  std::string file, func;
  std::string_view key;
  uint32_t line = 0, col = 0;
  while (DMAKIT_TRY(c.NextMember(&key))) {
    if (key == "file") {
      file = DMAKIT_TRY(c.String("where.file"));
    } else if (key == "func") {
      func = DMAKIT_TRY(c.String("where.func"));
    } else if (key == "line") {
      line = DMAKIT_TRY(GetUint32(c, "where.line"));
    } else if (key == "col") {
      col = DMAKIT_TRY(GetUint32(c, "where.col"));
    } else {
      DMAKIT_TRY(c.Skip());
    }
  }
  return SourceLoc::Interned(file, line, col, func);
}

Result<Symbol> GetSymbol(JsonCursor& c, std::string_view key) {
  return Symbol(DMAKIT_TRY(c.String(key)));
}

// One key of an event object. Unknown keys are skipped (forward compatibility).
Status SetField(JsonCursor& c, std::string_view key, size_t max_array, Event& e) {
  // clang-format off
  if (key == "kind") e.kind = DMAKIT_TRY(GetEnum<EventKind>(c, key, &ParseEventKind));
  else if (key == "seq") e.seq = DMAKIT_TRY(GetUint(c, key));
  else if (key == "device") e.device = DMAKIT_TRY(GetSymbol(c, key));
  else if (key == "api") e.api = DMAKIT_TRY(GetEnum<MapApi>(c, key, &ParseMapApi));
  else if (key == "dir") e.dir = DMAKIT_TRY(GetEnum<DmaDirection>(c, key, &ParseDir));
  else if (key == "attrs") e.attrs = DmaAttrs::FromBits(DMAKIT_TRY(GetUint32(c, key)));
  else if (key == "mem_attr") e.mem_attr = DMAKIT_TRY(GetEnum<MemAttr>(c, key, &ParseMemAttr));
  else if (key == "access") e.access = DMAKIT_TRY(GetEnum<Access>(c, key, &ParseAccess));
  else if (key == "cache_op") e.cache_op = DMAKIT_TRY(GetEnum<CacheOp>(c, key, &ParseCacheOp));
  else if (key == "failed") e.failed = DMAKIT_TRY(c.Bool(key));
  else if (key == "dma") e.dma = DmaAddr(DMAKIT_TRY(GetHex(c, key)));
  else if (key == "phys") e.phys = PhysAddr(DMAKIT_TRY(GetHex(c, key)));
  else if (key == "cpu") e.cpu = CpuAddr(DMAKIT_TRY(GetHex(c, key)));
  else if (key == "size") e.size = DMAKIT_TRY(GetUint(c, key));
  else if (key == "nents") e.nents = DMAKIT_TRY(GetUint32(c, key));
  else if (key == "mapped_nents") e.mapped_nents = DMAKIT_TRY(GetUint32(c, key));
  else if (key == "domain") e.domain = DMAKIT_TRY(GetUint(c, key));
  else if (key == "prot") e.prot = DMAKIT_TRY(GetUint32(c, key));
  else if (key == "coherent") e.coherent = DMAKIT_TRY(c.Bool(key));
  else if (key == "dma_mask") e.dma_mask = DMAKIT_TRY(GetHex(c, key));
  else if (key == "max_seg_size") e.max_seg_size = DMAKIT_TRY(GetUint(c, key));
  else if (key == "seg_boundary") e.seg_boundary = DMAKIT_TRY(GetHex(c, key));
  else if (key == "line_size") e.line_size = DMAKIT_TRY(GetUint32(c, key));
  else if (key == "ways") e.ways = DMAKIT_TRY(GetUint32(c, key));
  else if (key == "expected") e.expected = DMAKIT_TRY(GetBytes(c, key, max_array));
  else if (key == "observed") e.observed = DMAKIT_TRY(GetBytes(c, key, max_array));
  else if (key == "writer") e.writer = DMAKIT_TRY(GetSymbol(c, key));
  else if (key == "writer_seq") e.writer_seq = DMAKIT_TRY(GetUint(c, key));
  else if (key == "text") e.text = DMAKIT_TRY(GetSymbol(c, key));
  else if (key == "where") e.where = DMAKIT_TRY(GetWhere(c));
  else if (key == "sg") DMAKIT_TRY(GetSg(c, max_array, e));
  else DMAKIT_TRY(c.Skip());
  // clang-format on
  return Ok();
}

// The N of {"dmakit_trace":N}.
Result<uint64_t> HeaderVersion(std::string_view line) {
  JsonCursor c(line);
  DMAKIT_TRY(c.BeginObject("header"));
  std::optional<uint64_t> version;
  std::string_view key;
  while (DMAKIT_TRY(c.NextMember(&key))) {
    if (key == "dmakit_trace") {
      version = DMAKIT_TRY(c.Uint("dmakit_trace"));
    } else {
      DMAKIT_TRY(c.Skip());
    }
  }
  DMAKIT_TRY(c.End());
  if (!version) return Bad("missing field 'dmakit_trace'");
  return *version;
}

bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

class JsonlLineHandler final : public trace_internal::LineHandler {
 public:
  JsonlLineHandler(const TraceReadOptions& options, EventSink& sink)
      : options_(options), sink_(sink), run_(options) {}

  bool OnLine(uint32_t number, std::string_view text, bool too_long) override {
    ++run_.summary().lines;
    if (too_long) {
      return run_.Malformed(number,
                            fmt::format("line longer than {} bytes", options_.max_line_length));
    }
    if (IsBlank(text)) return true;
    if (!seen_header_) {
      seen_header_ = true;
      if (text.find("\"dmakit_trace\"") != std::string_view::npos) return Header(number, text);
      if (!run_.Malformed(number, "missing header line {\"dmakit_trace\":N}")) return false;
    }
    Result<Event> event = ParseJsonlEvent(text, options_.max_array_length);
    if (!event.ok()) return run_.Malformed(number, event.error().message());
    ++run_.summary().events;
    sink_.OnEvent(*event);
    return true;
  }

  Result<TraceReadSummary> Finish() && {
    if (unsupported_) return std::move(*unsupported_);
    return std::move(run_).Finish();
  }

 private:
  bool Header(uint32_t number, std::string_view text) {
    Result<uint64_t> v = HeaderVersion(text);
    if (!v.ok()) return run_.Malformed(number, "header: " + v.error().message());
    const uint64_t version = *v;
    if (version > static_cast<uint64_t>(kJsonlFormatVersion) || version == 0) {
      unsupported_.emplace(ErrorCode::kUnsupported,
                           fmt::format("{}:{}: trace format version {} (this reader knows 1..{})",
                                       run_.file_name(), number, version, kJsonlFormatVersion));
      return false;
    }
    return true;
  }

  const TraceReadOptions& options_;
  EventSink& sink_;
  trace_internal::ReadRun run_;
  bool seen_header_ = false;
  std::optional<Error> unsupported_;
};

}  // namespace

Result<Event> ParseJsonlEvent(std::string_view line, size_t max_array_length) {
  JsonCursor c(line);
  if (c.PeekType() != "object") {
    if (c.PeekType() == "invalid") return c.Invalid("unexpected character");
    return Bad(fmt::format("an event must be a JSON object, got {}", c.PeekType()));
  }
  DMAKIT_TRY(c.BeginObject("event"));
  Event e;
  bool has_kind = false;
  std::string_view key;
  while (DMAKIT_TRY(c.NextMember(&key))) {
    has_kind |= key == "kind";
    DMAKIT_TRY(SetField(c, key, max_array_length, e));
  }
  DMAKIT_TRY(c.End());
  if (!has_kind) return Bad("missing field 'kind'");
  return e;
}

Result<TraceReadSummary> ReadJsonl(std::string_view text, EventSink& sink,
                                   const TraceReadOptions& options) {
  JsonlLineHandler handler(options, sink);
  trace_internal::SplitLines(text, options.max_line_length, handler);
  return std::move(handler).Finish();
}

Result<TraceReadSummary> ReadJsonl(std::istream& in, EventSink& sink,
                                   const TraceReadOptions& options) {
  JsonlLineHandler handler(options, sink);
  DMAKIT_TRY(trace_internal::SplitLines(in, options.max_line_length, handler));
  return std::move(handler).Finish();
}

}  // namespace dmakit
