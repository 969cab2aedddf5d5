#include "trace/ftrace_decoder.h"

#include <fmt/format.h>

#include <algorithm>

namespace dmakit::trace_internal {
namespace {

constexpr size_t kMaxCachedDevices = 4096;

using Decoder = bool (*)(FtraceDecoder&, Event&);

struct KnownEvent {
  std::string_view name;
  EventKind kind;
  Decoder decode;
};

// Every tracepoint name the dma and iommu systems have had. Most frequent first.
constexpr KnownEvent kKnownEvents[] = {
    {"dma_map_phys", EventKind::kDmaMap,
     [](FtraceDecoder& d, Event& e) { return d.MapSingle(e, MapApi::kPage); }},
    {"dma_unmap_phys", EventKind::kDmaUnmap,
     [](FtraceDecoder& d, Event& e) { return d.UnmapSingle(e, MapApi::kPage); }},
    {"dma_map_page", EventKind::kDmaMap,
     [](FtraceDecoder& d, Event& e) { return d.MapSingle(e, MapApi::kPage); }},
    {"dma_unmap_page", EventKind::kDmaUnmap,
     [](FtraceDecoder& d, Event& e) { return d.UnmapSingle(e, MapApi::kPage); }},
    {"dma_sync_single_for_cpu", EventKind::kDmaSyncForCpu,
     [](FtraceDecoder& d, Event& e) { return d.SyncSingle(e); }},
    {"dma_sync_single_for_device", EventKind::kDmaSyncForDevice,
     [](FtraceDecoder& d, Event& e) { return d.SyncSingle(e); }},
    {"dma_map_sg", EventKind::kDmaMap, [](FtraceDecoder& d, Event& e) { return d.MapSg(e); }},
    {"dma_unmap_sg", EventKind::kDmaUnmap, [](FtraceDecoder& d, Event& e) { return d.UnmapSg(e); }},
    {"dma_sync_sg_for_cpu", EventKind::kDmaSyncForCpu,
     [](FtraceDecoder& d, Event& e) { return d.SyncSg(e); }},
    {"dma_sync_sg_for_device", EventKind::kDmaSyncForDevice,
     [](FtraceDecoder& d, Event& e) { return d.SyncSg(e); }},
    {"dma_map_resource", EventKind::kDmaMap,
     [](FtraceDecoder& d, Event& e) { return d.MapSingle(e, MapApi::kResource); }},
    {"dma_unmap_resource", EventKind::kDmaUnmap,
     [](FtraceDecoder& d, Event& e) { return d.UnmapSingle(e, MapApi::kResource); }},
    {"dma_map_sg_err", EventKind::kDmaMap,
     [](FtraceDecoder& d, Event& e) { return d.MapSgError(e); }},
    {"dma_alloc", EventKind::kDmaAlloc,
     [](FtraceDecoder& d, Event& e) { return d.Alloc(e, MapApi::kCoherent); }},
    {"dma_alloc_pages", EventKind::kDmaAlloc,
     [](FtraceDecoder& d, Event& e) { return d.Alloc(e, MapApi::kPages); }},
    {"dma_alloc_sgt", EventKind::kDmaAlloc,
     [](FtraceDecoder& d, Event& e) { return d.AllocSgt(e, /*failed=*/false); }},
    {"dma_alloc_sgt_err", EventKind::kDmaAlloc,
     [](FtraceDecoder& d, Event& e) { return d.AllocSgt(e, /*failed=*/true); }},
    {"dma_free", EventKind::kDmaFree,
     [](FtraceDecoder& d, Event& e) { return d.Free(e, MapApi::kCoherent); }},
    {"dma_free_pages", EventKind::kDmaFree,
     [](FtraceDecoder& d, Event& e) { return d.Free(e, MapApi::kPages); }},
    {"dma_free_sgt", EventKind::kDmaFree, [](FtraceDecoder& d, Event& e) { return d.FreeSgt(e); }},
    {"map", EventKind::kIommuMap, [](FtraceDecoder& d, Event& e) { return d.IommuMap(e); }},
    {"unmap", EventKind::kIommuUnmap, [](FtraceDecoder& d, Event& e) { return d.IommuUnmap(e); }},
    {"attach_device_to_domain", EventKind::kIommuAttach,
     [](FtraceDecoder& d, Event& e) { return d.IommuDevice(e); }},
    {"detach_device_from_domain", EventKind::kIommuDetach,
     [](FtraceDecoder& d, Event& e) { return d.IommuDevice(e); }},
    {"add_device_to_group", EventKind::kNote,
     [](FtraceDecoder& d, Event& e) { return d.IommuGroup(e, "add_device_to_group"); }},
    {"remove_device_from_group", EventKind::kNote,
     [](FtraceDecoder& d, Event& e) { return d.IommuGroup(e, "remove_device_from_group"); }},
    {"io_page_fault", EventKind::kIommuFault,
     [](FtraceDecoder& d, Event& e) { return d.IommuFault(e); }},
};

// The longest known name is 26 bytes; names are grouped by length so that a lookup compares
// only the few names of its length.
constexpr size_t kMaxNameLength = 32;

struct NamesByLength {
  // kKnownEvents indexes, grouped by name length: group n is [first[n], first[n + 1]).
  uint8_t first[kMaxNameLength + 2] = {};
  uint8_t index[std::size(kKnownEvents)] = {};
  constexpr NamesByLength() {
    size_t at = 0;
    for (size_t n = 0; n <= kMaxNameLength; ++n) {
      first[n] = static_cast<uint8_t>(at);
      for (size_t i = 0; i < std::size(kKnownEvents); ++i) {
        if (kKnownEvents[i].name.size() == n) index[at++] = static_cast<uint8_t>(i);
      }
    }
    first[kMaxNameLength + 1] = static_cast<uint8_t>(at);
  }
};
constexpr NamesByLength kNamesByLength;
static_assert(kNamesByLength.first[kMaxNameLength + 1] == std::size(kKnownEvents),
              "a known event name is longer than kMaxNameLength");

const KnownEvent* Find(std::string_view name) {
  if (name.size() > kMaxNameLength) return nullptr;
  const size_t n = name.size();
  for (size_t at = kNamesByLength.first[n]; at < kNamesByLength.first[n + 1]; ++at) {
    const KnownEvent& k = kKnownEvents[kNamesByLength.index[at]];
    // Most names share "dma_": the last byte tells most of one length apart before memcmp.
    if (k.name.back() == name.back() && SameText(k.name, name)) return &k;
  }
  return nullptr;
}

// Resets every field. Copy-assigning a blank Event keeps the sg vector's capacity (a vector
// copy-assigned from an empty one keeps its storage) and constructs no Symbol per line.
void Reset(Event& e) {
  static const Event kBlank;
  e = kBlank;
}

struct LinuxAttr {
  std::string_view name;
  uint32_t bits;  // 0: a Linux attribute with no dmakit meaning (bit values moved over time)
};
constexpr LinuxAttr kLinuxAttrs[] = {
    {"SKIP_CPU_SYNC", DmaAttrs::kSkipCpuSync},
    {"WEAK_ORDERING", DmaAttrs::kWeakOrdering},
    {"WRITE_COMBINE", DmaAttrs::kWriteCombine},
    {"NO_KERNEL_MAPPING", DmaAttrs::kNoKernelMapping},
    {"FORCE_CONTIGUOUS", 1u << 6},
    {"ALLOC_SINGLE_PAGES", 1u << 7},
    {"NO_WARN", 1u << 8},
    {"PRIVILEGED", 1u << 9},
};

bool IsFlagName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

FtraceDecoder::Outcome FtraceDecoder::Decode(std::string_view name, std::string_view fields,
                                             Event& out) {
  const KnownEvent* known = Find(name);
  if (known == nullptr) return Outcome::kUnknown;
  Reset(out);
  out.kind = known->kind;
  phys_.clear();
  dma_.clear();
  lengths_.clear();
  if (!fields_.Split(fields)) {
    Fail(fmt::format("more than {} fields", FtraceFields::kMaxTokens));
    return Outcome::kMalformed;
  }
  return known->decode(*this, out) ? Outcome::kEvent : Outcome::kMalformed;
}

bool FtraceDecoder::Fail(std::string message) {
  error_ = std::move(message);
  return false;
}

Symbol FtraceDecoder::Intern(std::string_view name) {
  if (SameText(last_device_.view(), name)) return last_device_;
  for (const Symbol& recent : recent_devices_) {
    if (SameText(recent.view(), name)) {
      last_device_ = recent;
      return recent;
    }
  }
  auto it = devices_.find(name);
  if (it != devices_.end()) {
    last_device_ = it->second;
  } else {
    last_device_ = Symbol(name);
    if (devices_.size() < kMaxCachedDevices) devices_.emplace(std::string(name), last_device_);
  }
  recent_devices_[recent_next_] = last_device_;
  recent_next_ = (recent_next_ + 1) % kRecentDevices;
  return last_device_;
}

bool FtraceDecoder::Device(Event& e) {
  const std::string_view name = fields_.Positional(0);
  if (name.empty()) return Fail("missing device name");
  e.device = Intern(name);
  return true;
}

bool FtraceDecoder::Hex(FieldKey key, uint64_t* out, bool required) {
  const std::string_view* v = fields_.Get(key);
  if (v == nullptr) return !required || Fail(fmt::format("missing field '{}'", FieldName(key)));
  if (ParseHex(*v, out)) return true;
  if (*v == "(null)") {
    *out = 0;
    return true;
  }
  return Fail(fmt::format("bad hex in '{}': '{}'", FieldName(key), *v));
}

bool FtraceDecoder::Number(FieldKey key, uint64_t* out, bool required) {
  const std::string_view* v = fields_.Get(key);
  if (v == nullptr) return !required || Fail(fmt::format("missing field '{}'", FieldName(key)));
  if (!ParseNumber(*v, out)) {
    return Fail(fmt::format("bad number in '{}': '{}'", FieldName(key), *v));
  }
  return true;
}

bool FtraceDecoder::Dir(Event& e, bool required) {
  const std::string_view* v = fields_.Get(FieldKey::kDir);
  if (v == nullptr) return !required || Fail("missing field 'dir'");
  // The kernel's spellings first: ParseDmaDirection normalises through a std::string.
  if (*v == "TO_DEVICE") {
    e.dir = DmaDirection::kToDevice;
  } else if (*v == "FROM_DEVICE") {
    e.dir = DmaDirection::kFromDevice;
  } else if (*v == "BIDIRECTIONAL") {
    e.dir = DmaDirection::kBidirectional;
  } else if (std::optional<DmaDirection> d = ParseDmaDirection(*v)) {
    e.dir = *d;
  } else {
    return Fail(fmt::format("unknown direction '{}'", *v));
  }
  return true;
}

bool FtraceDecoder::Attrs(Event& e, bool* mmio) {
  const std::string_view* v = fields_.Get(FieldKey::kAttrs);
  if (v == nullptr) return true;  // absent from the sync events
  std::string_view rest = *v;
  uint32_t bits = 0;
  while (!rest.empty()) {
    const size_t bar = rest.find('|');
    const std::string_view flag = rest.substr(0, bar);
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
    uint64_t number = 0;
    if (flag.starts_with("0x") && ParseHex(flag, &number) && number <= UINT32_MAX) {
      bits |= static_cast<uint32_t>(number);  // __print_flags prints unnamed bits in hex
      continue;
    }
    if (!IsFlagName(flag)) return Fail(fmt::format("bad attrs '{}'", *v));
    if (flag == "MMIO" && mmio != nullptr) *mmio = true;
    for (const LinuxAttr& a : kLinuxAttrs) {
      if (a.name == flag) bits |= a.bits;
    }
  }
  e.attrs = DmaAttrs::FromBits(bits);
  return true;
}

bool FtraceDecoder::Array(FieldKey key, bool hex, std::vector<uint64_t>* out) {
  const std::string_view* v = fields_.Get(key);
  if (v == nullptr) return Fail(fmt::format("missing field '{}'", FieldName(key)));
  if (!ParseArray(*v, hex, max_array_, out)) {
    return Fail(fmt::format("bad array in '{}' (want {{0x..,..}}, at most {} entries)",
                            FieldName(key), max_array_));
  }
  return true;
}

void FtraceDecoder::BuildSg(Event& e) {
  const size_t n = std::max(phys_.size(), dma_.size());
  const bool same_count = phys_.size() == dma_.size();
  e.sg.resize(n);
  for (size_t i = 0; i < n; ++i) {
    SgSegment& s = e.sg[i];
    s.phys = PhysAddr(i < phys_.size() ? phys_[i] : 0);
    s.dma = DmaAddr(i < dma_.size() ? dma_[i] : 0);
    s.dma_length = i < lengths_.size() ? lengths_[i] : 0;
    s.length = same_count ? s.dma_length : 0;
  }
  if (!phys_.empty()) e.phys = PhysAddr(phys_[0]);
  if (!dma_.empty()) e.dma = DmaAddr(dma_[0]);
  uint64_t total = 0;
  for (uint64_t len : lengths_) total += len;
  if (!lengths_.empty()) e.size = total;
}

}  // namespace dmakit::trace_internal
