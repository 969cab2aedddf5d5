#include "dmakit/sim/oracle.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "dmakit/core/event.h"

namespace dmakit {
namespace {

constexpr uint64_t kMaxShownBytes = 64;

const uint8_t* ZeroPage() {
  static const uint8_t kZeros[kPageSize] = {};
  return kZeros;
}

PhysicalMemory MakeIdeal(const PhysicalMemory& layout) {
  auto ideal = PhysicalMemory::Create(layout.banks());
  DMAKIT_CHECK(ideal.ok(), "the oracle mirrors banks that were already validated");
  return std::move(ideal).value();
}

}  // namespace

// A run of consecutive differing lines with the same last write, being built.
struct Oracle::Run {
  bool active = false;
  PhysAddr first;      // first differing byte
  PhysAddr end;        // one past the last differing byte
  PhysAddr next_line;  // the line that would continue the run
  LineWriter writer;
  std::vector<uint8_t> expected;
  std::vector<uint8_t> observed;
};

Oracle::Oracle(const PhysicalMemory& layout, uint32_t line_size, EventBus* bus, bool enabled)
    : ideal_(MakeIdeal(layout)), line_size_(line_size), bus_(bus), enabled_(enabled) {
  DMAKIT_CHECK(line_size_ != 0 && (line_size_ & (line_size_ - 1)) == 0 && line_size_ <= kPageSize,
               "oracle line size must be a power of two no larger than a page");
}

void Oracle::RecordWrite(PhysAddr addr, std::span<const uint8_t> data, Symbol writer,
                         uint64_t seq) {
  if (!enabled_ || data.empty()) return;
  DMAKIT_CHECK(ideal_.IsRam(PhysRange(addr, data.size())), "oracle write outside RAM");
  const uint64_t lines_per_page = kPageSize / line_size_;
  const LineWriter who{writer, seq};
  uint64_t done = 0;
  while (done < data.size()) {
    PhysAddr at = addr + done;
    uint64_t offset = at.OffsetIn(kPageSize);
    uint64_t n = std::min<uint64_t>(kPageSize - offset, data.size() - done);
    std::memcpy(ideal_.PageData(at) + offset, data.data() + done, n);
    auto& lines = writers_[at.value() >> kPageShift];
    if (!lines) lines = std::make_unique<LineWriter[]>(lines_per_page);
    uint64_t first_line = offset / line_size_;
    uint64_t last_line = (offset + n - 1) / line_size_;
    std::fill(lines.get() + first_line, lines.get() + last_line + 1, who);
    done += n;
  }
}

Oracle::LineWriter Oracle::LastWriter(PhysAddr addr) const {
  auto it = writers_.find(addr.value() >> kPageShift);
  if (it == writers_.end()) return {};
  return it->second[addr.OffsetIn(kPageSize) / line_size_];
}

Status Oracle::ReadIdeal(PhysAddr addr, std::span<uint8_t> out) const {
  return ideal_.Read(addr, out);
}

uint64_t Oracle::Check(PhysAddr addr, std::span<const uint8_t> observed, Symbol reader) {
  if (!enabled_ || observed.empty()) return 0;
  DMAKIT_CHECK(ideal_.IsRam(PhysRange(addr, observed.size())), "oracle check outside RAM");
  Run run;
  uint64_t differing = 0;
  uint64_t done = 0;
  while (done < observed.size()) {
    PhysAddr at = addr + done;
    uint64_t offset = at.OffsetIn(kPageSize);
    uint64_t n = std::min<uint64_t>(kPageSize - offset, observed.size() - done);
    const uint8_t* page = ideal_.PageDataIfPresent(at);
    const uint8_t* ideal = (page != nullptr ? page : ZeroPage()) + offset;
    const uint8_t* seen = observed.data() + done;
    if (std::memcmp(ideal, seen, n) == 0) {
      Flush(run, reader);
    } else {
      CheckPage(at, ideal, seen, n, observed, done, reader, run, differing);
    }
    done += n;
  }
  Flush(run, reader);
  corrupted_bytes_ += differing;
  return differing;
}

void Oracle::CheckPage(PhysAddr at, const uint8_t* ideal, const uint8_t* seen, uint64_t len,
                       std::span<const uint8_t> observed, uint64_t seen_offset, Symbol reader,
                       Run& run, uint64_t& differing) {
  uint64_t pos = 0;
  while (pos < len) {
    PhysAddr piece = at + pos;
    uint64_t n = std::min<uint64_t>(line_size_ - piece.OffsetIn(line_size_), len - pos);
    if (std::memcmp(ideal + pos, seen + pos, n) == 0) {
      Flush(run, reader);
      pos += n;
      continue;
    }
    uint64_t first = UINT64_MAX;
    uint64_t last = 0;
    for (uint64_t i = pos; i < pos + n; ++i) {
      if (ideal[i] == seen[i]) continue;
      ++differing;
      first = std::min(first, i);
      last = i;
    }
    PhysAddr line = piece.AlignDown(line_size_);
    LineWriter who = LastWriter(line);
    if (!run.active || run.next_line != line || !(run.writer == who)) {
      Flush(run, reader);
      run.active = true;
      run.first = at + first;
      run.writer = who;
      uint64_t from = seen_offset + first;
      uint64_t shown = std::min<uint64_t>(kMaxShownBytes, observed.size() - from);
      run.observed.assign(observed.begin() + from, observed.begin() + from + shown);
      run.expected.resize(shown);
      (void)ideal_.Read(run.first, run.expected);
    }
    run.end = at + last + 1;
    run.next_line = line + line_size_;
    pos += n;
  }
}

void Oracle::Flush(Run& run, Symbol reader) {
  if (!run.active) return;
  run.active = false;
  ++corruption_events_;
  if (bus_ == nullptr) return;
  uint64_t size = run.end - run.first;
  uint64_t shown = std::min<uint64_t>(size, run.observed.size());
  Event e;
  e.kind = EventKind::kCorruption;
  e.device = reader;
  e.phys = run.first;
  e.size = size;
  e.expected.assign(run.expected.begin(), run.expected.begin() + shown);
  e.observed.assign(run.observed.begin(), run.observed.begin() + shown);
  e.writer = run.writer.writer;
  e.writer_seq = run.writer.seq;
  bus_->Emit(e);
}

}  // namespace dmakit
