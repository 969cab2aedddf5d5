// The cached path of IovaAllocator: magazines, per-thread caches, the depot, and the
// lock-free state map that validates frees of cached-size ranges. Private to the iommu layer.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "dmakit/core/result.h"
#include "dmakit/iommu/iova_allocator.h"

namespace dmakit {

using IovaMagazine = iova_detail::Magazine;

// One thread's magazines for one allocator (the hot part, which the inline fast paths read, is
// the base class). Only the owning thread touches the magazines; other threads read the
// counters (stats) and set `reclaim` (Flush).
struct IovaAllocator::ThreadCache : iova_detail::ThreadCacheHot {
  uint64_t allocator_id = 0;
  std::shared_ptr<Registry> registry;
  // Cached-size allocations of this thread that the tree served (written by the owner only).
  std::atomic<uint64_t> misses{0};

  ~ThreadCache() {
    for (iova_detail::ClassCache& c : classes) {
      delete c.loaded;
      delete c.prev;
    }
  }
  // Bytes allocated minus freed through this cache (mod 2^64), and its cache hits.
  uint64_t NetBytes(uint32_t granule_shift) const {
    uint64_t bytes = 0;
    for (uint64_t c = 0; c < kMaxCachedGranules; ++c) {
      const uint64_t n = classes[c].allocs.load(std::memory_order_relaxed) -
                         classes[c].frees.load(std::memory_order_relaxed);
      bytes += n * ((c + 1) << granule_shift);
    }
    return bytes;
  }
  uint64_t Hits() const {
    uint64_t allocs = 0;
    for (const iova_detail::ClassCache& c : classes) {
      allocs += c.allocs.load(std::memory_order_relaxed);
    }
    return allocs - misses.load(std::memory_order_relaxed);
  }
};

// The threads attached to one allocator. Outlives the allocator while a thread still holds a
// ThreadCache of it; `owner` is null once the allocator is gone.
struct IovaAllocator::Registry {
  std::mutex mu;
  IovaAllocator* owner = nullptr;    // guarded by mu
  std::vector<ThreadCache*> caches;  // guarded by mu
};

// Full magazines shared by all threads, one locked stack per size class.
struct IovaAllocator::Depot {
  struct SizeClass {
    std::mutex mu;
    std::vector<IovaMagazine*> full;  // guarded by mu
  };
  SizeClass classes[kMaxCachedGranules];

  ~Depot() {
    for (SizeClass& c : classes) {
      for (IovaMagazine* m : c.full) delete m;
    }
  }
  // A full magazine, or null when the depot has none of that class.
  IovaMagazine* Take(uint64_t cls) {
    std::lock_guard<std::mutex> lock(classes[cls].mu);
    auto& full = classes[cls].full;
    if (full.empty()) return nullptr;
    IovaMagazine* m = full.back();
    full.pop_back();
    return m;
  }
  // False (and the magazine stays the caller's) when the depot is at capacity.
  bool Put(uint64_t cls, IovaMagazine* m) {
    std::lock_guard<std::mutex> lock(classes[cls].mu);
    auto& full = classes[cls].full;
    if (full.size() >= kDepotMagazines) return false;
    full.push_back(m);
    return true;
  }
  std::vector<IovaMagazine*> TakeAll(uint64_t cls) {
    std::lock_guard<std::mutex> lock(classes[cls].mu);
    return std::move(classes[cls].full);
  }
};

// One state byte per granule of the aperture, in lazily allocated leaves, read and written
// without a lock (relaxed atomics). Leaves are created under the allocator's mutex and
// published with release/acquire, and never freed before the map.
class IovaAllocator::LiveMap {
 public:
  // A range in a magazine: kCachedMark | granules. In a caller's hands: granules. Else 0.
  static constexpr uint8_t kCachedMark = IovaAllocator::kCachedMark;

  explicit LiveMap(uint64_t granules) {
    uint64_t leaf = std::min<uint64_t>(uint64_t{1} << kMaxLeafShift, granules);
    leaf_shift_ = 0;
    while ((uint64_t{1} << leaf_shift_) < leaf) ++leaf_shift_;
    dir_size_ = ((granules - 1) >> leaf_shift_) + 1;
    dir_ = static_cast<uint8_t**>(std::calloc(dir_size_, sizeof(uint8_t*)));
    DMAKIT_CHECK(dir_ != nullptr, "out of memory for the IOVA state map");
  }
  ~LiveMap() {
    for (uint64_t i = 0; i < dir_size_; ++i) std::free(dir_[i]);
    std::free(dir_);
  }
  LiveMap(const LiveMap&) = delete;
  LiveMap& operator=(const LiveMap&) = delete;

  // The lock-free view that the allocator's fast path keeps by value (no pointer chase).
  struct View {
    uint8_t** dir;
    unsigned leaf_shift;
    uint8_t Get(uint64_t idx) const {
      uint8_t* leaf =
          std::atomic_ref<uint8_t*>(dir[idx >> leaf_shift]).load(std::memory_order_acquire);
      if (leaf == nullptr) return 0;
      return std::atomic_ref<uint8_t>(leaf[idx & ((uint64_t{1} << leaf_shift) - 1)])
          .load(std::memory_order_relaxed);
    }
    void Set(uint64_t idx, uint8_t value) const {
      uint8_t* leaf =
          std::atomic_ref<uint8_t*>(dir[idx >> leaf_shift]).load(std::memory_order_acquire);
      std::atomic_ref<uint8_t>(leaf[idx & ((uint64_t{1} << leaf_shift) - 1)])
          .store(value, std::memory_order_relaxed);
    }
  };
  View view() const { return View{dir_, leaf_shift_}; }

  // Precondition: idx < granules.
  uint8_t Get(uint64_t idx) const { return view().Get(idx); }
  // Precondition: Ensure(idx) happened before (under the allocator's mutex, or earlier).
  void Set(uint64_t idx, uint8_t value) { view().Set(idx, value); }
  // Called with the allocator's mutex held.
  void Ensure(uint64_t idx) {
    std::atomic_ref<uint8_t*> slot(dir_[idx >> leaf_shift_]);
    if (slot.load(std::memory_order_relaxed) != nullptr) return;
    auto* leaf = static_cast<uint8_t*>(std::calloc(uint64_t{1} << leaf_shift_, 1));
    DMAKIT_CHECK(leaf != nullptr, "out of memory for the IOVA state map");
    slot.store(leaf, std::memory_order_release);
  }

 private:
  static constexpr unsigned kMaxLeafShift = 20;
  uint64_t Mask() const { return (uint64_t{1} << leaf_shift_) - 1; }

  unsigned leaf_shift_ = 0;
  uint64_t dir_size_ = 0;
  uint8_t** dir_ = nullptr;
};

}  // namespace dmakit
