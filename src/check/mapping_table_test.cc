#include "dmakit/check/mapping_table.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dmakit {
namespace {

// Maps `size` bytes at device address `dma` of `device` (phys = dma) and returns its id; a
// non-zero `domain` makes it a driver-managed domain's mapping (MapApi::kDomain).
uint32_t Add(MappingTable& t, Symbol device, uint64_t dma, uint64_t size, uint64_t seq,
             uint64_t domain = 0) {
  Event e;
  e.kind = EventKind::kDmaMap;
  e.device = device;
  e.api = MapApi::kSingle;
  e.dma = DmaAddr(dma);
  e.phys = PhysAddr(dma);
  e.size = size;
  if (domain != 0) {
    e.api = MapApi::kDomain;
    e.domain = domain;
  }
  Mapping& m = t.Acquire();
  m.device = device;
  m.domain = SpaceOf(e).domain;
  m.api = e.api;
  m.dma = e.dma;
  m.size = size;
  m.seq = seq;
  MappingTable::PiecesOf(e, t.line_size(), &m.pieces, &m.segments);
  return t.Insert(m, Owner::kDevice).id;
}

std::vector<uint32_t> Ids(const absl::InlinedVector<Mapping*, 2>& found) {
  std::vector<uint32_t> ids;
  for (const Mapping* m : found) ids.push_back(m->id);
  return ids;
}

// Two driver-managed domains of one device (a GPU's contexts) may map one address to different
// memory: lookups in one space never find the other's mapping, nor the DMA API's.
// Slots never move: a mapping found before tens of thousands more are made (past several
// growth steps of the slot store) is still the same object, at the same address, after.
TEST(MappingTable, AMappingStaysWhereItIsWhileTheTableGrows) {
  MappingTable t(64);
  const Symbol dev("eth0");
  const uint32_t first = Add(t, dev, 0x1000, 2048, 1);
  const Mapping* before = t.Get(first);
  ASSERT_NE(before, nullptr);
  for (uint64_t i = 1; i <= 40000; ++i) Add(t, dev, 0x1000 + i * 4096, 2048, i + 1);
  EXPECT_EQ(t.size(), 40001u);
  EXPECT_EQ(t.Get(first), before);
  EXPECT_EQ(before->dma, DmaAddr(0x1000));
  EXPECT_EQ(before->seq, 1u);
  EXPECT_EQ(Ids(t.FindExact(dev, DmaAddr(0x1000))), std::vector<uint32_t>{first});
}

TEST(MappingTable, DomainsOfOneDeviceAreSeparateAddressSpaces) {
  MappingTable t(64);
  const Symbol gpu("gpu");
  const uint32_t ctx0 = Add(t, gpu, 0x1000, 0x1000, 1, /*domain=*/3);
  const uint32_t ctx1 = Add(t, gpu, 0x1000, 0x1000, 2, /*domain=*/4);
  const uint32_t dma_api = Add(t, gpu, 0x1000, 0x1000, 3);
  EXPECT_EQ(t.live_in_domains(), 2u);
  EXPECT_EQ(Ids(t.FindExact(DmaSpace(gpu, 3), DmaAddr(0x1000))), std::vector<uint32_t>{ctx0});
  EXPECT_EQ(Ids(t.FindExact(DmaSpace(gpu, 4), DmaAddr(0x1000))), std::vector<uint32_t>{ctx1});
  EXPECT_EQ(Ids(t.FindExact(gpu, DmaAddr(0x1000))), std::vector<uint32_t>{dma_api});
  EXPECT_EQ(t.FindContaining(DmaSpace(gpu, 3), DmaAddr(0x1800))->mapping->id, ctx0);
  EXPECT_EQ(t.FindContaining(DmaSpace(gpu, 4), DmaAddr(0x1800))->mapping->id, ctx1);
  EXPECT_FALSE(t.FindContaining(DmaSpace(gpu, 5), DmaAddr(0x1800)).has_value());
  t.Remove(ctx1);
  EXPECT_EQ(t.live_in_domains(), 1u);
  EXPECT_TRUE(t.FindExact(DmaSpace(gpu, 4), DmaAddr(0x1000)).empty());
  EXPECT_FALSE(t.FindContaining(DmaSpace(gpu, 4), DmaAddr(0x1800)).has_value());
  EXPECT_EQ(t.FindContaining(DmaSpace(gpu, 3), DmaAddr(0x1800))->mapping->id, ctx0);
  EXPECT_EQ(t.Get(ctx0)->space(), DmaSpace(gpu, 3));
}

// Exact and containment lookups remember the last key; every insert and removal of a mapping
// with that key must show in the next lookup, whatever was looked up in between.
TEST(MappingTable, ExactLookupsFollowInsertsAndRemovalsOfTheSameHandle) {
  MappingTable t(64);
  const Symbol dev("eth0"), other("eth1");
  const uint32_t a = Add(t, dev, 0x1000, 0x800, 1);
  EXPECT_EQ(Ids(t.FindExact(dev, DmaAddr(0x1000))), std::vector<uint32_t>{a});
  EXPECT_TRUE(t.FindExact(other, DmaAddr(0x1000)).empty());
  const uint32_t b = Add(t, dev, 0x1000, 0x400, 2);  // same handle: the newest first
  EXPECT_EQ(Ids(t.FindExact(dev, DmaAddr(0x1000))), (std::vector<uint32_t>{b, a}));
  ASSERT_TRUE(t.FindContaining(dev, DmaAddr(0x1000)).has_value());
  EXPECT_EQ(t.FindContaining(dev, DmaAddr(0x1000))->mapping->id, b);
  t.Remove(b);
  EXPECT_EQ(Ids(t.FindExact(dev, DmaAddr(0x1000))), std::vector<uint32_t>{a});
  EXPECT_EQ(t.FindContaining(dev, DmaAddr(0x1000))->mapping->id, a);
  const uint32_t c = Add(t, dev, 0x1000, 0x800, 3);
  EXPECT_EQ(Ids(t.FindExact(dev, DmaAddr(0x1000))), (std::vector<uint32_t>{c, a}));
  t.Remove(a);  // not the newest: the chain loses its tail
  EXPECT_EQ(Ids(t.FindExact(dev, DmaAddr(0x1000))), std::vector<uint32_t>{c});
  t.Remove(c);
  EXPECT_TRUE(t.FindExact(dev, DmaAddr(0x1000)).empty());
  EXPECT_FALSE(t.FindContaining(dev, DmaAddr(0x1000)).has_value());
  const uint32_t d = Add(t, dev, 0x1000, 0x800, 4);
  EXPECT_EQ(t.FindContaining(dev, DmaAddr(0x1000))->mapping->id, d);
  // A handle whose last mapping went, then other handles looked up and mapped in between
  // (many, so the hash table grows and moves its entries): it stays unknown until mapped again.
  t.Remove(d);
  std::vector<uint32_t> others;
  for (uint64_t i = 0; i < 100; ++i) {
    EXPECT_TRUE(t.FindExact(dev, DmaAddr(0x1000)).empty());
    others.push_back(Add(t, other, 0x10'0000 + i * 0x1000, 0x800, 10 + i));
    EXPECT_EQ(Ids(t.FindExact(other, DmaAddr(0x10'0000 + i * 0x1000))),
              std::vector<uint32_t>{others.back()});
  }
  EXPECT_FALSE(t.FindContaining(dev, DmaAddr(0x1000)).has_value());
  const uint32_t e = Add(t, dev, 0x1000, 0x800, 200);
  EXPECT_EQ(Ids(t.FindExact(dev, DmaAddr(0x1000))), std::vector<uint32_t>{e});
  for (uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(Ids(t.FindExact(other, DmaAddr(0x10'0000 + i * 0x1000))),
              std::vector<uint32_t>{others[i]});
  }
  EXPECT_EQ(t.size(), 101u);
}

// Containment lookups go through a per-device index that is remembered for the last device;
// devices added later (the table of devices grows and moves) and a device whose last mapping
// went (its index erased) must not leave it pointing at the wrong index.
TEST(MappingTable, ContainmentLookupsFollowDevicesComingAndGoing) {
  MappingTable t(64);
  std::vector<Symbol> devs;
  std::vector<uint32_t> ids;
  for (int i = 0; i < 50; ++i) {
    devs.push_back(Symbol("dev" + std::to_string(i)));
    ids.push_back(Add(t, devs.back(), 0x1000 * static_cast<uint64_t>(i + 1), 0x800, 1));
    ASSERT_TRUE(t.FindContaining(devs.back(), DmaAddr(0x1000 * (i + 1) + 0x10)).has_value());
  }
  for (int i = 0; i < 50; ++i) {
    auto found = t.FindContaining(devs[i], DmaAddr(0x1000 * static_cast<uint64_t>(i + 1) + 0x10));
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->mapping->id, ids[i]);
    EXPECT_FALSE(t.FindContaining(devs[i], DmaAddr(0x1000 * static_cast<uint64_t>(i + 2) + 0x10))
                     .has_value());
  }
  t.Remove(ids[7]);
  EXPECT_FALSE(t.FindContaining(devs[7], DmaAddr(0x8010)).has_value());
  EXPECT_EQ(t.FindContaining(devs[8], DmaAddr(0x9010))->mapping->id, ids[8]);
  const uint32_t again = Add(t, devs[7], 0x8000, 0x800, 2);
  EXPECT_EQ(t.FindContaining(devs[7], DmaAddr(0x8010))->mapping->id, again);
}

}  // namespace
}  // namespace dmakit
