#include "dmakit/iommu/iova_allocator.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <atomic>
#include <bit>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace dmakit {
namespace {

constexpr uint64_t kPage = kPageSize;
const DmaRange kAperture(DmaAddr(0x100000), 1024 * kPage);

std::unique_ptr<IovaAllocator> Make(DmaRange aperture = kAperture,
                                    std::vector<DmaRange> reserved = {}) {
  auto a = IovaAllocator::Create(aperture, std::move(reserved));
  EXPECT_TRUE(a.ok()) << a.error().ToString();
  return std::move(a).value();
}

// Live ranges with an overlap check, shared by the property and stress tests.
class LiveSet {
 public:
  // False when `r` overlaps a live range.
  bool Insert(DmaRange r) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.upper_bound(r.base.value());
    if (it != live_.end() && it->first < r.end().value()) return false;
    if (it != live_.begin() && std::prev(it)->second > r.base.value()) return false;
    live_.emplace(r.base.value(), r.end().value());
    return true;
  }
  void Erase(DmaRange r) {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(r.base.value());
  }

 private:
  std::mutex mu_;
  std::map<uint64_t, uint64_t> live_;  // base -> end
};

TEST(IovaAllocatorTest, CreateRejectsGranuleThatIsNotAPowerOfTwo) {
  auto a = IovaAllocator::Create(kAperture, {}, 3000);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code(), ErrorCode::kInvalidArgument);
}

TEST(IovaAllocatorTest, CreateRejectsEmptyOrMisalignedAperture) {
  EXPECT_EQ(IovaAllocator::Create(DmaRange(DmaAddr(0), 0)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(IovaAllocator::Create(DmaRange(DmaAddr(0x800), kPage)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      IovaAllocator::Create(DmaRange(DmaAddr(~uint64_t{0} - kPage + 1), kPage)).error().code(),
      ErrorCode::kInvalidArgument);
}

TEST(IovaAllocatorTest, AllocOfZeroBytesIsInvalid) {
  auto a = Make();
  EXPECT_EQ(a->Alloc(0).error().code(), ErrorCode::kInvalidArgument);
}

TEST(IovaAllocatorTest, AllocLargerThanApertureIsOutOfRange) {
  auto a = Make();
  EXPECT_EQ(a->Alloc(kAperture.size + 1).error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(a->Alloc(~uint64_t{0}).error().code(), ErrorCode::kOutOfRange);
}

TEST(IovaAllocatorTest, AllocWithLimitBelowApertureIsOutOfRange) {
  auto a = Make();
  EXPECT_EQ(a->Alloc(kPage, kAperture.base).error().code(), ErrorCode::kOutOfRange);
}

TEST(IovaAllocatorTest, SizeIsRoundedUpToTheGranule) {
  auto a = Make();
  auto r = a->Alloc(1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size, kPage);
  auto big = a->Alloc(40 * kPage + 1);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->size, 41 * kPage);
}

TEST(IovaAllocatorTest, ExhaustionIsAnError) {
  auto a = Make(DmaRange(DmaAddr(0), 16 * kPage));
  std::vector<DmaRange> got;
  for (int i = 0; i < 16; ++i) got.push_back(a->Alloc(kPage).value());
  auto more = a->Alloc(kPage);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.error().code(), ErrorCode::kExhausted);
  ASSERT_TRUE(a->Free(got.back()).ok());
  EXPECT_TRUE(a->Alloc(kPage).ok());
}

TEST(IovaAllocatorTest, CachedRangesDoNotCauseExhaustion) {
  auto a = Make(DmaRange(DmaAddr(0), 64 * kPage));
  std::vector<DmaRange> got;
  for (int i = 0; i < 64; ++i) got.push_back(a->Alloc(kPage).value());
  for (const DmaRange& r : got) ASSERT_TRUE(a->Free(r).ok());
  // Every page now sits in this thread's magazines; a whole-aperture request needs them back.
  auto all = a->Alloc(64 * kPage);
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(*all, DmaRange(DmaAddr(0), 64 * kPage));
}

TEST(IovaAllocatorTest, ThreadExitReturnsItsMagazines) {
  auto a = Make(DmaRange(DmaAddr(0), 64 * kPage));
  std::thread t([&] {
    std::vector<DmaRange> got;
    for (int i = 0; i < 32; ++i) got.push_back(a->Alloc(2 * kPage).value());
    for (const DmaRange& r : got) ASSERT_TRUE(a->Free(r).ok());
  });
  t.join();
  EXPECT_EQ(a->stats().allocated_bytes, 0u);
  EXPECT_EQ(a->stats().free_bytes, 64 * kPage);
  auto all = a->Alloc(64 * kPage);
  EXPECT_TRUE(all.ok());
}

TEST(IovaAllocatorTest, FlushAsksOtherThreadsToReturnTheirMagazines) {
  auto a = Make(DmaRange(DmaAddr(0), 64 * kPage));
  std::mutex mu;
  std::condition_variable cv;
  int phase = 0;
  std::thread t([&] {
    std::vector<DmaRange> got;
    for (int i = 0; i < 64; ++i) got.push_back(a->Alloc(kPage).value());
    for (const DmaRange& r : got) ASSERT_TRUE(a->Free(r).ok());
    std::unique_lock<std::mutex> lock(mu);
    phase = 1;
    cv.notify_all();
    cv.wait(lock, [&] { return phase == 2; });
    // The next call on the allocator honours the flush request.
    auto r = a->Alloc(kPage);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(a->Free(*r).ok());
    phase = 3;
    cv.notify_all();
    cv.wait(lock, [&] { return phase == 4; });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return phase == 1; });
  }
  EXPECT_EQ(a->Alloc(64 * kPage).error().code(), ErrorCode::kExhausted);
  a->Flush();
  {
    std::unique_lock<std::mutex> lock(mu);
    phase = 2;
    cv.notify_all();
    cv.wait(lock, [&] { return phase == 3; });
  }
  // Its last free went back into a fresh magazine; everything else is in the tree.
  EXPECT_EQ(a->Alloc(64 * kPage).error().code(), ErrorCode::kExhausted);
  EXPECT_TRUE(a->Alloc(32 * kPage).ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    phase = 4;
    cv.notify_all();
  }
  t.join();
}

TEST(IovaAllocatorTest, FreeOfUnknownRangeIsNotFoundAndNamesIt) {
  auto a = Make();
  DmaRange never(kAperture.base + 8 * kPage, kPage);
  Status s = a->Free(never);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(s.error().message().find(ToString(never)), std::string::npos) << s.error().message();
  EXPECT_EQ(a->Free(DmaRange(DmaAddr(0x10), kPage)).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(a->Free(DmaRange(kAperture.base, 100 * kPage)).error().code(), ErrorCode::kNotFound);
}

TEST(IovaAllocatorTest, FreeOfEmptyRangeIsInvalid) {
  auto a = Make();
  DmaRange r = a->Alloc(kPage).value();
  EXPECT_EQ(a->Free(DmaRange(r.base, 0)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(a->Free(r).ok());
}

TEST(IovaAllocatorTest, DoubleFreeOfCachedSizeIsNotFound) {
  auto a = Make();
  DmaRange r = a->Alloc(4 * kPage).value();
  ASSERT_TRUE(a->Free(r).ok());
  Status again = a->Free(r);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
  // The range is handed out once more, not twice.
  DmaRange r2 = a->Alloc(4 * kPage).value();
  DmaRange r3 = a->Alloc(4 * kPage).value();
  EXPECT_FALSE(r2.Overlaps(r3));
}

TEST(IovaAllocatorTest, DoubleFreeOfGeneralSizeIsNotFound) {
  auto a = Make();
  DmaRange r = a->Alloc(100 * kPage).value();
  ASSERT_TRUE(a->Free(r).ok());
  EXPECT_EQ(a->Free(r).error().code(), ErrorCode::kNotFound);
}

TEST(IovaAllocatorTest, FreeWithWrongSizeIsRejected) {
  auto a = Make();
  DmaRange small = a->Alloc(2 * kPage).value();
  EXPECT_EQ(a->Free(DmaRange(small.base, kPage)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(a->Free(DmaRange(small.base, 64 * kPage)).error().code(), ErrorCode::kInvalidArgument);
  DmaRange big = a->Alloc(64 * kPage).value();
  EXPECT_EQ(a->Free(DmaRange(big.base, 63 * kPage)).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(a->Free(DmaRange(big.base, 2 * kPage)).error().code(), ErrorCode::kInvalidArgument);
  // Nothing changed: the right frees still work.
  EXPECT_TRUE(a->Free(small).ok());
  EXPECT_TRUE(a->Free(big).ok());
}

TEST(IovaAllocatorTest, PartialOrOverlappingFreeIsRejected) {
  auto a = Make();
  DmaRange big = a->Alloc(64 * kPage).value();
  Status s = a->Free(DmaRange(big.base + kPage, kPage));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message().find(ToString(big)), std::string::npos) << s.error().message();
  EXPECT_EQ(a->Free(DmaRange(big.base - kPage, 2 * kPage)).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(a->Free(big).ok());
}

TEST(IovaAllocatorTest, FreeOfReservedRangeIsNotFound) {
  DmaRange msi(kAperture.base + 16 * kPage, 16 * kPage);
  auto a = Make(kAperture, {msi});
  Status s = a->Free(msi);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(s.error().message().find("reserved"), std::string::npos);
}

TEST(IovaAllocatorTest, ReservedRangesAreNeverHandedOut) {
  DmaRange low(DmaAddr(0), 8 * kPage);  // partly outside the aperture: clipped
  DmaRange mid(kAperture.base + 100 * kPage + 5, 3 * kPage);  // widened to granules
  DmaRange high(kAperture.base + 1000 * kPage, 100 * kPage);
  auto a = Make(kAperture, {low, mid, high});
  uint64_t total = 0;
  for (uint64_t size : {kPage, 32 * kPage, 3 * kPage, 200 * kPage}) {
    for (;;) {
      auto r = a->Alloc(size);
      if (!r.ok()) {
        EXPECT_EQ(r.error().code(), ErrorCode::kExhausted);
        break;
      }
      EXPECT_FALSE(r->Overlaps(mid.AlignOut(kPage))) << ToString(*r);
      EXPECT_FALSE(r->Overlaps(high)) << ToString(*r);
      EXPECT_TRUE(kAperture.Contains(*r));
      total += r->size;
    }
  }
  EXPECT_EQ(total, kAperture.size - 4 * kPage - 24 * kPage);
}

TEST(IovaAllocatorTest, LimitIsRespected) {
  auto a = Make();
  DmaAddr limit = kAperture.base + 64 * kPage - 1;
  for (uint64_t size : {kPage, 8 * kPage, 64 * kPage}) {
    // Prime the magazines with ranges above the limit first.
    DmaRange high = a->Alloc(size).value();
    ASSERT_TRUE(a->Free(high).ok());
    auto r = a->Alloc(size, limit);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_LE(r->last(), limit);
    ASSERT_TRUE(a->Free(*r).ok());
  }
  std::vector<DmaRange> got;
  for (;;) {
    auto r = a->Alloc(4 * kPage, limit);
    if (!r.ok()) break;
    EXPECT_LE(r->last(), limit);
    got.push_back(*r);
  }
  EXPECT_EQ(got.size(), 16u);
}

TEST(IovaAllocatorTest, LimitedAllocationReusesTheRangeFreedLastWhenItFits) {
  auto a = Make();
  const DmaAddr limit = kAperture.base + 64 * kPage - 1;
  DmaRange first = a->Alloc(kPage, limit).value();
  ASSERT_TRUE(a->Free(first).ok());
  const uint64_t hits = a->stats().cache_hits;
  for (int i = 0; i < 10; ++i) {  // a driver mapping and unmapping one buffer
    DmaRange again = a->Alloc(kPage, limit).value();
    EXPECT_EQ(again, first) << "cycle " << i;
    ASSERT_TRUE(a->Free(again).ok());
  }
  EXPECT_EQ(a->stats().cache_hits, hits + 10);
}

TEST(IovaAllocatorTest, LimitedAllocationSkipsACachedRangeAboveTheLimit) {
  auto a = Make();
  const DmaAddr limit = kAperture.base + 64 * kPage - 1;
  // Fill the space below the limit, then take one range above it and free it: it is now the
  // newest range of this thread's magazine.
  std::vector<DmaRange> below;
  for (int i = 0; i < 64; ++i) below.push_back(a->Alloc(kPage).value());
  DmaRange high = a->Alloc(kPage).value();
  ASSERT_GT(high.last(), limit);
  for (const DmaRange& r : below) ASSERT_LE(r.last(), limit);
  ASSERT_TRUE(a->Free(below[10]).ok());  // a hole below the limit, in the tree or cached
  ASSERT_TRUE(a->Free(high).ok());
  DmaRange got = a->Alloc(kPage, limit).value();
  EXPECT_LE(got.last(), limit);
  EXPECT_EQ(got, below[10]);
  // The range above the limit stayed cached for an unlimited caller.
  EXPECT_EQ(a->Alloc(kPage).value(), high);
}

TEST(IovaAllocatorTest, ReserveOutsideApertureIsOutOfRange) {
  auto a = Make();
  EXPECT_EQ(a->Reserve(DmaRange(DmaAddr(0), kPage)).error().code(), ErrorCode::kOutOfRange);
  EXPECT_EQ(a->Reserve(DmaRange(kAperture.last(), 2)).error().code(), ErrorCode::kOutOfRange);
}

TEST(IovaAllocatorTest, ReserveOverlappingAnAllocationIsAlreadyExists) {
  auto a = Make();
  DmaRange r = a->Alloc(64 * kPage).value();
  Status s = a->Reserve(DmaRange(r.base + kPage, kPage));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kAlreadyExists);
}

TEST(IovaAllocatorTest, ReservedSpaceIsNoLongerFree) {
  auto a = Make(DmaRange(DmaAddr(0), 64 * kPage));
  DmaRange cached = a->Alloc(kPage).value();
  ASSERT_TRUE(a->Free(cached).ok());  // sits in a magazine; Reserve flushes it
  ASSERT_TRUE(a->Reserve(DmaRange(DmaAddr(0), 32 * kPage)).ok());
  EXPECT_EQ(a->stats().free_bytes, 32 * kPage);
  auto r = a->Alloc(32 * kPage);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->base, DmaAddr(32 * kPage));
  EXPECT_EQ(a->Alloc(kPage).error().code(), ErrorCode::kExhausted);
}

TEST(IovaAllocatorTest, StatsCountHitsMissesAndCachedRangesAsFree) {
  auto a = Make();
  DmaRange r = a->Alloc(kPage).value();  // miss: magazines start empty
  EXPECT_EQ(a->stats().cache_misses, 1u);
  EXPECT_EQ(a->stats().allocated_bytes, kPage);
  ASSERT_TRUE(a->Free(r).ok());
  EXPECT_EQ(a->stats().allocated_bytes, 0u);
  EXPECT_EQ(a->stats().free_bytes, kAperture.size);
  DmaRange again = a->Alloc(kPage).value();  // hit
  EXPECT_EQ(again, r);
  EXPECT_EQ(a->stats().cache_hits, 1u);
  EXPECT_EQ(a->stats().cache_misses, 1u);
  DmaRange big = a->Alloc(100 * kPage).value();
  EXPECT_EQ(a->stats().allocated_bytes, 101 * kPage);
  ASSERT_TRUE(a->Free(big).ok());
  ASSERT_TRUE(a->Free(again).ok());
  EXPECT_EQ(a->stats().allocated_bytes, 0u);
}

TEST(IovaAllocatorTest, FullMagazinesGoThroughTheDepot) {
  auto a = Make();
  constexpr int kN = 3 * IovaAllocator::kMagazineSize;
  std::vector<DmaRange> got;
  for (int i = 0; i < kN; ++i) got.push_back(a->Alloc(kPage).value());
  for (const DmaRange& r : got) ASSERT_TRUE(a->Free(r).ok());
  EXPECT_GE(a->stats().depot_exchanges, 1u);
  std::thread t([&] {  // another thread's empty magazines refill from the depot
    DmaRange r = a->Alloc(kPage).value();
    EXPECT_TRUE(a->Free(r).ok());
  });
  t.join();
  EXPECT_EQ(a->stats().cache_misses, static_cast<uint64_t>(kN));
  EXPECT_GE(a->stats().depot_exchanges, 2u);
}

TEST(IovaAllocatorTest, AllocatorDestroyedBeforeThreadExitIsSafe) {
  auto a = Make();
  std::mutex mu;
  std::condition_variable cv;
  int phase = 0;
  std::thread t([&] {
    DmaRange r = a->Alloc(kPage).value();
    ASSERT_TRUE(a->Free(r).ok());  // leaves a magazine in this thread
    std::unique_lock<std::mutex> lock(mu);
    phase = 1;
    cv.notify_all();
    cv.wait(lock, [&] { return phase == 2; });
    // A new allocator (possibly at the same address) gets fresh per-thread state.
    auto b = Make();
    DmaRange s = b->Alloc(kPage).value();
    EXPECT_EQ(b->stats().cache_hits, 0u);
    EXPECT_TRUE(b->Free(s).ok());
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return phase == 1; });
  }
  a.reset();
  {
    std::unique_lock<std::mutex> lock(mu);
    phase = 2;
    cv.notify_all();
  }
  t.join();
}

TEST(IovaAllocatorTest, ManyAllocatorsOnOneThread) {
  for (int i = 0; i < 200; ++i) {
    auto a = Make();
    DmaRange r = a->Alloc(kPage * (1 + i % 32)).value();
    ASSERT_TRUE(a->Free(r).ok());
  }
}

// Destroying an allocator leaves its ranges in this thread's cache; a new allocator built in
// the same memory must not hand them out.
TEST(IovaAllocatorTest, NewAllocatorAtTheSameAddressStartsWithAnEmptyCache) {
  const DmaRange other(DmaAddr(0x40000000), 64 * kPage);
  for (int i = 0; i < 20; ++i) {
    auto a = Make();
    ASSERT_TRUE(a->Free(a->Alloc(kPage).value()).ok());  // one range left in the magazine
    a.reset();
    auto b = Make(other);
    DmaRange r = b->Alloc(kPage).value();
    EXPECT_TRUE(other.Contains(r)) << ToString(r);
    EXPECT_EQ(b->stats().cache_hits, 0u);
    EXPECT_EQ(b->stats().cache_misses, 1u);
    ASSERT_TRUE(b->Free(r).ok());
  }
}

// The state map covers the first kStateWindowGranules granules; with no room there, cached
// sizes come from the rest of the aperture and are validated like general allocations.
TEST(IovaAllocatorTest, CachedSizeOutsideTheStateWindowIsValidatedByTheTree) {
  const uint64_t window = IovaAllocator::kStateWindowGranules * kPage;
  const DmaRange aperture(DmaAddr(0), window + 64 * kPage);
  auto a = Make(aperture, {DmaRange(DmaAddr(0), window)});
  DmaRange r = a->Alloc(2 * kPage).value();
  EXPECT_GE(r.base.value(), window);
  EXPECT_EQ(a->stats().allocated_bytes, 2 * kPage);
  EXPECT_EQ(a->Free(DmaRange(r.base, kPage)).error().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(a->Free(r).ok());
  Status twice = a->Free(r);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(twice.error().message().find(Hex(r.base)), std::string::npos)
      << twice.error().message();
  EXPECT_EQ(a->stats().allocated_bytes, 0u);
  EXPECT_EQ(a->stats().free_bytes, 64 * kPage);
}

// Stats read while other threads cycle ranges through their magazines (and the depot) are a
// snapshot that never counts more than the aperture, and are exact once the threads stop.
TEST(IovaAllocatorTest, StatsReadDuringConcurrentUseStayWithinTheAperture) {
  auto a = Make();
  std::atomic<bool> stop{false};
  auto worker = [&](int seed) {
    std::mt19937_64 rng(seed);
    std::vector<DmaRange> mine;
    for (int i = 0; i < 20000; ++i) {
      if (mine.size() < 64 && rng() % 2 == 0) {
        auto r = a->Alloc((1 + rng() % 4) * kPage);
        if (r.ok()) mine.push_back(*r);
      } else if (!mine.empty()) {
        ASSERT_TRUE(a->Free(mine.back()).ok());
        mine.pop_back();
      }
    }
    for (const DmaRange& r : mine) ASSERT_TRUE(a->Free(r).ok());
  };
  std::thread reader([&] {
    while (!stop.load()) {
      IovaAllocator::Stats s = a->stats();
      ASSERT_LE(s.allocated_bytes, kAperture.size);
      ASSERT_LE(s.free_bytes, kAperture.size);
    }
  });
  std::thread t1(worker, 1), t2(worker, 2);
  t1.join();
  t2.join();
  stop.store(true);
  reader.join();
  EXPECT_EQ(a->stats().allocated_bytes, 0u);
  EXPECT_EQ(a->stats().free_bytes, kAperture.size);
}

RC_GTEST_PROP(IovaAllocatorProperty, AllocationsAreSizeAligned, (uint32_t raw_bytes)) {
  auto a = Make(DmaRange(DmaAddr(0x40000000), uint64_t{1} << 32));
  const uint64_t bytes = 1 + raw_bytes % (uint64_t{64} << 20);
  auto filler = a->Alloc(kPage);  // so the next range does not start at a huge alignment
  RC_ASSERT(filler.ok());
  auto r = a->Alloc(bytes);
  RC_ASSERT(r.ok());
  const uint64_t granules = (bytes + kPage - 1) / kPage;
  RC_ASSERT(r->size == granules * kPage);
  RC_ASSERT(r->base.IsAligned(std::bit_ceil(granules) * kPage));
}

// Random alloc/free sequences against a reference set of live ranges.
RC_GTEST_PROP(IovaAllocatorProperty, NeverOverlapsAndStaysInsideApertureMinusReserved, ()) {
  const DmaRange aperture(DmaAddr(0x10000000), 256 * kPage);
  const auto reserved =
      *rc::gen::container<std::vector<uint32_t>>(rc::gen::inRange<uint32_t>(0, 256));
  std::vector<DmaRange> holes;
  for (uint32_t page : reserved) holes.emplace_back(aperture.base + page * kPage, kPage);
  auto a = Make(aperture, holes);
  std::vector<DmaRange> live;
  LiveSet set;
  const int steps = *rc::gen::inRange(1, 300);
  for (int i = 0; i < steps; ++i) {
    const int op = *rc::gen::inRange(0, 10);
    if (op < 6 || live.empty()) {
      const uint64_t pages = *rc::gen::weightedOneOf<uint64_t>(
          {{8, rc::gen::inRange<uint64_t>(1, 33)}, {1, rc::gen::inRange<uint64_t>(33, 80)}});
      const bool limited = *rc::gen::inRange(0, 4) == 0;
      DmaAddr limit = limited ? aperture.base + 128 * kPage - 1 : IovaAllocator::kNoLimit;
      auto r = a->Alloc(pages * kPage, limit);
      if (!r.ok()) {
        RC_ASSERT(r.error().code() == ErrorCode::kExhausted);
        continue;
      }
      RC_ASSERT(aperture.Contains(*r));
      RC_ASSERT(r->last() <= limit);
      for (const DmaRange& h : holes) RC_ASSERT(!r->Overlaps(h));
      RC_ASSERT(set.Insert(*r));
      live.push_back(*r);
    } else {
      const size_t k = *rc::gen::inRange<size_t>(0, live.size());
      DmaRange r = live[k];
      live[k] = live.back();
      live.pop_back();
      RC_ASSERT(a->Free(r).ok());
      set.Erase(r);
      if (op == 9) RC_ASSERT(a->Free(r).error().code() == ErrorCode::kNotFound);
    }
  }
  uint64_t bytes = 0;
  for (const DmaRange& r : live) bytes += r.size;
  RC_ASSERT(a->stats().allocated_bytes == bytes);
}

// Four threads allocate random sizes and free their own ranges and each other's; every range
// handed out is checked against everything live.
TEST(IovaAllocatorStress, ConcurrentThreadsNeverGetOverlappingRanges) {
  const DmaRange aperture(DmaAddr(0x100000000), 4096 * kPage);
  auto a = Make(aperture, {DmaRange(aperture.base + 1000 * kPage, 24 * kPage)});
  LiveSet set;
  std::mutex handoff_mu;
  std::vector<DmaRange> handoff;  // ranges freed by another thread than their allocator's
  std::atomic<int> overlaps{0};
  std::atomic<int> errors{0};
  auto worker = [&](int seed) {
    std::mt19937_64 rng(seed);
    std::vector<DmaRange> mine;
    for (int i = 0; i < 20000; ++i) {
      if (mine.size() < 64 && rng() % 3 != 0) {
        uint64_t pages = rng() % 8 == 0 ? 1 + rng() % 100 : 1 + rng() % 32;
        auto r = a->Alloc(pages * kPage);
        if (!r.ok()) {
          if (r.error().code() != ErrorCode::kExhausted) ++errors;
          continue;
        }
        if (!set.Insert(*r)) ++overlaps;
        if (!aperture.Contains(*r)) ++overlaps;
        mine.push_back(*r);
      } else if (!mine.empty()) {
        DmaRange r = mine.back();
        mine.pop_back();
        if (rng() % 4 == 0) {
          std::lock_guard<std::mutex> lock(handoff_mu);
          handoff.push_back(r);
          continue;
        }
        set.Erase(r);
        if (!a->Free(r).ok()) ++errors;
      }
      DmaRange theirs;
      {
        std::lock_guard<std::mutex> lock(handoff_mu);
        if (handoff.empty()) continue;
        theirs = handoff.back();
        handoff.pop_back();
      }
      set.Erase(theirs);
      if (!a->Free(theirs).ok()) ++errors;
    }
    for (const DmaRange& r : mine) {
      set.Erase(r);
      if (!a->Free(r).ok()) ++errors;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker, 1234 + t);
  for (std::thread& t : threads) t.join();
  for (const DmaRange& r : handoff) ASSERT_TRUE(a->Free(r).ok());
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(a->stats().allocated_bytes, 0u);
  EXPECT_EQ(a->stats().free_bytes, aperture.size - 24 * kPage);
}

}  // namespace
}  // namespace dmakit
