// IovaAllocator: hands out IOVA ranges of an IOMMU domain's aperture, like Linux's
// drivers/iommu/iova.c.
//
// Every range is size-aligned: a request of n granules (rounded up) starts at a multiple of
// bit_ceil(n) granules, so a power-of-two size is aligned to itself and an IOMMU can map it
// with the largest blocks its page table has. Reserved ranges (MSI windows, firmware
// regions) are never handed out.
//
// Two paths:
// - General path: a range tree (best-fit over free holes indexed by size, allocations
//   indexed by address) behind one mutex.
// - Cached path, for sizes up to kMaxCachedGranules granules: per-thread magazines (two per
//   size class, kMagazineSize ranges each) in front of a shared depot of full magazines
//   (Bonwick's magazine design). An alloc or free that its thread's magazines can serve
//   takes no lock and does no atomic read-modify-write; a magazine exchange takes the
//   depot lock of its size class; only an empty depot or an overflowing one reaches the tree.
//   An allocation with a limit below the aperture's end (a device's DMA mask) takes the
//   newest range of its thread's magazine when that range lies below the limit, else goes to
//   the tree, never to the depot (its ranges may lie anywhere); such ranges are freed into
//   the magazines like any other, so a driver that maps and unmaps one buffer over and over
//   gets the same IOVA back, as with Linux's rcache, rather than walking the aperture.
//
// Validation on the cached path: the tree keeps every cached-size range as allocated to the
// cache, and a flat state map (one byte per granule of the first kStateWindowGranules granules
// of the aperture, reserved as address space and committed by the OS page by page as it is
// touched) holds, at a range's base: the range's granule count while it is in a caller's
// hands, a "cached" mark while it sits in a magazine, 0 otherwise. A free checks and flips that
// byte with one plain (relaxed atomic) load and store, so a double free, a free of an unknown
// range and a free with the wrong size are all detected sequentially. Trade-off, chosen to keep
// the pair at a few nanoseconds: the check is not an atomic read-modify-write, so two threads
// racing to free the same range at the same instant (a data race in the caller) may both pass.
// Cached-size ranges are placed inside that window; when it has no room left they come from
// the rest of the aperture as general allocations (validated by the tree, under the mutex).
//
// Statistics on the cached path cost one relaxed counter per allocation (the cache hits); the
// bytes in callers' hands through each thread are derived from its magazine fill levels, kept
// in the same word as the fill level so that a reader sees a consistent pair.
//
// Cached ranges and exhaustion: the calling thread's magazines and the depot are given back
// to the tree before an allocation fails with kExhausted, and other threads are asked to
// give theirs back (they do at their next call on this allocator, or when they exit). So up
// to 2 * kMagazineSize ranges per size class per other live thread may be unavailable when
// kExhausted is returned. Per-thread state holds no pointer that outlives either the
// allocator or the thread: a thread's magazines go back to the tree when it exits, and an
// allocator's destruction only marks its per-thread state dead.
//
// Thread-safe: every member may be called concurrently, except the destructor.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "dmakit/core/addr_range.h"
#include "dmakit/core/result.h"

namespace dmakit {

class IovaRangeTree;

// Implementation details that the inline fast paths of IovaAllocator read. Not part of the
// API: nothing outside the allocator may touch them.
namespace iova_detail {

inline constexpr uint64_t kMaxCachedGranules = 32;
inline constexpr uint32_t kMagazineSize = 64;

// A stack of base addresses of free ranges of one size class (a thread's previous magazine,
// or one in the depot).
struct Magazine {
  uint32_t count = 0;
  uint64_t bases[kMagazineSize];

  bool empty() const { return count == 0; }
  bool full() const { return count == kMagazineSize; }
};

// One thread's state for one size class of one allocator. The loaded magazine is embedded, so
// the fast paths reach it with no pointer chase. Only the owning thread writes; other threads
// read `tally` (stats).
struct ClassCache {
  // Low kCountBits: ranges in `bases`. High bits: (ranges of this class allocated minus freed
  // through this thread's cache) + that count, mod 2^(64 - kCountBits). A fast alloc or free
  // moves the count by one and leaves the high bits alone; one word keeps the two consistent.
  static constexpr unsigned kCountBits = 8;
  static constexpr uint64_t kCountMask = (uint64_t{1} << kCountBits) - 1;
  std::atomic<uint64_t> tally{0};
  uint64_t bases[kMagazineSize] = {};
  // Bonwick's second magazine: always empty or full (or absent). Slow path only.
  Magazine* prev = nullptr;
};

// The part of a thread's cache the fast paths read.
struct ThreadCacheHot {
  // The allocator whose fast paths may use this cache. Null while a give-back is requested
  // (another thread's Flush) and once the allocator is gone, so that the check that the cache
  // is this allocator's also sends those calls to the slow path.
  std::atomic<const void*> owner{nullptr};
  std::atomic<uint64_t> hits{0};  // cached-size allocations served from the magazines
  ClassCache classes[kMaxCachedGranules];

  static void Bump(std::atomic<uint64_t>& counter) {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

// What a thread's slot points to before its first call and after it exits: owned by no
// allocator, never written.
inline constinit ThreadCacheHot kNoThreadCache;

// The last allocator this thread used and its cache: constant-initialized and trivially
// destructible, so reading it is a plain thread-pointer-relative load.
struct HotSlot {
  uint64_t id;  // the allocator's id (ids are never reused, addresses may be)
  ThreadCacheHot* cache;
  bool table_gone;  // the thread is exiting: no more per-thread state
};
inline thread_local constinit HotSlot tls_hot{0, &kNoThreadCache, false};

}  // namespace iova_detail

class IovaAllocator {
 public:
  // Sizes of at most this many granules are served by the magazines.
  static constexpr uint64_t kMaxCachedGranules = iova_detail::kMaxCachedGranules;
  // Ranges per magazine.
  static constexpr uint32_t kMagazineSize = iova_detail::kMagazineSize;
  // Full magazines the depot keeps per size class; more go back to the tree.
  static constexpr size_t kDepotMagazines = 32;
  // "No limit": any address of the aperture will do.
  static constexpr DmaAddr kNoLimit{~uint64_t{0}};
  // Granules at the start of the aperture that the state map covers: cached-size ranges are
  // placed there while it has room (256 MiB of address space for the map at most).
  static constexpr uint64_t kStateWindowGranules = uint64_t{1} << 28;

  struct Stats {
    uint64_t allocated_bytes = 0;  // in callers' hands (magazine contents count as free)
    uint64_t free_bytes = 0;       // aperture minus reserved minus allocated
    uint64_t cache_hits = 0;       // cached-size allocations served from a magazine
    uint64_t cache_misses = 0;     // cached-size allocations that went to the tree
    uint64_t depot_exchanges = 0;  // magazines taken from or given to the depot
  };

  // `aperture`: the IOVA window (non-empty, granule-aligned). `reserved`: ranges never handed
  // out; they are clipped to the aperture and widened to whole granules, and may overlap.
  // `granule`: the allocation unit, a power of two (the IOMMU's smallest page).
  // Errors: kInvalidArgument (granule not a power of two, aperture empty, misaligned or
  // ending past 2^64 - 1).
  static Result<std::unique_ptr<IovaAllocator>> Create(DmaRange aperture,
                                                       std::vector<DmaRange> reserved = {},
                                                       uint64_t granule = kPageSize);
  // Precondition: no other thread is calling this allocator. Outstanding ranges need not be
  // freed first (they simply cease to exist).
  ~IovaAllocator();
  IovaAllocator(const IovaAllocator&) = delete;
  IovaAllocator& operator=(const IovaAllocator&) = delete;

  // A range of `size` bytes rounded up to the granule, size-aligned, inside the aperture,
  // outside every reserved range, whose last byte is at most `limit`.
  // Errors: kInvalidArgument (size 0), kOutOfRange (the rounded size exceeds the aperture,
  // or `limit` lies below the aperture's first granule), kExhausted (no free space fits;
  // see the class comment for magazines of other threads).
  // The fast path (a hit in this thread's magazine) is inline; everything else is AllocSlow.
  Result<DmaRange> Alloc(uint64_t size, DmaAddr limit = kNoLimit) {
    const uint64_t cls = (size - 1) >> granule_shift_;  // huge for size 0
    iova_detail::ThreadCacheHot* tc = iova_detail::tls_hot.cache;
    if (cls < kMaxCachedGranules && tc->owner.load(std::memory_order_relaxed) == this) {
      iova_detail::ClassCache& cc = tc->classes[cls];
      const uint64_t tally = cc.tally.load(std::memory_order_relaxed);
      const uint64_t n = tally & iova_detail::ClassCache::kCountMask;
      // A device with a narrow DMA mask takes the magazine's newest range when it fits below
      // its limit (the range it freed last, usually), as Linux's rcache does.
      if (n != 0 && (limit.value() >= aperture_last_ ||
                     cc.bases[n - 1] + ((cls + 1) << granule_shift_) - 1 <= limit.value())) {
        const uint64_t base = cc.bases[n - 1];
        cc.tally.store(tally - 1, std::memory_order_relaxed);
        StoreState(StateByte(base - aperture_.base.value()), static_cast<uint8_t>(cls + 1));
        iova_detail::ThreadCacheHot::Bump(tc->hits);
        return FastRange(base, (cls + 1) << granule_shift_);
      }
    }
    return AllocSlow(size, limit);
  }

  // Returns a range exactly as Alloc returned it.
  // Errors: kNotFound naming the range (never allocated, already freed, reserved),
  // kInvalidArgument (an empty range, or one that overlaps an allocation without being
  // exactly it: a partial free, a free with the wrong size, or one spanning several
  // allocations). Nothing changes on error.
  // The fast path (into this thread's magazine) is inline; everything else is FreeSlow.
  Status Free(DmaRange range) {
    const uint64_t offset = range.base.value() - aperture_.base.value();  // huge if below
    const uint64_t cls = (range.size >> granule_shift_) - 1;              // huge for size 0
    iova_detail::ThreadCacheHot* tc = iova_detail::tls_hot.cache;
    if (cls < kMaxCachedGranules && ((range.size | offset) & granule_mask_) == 0 &&
        (offset >> granule_shift_) < state_granules_ &&
        tc->owner.load(std::memory_order_relaxed) == this) {
      uint8_t* state = StateByte(offset);
      iova_detail::ClassCache& cc = tc->classes[cls];
      const uint64_t tally = cc.tally.load(std::memory_order_relaxed);
      const uint64_t n = tally & iova_detail::ClassCache::kCountMask;
      if (LoadState(state) == cls + 1 && n != kMagazineSize) {
        StoreState(state, static_cast<uint8_t>(kCachedMark | (cls + 1)));
        cc.bases[n] = range.base.value();
        cc.tally.store(tally + 1, std::memory_order_relaxed);
        return FastOk();
      }
    }
    return FreeSlow(range);
  }

  // Removes `range` (widened to whole granules) from the free space for good. Flushes the
  // caches first (see Flush).
  // Errors: kOutOfRange (not inside the aperture), kAlreadyExists (overlaps a live
  // allocation, or a range still held by another thread's magazine).
  Status Reserve(DmaRange range);

  // Gives every cached range back to the tree: the calling thread's magazines and the depot
  // at once; other threads' magazines at those threads' next call (or exit). The destructor
  // needs no flush.
  void Flush();

  // A snapshot; counters of threads running concurrently may be slightly behind.
  Stats stats() const;

  DmaRange aperture() const { return aperture_; }
  uint64_t granule() const { return uint64_t{1} << granule_shift_; }

  // Implementation types (defined in the .cc files).
  struct ThreadCache;
  struct Registry;
  struct Depot;
  class StateMap;

 private:
  // The state map's byte of a range in the caller's hands or in a magazine (see the class
  // comment): kCachedMark | granules in a magazine, granules in a caller's hands, else 0.
  static constexpr uint8_t kCachedMark = 0x80;

  IovaAllocator(DmaRange aperture, uint64_t granule);

  // The state byte of the range at `offset` bytes into the aperture. Precondition: the offset
  // lies inside the state map's window. The bytes are read and written with relaxed atomics:
  // a plain byte load or store.
  uint8_t* StateByte(uint64_t offset) const { return state_ + (offset >> granule_shift_); }

  // Success without value-initialisation: `Status()` (what Ok() returns) zero-fills the
  // object before constructing it, a `rep stos` that costs more than the rest of the fast path.
  static Status FastOk() {
    Status s;
    return s;
  }

  // The fast path's result, its base written by its own scalar store. Built in one go, the
  // base and size are two adjacent 64-bit stores that g++ 12 merges into one vector store
  // (two register-to-vector moves and a shuffle first); the base then reaches the caller's next
  // Free through that vector store, and the pair took 8.9 ns instead of 4.4 (bench/iova_bench.cc,
  // BM_IovaPair/1). The signal fence is a compiler-only barrier: no instruction is emitted.
  static Result<DmaRange> FastRange(uint64_t base, uint64_t size) {
    Result<DmaRange> r(DmaRange(DmaAddr(0), size));
    std::atomic_signal_fence(std::memory_order_seq_cst);
    r->base = DmaAddr(base);
    return r;
  }

  static uint8_t LoadState(uint8_t* state) {
    return std::atomic_ref<uint8_t>(*state).load(std::memory_order_relaxed);
  }
  static void StoreState(uint8_t* state, uint8_t value) {
    std::atomic_ref<uint8_t>(*state).store(value, std::memory_order_relaxed);
  }

  Result<DmaRange> AllocSlow(uint64_t size, DmaAddr limit);
  Status FreeSlow(DmaRange range);
  ThreadCache* ThisThreadCache();
  ThreadCache* AttachThisThread();
  Result<DmaRange> AllocGeneral(uint64_t size, uint64_t limit_last);
  Result<DmaRange> AllocCachedSlow(uint64_t granules, uint64_t limit_last, ThreadCache* tc);
  struct CacheRange {
    uint64_t base;
    bool general;  // outside the state map's window: a general allocation
  };
  Result<CacheRange> AllocForCache(uint64_t granules, uint64_t limit_last);
  void HonourGiveBack(ThreadCache* tc);
  void Refill(iova_detail::ClassCache& cc, uint64_t cls);
  void Spill(iova_detail::ClassCache& cc, uint64_t cls);
  Status FreeCachedSlow(DmaRange range, uint64_t granules, ThreadCache* tc);
  Status FreeGeneral(DmaRange range);
  void ReturnToTree(const uint64_t* bases, uint32_t count);
  void ReturnThreadMagazines(ThreadCache* tc);
  void FlushDepot();
  void DetachThread(ThreadCache* tc);

  const uint64_t id_;  // unique for the process's lifetime, never reused
  const DmaRange aperture_;
  const uint64_t aperture_last_;
  const uint32_t granule_shift_;
  const uint64_t granule_mask_;

  mutable std::mutex mu_;  // guards tree_
  std::unique_ptr<IovaRangeTree> tree_;
  std::unique_ptr<StateMap> state_map_;
  // state_map_'s bytes and length in granules, copied here so the fast path reads them
  // without a pointer chase.
  uint8_t* state_ = nullptr;
  uint64_t state_granules_ = 0;
  std::unique_ptr<Depot> depot_;
  std::shared_ptr<Registry> registry_;
  std::atomic<uint64_t> general_allocated_{0};  // bytes, general path and exited threads
  std::atomic<uint64_t> exited_hits_{0};        // cache hits of threads that exited
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> depot_exchanges_{0};

  friend struct ThreadTable;
};

}  // namespace dmakit
