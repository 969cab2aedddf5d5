#include "dmakit/trace/jsonl_reader.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "dmakit/trace/jsonl_writer.h"
#include "trace/line_splitter.h"
#include "trace/read_run.h"

namespace dmakit {
namespace {

using nlohmann::json;

Error Bad(std::string message) { return Error(ErrorCode::kParse, std::move(message)); }

Result<uint64_t> GetUint(const json& v, std::string_view key,
                         uint64_t max = std::numeric_limits<uint64_t>::max()) {
  if (!v.is_number_unsigned()) {
    return Bad(fmt::format("field '{}' must be an unsigned integer, got {}", key, v.type_name()));
  }
  const uint64_t n = v.get<uint64_t>();
  if (n > max) return Bad(fmt::format("field '{}' out of range: {}", key, n));
  return n;
}

Result<std::string_view> GetString(const json& v, std::string_view key) {
  if (!v.is_string()) {
    return Bad(fmt::format("field '{}' must be a string, got {}", key, v.type_name()));
  }
  return std::string_view(v.get_ref<const std::string&>());
}

Result<bool> GetBool(const json& v, std::string_view key) {
  if (!v.is_boolean()) {
    return Bad(fmt::format("field '{}' must be true or false, got {}", key, v.type_name()));
  }
  return v.get<bool>();
}

Result<uint64_t> GetHex(const json& v, std::string_view key) {
  std::string_view s = DMAKIT_TRY(GetString(v, key));
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

Result<std::vector<uint8_t>> GetBytes(const json& v, std::string_view key, size_t max) {
  std::string_view s = DMAKIT_TRY(GetString(v, key));
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
Result<E> GetEnum(const json& v, std::string_view key,
                  std::optional<E> (*parse)(std::string_view)) {
  std::string_view s = DMAKIT_TRY(GetString(v, key));
  std::optional<E> e = parse(s);
  if (!e) return Bad(fmt::format("unknown {} \"{}\"", key, s));
  return *e;
}

std::optional<Access> ParseAccess(std::string_view s) {
  if (s == "read") return Access::kRead;
  if (s == "write") return Access::kWrite;
  return std::nullopt;
}

Result<SgSegment> GetSegment(const json& v) {
  if (!v.is_object()) return Bad(fmt::format("sg entry must be an object, got {}", v.type_name()));
  SgSegment s;
  for (const auto& [key, value] : v.items()) {
    if (key == "phys") s.phys = PhysAddr(DMAKIT_TRY(GetHex(value, "sg.phys")));
    if (key == "len") s.length = DMAKIT_TRY(GetUint(value, "sg.len"));
    if (key == "dma") s.dma = DmaAddr(DMAKIT_TRY(GetHex(value, "sg.dma")));
    if (key == "dma_len") s.dma_length = DMAKIT_TRY(GetUint(value, "sg.dma_len"));
  }
  return s;
}

Result<SourceLoc> GetWhere(const json& v) {
  if (!v.is_object())
    return Bad(fmt::format("field 'where' must be an object, got {}", v.type_name()));
  std::string_view file, func;
  uint32_t line = 0, col = 0;
  constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();
  for (const auto& [key, value] : v.items()) {
    if (key == "file") file = DMAKIT_TRY(GetString(value, "where.file"));
    if (key == "func") func = DMAKIT_TRY(GetString(value, "where.func"));
    if (key == "line")
      line = static_cast<uint32_t>(DMAKIT_TRY(GetUint(value, "where.line", kMax32)));
    if (key == "col") col = static_cast<uint32_t>(DMAKIT_TRY(GetUint(value, "where.col", kMax32)));
  }
  return SourceLoc::Interned(file, line, col, func);
}

// One key of an event object. Unknown keys are ignored.
Status SetField(const std::string& key, const json& v, size_t max_array, Event& e) {
  constexpr uint64_t kMax32 = std::numeric_limits<uint32_t>::max();
  if (key == "seq")
    e.seq = DMAKIT_TRY(GetUint(v, key));
  else if (key == "device")
    e.device = Symbol(DMAKIT_TRY(GetString(v, key)));
  else if (key == "api")
    e.api = DMAKIT_TRY(GetEnum<MapApi>(v, key, &ParseMapApi));
  else if (key == "dir")
    e.dir = DMAKIT_TRY(GetEnum<DmaDirection>(v, key, &ParseDmaDirection));
  else if (key == "attrs")
    e.attrs = DmaAttrs::FromBits(static_cast<uint32_t>(DMAKIT_TRY(GetUint(v, key, kMax32))));
  else if (key == "mem_attr")
    e.mem_attr = DMAKIT_TRY(GetEnum<MemAttr>(v, key, &ParseMemAttr));
  else if (key == "access")
    e.access = DMAKIT_TRY(GetEnum<Access>(v, key, &ParseAccess));
  else if (key == "cache_op")
    e.cache_op = DMAKIT_TRY(GetEnum<CacheOp>(v, key, &ParseCacheOp));
  else if (key == "failed")
    e.failed = DMAKIT_TRY(GetBool(v, key));
  else if (key == "dma")
    e.dma = DmaAddr(DMAKIT_TRY(GetHex(v, key)));
  else if (key == "phys")
    e.phys = PhysAddr(DMAKIT_TRY(GetHex(v, key)));
  else if (key == "cpu")
    e.cpu = CpuAddr(DMAKIT_TRY(GetHex(v, key)));
  else if (key == "size")
    e.size = DMAKIT_TRY(GetUint(v, key));
  else if (key == "nents")
    e.nents = static_cast<uint32_t>(DMAKIT_TRY(GetUint(v, key, kMax32)));
  else if (key == "mapped_nents")
    e.mapped_nents = static_cast<uint32_t>(DMAKIT_TRY(GetUint(v, key, kMax32)));
  else if (key == "domain")
    e.domain = DMAKIT_TRY(GetUint(v, key));
  else if (key == "prot")
    e.prot = static_cast<uint32_t>(DMAKIT_TRY(GetUint(v, key, kMax32)));
  else if (key == "coherent")
    e.coherent = DMAKIT_TRY(GetBool(v, key));
  else if (key == "dma_mask")
    e.dma_mask = DMAKIT_TRY(GetHex(v, key));
  else if (key == "max_seg_size")
    e.max_seg_size = DMAKIT_TRY(GetUint(v, key));
  else if (key == "seg_boundary")
    e.seg_boundary = DMAKIT_TRY(GetHex(v, key));
  else if (key == "expected")
    e.expected = DMAKIT_TRY(GetBytes(v, key, max_array));
  else if (key == "observed")
    e.observed = DMAKIT_TRY(GetBytes(v, key, max_array));
  else if (key == "writer")
    e.writer = Symbol(DMAKIT_TRY(GetString(v, key)));
  else if (key == "writer_seq")
    e.writer_seq = DMAKIT_TRY(GetUint(v, key));
  else if (key == "text")
    e.text = Symbol(DMAKIT_TRY(GetString(v, key)));
  else if (key == "where")
    e.where = DMAKIT_TRY(GetWhere(v));
  else if (key == "sg") {
    if (!v.is_array())
      return Bad(fmt::format("field 'sg' must be an array, got {}", v.type_name()));
    if (v.size() > max_array)
      return Bad(fmt::format("field 'sg' longer than {} entries", max_array));
    e.sg.clear();
    e.sg.reserve(v.size());
    for (const json& s : v) e.sg.push_back(DMAKIT_TRY(GetSegment(s)));
  }
  return Ok();
}

Result<json> ParseJson(std::string_view line) {
  // nlohmann reports syntax errors by exception; it stays inside this function.
  try {
    return json::parse(line);
  } catch (const json::exception& ex) {
    return Bad(fmt::format("invalid JSON: {}", ex.what()));
  }
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
    Result<json> j = ParseJson(text);
    if (!j.ok()) return run_.Malformed(number, j.error().message());
    const json* v = j->is_object() && j->contains("dmakit_trace") ? &(*j)["dmakit_trace"] : nullptr;
    if (v == nullptr || !v->is_number_unsigned()) {
      return run_.Malformed(number, "header: 'dmakit_trace' must be an unsigned integer");
    }
    const uint64_t version = v->get<uint64_t>();
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
  json j = DMAKIT_TRY(ParseJson(line));
  if (!j.is_object())
    return Bad(fmt::format("an event must be a JSON object, got {}", j.type_name()));
  auto kind = j.find("kind");
  if (kind == j.end()) return Bad("missing field 'kind'");
  Event e;
  e.kind = DMAKIT_TRY(GetEnum<EventKind>(*kind, "kind", &ParseEventKind));
  for (const auto& [key, value] : j.items()) {
    if (key == "kind") continue;
    DMAKIT_TRY(SetField(key, value, max_array_length, e));
  }
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
