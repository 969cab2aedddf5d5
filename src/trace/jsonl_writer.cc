#include "dmakit/trace/jsonl_writer.h"

#include <fmt/format.h>

#include <charconv>
#include <iterator>

namespace dmakit {
namespace {

constexpr size_t kFlushThreshold = 64 * 1024;

bool NeedsEscape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

void AppendEscaped(std::string_view s, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet appended: copied in runs, not byte by byte
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!NeedsEscape(c)) continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      const char esc[] = {'\\', 'u', '0', '0', kDigits[u >> 4], kDigits[u & 0xf]};
      out->append(esc, sizeof(esc));
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendDecimal(uint64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, static_cast<size_t>(end - buf));
}

// "0x..." in quotes.
void AppendQuotedHex(uint64_t v, std::string* out) {
  char buf[24] = {'"', '0', 'x'};
  auto [end, ec] = std::to_chars(buf + 3, buf + sizeof(buf) - 1, v, 16);
  *end++ = '"';
  out->append(buf, static_cast<size_t>(end - buf));
}

// Writes `,"key":` (the caller guarantees an earlier key, "seq", so the comma is right).
void Key(std::string_view key, std::string* out) {
  out->append(",\"");
  out->append(key);
  out->append("\":");
}

void Str(std::string_view key, std::string_view value, std::string* out) {
  Key(key, out);
  AppendEscaped(value, out);
}

void Uint(std::string_view key, uint64_t value, std::string* out) {
  Key(key, out);
  AppendDecimal(value, out);
}

void Hex(std::string_view key, uint64_t value, std::string* out) {
  Key(key, out);
  AppendQuotedHex(value, out);
}

void Bytes(std::string_view key, const std::vector<uint8_t>& bytes, std::string* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  Key(key, out);
  out->push_back('"');
  for (uint8_t b : bytes) {
    out->push_back(kDigits[b >> 4]);
    out->push_back(kDigits[b & 0xf]);
  }
  out->push_back('"');
}

void Sg(const std::vector<SgSegment>& sg, std::string* out) {
  Key("sg", out);
  out->push_back('[');
  for (size_t i = 0; i < sg.size(); ++i) {
    const SgSegment& s = sg[i];
    if (i != 0) out->push_back(',');
    // A leading field that is always present keeps the comma logic of Key() simple.
    out->append("{\"phys\":");
    AppendQuotedHex(s.phys.value(), out);
    if (s.length != 0) Uint("len", s.length, out);
    if (s.dma.value() != 0) Hex("dma", s.dma.value(), out);
    if (s.dma_length != 0) Uint("dma_len", s.dma_length, out);
    out->push_back('}');
  }
  out->push_back(']');
}

void Where(const SourceLoc& w, std::string* out) {
  Key("where", out);
  out->append("{\"line\":");
  AppendDecimal(w.line, out);
  if (w.file[0] != '\0') Str("file", w.file, out);
  if (w.column != 0) Uint("col", w.column, out);
  if (w.function[0] != '\0') Str("func", w.function, out);
  out->push_back('}');
}

}  // namespace

std::string JsonlHeaderLine() {
  return fmt::format("{{\"dmakit_trace\":{}}}", kJsonlFormatVersion);
}

void AppendJsonlEvent(const Event& e, std::string* out) {
  const Event d;  // the defaults
  out->append("{\"seq\":");
  AppendDecimal(e.seq, out);
  Str("kind", ToString(e.kind), out);
  if (!e.device.empty()) Str("device", e.device.view(), out);
  if (e.api != d.api) Str("api", ToString(e.api), out);
  if (e.dir != d.dir) Str("dir", ToString(e.dir), out);
  if (e.attrs != d.attrs) Uint("attrs", e.attrs.bits(), out);
  if (e.mem_attr != d.mem_attr) Str("mem_attr", ToString(e.mem_attr), out);
  if (e.access != d.access) Str("access", ToString(e.access), out);
  if (e.cache_op != d.cache_op) Str("cache_op", ToString(e.cache_op), out);
  if (e.failed) out->append(",\"failed\":true");
  if (e.dma != d.dma) Hex("dma", e.dma.value(), out);
  if (e.phys != d.phys) Hex("phys", e.phys.value(), out);
  if (e.cpu != d.cpu) Hex("cpu", e.cpu.value(), out);
  if (e.size != 0) Uint("size", e.size, out);
  if (e.nents != 0) Uint("nents", e.nents, out);
  if (e.mapped_nents != 0) Uint("mapped_nents", e.mapped_nents, out);
  if (e.domain != 0) Uint("domain", e.domain, out);
  if (e.prot != 0) Uint("prot", e.prot, out);
  if (e.coherent) out->append(",\"coherent\":true");
  if (e.dma_mask != 0) Hex("dma_mask", e.dma_mask, out);
  if (e.max_seg_size != 0) Uint("max_seg_size", e.max_seg_size, out);
  if (e.seg_boundary != 0) Hex("seg_boundary", e.seg_boundary, out);
  if (e.line_size != 0) Uint("line_size", e.line_size, out);
  if (e.ways != 0) Uint("ways", e.ways, out);
  if (!e.sg.empty()) Sg(e.sg, out);
  if (!e.expected.empty()) Bytes("expected", e.expected, out);
  if (!e.observed.empty()) Bytes("observed", e.observed, out);
  if (!e.writer.empty()) Str("writer", e.writer.view(), out);
  if (e.writer_seq != 0) Uint("writer_seq", e.writer_seq, out);
  if (!e.text.empty()) Str("text", e.text.view(), out);
  if (!(e.where == d.where)) Where(e.where, out);
  out->push_back('}');
}

JsonlRecorder::JsonlRecorder(std::ostream& out) : out_(out) {
  buffer_ = JsonlHeaderLine();
  buffer_.push_back('\n');
}

JsonlRecorder::~JsonlRecorder() { Flush(); }

void JsonlRecorder::OnEvent(const Event& event) {
  AppendJsonlEvent(event, &buffer_);
  buffer_.push_back('\n');
  ++events_written_;
  if (buffer_.size() >= kFlushThreshold) Flush();
}

void JsonlRecorder::OnEnd() {
  Flush();
  out_.flush();
  if (!out_) failed_ = true;
}

void JsonlRecorder::Flush() {
  if (buffer_.empty()) return;
  out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  if (!out_) failed_ = true;
  buffer_.clear();
}

Status JsonlRecorder::status() const {
  if (failed_) return Error(ErrorCode::kIo, "writing the JSONL trace failed");
  return Ok();
}

}  // namespace dmakit
