// Rules on CPU and device accesses (DMA101-DMA104) and on freeing pages (DMA112): the rules
// dma-debug cannot check because it never sees an access.
#include <absl/container/inlined_vector.h>
#include <fmt/format.h>

#include "dmakit/check/checker.h"

namespace dmakit {
namespace {

// Appends a line-aligned range, merging it with the previous one when adjacent.
void AddLine(std::vector<PhysRange>& lines, PhysAddr line, uint64_t line_size) {
  if (!lines.empty() && lines.back().end() >= line) {
    if (lines.back().end() == line) lines.back().size += line_size;
    return;
  }
  lines.push_back(PhysRange(line, line_size));
}

struct Hit {
  Mapping* mapping = nullptr;
  std::vector<PhysRange> lines;
};

}  // namespace

void Checker::OnCpuAccess(const Event& e) {
  const PhysRange range = e.phys_range();
  if (range.empty()) return;
  if (e.mem_attr == MemAttr::kCached) maybe_cached_.Add(range);
  const uint64_t ls = options_.line_size;
  Hit touched;  // DMA101: bytes of a device-owned mapping
  // DMA104: other bytes of a device-owned line of a non-coherent mapping the device writes
  // (a TO_DEVICE mapping's bytes in memory stay what the CPU cleaned: sharing is harmless).
  Hit sharing;
  const PhysRange access_lines = range.AlignOut(ls);
  mappings_.ForEachOnPhys(access_lines, [&](Mapping& m, const MappingPiece& p) {
    PhysRange common = access_lines.Intersect(p.phys_range().AlignOut(ls));
    for (PhysAddr l = common.base; l < common.end(); l += ls) {
      const Owner owner = m.lines.Get(mappings_.LineIndex(p, l));
      if (owner == Owner::kCpu) {
        if (e.access == Access::kWrite && e.mem_attr == MemAttr::kCached && DeviceWrites(m.dir) &&
            range.Overlaps(p.phys_range().Intersect(PhysRange(l, ls)))) {
          cpu_written_.Add(PhysRange(l, ls));
        }
        continue;
      }
      if (owner != Owner::kDevice) continue;
      PhysRange line(l, ls);
      PhysRange mine = p.phys_range().Intersect(line);
      if (range.Intersect(line).Overlaps(mine)) {
        if (touched.mapping == nullptr) touched.mapping = &m;
        AddLine(touched.lines, l, ls);
      } else if (!m.coherent_device && DeviceWrites(m.dir)) {
        if (sharing.mapping == nullptr) sharing.mapping = &m;
        AddLine(sharing.lines, l, ls);
      }
    }
    return true;
  });
  auto report = [&](RuleId rule, Hit& hit, std::string_view what) {
    if (hit.mapping == nullptr || !Enabled(rule)) return;
    const Mapping& m = *hit.mapping;
    Violation v =
        Make(rule, e, &m,
             fmt::format("CPU {} {} [phys address={}] [size={} bytes] [cacheline={}] "
                         "[device={}] [device address={}] [mapped with {}]",
                         ToString(e.access), what, Hex(e.phys), e.size, Hex(hit.lines.front().base),
                         m.device.view(), Hex(m.dma), ToString(m.dir)));
    v.device = m.device;
    v.dma = m.dma;
    v.lines = std::move(hit.lines);
    Report(std::move(v));
  };
  report(RuleId::kCpuAccessDeviceOwned, touched, "of DMA memory owned by the device");
  report(RuleId::kCacheLineSharing, sharing,
         "of data sharing a cache line with a device-owned mapping of a non-coherent device");
}

void Checker::OnDeviceAccess(const Event& e) {
  CheckStaleTranslation(e);
  const PhysRange range = e.phys_range();
  if (range.empty()) return;
  const bool write = e.access == Access::kWrite;
  Hit unmapped, cpu_owned, to_device;
  // A device that reaches memory through an address one of its own mappings gave it is judged
  // by that mapping, whatever physical memory the address leads to: for a bounce mapping the
  // bus address is the slot, and the lines whose ownership matter are the driver's buffer.
  if (JudgeByOwnMapping(e, write, cpu_owned.lines, to_device.lines, &cpu_owned.mapping,
                        &to_device.mapping)) {
    if (to_device.lines.empty()) to_device.mapping = nullptr;
    if (cpu_owned.lines.empty()) cpu_owned.mapping = nullptr;
  } else {
    JudgeByPhys(range, write, unmapped.lines, cpu_owned.lines, to_device.lines, &cpu_owned.mapping,
                &to_device.mapping);
  }
  auto report = [&](RuleId rule, Hit& hit, std::string_view what) {
    if (hit.lines.empty() || !Enabled(rule)) return;
    std::string msg = fmt::format(
        "device {} {} [device address={}] [phys address={}] [size={} "
        "bytes] [cacheline={}]",
        ToString(e.access), what, Hex(e.dma), Hex(e.phys), e.size, Hex(hit.lines.front().base));
    if (hit.mapping != nullptr) {
      msg += fmt::format(" [mapping device address={}] [mapped with {}]", Hex(hit.mapping->dma),
                         ToString(hit.mapping->dir));
    }
    Violation v = Make(rule, e, hit.mapping, std::move(msg));
    v.lines = std::move(hit.lines);
    Report(std::move(v));
  };
  report(RuleId::kDeviceWriteToDevice, to_device, "of a TO_DEVICE mapping");
  report(RuleId::kDeviceAccessNotOwned, cpu_owned, "of DMA memory owned by the CPU");
  report(RuleId::kDeviceAccessNotOwned, unmapped, "of memory that is not mapped for DMA");
}

bool Checker::JudgeByOwnMapping(const Event& e, bool write, std::vector<PhysRange>& cpu_owned,
                                std::vector<PhysRange>& to_device, Mapping** cpu_mapping,
                                Mapping** ro_mapping) {
  // The access went through the domain that translated it: a driver-managed domain's mapping
  // at that address if there is one, else the DMA API's. Platforms whose drivers manage no
  // domain skip the first lookup.
  auto found = e.domain != 0 && mappings_.live_in_domains() != 0
                   ? mappings_.FindContaining(DmaSpace(e.device, e.domain), e.dma)
                   : std::nullopt;
  if (!found) found = mappings_.FindContaining(e.device, e.dma);
  if (!found || e.dma + e.size > found->segment.end() || !found->mapping->has_lines()) {
    return false;
  }
  Mapping& m = *found->mapping;
  const uint64_t ls = options_.line_size;
  const DmaRange access = e.dma_range();
  uint64_t covered = 0;
  for (const MappingPiece& p : m.pieces) {
    const DmaRange part = p.dma_range().Intersect(access);
    if (part.empty()) continue;
    covered += part.size;
    const PhysRange lines = PhysRange(p.phys + (part.base - p.dma), part.size).AlignOut(ls);
    for (PhysAddr l = lines.base; l < lines.end(); l += ls) {
      const Owner o = m.lines.Get(mappings_.LineIndex(p, l));
      if (o == Owner::kShared || (o == Owner::kDevice && (!write || DeviceWrites(m.dir)))) {
        continue;
      }
      AddLine(o == Owner::kDevice ? to_device : cpu_owned, l, ls);
    }
  }
  if (covered != e.size) {  // bytes between pieces: judge the whole access by memory
    cpu_owned.clear();
    to_device.clear();
    return false;
  }
  *cpu_mapping = &m;
  *ro_mapping = &m;
  return true;
}

void Checker::JudgeByPhys(PhysRange range, bool write, std::vector<PhysRange>& unmapped,
                          std::vector<PhysRange>& cpu_owned, std::vector<PhysRange>& to_device,
                          Mapping** cpu_mapping, Mapping** ro_mapping) {
  const uint64_t ls = options_.line_size;
  absl::InlinedVector<std::pair<Mapping*, const MappingPiece*>, 4> near;
  mappings_.ForEachOnPhys(range, [&](Mapping& m, const MappingPiece& p) {
    near.emplace_back(&m, &p);
    return true;
  });
  const PhysRange lines = range.AlignOut(ls);
  for (PhysAddr l = lines.base; l < lines.end(); l += ls) {
    PhysRange chunk = range.Intersect(PhysRange(l, ls));
    bool ok = false;
    Mapping* cpu = nullptr;
    Mapping* ro = nullptr;
    for (auto [m, p] : near) {
      if (!p->phys_range().Overlaps(chunk)) continue;
      Owner o = m->lines.Get(mappings_.LineIndex(*p, l));
      if (o == Owner::kShared || (o == Owner::kDevice && (!write || DeviceWrites(m->dir)))) {
        ok = true;
        break;
      }
      if (o == Owner::kDevice) ro = m;
      if (o == Owner::kCpu && cpu == nullptr) cpu = m;
    }
    if (ok) continue;
    if (ro != nullptr) {
      if (*ro_mapping == nullptr) *ro_mapping = ro;
      AddLine(to_device, l, ls);
    } else if (cpu != nullptr) {
      if (*cpu_mapping == nullptr) *cpu_mapping = cpu;
      AddLine(cpu_owned, l, ls);
    } else {
      AddLine(unmapped, l, ls);
    }
  }
}

void Checker::OnPageFree(const Event& e) {
  const PhysRange range = e.phys_range();
  if (range.empty() || !Enabled(RuleId::kPageFreedWhileMapped)) return;
  const uint64_t ls = options_.line_size;
  Mapping* hit = nullptr;
  PhysRange lines;
  // Page-level filters first: most freed pages (page-table pages) were never mapped.
  if (mappings_.MayHavePhys(range)) {
    mappings_.ForEachOnPhys(range, [&](Mapping& m, const MappingPiece& p) {
      hit = &m;
      lines = range.Intersect(p.phys_range()).AlignOut(ls);
      return false;
    });
  }
  if (hit != nullptr) {
    Violation v =
        Make(RuleId::kPageFreedWhileMapped, e, hit,
             fmt::format("pages freed while mapped for DMA [phys address={}] [size={} bytes] "
                         "[device={}] [device address={}] [mapped as {}] [owner={}]",
                         Hex(e.phys), e.size, hit->device.view(), Hex(hit->dma), ToString(hit->api),
                         ToString(hit->lines.Get(0))));
    v.device = hit->device;
    v.lines = {lines};
    Report(std::move(v));
    return;
  }
  if (!iommu_.MayHavePhys(range.base.value(), range.end().value())) return;
  std::optional<std::pair<uint64_t, IommuState::Translation>> t;
  iommu_.ForEachOnPhys(range.base.value(), range.end().value(),
                       [&](uint64_t domain, const IommuState::Translation& tr) {
                         t.emplace(domain, tr);
                         return false;
                       });
  if (!t) return;
  const auto& [domain, tr] = *t;
  PhysRange mapped(PhysAddr(tr.phys), tr.end - tr.iova);
  Violation v = Make(RuleId::kPageFreedWhileMapped, e, nullptr,
                     fmt::format("pages freed while mapped by an IOMMU [phys address={}] [size={} "
                                 "bytes] [domain={}] [iova={}] [mapped size={} bytes]",
                                 Hex(e.phys), e.size, domain, Hex(tr.iova), tr.end - tr.iova));
  v.device = tr.device;
  v.mapping_where = tr.where;
  v.mapping_seq = tr.seq;
  v.lines = {range.Intersect(mapped).AlignOut(ls)};
  Report(std::move(v));
}

}  // namespace dmakit
