// Runs a random_program.h Program on the simulator with the checker (see program_runner.h).
#include "check/testing/program_runner.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "dmakit/dma/dma_device.h"
#include "dmakit/dma/dma_system.h"
#include "dmakit/dma/sg_table.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"

namespace dmakit::testing {

std::vector<std::string> ProgramRun::Unexplained(bool bounce) const {
  std::vector<std::string> out;
  for (const Event& c : log.corruptions) {
    PhysRange lines = c.phys_range().AlignOut(kProgLine);
    for (PhysAddr l = lines.base; l < lines.end(); l += kProgLine) {
      if (checker.HadViolationOnLine(l, c.seq)) continue;
      if (bounce && BufferLineExplained(l, c.seq)) continue;
      out.push_back(fmt::format("corruption #{} at line {} (reader {}, writer {} #{})", c.seq,
                                Hex(l), c.device.view(), c.writer.view(), c.writer_seq));
    }
  }
  return out;
}

bool ProgramRun::BufferLineExplained(PhysAddr line, uint64_t seq) const {
  for (const Event& m : log.maps) {
    if (m.seq >= seq) break;
    auto try_piece = [&](DmaAddr dma, PhysAddr phys, uint64_t size) {
      PhysRange slot = PhysRange(PhysAddr(dma.value()), size).AlignOut(kProgLine);
      if (!slot.Contains(line)) return false;
      // Slots are slot-aligned, buffers line-aligned: line offsets correspond.
      PhysAddr buffer_line = phys.AlignDown(kProgLine) + (line - slot.base);
      return checker.HadViolationOnLine(buffer_line, seq);
    };
    if (m.sg.empty()) {
      if (try_piece(m.dma, m.phys, m.size)) return true;
    } else {
      for (const SgSegment& s : m.sg) {
        if (s.dma_length != 0 && try_piece(s.dma, s.phys, s.length)) return true;
      }
    }
  }
  return false;
}

std::unique_ptr<ProgramRun> RunProgram(const Program& p, EventSink* extra) {
  auto run = std::make_unique<ProgramRun>();
  auto error = [&](std::string what) {
    ++run->api_errors;
    run->api_error_messages.push_back(std::move(what));
  };
  SocConfig sc;
  sc.banks = {{"dram0", PhysAddr(0x8000'0000), 32ull << 20}};
  sc.cache.size = uint64_t{p.platform.cache_kib} * 1024;
  sc.cache.ways = p.platform.ways;
  sc.cache.line_size = kProgLine;
  sc.cache.policy = p.platform.policy;
  sc.seed = p.platform.seed;
  auto soc = std::move(Soc::Create(sc).value());
  soc->bus().Subscribe(&run->checker);
  soc->bus().Subscribe(&run->log);
  if (extra != nullptr) soc->bus().Subscribe(extra);
  soc->AnnouncePlatform();
  Topology topology;
  DeviceNode node;
  node.name = "dev";
  node.coherent = p.platform.coherent;
  node.dma_mask = ~uint64_t{0};
  node.max_seg_size = 64 * 1024;
  if (p.platform.backend == DmaBackendKind::kIommu) node.iommu = IommuAttachment{"smmu0", 7};
  EXPECT_TRUE(topology.AddNode(node).ok());
  IommuConfig ic;
  ic.policy = p.platform.lazy_flush ? FlushPolicy::kLazy : FlushPolicy::kStrict;
  ic.flush_queue_size = 4;
  auto iommu = std::move(Iommu::Create(*soc, ic).value());
  DmaSystemConfig dc;
  dc.bounce.size = 1 << 20;
  dc.bounce.force_bounce = p.platform.backend == DmaBackendKind::kBounce;
  auto system = std::move(DmaSystem::Create(*soc, topology, dc).value());
  EXPECT_TRUE(system->AddIommu(*iommu).ok());
  system->Announce();
  DmaDevice* dev = system->Probe("dev").value();

  struct Buf {
    std::vector<PhysAddr> chunk_phys;
    DmaAddr handle;                  // single/page
    SgTable sg;                      // sg
    std::vector<DmaAddr> chunk_dma;  // last known device address of each chunk
    bool have_handle = false;
  };
  std::vector<Buf> bufs(p.buffers.size());
  for (size_t i = 0; i < p.buffers.size(); ++i) {
    for (const Chunk& c : p.buffers[i].chunks) {
      uint64_t pages = (c.offset + c.length + kPageSize - 1) / kPageSize;
      bufs[i].chunk_phys.push_back(soc->pages().AllocContiguous(pages).value() + c.offset);
    }
    bufs[i].chunk_dma.resize(p.buffers[i].chunks.size());
  }
  const uint64_t thrash_bytes = uint64_t{p.platform.cache_kib} * 2048;
  const PhysAddr thrash = soc->pages().AllocContiguous(thrash_bytes / kPageSize + 1).value();
  const bool iommu_backend = dev->backend() == DmaBackendKind::kIommu;

  auto chunk_bytes = [&](const Op& op, uint64_t* off, uint64_t* len) {
    *off = uint64_t{op.first_line} * kProgLine;
    *len = uint64_t{op.lines} * kProgLine;
  };
  for (const Op& op : p.ops) {
    if (op.kind == OpKind::kThrash) {
      std::vector<uint8_t> data(thrash_bytes, op.pattern);
      Status s = (op.pattern & 1) ? soc->CpuWrite(soc->LinearAddress(thrash), data)
                                  : soc->CpuRead(soc->LinearAddress(thrash), data);
      if (!s.ok()) error("thrash: " + s.error().ToString());
      continue;
    }
    const BufferSpec& spec = p.buffers[op.buf];
    Buf& b = bufs[op.buf];
    const DmaDirection dir = spec.dir;
    uint64_t off = 0, len = 0;
    chunk_bytes(op, &off, &len);
    const PhysAddr at = b.chunk_phys[op.chunk] + off;
    Status s = Ok();
    switch (op.kind) {
      case OpKind::kCpuWrite: {
        std::vector<uint8_t> data(len);
        for (uint64_t i = 0; i < len; ++i) data[i] = static_cast<uint8_t>(op.pattern + i);
        s = soc->CpuWrite(soc->LinearAddress(at), data);
        break;
      }
      case OpKind::kCpuRead: {
        std::vector<uint8_t> data(len);
        s = soc->CpuRead(soc->LinearAddress(at), data);
        break;
      }
      case OpKind::kMap: {
        const Chunk& c0 = spec.chunks[0];
        if (spec.kind == MapKind::kSg) {
          b.sg = SgTable();
          for (size_t i = 0; i < spec.chunks.size(); ++i) {
            const Chunk& c = spec.chunks[i];
            b.sg.Append(b.chunk_phys[i].AlignDown(kPageSize), c.offset, c.length);
          }
          if (dev->MapSg(b.sg, dir) == 0) {
            error("map_sg: " + dev->last_error().ToString());
            break;
          }
          // Chunk device addresses: behind an IOMMU the entries' page-aligned spans lie back
          // to back in one IOVA range (DmaDevice::MapSg); elsewhere one segment per entry.
          uint64_t iova = b.sg.dma()[0].address.value() - spec.chunks[0].offset;
          for (size_t i = 0; i < spec.chunks.size(); ++i) {
            const Chunk& c = spec.chunks[i];
            if (iommu_backend) {
              b.chunk_dma[i] = DmaAddr(iova + c.offset);
              iova += (c.offset + c.length + kPageSize - 1) & ~(kPageSize - 1);
            } else {
              b.chunk_dma[i] = b.sg.dma()[i].address;
            }
          }
        } else {
          DmaAddr h =
              spec.kind == MapKind::kSingle
                  ? dev->MapSingle(soc->LinearAddress(b.chunk_phys[0]), c0.length, dir)
                  : dev->MapPage(b.chunk_phys[0].AlignDown(kPageSize), c0.offset, c0.length, dir);
          bool failed = op.check_error ? dev->MappingError(h) : h == kDmaMappingError;
          if (failed) {
            error("map: " + dev->last_error().ToString());
            break;
          }
          b.handle = h;
          b.chunk_dma[0] = h;
        }
        b.have_handle = true;
        break;
      }
      case OpKind::kSyncForCpu:
      case OpKind::kSyncForDevice: {
        const bool to_cpu = op.kind == OpKind::kSyncForCpu;
        if (!b.have_handle) break;
        if (spec.kind == MapKind::kSg) {
          s = to_cpu ? dev->SyncSgForCpu(b.sg, b.sg.orig_nents(), dir)
                     : dev->SyncSgForDevice(b.sg, b.sg.orig_nents(), dir);
        } else {
          DmaAddr d = op.whole ? b.handle : b.handle + off;
          uint64_t n = op.whole ? spec.chunks[0].length : len;
          s = to_cpu ? dev->SyncSingleForCpu(d, n, dir) : dev->SyncSingleForDevice(d, n, dir);
        }
        break;
      }
      case OpKind::kDevRead:
      case OpKind::kDevWrite: {
        if (!b.have_handle) break;
        const DmaAddr d = b.chunk_dma[op.chunk] + off;
        std::vector<uint8_t> data(len);
        if (op.kind == OpKind::kDevRead) {
          s = dev->DeviceRead(d, data);
        } else {
          for (uint64_t i = 0; i < len; ++i) data[i] = static_cast<uint8_t>(op.pattern ^ i);
          s = dev->DeviceWrite(d, data);
        }
        break;
      }
      case OpKind::kUnmap: {
        if (!b.have_handle) break;
        if (spec.kind == MapKind::kSg) {
          s = dev->UnmapSg(b.sg, b.sg.orig_nents(), dir);
        } else {
          s = spec.kind == MapKind::kSingle ? dev->UnmapSingle(b.handle, spec.chunks[0].length, dir)
                                            : dev->UnmapPage(b.handle, spec.chunks[0].length, dir);
        }
        break;
      }
      case OpKind::kThrash:
        break;
    }
    if (!s.ok()) error(ToString(op) + ": " + s.error().ToString());
  }
  soc->bus().OnEnd();
  soc->bus().Unsubscribe(&run->checker);
  soc->bus().Unsubscribe(&run->log);
  if (extra != nullptr) soc->bus().Unsubscribe(extra);
  return run;
}

}  // namespace dmakit::testing
