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

void CopyBases(uint64_t* to, const uint64_t* from, uint32_t count) {
  std::copy(from, from + count, to);
}

}  // namespace

// Every ThreadCache this thread owns, one per allocator it used. At thread exit the caches
// of live allocators go back to them.
struct ThreadTable {
  std::vector<IovaAllocator::ThreadCache*> caches;

  ~ThreadTable() {
    tls_hot = iova_detail::HotSlot{0, &iova_detail::kNoThreadCache, true};
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
      state_map_(std::make_unique<StateMap>(
          std::min(aperture.size >> granule_shift_, kStateWindowGranules))),
      state_(state_map_->bytes()),
      state_granules_(state_map_->granules()),
      depot_(std::make_unique<Depot>()),
      registry_(std::make_shared<Registry>()) {
  registry_->owner = this;
}

IovaAllocator::~IovaAllocator() {
  std::lock_guard<std::mutex> lock(registry_->mu);
  // Threads free their caches of this allocator on their own. Until then no fast path may use
  // them, even for a new allocator at the same address.
  for (ThreadCache* tc : registry_->caches) tc->owner.store(nullptr, std::memory_order_relaxed);
  registry_->owner = nullptr;
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
    found->owner.store(this, std::memory_order_relaxed);
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

// A range for the cache path from the tree: inside the state map's window when it has room
// (tracked there, owned by the cache), else anywhere below the limit as a general allocation.
Result<IovaAllocator::CacheRange> IovaAllocator::AllocForCache(uint64_t granules,
                                                               uint64_t limit_last) {
  const uint64_t bytes = granules << granule_shift_;
  const uint64_t align = std::bit_ceil(granules) << granule_shift_;
  const uint64_t window_last = aperture_.base.value() + ((state_granules_ << granule_shift_) - 1);
  for (int attempt = 0;; ++attempt) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto base = tree_->Alloc(bytes, align, std::min(limit_last, window_last),
                               IovaRangeTree::Owner::kCache);
      if (base.has_value()) {
        state_map_->Set((*base - aperture_.base.value()) >> granule_shift_,
                        static_cast<uint8_t>(granules));
        return CacheRange{*base, false};
      }
      if (limit_last > window_last) {
        base = tree_->Alloc(bytes, align, limit_last, IovaRangeTree::Owner::kUser);
        if (base.has_value()) return CacheRange{*base, true};
      }
      if (attempt > 0) return Exhausted(bytes, aperture_, limit_last, tree_->free_bytes());
    }
    Flush();
  }
}

// The calling thread's cache was asked to give its ranges back (Flush on another thread):
// do it, and let the fast paths use the cache again. The request is cleared first, so one
// that arrives meanwhile is honoured at the next call.
void IovaAllocator::HonourGiveBack(ThreadCache* tc) {
  if (tc->owner.load(std::memory_order_relaxed) == this) return;
  tc->owner.store(this, std::memory_order_relaxed);
  ReturnThreadMagazines(tc);
}

// Fills the empty loaded magazine: from the previous one when it is full, else from the depot.
void IovaAllocator::Refill(ClassCache& cc, uint64_t cls) {
  const uint64_t tally = IovaTally::Load(cc);
  const int64_t net = IovaTally::Net(tally);
  if (cc.prev != nullptr && cc.prev->full()) {
    CopyBases(cc.bases, cc.prev->bases, kMagazineSize);
    cc.prev->count = 0;
    IovaTally::Set(cc, net, kMagazineSize);
  } else if (IovaMagazine* full = depot_->Take(cls)) {
    CopyBases(cc.bases, full->bases, full->count);
    IovaTally::Set(cc, net, full->count);
    if (cc.prev == nullptr) {
      full->count = 0;
      cc.prev = full;
    } else {
      delete full;
    }
    depot_exchanges_.fetch_add(1, std::memory_order_relaxed);
  }
}

// Empties the full loaded magazine: into the previous one when it is empty, else the previous
// one (full) goes to the depot (or the tree, when the depot is at capacity) and takes the
// loaded one's contents.
void IovaAllocator::Spill(ClassCache& cc, uint64_t cls) {
  const int64_t net = IovaTally::Net(IovaTally::Load(cc));
  if (cc.prev != nullptr && cc.prev->empty()) {
    CopyBases(cc.prev->bases, cc.bases, kMagazineSize);
    cc.prev->count = kMagazineSize;
  } else {
    IovaMagazine* spill = cc.prev;  // null or full
    cc.prev = new IovaMagazine;
    CopyBases(cc.prev->bases, cc.bases, kMagazineSize);
    cc.prev->count = kMagazineSize;
    if (spill != nullptr) {
      if (depot_->Put(cls, spill)) {
        depot_exchanges_.fetch_add(1, std::memory_order_relaxed);
      } else {
        ReturnToTree(spill->bases, spill->count);
        delete spill;
      }
    }
  }
  IovaTally::Set(cc, net, 0);
}

Result<DmaRange> IovaAllocator::AllocCachedSlow(uint64_t granules, uint64_t limit_last,
                                                ThreadCache* tc) {
  const uint64_t bytes = granules << granule_shift_;
  const uint64_t cls = granules - 1;
  if (tc != nullptr && tc->owner.load(std::memory_order_relaxed) != this) {
    HonourGiveBack(tc);
  } else if (tc != nullptr) {
    // A limited allocation takes the magazine's newest range when it fits below the limit
    // (no refill from the depot: its ranges may lie anywhere).
    ClassCache& cc = tc->classes[cls];
    const bool limited = limit_last < aperture_last_;
    if (!limited && IovaTally::Count(IovaTally::Load(cc)) == 0) Refill(cc, cls);
    const uint64_t tally = IovaTally::Load(cc);
    if (const uint32_t n = IovaTally::Count(tally);
        n != 0 && (!limited || cc.bases[n - 1] + bytes - 1 <= limit_last)) {
      const uint64_t base = cc.bases[n - 1];
      IovaTally::Set(cc, IovaTally::Net(tally) + 1, n - 1);
      state_map_->Set((base - aperture_.base.value()) >> granule_shift_,
                      static_cast<uint8_t>(granules));
      ThreadCache::Bump(tc->hits);
      return DmaRange(DmaAddr(base), bytes);
    }
  }
  CacheRange got = DMAKIT_TRY(AllocForCache(granules, limit_last));
  misses_.fetch_add(1, std::memory_order_relaxed);
  if (tc != nullptr && !got.general) {
    ClassCache& cc = tc->classes[cls];
    const uint64_t tally = IovaTally::Load(cc);
    IovaTally::Set(cc, IovaTally::Net(tally) + 1, IovaTally::Count(tally));
  } else {
    general_allocated_.fetch_add(bytes);
  }
  return DmaRange(DmaAddr(got.base), bytes);
}

// Everything Free's inline fast path does not serve: errors, full magazines, the first call
// of a thread, sizes beyond the cache, ranges outside the state map's window.
Status IovaAllocator::FreeSlow(DmaRange range) {
  const uint64_t offset = range.base.value() - aperture_.base.value();  // huge if below
  const uint64_t granules = range.size >> granule_shift_;
  if (granules - 1 < kMaxCachedGranules && ((range.size | offset) & granule_mask_) == 0 &&
      (offset >> granule_shift_) < state_granules_ &&
      state_map_->Get(offset >> granule_shift_) == granules) {
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
  HonourGiveBack(tc);
  const uint64_t cls = granules - 1;
  ClassCache& cc = tc->classes[cls];
  if (IovaTally::Count(IovaTally::Load(cc)) == kMagazineSize) Spill(cc, cls);
  const uint64_t tally = IovaTally::Load(cc);
  const uint32_t n = IovaTally::Count(tally);
  state_map_->Set(idx, static_cast<uint8_t>(StateMap::kCachedMark | granules));
  cc.bases[n] = base;
  IovaTally::Set(cc, IovaTally::Net(tally) - 1, n + 1);
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
    const uint64_t idx = (base - aperture_.base.value()) >> granule_shift_;
    if (idx >= state_granules_) return false;
    const uint8_t state = state_map_->Get(idx);
    return state != 0 && (state & StateMap::kCachedMark) == 0;
  });
}

void IovaAllocator::ReturnToTree(const uint64_t* bases, uint32_t count) {
  if (count == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (uint32_t i = 0; i < count; ++i) {
    state_map_->Set((bases[i] - aperture_.base.value()) >> granule_shift_, 0);
    tree_->Release(bases[i]);
  }
}

void IovaAllocator::ReturnThreadMagazines(ThreadCache* tc) {
  for (ClassCache& c : tc->classes) {
    const uint64_t tally = IovaTally::Load(c);
    ReturnToTree(c.bases, IovaTally::Count(tally));
    IovaTally::Set(c, IovaTally::Net(tally), 0);
    if (c.prev != nullptr) {
      ReturnToTree(c.prev->bases, c.prev->count);
      delete c.prev;
      c.prev = nullptr;
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
    if (other != tc) other->owner.store(nullptr, std::memory_order_relaxed);
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
