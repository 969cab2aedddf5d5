#include "dmakit/iommu/iova_allocator.h"

#include <algorithm>
#include <bit>
#include <string>
#include <utility>

#include "iommu/iova_magazine.h"
#include "iommu/iova_range_tree.h"

namespace dmakit {
namespace {

std::atomic<uint64_t> next_allocator_id{1};

using iova_detail::ClassCache;
using iova_detail::tls_hot;

}  // namespace

// Every ThreadCache this thread owns, one per allocator it used. At thread exit the caches
// of live allocators go back to them.
struct ThreadTable {
  std::vector<IovaAllocator::ThreadCache*> caches;

  ~ThreadTable() {
    tls_hot = iova_detail::HotSlot{0, nullptr, true};
    for (IovaAllocator::ThreadCache* tc : caches) {
      {
        std::lock_guard<std::mutex> lock(tc->registry->mu);
        if (tc->registry->owner != nullptr) tc->registry->owner->DetachThread(tc);
      }
      delete tc;
    }
  }
};

namespace {
thread_local ThreadTable tls_table;

bool IsDead(IovaAllocator::ThreadCache* tc) {
  std::lock_guard<std::mutex> lock(tc->registry->mu);
  return tc->registry->owner == nullptr;
}
}  // namespace

Result<std::unique_ptr<IovaAllocator>> IovaAllocator::Create(DmaRange aperture,
                                                             std::vector<DmaRange> reserved,
                                                             uint64_t granule) {
  if (!std::has_single_bit(granule)) {
    return Error(ErrorCode::kInvalidArgument,
                 "IOVA granule " + std::to_string(granule) + " is not a power of two");
  }
  if (aperture.empty() || !aperture.IsAligned(granule) || aperture.size > ~aperture.base.value()) {
    return Error(ErrorCode::kInvalidArgument, "IOVA aperture " + ToString(aperture) +
                                                  " must be non-empty, aligned to the granule " +
                                                  Hex(granule) + " and end below 2^64");
  }
  std::unique_ptr<IovaAllocator> a(new IovaAllocator(aperture, granule));
  for (const DmaRange& r : reserved) {
    DmaRange clipped = r.Intersect(aperture);
    if (clipped.empty()) continue;
    Status s = a->tree_->Reserve(clipped.AlignOut(granule).Intersect(aperture));
    DMAKIT_CHECK(s.ok(), "reserving in a fresh tree cannot fail");
  }
  return a;
}

IovaAllocator::IovaAllocator(DmaRange aperture, uint64_t granule)
    : id_(next_allocator_id.fetch_add(1)),
      aperture_(aperture),
      aperture_last_(aperture.last().value()),
      granule_shift_(static_cast<uint32_t>(std::countr_zero(granule))),
      granule_mask_(granule - 1),
      tree_(std::make_unique<IovaRangeTree>(aperture)),
      live_(std::make_unique<LiveMap>(aperture.size >> granule_shift_)),
      depot_(std::make_unique<Depot>()),
      registry_(std::make_shared<Registry>()) {
  registry_->owner = this;
  LiveMap::View view = live_->view();
  live_dir_ = view.dir;
  live_leaf_shift_ = view.leaf_shift;
  live_leaf_mask_ = (uint64_t{1} << view.leaf_shift) - 1;
}

IovaAllocator::~IovaAllocator() {
  std::lock_guard<std::mutex> lock(registry_->mu);
  registry_->owner = nullptr;  // threads free their caches of this allocator on their own
  registry_->caches.clear();
}

IovaAllocator::ThreadCache* IovaAllocator::ThisThreadCache() {
  if (tls_hot.id == id_) return static_cast<ThreadCache*>(tls_hot.cache);
  return AttachThisThread();
}

IovaAllocator::ThreadCache* IovaAllocator::AttachThisThread() {
  if (tls_hot.table_gone) return nullptr;
  std::vector<ThreadCache*>& caches = tls_table.caches;
  ThreadCache* found = nullptr;
  for (size_t i = 0; i < caches.size();) {
    ThreadCache* tc = caches[i];
    if (tc->allocator_id == id_) {
      found = tc;
      ++i;
    } else if (IsDead(tc)) {  // its allocator is gone: drop it
      delete tc;
      caches[i] = caches.back();
      caches.pop_back();
    } else {
      ++i;
    }
  }
  if (found == nullptr) {
    found = new ThreadCache;
    found->allocator_id = id_;
    found->registry = registry_;
    {
      std::lock_guard<std::mutex> lock(registry_->mu);
      registry_->caches.push_back(found);
    }
    caches.push_back(found);
  }
  tls_hot = iova_detail::HotSlot{id_, found, false};
  return found;
}

// Called at thread exit with registry_->mu held.
void IovaAllocator::DetachThread(ThreadCache* tc) {
  ReturnThreadMagazines(tc);
  general_allocated_.fetch_add(tc->NetBytes(granule_shift_));
  exited_hits_.fetch_add(tc->Hits());
  auto& caches = registry_->caches;
  caches.erase(std::remove(caches.begin(), caches.end(), tc), caches.end());
}

// Everything Alloc's inline fast path does not serve: errors, limits, empty magazines, the
// first call of a thread, sizes beyond the cache.
Result<DmaRange> IovaAllocator::AllocSlow(uint64_t size, DmaAddr limit) {
  if (size == 0) return Error(ErrorCode::kInvalidArgument, "IOVA alloc of 0 bytes");
  if (size > aperture_.size) {
    return Error(ErrorCode::kOutOfRange, "IOVA alloc of " + std::to_string(size) +
                                             " bytes: larger than the aperture " +
                                             ToString(aperture_));
  }
  const uint64_t first_last = aperture_.base.value() + ((uint64_t{1} << granule_shift_) - 1);
  if (limit.value() < first_last) {
    return Error(ErrorCode::kOutOfRange, "IOVA alloc with limit " + Hex(limit) +
                                             ": below the aperture " + ToString(aperture_));
  }
  const uint64_t limit_last = std::min(limit.value(), aperture_last_);
  const uint64_t mask = (uint64_t{1} << granule_shift_) - 1;
  const uint64_t granules = (size + mask) >> granule_shift_;
  if (granules <= kMaxCachedGranules) {
    return AllocCachedSlow(granules, limit_last, ThisThreadCache());
  }
  return AllocGeneral(granules << granule_shift_, limit_last);
}

namespace {
Error Exhausted(uint64_t bytes, DmaRange aperture, uint64_t limit_last, uint64_t free_bytes) {
  return Error(ErrorCode::kExhausted,
               "IOVA alloc of " + std::to_string(bytes) + " bytes below " + Hex(limit_last) +
                   ": no free size-aligned range in the aperture " + ToString(aperture) + " (" +
                   std::to_string(free_bytes) + " bytes free, fragmented)");
}
}  // namespace

Result<DmaRange> IovaAllocator::AllocGeneral(uint64_t bytes, uint64_t limit_last) {
  const uint64_t align_granules = std::bit_ceil(bytes >> granule_shift_);
  const uint64_t align = align_granules << granule_shift_;
  if (align == 0) return Exhausted(bytes, aperture_, limit_last, 0);  // wider than 2^64
  for (int attempt = 0;; ++attempt) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto base = tree_->Alloc(bytes, align, limit_last, IovaRangeTree::Owner::kUser);
      if (base.has_value()) {
        general_allocated_.fetch_add(bytes);
        return DmaRange(DmaAddr(*base), bytes);
      }
      if (attempt > 0) return Exhausted(bytes, aperture_, limit_last, tree_->free_bytes());
    }
    Flush();  // cached ranges may be what stands in the way
  }
}

Result<uint64_t> IovaAllocator::AllocForCache(uint64_t granules, uint64_t limit_last) {
  const uint64_t bytes = granules << granule_shift_;
  const uint64_t align = std::bit_ceil(granules) << granule_shift_;
  for (int attempt = 0;; ++attempt) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto base = tree_->Alloc(bytes, align, limit_last, IovaRangeTree::Owner::kCache);
      if (base.has_value()) {
        uint64_t idx = (*base - aperture_.base.value()) >> granule_shift_;
        live_->Ensure(idx);
        live_->Set(idx, static_cast<uint8_t>(granules));
        return *base;
      }
      if (attempt > 0) return Exhausted(bytes, aperture_, limit_last, tree_->free_bytes());
    }
    Flush();
  }
}

Result<DmaRange> IovaAllocator::AllocCachedSlow(uint64_t granules, uint64_t limit_last,
                                                ThreadCache* tc) {
  const uint64_t bytes = granules << granule_shift_;
  const uint64_t cls = granules - 1;
  if (tc != nullptr && tc->reclaim.load(std::memory_order_relaxed)) {
    tc->reclaim.store(false, std::memory_order_relaxed);
    ReturnThreadMagazines(tc);
  } else if (tc != nullptr && limit_last >= aperture_last_) {
    IovaMagazine*& loaded = tc->classes[cls].loaded;
    IovaMagazine*& prev = tc->classes[cls].prev;
    if (prev != nullptr && !prev->empty()) {
      std::swap(loaded, prev);
    } else if (IovaMagazine* full = depot_->Take(cls)) {
      delete loaded;  // empty (the fast path found nothing in it)
      loaded = full;
      depot_exchanges_.fetch_add(1, std::memory_order_relaxed);
    }
    if (loaded != nullptr && !loaded->empty()) {
      uint64_t base = loaded->bases[--loaded->count];
      live_->Set((base - aperture_.base.value()) >> granule_shift_, static_cast<uint8_t>(granules));
      ClassCache::Bump(tc->classes[cls].allocs);
      return DmaRange(DmaAddr(base), bytes);
    }
  }
  uint64_t base = DMAKIT_TRY(AllocForCache(granules, limit_last));
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (tc != nullptr) {
    ClassCache::Bump(tc->classes[cls].allocs);
    ClassCache::Bump(tc->misses);
  } else {
    general_allocated_.fetch_add(bytes);
  }
  return DmaRange(DmaAddr(base), bytes);
}

// Everything Free's inline fast path does not serve: errors, full magazines, the first call
// of a thread, sizes beyond the cache.
Status IovaAllocator::FreeSlow(DmaRange range) {
  const uint64_t offset = range.base.value() - aperture_.base.value();  // huge if below
  const uint64_t granules = range.size >> granule_shift_;
  if (granules - 1 < kMaxCachedGranules && ((range.size | offset) & granule_mask_) == 0 &&
      offset < aperture_.size && live_->Get(offset >> granule_shift_) == granules) {
    return FreeCachedSlow(range, granules, ThisThreadCache());
  }
  return FreeGeneral(range);
}

Status IovaAllocator::FreeCachedSlow(DmaRange range, uint64_t granules, ThreadCache* tc) {
  const uint64_t base = range.base.value();
  const uint64_t idx = (base - aperture_.base.value()) >> granule_shift_;
  if (tc == nullptr) {  // the thread is exiting: straight back to the tree
    ReturnToTree(&base, 1);
    general_allocated_.fetch_sub(range.size);
    return Ok();
  }
  if (tc->reclaim.load(std::memory_order_relaxed)) {
    tc->reclaim.store(false, std::memory_order_relaxed);
    ReturnThreadMagazines(tc);
  }
  const uint64_t cls = granules - 1;
  IovaMagazine*& loaded = tc->classes[cls].loaded;
  IovaMagazine*& prev = tc->classes[cls].prev;
  if (loaded == nullptr) loaded = new IovaMagazine;
  if (loaded->full()) {
    if (prev != nullptr && prev->empty()) {
      std::swap(loaded, prev);
    } else {
      IovaMagazine* spill = prev;  // null or full
      prev = loaded;
      loaded = new IovaMagazine;
      if (spill != nullptr) {
        if (depot_->Put(cls, spill)) {
          depot_exchanges_.fetch_add(1, std::memory_order_relaxed);
        } else {
          ReturnToTree(spill->bases, spill->count);
          delete spill;
        }
      }
    }
  }
  live_->Set(idx, static_cast<uint8_t>(LiveMap::kCachedMark | granules));
  loaded->bases[loaded->count++] = base;
  ClassCache::Bump(tc->classes[cls].frees);
  return Ok();
}

Status IovaAllocator::FreeGeneral(DmaRange range) {
  std::lock_guard<std::mutex> lock(mu_);
  const IovaRangeTree::Allocation* a = tree_->Find(range.base.value());
  if (a != nullptr && a->size == range.size && a->owner == IovaRangeTree::Owner::kUser) {
    tree_->Release(range.base.value());
    general_allocated_.fetch_sub(range.size);
    return Ok();
  }
  return tree_->BadFreeError(range, [this](uint64_t base) {
    uint8_t state = live_->Get((base - aperture_.base.value()) >> granule_shift_);
    return state != 0 && (state & LiveMap::kCachedMark) == 0;
  });
}

void IovaAllocator::ReturnToTree(const uint64_t* bases, uint32_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  for (uint32_t i = 0; i < count; ++i) {
    live_->Set((bases[i] - aperture_.base.value()) >> granule_shift_, 0);
    tree_->Release(bases[i]);
  }
}

void IovaAllocator::ReturnThreadMagazines(ThreadCache* tc) {
  for (ClassCache& c : tc->classes) {
    for (IovaMagazine** m : {&c.loaded, &c.prev}) {
      if (*m == nullptr) continue;
      ReturnToTree((*m)->bases, (*m)->count);
      delete *m;
      *m = nullptr;
    }
  }
}

void IovaAllocator::FlushDepot() {
  for (uint64_t c = 0; c < kMaxCachedGranules; ++c) {
    for (IovaMagazine* m : depot_->TakeAll(c)) {
      ReturnToTree(m->bases, m->count);
      delete m;
    }
  }
}

void IovaAllocator::Flush() {
  ThreadCache* tc = ThisThreadCache();
  if (tc != nullptr) ReturnThreadMagazines(tc);
  FlushDepot();
  std::lock_guard<std::mutex> lock(registry_->mu);
  for (ThreadCache* other : registry_->caches) {
    if (other != tc) other->reclaim.store(true, std::memory_order_relaxed);
  }
}

Status IovaAllocator::Reserve(DmaRange range) {
  DmaRange wide = range.AlignOut(uint64_t{1} << granule_shift_);
  if (range.empty() || !aperture_.Contains(range) || !aperture_.Contains(wide)) {
    return Error(ErrorCode::kOutOfRange, "reserve of " + ToString(range) +
                                             ": not inside the aperture " + ToString(aperture_));
  }
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  return tree_->Reserve(wide);
}

IovaAllocator::Stats IovaAllocator::stats() const {
  Stats s;
  uint64_t allocated = general_allocated_.load();
  s.cache_hits = exited_hits_.load();
  {
    std::lock_guard<std::mutex> lock(registry_->mu);
    for (const ThreadCache* tc : registry_->caches) {
      allocated += tc->NetBytes(granule_shift_);
      s.cache_hits += tc->Hits();
    }
  }
  s.allocated_bytes = allocated;
  s.cache_misses = misses_.load(std::memory_order_relaxed);
  s.depot_exchanges = depot_exchanges_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t reserved = 0;
  for (const DmaRange& r : tree_->reserved()) reserved += r.size;
  s.free_bytes = aperture_.size - reserved - allocated;
  return s;
}

}  // namespace dmakit
