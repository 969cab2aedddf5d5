#include "iommu/iova_range_tree.h"

#include <algorithm>

namespace dmakit {

IovaRangeTree::IovaRangeTree(DmaRange aperture) : aperture_(aperture) {
  AddHole(aperture.base.value(), aperture.size);
}

void IovaRangeTree::AddHole(uint64_t base, uint64_t size) {
  holes_by_base_.emplace(base, size);
  holes_by_size_.emplace(size, base);
  free_bytes_ += size;
}

void IovaRangeTree::RemoveHole(uint64_t base, uint64_t size) {
  holes_by_base_.erase(base);
  holes_by_size_.erase({size, base});
  free_bytes_ -= size;
}

void IovaRangeTree::InsertFree(uint64_t base, uint64_t size) {
  auto next = holes_by_base_.lower_bound(base);
  if (next != holes_by_base_.end() && next->first == base + size) {
    uint64_t next_size = next->second;
    RemoveHole(next->first, next_size);
    size += next_size;
  }
  auto prev = holes_by_base_.lower_bound(base);
  if (prev != holes_by_base_.begin()) {
    --prev;
    if (prev->first + prev->second == base) {
      uint64_t prev_base = prev->first;
      uint64_t prev_size = prev->second;
      RemoveHole(prev_base, prev_size);
      base = prev_base;
      size += prev_size;
    }
  }
  AddHole(base, size);
}

const std::pair<const uint64_t, IovaRangeTree::Allocation>* IovaRangeTree::Overlapping(
    uint64_t base, uint64_t end) const {
  auto it = allocs_.upper_bound(base);
  if (it != allocs_.begin()) {
    auto prev = std::prev(it);
    if (prev->first + prev->second.size > base) return &*prev;
  }
  if (it != allocs_.end() && it->first < end) return &*it;
  return nullptr;
}

void IovaRangeTree::AddReserved(DmaRange range) {
  reserved_.push_back(range);
  std::sort(reserved_.begin(), reserved_.end(),
            [](const DmaRange& a, const DmaRange& b) { return a.base < b.base; });
  std::vector<DmaRange> merged;
  for (const DmaRange& r : reserved_) {
    if (!merged.empty() && merged.back().end() >= r.base) {
      DmaAddr end = std::max(merged.back().end(), r.end());
      merged.back() = DmaRange::FromBounds(merged.back().base, end);
    } else {
      merged.push_back(r);
    }
  }
  reserved_ = std::move(merged);
}

Status IovaRangeTree::Reserve(DmaRange range) {
  if (range.empty() || !aperture_.Contains(range)) {
    return Error(ErrorCode::kOutOfRange, "reserve of " + ToString(range) +
                                             ": not inside the aperture " + ToString(aperture_));
  }
  uint64_t base = range.base.value();
  uint64_t end = range.end().value();
  if (const auto* a = Overlapping(base, end)) {
    return Error(ErrorCode::kAlreadyExists,
                 "reserve of " + ToString(range) + ": overlaps the allocation " +
                     ToString(DmaRange(DmaAddr(a->first), a->second.size)));
  }
  // Carve every hole overlapping the range; what lies outside it stays free.
  auto it = holes_by_base_.upper_bound(base);
  if (it != holes_by_base_.begin()) --it;
  while (it != holes_by_base_.end() && it->first < end) {
    uint64_t hbase = it->first;
    uint64_t hend = hbase + it->second;
    ++it;
    if (hend <= base) continue;
    RemoveHole(hbase, hend - hbase);
    if (hbase < base) AddHole(hbase, base - hbase);
    if (hend > end) AddHole(end, hend - end);
    it = holes_by_base_.upper_bound(hbase);
  }
  AddReserved(range);
  return Ok();
}

std::optional<uint64_t> IovaRangeTree::Alloc(uint64_t size, uint64_t align, uint64_t limit_last,
                                             Owner owner) {
  for (auto it = holes_by_size_.lower_bound({size, 0}); it != holes_by_size_.end(); ++it) {
    auto [hsize, hbase] = *it;
    uint64_t start = (hbase + align - 1) & ~(align - 1);
    if (start < hbase || start - hbase > hsize - size) continue;  // alignment does not fit
    if (start + (size - 1) > limit_last) continue;
    RemoveHole(hbase, hsize);
    if (start > hbase) AddHole(hbase, start - hbase);
    uint64_t tail = hbase + hsize - (start + size);
    if (tail > 0) AddHole(start + size, tail);
    allocs_.emplace(start, Allocation{size, owner});
    return start;
  }
  return std::nullopt;
}

const IovaRangeTree::Allocation* IovaRangeTree::Find(uint64_t base) const {
  auto it = allocs_.find(base);
  return it == allocs_.end() ? nullptr : &it->second;
}

void IovaRangeTree::Release(uint64_t base) {
  auto it = allocs_.find(base);
  DMAKIT_CHECK(it != allocs_.end(), "release of an address that is not an allocation");
  uint64_t size = it->second.size;
  allocs_.erase(it);
  InsertFree(base, size);
}

Error IovaRangeTree::BadFreeError(DmaRange range,
                                  const std::function<bool(uint64_t)>& cached_is_live) const {
  std::string what = "free of " + ToString(range);
  if (range.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty range");
  uint64_t base = range.base.value();
  uint64_t end = range.size > ~base ? ~uint64_t{0} : base + range.size;
  if (const auto* a = Overlapping(base, end)) {
    DmaRange alloc(DmaAddr(a->first), a->second.size);
    bool live = a->second.owner == Owner::kUser || cached_is_live(a->first);
    if (a->first == base && live) {
      return Error(ErrorCode::kInvalidArgument, what + ": the allocation at that address is " +
                                                    ToString(alloc) + " (size differs)");
    }
    if (live || a->first != base) {
      return Error(ErrorCode::kInvalidArgument,
                   what + ": partial or overlapping free of the allocation " + ToString(alloc));
    }
  }
  for (const DmaRange& r : reserved_) {
    if (r.Overlaps(range)) {
      return Error(ErrorCode::kNotFound,
                   what + ": not an allocation (overlaps the reserved range " + ToString(r) + ")");
    }
  }
  return Error(ErrorCode::kNotFound,
               what + ": not an allocation (never allocated or already freed)");
}

}  // namespace dmakit
