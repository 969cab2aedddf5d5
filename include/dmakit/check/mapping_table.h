// MappingTable: every live DMA mapping and allocation the checker knows of, indexed three ways:
//   - exactly by (address space, device address), as dma-debug looks up unmap and free;
//   - by device-address range per address space, for sync lookups by containment (a partial
//     sync of a mapping is legal, so a sync names any address inside a mapped segment);
//   - by physical range, for the cache-line questions (overlap, ownership on CPU and device
//     accesses, pages freed while mapped).
// All lookups are hash or B-tree based: 256k live mappings cost O(log n) per call.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include "dmakit/check/line_ownership.h"
#include "dmakit/check/page_filter.h"
#include "dmakit/check/range_index.h"
#include "dmakit/core/addr_range.h"
#include "dmakit/core/chunked_vector.h"
#include "dmakit/core/event.h"

namespace dmakit {

// The address space a device address belongs to. The DMA API's handles live in the device's
// own space (domain 0); the ownership-aware IOMMU API's (MapApi::kDomain) in the driver-managed
// domain they were mapped into, and two such domains may hand out one address for different
// memory (a GPU's per-context address spaces). Implicit from a Symbol: the device's own space.
struct DmaSpace {
  Symbol device;
  uint64_t domain = 0;

  DmaSpace() = default;
  DmaSpace(Symbol d, uint64_t dom = 0) : device(d), domain(dom) {}  // NOLINT: implicit
  bool operator==(const DmaSpace&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const DmaSpace& s) {
    return H::combine(std::move(h), s.device.hash(), s.domain);
  }
};
// The space an event's device address belongs to (see DmaSpace).
inline DmaSpace SpaceOf(const Event& e) {
  return DmaSpace(e.device, e.api == MapApi::kDomain ? e.domain : 0);
}

// One contiguous piece of a mapping: `size` bytes at `dma` on the device side backed by `phys`.
// A single/page mapping has one piece; an sg mapping one per sg entry, placed in the DMA
// segments in order (an IOMMU may merge several entries into one DMA segment).
struct MappingPiece {
  DmaAddr dma;
  PhysAddr phys;
  uint64_t size = 0;
  uint64_t first_line = 0;  // index of this piece's first cache line in the mapping's lines

  PhysRange phys_range() const { return PhysRange(phys, size); }
  DmaRange dma_range() const { return DmaRange(dma, size); }
};

// A new field must also be reset in MappingTable::Acquire (slots are reused, not rebuilt).
struct Mapping {
  uint32_t id = 0;
  Symbol device;
  uint64_t domain = 0;  // kDomain mappings: the driver-managed domain; else 0 (see DmaSpace)
  MapApi api = MapApi::kNone;
  DmaAddr dma;  // the handle: exact lookups use it
  uint64_t size = 0;
  DmaDirection dir = DmaDirection::kNone;
  DmaAttrs attrs;
  CpuAddr cpu;  // allocations only
  uint32_t nents = 0;
  uint32_t mapped_nents = 0;
  uint64_t seq = 0;
  SourceLoc where;
  bool coherent_device = false;
  bool needs_error_check = false;  // single/page/resource maps, as in dma-debug
  bool error_checked = false;
  bool error_reported = false;
  bool release_reported = false;
  absl::InlinedVector<DmaRange, 1> segments;  // device-side segments (containment lookups)
  absl::InlinedVector<MappingPiece, 1> pieces;
  LineOwnership lines;
  OwnershipHistory history;

  DmaSpace space() const { return DmaSpace(device, domain); }
  bool is_alloc() const {
    return api == MapApi::kCoherent || api == MapApi::kNoncoherent || api == MapApi::kPages;
  }
  // dma_map_resource maps MMIO: no RAM lines, no ownership.
  bool has_lines() const { return api != MapApi::kResource; }
  // dma-debug's overlap tracking skips to-device and SKIP_CPU_SYNC mappings.
  bool tracks_overlap() const {
    return !is_alloc() && has_lines() && dir != DmaDirection::kToDevice && !attrs.skip_cpu_sync();
  }

 private:
  friend class MappingTable;
  uint32_t next_same_key_ = UINT32_MAX;
  bool live_ = false;  // indexed (Insert) and not yet retired
};

class MappingTable {
 public:
  explicit MappingTable(uint64_t line_size);
  // Movable (the exact-key cache points into exact_'s storage, which a move carries along),
  // not copyable.
  MappingTable(MappingTable&&) = default;
  MappingTable& operator=(MappingTable&&) = default;
  MappingTable(const MappingTable&) = delete;
  MappingTable& operator=(const MappingTable&) = delete;

  uint64_t line_size() const { return line_size_; }

  // Builds the pieces of a map/alloc event. sg entries past mapped_nents have no DMA side;
  // when an entry's page offset differs from that of the segment's running device address
  // (base + position, so a segment starting at a non-zero page offset is placed right), the
  // position is padded to the next page, as the IOMMU DMA backend lays entries out.
  // Fills *pieces and *segs in place (a mapping slot's own buffers: no vector is built and
  // moved in).
  static void PiecesOf(const Event& map_event, uint64_t line_size,
                       absl::InlinedVector<MappingPiece, 1>* pieces,
                       absl::InlinedVector<DmaRange, 1>* segs);

  // A free slot's mapping, every field at its default (its buffers kept from an earlier
  // mapping, so nothing is built and moved in: a Mapping is a few hundred bytes), with its id
  // set. It is not indexed: no lookup finds it until Insert. Slots never move (see
  // ChunkedVector): a reference to one stays valid until the slot is released and reused.
  Mapping& Acquire();
  // Indexes `m`, the mapping of the last Acquire (its pieces and segments must be set), and
  // returns it. Its line ownership is initialised to `initial` over all of its lines.
  Mapping& Insert(Mapping& m, Owner initial);
  // The live mapping `id`; nullptr when it is not live.
  Mapping* Get(uint32_t id);
  // Drops live mapping `id` from every index; its slot stays readable by Retired(id), and is
  // not reused, until Release(id).
  void Retire(uint32_t id);
  const Mapping& Retired(uint32_t id) const { return slots_[id]; }
  // Makes retired mapping `id`'s slot free for reuse.
  void Release(uint32_t id) { free_.push_back(id); }
  // Retire and Release.
  void Remove(uint32_t id) {
    Retire(id);
    Release(id);
  }
  size_t size() const { return live_; }
  // Live mappings in driver-managed domains' spaces (DmaSpace::domain != 0): when there are
  // none, a lookup in such a space can be skipped.
  size_t live_in_domains() const { return live_in_domains_; }

  // Live mappings of `device` whose handle is exactly `dma`, newest first.
  absl::InlinedVector<Mapping*, 2> FindExact(DmaSpace space, DmaAddr dma);
  // Calls fn(Mapping&) for each of FindExact's mappings, in its order, with no vector built
  // (every unmap and mapping_error asks); fn must not change the table.
  template <typename F>
  void ForEachExact(DmaSpace space, DmaAddr dma, F&& fn) {
    for (uint32_t cur = Head(Key{space, dma.value()}); cur != UINT32_MAX;
         cur = slots_[cur].next_same_key_) {
      fn(slots_[cur]);
    }
  }
  // The live mapping of `device` with a device-side segment containing `addr`, and that
  // segment; nullopt when none. A mapping whose handle is `addr` itself wins; otherwise, when
  // several contain it, the newest.
  struct Containing {
    Mapping* mapping;
    DmaRange segment;
  };
  std::optional<Containing> FindContaining(DmaSpace space, DmaAddr addr);

  // Calls fn(Mapping&, const MappingPiece&) for every piece whose physical range overlaps
  // `range`; fn returns false to stop.
  template <typename F>
  void ForEachOnPhys(PhysRange range, F&& fn) {
    phys_.ForEachOverlap(range.base.value(), range.end().value(),
                         [&](uint64_t, uint64_t, const PieceRef& ref) {
                           Mapping& m = slots_[ref.id];
                           return fn(m, m.pieces[ref.piece]);
                         });
  }

  // False only when no live mapping's piece overlaps `range` (a cheap page-level test, see
  // PageFilter; true does not mean one does).
  bool MayHavePhys(PhysRange range) const {
    return phys_pages_.MayTouch(range.base.value(), range.end().value());
  }

  // Ids of every live mapping, in map order (seq).
  std::vector<uint32_t> LiveIds() const;

  // Line index in `m` of the line starting at `line` within `piece` (line-aligned address).
  uint64_t LineIndex(const MappingPiece& piece, PhysAddr line) const {
    return piece.first_line + (LineNumber(line.value()) - LineNumber(piece.phys.value()));
  }
  // addr / line_size, a shift when the line size is a power of two (a 64-bit division costs
  // tens of cycles, and every sync and access asks this per piece).
  uint64_t LineNumber(uint64_t addr) const {
    return line_shift_ >= 0 ? addr >> line_shift_ : addr / line_size_;
  }

 private:
  struct Key {
    DmaSpace space;
    uint64_t dma = 0;
    bool operator==(const Key&) const = default;
    // operator== field by field (see ExactValue).
    friend bool Same(const Key& a, const Key& b) {
      return a.dma == b.dma && a.space.domain == b.space.domain && a.space.device == b.space.device;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.space, k.dma);
    }
  };
  // Drops removed mapping `id` (already out of its slot, now `m`) from every index.
  void Unindex(uint32_t id, const Mapping& m);
  // The newest live mapping with key `k` (head of its chain), UINT32_MAX when none.
  uint32_t Head(const Key& k) {
    const uint32_t* v = ExactValue(k);
    return v == nullptr ? UINT32_MAX : *v;
  }
  // exact_'s value for `k` (the cached one when `k` is the cached key), nullptr when none.
  // The cache test is inline and field by field: callers build `k` just before the call, and
  // a wide load of freshly stored fields stalls.
  uint32_t* ExactValue(const Key& k) {
    if (last_valid_ && Same(last_key_, k)) return last_value_;
    return LookUpExact(k);
  }
  uint32_t* LookUpExact(const Key& k);
  // Points the cache at `k` (value `v`, nullptr: no entry), first erasing the cached entry
  // when its chain is empty.
  void CacheKey(const Key& k, uint32_t* v);
  // by_dma_'s index of `space`: created when `create`, else nullptr when there is none.
  RangeIndex<uint32_t>* DmaIndexOf(DmaSpace space, bool create);
  struct PieceRef {
    uint32_t id;
    uint32_t piece;
    bool operator==(const PieceRef&) const = default;
  };

  uint64_t line_size_;
  int line_shift_;                // log2(line_size_) when it is a power of two, else -1
  ChunkedVector<Mapping> slots_;  // live, retired (not yet released) or free (in free_)
  std::vector<uint32_t> free_;
  size_t live_ = 0;
  size_t live_in_domains_ = 0;
  // Head of a chain through next_same_key_; UINT32_MAX (an empty chain) only for the cached
  // key below.
  absl::flat_hash_map<Key, uint32_t> exact_;
  // The key last looked up, inserted or removed and its entry in exact_ (nullptr: none).
  // A mapping's calls in a row (map, mapping_error, syncs, unmap) and the next map of the same
  // handle then cost no hash probe: when its last mapping goes, the entry stays with an empty
  // chain while it is the cached one (so at most one such entry exists), and is erased when
  // the cache moves to another key. The pointer is refreshed after every exact_ insert (a
  // rehash moves entries) and cleared when its entry is erased.
  Key last_key_;
  uint32_t* last_value_ = nullptr;
  bool last_valid_ = false;
  absl::flat_hash_map<DmaSpace, RangeIndex<uint32_t>> by_dma_;
  // The space last looked up in by_dma_ and its index there (nullptr: none), refreshed
  // after every insert (a rehash moves entries) and cleared when that index is erased.
  DmaSpace dma_space_;
  RangeIndex<uint32_t>* dma_index_ = nullptr;
  RangeIndex<PieceRef> phys_;
  PageFilter phys_pages_;  // pages phys_ ever held a piece on
};

}  // namespace dmakit
