#include "set_associative_cache.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

namespace dmakit {
namespace {

constexpr uint64_t kMaxCacheSize = uint64_t{1} << 30;

// A whole line: a constant-size memcpy per legal line size, which the compiler inlines.
[[gnu::always_inline]] inline void CopyLine(uint8_t* dst, const uint8_t* src, uint32_t line_shift) {
  switch (line_shift) {
    case 4:
      std::memcpy(dst, src, 16);
      return;
    case 5:
      std::memcpy(dst, src, 32);
      return;
    case 6:
      std::memcpy(dst, src, 64);
      return;
    case 7:
      std::memcpy(dst, src, 128);
      return;
    default:
      std::memcpy(dst, src, 256);
      return;
  }
}

Error BadGeometry(std::string_view param, uint64_t value, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, "cache geometry: " + std::string(param) + " " +
                                                std::to_string(value) + " " + std::string(why));
}

}  // namespace

Result<std::unique_ptr<SetAssociativeCache>> SetAssociativeCache::Create(
    const CacheGeometry& geometry, PhysicalMemory& memory) {
  const CacheGeometry& g = geometry;
  if (!std::has_single_bit(g.line_size)) {
    return BadGeometry("line_size", g.line_size, "is not a power of two");
  }
  if (g.line_size < 16 || g.line_size > 256) {
    return BadGeometry("line_size", g.line_size, "is outside 16..256 bytes");
  }
  if (!std::has_single_bit(g.ways)) return BadGeometry("ways", g.ways, "is not a power of two");
  if (!std::has_single_bit(g.size)) return BadGeometry("size", g.size, "is not a power of two");
  if (g.size > kMaxCacheSize) {
    return BadGeometry("size", g.size, "is larger than the model's limit of 1 GiB");
  }
  if (g.size < uint64_t{g.ways} * g.line_size) {
    return BadGeometry("size", g.size,
                       "is smaller than ways * line_size (" + std::to_string(g.ways) + " * " +
                           std::to_string(g.line_size) + ")");
  }
  return std::unique_ptr<SetAssociativeCache>(new SetAssociativeCache(g, memory));
}

SetAssociativeCache::SetAssociativeCache(const CacheGeometry& geometry, PhysicalMemory& memory)
    : geometry_(geometry),
      memory_(memory),
      line_shift_(static_cast<uint32_t>(std::countr_zero(geometry.line_size))),
      line_mask_(geometry.line_size - 1),
      set_mask_(geometry.size / (uint64_t{geometry.ways} * geometry.line_size) - 1),
      ways_(geometry.ways),
      slots_(geometry.size >> line_shift_),
      tags_(slots_, kInvalidTag),
      dirty_(slots_, 0),
      stamps_(slots_, 0),
      data_(new uint8_t[geometry.size]()),
      rng_(geometry.seed) {}

size_t SetAssociativeCache::Find(uint64_t line) const {
  const size_t first = (line & set_mask_) * ways_;
  for (size_t slot = first; slot < first + ways_; ++slot) {
    if (tags_[slot] == line) return slot;
  }
  return kNoSlot;
}

size_t SetAssociativeCache::PickVictim(size_t first_slot) {
  if (geometry_.policy == EvictionPolicy::kLru) {
    // The first slot with the smallest stamp: an invalid one (stamp 0) if any, else the
    // least recently used line.
    size_t victim = first_slot;
    for (size_t slot = first_slot + 1; slot < first_slot + ways_; ++slot) {
      if (stamps_[slot] < stamps_[victim]) victim = slot;
    }
    return victim;
  }
  for (size_t slot = first_slot; slot < first_slot + ways_; ++slot) {
    if (tags_[slot] == kInvalidTag) return slot;
  }
  switch (geometry_.policy) {
    case EvictionPolicy::kLru:
      break;  // handled above
    case EvictionPolicy::kRandom:
      return first_slot + rng_.Below(ways_);
    case EvictionPolicy::kAdversarial: {
      uint64_t dirty = 0;
      for (size_t slot = first_slot; slot < first_slot + ways_; ++slot) dirty += dirty_[slot];
      if (dirty == 0) return first_slot + rng_.Below(ways_);
      uint64_t pick = rng_.Below(dirty);
      for (size_t slot = first_slot;; ++slot) {
        if (dirty_[slot] && pick-- == 0) return slot;
      }
    }
  }
  return first_slot;
}

void SetAssociativeCache::WriteBack(size_t slot) {
  const uint64_t addr = tags_[slot] << line_shift_;
  uint8_t* page = WriteBackPage(addr);
  CopyLine(page + (addr & (kPageSize - 1)), LineData(slot), line_shift_);
  dirty_[slot] = 0;
  ++stats_.write_backs;
}

size_t SetAssociativeCache::Access(uint64_t line, bool overwrites_whole_line) {
  const size_t first = (line & set_mask_) * ways_;
  for (size_t slot = first; slot < first + ways_; ++slot) {
    if (tags_[slot] == line) {
      ++stats_.hits;
      stamps_[slot] = ++clock_;
      return slot;
    }
  }
  return Miss(line, first, overwrites_whole_line);
}

// Flattened: the victim search and the write-back are this function's whole cost.
[[gnu::flatten]] size_t SetAssociativeCache::Miss(uint64_t line, size_t first,
                                                  bool overwrites_whole_line) {
  ++stats_.misses;
  const size_t slot = PickVictim(first);
  if (tags_[slot] != kInvalidTag) {
    ++stats_.evictions;
    if (dirty_[slot]) WriteBack(slot);
  }
  if (!overwrites_whole_line) {
    const uint64_t addr = line << line_shift_;
    const uint8_t* page = memory_.PageDataIfPresent(PhysAddr(addr));
    if (page == nullptr) {
      std::memset(LineData(slot), 0, geometry_.line_size);
    } else {
      CopyLine(LineData(slot), page + (addr & (kPageSize - 1)), line_shift_);
    }
  }
  tags_[slot] = line;
  dirty_[slot] = 0;
  stamps_[slot] = ++clock_;
  return slot;
}

Status SetAssociativeCache::Read(PhysAddr addr, std::span<uint8_t> out) {
  // Hit path: one line, already cached (so it is RAM and needs no range check).
  const uint64_t a = addr.value();
  const uint64_t offset = a & line_mask_;
  if (offset + out.size() <= geometry_.line_size && !out.empty()) {
    const uint64_t line = a >> line_shift_;
    const size_t first = (line & set_mask_) * ways_;
    for (size_t slot = first; slot < first + ways_; ++slot) {
      if (tags_[slot] == line) {
        ++stats_.hits;
        stamps_[slot] = ++clock_;
        std::memcpy(out.data(), LineData(slot) + offset, out.size());
        return Ok();
      }
    }
  }
  return SlowRead(addr, out);
}

Status SetAssociativeCache::SlowRead(PhysAddr addr, std::span<uint8_t> out) {
  DMAKIT_TRY(memory_.CheckRam(PhysRange(addr, out.size())));
  uint64_t a = addr.value();
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t offset = a & line_mask_;
    const size_t n = std::min<uint64_t>(geometry_.line_size - offset, out.size() - done);
    const size_t slot = Access(a >> line_shift_, false);
    std::memcpy(out.data() + done, LineData(slot) + offset, n);
    done += n;
    a += n;
  }
  return Ok();
}

Status SetAssociativeCache::Write(PhysAddr addr, std::span<const uint8_t> data) {
  const uint64_t a = addr.value();
  const uint64_t offset = a & line_mask_;
  if (offset + data.size() <= geometry_.line_size && !data.empty()) {
    const uint64_t line = a >> line_shift_;
    const size_t first = (line & set_mask_) * ways_;
    for (size_t slot = first; slot < first + ways_; ++slot) {
      if (tags_[slot] == line) {
        ++stats_.hits;
        stamps_[slot] = ++clock_;
        std::memcpy(LineData(slot) + offset, data.data(), data.size());
        dirty_[slot] = 1;
        return Ok();
      }
    }
  }
  return SlowWrite(addr, data);
}

Status SetAssociativeCache::SlowWrite(PhysAddr addr, std::span<const uint8_t> data) {
  DMAKIT_TRY(memory_.CheckRam(PhysRange(addr, data.size())));
  uint64_t a = addr.value();
  const uint8_t* src = data.data();
  size_t left = data.size();
  // A partial line at either end merges with what the line holds; whole lines in between
  // are written without a fill (the store replaces every byte) and copied at a constant size.
  auto partial = [&](size_t n) {
    const size_t slot = Access(a >> line_shift_, false);
    std::memcpy(LineData(slot) + (a & line_mask_), src, n);
    dirty_[slot] = 1;
    a += n;
    src += n;
    left -= n;
  };
  if (left > 0 && (a & line_mask_) != 0) {
    partial(std::min<uint64_t>(geometry_.line_size - (a & line_mask_), left));
  }
  if (left >= geometry_.line_size) {
    const size_t lines = left >> line_shift_;
    switch (line_shift_) {
      case 4:
        WriteWholeLines<16>(a, src, lines);
        break;
      case 5:
        WriteWholeLines<32>(a, src, lines);
        break;
      case 6:
        WriteWholeLines<64>(a, src, lines);
        break;
      case 7:
        WriteWholeLines<128>(a, src, lines);
        break;
      default:
        WriteWholeLines<256>(a, src, lines);
        break;
    }
    a += lines << line_shift_;
    src += lines << line_shift_;
    left -= lines << line_shift_;
  }
  if (left > 0) partial(left);
  return Ok();
}

template <uint32_t kLineSize>
void SetAssociativeCache::WriteWholeLines(uint64_t addr, const uint8_t* src, size_t lines) {
  // The line data is written through uint8_t pointers, which may alias anything: with the
  // members read into locals first, the loop keeps them in registers.
  const uint64_t* const tags = tags_.data();
  uint8_t* const dirty = dirty_.data();
  uint64_t* const stamps = stamps_.data();
  uint8_t* const data = data_.get();
  const uint64_t set_mask = set_mask_;
  const size_t ways = ways_;
  uint64_t line = addr / kLineSize;
  for (size_t i = 0; i < lines; ++i, ++line, src += kLineSize) {
    const size_t first = (line & set_mask) * ways;
    size_t slot = first;
    while (slot < first + ways && tags[slot] != line) ++slot;
    if (slot < first + ways) {
      ++stats_.hits;
      stamps[slot] = ++clock_;
    } else {
      slot = Miss(line, first, /*overwrites_whole_line=*/true);
    }
    std::memcpy(data + slot * kLineSize, src, kLineSize);
    dirty[slot] = 1;
  }
}

template <typename F>
void SetAssociativeCache::ForEachCached(uint64_t first, uint64_t last, F&& f) {
  if (last - first >= set_mask_) {
    // The range covers every set: visiting the cache's lines is cheaper than the range's.
    for (size_t slot = 0; slot < slots_; ++slot) {
      const uint64_t tag = tags_[slot];
      if (tag != kInvalidTag && tag >= first && tag <= last) f(slot);
    }
    return;
  }
  for (uint64_t line = first; line <= last; ++line) {
    const size_t slot = Find(line);
    if (slot != kNoSlot) f(slot);
  }
}

Status SetAssociativeCache::Maintain(CacheOp op, PhysRange range) {
  if (range.empty()) return Ok();
  DMAKIT_TRY(memory_.CheckRam(range));
  const uint64_t first = range.base.value() >> line_shift_;
  const uint64_t last = range.last().value() >> line_shift_;
  // Lines only partly covered by the range (dcache_inval_poc cleans them before invalidating).
  const uint64_t partial_first = range.StartsMidBlock(geometry_.line_size) ? first : kInvalidTag;
  const uint64_t partial_last = range.EndsMidBlock(geometry_.line_size) ? last : kInvalidTag;
  ForEachCached(first, last, [&](size_t slot) {
    const uint64_t line = tags_[slot];
    const bool clean = op != CacheOp::kInvalidate || line == partial_first || line == partial_last;
    if (clean) {
      ++stats_.lines_cleaned;
      if (dirty_[slot]) WriteBack(slot);
    }
    if (op != CacheOp::kClean) {
      ++stats_.lines_invalidated;
      Drop(slot);
    }
  });
  return Ok();
}

Status SetAssociativeCache::SnoopRead(PhysAddr addr, std::span<uint8_t> out) {
  DMAKIT_TRY(memory_.Read(addr, out));
  if (out.empty()) return Ok();
  const uint64_t begin = addr.value();
  const uint64_t end = begin + out.size();
  ForEachCached(begin >> line_shift_, (end - 1) >> line_shift_, [&](size_t slot) {
    if (!dirty_[slot]) return;
    const uint64_t line_begin = tags_[slot] << line_shift_;
    const uint64_t from = std::max(begin, line_begin);
    const uint64_t to = std::min(end, line_begin + geometry_.line_size);
    std::memcpy(out.data() + (from - begin), LineData(slot) + (from - line_begin), to - from);
  });
  return Ok();
}

Status SetAssociativeCache::SnoopWrite(PhysRange range) {
  if (range.empty()) return Ok();
  DMAKIT_TRY(memory_.CheckRam(range));
  ForEachCached(range.base.value() >> line_shift_, range.last().value() >> line_shift_,
                [&](size_t slot) {
                  if (dirty_[slot]) WriteBack(slot);
                  Drop(slot);
                });
  return Ok();
}

void SetAssociativeCache::OnDeviceWrite(PhysRange range) {
  if (geometry_.policy != EvictionPolicy::kAdversarial || range.empty()) return;
  const uint64_t begin = range.base.value();
  const uint64_t last =
      range.size - 1 > ~uint64_t{0} - begin ? ~uint64_t{0} : begin + range.size - 1;
  ForEachCached(begin >> line_shift_, last >> line_shift_, [&](size_t slot) {
    if (!dirty_[slot]) return;
    WriteBack(slot);
    ++stats_.adversarial_write_backs;
  });
}

void SetAssociativeCache::FlushAll() {
  for (size_t slot = 0; slot < slots_; ++slot) {
    if (tags_[slot] == kInvalidTag) continue;
    if (dirty_[slot]) WriteBack(slot);
    Drop(slot);
  }
}

LineState SetAssociativeCache::Probe(PhysAddr addr) const {
  const size_t slot = Find(addr.value() >> line_shift_);
  if (slot == kNoSlot) return LineState{};
  return LineState{.valid = true, .dirty = dirty_[slot] != 0};
}

}  // namespace dmakit
