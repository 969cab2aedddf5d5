// The `dma` tracepoints (include/trace/events/dma.h, Linux 6.12 and later). Every event
// starts with the device name, then key=value fields.
#include <fmt/format.h>

#include "trace/ftrace_decoder.h"

namespace dmakit::trace_internal {
namespace {

constexpr uint64_t kDmaMappingError = ~uint64_t{0};

// "nents=3/3" (traced/full, newer kernels): the full count after the '/'.
bool FullCount(const FtraceFields& f, FieldKey key, uint64_t fallback, uint32_t* out) {
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
  if (!Device(e) || !Dir(e) || !Hex(FieldKey::kDmaAddr, &dma) ||
      !Number(FieldKey::kSize, &e.size) || !Hex(FieldKey::kPhysAddr, &phys) || !Attrs(e, &mmio)) {
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
  if (!Device(e) || !Dir(e) || !Hex(FieldKey::kDmaAddr, &dma) ||
      !Number(FieldKey::kSize, &e.size) || !Attrs(e, &mmio)) {
    return false;
  }
  e.api = mmio ? MapApi::kResource : api;
  e.dma = DmaAddr(dma);
  return true;
}

bool FtraceDecoder::MapSg(Event& e) {
  if (!Device(e) || !Dir(e) || !Array(FieldKey::kDmaAddrs, true, &dma_) ||
      !Array(FieldKey::kSizes, false, &lengths_) || !Array(FieldKey::kPhysAddrs, true, &phys_) ||
      !Attrs(e)) {
    return false;
  }
  if (lengths_.size() != dma_.size()) {
    return Fail(fmt::format("sizes has {} entries, dma_addrs {}", lengths_.size(), dma_.size()));
  }
  if (!FullCount(fields_, FieldKey::kNents, phys_.size(), &e.nents)) return Fail("bad 'nents'");
  if (!FullCount(fields_, FieldKey::kEnts, dma_.size(), &e.mapped_nents)) return Fail("bad 'ents'");
  e.api = MapApi::kSg;
  BuildSg(e);
  RememberSg(e);
  return true;
}

uint32_t FtraceDecoder::SgBucket(Symbol device, uint64_t first_phys) {
  const uint64_t h =
      (std::hash<Symbol>{}(device) ^ first_phys * 0x9e3779b97f4a7c15u) * 0xff51afd7ed558ccdu;
  return static_cast<uint32_t>(h >> (64 - kSgBucketBits));
}

void FtraceDecoder::UnlinkSg(int32_t slot, int32_t prev) {
  LiveSg& live = live_sg_[static_cast<size_t>(slot)];
  if (prev < 0) {
    sg_buckets_[live.bucket] = live.next;
  } else {
    live_sg_[static_cast<size_t>(prev)].next = live.next;
  }
  live.next = -1;
  live.device = Symbol();
}

void FtraceDecoder::UnindexSg(uint32_t slot) {
  int32_t prev = -1;
  for (int32_t at = sg_buckets_[live_sg_[slot].bucket]; at >= 0;
       prev = at, at = live_sg_[static_cast<size_t>(at)].next) {
    if (at == static_cast<int32_t>(slot)) {
      UnlinkSg(at, prev);
      return;
    }
  }
}

void FtraceDecoder::RememberSg(const Event& e) {
  if (phys_.empty()) return;
  if (live_sg_.empty()) {
    live_sg_.resize(kMaxLiveSg);
    sg_buckets_.assign(size_t{1} << kSgBucketBits, -1);
  }
  const uint64_t order = ++sg_order_;
  const auto slot = static_cast<uint32_t>(order % kMaxLiveSg);
  LiveSg& live = live_sg_[slot];
  if (!live.device.empty()) UnindexSg(slot);  // the oldest map is forgotten
  live.device = e.device;
  live.phys.assign(phys_.begin(), phys_.end());
  live.dma.assign(dma_.begin(), dma_.end());
  live.lengths.assign(lengths_.begin(), lengths_.end());
  live.mapped_nents = e.mapped_nents;
  live.bucket = SgBucket(e.device, phys_[0]);
  live.next = sg_buckets_[live.bucket];
  sg_buckets_[live.bucket] = static_cast<int32_t>(slot);
}

void FtraceDecoder::TakeLiveSg(Event& e) {
  dma_.clear();
  lengths_.clear();
  if (phys_.empty() || live_sg_.empty()) return;
  // The chain lists newest first: the first match is the newest live map of these pages.
  int32_t prev = -1;
  for (int32_t at = sg_buckets_[SgBucket(e.device, phys_[0])]; at >= 0;
       prev = at, at = live_sg_[static_cast<size_t>(at)].next) {
    LiveSg& live = live_sg_[static_cast<size_t>(at)];
    if (live.device != e.device || live.phys != phys_) continue;
    dma_.assign(live.dma.begin(), live.dma.end());
    lengths_.assign(live.lengths.begin(), live.lengths.end());
    e.mapped_nents = live.mapped_nents;
    UnlinkSg(at, prev);
    return;
  }
}

bool FtraceDecoder::MapSgError(Event& e) {
  // The kernel names the list "dma_addrs" but fills it with the segments' physical addresses.
  const std::string_view* err = fields_.Get(FieldKey::kErr);
  if (!Device(e) || !Dir(e) || !Array(FieldKey::kDmaAddrs, true, &phys_) || !Attrs(e)) return false;
  if (err == nullptr) return Fail("missing field 'err'");
  e.api = MapApi::kSg;
  e.failed = true;
  e.nents = static_cast<uint32_t>(phys_.size());
  e.text = Symbol(fmt::format("err={}", *err));
  BuildSg(e);
  return true;
}

bool FtraceDecoder::UnmapSg(Event& e) {
  if (!Device(e) || !Dir(e) || !Array(FieldKey::kPhysAddrs, true, &phys_) || !Attrs(e))
    return false;
  e.api = MapApi::kSg;
  e.nents = static_cast<uint32_t>(phys_.size());
  TakeLiveSg(e);
  BuildSg(e);
  return true;
}

bool FtraceDecoder::SyncSingle(Event& e) {
  uint64_t dma = 0;
  if (!Device(e) || !Dir(e) || !Hex(FieldKey::kDmaAddr, &dma) || !Number(FieldKey::kSize, &e.size))
    return false;
  e.api = MapApi::kPage;  // dma_map_single is dma_map_page underneath: one sync for both
  e.dma = DmaAddr(dma);
  return true;
}

bool FtraceDecoder::SyncSg(Event& e) {
  if (!Device(e) || !Dir(e) || !Array(FieldKey::kDmaAddrs, true, &dma_) ||
      !Array(FieldKey::kSizes, false, &lengths_)) {
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
  if (!Device(e) || !Dir(e, /*required=*/false) || !Hex(FieldKey::kDmaAddr, &dma) ||
      !Number(FieldKey::kSize, &e.size) || !Hex(FieldKey::kVirtAddr, &virt) || !Attrs(e)) {
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
  if (!Device(e) || !Dir(e) || !Hex(FieldKey::kDmaAddr, &dma) ||
      !Number(FieldKey::kSize, &e.size) || !Array(FieldKey::kPhysAddrs, true, &phys_) ||
      !Attrs(e)) {
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
  if (!Device(e) || !Dir(e, /*required=*/false) || !Hex(FieldKey::kDmaAddr, &dma) ||
      !Number(FieldKey::kSize, &e.size) || !Hex(FieldKey::kVirtAddr, &virt) || !Attrs(e)) {
    return false;
  }
  e.api = api;
  e.dma = DmaAddr(dma);
  e.cpu = CpuAddr(virt);
  return true;
}

bool FtraceDecoder::FreeSgt(Event& e) {
  uint64_t dma = 0;
  if (!Device(e) || !Dir(e) || !Hex(FieldKey::kDmaAddr, &dma) ||
      !Number(FieldKey::kSize, &e.size) || !Array(FieldKey::kPhysAddrs, true, &phys_)) {
    return false;
  }
  e.api = MapApi::kNoncoherent;
  e.nents = static_cast<uint32_t>(phys_.size());
  BuildSg(e);
  e.dma = DmaAddr(dma);
  return true;
}

}  // namespace dmakit::trace_internal
