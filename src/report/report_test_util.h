// A hand-built RunRecord for the writers' tests: a FROM_DEVICE receive buffer of 256 bytes
// (four lines) mapped for "eth0", which the CPU reads while the device owns it (DMA101), and
// whose first line then reads back corrupted; plus a second, passing run.
#pragma once

#include <string>
#include <vector>

#include "dmakit/report/run_record.h"

namespace dmakit::testing {

inline constexpr uint64_t kBufPhys = 0x8000'1000;
inline constexpr uint64_t kBufSize = 256;

inline Event MakeEvent(EventKind kind, uint64_t seq, std::string_view device) {
  Event e;
  e.kind = kind;
  e.seq = seq;
  e.device = Symbol(device);
  return e;
}

inline RunRecord FailingRun(std::string_view device = "eth0") {
  RunRecord r;
  r.name = "rx-missing-sync";
  r.description = "the driver reads a receive buffer before dma_sync_single_for_cpu";
  r.source = "examples/rx-missing-sync.yaml";
  r.seed = 42;
  const SourceLoc map_site = SourceLoc::Interned("drv.c", 10);
  const SourceLoc read_site = SourceLoc::Interned("drv.c", 14);

  Event map = MakeEvent(EventKind::kDmaMap, 2, device);
  map.api = MapApi::kSingle;
  map.dir = DmaDirection::kFromDevice;
  map.dma = DmaAddr(kBufPhys);
  map.phys = PhysAddr(kBufPhys);
  map.size = kBufSize;
  map.where = map_site;
  Event cpu = MakeEvent(EventKind::kCpuAccess, 3, "cpu");
  cpu.access = Access::kRead;
  cpu.phys = PhysAddr(kBufPhys + 64);
  cpu.size = 64;
  Event dev = MakeEvent(EventKind::kDeviceAccess, 4, device);
  dev.access = Access::kWrite;
  dev.dma = DmaAddr(kBufPhys);
  dev.phys = PhysAddr(kBufPhys);
  dev.size = kBufSize;
  Event sync = MakeEvent(EventKind::kDmaSyncForCpu, 5, device);
  sync.api = MapApi::kSingle;
  sync.dir = DmaDirection::kFromDevice;
  sync.dma = DmaAddr(kBufPhys + 128);  // a partial sync: the last two lines only
  sync.size = 128;
  Event corrupt = MakeEvent(EventKind::kCorruption, 6, "cpu");
  corrupt.phys = PhysAddr(kBufPhys);
  corrupt.size = 4;
  corrupt.expected = {0xaa, 0xbb, 0xcc, 0xdd};
  corrupt.observed = {0x00, 0x11, 0x22, 0x33};
  corrupt.writer = Symbol(device);
  corrupt.writer_seq = 4;
  Event unmap = MakeEvent(EventKind::kDmaUnmap, 7, device);
  unmap.api = MapApi::kSingle;
  unmap.dir = DmaDirection::kFromDevice;
  unmap.dma = DmaAddr(kBufPhys);
  unmap.size = kBufSize;
  r.events = {MakeEvent(EventKind::kNote, 1, ""), map, cpu, dev, sync, corrupt, unmap};

  Violation v;
  v.rule = RuleId::kCpuAccessDeviceOwned;
  v.seq = 3;
  v.device = Symbol(device);
  v.message = "CPU read of device-owned memory [phys=0x80001040] [size=64 bytes]";
  v.phys = PhysAddr(kBufPhys + 64);
  v.size = 64;
  v.dir = DmaDirection::kFromDevice;
  v.mapping_dir = DmaDirection::kFromDevice;
  v.where = read_site;
  v.mapping_where = map_site;
  v.mapping_seq = 2;
  v.lines = {PhysRange(PhysAddr(kBufPhys + 64), 64)};
  OwnershipTransition t;
  t.seq = 2;
  t.kind = EventKind::kDmaMap;
  t.device = Symbol(device);
  t.dir = DmaDirection::kFromDevice;
  t.owner_after = Owner::kDevice;
  t.dma = DmaRange(DmaAddr(kBufPhys), kBufSize);
  t.where = map_site;
  v.history = {t};
  r.violations = {v};
  r.rule_counts = {{RuleId::kCpuAccessDeviceOwned, 1}};
  r.corruptions = {corrupt};
  r.expectations = {{"no corruption", false, "1 corruption at 0x80001000", {}},
                    {"violation DMA101", true, "", {}}};
  r.counters = {{"cache.hits", 17}, {"cache.misses", 3}};
  return r;
}

inline RunRecord PassingRun() {
  RunRecord r;
  r.name = "rx-correct";
  r.seed = 7;
  r.expectations = {{"no corruption", true, "", {}}};
  return r;
}

}  // namespace dmakit::testing
