#include "dmakit/core/event.h"

#include <gtest/gtest.h>

#include "dmakit/core/event_sink.h"

namespace dmakit {
namespace {

TEST(EventKind, NamesRoundTripForEveryKind) {
  for (int i = 0; i < kEventKindCount; ++i) {
    auto kind = static_cast<EventKind>(i);
    std::string_view name = ToString(kind);
    ASSERT_FALSE(name.empty()) << i;
    EXPECT_EQ(ParseEventKind(name), kind) << name;
  }
  EXPECT_EQ(ParseEventKind("dma_frobnicate"), std::nullopt);
}

TEST(MapApi, NamesRoundTrip) {
  for (auto api : {MapApi::kNone, MapApi::kSingle, MapApi::kPage, MapApi::kSg, MapApi::kResource,
                   MapApi::kCoherent, MapApi::kNoncoherent, MapApi::kPages, MapApi::kDomain}) {
    EXPECT_EQ(ParseMapApi(ToString(api)), api);
  }
}

TEST(Event, EqualityCoversEveryField) {
  Event a;
  a.kind = EventKind::kDmaMap;
  a.device = Symbol("eth0");
  a.dma = DmaAddr(0x1000);
  a.sg.push_back(SgSegment{PhysAddr(0x8000'0000), 64, DmaAddr(0x1000), 64});
  Event b = a;
  EXPECT_EQ(a, b);
  b.sg[0].dma_length = 65;
  EXPECT_FALSE(a == b);
  b = a;
  b.where = SourceLoc::Interned("x.cc", 1);
  EXPECT_FALSE(a == b);
  b = a;
  b.seg_boundary = 0xffff;
  EXPECT_FALSE(a == b);
  b = a;
  b.line_size = 128;
  EXPECT_FALSE(a == b);
  b = a;
  b.ways = 8;
  EXPECT_FALSE(a == b);
}

TEST(Event, ToStringShowsTheCacheGeometry) {
  Event e;
  e.kind = EventKind::kCpuCache;
  e.seq = 1;
  e.size = 65536;
  e.line_size = 128;
  e.ways = 4;
  e.text = Symbol("lru");
  EXPECT_EQ(ToString(e), "#1 cpu_cache size=65536 line_size=128 ways=4 \"lru\"");
}

TEST(Event, ToStringShowsTheFieldsThatMatter) {
  Event e;
  e.kind = EventKind::kDmaUnmap;
  e.seq = 12;
  e.device = Symbol("eth0");
  e.api = MapApi::kSingle;
  e.dir = DmaDirection::kFromDevice;
  e.dma = DmaAddr(0xfff0'0000);
  e.size = 4096;
  EXPECT_EQ(ToString(e),
            "#12 dma_unmap dev=eth0 api=single dir=FROM_DEVICE dma=0xfff00000 size=4096");
}

class CountingSink : public EventSink {
 public:
  void OnEvent(const Event& e) override { seqs.push_back(e.seq); }
  void OnEnd() override { ended = true; }
  std::vector<uint64_t> seqs;
  bool ended = false;
};

TEST(EventBus, NumbersEventsAndFansOut) {
  EventBus bus;
  CountingSink a, b;
  bus.Subscribe(&a);
  bus.Subscribe(&b);
  bus.Subscribe(&a);  // no double delivery
  Event e;
  bus.Emit(e);
  bus.Emit(Event{});
  EXPECT_EQ(e.seq, 1u);
  EXPECT_EQ(a.seqs, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(b.seqs, (std::vector<uint64_t>{1, 2}));
  bus.Unsubscribe(&b);
  bus.Emit(Event{});
  EXPECT_EQ(b.seqs.size(), 2u);
  bus.OnEnd();
  EXPECT_TRUE(a.ended);
  EXPECT_FALSE(b.ended);
}

TEST(EventBus, ForwardingKeepsSequenceNumbers) {
  EventBus inner;
  EventLog log;
  inner.Subscribe(&log);
  Event e;
  e.seq = 40;
  inner.OnEvent(e);
  EXPECT_EQ(log.events().back().seq, 40u);
  EXPECT_EQ(inner.next_seq(), 41u);
}

TEST(EventLog, FiltersByKind) {
  EventLog log;
  Event a;
  a.kind = EventKind::kCpuAccess;
  Event b;
  b.kind = EventKind::kCorruption;
  log.OnEvent(a);
  log.OnEvent(b);
  log.OnEvent(a);
  EXPECT_EQ(log.Count(EventKind::kCpuAccess), 2u);
  EXPECT_EQ(log.OfKind(EventKind::kCorruption).size(), 1u);
}

}  // namespace
}  // namespace dmakit
