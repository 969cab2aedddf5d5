// The `dma` tracepoints (include/trace/events/dma.h, Linux 6.12 and later). Every event
// starts with the device name, then key=value fields.
#include <fmt/format.h>

#include "trace/ftrace_decoder.h"

namespace dmakit::trace_internal {
namespace {

constexpr uint64_t kDmaMappingError = ~uint64_t{0};

// "nents=3/3" (traced/full, newer kernels): the full count after the '/'.
bool FullCount(const FtraceFields& f, std::string_view key, uint64_t fallback, uint32_t* out) {
  const std::string_view* v = f.Get(key);
  uint64_t n = fallback;
  if (v != nullptr) {
    const size_t slash = v->find('/');
    if (slash == std::string_view::npos || !ParseNumber(v->substr(slash + 1), &n)) return false;
  }
  if (n > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(n);
  return true;
}

}  // namespace

bool FtraceDecoder::MapSingle(Event& e, MapApi api) {
  uint64_t dma = 0, phys = 0;
  bool mmio = false;
  if (!Device(e) || !Dir(e) || !Hex("dma_addr", &dma) || !Number("size", &e.size) ||
      !Hex("phys_addr", &phys) || !Attrs(e, &mmio)) {
    return false;
  }
  e.api = mmio ? MapApi::kResource : api;  // dma_map_phys carries MMIO where map_resource was
  e.dma = DmaAddr(dma);
  e.phys = PhysAddr(phys);
  e.failed = dma == kDmaMappingError;
  return true;
}

bool FtraceDecoder::UnmapSingle(Event& e, MapApi api) {
  uint64_t dma = 0;
  bool mmio = false;
  if (!Device(e) || !Dir(e) || !Hex("dma_addr", &dma) || !Number("size", &e.size) ||
      !Attrs(e, &mmio)) {
    return false;
  }
  e.api = mmio ? MapApi::kResource : api;
  e.dma = DmaAddr(dma);
  return true;
}

bool FtraceDecoder::MapSg(Event& e) {
  if (!Device(e) || !Dir(e) || !Array("dma_addrs", true, &dma_) ||
      !Array("sizes", false, &lengths_) || !Array("phys_addrs", true, &phys_) || !Attrs(e)) {
    return false;
  }
  if (lengths_.size() != dma_.size()) {
    return Fail(fmt::format("sizes has {} entries, dma_addrs {}", lengths_.size(), dma_.size()));
  }
  if (!FullCount(fields_, "nents", phys_.size(), &e.nents)) return Fail("bad 'nents'");
  if (!FullCount(fields_, "ents", dma_.size(), &e.mapped_nents)) return Fail("bad 'ents'");
  e.api = MapApi::kSg;
  BuildSg(e);
  RememberSg(e);
  return true;
}

uint64_t FtraceDecoder::SgKey(Symbol device, uint64_t first_phys) {
  return std::hash<Symbol>{}(device)*0x9e3779b97f4a7c15u ^ first_phys;
}

void FtraceDecoder::UnindexSg(uint32_t slot) {
  const LiveSg& live = live_sg_[slot];
  auto [lo, hi] = sg_index_.equal_range(SgKey(live.device, live.phys[0]));
  for (auto it = lo; it != hi; ++it) {
    if (it->second == slot) {
      sg_index_.erase(it);
      return;
    }
  }
}

void FtraceDecoder::RememberSg(const Event& e) {
  if (phys_.empty()) return;
  if (live_sg_.empty()) live_sg_.resize(kMaxLiveSg);
  const uint64_t order = ++sg_order_;
  const auto slot = static_cast<uint32_t>(order % kMaxLiveSg);
  LiveSg& live = live_sg_[slot];
  if (!live.device.empty()) UnindexSg(slot);  // the oldest map is forgotten
  live.device = e.device;
  live.order = order;
  live.phys.assign(phys_.begin(), phys_.end());
  live.dma.assign(dma_.begin(), dma_.end());
  live.lengths.assign(lengths_.begin(), lengths_.end());
  live.mapped_nents = e.mapped_nents;
  sg_index_.emplace(SgKey(e.device, phys_[0]), slot);
}

void FtraceDecoder::TakeLiveSg(Event& e) {
  dma_.clear();
  lengths_.clear();
  if (phys_.empty() || sg_index_.empty()) return;
  auto [lo, hi] = sg_index_.equal_range(SgKey(e.device, phys_[0]));
  auto best = hi;
  for (auto it = lo; it != hi; ++it) {
    const LiveSg& live = live_sg_[it->second];
    if (live.device != e.device || live.phys != phys_) continue;
    if (best == hi || live.order > live_sg_[best->second].order) best = it;
  }
  if (best == hi) return;
  LiveSg& found = live_sg_[best->second];
  dma_.assign(found.dma.begin(), found.dma.end());
  lengths_.assign(found.lengths.begin(), found.lengths.end());
  e.mapped_nents = found.mapped_nents;
  found.device = Symbol();
  sg_index_.erase(best);
}

bool FtraceDecoder::MapSgError(Event& e) {
  // The kernel names the list "dma_addrs" but fills it with the segments' physical addresses.
  const std::string_view* err = fields_.Get("err");
  if (!Device(e) || !Dir(e) || !Array("dma_addrs", true, &phys_) || !Attrs(e)) return false;
  if (err == nullptr) return Fail("missing field 'err'");
  e.api = MapApi::kSg;
  e.failed = true;
  e.nents = static_cast<uint32_t>(phys_.size());
  e.text = Symbol(fmt::format("err={}", *err));
  BuildSg(e);
  return true;
}

bool FtraceDecoder::UnmapSg(Event& e) {
  if (!Device(e) || !Dir(e) || !Array("phys_addrs", true, &phys_) || !Attrs(e)) return false;
  e.api = MapApi::kSg;
  e.nents = static_cast<uint32_t>(phys_.size());
  TakeLiveSg(e);
  BuildSg(e);
  return true;
}

bool FtraceDecoder::SyncSingle(Event& e) {
  uint64_t dma = 0;
  if (!Device(e) || !Dir(e) || !Hex("dma_addr", &dma) || !Number("size", &e.size)) return false;
  e.api = MapApi::kPage;  // dma_map_single is dma_map_page underneath: one sync for both
  e.dma = DmaAddr(dma);
  return true;
}

bool FtraceDecoder::SyncSg(Event& e) {
  if (!Device(e) || !Dir(e) || !Array("dma_addrs", true, &dma_) ||
      !Array("sizes", false, &lengths_)) {
    return false;
  }
  if (lengths_.size() != dma_.size()) {
    return Fail(fmt::format("sizes has {} entries, dma_addrs {}", lengths_.size(), dma_.size()));
  }
  e.api = MapApi::kSg;
  e.nents = static_cast<uint32_t>(dma_.size());
  BuildSg(e);
  return true;
}

bool FtraceDecoder::Alloc(Event& e, MapApi api) {
  uint64_t dma = 0, virt = 0;
  e.dir = DmaDirection::kBidirectional;  // kernels before the dir field traced coherent only
  if (!Device(e) || !Dir(e, /*required=*/false) || !Hex("dma_addr", &dma) ||
      !Number("size", &e.size) || !Hex("virt_addr", &virt) || !Attrs(e)) {
    return false;
  }
  e.api = api;
  e.dma = DmaAddr(dma);
  e.cpu = CpuAddr(virt);
  e.failed = virt == 0;
  return true;
}

bool FtraceDecoder::AllocSgt(Event& e, bool failed) {
  if (failed) {
    // dma_alloc_sgt_err shares dma_alloc's format.
    if (!Alloc(e, MapApi::kNoncoherent)) return false;
    e.failed = true;
    return true;
  }
  uint64_t dma = 0;
  if (!Device(e) || !Dir(e) || !Hex("dma_addr", &dma) || !Number("size", &e.size) ||
      !Array("phys_addrs", true, &phys_) || !Attrs(e)) {
    return false;
  }
  e.api = MapApi::kNoncoherent;
  e.nents = static_cast<uint32_t>(phys_.size());
  BuildSg(e);
  e.dma = DmaAddr(dma);
  return true;
}

bool FtraceDecoder::Free(Event& e, MapApi api) {
  uint64_t dma = 0, virt = 0;
  e.dir = DmaDirection::kBidirectional;
  if (!Device(e) || !Dir(e, /*required=*/false) || !Hex("dma_addr", &dma) ||
      !Number("size", &e.size) || !Hex("virt_addr", &virt) || !Attrs(e)) {
    return false;
  }
  e.api = api;
  e.dma = DmaAddr(dma);
  e.cpu = CpuAddr(virt);
  return true;
}

bool FtraceDecoder::FreeSgt(Event& e) {
  uint64_t dma = 0;
  if (!Device(e) || !Dir(e) || !Hex("dma_addr", &dma) || !Number("size", &e.size) ||
      !Array("phys_addrs", true, &phys_)) {
    return false;
  }
  e.api = MapApi::kNoncoherent;
  e.nents = static_cast<uint32_t>(phys_.size());
  BuildSg(e);
  e.dma = DmaAddr(dma);
  return true;
}

}  // namespace dmakit::trace_internal
