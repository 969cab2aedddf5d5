// The cached path of IovaAllocator: magazines, per-thread caches, the depot, and the
// lock-free state map that validates frees of cached-size ranges. Private to the iommu layer.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include <sys/mman.h>

#include "dmakit/core/result.h"
#include "dmakit/iommu/iova_allocator.h"

namespace dmakit {

using IovaMagazine = iova_detail::Magazine;

// Reading and rewriting a ClassCache's tally (see iova_detail::ClassCache). Owner thread only,
// except Count/Net which stats may call from any thread on a loaded tally.
struct IovaTally {
  static constexpr unsigned kNetShift = iova_detail::ClassCache::kCountBits;

  static uint32_t Count(uint64_t tally) {
    return static_cast<uint32_t>(tally & iova_detail::ClassCache::kCountMask);
  }
  // Ranges of the class in callers' hands through this cache (negative when the thread freed
  // more than it allocated).
  static int64_t Net(uint64_t tally) {
    const uint64_t high = (tally >> kNetShift) - Count(tally);
    return static_cast<int64_t>(high << kNetShift) >> kNetShift;  // sign-extend
  }
  static uint64_t Make(int64_t net, uint32_t count) {
    return ((static_cast<uint64_t>(net) + count) << kNetShift) | count;
  }
  static uint64_t Load(const iova_detail::ClassCache& cc) {
    return cc.tally.load(std::memory_order_relaxed);
  }
  static void Set(iova_detail::ClassCache& cc, int64_t net, uint32_t count) {
    cc.tally.store(Make(net, count), std::memory_order_relaxed);
  }
};

// One thread's magazines for one allocator (the hot part, which the inline fast paths read, is
// the base class). Only the owning thread touches the magazines; other threads read the
// counters (stats) and clear `owner` (Flush, destruction).
struct IovaAllocator::ThreadCache : iova_detail::ThreadCacheHot {
  uint64_t allocator_id = 0;
  std::shared_ptr<Registry> registry;

  ~ThreadCache() {
    for (iova_detail::ClassCache& c : classes) delete c.prev;
  }
  // Bytes allocated minus freed through this cache (mod 2^64).
  uint64_t NetBytes(uint32_t granule_shift) const {
    uint64_t bytes = 0;
    for (uint64_t c = 0; c < kMaxCachedGranules; ++c) {
      const auto n = static_cast<uint64_t>(IovaTally::Net(IovaTally::Load(classes[c])));
      bytes += n * ((c + 1) << granule_shift);
    }
    return bytes;
  }
  uint64_t Hits() const { return hits.load(std::memory_order_relaxed); }
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

// One state byte per granule of the first `granules` granules of the aperture, read and
// written without a lock (relaxed atomics). The bytes are an anonymous private mapping: address
// space reserved up front, zero pages committed by the OS as they are first written.
class IovaAllocator::StateMap {
 public:
  // A range in a magazine: kCachedMark | granules. In a caller's hands: granules. Else 0.
  static constexpr uint8_t kCachedMark = IovaAllocator::kCachedMark;

  explicit StateMap(uint64_t granules) : size_(granules) {
    void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    DMAKIT_CHECK(p != MAP_FAILED, "out of address space for the IOVA state map");
    bytes_ = static_cast<uint8_t*>(p);
  }
  ~StateMap() { munmap(bytes_, size_); }
  StateMap(const StateMap&) = delete;
  StateMap& operator=(const StateMap&) = delete;

  uint8_t* bytes() const { return bytes_; }
  uint64_t granules() const { return size_; }

  // Precondition: idx < granules().
  uint8_t Get(uint64_t idx) const {
    return std::atomic_ref<uint8_t>(bytes_[idx]).load(std::memory_order_relaxed);
  }
  void Set(uint64_t idx, uint8_t value) {
    std::atomic_ref<uint8_t>(bytes_[idx]).store(value, std::memory_order_relaxed);
  }

 private:
  uint64_t size_;
  uint8_t* bytes_ = nullptr;
};

}  // namespace dmakit
