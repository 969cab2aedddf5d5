// IommuState: what the checker knows of IOMMU domains from events: which device node is
// attached to which domain (and its type), the live IOVA translations of each domain, and the
// IOVA ranges unmapped since the last IOTLB invalidate that covers them (the lazy-flush window
// during which a device can still translate through a stale IOTLB entry).
//
// Modelled: page-table-level translations as kIommuMap/kIommuUnmap report them; a map that
// overlaps a live translation is not recorded (the page table rejects it). A partial unmap
// splits the translation. Not modelled: which entries the IOTLB actually caches (the simulator
// reports real stale hits as kIotlbStaleHit); an invalidate that overlaps a pending range
// clears the whole pending range; re-mapping an IOVA clears its pending range.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/inlined_vector.h>

#include "dmakit/check/page_filter.h"
#include "dmakit/check/range_index.h"
#include "dmakit/core/addr_range.h"
#include "dmakit/core/chunked_vector.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/core/symbol.h"

namespace dmakit {

class IommuState {
 public:
  struct Attachment {
    uint64_t domain = 0;
    Symbol type;  // "dma", "unmanaged", "identity", "blocked"
  };
  struct Translation {
    uint64_t iova = 0;
    uint64_t end = 0;
    uint64_t phys = 0;
    uint64_t seq = 0;
    SourceLoc where;
    Symbol device;
  };
  // What Overlapping and Unmap return: usually zero or one translation, kept inline so the
  // map/unmap hot path does not allocate.
  using Translations = absl::InlinedVector<Translation, 2>;
  struct Pending {
    uint64_t iova = 0;
    uint64_t end = 0;
    uint64_t seq = 0;  // of the unmap
    SourceLoc where;
    Translations unmapped;  // the translations the unmap removed (whole, as mapped)
    // The translation the unmap removed at `at` (its map event's seq and call site), or
    // nullptr when nothing was mapped there.
    const Translation* MappingAt(uint64_t at) const;
  };

  IommuState() = default;
  // Movable (the domain caches point into maps whose storage a move carries along), not
  // copyable.
  IommuState(IommuState&&) = default;
  IommuState& operator=(IommuState&&) = default;
  IommuState(const IommuState&) = delete;
  IommuState& operator=(const IommuState&) = delete;

  void Attach(Symbol node, uint64_t domain, Symbol type);
  void Detach(Symbol node);
  const Attachment* AttachmentOf(Symbol node) const;
  // Was any node ever attached to an unmanaged (driver-owned) domain? (a fast path)
  bool has_unmanaged() const { return has_unmanaged_; }

  // Live translations of `domain` overlapping [iova, end).
  Translations Overlapping(uint64_t domain, uint64_t iova, uint64_t end) const;
  // Records a translation; precondition: it overlaps nothing live in its domain.
  void Map(uint64_t domain, const Translation& t);
  // Records `t` when it overlaps nothing live in its domain and returns what it overlaps
  // (empty: recorded). The same as Overlapping then Map, with one B-tree descent for both.
  Translations MapIfFree(uint64_t domain, const Translation& t);
  // Removes [iova, end) from the live translations (splitting partly covered ones), opens a
  // pending window over it, and returns the translations removed (whole, as mapped; empty
  // when nothing was live there, and then no window opens). The reference is the window's
  // own record: valid until the next call that changes the state.
  const Translations& Unmap(uint64_t domain, uint64_t iova, uint64_t end, uint64_t seq,
                            SourceLoc where);
  // The live translation of `domain` containing `iova`; nullptr when none.
  const Translation* LiveAt(uint64_t domain, uint64_t iova) const;
  // domain 0: every domain; size 0: the whole domain.
  void Invalidate(uint64_t domain, uint64_t iova, uint64_t size);
  std::optional<Pending> StaleAt(uint64_t domain, uint64_t iova) const;

  // Calls fn(domain, const Translation&) for live translations whose physical range overlaps
  // [phys, end); fn returns false to stop.
  template <typename F>
  void ForEachOnPhys(uint64_t phys, uint64_t end, F&& fn) const {
    by_phys_.ForEachOverlap(phys, end, [&](uint64_t, uint64_t, const PhysRef& ref) {
      return fn(ref.domain, slots_[ref.slot]);
    });
  }

  // False only when no live translation's physical range overlaps [phys, end) (a cheap
  // page-level test, see PageFilter; true does not mean one does).
  bool MayHavePhys(uint64_t phys, uint64_t end) const { return phys_pages_.MayTouch(phys, end); }

 private:
  struct PhysRef {
    uint64_t domain;
    uint64_t iova;
    uint32_t slot;  // in slots_
    bool operator==(const PhysRef&) const = default;
  };
  struct SymbolHash {
    size_t operator()(const Symbol& s) const { return s.hash(); }
  };
  // A domain's live translations: [iova, end) -> index in slots_, disjoint (see RangeIndex:
  // the B-tree holds 4-byte slot indices rather than 64-byte Translations, so a lookup among
  // hundreds of thousands of translations touches a few nodes; a translation mapped and
  // unmapped again soon after, at an IOVA the domain's allocator hands out again, never
  // reaches the tree and costs no descent).
  using LiveMap = RangeIndex<uint32_t>;
  // (first IOVA, slot) of the live translations of `m` overlapping [iova, end), by IOVA.
  using Hits = absl::InlinedVector<std::pair<uint64_t, uint32_t>, 2>;
  static Hits Overlaps(const LiveMap& m, uint64_t iova, uint64_t end);
  // `domain`'s live map / pending windows: created when `create`, else nullptr when none.
  LiveMap* LiveOf(uint64_t domain, bool create);
  RangeIndex<uint32_t>* PendingOf(uint64_t domain, bool create);
  void Insert(LiveMap& live, uint64_t domain, const Translation& t);
  uint32_t NewSlot(const Translation& t);
  void ClearPending(uint64_t domain, uint64_t iova, uint64_t end);
  // Puts the held window (see held_slot_) into its domain's index.
  void Settle();

  absl::flat_hash_map<Symbol, Attachment, SymbolHash> attach_;
  absl::flat_hash_map<uint64_t, LiveMap> live_;
  ChunkedVector<Translation> slots_;  // live translations of every domain, by slot
  std::vector<uint32_t> free_slots_;  // slots of removed translations, reused first
  // Each domain's pending windows; value: the window's slot in pending_slots_ (a slot store
  // rather than a hash by seq: an unmap opens a window and the next invalidate closes it, so
  // a hash insert and erase per unmap become a free-list pop and push).
  absl::flat_hash_map<uint64_t, RangeIndex<uint32_t>> pending_;
  std::vector<Pending> pending_slots_;
  std::vector<uint32_t> free_pending_;
  // The domain last looked up in live_ / pending_ and its entry there (nullptr: none yet).
  // Entries are never erased from either map; the pointer is refreshed after every insert (a
  // rehash moves entries). A device's map, unmap and invalidate name one domain: no probe.
  uint64_t live_domain_ = 0;
  LiveMap* live_cached_ = nullptr;
  uint64_t pending_domain_ = 0;
  RangeIndex<uint32_t>* pending_cached_ = nullptr;
  // The newest window, held aside from its domain's index until another unmap opens a window
  // (kNoWindow: none). Under strict flushing the invalidate right after an unmap closes the
  // window it opened: held aside, that window costs no index insert, search and erase. Being
  // the newest, it comes before every indexed window whose first IOVA is not above its own.
  static constexpr uint32_t kNoWindow = UINT32_MAX;
  uint32_t held_slot_ = kNoWindow;
  uint64_t held_domain_ = 0;
  RangeIndex<PhysRef> by_phys_;
  PageFilter phys_pages_;  // pages by_phys_ ever held a translation on
  bool has_unmanaged_ = false;
};

}  // namespace dmakit
