#include "dmakit/check/mapping_table.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace dmakit {
namespace {

uint64_t LinesOf(PhysAddr phys, uint64_t size, uint64_t line_size) {
  return PhysRange(phys, size).BlockCount(line_size);
}

}  // namespace

MappingTable::MappingTable(uint64_t line_size)
    : line_size_(line_size),
      line_shift_(std::has_single_bit(line_size) ? std::countr_zero(line_size) : -1) {}

void MappingTable::PiecesOf(const Event& e, uint64_t line_size,
                            absl::InlinedVector<MappingPiece, 1>* pieces,
                            absl::InlinedVector<DmaRange, 1>* segs) {
  pieces->clear();
  uint64_t next_line = 0;
  auto add = [&](DmaAddr dma, PhysAddr phys, uint64_t size) {
    if (size == 0) return;
    pieces->push_back(MappingPiece{dma, phys, size, next_line});
    next_line += LinesOf(phys, size, line_size);
  };
  segs->clear();
  if (e.sg.empty()) {
    if (e.size != 0) segs->push_back(DmaRange(e.dma, e.size));
    add(e.dma, e.phys, e.size);
    return;
  }
  // DMA segments: the entries with a DMA length (the first mapped_nents ones).
  for (const SgSegment& s : e.sg) {
    if (s.dma_length != 0) segs->push_back(DmaRange(s.dma, s.dma_length));
  }
  size_t seg = 0;
  uint64_t pos = 0;  // offset inside (*segs)[seg]
  for (const SgSegment& s : e.sg) {
    if (seg >= segs->size()) break;
    // Page offsets are those of the absolute device address: a segment may itself start at a
    // non-zero page offset (its first entry's), and the next entry's span starts on the next
    // page of IOVA space.
    const uint64_t at = (*segs)[seg].base.value() + pos;
    if (pos != 0 && ((at ^ s.phys.value()) & (kPageSize - 1)) != 0) {
      pos = ((at + kPageSize - 1) & ~(kPageSize - 1)) + s.phys.OffsetIn(kPageSize) -
            (*segs)[seg].base.value();
    }
    if (pos >= (*segs)[seg].size && pos != 0) {
      ++seg;
      pos = 0;
      if (seg >= segs->size()) break;
    }
    const DmaRange& d = (*segs)[seg];
    uint64_t len = std::min(s.length, d.size - pos);
    add(d.base + pos, s.phys, len);
    pos += len;
    if (pos >= d.size) {
      ++seg;
      pos = 0;
    }
  }
}

Mapping& MappingTable::Acquire() {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Mapping& m = slots_[id];
  m.id = id;
  m.device = Symbol();
  m.domain = 0;
  m.api = MapApi::kNone;
  m.dma = DmaAddr();
  m.size = 0;
  m.dir = DmaDirection::kNone;
  m.attrs = DmaAttrs();
  m.cpu = CpuAddr();
  m.nents = 0;
  m.mapped_nents = 0;
  m.seq = 0;
  m.where = SourceLoc();
  m.coherent_device = false;
  m.needs_error_check = false;
  m.error_checked = false;
  m.error_reported = false;
  m.release_reported = false;
  m.segments.clear();
  m.pieces.clear();
  m.lines = LineOwnership();
  m.history.Clear();
  m.next_same_key_ = UINT32_MAX;
  m.live_ = false;
  return m;
}

Mapping& MappingTable::Insert(Mapping& m, Owner initial) {
  const uint32_t id = m.id;
  uint64_t lines = 0;
  for (const MappingPiece& p : m.pieces) {
    if (p.size != 0)
      lines += LineNumber(p.phys.value() + p.size - 1) - LineNumber(p.phys.value()) + 1;
  }
  m.lines = LineOwnership(lines, initial);
  const Key key{m.space(), m.dma.value()};
  if (last_valid_ && last_value_ != nullptr && Same(last_key_, key)) {
    m.next_same_key_ = *last_value_;  // UINT32_MAX when the chain was empty
    *last_value_ = id;
  } else {
    CacheKey(key, nullptr);  // erases a dead entry before the insert below
    auto [it, inserted] = exact_.try_emplace(key, id);
    m.next_same_key_ = inserted ? UINT32_MAX : it->second;
    it->second = id;
    last_value_ = &it->second;
  }
  RangeIndex<uint32_t>& dma_index = *DmaIndexOf(m.space(), true);
  for (const DmaRange& s : m.segments) dma_index.Insert(s.base.value(), s.end().value(), id);
  if (m.has_lines()) {
    for (uint32_t i = 0; i < m.pieces.size(); ++i) {
      const MappingPiece& p = m.pieces[i];
      phys_.Insert(p.phys.value(), p.phys.value() + p.size, PieceRef{id, i});
      phys_pages_.Add(p.phys.value(), p.phys.value() + p.size);
    }
  }
  m.live_ = true;
  ++live_;
  if (m.domain != 0) ++live_in_domains_;
  return m;
}

Mapping* MappingTable::Get(uint32_t id) {
  if (id >= slots_.size() || !slots_[id].live_) return nullptr;
  return &slots_[id];
}

void MappingTable::Retire(uint32_t id) {
  Mapping& m = slots_[id];
  m.live_ = false;
  --live_;
  if (m.domain != 0) --live_in_domains_;
  Unindex(id, m);
  m.next_same_key_ = UINT32_MAX;
}

void MappingTable::CacheKey(const Key& k, uint32_t* v) {
  if (last_valid_ && last_value_ != nullptr && *last_value_ == UINT32_MAX && !Same(last_key_, k)) {
    exact_.erase(last_key_);  // the one entry with an empty chain
  }
  last_key_ = k;
  last_value_ = v;
  last_valid_ = true;
}

uint32_t* MappingTable::LookUpExact(const Key& k) {
  CacheKey(k, nullptr);  // erases a dead entry first: the find below cannot be moved by it
  auto it = exact_.find(k);
  last_value_ = it == exact_.end() ? nullptr : &it->second;
  return last_value_;
}

RangeIndex<uint32_t>* MappingTable::DmaIndexOf(DmaSpace space, bool create) {
  if (dma_index_ != nullptr && dma_space_ == space) return dma_index_;
  if (create) {
    dma_index_ = &by_dma_[space];
  } else {
    auto it = by_dma_.find(space);
    if (it == by_dma_.end()) return nullptr;
    dma_index_ = &it->second;
  }
  dma_space_ = space;
  return dma_index_;
}

void MappingTable::Unindex(uint32_t id, const Mapping& m) {
  const Key key{m.space(), m.dma.value()};
  if (uint32_t* head = ExactValue(key); head != nullptr) {
    if (*head == id) {
      *head = m.next_same_key_;  // UINT32_MAX: kept, empty, while it is the cached entry
    } else {
      for (uint32_t cur = *head; cur != UINT32_MAX;) {
        Mapping& c = slots_[cur];
        if (c.next_same_key_ == id) {
          c.next_same_key_ = m.next_same_key_;
          break;
        }
        cur = c.next_same_key_;
      }
    }
  }
  if (RangeIndex<uint32_t>* index = DmaIndexOf(m.space(), false); index != nullptr) {
    for (const DmaRange& s : m.segments) index->Erase(s.base.value(), id);
    if (index->empty()) {
      by_dma_.erase(m.space());
      dma_index_ = nullptr;  // it was the cached one
    }
  }
  if (m.has_lines()) {
    for (uint32_t i = 0; i < m.pieces.size(); ++i) {
      phys_.Erase(m.pieces[i].phys.value(), PieceRef{id, i});
    }
  }
}

absl::InlinedVector<Mapping*, 2> MappingTable::FindExact(DmaSpace space, DmaAddr dma) {
  absl::InlinedVector<Mapping*, 2> out;
  for (uint32_t cur = Head(Key{space, dma.value()}); cur != UINT32_MAX;
       cur = slots_[cur].next_same_key_) {
    out.push_back(&slots_[cur]);
  }
  return out;
}

std::optional<MappingTable::Containing> MappingTable::FindContaining(DmaSpace space, DmaAddr addr) {
  // Fast path: most syncs name the handle itself.
  if (const uint32_t head = Head(Key{space, addr.value()}); head != UINT32_MAX) {
    Mapping& newest = slots_[head];
    for (const DmaRange& s : newest.segments) {
      if (s.Contains(addr)) return Containing{&newest, s};
    }
  }
  const RangeIndex<uint32_t>* index = DmaIndexOf(space, false);
  if (index == nullptr) return std::nullopt;
  std::optional<Containing> best;
  index->ForEachOverlap(
      addr.value(), addr.value() + 1, [&](uint64_t begin, uint64_t end, uint32_t id) {
        Mapping& m = slots_[id];
        if (!best || m.seq > best->mapping->seq) {
          best = Containing{&m, DmaRange::FromBounds(DmaAddr(begin), DmaAddr(end))};
        }
        return true;
      });
  return best;
}

std::vector<uint32_t> MappingTable::LiveIds() const {
  std::vector<uint32_t> ids;
  ids.reserve(live_);
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].live_) ids.push_back(i);
  }
  std::sort(ids.begin(), ids.end(),
            [&](uint32_t a, uint32_t b) { return slots_[a].seq < slots_[b].seq; });
  return ids;
}

}  // namespace dmakit
